"""rnn-sheet grade on exercises of a book that trains on a text (--text FILE --exercise): the blanks
are the first chunk's (iteration 0's) steps; filled in with the answer key's formulas or numbers they
grade full marks, one slip costs its block, and a class set's files are told apart. The files are
saved by openpyxl, which keeps no cached values: the Parameters sheet's word (links to the Text
sheet) comes back empty, so the grader reads the letters from the Text sheet. One LibreOffice run."""
import openpyxl
import pytest

from rnn_sheet.checking import copies
from rnn_sheet.checking.grade import grade_many
from rnn_sheet.checking.read import xlsx_names
from rnn_sheet.cli import run
from rnn_sheet.workbook import manifest

pytestmark = pytest.mark.libreoffice

TEXT = "the cat\nsat on the mat.\n"
BLOCKS = 11         # the default exercise of the standard cell, f2 and the first chunk's last Back step


def fill(exercise, answers, dest, formulas=True, change=None):
    wb = openpyxl.load_workbook(exercise)
    key = openpyxl.load_workbook(answers, data_only=not formulas)
    blanks = {n: b for n, b in xlsx_names(wb).items() if manifest.blank_key(n)}
    for b in blanks.values():
        for r, c in b.positions():
            wb[b.sheet].cell(r + 1, c + 1).value = key[b.sheet].cell(r + 1, c + 1).value
    if change:
        name, value = change
        wb[blanks[name].sheet].cell(blanks[name].row + 1, blanks[name].col + 1).value = value
    wb.save(dest)
    return dest


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("text-grade")
    (folder / "cat.txt").write_text(TEXT, encoding="utf-8")
    common = ["build", "--text", str(folder / "cat.txt"), "--seq-length", "4", "--iterations", "5"]
    run([*common, "--exercise", "--variants", "2", "--out", str(folder / "class")])
    run([*common, "--model", "relu", "--exercise", "--out", str(folder / "relu")])
    ex = {k: folder / "class" / f"cat-v{k}-exercise.xlsx" for k in (1, 2)}
    ans = {k: folder / "class" / f"cat-v{k}-answers.xlsx" for k in (1, 2)}
    (folder / "in").mkdir()
    files = {
        "formulas": fill(ex[1], ans[1], folder / "in" / "cat-v1-exercise.xlsx"),
        "typed": fill(ex[2], ans[2], folder / "in" / "cat-v2-exercise.xlsx", formulas=False),
        "slip": fill(ex[1], ans[1], folder / "slip.xlsx", change=("blank_h_2", 0.5)),
        "swapped": fill(ex[1], ans[1], folder / "swapped-v2-exercise.xlsx"),
        "relu": fill(folder / "relu" / "cat-exercise.xlsx", folder / "relu" / "cat-answers.xlsx",
                     folder / "relu.xlsx"),
        "empty": ex[1],
    }
    rows = copies.read_class(folder / "class" / "cat-variants.csv")
    results = grade_many([str(p) for p in files.values()], variants=rows)
    return dict(zip(files, results))


@pytest.mark.parametrize("key", ["formulas", "typed", "relu"])
def test_filled_in_grades_full_marks(graded, key):
    g = graded[key]
    assert getattr(g, "reason", None) is None, g.line()
    assert (g.right, g.total) == (BLOCKS, BLOCKS), g.line()
    assert not g.warning(), g.line()


def test_the_blanks_are_the_first_chunks_steps(graded):
    labels = [m.label for m in graded["empty"].blocks]
    assert {label.split(":")[0] for label in labels} == {"Step 2", "Back 4"}
    assert graded["empty"].right == 0


def test_one_slip_costs_its_block_and_the_rest_is_carried(graded):
    g = graded["slip"]
    assert g.right == BLOCKS - 1, g.line()
    assert [m.label for m in g.blocks if not m.right] == ["Step 2: h_t"]
    assert any(m.carried for m in g.blocks)


def test_another_variants_numbers_are_flagged(graded):
    assert any("variant 1" in f for f in graded["swapped"].flags), graded["swapped"].line()
    assert not any("variant" in f for f in graded["formulas"].flags), graded["formulas"].line()
