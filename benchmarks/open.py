"""How long LibreOffice takes to open our workbooks, against a bare book of the same shape.

    python benchmarks/open.py                       # hello, the 30-step book, the 300-step compact book
    python benchmarks/open.py --cases hello,t30 --repeats 5
    python benchmarks/open.py --against ../old-checkout   # the same books built by another checkout
    python benchmarks/open.py --cases t30 --strip notes,charts,heatmaps,styles,all   # what each part costs
    python benchmarks/open.py --cases t30 --strip breaks,printareas,pagesetup,outline   # print setup, row groups
    python benchmarks/open.py --cases t30 --against ../old-checkout --repeats 9   # a change's cost, best of 9
    python benchmarks/open.py --cases t30 --against ../old-checkout --instructions   # the same, counted

Needs LibreOffice and its Python bridge (Debian: apt-get install libreoffice-calc-nogui python3-uno); the
timing runs under the system interpreter (/usr/bin/python3, which has `uno`), whatever runs this script.
--instructions needs valgrind (apt-get install valgrind) and no Python bridge.

"A bare book of the same shape" has as many sheets and as many formulas on each, all in one styled
format, a quarter reading a parameters sheet and the rest TANH of a neighbour, and nothing else: what any
book of ours must pay to open. Each repeat starts a fresh LibreOffice (headless, a throwaway profile with
its default settings, as a student's: .xlsx files open without recalculating), loads the first book once
to warm up, then every book once, loadComponentFromURL(Hidden) to a loaded document, then close; the
order turns by one each repeat. One LibreOffice for every repeat, as this script had it before, is not
a fair clock: its later loads drift, so that two copies of one file measured 1.23 and 1.52 s, best of 9;
in fresh processes they agree within 5%. The best of the repeats is reported, of the wall-clock time
and of the CPU seconds LibreOffice's process spent (its threads together: on a machine that other work
keeps busy it moves less than the wall-clock time, though it moves too).
Books of one shape (a book and --against's) share one bare book. --strip's 'all' strips every part.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

CASES = {   # name: (word, build options)
    "hello": ("hello", []),
    "t30": ("recurrent networks read letters", ["--model", "standard", "--hidden", "16", "--layout", "detailed"]),
    "t300": (None, ["--model", "standard", "--hidden", "16", "--layout", "compact"]),
}

UNO_TIMER = r'''
import json, os, subprocess, sys, time, uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException
soffice, profile, port = sys.argv[1], sys.argv[2], sys.argv[3]
proc = subprocess.Popen([soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--nologo",
                         f"--accept=socket,host=127.0.0.1,port={port};urp;"], stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL)
resolver = uno.getComponentContext().ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver",
                                                                              uno.getComponentContext())
for _ in range(600):
    try:
        ctx = resolver.resolve(f"uno:socket,host=127.0.0.1,port={port};urp;StarOffice.ComponentContext")
        break
    except NoConnectException:
        time.sleep(0.1)
desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
hidden = PropertyValue(); hidden.Name, hidden.Value = "Hidden", True
def office():
    """soffice.bin's process (the wrapper started it): its CPU seconds are what a load costs, whatever
    else the machine runs."""
    for pid in os.listdir("/proc"):
        try:
            cmd = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
        except OSError:
            continue
        if cmd[0].endswith(b"soffice.bin") and profile.encode() in b" ".join(cmd):
            return pid
OFFICE = office()
def cpu():
    fields = open(f"/proc/{OFFICE}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
def load(path):
    t0, c0 = time.perf_counter(), cpu()
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(path), "_blank", 0, (hidden,))
    seconds = time.perf_counter() - t0, cpu() - c0
    doc.close(True)
    return seconds
order = json.loads(sys.argv[4])
load(order[0])                                      # warm-up: a first load pays for code paths
times = {path: load(path) for path in order}
try:
    desktop.terminate()
except Exception:
    pass
proc.wait(timeout=60)
print(json.dumps(times))
'''


def build_case(name, folder, root=ROOT):
    """Build a case with the code of the checkout `root`, in a fresh interpreter."""
    from bench import ALPHABET, text
    word, options = CASES[name]
    if word is None:
        word, options = text(300), ["--vocab", ALPHABET] + options
    path = Path(folder, f"{name}{'' if root == ROOT else '-against'}.xlsx")
    subprocess.run([sys.executable, "-c", "from rnn_sheet.cli import run; run()", "build", word, *options,
                    "--out", str(path)], check=True, capture_output=True, cwd=root,
                   env={**os.environ, "PYTHONPATH": os.pathsep.join([str(root)] + ([os.environ["PYTHONPATH"]]
                                                                               if os.environ.get("PYTHONPATH") else []))})
    return path


def shape(path):
    """[(sheet name, formula count)] of a workbook, in order."""
    import openpyxl
    wb = openpyxl.load_workbook(path, read_only=True)
    return [(ws.title, sum(1 for row in ws.iter_rows() for c in row if c.data_type == "f")) for ws in wb.worksheets]


def bare_book(sheets, path, width=20):
    """As many sheets and formulas per sheet, one styled format: a quarter of the formulas read the first
    sheet's numbers, the rest TANH of a neighbour."""
    import xlsxwriter
    wb = xlsxwriter.Workbook(str(path))
    fmt = wb.add_format({"num_format": "0.000000", "bg_color": "#DDEBF7", "border": 1})
    first = wb.add_worksheet("Parameters")
    for r in range(100):
        for c in range(10):
            first.write_number(r, c, (r * 10 + c) / 1000, fmt)
    for n, (name, count) in enumerate(sheets[1:], 1):
        ws = wb.add_worksheet(f"S{n}")
        for k in range(count):
            r, c = divmod(k, width)
            if k % 4 == 0:
                ws.write_formula(r, c, f"=Parameters!{chr(65 + k % 10)}{1 + k % 100}*2", fmt, 0)
            else:
                prev = xlsxwriter.utility.xl_rowcol_to_cell(*divmod(k - 1, width))
                ws.write_formula(r, c, f"=TANH({prev}+0.1)", fmt, 0)
    wb.close()
    return path


