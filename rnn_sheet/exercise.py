"""Exercise and answer-key versions of a workbook.

The exercise blanks the formulas of the chosen steps' main blocks: empty orange answer cells. Every
other formula stays, so whatever depends on a blank computes as soon as the blank is filled.

Cached values: a cell that depends on a blank is stored without a cached value. Spreadsheets compute
such cells when they open the file (LibreOffice too, though it shows the stored values of every other
cell of an .xlsx), so a student sees what the workbook gives with the blanks still empty (read as 0:
zeros, #N/A, Err:502), never the answers, and the right numbers appear as the blanks are filled. Cells
that do not depend on a blank keep their values.
"""
import re
from dataclasses import replace

from .book import Book, Cell
from .grid import a1
from .scenario import InputError

FORWARD = ("wx", "wh", "h", "y", "p", "loss_t")
BACKWARD = ("dy", "dh", "da", "dWhy_t", "dWxh_t")
CHECK_MAX_CELLS = 50        # one self-check formula compares every cell of a block: keep it short
TOLERANCE = 1e-4
STEPS_HELP = ("comma-separated steps: N or fN is forward step N (sheet Step N), bN is backward step N "
              "(sheet Back N); default f2,bT")


def parse_steps(text, T):
    """'f2,b4' -> [("Step 2", 2, FORWARD), ("Back 4", 4, BACKWARD)]; empty text: the default."""
    items = [s.strip().lower() for s in (text or "").split(",") if s.strip()]
    if not items:
        items = [f"f{min(2, T)}", f"b{T}"]
    out = []
    for item in items:
        m = re.fullmatch(r"([fb]?)(\d+)", item)
        if not m or not 1 <= int(m[2]) <= T:
            raise InputError(f"--exercise {text!r}: {item!r} is not a step 1..{T}; {STEPS_HELP}")
        t = int(m[2])
        step = (f"Back {t}", t, BACKWARD) if m[1] == "b" else (f"Step {t}", t, FORWARD)
        if step not in out:
            out.append(step)
    return out


def outputs(book, formats, paths, steps_text):
    """(format, path, Book) to write: the workbook, or with --exercise its two versions."""
    if steps_text is None:
        return [(f, p, book) for f, p in zip(formats, paths)]
    ex, ans = make_exercise(book, parse_steps(steps_text, book.layout.T))
    return [job for f, p in zip(formats, paths)
            for job in ((f, exercise_paths(p)[0], ex), (f, exercise_paths(p)[1], ans))]


def exercise_paths(path):
    return (path.with_name(f"{path.stem}-exercise{path.suffix}"),
            path.with_name(f"{path.stem}-answers{path.suffix}"))


def blank_blocks(book, steps):
    """The blocks a student fills, in sheet order: (key, Block)."""
    where = book.layout.where
    return [(key, where[key]) for sheet, t, kinds in steps for kind in kinds
            if (key := (kind, t)) in where and where[key].sheet == sheet]


def make_exercise(book, steps):
    """(exercise Book, answer-key Book) for the parsed steps."""
    blocks = blank_blocks(book, steps)
    if not blocks:
        raise InputError("--exercise: the chosen steps have no blocks to fill in")
    sheets = {s.name: s for s in book.sheets}
    blanks = {(b.sheet, b.row + i, b.col + j) for _, b in blocks for i, j in b.cells()
              if sheets[b.sheet].cells[(b.row + i, b.col + j)].kind == "formula"}
    stale = dependents(book, blanks)
    ex = _copy(book, "exercise")
    ans = _copy(book, "answers")
    exs = {s.name: s for s in ex.sheets}
    anss = {s.name: s for s in ans.sheets}
    for sheet, r, c in stale:
        cell = exs[sheet].cells[(r, c)]
        exs[sheet].cells[(r, c)] = replace(cell, value="")
    for sheet, r, c in blanks:
        exs[sheet].cells[(r, c)] = Cell("blank", None, style="answer")
        anss[sheet].cells[(r, c)] = replace(anss[sheet].cells[(r, c)], style="answer_key")
    for key, block in blocks:
        _self_check(exs[block.sheet], sheets[block.sheet], block)
    for name in dict.fromkeys(b.sheet for _, b in blocks):
        exs[name].cells[(1, 0)] = Cell("label", "EXERCISE: type a formula (or a value) in every orange "
                                       "cell; band titles and the notes on first cells say what each "
                                       "block is. Cells that depend on them fill in when they are done.",
                                       style="instructions")
        anss[name].cells[(1, 0)] = Cell("label", "ANSWER KEY: the orange cells are the exercise's blanks, "
                                        "here with their formulas.", style="instructions")
    _about(exs["About"], blocks, exercise=True)
    _about(anss["About"], blocks, exercise=False)
    return ex, ans


