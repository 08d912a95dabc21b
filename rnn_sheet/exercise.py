"""Exercise and answer-key versions of a workbook.

The exercise blanks the formulas of the chosen steps' exercise blocks (the quantities declared with
exercise=True): empty orange answer cells. Every other formula stays, so whatever depends on a blank
computes as soon as the blank is filled.

Cached values: a cell that depends on a blank is stored without a cached value. Spreadsheets compute
such cells when they open the file (LibreOffice too, though it shows the stored values of every other
cell of an .xlsx), so a student sees what the workbook gives with the blanks still empty (read as 0:
zeros, #N/A, Err:502), never the answers, and the right numbers appear as the blanks are filled. Cells
that do not depend on a blank keep their values.
"""
import hashlib
import math
import re
from dataclasses import replace

from .model.fingerprint import fingerprint
from .model.scenario import InputError
from .workbook import manifest
from .workbook.book import Book, Cell, Kind
from .workbook.grid import Block, a1, references

CHECK_MAX_CELLS = 50        # one self-check formula compares every cell of a block: keep it short
TOLERANCE = 1e-4
# The self-check's checksum: a prime modulus, so every A is invertible and a wrong bucket passes with
# probability 1/P; P*P and P*2^27 stay below 2^53. LIMIT: values beyond are "not yet" (MOD's quotient).
CHECK_P = 999983
LIMIT = 1e9
# Sheets an exercise leaves out: Gradient check runs forward passes of its own, at w ± eps, whose
# every h_t, y_t and loss_t agrees with the blanks' answers to six digits and more.
LEFT_OUT = ("Gradient check",)
STEPS_HELP = ("comma-separated steps: N or fN is forward step N (sheet Step N), bN is backward step N "
              "(sheet Back N); default f2,bT")


def parse_steps(text, T):
    """'f2,b4' -> ["Step 2", "Back 4"]: the steps with blanks; empty text: the default."""
    items = [s.strip().lower() for s in (text or "").split(",") if s.strip()]
    if not items:
        items = [f"f{min(2, T)}", f"b{T}"]
    out = []
    for item in items:
        m = re.fullmatch(r"([fb]?)(\d+)", item)
        if not m or not 1 <= int(m[2]) <= T:
            raise InputError(f"--exercise {text!r}: {item!r} is not a step 1..{T}; {STEPS_HELP}")
        sheet = f"{'Back' if m[1] == 'b' else 'Step'} {int(m[2])}"
        if sheet not in out:
            out.append(sheet)
    return out


def exercise_paths(path):
    return (path.with_name(f"{path.stem}-exercise{path.suffix}"),
            path.with_name(f"{path.stem}-answers{path.suffix}"))


def blank_blocks(layout, steps):
    """The blocks a student fills, for steps labelled "Step t" / "Back t", in sheet order: (key, Block)."""
    out = []
    for label in steps:
        kind, t = label.split()
        sheet = layout.sheet_of("backward" if kind == "Back" else "forward", int(t))
        out += [(key, sheet.blocks[key]) for key, q in sheet.quantities.items() if q.exercise and key[1] == int(t)]
    return out


