"""Does an exercise file hold its answers? Every number in every XML part of an .xlsx or .ods
(cell values, formulas, chart caches, names, notes, styles), to six significant digits, against
every blank's answer; numbers the student is given (the inputs: weights, one-hot inputs, targets,
settings) are exempt, since an answer that equals one of them (Wxh·x_t is a column of Wxh) cannot
be hidden."""
import math
import re
import zipfile

from rnn_sheet.workbook.book import Kind
from rnn_sheet.workbook.grid import references

NUMBER = re.compile(rb"(?<![A-Za-z_$])-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def sig6(x):
    """|x| to six significant digits (sign dropped: -answer is as good as the answer)."""
    x = abs(float(x))
    if x == 0 or not math.isfinite(x):
        return 0.0
    return float(f"{x:.5e}")


def given(exercise, full_book, blank_cells):
    """sig6 of the numbers a student is given to work from: every input and constant, and what the
    exercise shows in the cells a blank's formula reads (dy_t = p_t - target_t repeats p_t)."""
    out = {sig6(c.value) for s in full_book.sheets for c in s.cells.values()
           if c.kind in (Kind.INPUT, Kind.CONST) and isinstance(c.value, (int, float))}
    out.add(0.0)
    for sheet, r, c in blank_cells:
        for block in references(full_book.sheet(sheet).cells[(r, c)].formula, sheet):
            shown = exercise.sheet(block.sheet).cells
            out.update(sig6(shown[p].value) for p in block.positions()
                       if p in shown and isinstance(shown[p].value, (int, float)))
    return out


def answers(exercise, full_book):
    """{sig6(value): (sheet, row, col)} of every blank's answer, the given numbers left out."""
    blank_cells = [(s.name, r, c) for s in exercise.sheets for (r, c), cell in s.cells.items()
                   if cell.kind is Kind.BLANK]
    exempt = given(exercise, full_book, blank_cells)
    out = {}
    for sheet, r, c in blank_cells:
        v = full_book.sheet(sheet).cells[(r, c)].value
        if isinstance(v, (int, float)) and sig6(v) not in exempt:
            out.setdefault(sig6(v), (sheet, r, c))
    return out


def numbers_in(path):
    """{sig6(number): part name} of every number written in the file's XML parts."""
    found = {}
    with zipfile.ZipFile(path) as z:
        for part in z.namelist():
            if not part.endswith((".xml", ".rels", ".vml")):
                continue
            for m in NUMBER.finditer(z.read(part)):
                try:
                    found.setdefault(sig6(m.group()), part)
                except ValueError:
                    pass
    return found


def leaks(path, exercise, full_book):
    """([(answer's cell, part)] of the answers found in the file, how many answers were looked for)."""
    nums = numbers_in(path)
    wanted = answers(exercise, full_book)
    return [(cell, nums[v]) for v, cell in wanted.items() if v in nums], len(wanted)
