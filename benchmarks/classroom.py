"""The instructor's round trip, timed against its baselines in the same run:

    python benchmarks/classroom.py              # 30 variants of hello; grade 30 filled-in exercises
    python benchmarks/classroom.py --n 10 --repeat 1

1. `rnn-sheet build hello --exercise --variants N` against one `rnn-sheet build hello --exercise`
   (each in a fresh interpreter, as a user runs them; the bar: within 30x).
2. `rnn-sheet grade` of N filled-in exercises against LibreOffice recomputing the same N files alone
   (recalc.convert, as grade runs it: one soffice per core; the bar: within 1.5x).
Each figure is the best of --repeat runs.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = "from rnn_sheet.cli import run; run()"


def cli(*args, cwd):
    """Wall time of one `rnn-sheet ARGS` in a fresh interpreter that imports this checkout."""
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - t0
    if r.returncode:
        raise SystemExit(r.stderr)
    return wall


def best(repeat, timed):
    return min(timed() for _ in range(repeat))


def fill_all(folder, n, dest):
    """Every variant's exercise with its answer key's numbers typed into the blanks (openpyxl)."""
    import openpyxl

    from rnn_sheet.checking.read import xlsx_names
    from rnn_sheet.workbook import manifest
    dest.mkdir()
    width, out = len(str(n)), []
    for k in range(1, n + 1):
        stem = f"hello-v{k:0{width}d}"
        wb = openpyxl.load_workbook(folder / f"{stem}-exercise.xlsx")
        key = openpyxl.load_workbook(folder / f"{stem}-answers.xlsx", data_only=True)
        for name, b in xlsx_names(wb).items():
            if manifest.blank_key(name):
                for r, c in b.positions():
                    wb[b.sheet].cell(r + 1, c + 1).value = key[b.sheet].cell(r + 1, c + 1).value
        out.append(dest / f"{stem}-exercise.xlsx")
        wb.save(out[-1])
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from rnn_sheet.checking.recalc import convert
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        one = best(a.repeat, lambda: cli("build", "hello", "--exercise", "--out", tmp / "one", cwd=tmp))

        def class_set():
            shutil.rmtree(tmp / "class", ignore_errors=True)
            return cli("build", "hello", "--exercise", "--variants", a.n, "--out", tmp / "class", cwd=tmp)
        many = best(a.repeat, class_set)
        print(f"build hello --exercise: {one:.2f} s; --variants {a.n}: {many:.2f} s "
              f"= {many / one:.1f}x one exercise (bar: 30x)")
        files = fill_all(tmp / "class", a.n, tmp / "filled")

        def recompute():
            shutil.rmtree(tmp / "lo", ignore_errors=True)
            t0 = time.perf_counter()
            convert(files, tmp / "lo")
            return time.perf_counter() - t0
        lo = best(a.repeat, recompute)
        graded = best(a.repeat, lambda: cli("grade", *files, "--csv", tmp / "marks.csv", cwd=tmp))
        print(f"LibreOffice recomputing {a.n} filled-in exercises: {lo:.2f} s; rnn-sheet grade of the same "
              f"{a.n}: {graded:.2f} s = {graded / lo:.2f}x (bar: 1.5x)")
        marks = (tmp / "marks.csv").read_text().splitlines()[1:]
        full = sum(1 for line in marks if line.split(",")[3] == "1.0000")
        print(f"  {full} of {len(marks)} graded full marks")


if __name__ == "__main__":
    main()