def make_exercise(built, steps):
    """(exercise Book, answer-key Book) of a sheets.Built, blanking the given sheets' exercise blocks."""
    book = built.book
    blocks = blank_blocks(built.layout, steps)
    if not blocks:
        raise InputError("--exercise: the chosen steps have no blocks to fill in")
    full = {s.name: s for s in book.sheets}
    blanks = {(b.sheet, r, c) for _, b in blocks for r, c in b.positions()
              if full[b.sheet].cells[(r, c)].kind is Kind.FORMULA}
    ex, ans = _copy(book, "exercise", leave_out=LEFT_OUT), _copy(book, "answers")
    exs = {s.name: s for s in ex.sheets}
    anss = {s.name: s for s in ans.sheets}
    readers = formula_readers(book)
    for sheet, r, c in dependents(book, blanks, readers):
        if sheet in exs:
            exs[sheet].cells[(r, c)] = replace(exs[sheet].cells[(r, c)], value="")
    for sheet, r, c in blanks:
        exs[sheet].cells[(r, c)] = Cell(Kind.BLANK, None, style="answer")
        anss[sheet].cells[(r, c)] = replace(anss[sheet].cells[(r, c)], style="answer_key")
    for sheet in ex.sheets:
        sheet.heatmaps = [_coarse(h) for h in sheet.heatmaps]
    _say_left_out(exs["About"])
    key = fingerprint(built.context.sc)
    for _, block in blocks:
        _self_check(exs[block.sheet], full[block.sheet], block, key)
    for name in dict.fromkeys(b.sheet for _, b in blocks):
        exs[name].cells[(1, 0)] = Cell(Kind.LABEL, "EXERCISE: type a formula (or a value) in every orange "
                                       "cell; band titles and the notes on first cells say what each "
                                       "block is. Cells that depend on them fill in when they are done.",
                                       style="instructions")
        anss[name].cells[(1, 0)] = Cell(Kind.LABEL, "ANSWER KEY: the orange cells are the exercise's blanks, "
                                        "here with their formulas.", style="instructions")
    for name, earlier in _read_earlier(book, blanks, readers).items():
        if (2, 0) not in exs[name].cells:
            exs[name].cells[(2, 0)] = Cell(Kind.LABEL, f"Do {' and '.join(earlier)} first: cells given here are "
                                           "computed from its answers.", style="instructions")
    _about(exs["About"], blocks, built.layout.captions, exercise=True)
    _about(anss["About"], blocks, built.layout.captions, exercise=False)
    blanked = [(key, b) for key, b in blocks if any((b.sheet, r, c) in blanks for r, c in b.positions())]
    for version in (ex, ans):
        _manifest(version, blanked, fingerprint(built.context.sc))
    return ex, ans


def _read_earlier(book, blanks, readers):
    """{blanked sheet: the earlier blanked sheets whose blanks its given cells read}, so that a student
    who starts with Back 4 knows why its given cells are wrong until Step 2 is done."""
    order = [s.name for s in book.sheets if any(b[0] == s.name for b in blanks)]
    reaches = {e: {d[0] for d in dependents(book, {b for b in blanks if b[0] == e}, readers)} for e in order}
    out = {name: [e for e in order[:k] if name in reaches[e]] for k, name in enumerate(order)}
    return {name: earlier for name, earlier in out.items() if earlier}


def _copy(book, what, leave_out=()):
    sheets = [replace(s, cells=dict(s.cells), notes=dict(s.notes), heatmaps=list(s.heatmaps))
              for s in book.sheets if s.name not in leave_out]
    props = {**book.properties, "title": f"{book.properties['title']} ({what})"}
    names = {n: b for n, b in book.names.items() if b.sheet not in leave_out}
    return Book(sheets, names, props)


def _coarse(heatmap):
    """A diverging colour scale's bound is the largest |value| of its block, which may be an answer:
    in the exercise it is rounded up to one significant digit (the colours barely change)."""
    if heatmap.kind != "diverging" or heatmap.bound <= 0:
        return heatmap
    step = 10.0 ** math.floor(math.log10(heatmap.bound))
    return replace(heatmap, bound=math.ceil(heatmap.bound / step - 1e-9) * step)


def _say_left_out(about):
    """About's line on the Gradient check sheet, which the exercise has not."""
    for pos, cell in about.cells.items():
        if isinstance(cell.value, str) and cell.value.startswith("On Gradient check"):
            about.cells[pos] = replace(cell, value="In the answer key: the exercise leaves the Gradient check "
                                                   "sheet out (its own forward passes would show the answers).")


def _self_check(sheet, full, block, key):
    """OK / not yet beside a block's caption, without the answers in the file: each cell's value is
    rounded onto a grid of 4e-4 (shifted so that the answer lies mid-bucket, everything within
    TOLERANCE of it in the same bucket) and the bucket's number n is held against a keyed checksum
    (n*A + B) mod P, A and B drawn per cell from `key`. MOD of MOD keeps every quotient under 2^27
    (Excel's MOD errors beyond) and every product under 2^53 (exact in every spreadsheet)."""
    pos = (block.row - 2, block.col + block.ncols)
    if block.nrows * block.ncols > CHECK_MAX_CELLS or pos in sheet.cells:
        return
    tests = []
    for r, c in block.positions():
        v = full.cells[(r, c)].value
        if not isinstance(v, float):
            return
        tests.append(_cell_test(a1(r, c), v, _keys(key, block.sheet, r, c)))
    rng = block.range(frm=block.sheet)
    formula = (f'IF(COUNTBLANK({rng})>0,"",IF(OR(COUNT({rng})<{block.nrows * block.ncols},MAX({rng})>{LIMIT:.0E},'
               f'MIN({rng})<-{LIMIT:.0E}),"not yet",IF(AND({",".join(tests)}),"OK","not yet")))')
    sheet.cells[pos] = Cell(Kind.FORMULA, "", formula, style="check")


