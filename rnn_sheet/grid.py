"""A1 references and rectangular blocks of cells: the vocabulary shared by layout and formulas."""
from dataclasses import dataclass
from functools import lru_cache


@lru_cache(maxsize=None)
def col_name(col):
    name = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        name = chr(65 + rem) + name
    return name


def a1(row, col, absolute=False):
    d = "$" if absolute else ""
    return f"{d}{col_name(col)}{d}{row + 1}"


@lru_cache(maxsize=None)
def sheet_prefix(sheet, from_sheet=None):
    if sheet == from_sheet:
        return ""
    # Sheet names are ours (never user text), so quoting spaces is all that is needed.
    return f"'{sheet}'!" if not sheet.replace("_", "").isalnum() else f"{sheet}!"


# The sheet whose cell is being written: a reference to a block on that sheet needs no sheet name.
# Formulas are always rendered for one cell at a time (see on_sheet), so this is the natural default.
_writing = [None]
HERE = object()


class on_sheet:
    def __init__(self, name):
        self.name = name

    def __enter__(self):
        self.previous, _writing[0] = _writing[0], self.name

    def __exit__(self, *exc):
        _writing[0] = self.previous


def _from(frm):
    return _writing[0] if frm is HERE else frm


@dataclass(frozen=True)
class Block:
    """nrows x ncols cells on one sheet, top-left at 0-based (row, col). References name the block's
    sheet unless it is the sheet being written (frm=None: always name it)."""
    sheet: str
    row: int
    col: int
    nrows: int
    ncols: int

    def cells(self):
        for i in range(self.nrows):
            for j in range(self.ncols):
                yield i, j

    def ref(self, i=0, j=0, frm=HERE, absolute=False):
        return sheet_prefix(self.sheet, _from(frm)) + a1(self.row + i, self.col + j, absolute)

    def span(self, i0, j0, i1, j1, frm=HERE, absolute=False):
        first = a1(self.row + i0, self.col + j0, absolute)
        last = a1(self.row + i1, self.col + j1, absolute)
        return sheet_prefix(self.sheet, _from(frm)) + (first if first == last else f"{first}:{last}")

    def range(self, frm=HERE, absolute=False):
        return self.span(0, 0, self.nrows - 1, self.ncols - 1, frm, absolute)

    def row_range(self, i, frm=HERE):
        return self.span(i, 0, i, self.ncols - 1, frm)

    def col_range(self, j, frm=HERE):
        return self.span(0, j, self.nrows - 1, j, frm)
