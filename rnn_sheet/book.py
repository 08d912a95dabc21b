"""The whole workbook as plain data: every cell's content, cached value and style, and the names.

Joins layout (where), formulas (how) and the engine (what value). Writers for each file format
only translate this description.
"""
from dataclasses import dataclass, field

import numpy as np

from . import __version__
from .engine import train
from .formulas import text as formula_text
from .grid import on_sheet
from .layout import plan
from .scenario import InputError
from .values import values

# Memory grows about 1 KB per cell while building, and spreadsheets slow down well before Excel's
# own limits: a 300-letter text is about 200,000 cells.
MAX_CELLS = 2_000_000
INPUT_NUMBERS = {"Wxh", "Whh", "bh", "Why", "by", "lr", "clip"}
INPUT_TEXT = {"vocab", "word", "gen_start"}
CONSTANTS = {"onehot", "flow_t"}
ONE_HOT = {"x", "target", "b_x", "b_target", "c_X", "c_TGT", "gen_X", "g_X", "onehot"}
# Cells that only repeat a cell shown elsewhere (a weight beside what it multiplies, a vector from
# the step before): a reader should see they are not new results.
LINKS = {"Wxh_link", "Whh_link", "bh_link", "Why_link", "by_link", "b_Why", "b_Whh", "h_copy", "h_prev",
         "b_p", "b_target", "b_h", "b_x", "b_hprev", "dh_in", "sum_in", "sum_target", "sum_pred",
         "sum_loss", "loss_before", "c_WhyT", "c_WhhT"}
# Heatmaps: weights and gradients diverge around 0; probabilities run from 0 to 1.
WEIGHTS = {"Wxh", "Whh", "bh", "Why", "by", "Wxh_link", "Whh_link", "bh_link", "Why_link", "by_link",
           "b_Why", "b_Whh", "c_WhyT", "c_WhhT", *(f"{n}_new" for n in ("Wxh", "Whh", "bh", "Why", "by")),
           *(f"cw_{n}" for n in ("Wxh", "Whh", "bh", "Why", "by"))}
GRADIENTS = {"dy", "dh", "da", "dWhy_t", "dby_t", "dWxh_t", "dWhh_t", "dbh_t", "dWxh", "dWhh", "dbh",
             "dWhy", "dby", "g_DA", "g_DY", "c_dY", "c_dH", "c_dA",
             *(f"c_g_{n}" for n in ("Wxh", "Whh", "bh", "Why", "by"))}
PROBABILITIES = {"p", "b_p", "c_P", "sum_ptarget"}


@dataclass
class Cell:
    kind: str            # label / input / const / formula
    value: object        # the number or text shown; for a formula, the engine's result
    formula: str | None = None
    style: str = "calc"


@dataclass
class Sheet:
    name: str
    kind: str
    cells: dict = field(default_factory=dict)     # (row, col) -> Cell
    width: int = 1
    widths: dict = field(default_factory=dict)    # col -> width, where not the default
    charts: list = field(default_factory=list)    # dicts: title, categories, values (ranges), anchor
    notes: dict = field(default_factory=dict)     # (row, col) -> plain-maths note on a block's first cell
    merges: list = field(default_factory=list)    # (row, col, ncols): a caption spanning its block
    heatmaps: list = field(default_factory=list)  # (Block, "diverging" | "probability", bound)
    header_rows: int = 0                          # frozen title rows
    bands: list = field(default_factory=list)     # (first row, last row) of each titled band

    @property
    def extent(self):
        """(rows, cols) covered by cells and charts: the print area."""
        rows = max([r + 1 for r, _ in self.cells] + [c["anchor"][0] + c["size"][0] for c in self.charts] + [1])
        cols = max([c + 1 for _, c in self.cells] + [c["anchor"][1] + c["size"][1] for c in self.charts]
                   + [self.width])
        return rows, cols


@dataclass
class Book:
    sheets: list
    names: dict          # defined name -> absolute range, e.g. "Parameters!$C$5:$F$7"
    layout: object
    properties: dict
    loss: float


