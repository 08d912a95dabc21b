""".ods output: OpenFormula translation, cached values, names, styles, determinism, and LibreOffice
recomputing every .ods (one soffice call for all of them) to the cached values and the engine."""
import math
import re
import zipfile

import numpy as np
import pytest

from rnn_sheet.book import build_book
from rnn_sheet.engine import train
from rnn_sheet.grid import a1
from rnn_sheet.ods import excel_ref, odf_ref, paragraph, read_ods, to_openformula, write_ods
from rnn_sheet.scenario import make_scenario
from rnn_sheet.verify import cell_values, diff, is_error, named_values

TOL = 1e-9


# --- formula translation (no LibreOffice) ----------------------------------------------------------

@pytest.mark.parametrize("excel, odf", [
    ("TANH(B3)", "of:=TANH([.B3])"),
    ("=SUM($A$1:$B$2)", "of:=SUM([.$A$1:.$B$2])"),
    ("MMULT(Parameters!C5:F5,J9:J12)+Parameters!$K$27",
     "of:=MMULT([$Parameters.C5:.F5];[.J9:.J12])+[$Parameters.$K$27]"),
    ("-LN(SUMPRODUCT('Step 1'!J9:J12,'Step 1'!L9:L12))",
     "of:=-LN(SUMPRODUCT([$'Step 1'.J9:.J12];[$'Step 1'.L9:.L12]))"),
    ("INDEX(Parameters!$B$8:$B$11,MATCH(MAX(I44:I47),I44:I47,0))",
     "of:=INDEX([$Parameters.$B$8:.$B$11];MATCH(MAX([.I44:.I47]);[.I44:.I47];0))"),
    ("IF(EXACT(A1,\"a,b;c\"),1,0)", "of:=IF(EXACT([.A1];\"a,b;c\");1;0)"),
    ("\"B3, 'x'!A1; \"\"q\"\"\"&A1", "of:=\"B3, 'x'!A1; \"\"q\"\"\"&[.A1]"),
    ("'it''s'!A1*2", "of:=[$'it''s'.A1]*2"),
    ("SUM({1,2;3,4})", "of:=SUM({1;2|3;4})"),
    ("IF(TRUE,Wxh,0)", "of:=IF(TRUE();Wxh;0)"),
])
def test_openformula(excel, odf):
    assert to_openformula(excel) == odf


def test_every_formula_of_a_book_translates_to_bracketed_references():
    book = build_book(make_scenario("hello", model="standard", epochs=2, generate=3))
    for sheet in book.sheets:
        for cell in sheet.cells.values():
            if cell.kind == "formula":
                odf = to_openformula(cell.formula)
                assert odf.startswith("of:=") and "," not in odf.replace('","', "")
                # no bare A1 reference is left outside brackets
                outside = re.sub(r"\[[^\]]*\]|\"[^\"]*\"", "", odf[4:])
                assert not re.search(r"(?<![A-Z_])\$?[A-Z]{1,3}\$?\d+(?![\d(])", outside), (cell.formula, odf)


def test_range_addresses_round_trip():
    for ref in ("Parameters!$C$5:$F$7", "'Step 1'!$J$9:$J$12", "Summary!$D$17"):
        assert excel_ref(odf_ref(ref)) == ref
    assert odf_ref("Wxh") is None and odf_ref("loss_1") is None


def test_paragraph_keeps_spaces():
    assert paragraph(" ") == '<text:p><text:s text:c="1"/></text:p>'
    assert paragraph("a  b<") == '<text:p>a <text:s text:c="1"/>b&lt;</text:p>'


# --- files written -----------------------------------------------------------------------------------

def test_same_book_gives_identical_bytes(tmp_path):
    book = build_book(make_scenario("hello", use_template=False, hidden=2))
    write_ods(book, tmp_path / "a.ods")
    write_ods(build_book(make_scenario("abc", model="standard")), tmp_path / "other.ods")
    write_ods(book, tmp_path / "b.ods")
    assert (tmp_path / "a.ods").read_bytes() == (tmp_path / "b.ods").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.ods") as z:
        assert z.namelist()[0] == "mimetype" and z.getinfo("mimetype").compress_type == zipfile.ZIP_STORED
        assert z.read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"
        meta = z.read("meta.xml").decode()
        assert "date" not in meta and "rnn-sheet: hello" in meta


def test_cached_values_names_and_text_cells(tmp_path):
    sc = make_scenario("=1 +1", use_template=False, model="standard", hidden=2)
    book = build_book(sc)
    write_ods(book, tmp_path / "w.ods")
    cells, names = read_ods(tmp_path / "w.ods")
    assert names == book.names
    for sheet in book.sheets:
        for (r, c), cell in sheet.cells.items():
            formula, value = cells[(sheet.name, a1(r, c))]
            assert (formula is not None) == (cell.kind == "formula")
            assert value == cell.value, (sheet.name, r, c)      # floats stored with repr: exact
    content = zipfile.ZipFile(tmp_path / "w.ods").read("content.xml").decode()
    # The word's letters are string cells, never formulas, even '=' and digits.
    word = book.layout[("word", None)]
    for i, letter in enumerate(sc.word):
        assert cells[(word.sheet, a1(word.row + i, word.col))] == (None, letter)
    assert 'table:formula="of:==' not in content
    assert 'office:value-type="string"><text:p><text:s text:c="1"/></text:p>' in content   # ' ' letter


