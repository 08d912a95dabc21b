"""A book that trains on a text against a word book of the same cell count, in the same run: build
time, LibreOffice's open time and its recompute time after lr is edited.

    python benchmarks/text.py                    # 600 letters, hidden 16, S = 25, 100 iterations
    python benchmarks/text.py --iterations 50 --repeats 3

The text book: `rnn-sheet build --text FILE --hidden 16 --seq-length 25 --iterations 100` (min-char-rnn's
settings: standard model, Adagrad, clip 5) on the first 600 letters of "Alice's Adventures in Wonderland"
(public domain). The word book: the text's first 26 letters (the first chunk) as a word, with the text's
vocabulary, the same model, optimizer and hidden size, and as many --epochs as bring its cell count
nearest the text book's: the epochs' tables are what the iterations' are, less the chunks and the carry.

Builds run in fresh interpreters, alternating, best of the repeats. Opening: LibreOffice through UNO as in
benchmarks/open.py (it needs python3-uno), the two books alternating. Recompute: lr edited with openpyxl
(which keeps the formulas and drops the cached values) and each book converted by `soffice --convert-to
xlsx`, which recalculates every formula; its time includes LibreOffice's start.
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

ALICE = (
    "Alice was beginning to get very tired of sitting by her sister on the bank, and of having nothing to do: "
    "once or twice she had peeped into the book her sister was reading, but it had no pictures or "
    "conversations in it, \"and what is the use of a book,\" thought Alice \"without pictures or "
    "conversations?\"\nSo she was considering in her own mind (as well as she could, for the hot day made her "
    "feel very sleepy and stupid), whether the pleasure of making a daisy-chain would be worth the trouble of "
    "getting up and picking the daisies, when suddenly a White Rabbit with pink eyes ran close by her.\nThere "
    "was nothing so very remarkable in that; nor did Alice think it so very much out of the way to hear the "
    "Rabbit say to itself, \"Oh dear! Oh dear! I shall be late!\""
)


def cells_of(args):
    from rnn_sheet.model.textinput import make_any_scenario
    from rnn_sheet.sheets import plan
    from rnn_sheet.sheets.render import cell_count
    return cell_count(plan(make_any_scenario(**args)))


def build_seconds(argv, out):
    from bench import CHILD, _fresh
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", CHILD, "build", *argv, "--out", str(out)], capture_output=True,
                       text=True, cwd=ROOT, env=_fresh(ROOT))
    if r.returncode:
        raise SystemExit(r.stderr)
    return time.perf_counter() - t0, json.loads(r.stderr.strip().splitlines()[-1])["peak_mb"]


def recompute_after_edit(path, lr, folder):
    import openpyxl
    from rnn_sheet.checking.recalc import convert
    wb = openpyxl.load_workbook(path)
    sheet, ref = next(iter(wb.defined_names["lr"].destinations))
    wb[sheet][ref.replace("$", "")].value = lr
    edited = Path(folder, f"{path.stem}-lr.xlsx")
    wb.save(edited)
    t0 = time.perf_counter()
    convert([edited], Path(folder, "recalc"))
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--letters", type=int, default=600)
    ap.add_argument("--hidden", type=int, default=16)
    ap.add_argument("--seq-length", type=int, default=25)
    ap.add_argument("--iterations", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--python", default="/usr/bin/python3", help="an interpreter that can import uno")
    ap.add_argument("--port", default="2084")
    a = ap.parse_args()
    from open import UNO_TIMER
    from rnn_sheet.checking.recalc import find_soffice
    text = ALICE[:a.letters]
    vocab = "".join(dict.fromkeys(text.replace("\n", "↵")))
    with tempfile.TemporaryDirectory(prefix="rnn-sheet-text-") as tmp:
        source = Path(tmp, "alice.txt")
        source.write_text(text, encoding="utf-8")
        common = {"hidden": a.hidden, "model": "standard", "optimizer": "adagrad", "clip": 5.0}
        text_args = dict(word=None, text_file=source, seq_length=a.seq_length, iterations=a.iterations, **common)
        word = text.replace("\n", "↵")[:a.seq_length + 1]
        target = cells_of(text_args)

        def word_book(e):
            return dict(word=word, vocab=vocab, epochs=e, use_template=False, **common)
        one, two = cells_of(word_book(1)), cells_of(word_book(2))     # each epoch adds the same cells
        epochs = max(1, round((target - one) / (two - one)) + 1)
        word_cells = cells_of(word_book(epochs))
        flags = ["--hidden", str(a.hidden), "--model", "standard", "--optimizer", "adagrad", "--clip", "5"]
        books = {"text": (["--text", str(source), "--seq-length", str(a.seq_length), "--iterations",
                           str(a.iterations), *flags], target),
                 "word": ([word, "--vocab", vocab, "--epochs", str(epochs), "--no-template", *flags], word_cells)}
        built = {name: [] for name in books}
        for _ in range(a.repeats):
            for name, (argv, _) in books.items():
                built[name].append(build_seconds(argv, Path(tmp, f"{name}.xlsx")))
        pairs = [(str(Path(tmp, "text.xlsx")), str(Path(tmp, "word.xlsx")))]
        profile = Path(tmp, "profile").as_uri()
        r = subprocess.run([a.python, "-c", UNO_TIMER, find_soffice(), profile, a.port, str(a.repeats),
                            json.dumps(pairs)], capture_output=True, text=True, timeout=3600)
        if r.returncode:
            raise SystemExit(r.stderr)
        opened = json.loads(r.stdout.strip().splitlines()[-1])[pairs[0][0]]
        recomputed = {name: min(recompute_after_edit(Path(tmp, f"{name}.xlsx"), 0.05, tmp) for _ in range(a.repeats))
                      for name in books}
        sizes = {name: Path(tmp, f"{name}.xlsx").stat().st_size / 1e6 for name in books}
    print(f"text: {len(text)} letters, {len(vocab)} distinct; word: {word!r} with {epochs} epochs")
    print(f"{'book':>6} {'cells':>10} {'build s':>8} {'peak MB':>8} {'file MB':>8} {'opens in s':>11} "
          f"{'recompute after lr edit s':>26}")
    for k, (name, (_, cells)) in enumerate(books.items()):
        seconds, peak = min(built[name])
        print(f"{name:>6} {cells:>10,} {seconds:>8.2f} {peak:>8.0f} {sizes[name]:>8.2f} {opened[k]:>11.2f} "
              f"{recomputed[name]:>26.2f}")


if __name__ == "__main__":
    main()
