"""Turn a plan into a workbook.Book: each placed quantity's cells get its formula (rendered as seen
from their sheet), the engine's value cached beside it, the style of its role, its note and its
heatmap. Also the engine's value under each defined name, for `rnn-sheet check`."""
import math
from dataclasses import dataclass, replace
from functools import partial

import numpy as np

from .. import __version__
from ..model.scenario import InputError
from ..workbook.book import Book, Cell, Chart, Heatmap, Kind, Sheet, Unrendered
from .quantity import Context
from .order import plan
from .quantity import Heat, Role

# Spreadsheets slow down well before Excel's own limits: a 300-letter text is about 200,000 cells.
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
    """The workbook of a scenario, its sheets rendered as a writer asks for them (a formula too
    long for Excel is refused then, before the file is complete); progress(done, total), if given,
    is called once the engine has run."""
    if scenario.text is not None:
        _text_fits(scenario)
    L = plan(scenario)
    cells = cell_count(L)
    if cells > MAX_CELLS:
        raise InputError(f"this workbook would hold {cells:,} cells, more than the {MAX_CELLS:,} a "
                         "spreadsheet opens comfortably: use a shorter word, fewer --epochs or a smaller "
                         "--hidden or vocabulary")
    # An overflow is no warning to print: _finite refuses the inputs that cause one, in one line.
    with np.errstate(over="ignore", invalid="ignore"):
        ctx = Context(scenario, steps=[t for t in range(1, L.T + 1) if L.in_full("backward", t)])
        for sheet_plan in L.sheets:
            for key in sheet_plan.blocks:
                _finite(ctx, sheet_plan.quantities[key], key[1], sheet_plan.name)
    if progress:
        progress(1, 1)
    sheets = [Unrendered(p.name, partial(render_sheet, L, ctx, p)) for p in L.sheets]
    names = {**{name: L[key] for name, key in L.names.items()}, **L.label_names}
    placed_at = {L.where[key]: key for key in L.placed}
    return Built(Book(sheets, names, _properties(scenario), partial(block_cells, L, ctx, placed_at)), L, ctx)


def cell_count(L):
    return sum(b.nrows * b.ncols for sheet in L.sheets for b in sheet.blocks.values())


