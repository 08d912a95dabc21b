"""Classroom workbooks: About sheet, styling, notes, heatmaps, charts and print setup (read back with
openpyxl), the exercise and answer-key versions (LibreOffice recomputes them), and PDF export.

Page renders go to test-artifacts/classroom/ (git-ignored) for a person to look at."""
import shutil
import subprocess
import zipfile

import openpyxl
import pytest

from conftest import REPO, run_cli
from rnn_sheet import recalc, verify
from rnn_sheet.book import build_book
from rnn_sheet.cli import run
from rnn_sheet.exercise import BACKWARD, FORWARD, blank_blocks, dependents, make_exercise, parse_steps
from rnn_sheet.grid import a1
from rnn_sheet.ods import write_ods
from rnn_sheet.ods_read import read_ods
from rnn_sheet.scenario import InputError, make_scenario
from rnn_sheet.xlsx import write_xlsx

ARTIFACTS = REPO / "test-artifacts" / "classroom"


def hello(**kw):
    return make_scenario("hello", **kw)


@pytest.fixture(scope="module")
def styled(tmp_path_factory):
    sc = hello(epochs=3)
    book = build_book(sc)
    path = tmp_path_factory.mktemp("styled") / "hello.xlsx"
    write_xlsx(book, path)
    return sc, book, openpyxl.load_workbook(path)


# --- what every workbook has ---------------------------------------------------------------------

def test_about_sheet_comes_first_and_holds_text_only(styled):
    sc, book, wb = styled
    assert wb.sheetnames[:3] == ["About", "Parameters", "Step 1"]
    about = book.sheets[0]
    assert about.kind == "about" and all(c.kind == "label" for c in about.cells.values())
    text = "\n".join(c.value for c in about.cells.values())
    for needed in ("h_t = tanh(Wxh · x_t + Whh · h(t-1) + bias)", "softmax", "dy_t = p_t - target_t",
                   "W_new = W - lr · dW", "template 'hello'", "hidden size", "rnn-sheet 0.", "Colours",
                   "How to experiment", "h e l o"):
        assert needed in text, needed
    ws = wb["About"]
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)


