"""Where every quantity lives: sheets, blocks of cells, labels and the defined names.

A quantity is keyed by (kind, t): kind names the equation ("h", "dWxh_t", ...), t is the time step
(1-based) or None for a parameter. formulas.py gives each kind its formula; book.py joins the two
with the engine's values.
"""
from dataclasses import dataclass, field

from .grid import Block
from .layout_notes import NOTES

LABEL_COL = 0      # column A holds band titles and notes
FIRST_COL = 1


@dataclass
class SheetPlan:
    name: str
    kind: str                       # parameters / forward / backward / summary / training
    labels: list = field(default_factory=list)      # (row, col, text, style)
    blocks: dict = field(default_factory=dict)      # key -> Block
    row: int = 0                    # next free row
    width: int = 1                  # columns used
    widths: dict = field(default_factory=dict)      # col -> width of operator and label columns
    wide: set = field(default_factory=set)          # columns holding numbers somewhere
    charts: list = field(default_factory=list)      # dicts: title, x key, y key, anchor, type
    notes: dict = field(default_factory=dict)       # key -> plain maths, noted on the block's first cell
    merges: list = field(default_factory=list)      # (row, col, ncols): captions spanning a matrix
    header_rows: int = 0            # title rows, frozen at the top of the window
    fit: dict = field(default_factory=dict)         # col -> width a one-column caption needs
    bands: list = field(default_factory=list)       # (first row, last row): kept on one printed page

    def label(self, row, col, text, style="label"):
        self.labels.append((row, col, text, style))
        self.width = max(self.width, col + 1)

    def title(self, text, subtitle=None):
        self.label(self.row, 0, text, "title")
        self.row += 1
        if subtitle:
            self.label(self.row, 0, subtitle, "note")
            self.row += 1
        self.header_rows = self.row
        self.row += 1

    def chart(self, spec, below=False, row=None):
        """Below the bands (reserving its rows) or right of them, from `row` (default: under the title)."""
        at = (self.row, FIRST_COL) if below else (row or self.header_rows + 1, self.width + 1)
        self.charts.append({**spec, "anchor": at, "size": (CHART_ROWS, CHART_COLS)})
        if below:
            self.row += CHART_ROWS + 1

    def band(self, title, parts, note=None):
        """Lay parts left to right under a band title: Part blocks, or str operators such as '×'."""
        first = self.row
        self.label(self.row, LABEL_COL, title, "band")
        if note:
            self.label(self.row + 1, LABEL_COL, note, "note")
        top = self.row + (3 if note else 2)
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
            self.label(top, col, part.caption, "caption")
            if part.ncols > 1:
                self.merges.append((top, col, part.ncols))
            else:       # a long caption over one number would run into its neighbour's
                self.fit[col] = max(self.fit.get(col, 0), len(part.caption) + 2)
            if part.note:
                self.notes[part.key] = part.note
            for j, text in enumerate(part.col_labels or []):
                self.label(top + 1, col + j, text, "collabel")
            self.blocks[part.key] = Block(self.name, top + 2 + part.offset, col, part.nrows, part.ncols)
            self.wide.update(range(col, col + part.ncols))
            if part.row_labels:
                for i, text in enumerate(part.row_labels):
                    self.label(top + 2 + part.offset + i, col - 1, text, "rowlabel")
            col += part.ncols + 1
            height = max(height, part.nrows + part.offset)
        self.width = max(self.width, col)
        self.row = top + 2 + height + 1
        self.bands.append((first, top + 1 + height))
        return [self.blocks[p.key] for p in parts if not isinstance(p, str)]


@dataclass
class Part:
    key: tuple
    caption: str
    nrows: int
    ncols: int = 1
    row_labels: list | None = None
    col_labels: list | None = None
    offset: int = 0          # rows below the band's first row, to line up time steps
    note: str | None = None  # what the block is, in plain maths (default: layout_notes.NOTES)

    def __post_init__(self):
        if self.note is None:
            self.note = NOTES.get(self.key[0])


@dataclass
class Layout:
    model: str
    T: int
    V: int
    H: int
    vocab: str
    loss_mode: str = "all"
    epochs: int = 0
    clip: float | None = None
    compact: bool = False
    sheets: list = field(default_factory=list)
    where: dict = field(default_factory=dict)       # key -> Block
    names: dict = field(default_factory=dict)       # defined name -> key

    def add(self, sheet):
        self.sheets.append(sheet)
        self.where.update(sheet.blocks)
        return sheet

    def alias(self, key, target):
        """A compact workbook shows no copy of a matrix: formulas use the original block."""
        self.where[key] = self.where[target]

    def __getitem__(self, key):
        return self.where[key]

    def in_full(self, direction, t):
        """Does this step's sheet show its matrices (and, backward, its gradient contributions)?
        A compact workbook still shows the article's worked steps in full: the first two forward
        steps and the last backward one (also the default exercise)."""
        if not self.compact:
            return True
        return t <= 2 if direction == "forward" else t == self.T

    def counted(self, t):
        """Does step t's prediction enter the loss?"""
        return self.loss_mode == "all" or t == self.T


