"""The whole workbook as plain data: every cell's content, cached value and style, the defined
names, charts, heatmaps and print bands. Writers for each file format only translate this."""
from dataclasses import dataclass, field
from enum import Enum


class Kind(Enum):
    LABEL = "label"          # text for the reader: titles, captions, notes
    INPUT = "input"          # a number or letter the user may change
    CONST = "const"          # a fixed number (one-hot codes, the zero state)
    FORMULA = "formula"      # a live formula with its cached value
    BLANK = "blank"          # an exercise's empty answer cell


@dataclass
class Cell:
    kind: Kind
    value: object            # the number or text shown; for a formula, its cached result (None: none)
    formula: str | None = None
    style: str = "calc"


@dataclass
class Chart:
    title: str
    categories: object       # grid.Block
    values: object           # grid.Block
    anchor: tuple            # (row, col) of the top-left cell
    size: tuple              # (rows, cols) covered
    type: str = "line"       # line / bar
    x_title: str = ""
    y_title: str = ""
    name: str = ""           # the values' name in a legend (default: the title)
    more: tuple = ()         # further series on the same axes: (name, grid.Block); a legend names them

    @property
    def series(self):
        """(name, values block) of every series, first the chart's own values."""
        return ((self.name or self.title, self.values),) + tuple(self.more)


@dataclass
class Heatmap:
    block: object            # grid.Block
    kind: str                # "diverging" (around 0, ± bound) or "probability" (0 .. 1)
    bound: float = 1.0


@dataclass
class Sheet:
    name: str
    kind: str                                     # about / parameters / forward / ... (tab colour)
    cells: dict = field(default_factory=dict)     # (row, col) -> Cell
    width: int = 1
    widths: dict = field(default_factory=dict)    # col -> width, where not the default
    charts: list = field(default_factory=list)    # Chart
    notes: dict = field(default_factory=dict)     # (row, col) -> plain-maths note on a block's first cell
    merges: list = field(default_factory=list)    # (row, col, ncols): a caption spanning its block
    heatmaps: list = field(default_factory=list)  # Heatmap
    header_rows: int = 0                          # frozen title rows
    bands: list = field(default_factory=list)     # (first row, last row) of each titled band
    outline: list = field(default_factory=list)   # (first row, last row) of each row group (level 1)

    @property
    def extent(self):
        """(rows, cols) covered by cells and charts: the print area."""
        rows = max([r + 1 for r, _ in self.cells] + [c.anchor[0] + c.size[0] for c in self.charts] + [1])
        cols = max([c + 1 for _, c in self.cells] + [c.anchor[1] + c.size[1] for c in self.charts]
                   + [self.width])
        return rows, cols


@dataclass
class Book:
    sheets: list
    names: dict              # defined name -> grid.Block
    properties: dict         # title, subject, comments

    def sheet(self, name):
        return next(s for s in self.sheets if s.name == name)
