"""Hold a workbook's formulas, as recomputed by a real spreadsheet engine, against the values cached
in the file (and, in check.py, against the engine). One Report for the tests and `rnn-sheet check`."""
import math
import re
from dataclasses import dataclass, field

from ..workbook.grid import a1, parse_a1, parse_range
from .read import cell_name, read_values, read_workbook

ERRORS = ("#NAME?", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#N/A", "#NULL!", "Err:")


@dataclass
class Report:
    path: str = ""
    formulas: int = 0
    max_cached_diff: float = 0.0      # largest |recomputed - cached|, relative above 1 (diff)
    worst_cached: str = ""
    max_engine_diff: float = 0.0      # |recomputed - engine| over the defined names
    worst_engine: str = ""
    names_compared: list = field(default_factory=list)
    mismatches: list = field(default_factory=list)          # (cell, cached, recomputed)
    engine_mismatches: list = field(default_factory=list)   # (cell, name, engine, recomputed)
    errors: list = field(default_factory=list)              # (cell, error text)
    problems: list = field(default_factory=list)            # why the engine could not be compared
    program: str = "LibreOffice"                            # the spreadsheet program that recomputed
    uncached: bool = False      # the file holds no cached values (openpyxl saves none): engine only

    @property
    def ok(self):
        return not (self.mismatches or self.engine_mismatches or self.errors or self.problems)

    def lines(self, limit=10):
        out = [f"{self.path}: {self.formulas} formula cells recomputed by {self.program}",
               "  recomputed vs cached: the file holds no cached values (the program that saved it stores "
               "none, as openpyxl does): the recomputed values are compared with the engine only"
               if self.uncached else f"  recomputed vs cached: max difference {self.max_cached_diff:.3g}"
               + (f" at {self.worst_cached}" if self.worst_cached else ""),
               f"  recomputed vs engine: max difference {self.max_engine_diff:.3g}"
               + (f" at {self.worst_engine}" if self.worst_engine else "")
               + f" over {len(self.names_compared)} defined names"]
        out += [f"  error {text} in {cell}" for cell, text in self.errors[:limit]]
        out += [f"  {cell}: cached {cached!r}, recomputed {fresh!r}" for cell, cached, fresh in self.mismatches[:limit]]
        out += [f"  {cell} ({name}): engine {expected!r}, recomputed {fresh!r}"
                for cell, name, expected, fresh in self.engine_mismatches[:limit]]
        out += [f"  {problem}" for problem in self.problems]
        hidden = sum(max(0, len(x) - limit) for x in (self.errors, self.mismatches, self.engine_mismatches))
        if hidden:
            out.append(f"  ... and {hidden} more")
        if self.ok:
            out.append(f"OK: {self.program} and the engine agree (no cached values to compare)" if self.uncached
                       else f"OK: cached values, {self.program} and the engine agree")
        else:
            out.append(f"FAILED: {self.program} and the engine disagree" if self.uncached
                       else "FAILED: the workbook does not agree with itself")
        return out


def diff(a, b):
    """Absolute difference below 1, relative above: values span 1e-6 .. 1e3."""
    return abs(a - b) / max(1.0, abs(a), abs(b))


def is_error(v):
    return isinstance(v, str) and v.startswith(ERRORS)


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def judge(cached, fresh):
    """How a recomputed value stands against the expected one: ("error", text), ("number",
    difference) or ("text", equal?)."""
    if is_error(fresh):
        return "error", fresh
    if is_number(cached) and is_number(fresh):
        ok = math.isfinite(cached) and math.isfinite(fresh)
        return "number", diff(float(cached), float(fresh)) if ok else math.inf
    return "text", cached == fresh or (cached in (None, "") and fresh in (None, ""))


# The gradient check's relative error divides the finite difference's rounding, which differs from
# program to program within the tolerance grad_check_numeric itself is held to, by |numeric| +
# |analytic|: it is held to that tolerance divided the same way (near a zero gradient, the relative
# error of a finite difference is rounding, whatever program computes it).
RATIO = ("grad_check_rel_error", "grad_check_numeric", "grad_check_analytic")


def ratio_tolerance(numeric, analytic, tol):
    if not (is_number(numeric) and is_number(analytic)):
        return tol
    return tol + tol / max(abs(numeric) + abs(analytic), 1e-12)


def loose_cells(names, value_at, tol):
    """{cell name: tolerance} of the cells held to more than tol: `names` maps defined names to
    Blocks, value_at(block) gives the value of a block's first cell."""
    if not all(n in names for n in RATIO):
        return {}
    block = names[RATIO[0]]
    return {cell_name(block.sheet, a1(block.row, block.col)):
            ratio_tolerance(value_at(names[RATIO[1]]), value_at(names[RATIO[2]]), tol)}


def tally(rep, triples, tol=1e-9, loose=None, tied=lambda name: False):
    """Judge (cell name, cached, recomputed) triples into rep: errors, mismatches, worst difference.
    tied(name): the cell is a letter picked from scores that tie within rounding (any is right)."""
    loose = loose or {}
    for name, a, b in triples:
        rep.formulas += 1
        kind, outcome = judge(a, b)
        if kind == "error":
            rep.errors.append((name, b))
        elif kind == "number":
            if outcome > rep.max_cached_diff and name not in loose:
                rep.max_cached_diff, rep.worst_cached = outcome, name
            if outcome > loose.get(name, tol):
                rep.mismatches.append((name, a, b))
        elif not outcome and not tied(name):
            rep.mismatches.append((name, a, b))
    return rep


# The letter with the highest score (parameters.most_probable): INDEX(letters,MATCH(MAX(s),s,0)).
ARGMAX = re.compile(r"=?INDEX\(([^,()]+),MATCH\(MAX\(([^,()]+)\),\2,0\)\)")


def near_tie(formula, sheet, fresh, tol):
    """Whether `formula` picks the letter of the highest score and its top two scores, as recomputed
    (`fresh`, read.Values), lie within `tol` of each other: then the engine and a spreadsheet may
    each pick either, by rounding in the last digit, and neither is wrong."""
    m = ARGMAX.fullmatch(formula or "")
    if not m:
        return False
    try:
        scores = [v for row in fresh.block(parse_range(m[2], sheet)) for v in row]
    except (KeyError, ValueError):
        return False
    top = sorted((float(v) for v in scores if is_number(v) and math.isfinite(v)), reverse=True)
    return len(top) >= 2 and diff(top[0], top[1]) <= tol


def compare_cached(book, fresh, tol=1e-9):
    """Every formula cell of `book` (read.Workbook): its cached value against `fresh`, the recomputed
    values (read.Values)."""
    triples = ((cell_name(s, c), book.cached[(s, c)], fresh.at(s, c)) for s, c in book.formulas)
    if book.formulas and all(v is None for v in book.cached.values()):
        rep = Report(str(book.path), uncached=True)       # nothing to hold them against but errors
        for name, _, value in triples:
            rep.formulas += 1
            if is_error(value):
                rep.errors.append((name, value))
        return rep
    loose = loose_cells(book.names, lambda b: book.cached.get((b.sheet, a1(b.row, b.col))), tol)
    where = {}

    def tied(name):         # rare: the cells are named only when a letter differs
        if not where:
            where.update((cell_name(s, c), (s, c)) for s, c in book.formulas)
        sheet, coord = where[name]
        return near_tie(book.formulas[(sheet, coord)], sheet, fresh, tol)
    return tally(Report(str(book.path)), triples, tol, loose, tied)


def compare(original, recomputed, tol=1e-9):
    """The file we wrote against LibreOffice's recomputation of it (an .xlsx)."""
    book = read_workbook(original)
    return compare_cached(book, read_values(recomputed, {(s, *parse_a1(c)) for s, c in book.formulas}), tol)
