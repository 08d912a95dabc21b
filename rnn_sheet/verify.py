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


def compare(original, recomputed, tol=1e-9):
    """Every formula cell of `original`: its cached value against the value in `recomputed`."""
    cells = formula_cells(original)
    cached = cell_values(original, cells)
    fresh = cell_values(recomputed, cells)
    rep = Report(formulas=len(cells))
    for cell in cells:
        a, b = cached[cell], fresh[cell]
        name = f"{cell[0]}!{cell[1]}"
        if is_error(b):
            rep.errors.append((name, b))
        elif isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(b, bool):
            d = diff(float(a), float(b)) if math.isfinite(b) else math.inf
            if d > rep.max_diff:
                rep.max_diff, rep.worst = d, name
            if d > tol:
                rep.mismatches.append((name, a, b))
        elif a != b and not (a in (None, "") and b in (None, "")):
            rep.mismatches.append((name, a, b))
    return rep


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
