"""`rnn-sheet grade`: mark exercises that students filled in.

Every blank block the file names (workbook.manifest) is held against two things: the engine run on
the file's own inputs, and the answer key's formulas evaluated on the student's own work (carry.py:
each blank cell's key formula is written beside it in a grading copy). A block is right when each of
its cells holds a number within `tol` of either, typed or computed by a formula; right only given an
earlier mistake, it is "carried". So one slip costs one block, and a block done right on top of an
empty or wrong one is right. A wrong block names its first wrong cell, with the expected and the
found number. The fingerprint of the inputs tells an edited input from a wrong answer.

LibreOffice recomputes all the grading copies in one run (an .ods is first saved as .xlsx by it),
with a profile that runs no macros and updates no links (recalc.PROFILE_XCU). The copies are made
under names of their own: LibreOffice names what it writes after the input, and a class hands in
many files of the same name.
"""
import math
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import openpyxl

from ..model import cells
from ..model.fingerprint import fingerprint
from ..model.scenario import InputError
from ..sheets import key_formulas, placed_values
from ..workbook import manifest
from ..workbook.grid import Block, a1
from . import copies, recalc
from .sanitize import Unsafe, sanitized_copy
from .carry import NotCarried, carry_copy, left_empty, spare_col
from .check import REQUIRED, scenario_of
from .compare import is_number
from .read import TooLarge, Workbook, name_cells, read_values, xlsx_names

TOLERANCE = 1e-4        # as the exercise's self-check cells
# Defined names a file's own scenario is read from (check.scenario_of), besides the parameters.
CANNOT_OPEN = "LibreOffice cannot open it as a spreadsheet"
INPUTS = ("model", "vocab", "word", "lr", "clip", "loss_epochs", "generated", "start", "loss_1",
          "text", "text_tail", "seq_length", "loss_iterations", "optimizer", "momentum")     # a text's


@dataclass
class Mark:
    label: str              # "Step 2: h_t"
    right: bool
    carried: bool = False   # right given the student's earlier blocks, which are wrong or empty
    why: str = ""           # a wrong block's: "empty", or its first wrong cell, expected and found


@dataclass
class Graded:
    path: str
    blocks: list = field(default_factory=list)      # Marks, in the workbook's order
    recorded: str | None = None                      # the fingerprint the file was made with
    inputs: str = ""                                 # the fingerprint of the inputs it holds now
    typed: int = 0                                   # answer cells holding a typed number, not a formula
    flags: list = field(default_factory=list)        # for the instructor: copies, another variant
    note: str = ""                                   # why mistakes could not be carried forward
    answers: tuple = ()                              # what the student filled in (to find copies)

    right = property(lambda self: sum(m.right for m in self.blocks))
    total = property(lambda self: len(self.blocks))

    def line(self):
        out = f"{self.path}: {self.right}/{self.total} blocks right"
        wrong = [f"{m.label} ({m.why})" for m in self.blocks if not m.right]
        if wrong:
            out += "; wrong: " + by_step(wrong)
        carried = [m.label for m in self.blocks if m.carried]
        if carried:
            out += "; carried (right given the earlier mistakes): " + by_step(carried)
        if self.note:
            out += f"; {self.note}"
        if self.typed:
            out += f"; {self.typed} answer{'s' if self.typed > 1 else ''} typed as numbers, not formulas"
        if self.warning():
            out += f"; warning: {self.warning()}"
        return "".join([out, *(f"; flag: {f}" for f in self.flags)])

    def warning(self):
        if self.recorded == self.inputs:
            return ""
        was = f"made with {self.recorded}" if self.recorded else "no fingerprint recorded"
        return (f"the inputs (word, vocabulary or weights) are not those the exercise was made with "
                f"(fingerprint {self.inputs}, {was}); graded on the inputs as they are")


def by_step(labels):
    """["Step 2: h_t (empty)", "Step 2: y_t", "Back 4: dy_t"] -> "Step 2: h_t (empty), y_t; Back 4: dy_t"."""
    steps = {}
    for label in labels:
        where, _, what = label.partition(": ")
        steps.setdefault(where, []).append(what)
    return "; ".join(f"{where}: {', '.join(whats)}" for where, whats in steps.items())


@dataclass
class Ungraded:
    path: str
    reason: str

    def line(self):
        return f"{self.path}: {self.reason}"


@dataclass
class Job:
    """A submission ready for LibreOffice: its grading copy, and what its blanks must hold."""
    graded: Graded
    copy: Path
    blanks: list            # (label, Block, engine's values, spare column of each cell or None)
    held: dict              # (sheet, row, col) -> what the student put there (carry.carry_copy)


