"""How much memory and time `check` spends reading a workbook back (read.read_workbook: formulas,
cached values, names), against another checkout in the same run, in fresh interpreters, in turns:

    python benchmarks/reading.py --against /path/to/other/checkout
    python benchmarks/reading.py --sizes 30,300 --repeat 2

The books: the standard model (vocabulary 30, hidden 16) on words of T+1 letters, built once with
this checkout and read by both. Figures: wall seconds and peak resident MB of the reading process
(ru_maxrss, the interpreter and imports included), best of --repeat.
"""
import argparse
import os
import resource
import string
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
READ = ("import sys, time, resource; t = time.perf_counter(); "
        "from rnn_sheet.checking.read import read_workbook; b = read_workbook(sys.argv[1]); "
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, len(b.formulas))")


def word(n):
    letters = (string.ascii_lowercase + " .,!")[:30]
    return "".join(letters[(k * 7 + k // 30) % 30] for k in range(n))


def read(checkout, path):
    r = subprocess.run([sys.executable, "-c", READ, str(path)], capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": str(checkout)})
    if r.returncode:
        raise SystemExit(r.stderr)
    seconds, mb, formulas = r.stdout.split()
    return float(seconds), float(mb), int(formulas)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--against", type=Path, help="another checkout, read in turns with this one")
    ap.add_argument("--sizes", default="30,300", help="time steps T of the books")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print("| T | formulas | read s | peak MB |" + (" baseline read s | peak MB |" if args.against else ""))
        print("|---:|---:|---:|---:|" + ("---:|---:|" if args.against else ""))
        for T in map(int, args.sizes.split(",")):
            path = Path(tmp, f"t{T}.xlsx")
            subprocess.run([sys.executable, "-c", "from rnn_sheet.cli import run; run()", "build", word(T + 1),
                            "--model", "standard", "--hidden", "16", "--vocab", "".join(sorted(set(word(T + 1)))),
                            "--out", str(path)], check=True, capture_output=True,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})
            ours, theirs = [], []
            for _ in range(args.repeat):
                ours.append(read(ROOT, path))
                if args.against:
                    theirs.append(read(args.against, path))
            s, mb, n = min(ours)
            row = f"| {T} | {n:,} | {s:.2f} | {min(o[1] for o in ours):.0f} |"
            if theirs:
                row += f" {min(t[0] for t in theirs):.2f} | {min(t[1] for t in theirs):.0f} |"
            print(row)
    print(f"(this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)", file=sys.stderr)


if __name__ == "__main__":
    main()
