"""How long LibreOffice takes to open our workbooks, against a bare book of the same shape.

    python benchmarks/open.py                       # hello, the 30-step book, the 300-step compact book
    python benchmarks/open.py --cases hello,t30 --repeats 5
    python benchmarks/open.py --against ../old-checkout   # the same books built by another checkout
    python benchmarks/open.py --cases t30 --strip notes,charts,heatmaps,styles,all   # what each part costs
    python benchmarks/open.py --cases t30 --strip breaks,printareas,pagesetup,outline   # print setup, row groups
    python benchmarks/open.py --cases t30 --against ../old-checkout --repeats 9   # a change's cost, best of 9

Needs LibreOffice and its Python bridge (Debian: apt-get install libreoffice-calc-nogui python3-uno); the
timing runs under the system interpreter (/usr/bin/python3, which has `uno`), whatever runs this script.

"A bare book of the same shape" has as many sheets and as many formulas on each, all in one styled
format, a quarter reading a parameters sheet and the rest TANH of a neighbour, and nothing else: what any
book of ours must pay to open. LibreOffice starts once (headless, a throwaway profile with its default
settings, as a student's: .xlsx files open without recalculating); each load is
loadComponentFromURL(Hidden) to a loaded document, then close. Each repeat loads every book once in
turn (the real ones, their bare ones, --against's, the stripped copies), so that a noisy machine slows
all alike, whichever pair is timed first; the best of the repeats is reported, of the
wall-clock time and of the CPU seconds LibreOffice's process spent (its threads together: on a
machine that other work keeps busy it moves less than the wall-clock time, though it moves too).
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
soffice, profile, port, repeats, pairs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), json.loads(sys.argv[5])
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
paths = list(dict.fromkeys(p for pair in pairs for p in pair))
for path in paths:
    load(path)                                      # warm-up: first loads pay for code paths
times = {path: [] for path in paths}
for _ in range(repeats):                            # round robin: every book meets the same machine
    for path in paths:
        times[path].append(load(path))
out = {real: [min(t for t, _ in times[real]), min(t for t, _ in times[bare]),
              min(c for _, c in times[real]), min(c for _, c in times[bare])] for real, bare in pairs}
try:
    desktop.terminate()
except Exception:
    pass
proc.wait(timeout=60)
print(json.dumps(out))
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", default="hello,t30,t300")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--python", default="/usr/bin/python3", help="an interpreter that can import uno")
    ap.add_argument("--port", default="2083")
    ap.add_argument("--against", type=Path, help="another checkout: its books are timed beside ours")
    ap.add_argument("--strip", default="", help="also time copies of our books without these parts, comma-"
                    f"separated, each alone ('all' for every one): {', '.join(STRIP)}")
    a = ap.parse_args()
    from rnn_sheet.checking.recalc import find_soffice
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
        profile = Path(tmp, "profile").as_uri()
        result = subprocess.run([a.python, "-c", UNO_TIMER, find_soffice(), profile, a.port, str(a.repeats),
                                 json.dumps(pairs)], capture_output=True, text=True, timeout=3600)
        if result.returncode:
            raise SystemExit(result.stderr)
        times = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"{'workbook':>28} {'sheets':>7} {'formulas':>9} {'opens in s':>11} {'bare book s':>12} {'ratio':>6}"
          f" {'CPU s':>6} {'bare CPU s':>11} {'CPU ratio':>10}")
    for path, (real, bare, real_cpu, bare_cpu) in times.items():
        name, n_sheets, n_formulas = info[path]
        print(f"{name:>28} {n_sheets:>7} {n_formulas:>9} {real:>11.2f} {bare:>12.2f} {real / bare:>6.2f}"
              f" {real_cpu:>6.2f} {bare_cpu:>11.2f} {real_cpu / bare_cpu:>10.2f}")


if __name__ == "__main__":
    main()