def grade_many(paths, tol=TOLERANCE, variants=None):
    """A Graded or Ungraded for each path, in order; LibreOffice recomputes them all in one run (two
    if some are .ods). `variants`: the class set's rows (copies.read_class), to check names against."""
    paths = [str(p) for p in paths]
    results = [_readable(p) for p in paths]
    todo = [i for i, r in enumerate(results) if r is None]
    with tempfile.TemporaryDirectory(prefix="rnn-sheet-grade-") as tmp:
        jobs = {}
        for i, src in zip(todo, _libreoffice(_as_xlsx, [paths[i] for i in todo], tmp)):
            results[i] = jobs[i] = (_not_converted(paths[i], src) or
                                    _guarded(paths[i], lambda: prepare(paths[i], src, Path(tmp, f"carry{i}.xlsx"))))
        ready = {i: job for i, job in jobs.items() if isinstance(job, Job)}
        outs = _libreoffice(lambda files, folder: recalc.convert_each(files, Path(folder, "out")),
                            [job.copy for job in ready.values()], tmp)
        for (i, job), out in zip(ready.items(), outs):
            results[i] = _not_converted(paths[i], out) or _guarded(paths[i], lambda: mark(job, out, tol))
    graded = [r for r in results if isinstance(r, Graded)]
    copies.flag_same_answers(graded)
    if variants is not None:
        copies.flag_variants(graded, variants)
    return results


def _libreoffice(run, files, folder):
    if not files:
        return []
    try:
        return run(files, folder)
    except recalc.LibreOfficeMissing:
        raise InputError(recalc.INSTALL_HINT) from None
    except subprocess.TimeoutExpired:
        raise InputError("LibreOffice did not finish recomputing in time") from None


def _as_xlsx(paths, folder):
    """Sanitised copies of `paths` (sanitize.py: LibreOffice never sees a submission itself) as .xlsx
    under names of their own: an .ods saved as .xlsx by LibreOffice, an .xlsx as it is; in place of
    a file that cannot be copied, why (str), and convert_each's None or TIMED_OUT for an .ods."""
    out, ods = [], []
    for k, path in enumerate(paths):
        suffix = Path(path).suffix.lower()
        try:
            out.append(sanitized_copy(path, Path(folder, f"in{k}{suffix}")))
        except (ValueError, KeyError, zipfile.BadZipFile, ET.ParseError, OSError) as e:
            out.append(f"not a readable {suffix[1:]} workbook ({str(e) if isinstance(e, Unsafe) else type(e).__name__})")
            continue
        if suffix == ".ods":
            ods.append(k)
    if ods:
        for k, saved in zip(ods, recalc.convert_each([out[k] for k in ods], Path(folder, "ods"))):
            out[k] = saved
    return out


def _not_converted(path, out):
    """The Ungraded of a file LibreOffice did not convert (`out` None, TIMED_OUT or a reason), else None."""
    if out is None:
        return Ungraded(path, CANNOT_OPEN)
    if out == recalc.TIMED_OUT:
        return Ungraded(path, "timed out: LibreOffice did not finish recomputing it")
    return Ungraded(path, out) if isinstance(out, str) else None


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


def _guarded(path, work):
    try:
        return work()
    except (InputError, TooLarge) as e:
        return Ungraded(path, str(e) if isinstance(e, InputError) else f"not an rnn-sheet exercise: {e}")
    except Exception as e:      # a damaged file can fail inside zipfile, XML or openpyxl in many ways
        return Ungraded(path, f"not a readable workbook ({type(e).__name__})")


def prepare(path, src, dest):
    """The Job of one submission (`src`: it as an .xlsx): its inputs, blanks and the engine's values
    read, and its grading copy written to `dest`."""
    wb = openpyxl.load_workbook(src, read_only=True, data_only=True, keep_links=False)
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
    try:        # only these blocks are read; a forged name over a whole sheet is refused first
        name_cells({**wanted, **{manifest.blank_name(*k): b for k, b in blanks.items()}})
    except TooLarge as e:
        raise InputError(f"not an rnn-sheet exercise: {e}") from None
    values = _values(src, wb.sheetnames, wanted.values())
    named = {n: _block(values, block) for n, block in wanted.items()}
    book = Workbook(Path(path), _loss_formula(src, names, blanks), {}, names)
    try:
        sc = scenario_of(book, named)
    except InputError as e:
        raise InputError(f"its inputs cannot be run: {e}") from None
    expected = placed_values(sc, blanks)
    order = {name: k for k, name in enumerate(wb.sheetnames)}
    keyed = key_formulas(sc, blanks)
    graded = Graded(path, recorded=_text(named.get(manifest.FINGERPRINT)), inputs=fingerprint(sc),
                    note="" if keyed else "its blocks are not where this rnn-sheet puts them (rows moved, or built by an"
                         " earlier rnn-sheet): graded against the model, mistakes not carried")
    formulas, widths = keyed or ({}, {})
    listed, spares, keys = [], {}, {}
    for key, block in sorted(blanks.items(), key=lambda kb: (order.get(kb[1].sheet, 0), kb[1].row, kb[1].col)):
        if key not in expected or expected[key][1].shape != (block.nrows, block.ncols):
            raise InputError(f"not an rnn-sheet exercise (its blank {manifest.blank_name(*key)} is not "
                             "a block of this network)")
        caption, want = expected[key]
        cols, texts = [], _flat(formulas.get(key), block)
        for (r, c), text in zip(block.positions(), texts):
            cols.append(None if text is None else spare_col(widths[block.sheet], c))
            if text is not None:
                spares.setdefault(block.sheet, []).append((r, cols[-1], text))
        listed.append((manifest.block_label(block.sheet, key[1], caption), block, want, cols))
        if None not in texts:
            keys.setdefault(block.sheet, []).append([(r, c, t) for (r, c), t in zip(block.positions(), texts)])
    positions = {}
    for _, block, _, _ in listed:
        positions.setdefault(block.sheet, []).extend(block.positions())
    try:
        held = carry_copy(src, dest, spares, positions, keys)
    except NotCarried:
        graded.note = "its sheets could not be copied for grading: graded against the model, mistakes not carried"
        shutil.copyfile(src, dest)
        held, listed = {}, [(label, block, want, [None] * len(cols)) for label, block, want, cols in listed]
    graded.typed = sum(kind == "number" for kind in held.values())
    return Job(graded, dest, listed, held)


