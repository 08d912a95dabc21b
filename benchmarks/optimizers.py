"""The four optimizers side by side: the README's comparison tables and the build time they cost.

    python benchmarks/optimizers.py             # both tables and the timing
    python benchmarks/optimizers.py --no-time   # the tables only (the engine; seconds)

Table 1: the `hello` template (article model, lr 0.1), the loss after 20 epochs of each optimizer.
Table 2: "hello world" (standard model, hidden 8, lr 0.1, seed 0): the first epoch after which
greedy generation from "h" spells "ello world", and the loss at epoch 100.
Timing: `rnn-sheet build` of an Adam book with 20 epochs against the SGD book, each in a fresh
interpreter, alternating, best of --runs; the issue asks for Adam within 1.5x SGD.
"""
import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rnn_sheet.model.engine import generate, train  # noqa: E402
from rnn_sheet.model.optimizers import OPTIMIZERS  # noqa: E402
from rnn_sheet.model.scenario import make_scenario  # noqa: E402


def loss_after(word, epochs, **kw):
    sc = make_scenario(word, epochs=epochs, **kw)
    return train(sc.params, sc.inputs, sc.targets, sc.lr, epochs, sc.clip, sc.loss_mode, sc.optimizer), sc


def hello_table():
    print("| optimizer | loss at epoch 0 | loss after 20 epochs |\n|---|---:|---:|")
    for name in OPTIMIZERS:
        records, _ = loss_after("hello", 20, optimizer=name)
        print(f"| `{name}` | {records[0].fwd.loss:.3f} | {records[20].fwd.loss:.3f} |")


def hello_world_table():
    print("| optimizer | epochs until generation spells \"ello world\" | loss at epoch 100 |\n|---|---:|---:|")
    for name in OPTIMIZERS:
        records, sc = loss_after("hello world", 100, model="standard", hidden=8, optimizer=name,
                                 generate=10, start="h", use_template=False)
        spelled = [k for k, r in enumerate(records)
                   if "".join(sc.vocab[i] for i in generate(r.params, sc.vocab.index("h"), 10).outputs) == "ello world"]
        print(f"| `{name}` | {spelled[0] if spelled else 'not in 100'} | {records[100].fwd.loss:.4f} |")


def build_seconds(optimizer, out):
    cmd = [sys.executable, "-c", "from rnn_sheet.cli import run; run()", "build", "hello world", "--model",
           "standard", "--hidden", "8", "--epochs", "20", "--optimizer", optimizer, "--out", str(out)]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - t0


def timing(runs):
    with tempfile.TemporaryDirectory() as tmp:
        best = {"sgd": [], "adam": []}
        for i in range(runs):
            for name in best:
                best[name].append(build_seconds(name, Path(tmp, f"{name}{i}.xlsx")))
        sizes = {n: Path(tmp, f"{n}0.xlsx").stat().st_size / 1e6 for n in best}
    sgd, adam = min(best["sgd"]), min(best["adam"])
    print(f"build 'hello world' --model standard --hidden 8 --epochs 20 (best of {runs}):")
    print(f"  sgd  {sgd:.2f} s  {sizes['sgd']:.2f} MB\n  adam {adam:.2f} s  {sizes['adam']:.2f} MB"
          f"\n  adam / sgd = {adam / sgd:.2f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-time", action="store_true")
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    hello_table()
    print()
    hello_world_table()
    if not a.no_time:
        print()
        timing(a.runs)


if __name__ == "__main__":
    main()
