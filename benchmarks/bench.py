"""Build time, peak memory, file size, formula count and LibreOffice recompute time as the word grows.

    python benchmarks/bench.py                  # T = 10, 30, 100, 300; vocabulary 30, hidden 16, standard
    python benchmarks/bench.py --sizes 10,30 --no-recompute
    python benchmarks/bench.py --against ../old-checkout   # the same builds with another checkout's code
    python benchmarks/bench.py --model lstm --versus standard --sizes 10,30,100 --no-recompute
                                                # the same words with another cell, and the time ratio
    python benchmarks/bench.py --hello --against ../old-checkout    # `build hello` against the import floor
    python benchmarks/bench.py --largest standard,article --against ../old-checkout --repeats 2
                                                # the largest books: time, peak memory, size, per cell

Each build runs in a fresh interpreter (`rnn-sheet build`, as a user would run it), so wall time
includes start-up and peak memory is that process's own maximum resident size. The last table
line fits time ~ T^k between the two largest sizes: k near 1 means linear growth.
"""
import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ALPHABET = "abcdefghijklmnopqrstuvwxyz .,;"     # 30 letters


def text(T, vocab=ALPHABET, seed=0):
    rng = random.Random(seed)
    body = "".join(rng.choice(vocab) for _ in range(T + 1 - len(vocab)))
    return (vocab + body)[:T + 1]            # every letter appears, so the vocabulary is complete


CHILD = """
import json, resource, sys, time
t0 = time.perf_counter()
from rnn_sheet.cli import run
try:
    run(sys.argv[1:])
except SystemExit as e:
    if e.code:
        raise
print(json.dumps({"seconds": time.perf_counter() - t0,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), file=sys.stderr)
"""


def _fresh(root):
    """An interpreter as a user's: bytecode cached (an installed package has it), imports from root."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def build(T, out, args, root=ROOT):
    """One build in a fresh interpreter that imports rnn_sheet from `root` (a checkout)."""
    word = text(T)
    cmd = [sys.executable, "-c", CHILD, "build", word, "--vocab", ALPHABET, *args, "--out", str(out)]
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=root, env=_fresh(root))
    wall = time.perf_counter() - t0
    if r.returncode:
        raise SystemExit(r.stderr)
    stats = json.loads(r.stderr.strip().splitlines()[-1])
    return wall, stats["peak_mb"]


def formula_count(path):
    import openpyxl
    wb = openpyxl.load_workbook(path, read_only=True)
    return sum(1 for ws in wb.worksheets for row in ws.iter_rows() for c in row
               if c.data_type == "f")


def recompute_seconds(path, folder):
    from rnn_sheet.checking.recalc import convert
    t0 = time.perf_counter()
    convert([path], folder)
    return time.perf_counter() - t0


def xlsxwriter_baseline(n_formulas, path):
    """XlsxWriter's own speed for n formula cells with cached values: the bar for our writer."""
    import xlsxwriter
    t0 = time.perf_counter()
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    for k in range(n_formulas):
        ws.write_formula(k // 50, k % 50, "=TANH(SUMPRODUCT(A1:D1,A2:D2)+B3)", None, 0.5)
    wb.close()
    return time.perf_counter() - t0


def _wall(cmd, root):
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, cwd=root, env=_fresh(root))
    return time.perf_counter() - t0


def hello_walls(roots, repeats=7):
    """Best wall time of `rnn-sheet build hello` with each checkout's code, and of the import floor
    (python -c "import numpy, xlsxwriter, click"), the runs alternating so that they share the
    machine's moods; a first run of each fills the bytecode caches."""
    floor = [sys.executable, "-c", "import numpy, xlsxwriter, click"]
    best = {"floor": math.inf, **{root: math.inf for root in roots}}
    with tempfile.TemporaryDirectory() as tmp:
        def hello(root):
            return [sys.executable, "-c", "from rnn_sheet.cli import run; run()", "build", "hello",
                    "--out", str(Path(tmp, "hello.xlsx"))]
        for root in roots:
            _wall(hello(root), root)
        for _ in range(repeats):
            best["floor"] = min(best["floor"], _wall(floor, ROOT))
            for root in roots:
                best[root] = min(best[root], _wall(hello(root), root))
    return best


def print_hello(against):
    roots = [ROOT] + ([against.resolve()] if against else [])
    best = hello_walls(roots)
    line = (f"hello (article template): best of 7 wall time {best[ROOT]:.3f} s, import floor "
            f"(numpy, xlsxwriter, click) {best['floor']:.3f} s: {best[ROOT] / best['floor']:.2f}x")
    if against:
        line += f"; {against}: {best[roots[1]]:.3f} s ({best[roots[1]] / best['floor']:.2f}x)"
    print(line, flush=True)


# The largest single pass the command accepts: 500 letters over a vocabulary of 100, hidden size 64.
LARGEST_VOCAB = "".join(chr(c) for c in range(33, 127)) + "äöüßéè"


def largest_word(seed=0):
    rng = random.Random(seed)
    return LARGEST_VOCAB + "".join(rng.choice(LARGEST_VOCAB) for _ in range(500 - len(LARGEST_VOCAB)))


def cells_in(path):
    """Cells in an .xlsx file's sheets (<c> elements)."""
    import zipfile
    with zipfile.ZipFile(path) as z:
        return sum(z.read(n).count(b"<c ") for n in z.namelist() if n.startswith("xl/worksheets/sheet"))