def build_book(scenario, backward=True, progress=None):
    """progress(done, total), if given, is called after each sheet."""
    L = plan(scenario, backward=backward)
    cells = sum(b.nrows * b.ncols for sheet in L.sheets for b in sheet.blocks.values())
    if cells > MAX_CELLS:
        raise InputError(f"this workbook would hold {cells:,} cells, more than the {MAX_CELLS:,} a "
                         "spreadsheet opens comfortably: use a shorter word, fewer --epochs or a smaller "
                         "--hidden or vocabulary")
    # The Update sheet always shows one step; the Training sheet shows `epochs` of them.
    records = train(scenario.params, scenario.inputs, scenario.targets, scenario.lr,
                    max(scenario.epochs, 1), scenario.clip, scenario.loss_mode)
    vals = values(L, scenario, records)
    sheets = []
    for n, plan_sheet in enumerate(L.sheets, 1):
        sheet = Sheet(plan_sheet.name, plan_sheet.kind, width=plan_sheet.width,
                      widths=_widths(plan_sheet),
                      charts=_charts(L, plan_sheet), merges=list(plan_sheet.merges),
                      header_rows=plan_sheet.header_rows, bands=list(plan_sheet.bands))
        for row, col, text, style in plan_sheet.labels:
            sheet.cells[(row, col)] = Cell("label", text, style=style)
        with on_sheet(plan_sheet.name):
            for key, block in plan_sheet.blocks.items():
                v = np.asarray(vals[key], dtype=object).reshape(block.nrows, block.ncols)
                for i, j in block.cells():
                    sheet.cells[(block.row + i, block.col + j)] = _cell(L, key, i, j, _plain(v[i, j]))
                if key in plan_sheet.notes:
                    sheet.notes[(block.row, block.col)] = plan_sheet.notes[key]
                heat = _heat(key[0], block, v)
                if heat:
                    sheet.heatmaps.append(heat)
        sheets.append(sheet)
        if progress:
            progress(n, len(L.sheets))
    names = {name: L[key].range(frm=None, absolute=True) for name, key in L.names.items()}
    return Book(sheets, names, L, _properties(scenario), records[0].fwd.loss)


def _widths(plan_sheet):
    # Number columns keep the default width (operator and label widths are for empty columns)
    # unless a caption needs more.
    widths = {c: w for c, w in plan_sheet.widths.items() if c not in plan_sheet.wide}
    for c, w in plan_sheet.fit.items():
        widths[c] = max(widths.get(c, 11), w)
    return widths


def _charts(L, plan_sheet):
    return [{**chart, "categories": L[chart["categories"]].range(frm=None, absolute=True),
             "values": L[chart["values"]].range(frm=None, absolute=True)} for chart in plan_sheet.charts]


def _heat(kind, block, v):
    if block.nrows * block.ncols < 2:
        return None
    if kind in PROBABILITIES:
        return block, "probability", 1.0
    if kind in WEIGHTS or kind in GRADIENTS:
        # Symmetric around 0, fixed at build time: white is always 0 and the colours compare blocks.
        bound = max((abs(x) for x in v.ravel() if isinstance(x, float)), default=0.0)
        return (block, "diverging", bound) if bound > 0 else None
    return None


def _cell(L, key, i, j, value):
    kind = key[0]
    if kind in INPUT_NUMBERS:
        return Cell("input", value, style="input")
    if kind in INPUT_TEXT:
        return Cell("input", value, style="input_text")
    text = None if kind in CONSTANTS else formula_text(L, key, i, j)
    if text is None:
        return Cell("const", value, style="const")
    if kind in LINKS:
        style = "link_text" if isinstance(value, str) else "link_int" if kind in ONE_HOT else "link"
    else:
        style = "calc_text" if isinstance(value, str) else "calc_int" if kind in ONE_HOT else "calc"
    return Cell("formula", value, text, style=style)


def _plain(v):
    if isinstance(v, (np.floating, np.integer)):
        return float(v)
    return v


def _properties(sc):
    return {
        "title": f"rnn-sheet: {sc.word}",
        "subject": f"Character RNN ({sc.model} model) on {sc.word!r}",
        "comments": f"Built by rnn-sheet {__version__}",
    }
