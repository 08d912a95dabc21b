"""A1 references, formatted and parsed in one place, and rectangular blocks of cells.

A Block names its sheet in a reference unless told which sheet the reference is written on
(`frm`): a formula on "Step 2" reads `C4`, one elsewhere `'Step 2'!C4`.
"""
import re
from dataclasses import dataclass
from functools import lru_cache


class _ColumnNames(dict):
    """0 -> 'A', 26 -> 'AA': worked out once per column, then a plain dict lookup (formulas are
    written a million times and more for a long word)."""

    def __missing__(self, col):
        name, n = "", col + 1
        while n:
            n, rem = divmod(n - 1, 26)
            name = chr(65 + rem) + name
        self[col] = name
        return name


COLUMNS = _ColumnNames()


def col_name(col):
    return COLUMNS[col]


def col_index(letters):
    """'A' -> 0, 'AA' -> 26: the inverse of col_name."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def a1(row, col, absolute=False):
    if absolute:
        return f"${COLUMNS[col]}${row + 1}"
    return f"{COLUMNS[col]}{row + 1}"


def parse_a1(text):
    """'$B$3' or 'B3' -> (2, 1), 0-based (row, col)."""
    m = _CELL.fullmatch(text)
    if not m:
        raise ValueError(f"not a cell reference: {text!r}")
    return int(m[2]) - 1, col_index(m[1])


def quote_sheet(sheet):
    """A sheet name as a reference writes it: quoted unless plain letters, digits and '_'."""
    return sheet if sheet.replace("_", "").isalnum() else "'" + sheet.replace("'", "''") + "'"


@lru_cache(maxsize=None)
def sheet_prefix(sheet, frm=None):
    return "" if sheet == frm else quote_sheet(sheet) + "!"


_CELL = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")
# A reference inside formula text: an optional sheet (quoted or plain), a cell, an optional second cell.
REFERENCE = re.compile(r"(?:'((?:[^']|'')+)'!|([A-Za-z_][\w.]*)!)?\$?([A-Z]{1,3})\$?(\d+)"
                       r"(?::\$?([A-Z]{1,3})\$?(\d+))?")


def _sheet_of(match, default):
    if match[1] is not None:
        return match[1].replace("''", "'")
    return match[2] or default


def parse_range(text, sheet=None):
    """"'Step 1'!$I$46:$I$49" -> Block('Step 1', 45, 8, 4, 1); `sheet` when the text names none."""
    m = REFERENCE.fullmatch(text.strip())
    if not m:
        raise ValueError(f"not a cell range: {text!r}")
    return _block(m, sheet)


def _block(m, sheet):
    r0, c0 = int(m[4]) - 1, col_index(m[3])
    r1, c1 = (int(m[6]) - 1, col_index(m[5])) if m[5] else (r0, c0)
    return Block(_sheet_of(m, sheet), min(r0, r1), min(c0, c1), abs(r1 - r0) + 1, abs(c1 - c0) + 1)


def references(formula, sheet):
    """The blocks a formula reads (string literals left out); `sheet` is the one it is written on."""
    text = re.sub(r'"[^"]*"', '""', formula)
    return [_block(m, sheet) for m in REFERENCE.finditer(text)]


@dataclass(frozen=True)
class Block:
    """nrows x ncols cells on one sheet, top-left at 0-based (row, col)."""
    sheet: str
    row: int
    col: int
    nrows: int = 1
    ncols: int = 1

    def cells(self):
        for i in range(self.nrows):
            for j in range(self.ncols):
                yield i, j

    def positions(self):
        """(row, col) of every cell, row by row."""
        return [(self.row + i, self.col + j) for i, j in self.cells()]

    def ref(self, i=0, j=0, frm=None, absolute=False):
        return sheet_prefix(self.sheet, frm) + a1(self.row + i, self.col + j, absolute)

    def span(self, i0, j0, i1, j1, frm=None, absolute=False):
        first = a1(self.row + i0, self.col + j0, absolute)
        last = a1(self.row + i1, self.col + j1, absolute)
        return sheet_prefix(self.sheet, frm) + (first if first == last else f"{first}:{last}")

    def range(self, frm=None, absolute=False):
        return self.span(0, 0, self.nrows - 1, self.ncols - 1, frm, absolute)

    def row_range(self, i, frm=None):
        return self.span(i, 0, i, self.ncols - 1, frm)

    def col_range(self, j, frm=None):
        return self.span(0, j, self.nrows - 1, j, frm)

    @property
    def last(self):
        """(row, col) of the bottom-right cell."""
        return self.row + self.nrows - 1, self.col + self.ncols - 1


class On:
    """A block as seen from one sheet: references to that sheet name no sheet. (Formulas are
    rendered a few hundred thousand times a build: the prefix is worked out once.)"""
    __slots__ = ("block", "prefix", "row", "col", "nrows", "ncols")

    def __init__(self, block, sheet):
        self.block, self.prefix = block, sheet_prefix(block.sheet, sheet)
        self.row, self.col, self.nrows, self.ncols = block.row, block.col, block.nrows, block.ncols

    def ref(self, i=0, j=0):
        return f"{self.prefix}{COLUMNS[self.col + j]}{self.row + i + 1}"

    def span(self, i0, j0, i1, j1):
        first = f"{COLUMNS[self.col + j0]}{self.row + i0 + 1}"
        if i0 == i1 and j0 == j1:
            return self.prefix + first
        return f"{self.prefix}{first}:{COLUMNS[self.col + j1]}{self.row + i1 + 1}"

    def range(self):
        return self.span(0, 0, self.nrows - 1, self.ncols - 1)

    def row_range(self, i):
        return self.span(i, 0, i, self.ncols - 1)

    def col_range(self, j):
        return self.span(0, j, self.nrows - 1, j)