def test_user_text_on_about_stays_text(tmp_path):
    book = build_book(make_scenario("=1+1", use_template=False))
    write_xlsx(book, tmp_path / "w.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "w.xlsx")["About"]
    cells = [c for row in ws.iter_rows() for c in row if c.value == "=1+1"]
    assert cells and all(c.data_type == "s" for c in cells)


def test_styles_by_role_notes_and_heatmaps(styled):
    sc, book, wb = styled
    ws = wb["Step 2"]
    L = book.layout

    def cell(key, i=0, j=0):
        b = L[key]
        return wb[b.sheet][a1(b.row + i, b.col + j)]

    assert cell(("Wxh", None)).fill.fgColor.rgb.endswith("FFF2CC")          # input: yellow
    assert cell(("h", 2)).fill.fgColor.rgb.endswith("DDEBF7")               # computed: blue
    assert cell(("Wxh_link", 2)).fill.fgColor.rgb.endswith("E2EFDA")        # linked copy: green
    assert cell(("h", 2)).number_format == "0.000000"
    assert "tanh" in cell(("h", 2)).comment.text
    assert "p_t - target_t" in cell(("dy", 4)).comment.text
    assert cell(("h", 2), 1).comment is None                                # first cell only
    scales = {str(cf.sqref) for cf in ws.conditional_formatting if cf.rules[0].type == "colorScale"}
    p, wxh = L[("p", 2)], L[("Wxh_link", 2)]
    assert {p.range(frm=p.sheet), wxh.range(frm=wxh.sheet)} <= scales
    grads = wb["Gradients"].conditional_formatting
    assert any(cf.rules[0].colorScale.cfvo[1].val == 0 for cf in grads)   # diverging around 0
    assert any(str(m).startswith(a1(wxh.row - 2, wxh.col)) for m in ws.merged_cells.ranges)  # caption


def test_tabs_panes_and_print_setup(styled):
    sc, book, wb = styled
    tabs = {ws.title: ws.sheet_properties.tabColor.rgb for ws in wb.worksheets}
    assert len({tabs["Parameters"], tabs["Step 1"], tabs["Back 1"], tabs["Training"]}) == 4
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0
        assert ws.print_area and ws.print_area.startswith(f"'{ws.title}'!$A$1:")
        assert ws.sheet_view.showGridLines is False
        assert "&A" in ws.oddHeader.left.text and "&P" in ws.oddFooter.right.text
        assert ws.freeze_panes == "A3"


def test_charts(styled, tmp_path):
    sc, book, wb = styled
    for t in range(1, sc.T + 1):
        charts = wb[f"Step {t}"]._charts
        assert [c.tagname for c in charts] == ["barChart"]
        assert f"target: '{sc.word[t]}'" in book.sheets[1 + t].charts[0]["title"]
    assert [c.tagname for c in wb["Summary"]._charts] == ["barChart"]
    assert [c.tagname for c in wb["Training"]._charts] == ["lineChart"]
    assert [c.tagname for c in wb["Gradient flow"]._charts] == ["lineChart"]
    # No step charts in a compact workbook (hundreds of sheets) or for a big vocabulary.
    compact = build_book(make_scenario("hello", layout="compact", use_template=False))
    assert not any(s.charts for s in compact.sheets if s.kind == "forward")


def test_ods_has_about_merged_captions_and_notes(tmp_path):
    book = build_book(hello())
    write_ods(book, tmp_path / "w.ods")
    content = zipfile.ZipFile(tmp_path / "w.ods").read("content.xml").decode()
    assert content.index('table:name="About"') < content.index('table:name="Parameters"')
    assert 'table:number-columns-spanned="4"' in content and "<table:covered-table-cell" in content
    assert "<office:annotation>" in content and "tanh(a_t)" in content
    cells, _ = read_ods(tmp_path / "w.ods")
    for sheet in book.sheets:
        for (r, c), cell in sheet.cells.items():
            assert cells[(sheet.name, a1(r, c))][1] == cell.value


# --- exercise and answer key ---------------------------------------------------------------------

def test_parse_steps():
    assert parse_steps(None, 4) == [("Step 2", 2, FORWARD), ("Back 4", 4, BACKWARD)]
    assert parse_steps("", 1) == [("Step 1", 1, FORWARD), ("Back 1", 1, BACKWARD)]
    assert parse_steps("3, b1,f3", 4) == [("Step 3", 3, FORWARD), ("Back 1", 1, BACKWARD)]
    for bad in ("5", "b0", "x2", "2-3"):
        with pytest.raises(InputError, match="--exercise"):
            parse_steps(bad, 4)


EX_SCENARIOS = {"hello": hello(epochs=2), "std": make_scenario("abcab", model="standard", hidden=2, seed=3)}


def _versions():
    out = {}
    for key, sc in EX_SCENARIOS.items():
        book = build_book(sc)
        ex, ans = make_exercise(book, parse_steps(None, sc.T))
        out[key] = book, ex, ans
    return out


VERSIONS = _versions()


def _write(book, path):
    key, _, what = path.stem.partition("-")
    full, ex, ans = VERSIONS[key]
    write_xlsx({"styled": full, "ex": ex, "filled": ex, "ans": ans}[what], path)


def _fill_blanks(cases):
    """A student who types the answer key's formula into every blank."""
    for key in EX_SCENARIOS:
        full, ex, _ = VERSIONS[key]
        wb = openpyxl.load_workbook(cases[f"{key}-filled"].original)
        for sheet in ex.sheets:
            for (r, c), cell in sheet.cells.items():
                if cell.kind == "blank":
                    wb[sheet.name][a1(r, c)] = "=" + next(s for s in full.sheets
                                                        if s.name == sheet.name).cells[(r, c)].formula
        wb.save(cases[f"{key}-filled"].original)


@pytest.fixture(scope="module")
def ex_cases(recompute):
    scenarios = {f"{key}-{what}": sc for key, sc in EX_SCENARIOS.items()
                 for what in ("styled", "ex", "filled", "ans")}
    return recompute(scenarios, writer=_write, edit=_fill_blanks)      # one LibreOffice call


@pytest.mark.parametrize("key", EX_SCENARIOS)
def test_styled_workbook_recomputes_to_its_values(ex_cases, key):
    report = verify.compare(ex_cases[f"{key}-styled"].original, ex_cases[f"{key}-styled"].recomputed)
    assert report.errors == [] and report.mismatches == [] and report.formulas > 300


@pytest.mark.parametrize("key", EX_SCENARIOS)
def test_exercise_blanks_are_empty_and_the_rest_recomputes(ex_cases, key):
    full, ex, ans = VERSIONS[key]
    case = ex_cases[f"{key}-ex"]
    wb = openpyxl.load_workbook(case.original)
    blanks = [(s.name, r, c) for s in ex.sheets for (r, c), cell in s.cells.items() if cell.kind == "blank"]
    assert len(blanks) > 20
    for sheet, r, c in blanks:
        assert wb[sheet][a1(r, c)].value is None
        assert wb[sheet][a1(r, c)].fill.fgColor.rgb.endswith("F8CBAD")
    names = {name for name, _, _ in blanks}
    assert names == {"Step 2", f"Back {EX_SCENARIOS[key].T}"}
    assert all(wb[n]["A2"].value.startswith("EXERCISE") for n in names)
    stale = {(s, a1(r, c)) for s, r, c in dependents(full, set(blanks))}
    assert ("Summary", a1(full.layout[("loss", None)].row, full.layout[("loss", None)].col)) in stale
    report = verify.compare(case.original, case.recomputed)
    wrong = {tuple(cell.split("!")) for cell, *_ in report.mismatches + report.errors}
    assert wrong and wrong <= {(s.strip("'"), c) for s, c in stale}
    assert report.formulas - len(stale) > 200         # everything else recomputes to its value


@pytest.mark.parametrize("key", EX_SCENARIOS)
def test_filled_exercise_recomputes_to_the_answer_key(ex_cases, key):
    full, ex, ans = VERSIONS[key]
    report = verify.compare(ex_cases[f"{key}-ans"].original, ex_cases[f"{key}-filled"].recomputed)
    assert report.errors == [] and report.mismatches == [] and report.formulas > 300
    fresh = openpyxl.load_workbook(ex_cases[f"{key}-filled"].recomputed, data_only=True)
    checks = [(s.name, a1(r, c)) for s in ex.sheets for (r, c), cell in s.cells.items() if cell.style == "check"]
    assert len(checks) >= 5
    assert all(fresh[s][c].value == "OK" for s, c in checks)
    unfilled = openpyxl.load_workbook(ex_cases[f"{key}-ex"].recomputed, data_only=True)
    assert all(unfilled[s][c].value in (None, "") for s, c in checks)
    # The answer key marks the same cells, with their formulas.
    for (sheet, r, c) in [(s.name, r, c) for s in ex.sheets for (r, c), cl in s.cells.items() if cl.kind == "blank"]:
        assert next(s for s in ans.sheets if s.name == sheet).cells[(r, c)].style == "answer_key"


def test_blank_blocks_follow_the_layout():
    book = build_book(make_scenario("hello", layout="compact"))
    kinds = {k[0] for k, _ in blank_blocks(book, parse_steps("b3", 4))}
    assert kinds == {"dy", "dh", "da"}          # compact: no per-step gradient contributions
    kinds = {k[0] for k, _ in blank_blocks(book, parse_steps("b4", 4))}
    assert kinds == {"dy", "dh", "da", "dWhy_t", "dWxh_t"}     # ... but the last step is in full


# --- command line: --exercise, --pdf -------------------------------------------------------------

def test_cli_exercise_and_pdf(tmp_path):
    r = run_cli("build", "hello", "--epochs", "3", "--exercise", "--pdf", "--out", tmp_path)
    assert r.returncode == 0, r.stderr
    made = sorted(p.name for p in tmp_path.iterdir())
    assert made == ["hello-answers.pdf", "hello-answers.xlsx", "hello-exercise.pdf", "hello-exercise.xlsx"]
    for pdf in ("hello-answers.pdf", "hello-exercise.pdf"):
        assert (tmp_path / pdf).read_bytes().startswith(b"%PDF")
        assert f"wrote {tmp_path / pdf}" in r.stdout
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) not installed: no PNG render")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # Page 1 (About) of the answer key and the exercise's Step 2 page, for a person to look at.
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", tmp_path / "hello-answers.pdf",
                    ARTIFACTS / "answers"], check=True)
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "5", "-l", "5", tmp_path / "hello-exercise.pdf",
                    ARTIFACTS / "exercise"], check=True)
    pngs = sorted(p.name for p in ARTIFACTS.glob("*.png"))
    assert any(p.startswith("answers") for p in pngs) and any(p.startswith("exercise") for p in pngs)


def test_cli_bad_exercise_steps_is_one_line_error(tmp_path):
    r = run_cli("build", "hello", "--exercise", "b7", "--out", tmp_path)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "--exercise" in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_pdf_without_libreoffice_is_one_line_error_and_writes_nothing(tmp_path, monkeypatch, capsys):
    def missing():
        raise recalc.LibreOfficeMissing(recalc.INSTALL_HINT)
    monkeypatch.setattr(recalc, "find_soffice", missing)
    with pytest.raises(SystemExit) as exit_info:
        run(["build", "hello", "--pdf", "--out", str(tmp_path)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("rnn-sheet: error: --pdf needs LibreOffice") and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []
