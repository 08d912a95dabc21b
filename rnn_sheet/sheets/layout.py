"""Where every quantity lives: sheets, bands of blocks, labels and the defined names.

A placed quantity is keyed by (Quantity, t): the Quantity object itself (so two quantities that happen
to share a kind, the GRU's gate z and the sampler's scores z, are two keys by construction), and t the
time step (1-based), a training slot, or None. Keys are looked up as L[q, t] or L[q] (t None). A kind
(a string: "h", "loss", the kind in an exercise's blank names) is also accepted where it names one
placed quantity only; a kind two placed quantities share is an error, not a guess.
"""
from contextvars import ContextVar
from dataclasses import dataclass, field

from ..workbook import pages
from ..workbook.grid import Block, On
from .quantity import Quantity

LABEL_COL = 0      # column A holds band titles and notes
FIRST_COL = 1
CHART_ROWS, CHART_COLS = 16, 7       # cells a chart covers (480 x 288 px at 11-character columns)
# Step sheets draw p_t only for a vocabulary that fits a chart (and not in a compact workbook).
CHART_MAX_V = 30
# Above this many cells of per-step matrices, step and backward sheets show vectors only (the
# matrices stay on Parameters, gradients are summed down time-major tables): a 300-letter text
# would otherwise need over a million formulas.
DETAIL_LIMIT = 150_000


# Column widths (characters) a sheet ended with when it was last planned (or a sheet laid out as it):
# planning it again with them (order.fitted), a band wraps where later bands' columns leave no room.
HINTS = ContextVar("HINTS", default={})


def key_of(key):
    """(q, t) of L[q, t] or L[q]: q a Quantity, or a kind that the layout resolves."""
    return key if isinstance(key, tuple) else (key, None)


class AmbiguousKind(KeyError):
    """A kind looked up by its string that names more than one placed quantity."""


@dataclass
class Part:
    """A quantity's block in a band: its caption and shape, the labels beside it."""
    quantity: Quantity
    t: int | None
    caption: str
    nrows: int
    ncols: int = 1
    row_labels: list | None = None
    col_labels: list | None = None
    offset: int = 0          # rows below the band's first row, to line up time steps
    width: int = 0           # characters a one-column part's text needs (a long predicted string)

    @property
    def key(self):
        return self.quantity, self.t


@dataclass
class SheetPlan:
    name: str
    kind: str                       # about / parameters / forward / summary / backward / training
    labels: list = field(default_factory=list)      # (row, col, text, style)
    blocks: dict = field(default_factory=dict)      # key -> Block
    quantities: dict = field(default_factory=dict)  # key -> Quantity, in the order placed
    noted: set = field(default_factory=set)         # keys whose first cell carries the note
    row: int = 0                    # next free row
    width: int = 1                  # columns used
    widths: dict = field(default_factory=dict)      # col -> width of operator and label columns
    wide: set = field(default_factory=set)          # columns holding numbers somewhere
    charts: list = field(default_factory=list)      # dicts: title, categories / values keys, anchor ...
    merges: list = field(default_factory=list)      # (row, col, ncols): captions spanning a matrix
    steps: tuple = ()               # the time steps a Step or Back sheet shows
    header_rows: int = 0            # title rows, frozen at the top of the window
    fit: dict = field(default_factory=dict)         # col -> width a one-column caption needs
    bands: list = field(default_factory=list)       # (first row, last row): kept on one printed page
    outline: list = field(default_factory=list)     # (first row, last row): detail that folds away
    captions: dict = field(default_factory=dict)    # key -> the caption above its block
    names: dict = field(default_factory=dict)       # defined name -> Block of a label (About's model)
    print_rows: int | None = None   # rows that print (None: all)

    def __post_init__(self):
        self.hints = HINTS.get().get(None, {})

    def column_chars(self):
        """Each column's width in characters, as the workbook will have it (render._widths)."""
        return [max(self.fit.get(c, 0), 11 if c in self.wide or c not in self.widths else self.widths[c])
                if c else self.widths.get(0, 3) for c in range(self.width)]

    def label(self, row, col, text, style="label"):
        self.labels.append((row, col, text, style))
        self.width = max(self.width, col + 1)

    def title(self, text, subtitle=None):
        """The title, and a subtitle: a line, or lines (a long one would run past a printed page)."""
        self.label(self.row, 0, text, "title")
        self.row += 1
        for line in [subtitle] if isinstance(subtitle, str) else subtitle or ():
            self.label(self.row, 0, line, "note")
            self.row += 1
        self.header_rows = self.row
        self.row += 1

    def heading(self, text, lay_out):
        """A heading over what lay_out() places (one step of several on a sheet), printed on the page
        of the first band below it."""
        row, first = self.row, len(self.bands)
        self.label(row, 0, text, "title")
        self.row += 1
        lay_out()
        if len(self.bands) > first:
            self.bands.append((row, self.bands[first][1]))

    def place(self, quantity, t, block, noted=True):
        key = (quantity, t)
        assert key not in self.blocks, f"{key} placed twice on {self.name}"
        self.blocks[key], self.quantities[key] = block, quantity
        if noted:
            self.noted.add(key)
        return block

    def chart(self, spec):
        """Below the bands placed so far, which it illustrates (reserving its rows): printed on the
        same page as the band above it where the two fit (pages.keep_together)."""
        self.charts.append({**spec, "anchor": (self.row, FIRST_COL), "size": (CHART_ROWS, CHART_COLS)})
        self.row += CHART_ROWS + 1

    def band(self, title, parts, note=None, detail=False):
        """Lay parts left to right under a band title: Part blocks, or str operators such as '×'.
        Parts that would run past a printed page's width wrap onto a line of their own below
        (wrapped). A detail band (matrix copies, intermediate products, per-step contributions) sits
        in an outline group under its title, so a reader can fold it away and keep the results."""
        first = self.row
        self.label(self.row, LABEL_COL, title, "band")
        lines = (note,) if isinstance(note, str) else note or ()      # a long note in lines that print
        for k, line in enumerate(lines, 1):
            self.label(self.row + k, LABEL_COL, line, "note")
        top = self.row + 2 + len(lines)
        for line in self._wrapped(parts):
            last = self._line(top, line)
            top = last + 2
        self.row = last + 2
        self.bands.append((first, last))
        if detail:
            self.outline.append((first + 1, last))

    def _wrapped(self, parts):
        """A band's parts in lines that fit a printed page at pages.MIN_SCALE: each part with the
        operators before it stays on one line; a line breaks before the part that would run past
        the page (the spacers before it dropped). A part wider than a page takes a line of its own."""
        groups, run = [], []
        for part in parts:
            run.append(part)
            if not isinstance(part, str):
                groups.append(run)
                run = []
        # Column A holds the band titles; a twentieth of the line is left for columns that later bands
        # of the sheet make wider (a long caption over one number widens its whole column).
        budget = 0.95 * pages.line_points() - pages.column_points(3)
        lines, col, used = [[]], FIRST_COL, 0.0
        for group in groups:
            width, cols = self._points(group, col)
            if lines[-1] and used + width > budget:
                while group[0] == " ":
                    group = group[1:]
                lines.append([])
                col, used = FIRST_COL, 0.0
                width, cols = self._points(group, col)
            lines[-1] += group
            used, col = used + width, col + cols
        if run and lines[-1]:
            lines[-1] += run
        return lines

    def _points(self, group, col):
        """(points at 100%, columns) that operators and a part take from column `col`, with the
        widths the sheet's columns have so far."""
        def width(c, chars, number=False):
            known = max(self.fit.get(c, 0), self.hints.get(c, 0))
            if number or c in self.wide:
                return pages.column_points(max(known, 11, chars))
            return pages.column_points(max(known, self.widths.get(c, chars)))
        points, c = 0.0, col
        for op in group[:-1]:
            points, c = points + width(c, 3), c + 1
        part = group[-1]
        if part.row_labels:
            points, c = points + width(c, 5), c + 1
        need = chars(part) if part.ncols == 1 else 11
        points += sum(width(c + j, need, True) for j in range(part.ncols)) + width(c + part.ncols, 11)
        return points, c + part.ncols + 1 - col

    def _line(self, top, parts):
        """One line of a band's parts, captions in row `top`; returns its last row."""
        col, height = FIRST_COL, 1
        for part in parts:
            if isinstance(part, str):
                self.label(top + 2, col, part, "op")
                self.widths.setdefault(col, 3)
                col += 1
                continue
            if part.row_labels:
                self.widths.setdefault(col, 5)
                col += 1
            self._caption(top, col, part)
            self.place(part.quantity, part.t, Block(self.name, top + 2 + part.offset, col, part.nrows, part.ncols))
            self.wide.update(range(col, col + part.ncols))
            for i, text in enumerate(part.row_labels or []):
                self.label(top + 2 + part.offset + i, col - 1, text, "rowlabel")
            col += part.ncols + 1
            height = max(height, part.nrows + part.offset)
        self.width = max(self.width, col)
        return top + 1 + height

    def _caption(self, top, col, part):
        self.label(top, col, part.caption, "caption")
        self.captions[part.key] = part.caption
        if part.ncols > 1:
            self.merges.append((top, col, part.ncols))
        else:       # a long caption over one number would run into its neighbour's
            self.fit[col] = max(self.fit.get(col, 0), chars(part))
        for j, text in enumerate(part.col_labels or []):
            self.label(top + 1, col + j, text, "collabel")