def _copy(book, what):
    sheets = [replace(s, cells=dict(s.cells), notes=dict(s.notes)) for s in book.sheets]
    props = {**book.properties, "title": f"{book.properties['title']} ({what})"}
    return Book(sheets, dict(book.names), book.layout, props, book.loss)


def _self_check(sheet, full, block):
    """OK / not yet beside a block's caption: every cell within TOLERANCE of the answer's value.
    The expected numbers are those of the weights the workbook was built with."""
    pos = (block.row - 2, block.col + block.ncols)
    if block.nrows * block.ncols > CHECK_MAX_CELLS or pos in sheet.cells:
        return
    tests = []
    for i, j in block.cells():
        v = full.cells[(block.row + i, block.col + j)].value
        if not isinstance(v, float):
            return
        tests.append(f"ABS({a1(block.row + i, block.col + j)}-({v!r}))<={TOLERANCE}")
    rng = block.range(frm=block.sheet)
    formula = f'IF(COUNTBLANK({rng})>0,"",IF(AND({",".join(tests)}),"OK","not yet"))'
    sheet.cells[pos] = Cell("formula", "", formula, style="check")


def _about(sheet, blocks, exercise):
    row = max(r for r, _ in sheet.cells) + 2
    sheet.cells[(row, 0)] = Cell("label", "Exercise" if exercise else "Answer key", style="band")
    lines = (["The orange cells are blank: type the formula of each (or its value). 'OK' appears beside",
              f"a block when all its cells are within {TOLERANCE:g} of the answer (for the weights as built)."]
             if exercise else
             ["This is the full workbook. The orange cells are the ones left blank in the exercise."])
    by_sheet = {}
    for key, block in blocks:
        by_sheet.setdefault(block.sheet, []).append(key[0])
    lines += [f"{name}: {', '.join(kinds)}" for name, kinds in by_sheet.items()]
    for k, text in enumerate(lines, 1):
        sheet.cells[(row + k, 2)] = Cell("label", text)


# --- what depends on what --------------------------------------------------------------------------

_REF = re.compile(r"(?:'([^']+)'!|([A-Za-z_][\w.]*)!)?\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?")


def _col(letters):
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def precedents(formula, here):
    """The cells a formula reads: (sheet, row, col). String literals are left out."""
    text = re.sub(r'"[^"]*"', '""', formula)
    for m in _REF.finditer(text):
        sheet = m[1] or m[2] or here
        r0, c0 = int(m[4]) - 1, _col(m[3])
        r1, c1 = (int(m[6]) - 1, _col(m[5])) if m[5] else (r0, c0)
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                yield sheet, r, c


def dependents(book, cells):
    """Every formula cell that reads any of `cells`, directly or through other formulas."""
    readers = {}
    for sheet in book.sheets:
        for (r, c), cell in sheet.cells.items():
            if cell.kind == "formula":
                for p in precedents(cell.formula, sheet.name):
                    readers.setdefault(p, []).append((sheet.name, r, c))
    seen, todo = set(), list(cells)
    while todo:
        for d in readers.get(todo.pop(), ()):
            if d not in seen and d not in cells:
                seen.add(d)
                todo.append(d)
    return seen