def show_char(c):
    """A label for a character; a space would be invisible."""
    return "␣" if c == " " else c


def units(n, prefix="h"):
    return [f"{prefix}{i + 1}" for i in range(n)]


# Step sheets draw p_t only for a vocabulary that fits a chart (and not in a compact workbook).
CHART_MAX_V = 30
CHART_ROWS, CHART_COLS = 16, 7       # cells a chart covers (480 x 288 px at 11-character columns)


# Above this many cells of per-step matrices, step and backward sheets show vectors only (the
# matrices stay on Parameters, gradients are summed down time-major tables): a 300-letter text
# would otherwise need over a million formulas.
DETAIL_LIMIT = 150_000


def detail_cells(T, V, H, model):
    """Cells of per-step matrix copies and gradient contributions a detailed workbook holds."""
    Whh = H * H if model == "standard" else 1
    return T * (4 * H * V + 3 * Whh + H * V)


def plan(scenario, backward=True):
    V, H, T = len(scenario.vocab), scenario.hidden, scenario.T
    L = Layout(scenario.model, T, V, H, scenario.vocab, scenario.loss_mode, scenario.epochs, scenario.clip)
    L.compact = {"compact": True, "detailed": False}.get(
        scenario.layout, detail_cells(T, V, H, L.model) > DETAIL_LIMIT)
    letters = [show_char(c) for c in scenario.vocab]
    from .layout_about import about_sheet
    L.add(about_sheet(L, scenario))
    L.add(parameters_sheet(L, scenario, letters))
    charts = not L.compact and V <= CHART_MAX_V
    for t in range(1, T + 1):
        S = forward_sheet(L, t, letters)
        if charts:      # beside the scores and softmax: the step still prints on one page
            S.chart({"type": "bar", "title": f"p_{t} = softmax(y_{t}); target: '{show_char(scenario.word[t])}'",
                     "x_title": "next letter", "y_title": "probability",
                     "categories": ("vocab", None), "values": ("p", t)}, row=S.blocks[("y", t)].row - 4)
        L.add(S)
    S = summary_sheet(L)
    S.chart({"type": "bar", "title": "loss_t per time step", "x_title": "input letter x_t",
             "y_title": "loss_t", "categories": ("sum_in", None), "values": ("sum_loss", None)})
    L.add(S)
    if backward:
        from . import layout_backward
        layout_backward.add_sheets(L, scenario, letters)
    return L


def parameters_sheet(L, sc, letters):
    S = SheetPlan("Parameters", "parameters")
    S.title("Parameters: the inputs of the network",
            "Yellow cells are inputs: edit a weight, a letter or lr and every sheet recomputes.")
    V, H = L.V, L.H
    S.band("Vocabulary and one-hot encoding", [
        Part(("vocab", None), "letter", V),
        Part(("onehot", None), "one-hot code", V, V, col_labels=letters)])
    S.band("The word: input x_t is letter t, target is letter t+1", [
        Part(("word", None), "letter", L.T + 1, row_labels=[f"{i + 1}" for i in range(L.T + 1)])])
    article = L.model == "article"
    parts = [Part(("Wxh", None), "Wxh (hidden × vocabulary)", H, V, units(H), letters), "  "]
    if article:
        parts += [Part(("Whh", None), "Whh (1×1)", 1), Part(("bh", None), "bias (1×1)", 1)]
    else:
        parts += [Part(("Whh", None), "Whh (hidden × hidden)", H, H, units(H), units(H)),
                  Part(("bh", None), "bh", H, row_labels=units(H))]
    S.band("Input and recurrent weights", parts)
    parts = [Part(("Why", None), "Why (vocabulary × hidden)", V, H, letters, units(H))]
    if not article:
        parts.append(Part(("by", None), "by", V, row_labels=letters))
    parts.append(Part(("lr", None), "learning rate lr", 1))
    if sc.clip:
        parts.append(Part(("clip", None), "clip gradients to ±", 1))
    S.band("Output weights and learning rate", parts)
    for name in ("Wxh", "Whh", "bh", "Why", "by", "lr", "clip", "vocab"):
        if (name, None) in S.blocks:
            L.names[name] = (name, None)
    L.names["word"] = ("word", None)
    return S


