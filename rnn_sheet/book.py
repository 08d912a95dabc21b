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
from .values import values

INPUT_NUMBERS = {"Wxh", "Whh", "bh", "Why", "by", "lr", "clip"}
INPUT_TEXT = {"vocab", "word", "gen_start"}
CONSTANTS = {"onehot", "flow_t"}
ONE_HOT = {"x", "target", "b_x", "b_target", "c_X", "c_TGT", "gen_X", "g_X", "onehot"}


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


@dataclass
class Book:
    sheets: list
    names: dict          # defined name -> absolute range, e.g. "Parameters!$C$5:$F$7"
    layout: object
    properties: dict
    loss: float


def build_book(scenario, backward=True):
    # The Update sheet always shows one step; the Training sheet shows `epochs` of them.
    records = train(scenario.params, scenario.inputs, scenario.targets, scenario.lr,
                    max(scenario.epochs, 1), scenario.clip, scenario.loss_mode)
    L = plan(scenario, backward=backward)
    vals = values(L, scenario, records)
    sheets = []
    for plan_sheet in L.sheets:
        sheet = Sheet(plan_sheet.name, plan_sheet.kind, width=plan_sheet.width,
                      widths={c: w for c, w in plan_sheet.widths.items() if c not in plan_sheet.wide}, charts=_charts(L, plan_sheet))
        for row, col, text, style in plan_sheet.labels:
            sheet.cells[(row, col)] = Cell("label", text, style=style)
        with on_sheet(plan_sheet.name):
            for key, block in plan_sheet.blocks.items():
                v = np.asarray(vals[key], dtype=object).reshape(block.nrows, block.ncols)
                for i, j in block.cells():
                    sheet.cells[(block.row + i, block.col + j)] = _cell(L, key, i, j, _plain(v[i, j]))
        sheets.append(sheet)
    names = {name: L[key].range(frm=None, absolute=True) for name, key in L.names.items()}
    return Book(sheets, names, L, _properties(scenario), records[0].fwd.loss)


def _charts(L, plan_sheet):
    return [{**chart, "categories": L[chart["categories"]].range(frm=None, absolute=True),
             "values": L[chart["values"]].range(frm=None, absolute=True)} for chart in plan_sheet.charts]


def _cell(L, key, i, j, value):
    kind = key[0]
    if kind in INPUT_NUMBERS:
        return Cell("input", value, style="input")
    if kind in INPUT_TEXT:
        return Cell("input", value, style="input_text")
    text = None if kind in CONSTANTS else formula_text(L, key, i, j)
    if text is None:
        return Cell("const", value, style="const")
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
