"""Classroom workbooks: About sheet, styling, notes, heatmaps, charts and print setup (read back with
openpyxl), the exercise and answer-key versions (LibreOffice recomputes them), and PDF export.

Page renders go to test-artifacts/classroom/ (git-ignored) for a person to look at."""
import shutil
import subprocess
import zipfile

import openpyxl
import pytest

from conftest import REPO, run_cli
from rnn_sheet.checking import compare, recalc
from rnn_sheet.checking.read import read_ods
from rnn_sheet.cli import run
from rnn_sheet.exercise import blank_blocks, dependents, make_exercise, parse_steps
from rnn_sheet.model.scenario import InputError, make_scenario
from rnn_sheet.sheets import build
from rnn_sheet.workbook.book import Kind
from rnn_sheet.workbook.grid import a1, parse_range
from rnn_sheet.writers.ods import write_ods
from rnn_sheet.writers.xlsx import write_xlsx

ARTIFACTS = REPO / "test-artifacts" / "classroom"


def hello(**kw):
    return make_scenario("hello", **kw)


@pytest.fixture(scope="module")
def styled(tmp_path_factory):
    sc = hello(epochs=3)
    built = build(sc)
    path = tmp_path_factory.mktemp("styled") / "hello.xlsx"
    write_xlsx(built.book, path)
    return sc, built, openpyxl.load_workbook(path)


# --- what every workbook has ---------------------------------------------------------------------

def test_about_sheet_comes_first_and_holds_text_only(styled):
    sc, built, wb = styled
    assert wb.sheetnames[:3] == ["About", "Parameters", "Step 1"]
    about = built.book.sheets[0]
    assert about.kind == "about" and all(c.kind is Kind.LABEL for c in about.cells.values())
    text = "\n".join(str(c.value) for c in about.cells.values())
    for needed in ("h_t = tanh(Wxh · x_t + Whh · h(t-1) + bias)", "softmax", "dy_t = p_t - target_t",
                   "W_new = W - lr · dW", "'hello': The seed article", "the template's", "hidden size",
                   "rnn-sheet 0.", "Colours",
                   "How to experiment", "h e l o"):
        assert needed in text, needed
    ws = wb["About"]
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)


