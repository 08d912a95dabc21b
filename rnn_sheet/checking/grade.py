"""`rnn-sheet grade`: mark exercises that students filled in.

LibreOffice recomputes every submitted file in one run, with a profile that runs no macros and
updates no links (recalc.PROFILE_XCU). Each file is copied to a name of its own first: LibreOffice
names what it writes after the input, and a class hands in many files of the same name. Then every
blank block the file names (workbook.manifest) is held against the engine run on the file's own
inputs: a block is right when each of its cells holds a number within `tol` of the engine's value,
typed or computed by a formula; an empty cell is wrong. The fingerprint of the inputs tells an edited
input from a wrong answer.
"""
import csv
import io
import math
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import openpyxl

from ..model import cells
from ..model.fingerprint import fingerprint
from ..model.scenario import InputError
from ..sheets import placed_values
from ..workbook import manifest
from ..workbook.grid import a1
from . import recalc
from .check import REQUIRED, scenario_of
from .compare import is_number
from .read import Workbook, xlsx_names

TOLERANCE = 1e-4        # as the exercise's self-check cells
# Defined names a file's own scenario is read from (check.scenario_of), besides the parameters.
INPUTS = ("model", "vocab", "word", "lr", "clip", "loss_epochs", "generated", "start", "loss_1")


@dataclass
class Graded:
    path: str
    blocks: list = field(default_factory=list)      # (label, right) in the workbook's order
    recorded: str | None = None                      # the fingerprint the file was made with
    inputs: str = ""                                 # the fingerprint of the inputs it holds now

    right = property(lambda self: sum(ok for _, ok in self.blocks))
    total = property(lambda self: len(self.blocks))

    def line(self):
        out = f"{self.path}: {self.right}/{self.total} blocks right"
        wrong = [label for label, ok in self.blocks if not ok]
        if wrong:
            out += "; wrong: " + ", ".join(wrong)
        if self.recorded != self.inputs:
            was = f"made with {self.recorded}" if self.recorded else "no fingerprint recorded"
            out += (f"; warning: the inputs (word, vocabulary or weights) are not those the exercise was "
                    f"made with (fingerprint {self.inputs}, {was}); graded on the inputs as they are")
        return out


@dataclass
class Ungraded:
    path: str
    reason: str

    def line(self):
        return f"{self.path}: {self.reason}"


def grade_many(paths, tol=TOLERANCE):
    """A Graded or Ungraded for each path, in order; one LibreOffice run for all."""
    results = [_readable(p) for p in map(str, paths)]
    todo = [i for i, r in enumerate(results) if r is None]
    if not todo:
        return results
    with tempfile.TemporaryDirectory(prefix="rnn-sheet-grade-") as tmp:
        try:
            outs = recalc.recompute_copies([paths[i] for i in todo], tmp, each=True)
        except recalc.LibreOfficeMissing:
            raise InputError(recalc.INSTALL_HINT) from None
        except subprocess.TimeoutExpired:
            raise InputError("LibreOffice did not finish recomputing in time") from None
        for i, out in zip(todo, outs):
            results[i] = (Ungraded(str(paths[i]), "LibreOffice cannot open it as a spreadsheet")
                          if out is None else _grade_file(str(paths[i]), out, tol))
    return results


def _readable(path):
    """None if `path` looks like a workbook LibreOffice should open, else why not (Ungraded)."""
    p = Path(path)
    if p.is_dir():
        return Ungraded(path, "a folder, not a file")
    if not p.is_file():
        return Ungraded(path, "no such file")
    if p.suffix.lower() not in (".xlsx", ".ods"):
        return Ungraded(path, "not a workbook: expected an .xlsx or .ods file")
    if not zipfile.is_zipfile(p):
        return Ungraded(path, f"not a readable {p.suffix.lower()[1:]} workbook")
    return None


def _grade_file(path, recomputed, tol):
    try:
        return grade_recomputed(path, recomputed, tol)
    except InputError as e:
        return Ungraded(path, str(e))
    except Exception as e:      # a damaged file can fail inside zipfile, XML or openpyxl in many ways
        return Ungraded(path, f"not a readable workbook ({type(e).__name__})")


