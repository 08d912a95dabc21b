"""The grading copy that carries a student's mistakes forward (checking/carry.py), without
LibreOffice: the key's formulas land in the spare cells, in column order, in rows the file has, has
as <row .../> or leaves out; the rest of the package is copied as it was; what the student put in
each blank (formula, typed number, text, nothing) is told apart. And the self-check under Excel's
own semantics (the formulas package): OK, not yet, and no error for a huge value."""
import xml.etree.ElementTree as ET
import zipfile

import openpyxl
import pytest

from rnn_sheet.checking import carry
from rnn_sheet.checking.read import xlsx_names
from rnn_sheet.exercise import make_exercise, parse_steps
from rnn_sheet.model.scenario import make_scenario
from rnn_sheet.sheets import build, key_formulas
from rnn_sheet.workbook import manifest
from rnn_sheet.writers.xlsx import write_xlsx

SHEET = (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
         b'<sheetData><row r="2" spans="1:3"><c r="A2"><v>1</v></c><c r="C2" t="s"><v>0</v></c></row>'
         b'<row r="4"/><row r="5"><c r="B5"><f>A2*2</f><v>2</v></c></row></sheetData></worksheet>')


def test_spares_go_into_rows_that_are_there_empty_or_missing():
    spares = [(1, 30, "A2+1"), (1, 29, "A2<3"), (2, 30, "B5"), (3, 29, "1"), (7, 29, "'Step 1'!A1")]
    root = ET.fromstring(carry._with_spares(SHEET, spares))
    rows = [(r.get("r"), r.get("spans"), [(c.get("r"), "".join(f.text for f in c)) for c in r]) for r in root[0]]
    assert rows == [("2", None, [("A2", "1"), ("C2", "0"), ("AD2", "A2<3"), ("AE2", "A2+1")]),
                    ("3", None, [("AE3", "B5")]), ("4", None, [("AD4", "1")]),
                    ("5", None, [("B5", "A2*22")]), ("8", None, [("AD8", "'Step 1'!A1")])]


def test_what_the_student_put_in_each_blank():
    held = carry._held(SHEET, "S", [(1, 0), (1, 2), (4, 1), (3, 0), (9, 9)])
    assert held == {("S", 1, 0): "number", ("S", 1, 2): "text", ("S", 4, 1): "formula", ("S", 3, 0): None,
                    ("S", 9, 9): None}


@pytest.fixture(scope="module")
def exercise(tmp_path_factory):
    folder = tmp_path_factory.mktemp("carry")
    sc = make_scenario("hello")
    built = build(sc)
    ex, ans = make_exercise(built, parse_steps(None, sc.T))
    write_xlsx(ex, folder / "ex.xlsx")
    return sc, built, folder


def test_a_grading_copy_holds_the_key_formulas_beside_the_blanks(exercise):
    sc, built, folder = exercise
    wb = openpyxl.load_workbook(folder / "ex.xlsx")
    blanks = {manifest.blank_key(n): b for n, b in xlsx_names(wb).items() if manifest.blank_key(n)}
    h, y = blanks[("h", 2)], blanks[("y", 2)]
    wb[h.sheet].cell(h.row + 1, h.col + 1).value = "=TANH(C29)"
    wb[h.sheet].cell(h.row + 2, h.col + 1).value = 0.5
    wb[y.sheet].cell(y.row + 1, y.col + 1).value = "about 1"
    wb.save(folder / "filled.xlsx")
    formulas, widths = key_formulas(sc, blanks)
    assert formulas[("h", 2)][0][0] == built.book.sheet("Step 2").cells[(h.row, h.col)].formula
    spares = {"Step 2": [(r, carry.spare_col(widths["Step 2"], c), f)
                         for r, c, f in [(h.row, h.col, formulas[("h", 2)][0][0])]]}
    held = carry.carry_copy(folder / "filled.xlsx", folder / "copy.xlsx", spares,
                            {"Step 2": [(h.row, h.col), (h.row + 1, h.col), (h.row + 2, h.col), (y.row, y.col)]})
    assert held == {("Step 2", h.row, h.col): "formula", ("Step 2", h.row + 1, h.col): "number",
                    ("Step 2", h.row + 2, h.col): None, ("Step 2", y.row, y.col): "text"}
    copy = openpyxl.load_workbook(folder / "copy.xlsx")
    col = carry.spare_col(widths["Step 2"], h.col)
    assert col > max(c for _, c in built.book.sheet("Step 2").cells) + 5
    assert copy["Step 2"].cell(h.row + 1, col + 1).value == "=" + formulas[("h", 2)][0][0]
    with zipfile.ZipFile(folder / "filled.xlsx") as a, zipfile.ZipFile(folder / "copy.xlsx") as b:
        changed = [n for n in a.namelist() if a.read(n) != b.read(n)]
    assert a.namelist() == b.namelist() and len(changed) == 1 and changed[0].startswith("xl/worksheets/")


def test_moved_blanks_are_not_carried(exercise):
    sc, built, _ = exercise
    blanks = {("h", 2): built.layout["h", 2]}
    assert key_formulas(sc, blanks) is not None
    moved = {("h", 2): built.layout["h", 2].__class__("Step 2", 40, 5, 3, 1)}
    assert key_formulas(sc, moved) is None


@pytest.mark.slow
def test_the_self_check_under_excels_semantics(exercise, tmp_path):
    """Typed answers: every block OK; a wrong cell, not yet; 1e12 (beyond Excel's MOD), not yet."""
    formulas_pkg = pytest.importorskip("formulas")  # noqa: F841
    from rnn_sheet.checking import excel
    from rnn_sheet.checking.read import sheet_names
    sc, built, folder = exercise
    wb = openpyxl.load_workbook(folder / "ex.xlsx")
    blanks = {n: b for n, b in xlsx_names(wb).items() if manifest.blank_key(n)}
    for name, b in blanks.items():
        for k, (r, c) in enumerate(b.positions()):
            value = built.book.sheet(b.sheet).cells[(r, c)].value
            wb[b.sheet].cell(r + 1, c + 1).value = {("blank_h_2", 1): 0.5, ("blank_dy_4", 0): 1e12}.get((name, k), value)
    wb.save(tmp_path / "typed.xlsx")
    values = excel.recompute(tmp_path / "typed.xlsx", sheet_names(tmp_path / "typed.xlsx"))
    checks = {}
    for name, b in blanks.items():
        r, c = b.row - 2, b.col + b.ncols
        checks[name] = values.get((b.sheet, r, c))
    assert checks.pop("blank_h_2") == "not yet" and checks.pop("blank_dy_4") == "not yet"
    assert set(checks.values()) == {"OK"}, checks
