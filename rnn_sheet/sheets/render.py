"""Turn a plan into a workbook.Book: each placed quantity's cells get its formula (rendered as seen
from their sheet), the engine's value cached beside it, the style of its role, its note and its
heatmap. Also the engine's value under each defined name, for `rnn-sheet check`."""
import math
from dataclasses import dataclass, replace

import numpy as np

from .. import __version__
from ..model.scenario import InputError
from ..workbook.book import Book, Cell, Chart, Heatmap, Kind, Sheet
from .quantity import Context
from .order import plan
from .quantity import Heat, Role

# Memory grows about 1 KB per cell while building, and spreadsheets slow down well before Excel's
# own limits: a 300-letter text is about 200,000 cells.
MAX_CELLS = 2_000_000
MAX_FORMULA = 8192          # characters, Excel's limit (a detailed sum over 500 Back sheets nears it)


@dataclass
class Built:
    book: Book
    layout: object          # sheets.layout.Layout: where each quantity is
    context: Context        # the engine's run

    @property
    def loss(self):
        return self.context.F.loss


def build(scenario, progress=None):
    """The workbook of a scenario; progress(done, total), if given, is called after each sheet."""
    L = plan(scenario)
    cells = sum(b.nrows * b.ncols for sheet in L.sheets for b in sheet.blocks.values())
    if cells > MAX_CELLS:
        raise InputError(f"this workbook would hold {cells:,} cells, more than the {MAX_CELLS:,} a "
                         "spreadsheet opens comfortably: use a shorter word, fewer --epochs or a smaller "
                         "--hidden or vocabulary")
    sheets = []
    # An overflow is no warning to print: _finite refuses the inputs that cause one, in one line.
    with np.errstate(over="ignore", invalid="ignore"):
        ctx = Context(scenario)
        for n, sheet_plan in enumerate(L.sheets, 1):
            sheets.append(render_sheet(L, ctx, sheet_plan))
            if progress:
                progress(n, len(L.sheets))
    names = {name: L[key] for name, key in L.names.items()}
    return Built(Book(sheets, names, _properties(scenario)), L, ctx)


def render_sheet(L, ctx, plan_sheet):
    sheet = Sheet(plan_sheet.name, plan_sheet.kind, width=plan_sheet.width, widths=_widths(plan_sheet),
                  charts=[_chart(L, c) for c in plan_sheet.charts], merges=list(plan_sheet.merges),
                  header_rows=plan_sheet.header_rows, bands=list(plan_sheet.bands),
                  outline=list(plan_sheet.outline))
    for row, col, text, style in plan_sheet.labels:
        sheet.cells[(row, col)] = Cell(Kind.LABEL, text, style=style)
    view = L.seen_from(plan_sheet.name)
    for key, block in plan_sheet.blocks.items():
        q, t = plan_sheet.quantities[key], key[1]
        v = np.asarray(q.value(ctx, t), dtype=object).reshape(block.nrows, block.ncols)
        _finite(q, v, plan_sheet.name)
        cell, cells = _cells(q, view, t), sheet.cells
        for i, row in enumerate(v.tolist(), block.row):
            for j, value in enumerate(row):
                cells[(i, block.col + j)] = cell(i - block.row, j, _plain(value))
        heat = _heat(q, block, v)
        if heat:
            sheet.heatmaps.append(heat)
    sheet.notes = _notes(L, plan_sheet)
    return sheet


def _notes(L, plan_sheet):
    """The plain-maths note of each block, where LibreOffice pays least for it: notes cost most of
    the time it takes to open a workbook (a 30-step book with one per block opens in 2.1 s, 1.2 s with
    these). A sheet notes each text once, on the first block that has it; a Step or Back sheet past
    the worked steps gets one legend note on its title instead."""
    notes = {}
    for key, block in plan_sheet.blocks.items():
        note = plan_sheet.quantities[key].note_for(L) if key in plan_sheet.noted else None
        if note and note not in notes.values():
            notes[(block.row, block.col)] = note
    if len(plan_sheet.steps) != 1 or L.worked(plan_sheet.kind, plan_sheet.steps[0]) or not notes:
        return notes
    return {(0, 0): "The blocks of this sheet, in plain maths (as the notes on Step 1, Step 2 and Back "
                    f"{L.T} say):\n" + "\n".join(notes.values())}


