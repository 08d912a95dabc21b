"""Compare a workbook's formulas, as recomputed by a real spreadsheet engine, with its cached values
and with the engine's values under the defined names. Used by the tests and by `rnn-sheet check`."""
import math
from dataclasses import dataclass, field

import numpy as np
import openpyxl

ERRORS = ("#NAME?", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#N/A", "#NULL!", "Err:")


@dataclass
class Report:
    formulas: int = 0
    max_diff: float = 0.0                            # largest |recomputed - cached|, relative above 1
    worst: str = ""
    mismatches: list = field(default_factory=list)   # (cell, cached, recomputed)
    errors: list = field(default_factory=list)       # (cell, error text)

    @property
    def ok(self):
        return not self.mismatches and not self.errors


def diff(a, b):
    """Absolute difference below 1, relative above: values span 1e-6 .. 1e3."""
    return abs(a - b) / max(1.0, abs(a), abs(b))


def is_error(v):
    return isinstance(v, str) and v.startswith(ERRORS)


def formula_cells(path):
    wb = openpyxl.load_workbook(path, data_only=False)
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":      # not startswith("="): a label may be the text "="
                    out[(ws.title, c.coordinate)] = c.value
    return out


def cell_values(path, cells=None):
    wb = openpyxl.load_workbook(path, data_only=True)
    if cells is None:
        return {(ws.title, c.coordinate): c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row}
    return {(s, coord): wb[s][coord].value for s, coord in cells}


def judge(cached, fresh):
    """How a recomputed value stands against the cached one: ("error", text), ("number", difference)
    or ("text", equal?). Shared by the tests' compare() and `rnn-sheet check`."""
    if is_error(fresh):
        return "error", fresh
    if _number(cached) and _number(fresh):
        ok = math.isfinite(cached) and math.isfinite(fresh)
        return "number", diff(float(cached), float(fresh)) if ok else math.inf
    return "text", cached == fresh or (cached in (None, "") and fresh in (None, ""))


def _number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def tally(triples, tol=1e-9):
    """(cell name, cached, recomputed) triples -> Report of errors, mismatches and the worst difference."""
    rep = Report()
    for name, a, b in triples:
        rep.formulas += 1
        kind, outcome = judge(a, b)
        if kind == "error":
            rep.errors.append((name, b))
        elif kind == "number":
            if outcome > rep.max_diff:
                rep.max_diff, rep.worst = outcome, name
            if outcome > tol:
                rep.mismatches.append((name, a, b))
        elif not outcome:
            rep.mismatches.append((name, a, b))
    return rep


def compare(original, recomputed, tol=1e-9):
    """Every formula cell of `original`: its cached value against the value in `recomputed`."""
    cells = formula_cells(original)
    cached = cell_values(original, cells)
    fresh = cell_values(recomputed, cells)
    return tally(((f"{s}!{c}", cached[(s, c)], fresh[(s, c)]) for s, c in cells), tol)


def named_values(path):
    """Every defined name's cells as a 2-D object array (rows x cols), read from `path`."""
    wb = openpyxl.load_workbook(path, data_only=True)
    out = {}
    for name, dn in wb.defined_names.items():
        for sheet, ref in dn.destinations:
            cells = wb[sheet][ref.replace("$", "")]
            if not isinstance(cells, tuple):
                cells = ((cells,),)
            out[name] = np.array([[c.value for c in row] for row in cells], dtype=object)
    return out