def _keys(key, sheet, r, c):
    """A, B of one cell: from the variant's key and the cell's place (a build is deterministic)."""
    digest = hashlib.sha256(f"{key}|{sheet}|{r}|{c}".encode()).digest()
    return 1 + int.from_bytes(digest[:8], "big") % (CHECK_P - 1), int.from_bytes(digest[8:16], "big") % CHECK_P


def bucket(value):
    """(shift, n): the grid's shift in quarter buckets that puts `value` mid-bucket, and its bucket,
    as ROUND(x*2500 + shift/4, 0) finds it for any x within TOLERANCE of value."""
    s = value / TOLERANCE
    shift = -round(s) % 4
    return shift, _round_half_away((s + shift) / 4)


def _round_half_away(x):
    return int(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1)


def _cell_test(ref, value, keys):
    a, b = keys
    shift, n = bucket(value)
    grid = f"ROUND({ref}*{round(0.25 / TOLERANCE)}{f'+{shift / 4:g}' if shift else ''},0)"
    return f"MOD(MOD({grid},{CHECK_P})*{a}+{b},{CHECK_P})={((n % CHECK_P) * a + b) % CHECK_P}"


def _about(sheet, blocks, captions, exercise):
    row = max(r for r, _ in sheet.cells) + 2
    sheet.cells[(row, 0)] = Cell(Kind.LABEL, "Exercise" if exercise else "Answer key", style="band")
    lines = (["The orange cells are blank: type the formula of each (or its value). 'OK' appears beside",
              f"a block when all its cells are within {TOLERANCE:g} of the answer (for the weights as built)."]
             if exercise else
             ["This is the full workbook. The orange cells are the ones left blank in the exercise."])
    by_step = {}        # what `rnn-sheet grade` calls each block, gathered by step
    for key, block in blocks:
        where, _, caption = manifest.block_label(block.sheet, key[1], captions[key]).partition(": ")
        by_step.setdefault(where, []).append(caption)
    lines += [f"{where}: {', '.join(names)}" for where, names in by_step.items()]
    for k, text in enumerate(lines, 1):
        sheet.cells[(row + k, 2)] = Cell(Kind.LABEL, text, style="label")


def _manifest(book, blocks, inputs_fingerprint):
    """What grading reads: a defined name per block with blanks, and the inputs' fingerprint,
    shown on the About sheet under its own name."""
    about = book.sheet("About")
    row = max(r for r, _ in about.cells) + 2
    about.cells[(row, 1)] = Cell(Kind.LABEL, "fingerprint", style="rowlabel_left")
    about.cells[(row, 2)] = Cell(Kind.LABEL, inputs_fingerprint, style="label")
    about.cells[(row + 1, 2)] = Cell(Kind.LABEL, "of the word, vocabulary and weights as built: "
                                     "'rnn-sheet grade' warns when they no longer match", style="label")
    book.names[manifest.FINGERPRINT] = Block("About", row, 2)
    for (q, t), block in blocks:
        book.names[manifest.blank_name(q.kind, t)] = block


def dependents(book, cells, readers=None):
    """Every formula cell that reads any of `cells` (sheet, row, col), directly or through others.
    `readers`: formula_readers(book), when the caller has it."""
    readers = formula_readers(book) if readers is None else readers
    seen, todo = set(), list(cells)
    while todo:
        for d in readers.get(todo.pop(), ()):
            if d not in seen and d not in cells:
                seen.add(d)
                todo.append(d)
    return seen


def formula_readers(book):
    """{(sheet, row, col): the formula cells that read it directly}."""
    readers = {}
    for sheet in book.sheets:
        for (r, c), cell in sheet.cells.items():
            if cell.kind is Kind.FORMULA:
                for block in references(cell.formula, sheet.name):
                    for p in block.positions():
                        readers.setdefault((block.sheet, *p), []).append((sheet.name, r, c))
    return readers