def _text_fits(sc):
    """A text's book grows by the same cells with each iteration past the first: from two small plans,
    before planning them all, how many iterations the cell cap leaves room for."""
    two, three = (cell_count(plan(replace(sc, epochs=n))) for n in (2, 3))
    each = three - two
    if two + each * (sc.epochs - 2) > MAX_CELLS:
        fit = max(0, (MAX_CELLS - two) // each + 2)
        raise InputError(f"{sc.epochs} iterations would make {two + each * (sc.epochs - 2):,} cells, more than the "
                         f"{MAX_CELLS:,} a spreadsheet opens comfortably: at most {fit} iterations fit "
                         "(or use a smaller --seq-length, --hidden or vocabulary)")


def render_sheet(L, ctx, plan_sheet):
    sheet = Sheet(plan_sheet.name, plan_sheet.kind, width=plan_sheet.width, widths=_widths(plan_sheet),
                  charts=[_chart(L, c) for c in plan_sheet.charts], merges=list(plan_sheet.merges),
                  header_rows=plan_sheet.header_rows, bands=list(plan_sheet.bands),
                  outline=list(plan_sheet.outline), print_rows=plan_sheet.print_rows)
    cells, LABEL = sheet.cells, Kind.LABEL
    for row, col, text, style in plan_sheet.labels:
        cells[(row, col)] = Cell(LABEL, text, None, style)
    view = L.seen_from(plan_sheet.name)
    for key, block in plan_sheet.blocks.items():
        q = plan_sheet.quantities[key]
        values = _values(ctx, q, key[1], block)
        _cells(q, view, key[1], block, values, cells)
        heat = _heat(q, block, values)
        if heat:
            sheet.heatmaps.append(heat)
    sheet.notes = _notes(L, plan_sheet)
    return sheet


def block_cells(L, ctx, placed_at, block):
    """The cells of the quantity placed exactly at `block` (placed_at: block -> key), rendered
    alone; None if none is."""
    if block not in placed_at:
        return None
    key = placed_at[block]
    q = L.placed[key]
    cells = {}
    _cells(q, L.seen_from(block.sheet), key[1], block, _values(ctx, q, key[1], block), cells)
    return [cells.get(pos) for pos in block.positions()]


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


def _finite(ctx, q, t, sheet):
    """A number no spreadsheet can hold (the engine overflowed where the formula would too) is
    refused before anything is written: a file with it would be damaged."""
    v = q.value(ctx, t)
    v = v if isinstance(v, np.ndarray) else np.asarray(v, dtype=object)
    if v.dtype == object:
        bad = any(isinstance(x, float) and not math.isfinite(x) for x in v.flat)
    else:
        bad = v.dtype.kind in "fc" and not np.isfinite(v).all()
    if bad:
        raise InputError(f"with these inputs {q.kind} on the sheet '{sheet}' overflows (beyond ±1.8e308, "
                         "which no spreadsheet can hold): use smaller weights, a smaller lr or fewer --epochs")


def _values(ctx, q, t, block):
    """The engine's values of a placed quantity as rows of plain Python numbers and text."""
    with np.errstate(over="ignore", invalid="ignore"):
        raw = q.value(ctx, t)
    if isinstance(raw, np.ndarray) and raw.dtype == np.float64:
        return raw.reshape(block.nrows, block.ncols).tolist()
    v = np.asarray(raw, dtype=object).reshape(block.nrows, block.ncols)
    return [[_plain(x) for x in row] for row in v.tolist()]


def _cells(q, view, t, block, values, cells):
    """Put one placed quantity's cells into `cells` ({(row, col): Cell}), as its role says."""
    r0, c0 = block.row, block.col
    if q.role is Role.INPUT or q.role is Role.CONSTANT:
        kind = Kind.INPUT if q.role is Role.INPUT else Kind.CONST
        for i, row in enumerate(values, r0):
            for j, value in enumerate(row, c0):
                style = "const" if kind is Kind.CONST else "input_text" if isinstance(value, str) else \
                    "input_int" if q.one_hot else "input"
                cells[(i, j)] = Cell(kind, value, None, style)
        return
    kind = "link" if q.role is Role.LINK else "calc"
    number, text_style = f"{kind}_int" if q.one_hot else f"{kind}_sci" if q.scientific else kind, f"{kind}_text"
    formula, FORMULA, limit = q.formula, Kind.FORMULA, MAX_FORMULA
    for i, row in enumerate(values):
        for j, value in enumerate(row):
            text = formula(view, t, i, j)
            if text is None:
                cells[(r0 + i, c0 + j)] = Cell(Kind.CONST, value, None, "const")
            elif len(text) < limit:
                cells[(r0 + i, c0 + j)] = Cell(FORMULA, value, text, text_style if isinstance(value, str) else number)
            else:
                raise InputError(f"{q.kind} on the sheet '{view.sheet}' would need a formula of {len(text):,} "
                                 f"characters, more than Excel's {MAX_FORMULA:,}: use --layout compact")


def _heat(q, block, values):
    if block.nrows * block.ncols < 2 or q.heat is None:
        return None
    if q.heat is Heat.PROBABILITY:
        return Heatmap(block, "probability", 1.0)
    # Symmetric around 0, fixed at build time: white is always 0 and the colours compare blocks.
    bound = max((abs(x) for row in values for x in row if isinstance(x, float)), default=0.0)
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
                 tuple((name, L[q]) for name, q in spec.get("more", ())), spec.get("y_max"), spec.get("log", False))


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
        key = L.key(key)
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
        if key in L:
            placed = L.key(key)
            block, q = L[placed], L.placed[placed]
            value = np.asarray(q.value(ctx, key[1]), dtype=object).reshape(block.nrows, block.ncols)
            out[key] = L.captions.get(placed, q.kind), value
    return out


def key_formulas(scenario, blocks):
    """The answer key's formula text of each cell of the blank blocks `blocks` ({(kind, t): Block},
    where a file has them), as the layout that places them exactly there writes them (rows; None
    for a cell without one), and each sheet's width; None when no layout does (cells were moved)."""
    for layout in ("detailed", "compact"):
        L = plan(replace(scenario, layout=layout))
        try:
            placed = {key: L.key(key) for key in blocks}
        except KeyError:
            continue
        if any(L[p] != blocks[key] for key, p in placed.items()):
            continue
        out = {}
        for key, p in placed.items():
            block, q = L[p], L.placed[p]
            view = L.seen_from(block.sheet)
            out[key] = [[q.formula(view, key[1], i, j) for j in range(block.ncols)] for i in range(block.nrows)]
        return out, {s.name: s.width for s in L.sheets}
    return None