def print_largest(models, against, repeats):
    """Each model's largest book built in a fresh interpreter (best wall time of `repeats`, the
    largest peak), beside the same build by another checkout, in turns."""
    roots = [ROOT] + ([against.resolve()] if against else [])
    print(f"500 letters, vocabulary 100, hidden 64, default options; best of {repeats} builds, in turns"
          + (f" with {against}" if against else ""))
    print(f"{'model':>9} {'checkout':>9} {'build s':>8} {'peak MB':>8} {'file MB':>8} {'cells':>10} {'KB/cell':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for model in models:
            runs = {root: [] for root in roots}
            for _ in range(repeats):
                for root in roots:
                    out = Path(tmp, f"{model}-{len(runs[root])}-{roots.index(root)}.xlsx")
                    word = largest_word()
                    cmd = [sys.executable, "-c", CHILD, "build", word, "--vocab", LARGEST_VOCAB, "--hidden", "64",
                           "--model", model, "--out", str(out)]
                    t0 = time.perf_counter()
                    r = subprocess.run(cmd, capture_output=True, text=True, cwd=root, env=_fresh(root))
                    if r.returncode:
                        raise SystemExit(r.stderr)
                    runs[root].append((time.perf_counter() - t0, json.loads(r.stderr.strip().splitlines()[-1])["peak_mb"], out))
            for root in roots:
                wall = min(w for w, _, _ in runs[root])
                peak = max(p for _, p, _ in runs[root])
                out = runs[root][0][2]
                n = cells_in(out)
                print(f"{model:>9} {'this' if root == ROOT else 'against':>9} {wall:>8.2f} {peak:>8.0f} "
                      f"{out.stat().st_size / 1e6:>8.2f} {n:>10,} {peak * 1024 / n:>8.3f}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10,30,100,300")
    ap.add_argument("--model", default="standard")
    ap.add_argument("--hidden", default="16")
    ap.add_argument("--epochs", default="0")
    ap.add_argument("--layout", default="auto")
    ap.add_argument("--no-recompute", action="store_true")
    ap.add_argument("--baseline", action="store_true", help="also time XlsxWriter alone for the same cell count")
    ap.add_argument("--against", type=Path, help="another checkout: its builds are timed beside ours")
    ap.add_argument("--versus", help="another --model: the same builds with it, timed beside (ratio = ours / its)")
    ap.add_argument("--largest", metavar="MODELS", help="instead: the largest books (500 letters, vocabulary "
                    "100, hidden 64) of these models, e.g. standard,article: time, peak memory, size, cells")
    ap.add_argument("--hello", action="store_true", help="instead: only `build hello` against the import floor")
    ap.add_argument("--repeats", type=int, default=1, help="with --largest: builds of each (best time)")
    a = ap.parse_args()
    if a.largest:
        print_largest(a.largest.split(","), a.against, a.repeats)
        return
    if a.hello:
        print_hello(a.against)
        return
    sys.path.insert(0, str(ROOT))
    args = ["--model", a.model, "--hidden", a.hidden, "--epochs", a.epochs, "--layout", a.layout]
    versus = args[:1] + [a.versus] + args[2:] if a.versus else None
    print_hello(a.against)
    print(f"vocabulary {len(ALPHABET)}, hidden {a.hidden}, {a.model} model, epochs {a.epochs}, layout {a.layout}")
    print(f"{'T':>5} {'build s':>8} {'peak MB':>8} {'file MB':>8} {'formulas':>9} {'LO recompute s':>15}"
          + (f" {'XlsxWriter alone s':>19}" if a.baseline else "")
          + (f" {'against: build s':>17} {'peak MB':>8}" if a.against else "")
          + (f" {a.versus + ': build s':>18} {'formulas':>9} {'ratio':>6}" if a.versus else ""))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for T in map(int, a.sizes.split(",")):
            out = Path(tmp, f"t{T}.xlsx")
            wall, peak = build(T, out, args)
            n = formula_count(out)
            lo = math.nan if a.no_recompute else recompute_seconds(out, Path(tmp, "lo"))
            line = f"{T:>5} {wall:>8.2f} {peak:>8.0f} {out.stat().st_size / 1e6:>8.2f} {n:>9} {lo:>15.2f}"
            if a.baseline:
                line += f" {xlsxwriter_baseline(n, Path(tmp, 'raw.xlsx')):>19.2f}"
            if a.against:
                other, other_peak = build(T, Path(tmp, f"against{T}.xlsx"), args, a.against.resolve())
                line += f" {other:>17.2f} {other_peak:>8.0f}"
            if versus:
                path = Path(tmp, f"versus{T}.xlsx")
                other, _ = build(T, path, versus)
                line += f" {other:>18.2f} {formula_count(path):>9} {wall / other:>6.2f}"
            print(line, flush=True)
            rows.append((T, wall, n, lo))
    if len(rows) >= 2:
        (t1, w1, n1, l1), (t2, w2, n2, l2) = rows[-2], rows[-1]
        k = lambda a, b: math.log(b / a) / math.log(t2 / t1)
        print(f"growth from T={t1} to T={t2}: build ~T^{k(w1, w2):.2f}, formulas ~T^{k(n1, n2):.2f}"
              + ("" if a.no_recompute else f", recompute ~T^{k(l1, l2):.2f}"))


if __name__ == "__main__":
    main()