def grade_recomputed(path, recomputed, tol=TOLERANCE):
    """Grade one file from LibreOffice's recomputation of it (an .xlsx)."""
    wb = openpyxl.load_workbook(recomputed, read_only=True, data_only=True)
    names = xlsx_names(wb)
    blanks = {manifest.blank_key(n): block for n, block in names.items() if manifest.blank_key(n)}
    if not blanks:
        raise InputError("not an rnn-sheet exercise (it names no blanks to fill in; grade the "
                         "-exercise files that 'rnn-sheet build WORD --exercise' writes)")
    cell = cells.from_param_names(names)
    missing = [n for n in REQUIRED + (cell.param_names if cell else ("Wxh",)) if n not in names]
    if missing:
        raise InputError(f"not an rnn-sheet exercise (no defined name {missing[0]!r})")
    wanted = {n: names[n] for n in (*INPUTS, *cell.param_names, manifest.FINGERPRINT) if n in names}
    values = _values(wb, [*wanted.values(), *blanks.values()])
    named = {n: _block(values, block) for n, block in wanted.items()}
    book = Workbook(Path(path), _loss_formula(recomputed, names, blanks), {}, names)
    try:
        sc = scenario_of(book, named)
    except InputError as e:
        raise InputError(f"its inputs cannot be run: {e}") from None
    expected = placed_values(sc, blanks)
    order = {name: k for k, name in enumerate(wb.sheetnames)}
    graded = Graded(path, recorded=_text(named.get(manifest.FINGERPRINT)), inputs=fingerprint(sc))
    for key, block in sorted(blanks.items(), key=lambda kb: (order.get(kb[1].sheet, 0), kb[1].row, kb[1].col)):
        if key not in expected or expected[key][1].shape != (block.nrows, block.ncols):
            raise InputError(f"not an rnn-sheet exercise (its blank {manifest.blank_name(*key)} is not "
                             "a block of this network)")
        caption, want = expected[key]
        got = _block(values, block)
        label = manifest.block_label(block.sheet, key[1], caption)
        graded.blocks.append((label, all(_right(g, w, tol) for g, w in zip(got.flat, want.flat))))
    return graded


def _right(got, want, tol):
    if isinstance(want, str):
        return got == want
    return is_number(got) and math.isfinite(got) and abs(float(got) - float(want)) <= tol


def _values(wb, blocks):
    """{(sheet, row, col): value} of the sheets the blocks lie on (read once each)."""
    out = {}
    for sheet in dict.fromkeys(b.sheet for b in blocks):
        if sheet not in wb.sheetnames:
            raise InputError(f"not an rnn-sheet exercise (its sheet {sheet!r} is missing)")
        for r, row in enumerate(wb[sheet].iter_rows(values_only=True)):
            out.update(((sheet, r, c), v) for c, v in enumerate(row) if v is not None)
    return out


def _block(values, block):
    return np.array([[values.get((block.sheet, block.row + i, block.col + j)) for j in range(block.ncols)]
                     for i in range(block.nrows)], dtype=object)


def _loss_formula(recomputed, names, blanks):
    """{cell: formula} holding loss_1 if it is a formula: --loss last leaves it a constant 0. A blank
    loss_1 was a formula in the answer key, whatever the student typed into it."""
    block = names.get("loss_1")
    if block is None:
        return {}
    where = (block.sheet, a1(block.row, block.col))
    if any(b.sheet == block.sheet and (block.row, block.col) in b.positions() for b in blanks.values()):
        return {where: ""}
    wb = openpyxl.load_workbook(recomputed, read_only=True)
    for row in wb[block.sheet].iter_rows(min_row=block.row + 1, max_row=block.row + 1,
                                         min_col=block.col + 1, max_col=block.col + 1):
        if row and row[0].data_type == "f":
            return {where: row[0].value}
    return {}


def _text(arr):
    if arr is None or arr.size != 1 or arr.flat[0] is None:
        return None
    return str(arr.flat[0])


# --- the gradebook ----------------------------------------------------------------------------------

def csv_text(results):
    """file, blocks_right, blocks_total, score (right / total), then 1 or 0 per block; a file that
    could not be graded gets a row of empty marks."""
    labels = list(dict.fromkeys(label for r in results if isinstance(r, Graded) for label, _ in r.blocks))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["file", "blocks_right", "blocks_total", "score", *labels])
    for r in results:
        if isinstance(r, Graded):
            marks = dict(r.blocks)
            w.writerow([_safe(r.path), r.right, r.total, f"{r.right / r.total:.4f}",
                        *("" if lb not in marks else int(marks[lb]) for lb in labels)])
        else:
            w.writerow([_safe(r.path), "", "", "", *([""] * len(labels))])
    return buf.getvalue()


def _safe(text):
    """A file name is text: one a spreadsheet would read as a formula gets a leading apostrophe."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
