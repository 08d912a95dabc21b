"""The whole workbook as plain data: every cell's content, cached value and style, the defined
names, charts, heatmaps and print bands. Writers for each file format only translate this.

A Book's sheets may be rendered only when asked for: a 500-letter workbook holds 1.6 million cells,
and a writer that takes them sheet by sheet (Book.stream) never holds more than one sheet's."""
import copy
from dataclasses import dataclass, field
from enum import Enum
from operator import itemgetter
from typing import Callable


class Kind(Enum):
    LABEL = "label"          # text for the reader: titles, captions, notes
    INPUT = "input"          # a number or letter the user may change
    CONST = "const"          # a fixed number (one-hot codes, the zero state)
    FORMULA = "formula"      # a live formula with its cached value
    BLANK = "blank"          # an exercise's empty answer cell


@dataclass(slots=True)
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
    y_max: float | None = None   # a fixed top of the value axis (probabilities: 1), else automatic
    log: bool = False        # a logarithmic value axis, numbered in scientific format

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
    print_rows: int | None = None                 # rows that print (None: all)

    @property
    def extent(self):
        """(rows, cols) covered by cells and charts: the print area."""
        rows = max([max(self.cells)[0] + 1 if self.cells else 1] + [c.anchor[0] + c.size[0] for c in self.charts])
        cols = max([max(map(itemgetter(1), self.cells), default=-1) + 1, self.width]
                   + [c.anchor[1] + c.size[1] for c in self.charts])
        return rows, cols


@dataclass(frozen=True)
class Unrendered:
    """A sheet that is rendered only when asked for."""
    name: str
    render: Callable         # () -> Sheet, a new one each call


class Book:
    """sheets: Sheet or Unrendered objects. block_cells(block), if given, answers the cells of a
    block without rendering its sheet (None: it cannot)."""

    def __init__(self, sheets, names, properties, block_cells=None):
        self._sheets = list(sheets)
        self.names = names                  # defined name -> grid.Block
        self.properties = properties        # title, subject, comments
        self._block_cells = block_cells

    def __len__(self):
        return len(self._sheets)

    def __deepcopy__(self, memo):
        """Kept sheets are copied; sheets not yet rendered render the same in both books."""
        return Book([copy.deepcopy(s, memo) if isinstance(s, Sheet) else s for s in self._sheets],
                    copy.deepcopy(self.names, memo), copy.deepcopy(self.properties, memo), self._block_cells)

    def _held(self, k):
        if isinstance(self._sheets[k], Unrendered):
            self._sheets[k] = self._sheets[k].render()
        return self._sheets[k]

    @property
    def sheets(self):
        """Every sheet, rendered once and kept from then on (exercises, tests: small books)."""
        return [self._held(k) for k in range(len(self._sheets))]

    def stream(self):
        """Each sheet in order, rendered when its turn comes and let go after (unless it was
        already kept): what a writer walks through."""
        for s in self._sheets:
            yield s.render() if isinstance(s, Unrendered) else s

    def sheet(self, name):
        """The sheet of that name, rendered and kept."""
        return next(self._held(k) for k, s in enumerate(self._sheets) if s.name == name)

    def block_cells(self, block, current=None):
        """The Cell (or None) at each position of a block, row by row: what a chart caches. From
        `current` (the sheet being written) or a kept sheet when the block is on it, else from
        block_cells, else from its sheet rendered and kept."""
        sheet = current if current is not None and current.name == block.sheet else next(
            (s for s in self._sheets if isinstance(s, Sheet) and s.name == block.sheet), None)
        if sheet is None and self._block_cells is not None:
            found = self._block_cells(block)
            if found is not None:
                return found
        cells = (sheet or self.sheet(block.sheet)).cells
        return [cells.get(pos) for pos in block.positions()]