# What --strip removes from every sheet of a built .xlsx: the elements (regular expressions) and the
# relationships that reach the part, and from the workbook part (xl/workbook.xml) the elements that
# name a sheet's print area. The stripped copy is what the book would cost to open without it.
STRIP = {
    "notes": ([r"<legacyDrawing [^>]*/>"], ("vmlDrawing", "comments"), []),
    "charts": ([r"<drawing [^>]*/>"], ("drawing",), []),
    "heatmaps": ([r"<conditionalFormatting .*?</conditionalFormatting>"], (), []),
    "styles": ([r'(<c r="[A-Z]+\d+") s="\d+"', r'(<row [^>]*?) s="\d+" customFormat="1"'], (), []),
    "breaks": ([r"<rowBreaks .*?</rowBreaks>", r"<colBreaks .*?</colBreaks>"], (), []),
    "printareas": ([], (), [r'<definedName name="_xlnm.Print_Area" [^>]*>[^<]*</definedName>']),
    "pagesetup": ([r"<pageSetup [^>]*/>", r"<headerFooter>.*?</headerFooter>", r"<pageMargins [^>]*/>"], (), []),
    "outline": ([r'(<row [^>]*?) outlineLevel="\d+"', r'<row r="\d+" spans="[\d:]+"/>'], (), []),
}


def stripped(path, parts):
    """A copy of the .xlsx at `path` without `parts` (keys of STRIP)."""
    import zipfile
    out = path.with_name(f"{path.stem}-no-{'-'.join(parts)}.xlsx")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item).decode("utf-8") if item.filename.endswith((".xml", ".rels")) else src.read(item)
            for part in parts:
                patterns, rel_types, book_patterns = STRIP[part]
                if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", item.filename):
                    for pattern in patterns:
                        data = re.sub(pattern, lambda m: m.group(1) if m.groups() else "", data, flags=re.S)
                if item.filename == "xl/workbook.xml":
                    for pattern in book_patterns:
                        data = re.sub(pattern, "", data)
                    data = data.replace("<definedNames></definedNames>", "")
                if item.filename.startswith("xl/worksheets/_rels/"):
                    for rel in rel_types:
                        data = re.sub(f'<Relationship [^>]*relationships/{rel}" [^>]*/>', "", data)
            dst.writestr(item, data)
    return out


def _time_loads(a, pairs, tmp):
    """{book: [its best wall-clock s, its bare book's, its best CPU s, its bare book's]}, over
    a.repeats fresh LibreOffice processes, each loading every book once, the order turned by one each
    time so that no book always comes first or last."""
    from rnn_sheet.checking.recalc import find_soffice
    paths = list(dict.fromkeys(p for pair in pairs for p in pair))
    seen = {path: [] for path in paths}
    for r in range(a.repeats):
        order = paths[r % len(paths):] + paths[:r % len(paths)]
        profile = Path(tmp, f"profile-{r}").as_uri()
        result = subprocess.run([a.python, "-c", UNO_TIMER, find_soffice(), profile, a.port, json.dumps(order)],
                                capture_output=True, text=True, timeout=3600)
        if result.returncode:
            raise SystemExit(result.stderr)
        for path, seconds in json.loads(result.stdout.strip().splitlines()[-1]).items():
            seen[path].append(seconds)
    best = {path: (min(t for t, _ in seen[path]), min(c for _, c in seen[path])) for path in paths}
    return {real: [best[real][0], best[bare][0], best[real][1], best[bare][1]] for real, bare in pairs}


