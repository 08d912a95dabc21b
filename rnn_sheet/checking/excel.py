"""Recompute an .xlsx with the `formulas` package: Excel's own semantics, in Python, with no office
suite installed (`rnn-sheet check --engine formulas`). It reads the file's formulas and constants
(never its cached values), computes every formula cell, and hands back the values as read.Values,
which check.check_recomputed holds against the cached values and the engine as it does LibreOffice's."""
import contextlib
import io
import warnings

from ..workbook.grid import parse_a1
from .read import Values

HINT = ("--engine formulas needs the formulas package: install it with "
        "pip install 'rnn-sheet[formulas]' (or pip install formulas)")


class FormulasMissing(RuntimeError):
    pass


def recompute(path, sheets):
    """Values of every cell the model of `path` computes or holds; `sheets` are the file's sheet
    names (`formulas` upper-cases them; Excel's are unique whatever their case)."""
    try:
        import formulas
        import schedula
    except ImportError:
        raise FormulasMissing(HINT) from None
    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")         # its progress bars and openpyxl's style warnings
        model = formulas.ExcelModel().loads(str(path)).finish()
        solution = model.calculate()
    by_upper = {s.upper(): s for s in sheets}
    out = Values()
    out.sheets = frozenset(sheets)
    for key, ranged in solution.items():
        where = _cell(key, by_upper)
        if where is not None:
            out[where] = _plain(getattr(ranged, "value", ranged), schedula.EMPTY)
    return out


def _cell(key, by_upper):
    """"'[hello.xlsx]STEP 2'!C5" -> ("Step 2", 4, 2); None for a range or a name."""
    book_sheet, bang, ref = key.rpartition("!")
    if not bang or ":" in ref:
        return None
    sheet = book_sheet.strip("'").replace("''", "'")
    sheet = sheet[sheet.index("]") + 1:] if "]" in sheet else sheet
    if sheet not in by_upper:
        return None
    try:
        return (by_upper[sheet], *parse_a1(ref))
    except ValueError:
        return None


def _plain(value, empty):
    """A cell's value as openpyxl gives it: float, int, bool, str (an error as its text), None."""
    while hasattr(value, "shape") and value.shape:          # a 1x1 array of one cell
        value = value.ravel()[0]
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if value is empty:
        return None
    if isinstance(value, str):
        return str(value)       # XlError and friends are str subclasses: "#N/A", "#DIV/0!"
    return value