def _flat(rows, block):
    return [None] * (block.nrows * block.ncols) if rows is None else [f for row in rows for f in row]


def mark(job, recomputed, tol=TOLERANCE):
    """The Graded of a Job, from LibreOffice's recomputation of its grading copy."""
    spares = [Block(block.sheet, r, col, 1, 1) for _, block, _, cols in job.blanks
              for (r, _), col in zip(block.positions(), cols) if col is not None]
    values = _values(recomputed, None, [block for _, block, _, _ in job.blanks] + spares)
    graded, answers = job.graded, []
    for label, block, want, cols in job.blanks:
        got = [values.get((block.sheet, r, c)) for r, c in block.positions()]
        carried = [None if col is None else values.get((block.sheet, r, col))
                   for (r, _), col in zip(block.positions(), cols)]
        if left_empty(job.held, block.sheet, block.positions()):
            got = [None] * len(got)     # left empty: the copy holds the key's formulas there (carry.py)
        graded.blocks.append(_mark_block(label, block, got, carried, list(want.flat), tol))
        answers += got
    graded.answers = tuple(map(_same, answers)) if any(v is not None for v in answers) else ()
    return graded


def _same(v):
    """A filled-in value as copies are compared: to 10 significant digits (a file saved again by
    LibreOffice keeps its inputs to 15, which moves the last digits of what they compute)."""
    return f"{float(v):.10g}" if is_number(v) and not isinstance(v, bool) else v


def _mark_block(label, block, got, carried, want, tol):
    if all(g is None or g == "" for g in got):
        return Mark(label, False, why="empty")
    engine = [_right(g, w, tol) for g, w in zip(got, want)]
    if all(engine):
        return Mark(label, True)
    given = [_right(g, c, tol) if is_number(c) else False for g, c in zip(got, carried)]
    if all(e or k for e, k in zip(engine, given)):
        return Mark(label, True, carried=True)
    k = next(k for k, (e, c) in enumerate(zip(engine, given)) if not (e or c))
    r, c = list(block.positions())[k]
    expect = carried[k] if is_number(carried[k]) else want[k]
    return Mark(label, False, why="{}: expected {}, found {}".format(a1(r, c), *_shown(expect, got[k])))


def _shown(expect, found):
    """Both numbers as the sheet shows them (6 decimals), or to 6 significant digits when both are
    below 0.01, where 6 decimals would hide the difference."""
    numbers = [float(v) for v in (expect, found) if is_number(v) and not isinstance(v, bool)]
    fine = bool(numbers) and max(map(abs, numbers)) < 1e-2

    def show(v):
        if v is None or v == "":
            return "nothing"
        if is_number(v) and not isinstance(v, bool):
            return f"{float(v):.6g}" if fine else f"{float(v):.6f}"
        return repr(str(v))
    return show(expect), show(found)


def _right(got, want, tol):
    if isinstance(want, str):
        return got == want
    return is_number(got) and math.isfinite(got) and abs(float(got) - float(want)) <= tol


def _values(path, sheets, blocks):
    """{(sheet, row, col): value} of the cells of `blocks` in the .xlsx `path`, streamed (read.py):
    only the sheets they lie on, and only the cells there are, never the used range a sheet declares
    (a value typed at XFD1048576 would make that 17 billion cells). `sheets`: the file's sheet names
    when known."""
    wanted = {(b.sheet, r, c) for b in blocks for r, c in b.positions()}
    values = read_values(path, wanted)
    missing = [b.sheet for b in blocks if b.sheet not in (values.sheets if sheets is None else sheets)]
    if missing:
        raise InputError(f"not an rnn-sheet exercise (its sheet {missing[0]!r} is missing)")
    return values


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