def _count_instructions(pairs, tmp):
    """{book: [its instructions, its bare book's]}: what LibreOffice executes to open the book and write
    its first sheet as CSV, counted by valgrind's callgrind, less what it executes for a one-cell book
    (starting up and stopping). A count, not a clock: the same on a busy machine as on an idle one, where
    best-of-9 wall-clock times of one file move by 10-20% from run to run."""
    import shutil
    import xlsxwriter
    from concurrent.futures import ThreadPoolExecutor
    from rnn_sheet.checking.recalc import find_soffice
    office = Path(os.path.realpath(find_soffice())).with_name("soffice.bin")
    tiny = Path(tmp, "one-cell.xlsx")
    wb = xlsxwriter.Workbook(str(tiny))
    wb.add_worksheet().write_number(0, 0, 1)
    wb.close()
    profile = Path(tmp, "profile-counted")

    def run(path, k, counted=True):
        own = profile.with_name(f"{profile.name}-{k}")
        if counted:
            shutil.copytree(profile, own)
        command = [str(office), f"-env:UserInstallation={(own if counted else profile).as_uri()}", "--headless",
                   "--norestore", "--convert-to", "csv", "--outdir", str(Path(tmp, f"csv-{k}")), str(path)]
        if not counted:                             # a first start makes the profile, then restarts
            subprocess.run(command, capture_output=True, timeout=600)
            return 0
        log = Path(tmp, f"callgrind-{k}.log")
        subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", f"--log-file={log}",
                        *command], capture_output=True, timeout=3600, check=True)
        return int(re.search(r"Collected : (\d+)", log.read_text()).group(1))

    run(tiny, 0, counted=False)
    paths = [str(tiny)] + list(dict.fromkeys(p for pair in pairs for p in pair))
    with ThreadPoolExecutor(os.cpu_count()) as pool:
        counts = dict(zip(paths, pool.map(run, paths, range(1, len(paths) + 1))))
    start = counts[str(tiny)]
    return {real: [counts[real] - start, counts[bare] - start] for real, bare in pairs}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", default="hello,t30,t300")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--python", default="/usr/bin/python3", help="an interpreter that can import uno")
    ap.add_argument("--port", default="2083")
    ap.add_argument("--against", type=Path, help="another checkout: its books are timed beside ours")
    ap.add_argument("--strip", default="", help="also time copies of our books without these parts, comma-"
                    f"separated, each alone ('all' for every one): {', '.join(STRIP)}")
    ap.add_argument("--instructions", action="store_true", help="count the instructions each load executes"
                    " (valgrind's callgrind: a load runs ~100x slower) instead of timing it")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="rnn-sheet-open-") as tmp:
        pairs, info, bares = [], {}, {}
        for name in a.cases.split(","):
            for root in [ROOT] + ([a.against.resolve()] if a.against else []):
                path = build_case(name, tmp, root)
                sheets = shape(path)
                if tuple(sheets) not in bares:      # books of one shape (--against's) share their bare book
                    bares[tuple(sheets)] = bare_book(sheets, path.with_name(f"{path.stem}-bare.xlsx"))
                bare = bares[tuple(sheets)]
                pairs.append((str(path), str(bare)))
                info[str(path)] = (name if root == ROOT else f"{name} ({root.name})", len(sheets),
                                   sum(n for _, n in sheets))
                for parts in [p.split("+") for p in a.strip.split(",") if p and root == ROOT]:
                    parts = list(STRIP) if parts == ["all"] else parts
                    copy = stripped(path, parts)
                    pairs.append((str(copy), str(bare)))
                    info[str(copy)] = (f"{name} -{'-'.join(parts)}", *info[str(path)][1:])
        if a.instructions:
            counts = _count_instructions(pairs, tmp)
            print(f"{'workbook':>28} {'sheets':>7} {'formulas':>9} {'instructions':>13} {'bare book':>10} {'ratio':>6}")
            for path, (real, bare) in counts.items():
                name, n_sheets, n_formulas = info[path]
                print(f"{name:>28} {n_sheets:>7} {n_formulas:>9} {real / 1e9:>12.3f}G {bare / 1e9:>9.3f}G"
                      f" {real / bare:>6.3f}")
            return
        times = _time_loads(a, pairs, tmp)
    print(f"{'workbook':>28} {'sheets':>7} {'formulas':>9} {'opens in s':>11} {'bare book s':>12} {'ratio':>6}"
          f" {'CPU s':>6} {'bare CPU s':>11} {'CPU ratio':>10}")
    for path, (real, bare, real_cpu, bare_cpu) in times.items():
        name, n_sheets, n_formulas = info[path]
        print(f"{name:>28} {n_sheets:>7} {n_formulas:>9} {real:>11.2f} {bare:>12.2f} {real / bare:>6.2f}"
              f" {real_cpu:>6.2f} {bare_cpu:>11.2f} {real_cpu / bare_cpu:>10.2f}")


if __name__ == "__main__":
    main()