def _finite(q, v, sheet):
    """A number no spreadsheet can hold (the engine overflowed where the formula would too) is
    refused before anything is written: a file with it would be damaged."""
    if any(isinstance(x, float) and not math.isfinite(x) for x in v.flat):
        raise InputError(f"with these inputs {q.kind} on the sheet '{sheet}' overflows (beyond ±1.8e308, "
                         "which no spreadsheet can hold): use smaller weights, a smaller lr or fewer --epochs")


def _cells(q, view, t):
    """cell(i, j, value) for the cells of one placed quantity: as its role says."""
    if q.role is Role.INPUT:
        return lambda i, j, value: Cell(Kind.INPUT, value, style="input_text" if isinstance(value, str) else "input")
    if q.role is Role.CONSTANT:
        return lambda i, j, value: Cell(Kind.CONST, value, style="const")
    kind = "link" if q.role is Role.LINK else "calc"
    number = f"{kind}_int" if q.one_hot else f"{kind}_sci" if q.scientific else kind

    def cell(i, j, value):
        text = q.formula(view, t, i, j)
        if text is None:
            return Cell(Kind.CONST, value, style="const")
        if len(text) >= MAX_FORMULA:
            raise InputError(f"{q.kind} on the sheet '{view.sheet}' would need a formula of {len(text):,} "
                             f"characters, more than Excel's {MAX_FORMULA:,}: use --layout compact")
        return Cell(Kind.FORMULA, value, text, style=f"{kind}_text" if isinstance(value, str) else number)
    return cell


def _heat(q, block, v):
    if block.nrows * block.ncols < 2 or q.heat is None:
        return None
    if q.heat is Heat.PROBABILITY:
        return Heatmap(block, "probability", 1.0)
    # Symmetric around 0, fixed at build time: white is always 0 and the colours compare blocks.
    bound = max((abs(x) for x in v.ravel() if isinstance(x, float)), default=0.0)
    return Heatmap(block, "diverging", bound) if bound > 0 else None


def _plain(v):
    if isinstance(v, (np.floating, np.integer)):
        return float(v)
    return v


def _widths(plan_sheet):
    # Number columns keep the default width (operator and label widths are for empty columns)
    # unless a caption needs more.
    widths = {c: w for c, w in plan_sheet.widths.items() if c not in plan_sheet.wide}
    for c, w in plan_sheet.fit.items():
        widths[c] = max(widths.get(c, 11), w)
    return widths


def _chart(L, spec):
    return Chart(spec["title"], L[spec["categories"]], L[spec["values"]], spec["anchor"], spec["size"],
                 spec.get("type", "line"), spec.get("x_title", ""), spec.get("y_title", ""), spec.get("name", ""),
                 tuple((name, L[q]) for name, q in spec.get("more", ())))


def _properties(sc):
    return {
        "title": f"rnn-sheet: {sc.word}",
        "subject": f"Character RNN ({sc.model} model) on {sc.word!r}",
        "comments": f"Built by rnn-sheet {__version__}",
    }


def named_values(scenario, names):
    """The engine's value of each computed quantity under a defined name in `names` (inputs, which
    the file holds itself, are left out): what `check` holds a recomputed workbook against."""
    L = plan(scenario)
    ctx = Context(scenario)
    out = {}
    for name, key in L.names.items():
        block, q = L[key], L.placed[key]
        if name in names and q.role is not Role.INPUT:
            out[name] = np.asarray(q.value(ctx, key[1]), dtype=object).reshape(block.nrows, block.ncols)
    return out


def placed_values(scenario, keys):
    """{(kind, t): (caption, the engine's value shaped as its block)} of the placed quantities in
    `keys`, whatever layout a file was built with (a detailed plan places every one): what a graded
    exercise's blanks must hold. Keys the plan does not place are left out."""
    L = plan(replace(scenario, layout="detailed"))
    ctx = Context(scenario)
    out = {}
    for key in keys:
        if key in L.placed:
            block, q = L[key], L.placed[key]
            value = np.asarray(q.value(ctx, key[1]), dtype=object).reshape(block.nrows, block.ncols)
            out[key] = L.captions.get(key, key[0]), value
    return out