class Layout:
    """The plan of a whole workbook for one scenario; every setting is read from the scenario."""

    def __init__(self, scenario, family):
        self.sc, self.family = scenario, family
        self.cell, self.optimizer = scenario.cell, scenario.optimizer
        self.sheets = []
        self.where = {}          # key -> Block
        self.placed = {}         # key -> Quantity
        self.names = {}          # defined name -> key (as given: resolved when read, see key)
        self.label_names = {}    # defined name -> Block: a text label, not a quantity
        self.kinds = {}          # kind -> the one placed Quantity of that kind (None: several)
        self.weights_of = {}     # network-block slot -> parameter name -> Quantity, for a sheet's own weights
        self.captions = {}       # key -> caption
        self.compact = {"compact": True, "detailed": False}.get(scenario.layout, self.detail_cells() > DETAIL_LIMIT)

    T = property(lambda self: self.sc.T)
    V = property(lambda self: self.sc.V)
    H = property(lambda self: self.sc.H)
    epochs = property(lambda self: self.sc.epochs)
    clip = property(lambda self: self.sc.clip)

    def detail_cells(self):
        """Cells of per-step matrix copies and gradient contributions a detailed workbook holds."""
        return self.T * self.family.detail_cells(self.V, self.H, self.cell)

    def add(self, sheet):
        self.sheets.append(sheet)
        self.where.update(sheet.blocks)
        self.placed.update(sheet.quantities)
        self.captions.update(sheet.captions)
        self.label_names.update(sheet.names)
        for q in sheet.quantities.values():
            self.kinds[q.kind] = q if self.kinds.get(q.kind, q) is q else None
        return sheet

    def key(self, key):
        """The (Quantity, t) that L[key] finds: a kind is resolved to the one placed quantity of it."""
        q, t = key_of(key)
        if isinstance(q, Quantity):
            return q, t
        found = self.kinds.get(q, KeyError)
        if found is None:
            raise AmbiguousKind(f"the kind {q!r} names several quantities here: look it up by its Quantity")
        if found is KeyError:
            raise KeyError((q, t))
        return found, t

    def sheet(self, name):
        return next(s for s in self.sheets if s.name == name)

    def name(self, name, key):
        self.names[name] = key_of(key)

    def alias(self, key, target):
        """A compact workbook shows no copy of a matrix: formulas use the original block."""
        self.where[self.key(key)] = self.where[self.key(target)]

    def __getitem__(self, key):
        return self.where[self.key(key)]

    def __contains__(self, key):
        try:
            return self.key(key) in self.where
        except AmbiguousKind:
            raise
        except KeyError:
            return False

    def sheet_of(self, direction, t):
        """The Step or Back sheet that shows time step t."""
        return next(s for s in self.sheets if s.kind == direction and t in s.steps)

    def worked(self, direction, t):
        """The article's worked steps: the first two forward steps and the last backward one (also
        the default exercise)."""
        return t <= 2 if direction == "forward" else t == self.T

    def in_full(self, direction, t):
        """Does this step's sheet show its matrices (and, backward, its gradient contributions)?
        A compact workbook still shows the worked steps in full."""
        return not self.compact or self.worked(direction, t)

    def counted(self, t):
        """Does step t's prediction enter the loss?"""
        return self.sc.loss_mode == "all" or t == self.T

    def seen_from(self, sheet):
        return View(self, sheet)


class View(dict):
    """The layout as seen from the sheet whose formulas are being written: L[q, t] gives a block
    whose references name its sheet only when it is another one. Formulas ask for the same few
    blocks again and again (millions of times in a long word's workbook): each is worked out once,
    then found as in a plain dict, and the settings formulas read most are plain attributes."""

    def __init__(self, layout, sheet):
        super().__init__()
        self.layout, self.sheet = layout, sheet
        self.T, self.V, self.H, self.sc, self.cell = layout.T, layout.V, layout.H, layout.sc, layout.cell
        self.family, self.optimizer, self.clip = layout.family, layout.optimizer, layout.clip
        self.weights_of, self.counted = layout.weights_of, layout.counted

    def __missing__(self, key):
        seen = self[key] = On(self.layout[key], self.sheet)
        return seen

    def __getattr__(self, name):        # other settings and helpers: L.in_full(...), ...
        return getattr(self.layout, name)

    def __contains__(self, key):
        return key in self.layout

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other


def chars(part):
    """The width in characters a one-column part's column needs: its caption's, its text's, or a
    number in scientific format's (1.234567E-08 is wider than 0.123456)."""
    return max(len(part.caption) + 2, part.width, 14 if part.quantity.scientific else 0)


def show_char(c):
    """A label for a character; a space would be invisible."""
    return "␣" if c == " " else c


def units(n, prefix="h"):
    return [f"{prefix}{i + 1}" for i in range(n)]


def steps(T, prefix="t"):
    return [f"{prefix}={t}" for t in range(1, T + 1)]


def shown(L, parts, full):
    """Unless the step is shown in full, a band keeps its vectors only: the parameter copies go
    (formulas then refer to the Parameters sheet), and so do the operators between them."""
    if full:
        return parts
    kept = []
    for part in parts:
        if isinstance(part, str):
            continue
        if part.quantity.copy_of:
            L.alias(part.key, part.quantity.copy_of)
        else:
            kept += [part, " "]
    return kept[:-1]