def test_styles_and_column_widths(tmp_path):
    book = build_book(make_scenario("hello", use_template=False))
    write_ods(book, tmp_path / "s.ods")
    with zipfile.ZipFile(tmp_path / "s.ods") as z:
        styles, content = z.read("styles.xml").decode(), z.read("content.xml").decode()
    assert 'number:decimal-places="6"' in styles
    assert 'style:name="input"' in styles and "#FFF2CC" in styles.upper()
    assert 'fo:font-weight="bold"' in styles
    assert "style:column-width" in content and 'table:style-name="calc"' in content


# --- LibreOffice recomputes the .ods ------------------------------------------------------------------

def scenarios():
    return {
        "a_hello": make_scenario("hello", use_template=False),
        "a_abcab_h1": make_scenario("abcab", use_template=False, hidden=1, seed=3),
        "a_miss_last": make_scenario("mississippi", use_template=False, hidden=4, loss_mode="last"),
        "s_hello_h5": make_scenario("hello", use_template=False, model="standard", hidden=5, seed=2),
        "s_space": make_scenario("hi there", use_template=False, model="standard", hidden=2,
                                 epochs=2, clip=0.5, generate=3),
        "s_symbols": make_scenario("=1 +1", use_template=False, model="standard", hidden=3, lr=0.5),
    }


@pytest.fixture(scope="module")
def cases(recompute):
    return recompute(scenarios(), writer=write_ods, suffix="ods")


@pytest.mark.parametrize("key", list(scenarios()))
def test_recomputed_equals_cached(cases, key):
    case = cases[key]
    cells, _ = read_ods(case.original)
    formulas = [k for k, (f, _) in cells.items() if f is not None]
    fresh = cell_values(case.recomputed, formulas)
    assert len(formulas) > 100
    worst = 0.0
    for k in formulas:
        cached, got = cells[k][1], fresh[k]
        assert not is_error(got), (k, got)
        if isinstance(cached, float):
            assert isinstance(got, (int, float)), (k, cached, got)
            worst = max(worst, diff(cached, got))
        else:
            assert cached == got, (k, cached, got)
    assert worst < TOL


@pytest.mark.parametrize("key", list(scenarios()))
def test_recomputed_equals_engine(cases, key):
    case = cases[key]
    sc, names = case.scenario, case.names
    records = train(sc.params, sc.inputs, sc.targets, sc.lr, max(sc.epochs, 1), sc.clip, sc.loss_mode)
    F, B = records[0].fwd, records[0].bwd
    for t in range(1, sc.T + 1):
        for name, want in ((f"x_{t}", F.x[t - 1]), (f"h_{t}", F.h[t - 1]), (f"y_{t}", F.y[t - 1]),
                           (f"p_{t}", F.p[t - 1]), (f"loss_{t}", [F.losses[t - 1]])):
            _close(names[name], want, name)
    _close(names["loss"], [F.loss], "loss")
    for p in sc.params.names:
        _close(names[f"d{p}"], B.grads[p], f"d{p}")
        _close(names[f"{p}_new"], getattr(records[1].params, p), f"{p}_new")
    word = "".join(str(v) for v in names["word"].ravel())
    assert word == sc.word and "".join(names["vocab"].ravel()) == sc.vocab


def test_names_survive_in_libreoffice(cases):
    for case in cases.values():
        assert set(case.book.names) <= set(named_values(case.recomputed))


def _close(got, want, what):
    got = np.asarray(got, dtype=float).ravel()
    want = np.asarray(want, dtype=float).ravel()
    assert got.shape == want.shape, what
    worst = max(diff(a, b) for a, b in zip(got, want))
    assert worst < TOL and all(math.isfinite(v) for v in got), (what, worst)


def test_page_setup_for_handouts(tmp_path):
    """As in the .xlsx: landscape A4, one page wide, a header and a footer, on every sheet."""
    book = build_book(make_scenario("hello"))
    path = tmp_path / "hello.ods"
    write_ods(book, path)
    with zipfile.ZipFile(path) as z:
        styles, content = z.read("styles.xml").decode(), z.read("content.xml").decode()
    assert 'style:print-orientation="landscape"' in content + styles
    assert 'loext:scale-to-X="1"' in content + styles
    assert "<text:sheet-name" in styles and "<text:page-number" in styles
    tables = re.findall(r"<table:table [^>]*>", content)
    assert len(tables) == len(book.sheets)
    assert all('table:style-name="ta1"' in t for t in tables)
    assert re.search(r'style:name="ta1"[^>]*style:master-page-name="Handout"', content)