def forward_sheet(L, t, letters):
    V, H, T = L.V, L.H, L.T
    S = SheetPlan(f"Step {t}", "forward")
    S.title(f"Time step {t} of {T}: forward propagation",
            "Every number is a live formula; matrices are linked to the Parameters sheet.")
    S.label(S.row, 1, "input x_t", "caption")
    S.label(S.row, 3, "target", "caption")
    S.blocks[("char_in", t)] = Block(S.name, S.row + 1, 1, 1, 1)
    S.blocks[("char_target", t)] = Block(S.name, S.row + 1, 3, 1, 1)
    S.row += 3
    prev = "h(t-1) = 0 (no letter before)" if t == 1 else f"h(t-1) from Step {t - 1}"
    full = L.in_full("forward", t)
    S.band("Wxh · x_t: the input letter through the input weights", shown(L, [
        Part(("Wxh_link", t), "Wxh", H, V, units(H), letters), "×",
        Part(("x", t), "x_t", V, row_labels=letters), "=",
        Part(("wx", t), "Wxh·x_t", H)], full))
    if L.model == "article":
        parts = [Part(("Whh_link", t), "Whh", 1), "×", Part(("h_prev", t), "h(t-1)", H), "+",
                 Part(("bh_link", t), "bias", 1), "=", Part(("wh", t), "Whh·h(t-1)+bias", H)]
    else:
        parts = [Part(("Whh_link", t), "Whh", H, H, units(H), units(H)), "×",
                 Part(("h_prev", t), "h(t-1)", H), "+", Part(("bh_link", t), "bh", H), "=",
                 Part(("wh", t), "Whh·h(t-1)+bh", H)]
    S.band("Whh · h(t-1) + bias: the memory of the previous step", shown(L, parts, full), prev)
    S.band("h_t = tanh(Wxh·x_t + Whh·h(t-1) + bias): the new hidden state", [
        Part(("a", t), "sum", H, row_labels=units(H)), "→", Part(("h", t), "h_t = tanh", H)])
    parts = [Part(("Why_link", t), "Why", V, H, letters, units(H)), "×", Part(("h_copy", t), "h_t", H)]
    if L.model == "standard":
        parts += ["+", Part(("by_link", t), "by", V)]
    parts += ["=", Part(("y", t), "y_t", V)]
    S.band("y_t = Why · h_t" + (" + by" if L.model == "standard" else "") + ": scores for each letter",
           shown(L, parts, full))
    S.band("softmax(y_t): probability of each letter, prediction and loss", [
        Part(("ymax", t), "max(y_t)", 1), Part(("e", t), "exp(y_t - max)", V, row_labels=letters),
        Part(("esum", t), "sum of exp", 1), Part(("p", t), "p_t = softmax", V),
        Part(("target", t), "target one-hot", V), Part(("pred", t), "predicted", 1),
        Part(("loss_t", t), "loss_t = -ln p(target)", 1)])
    for kind in ("x", "h", "y", "p"):
        L.names[f"{kind}_{t}"] = (kind, t)
    L.names[f"loss_{t}"] = ("loss_t", t)
    return S


# Blocks that only show a parameter beside the vectors it multiplies, and the parameter they show.
COPIES = {"Wxh_link": "Wxh", "Whh_link": "Whh", "bh_link": "bh", "Why_link": "Why", "by_link": "by",
          "b_Why": "Why", "b_Whh": "Whh"}


def shown(L, parts, full):
    """Unless the step is shown in full, a band keeps its vectors only: the parameter copies go
    (formulas then refer to the Parameters sheet), and so do the operators between them."""
    if full:
        return parts
    kept = []
    for part in parts:
        if isinstance(part, str):
            continue
        if part.key[0] in COPIES:
            L.alias(part.key, (COPIES[part.key[0]], None))
        else:
            kept += [part, " "]
    return kept[:-1]


def summary_sheet(L):
    T = L.T
    S = SheetPlan("Summary", "summary")
    S.title("Summary: what the network predicts at each time step",
            "The total loss is the sum of the cross-entropy loss of every step.")
    S.band("Per time step", [
        Part(("sum_in", None), "input", T, row_labels=[f"t={t}" for t in range(1, T + 1)]),
        Part(("sum_target", None), "target", T), Part(("sum_pred", None), "predicted", T),
        Part(("sum_ptarget", None), "p(target)", T), Part(("sum_loss", None), "loss_t", T)])
    S.band("Whole word", [Part(("predicted_text", None), "predicted letters", 1),
                          Part(("loss", None), "total loss", 1)])
    L.names["loss"] = ("loss", None)
    return S
