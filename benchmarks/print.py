"""How a class's printouts read: each template's book (and feed-forward hello, a hello exercise)
printed to PDF by LibreOffice in one batch, with its page count, the type size of its pages
(rnn_sheet.checking.printed: word-box height / 1.3, so Carlito, Calibri's metric twin, must be
installed), smallest first per sheet, and how many pages are near-blank (fewer than
printed.NEAR_BLANK words between header and footer).

    python benchmarks/print.py [--against CHECKOUT] [--sheets] [--png FOLDER]

--against builds the same books with another checkout's rnn-sheet (its own code, this measuring) in
the same run; --sheets lists every sheet's pages and smallest type; --png renders every page at
60 dpi for a person to look at.
"""
import argparse
import os
import subprocess
import sys
import tempfile
from collections import OrderedDict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rnn_sheet.checking import printed, recalc  # noqa: E402

BOOKS = {       # file stem -> rnn-sheet build arguments
    "hello": ["hello"], "lstm-hello": ["lstm-hello"], "gru-hello": ["gru-hello"],
    "hello-feedforward": ["hello", "--model", "feedforward"], "hello-exercise": ["hello", "--exercise"],
    "hello-world": ["hello-world"], "vanishing": ["vanishing"], "exploding": ["exploding"],
}


CLI = "import sys; from rnn_sheet.cli import main; sys.argv[0] = 'rnn-sheet'; main()"


def build_all(checkout, folder):
    """Each book built with `checkout`'s code into folder; returns {stem: .xlsx path}."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    out = {}
    for stem, args in BOOKS.items():
        target = folder / stem
        target.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-c", CLI, "build", *args, "--out", str(target)], env=env,
                       check=True, capture_output=True, cwd=checkout)
        found = sorted(p for p in target.glob("*.xlsx") if "answers" not in p.name)[0]
        out[stem] = found.rename(folder / f"{stem}.xlsx")      # one PDF name per book
    return out


def measure(books, folder):
    """{stem: [printed.Page]} for books {stem: path}, printed in one LibreOffice batch."""
    pdfs = recalc.convert([books[s] for s in books], folder, to="pdf")
    return {stem: printed.pages(pdf) for stem, pdf in zip(books, pdfs)}


def per_sheet(pages):
    out = OrderedDict()
    for p in pages:
        out.setdefault(p.sheet, []).append(p.smallest)
    return out


def _figures(pages):
    return (f"{len(pages)} | {min(p.smallest for p in pages if p.words):.1f} | "
            f"{sum(1 for p in pages if p.near_blank)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--against", help="another checkout, measured in the same run")
    ap.add_argument("--sheets", action="store_true", help="every sheet's pages and smallest type")
    ap.add_argument("--png", help="render every page to PNG (60 dpi) into this folder")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        runs = {"this": measure(build_all(ROOT, tmp / "this"), tmp / "this-pdf")}
        if a.against:
            runs["before"] = measure(build_all(Path(a.against).resolve(), tmp / "before"), tmp / "before-pdf")
        if a.png:
            for pdf in sorted((tmp / "this-pdf").glob("*.pdf")):
                Path(a.png).mkdir(parents=True, exist_ok=True)
                subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(Path(a.png) / pdf.stem)], check=True)
    head = "| book | pages | smallest type pt | near-blank |" + (
        " before: pages | smallest pt | near-blank |" if a.against else "")
    print(head + "\n|---|---:|---:|---:|" + ("---:|---:|---:|" if a.against else ""))
    for stem, pages in runs["this"].items():
        row = f"| {stem} | {_figures(pages)} |"
        if a.against:
            row += f" {_figures(runs['before'][stem])} |"
        print(row)
    if a.sheets:
        for stem, pages in runs["this"].items():
            print(f"\n{stem}: " + "; ".join(f"{s} {len(v)}p {min(v):.1f}" for s, v in per_sheet(pages).items()))


if __name__ == "__main__":
    main()