def test_user_text_on_about_stays_text(tmp_path):
    book = build(make_scenario("=1+1", use_template=False)).book
    write_xlsx(book, tmp_path / "w.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "w.xlsx")["About"]
    cells = [c for row in ws.iter_rows() for c in row if c.value == "=1+1"]
    assert cells and all(c.data_type == "s" for c in cells)


def test_styles_by_role_notes_and_heatmaps(styled):
    sc, built, wb = styled
    ws = wb["Step 2"]
    L = built.layout

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
    sc, built, wb = styled
    tabs = {ws.title: ws.sheet_properties.tabColor.rgb for ws in wb.worksheets}
    assert len({tabs["Parameters"], tabs["Step 1"], tabs["Back 1"], tabs["Training"]}) == 4
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape"
        # A fixed, readable scale (pages.scale), pages numbered across then down where a sheet is wide.
        assert 75 <= (ws.page_setup.scale or 100) <= 100 and ws.page_setup.pageOrder == "overThenDown"
        assert not (ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage)
        assert ws.print_area and ws.print_area.startswith(f"'{ws.title}'!$A$1:")
        assert ws.sheet_view.showGridLines is False
        assert "&A" in ws.oddHeader.left.text and "&P" in ws.oddFooter.right.text
        assert ws.freeze_panes == ("A4" if ws.title == "Gradient flow" else "A3")   # its note is two lines


def test_charts(styled, tmp_path):
    sc, built, wb = styled
    for t in range(1, sc.T + 1):
        charts = wb[f"Step {t}"]._charts
        assert [c.tagname for c in charts] == ["barChart"]
        assert built.book.sheets[1 + t].name == f"Step {t}"
        assert f"target: '{sc.word[t]}'" in built.book.sheets[1 + t].charts[0].title
    assert [c.tagname for c in wb["Summary"]._charts] == ["barChart"]
    assert [c.tagname for c in wb["Training"]._charts] == ["lineChart"]
    assert [c.tagname for c in wb["Gradient flow"]._charts] == ["lineChart"]
    # No step charts in a compact workbook (hundreds of sheets) or for a big vocabulary.
    compact = build(make_scenario("hello", layout="compact", use_template=False)).book
    assert not any(s.charts for s in compact.sheets if s.kind == "forward")


def test_ods_has_about_merged_captions_and_notes(tmp_path):
    book = build(hello()).book
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

# The README's Exercises section: the blocks a student fills on a forward and on a backward step
# (those the layout has on that sheet).
FORWARD_BLANKS = {"wx", "wh", "h", "y", "p", "loss_t"}
BACKWARD_BLANKS = {"dy", "dWhy_t", "dh", "da", "dWxh_t"}


def test_parse_steps():
    assert parse_steps(None, 4) == ["Step 2", "Back 4"]
    assert parse_steps("", 1) == ["Step 1", "Back 1"]
    assert parse_steps("3, b1,f3", 4) == ["Step 3", "Back 1"]
    for bad in ("5", "b0", "x2", "2-3"):
        with pytest.raises(InputError, match="--exercise"):
            parse_steps(bad, 4)


EX_SCENARIOS = {"hello": hello(epochs=2), "std": make_scenario("abcab", model="standard", hidden=2, seed=3)}


def _versions():
    out = {}
    for key, sc in EX_SCENARIOS.items():
        built = build(sc)
        ex, ans = make_exercise(built, parse_steps(None, sc.T))
        out[key] = built, ex, ans
    return out


VERSIONS = _versions()


def _blank_cells(ex):
    return [(s.name, r, c) for s in ex.sheets for (r, c), cell in s.cells.items() if cell.kind is Kind.BLANK]


def _cell_of(name):
    """A report's cell name ("'Step 2'!F12") as (sheet, "A1")."""
    block = parse_range(name)
    assert (block.nrows, block.ncols) == (1, 1), name
    return block.sheet, a1(block.row, block.col)


def _write(book, path):
    key, _, what = path.stem.partition("-")
    built, ex, ans = VERSIONS[key]
    write_xlsx({"styled": built.book, "ex": ex, "filled": ex, "near": ex, "far": ex, "ans": ans}[what], path)


def _fill_blanks(cases):
    """A student who types the answer key's formula into every blank; one who types each answer off
    by 0.9e-4 (within the self-check's tolerance); one whose every block has a cell 3e-4 off."""
    for key in EX_SCENARIOS:
        built, ex, _ = VERSIONS[key]
        for what, typed in (("filled", lambda cell, first: "=" + cell.formula),
                            ("near", lambda cell, first: cell.value + 0.9e-4),
                            ("far", lambda cell, first: cell.value + (3e-4 if first else 0))):
            wb = openpyxl.load_workbook(cases[f"{key}-{what}"].original)
            seen = set()
            for sheet, r, c in _blank_cells(ex):
                block = next(b for b in ex.names.values() if b.sheet == sheet and (r, c) in b.positions())
                wb[sheet][a1(r, c)] = typed(built.book.sheet(sheet).cells[(r, c)], block not in seen)
                seen.add(block)
            wb.save(cases[f"{key}-{what}"].original)


@pytest.fixture(scope="module")
def ex_cases(recompute):
    scenarios = {f"{key}-{what}": sc for key, sc in EX_SCENARIOS.items()
                 for what in ("styled", "ex", "filled", "near", "far", "ans")}
    return recompute(scenarios, writer=_write, edit=_fill_blanks)      # one LibreOffice call


@pytest.mark.libreoffice
@pytest.mark.parametrize("key", EX_SCENARIOS)
def test_styled_workbook_recomputes_to_its_values(ex_cases, key):
    report = compare.compare(ex_cases[f"{key}-styled"].original, ex_cases[f"{key}-styled"].recomputed)
    assert report.errors == [] and report.mismatches == [] and report.formulas > 300


@pytest.mark.libreoffice
@pytest.mark.parametrize("key", EX_SCENARIOS)
def test_exercise_blanks_are_empty_and_the_rest_recomputes(ex_cases, key):
    built, ex, ans = VERSIONS[key]
    full = built.book
    case = ex_cases[f"{key}-ex"]
    wb = openpyxl.load_workbook(case.original)
    blanks = _blank_cells(ex)
    assert len(blanks) > 20
    for sheet, r, c in blanks:
        assert wb[sheet][a1(r, c)].value is None
        assert wb[sheet][a1(r, c)].fill.fgColor.rgb.endswith("F8CBAD")
    names = {name for name, _, _ in blanks}
    assert names == {"Step 2", f"Back {EX_SCENARIOS[key].T}"}
    assert all(wb[n]["A2"].value.startswith("EXERCISE") for n in names)
    stale = {(s, a1(r, c)) for s, r, c in dependents(full, set(blanks))}
    loss = built.layout[("loss", None)]
    assert loss.sheet == "Summary" and ("Summary", a1(loss.row, loss.col)) in stale
    report = compare.compare(case.original, case.recomputed)
    wrong = {_cell_of(cell) for cell, *_ in report.mismatches + report.errors}
    assert wrong and wrong <= stale
    assert report.formulas - len(stale) > 200         # everything else recomputes to its value


@pytest.mark.libreoffice
@pytest.mark.parametrize("key", EX_SCENARIOS)
def test_filled_exercise_recomputes_to_the_answer_key(ex_cases, key):
    built, ex, ans = VERSIONS[key]
    report = compare.compare(ex_cases[f"{key}-ans"].original, ex_cases[f"{key}-filled"].recomputed)
    # The exercise has no Gradient check sheet (its forward passes would show the answers).
    errors = [e for e in report.errors if not e[0].startswith("'Gradient check'!")]
    assert errors == [] and report.mismatches == [] and report.formulas > 300
    fresh = openpyxl.load_workbook(ex_cases[f"{key}-filled"].recomputed, data_only=True)
    checks = [(s.name, a1(r, c)) for s in ex.sheets for (r, c), cell in s.cells.items() if cell.style == "check"]
    assert len(checks) >= 5
    assert all(fresh[s][c].value == "OK" for s, c in checks)
    unfilled = openpyxl.load_workbook(ex_cases[f"{key}-ex"].recomputed, data_only=True)
    assert all(unfilled[s][c].value in (None, "") for s, c in checks)
    # The self-check: within 1e-4 of the answer is OK, 3e-4 off is not (its checksum holds no answer).
    near = openpyxl.load_workbook(ex_cases[f"{key}-near"].recomputed, data_only=True)
    assert [near[s][c].value for s, c in checks] == ["OK"] * len(checks)
    far = openpyxl.load_workbook(ex_cases[f"{key}-far"].recomputed, data_only=True)
    assert [far[s][c].value for s, c in checks] == ["not yet"] * len(checks)
    # The answer key marks the same cells, with their formulas.
    for sheet, r, c in _blank_cells(ex):
        assert ans.sheet(sheet).cells[(r, c)].style == "answer_key"
        assert ans.sheet(sheet).cells[(r, c)].formula == built.book.sheet(sheet).cells[(r, c)].formula


@pytest.mark.parametrize("key", EX_SCENARIOS)
def test_exercise_blanks_the_main_blocks_and_about_lists_them_in_sheet_order(key):
    built, ex, ans = VERSIONS[key]
    T = EX_SCENARIOS[key].T
    blocks = blank_blocks(built.layout, ["Step 2", f"Back {T}"])
    kinds = {}
    for (q, t), block in blocks:
        name = q.kind
        assert t == int(block.sheet.split()[-1]), (name, t, block.sheet)
        kinds.setdefault(block.sheet, []).append(name)
    assert list(kinds) == ["Step 2", f"Back {T}"]
    assert sorted(kinds["Step 2"]) == sorted(FORWARD_BLANKS)          # each once
    assert sorted(kinds[f"Back {T}"]) == sorted(BACKWARD_BLANKS)
    # The blanks are exactly the formula cells of those blocks.
    want = {(b.sheet, r, c) for _, b in blocks for r, c in b.positions()
            if built.book.sheet(b.sheet).cells[(r, c)].kind is Kind.FORMULA}
    assert set(_blank_cells(ex)) == want
    # The About sheet (of both versions) lists each step's blanks in the order they appear on it ...
    in_order = {name: [k for k, _ in sorted(((n.kind, b) for (n, _), b in blocks if b.sheet == name),
                                            key=lambda nb: (nb[1].row, nb[1].col))]
                for name in kinds}
    assert in_order == {"Step 2": ["wx", "wh", "h", "y", "p", "loss_t"],
                        f"Back {T}": ["dy", "dWhy_t", "dh", "da", "dWxh_t"]}
    # ... by the names `rnn-sheet grade` gives them (their captions)
    bias = "bh" if EX_SCENARIOS[key].model == "standard" else "bias"
    expected = [f"Step 2: Wxh·x_t, Whh·h(t-1)+{bias}, h_t, y_t, p_t, loss_t",
                f"Back {T}: dy_t, dWhy_t, dh_t, da_t, dWxh_t"]
    for book, band in ((ex, "Exercise"), (ans, "Answer key")):
        about = book.sheet("About")
        start = next(r for (r, _), cell in about.cells.items() if cell.style == "band" and cell.value == band)
        listed = [cell.value for (r, _), cell in sorted(about.cells.items())
                  if r > start and cell.value.startswith(("Step ", "Back "))]
        assert listed == expected, (band, listed)


@pytest.mark.parametrize("layout", ["detailed", "compact"])
def test_exercise_blocks_are_the_readme_quantities_present_on_each_step(layout):
    built = build(make_scenario("hello", layout=layout))
    L = built.layout
    for t in range(1, L.T + 1):
        for step, readme in ((f"Step {t}", FORWARD_BLANKS), (f"Back {t}", BACKWARD_BLANKS)):
            sheet = L.sheet_of("backward" if step.startswith("Back") else "forward", t)
            present = {q.kind for q, s in sheet.blocks if s == t}
            keys = [(q.kind, s) for (q, s), _ in blank_blocks(L, [step])]
            assert len(keys) == len(set(keys)) and {s for _, s in keys} == {t}
            assert {name for name, _ in keys} == readme & present, (step, keys)


def test_blank_blocks_follow_the_layout():
    built = build(make_scenario("hello", layout="compact"))
    kinds = {k[0].kind for k, _ in blank_blocks(built.layout, parse_steps("b3", 4))}
    assert kinds == {"dy", "dh", "da"}          # compact: no per-step gradient contributions
    kinds = {k[0].kind for k, _ in blank_blocks(built.layout, parse_steps("b4", 4))}
    assert kinds == {"dy", "dh", "da", "dWhy_t", "dWxh_t"}     # ... but the last step is in full


# --- command line: --exercise, --pdf -------------------------------------------------------------

@pytest.mark.libreoffice
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


def test_notes_where_they_cost_least():
    """Per-block notes on the worked steps and the other sheets (each text once a sheet); one legend
    note on the title of every other Step and Back sheet (notes are most of LibreOffice's opening time)."""
    built = build(make_scenario("abcdefgh", epochs=3, use_template=False))
    sheets = {s.name: s for s in built.book.sheets}
    for name in ("Step 1", "Step 2", "Back 7"):
        notes = sheets[name].notes
        assert len(notes) > 10 and (0, 0) not in notes
        assert len(set(notes.values())) == len(notes)
    h = built.layout[("h", 2)]
    assert "tanh" in sheets["Step 2"].notes[(h.row, h.col)]
    for name in ("Step 3", "Step 7", "Back 1", "Back 6"):
        (where, legend), = sheets[name].notes.items()
        assert where == (0, 0)
        assert "h_t = tanh(a_t)" in legend or "da_t = (1 - h_t²)" in legend
        assert legend.count("\n") > 5
    training = sheets["Training"].notes
    assert len(set(training.values())) == len(training) > 10        # epoch 1 notes, later epochs repeat none


def test_a_compact_exercise_names_the_step_on_a_shared_sheet():
    built = build(make_scenario("mississippi", layout="compact", use_template=False))
    ex, _ = make_exercise(built, parse_steps("f5,b3", built.layout.T))
    lines = [c.value for c in ex.sheet("About").cells.values() if isinstance(c.value, str)]
    assert "Steps 3-10, step 5: Wxh·x_t, Whh·h(t-1)+bias, h_t, y_t, p_t, loss_t" in lines
    assert "Back 9-1, step 3: dy_t, dh_t, da_t" in lines
    assert {b.sheet for b in ex.names.values()} >= {"Steps 3-10", "Back 9-1"}


def test_about_says_where_the_weights_came_from():
    def rows(sc):
        about = build(sc).book.sheet("About")
        return {c.value: about.cells.get((r, col + 1)).value for (r, col), c in about.cells.items()
                if col == 1 and (r, col + 1) in about.cells}
    assert rows(make_scenario("hello"))["weights"] == "the template's"
    standard = rows(make_scenario("hello", model="standard", seed=4))   # the template's settings, not its weights
    assert standard["weights"] == "random, seed 4" and standard["template"].startswith("'hello'")
    plain = rows(make_scenario("abcab", hidden=1, weights={"Wxh": [[0.1, 0.2, 0.3]], "Whh": 0.5, "bh": -0.2,
                                                          "Why": [[1.0], [-1.0], [0.5]]}))
    assert plain["weights"] == "from a file" and "template" not in plain
