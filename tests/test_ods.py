""".ods output: OpenFormula translation, cached values, names, styles, determinism, and LibreOffice
recomputing every .ods (one soffice call for all of them) to the cached values and the engine."""
import math
import re
import xml.etree.ElementTree as ET
import zipfile

import numpy as np
import pytest

from rnn_sheet.checking.compare import diff, is_error
from readback import cell_values, read_named
from rnn_sheet.checking.read import excel_ref, read_ods
from rnn_sheet.model.engine import train
from rnn_sheet.model.scenario import make_scenario
from rnn_sheet.sheets import build
from rnn_sheet.workbook.book import Kind
from rnn_sheet.workbook.grid import Block, a1, parse_range
from rnn_sheet.workbook.styles import TAB_COLORS
from rnn_sheet.writers.ods import odf_ref, paragraph, range_address, to_openformula, write_ods
from rnn_sheet.writers.ods_extras import CALCEXTNS, lo_range

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
    book = build(make_scenario("hello", model="standard", epochs=2, generate=3)).book
    for sheet in book.sheets:
        for cell in sheet.cells.values():
            if cell.kind is Kind.FORMULA:
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
    book = build(make_scenario("hello", use_template=False, hidden=2)).book
    write_ods(book, tmp_path / "a.ods")
    write_ods(build(make_scenario("abc", model="standard")).book, tmp_path / "other.ods")
    write_ods(book, tmp_path / "b.ods")
    assert (tmp_path / "a.ods").read_bytes() == (tmp_path / "b.ods").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.ods") as z:
        assert z.namelist()[0] == "mimetype" and z.getinfo("mimetype").compress_type == zipfile.ZIP_STORED
        assert z.read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"
        meta = z.read("meta.xml").decode()
        assert "date" not in meta and "rnn-sheet: hello" in meta


def test_cached_values_names_and_text_cells(tmp_path):
    sc = make_scenario("=1 +1", use_template=False, model="standard", hidden=2)
    built = build(sc)
    book = built.book
    write_ods(book, tmp_path / "w.ods")
    cells, names = read_ods(tmp_path / "w.ods")
    assert names == book.names and all(isinstance(b, Block) for b in names.values())
    for sheet in book.sheets:
        for (r, c), cell in sheet.cells.items():
            formula, value = cells[(sheet.name, a1(r, c))]
            assert (formula is not None) == (cell.kind is Kind.FORMULA)
            assert value == cell.value, (sheet.name, r, c)      # floats stored with repr: exact
    content = zipfile.ZipFile(tmp_path / "w.ods").read("content.xml").decode()
    # The word's letters are string cells, never formulas, even '=' and digits.
    word = built.layout[("word", None)]
    for i, letter in enumerate(sc.word):
        assert cells[(word.sheet, a1(word.row + i, word.col))] == (None, letter)
    assert 'table:formula="of:==' not in content
    assert 'office:value-type="string"><text:p><text:s text:c="1"/></text:p>' in content   # ' ' letter


def test_styles_and_column_widths(tmp_path):
    book = build(make_scenario("hello", use_template=False)).book
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


@pytest.mark.libreoffice
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


@pytest.mark.libreoffice
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
        _close(names[f"{p}_new"], records[1].params[p], f"{p}_new")
    word = "".join(str(v) for v in names["word"].ravel())
    assert word == sc.word and "".join(names["vocab"].ravel()) == sc.vocab


@pytest.mark.libreoffice
def test_names_survive_in_libreoffice(cases):
    for case in cases.values():
        assert set(case.book.names) <= set(read_named(case.recomputed))


@pytest.mark.libreoffice
def test_charts_heatmaps_and_tab_colours_survive_in_libreoffice(cases):
    """LibreOffice loads the embedded charts, colour scales and tab colours of the .ods: saved as
    .xlsx they are there, on the right sheets. (Frozen rows are view settings, which a headless
    conversion does not carry over; test_frozen_rows_and_grid checks settings.xml.)"""
    import openpyxl
    seen = 0
    for case in cases.values():
        wb = openpyxl.load_workbook(case.recomputed)
        for sheet in case.book.sheets:
            ws = wb[sheet.name]
            assert len(ws._charts) == len(sheet.charts), sheet.name
            for spec, chart in zip(sheet.charts, ws._charts):
                series, = chart.series
                cat = series.cat.numRef or series.cat.strRef
                for got, want in ((series.val.numRef.f, spec.values), (cat.f, spec.categories)):
                    want = want.range(absolute=True)
                    assert got.replace("'", "") == want.replace("'", ""), (sheet.name, got, want)
                assert (chart.tagname == "barChart") == (spec.type == "bar")
            ranges = sorted(str(cf.sqref) for cf in ws.conditional_formatting)
            assert ranges == sorted(h.block.range(frm=sheet.name) for h in sheet.heatmaps), sheet.name
            color = ws.sheet_properties.tabColor
            assert color is not None and color.rgb[-6:] == TAB_COLORS[sheet.kind][1:].upper()
            seen += len(sheet.charts)
    assert seen >= 6


def _close(got, want, what):
    got = np.asarray(got, dtype=float).ravel()
    want = np.asarray(want, dtype=float).ravel()
    assert got.shape == want.shape, what
    worst = max(diff(a, b) for a, b in zip(got, want))
    assert worst < TOL and all(math.isfinite(v) for v in got), (what, worst)


def test_page_setup_for_handouts(tmp_path):
    """As in the .xlsx: landscape A4 at each sheet's scale, pages across then down, a header and a
    footer on every sheet, the same page breaks."""
    book = build(make_scenario("hello")).book
    path = tmp_path / "hello.ods"
    write_ods(book, path)
    with zipfile.ZipFile(path) as z:
        styles, content = z.read("styles.xml").decode(), z.read("content.xml").decode()
    assert 'style:print-orientation="landscape"' in content + styles
    assert 'style:scale-to="100%"' in content + styles and 'style:print-page-order="ltr"' in content + styles
    from rnn_sheet.workbook import pages
    step = book.sheet("Step 1")
    assert f'style:scale-to="{round(100 * pages.scale(step))}%"' in content + styles
    assert content.count('table:style-name="ro_break"') == sum(len(pages.row_breaks(s)) for s in book.sheets) > 0
    assert "<text:sheet-name" in styles and "<text:page-number" in styles
    tables = re.findall(r"<table:table [^>]*>", content)
    assert len(tables) == len(book.sheets)
    used = {re.search(r'table:style-name="([^"]+)"', t)[1] for t in tables}
    for name in used:       # one table style per tab colour and scale, each on its handout page
        assert re.search(rf'style:name="{name}"[^>]*style:master-page-name="Handout\d*"', content), name


# --- charts, heatmaps, tab colours and frozen rows, as LibreOffice writes them ---------------------

_NS = {"table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
       "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
       "chart": "urn:oasis:names:tc:opendocument:xmlns:chart:1.0",
       "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
       "xlink": "http://www.w3.org/1999/xlink",
       "manifest": "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0",
       "config": "urn:oasis:names:tc:opendocument:xmlns:config:1.0",
       "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
       "calcext": CALCEXTNS}


def _q(name):
    prefix, local = name.split(":")
    return f"{{{_NS[prefix]}}}{local}"


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    book = build(make_scenario("hello", epochs=5)).book
    path = tmp_path_factory.mktemp("extras") / "hello.ods"
    write_ods(book, path)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    return book, parts


def test_range_forms():
    assert parse_range("'Step 1'!$I$46:$I$49") == Block("Step 1", 45, 8, 4, 1)
    assert parse_range("Summary!$K$8") == Block("Summary", 7, 10, 1, 1)
    assert lo_range(Block("Step 1", 45, 8, 4, 1)) == "'Step 1'.I46:'Step 1'.I49"
    assert lo_range(Block("Parameters", 7, 1, 4, 1)) == "Parameters.B8:Parameters.B11"
    assert range_address(Block("Step 1", 8, 9, 4, 1)) == "$'Step 1'.$J$9:.$J$12"
    assert range_address(Block("Summary", 16, 3)) == "$Summary.$D$17"
    for block in (Block("Step 1", 8, 9, 4, 1), Block("Summary", 16, 3), Block("it's", 0, 0, 2, 3)):
        assert parse_range(excel_ref(range_address(block))) == block


def test_charts_are_embedded_objects_on_the_right_ranges(trained):
    book, parts = trained
    specs = [(sheet, spec) for sheet in book.sheets for spec in sheet.charts]
    assert {"bar", "line"} <= {spec.type for _, spec in specs} and len(specs) == 7
    manifest = ET.fromstring(parts["META-INF/manifest.xml"])
    entries = {e.get(_q("manifest:full-path")): e.get(_q("manifest:media-type"))
               for e in manifest.iter(_q("manifest:file-entry"))}
    content = ET.fromstring(parts["content.xml"])
    frames = {}
    for tbl in content.iter(_q("table:table")):
        for frame in tbl.iter(_q("draw:frame")):
            frames[frame[0].get(_q("xlink:href"))] = (tbl.get(_q("table:name")), frame)
    assert len(frames) == len(specs)
    for n, (sheet, spec) in enumerate(specs, 1):
        obj = f"Object {n}"
        assert entries[f"{obj}/"] == "application/vnd.oasis.opendocument.chart"
        assert entries[f"{obj}/content.xml"] == "text/xml"
        table_name, frame = frames[f"./{obj}"]
        assert table_name == sheet.name
        cats, vals = lo_range(spec.categories), lo_range(spec.values)
        assert frame[0].get(_q("draw:notify-on-update-of-ranges")) == f"{cats} {vals}"
        chart = ET.fromstring(parts[f"{obj}/content.xml"]).find(".//" + _q("chart:chart"))
        assert chart.get(_q("chart:class")) == ("chart:bar" if spec.type == "bar" else "chart:line")
        titles = ["".join(t.itertext()) for t in chart.iter(_q("chart:title"))]
        assert titles == [spec.title, spec.x_title, spec.y_title]
        assert chart.find(".//" + _q("chart:categories")).get(_q("table:cell-range-address")) == cats
        series = chart.findall(".//" + _q("chart:series"))
        assert [s.get(_q("chart:values-cell-range-address")) for s in series] == [vals]
        # the chart's cached copy of its data is the Book's
        sheet_of = {s.name: s for s in book.sheets}
        values = spec.values
        assert values.ncols == 1
        want = [sheet_of[values.sheet].cells[(r, c)].value for r, c in values.positions()]
        local = chart.find(_q("table:table")).find(_q("table:table-rows"))
        got = [float(row[1].get("{urn:oasis:names:tc:opendocument:xmlns:office:1.0}value")) for row in local]
        assert got == want
    # the anchor cell of each chart holds its frame
    step1 = next(t for t in content.iter(_q("table:table")) if t.get(_q("table:name")) == "Step 1")
    assert book.sheets[2].name == "Step 1"
    row, col = book.sheets[2].charts[0].anchor
    assert _cell_at(step1, row, col).find(_q("draw:frame")) is not None


def _cell_at(tbl, row, col):
    r = 0
    for tr in tbl.iter(_q("table:table-row")):
        n = int(tr.get(_q("table:number-rows-repeated"), "1"))
        if r <= row < r + n:
            c = 0
            for tc in tr:
                m = int(tc.get(_q("table:number-columns-repeated"), "1"))
                if c <= col < c + m:
                    return tc
                c += m
        r += n
    raise KeyError((row, col))


def test_heatmaps_are_colour_scales(trained):
    book, parts = trained
    content = ET.fromstring(parts["content.xml"])
    for tbl, sheet in zip(content.iter(_q("table:table")), book.sheets):
        formats = tbl.findall(f"{_q('calcext:conditional-formats')}/{_q('calcext:conditional-format')}")
        assert len(formats) == len(sheet.heatmaps), sheet.name
        for fmt, heat in zip(formats, sheet.heatmaps):
            assert heat.block.sheet == sheet.name
            assert fmt.get(_q("calcext:target-range-address")) == lo_range(heat.block)
            entries = fmt.findall(f"{_q('calcext:color-scale')}/{_q('calcext:color-scale-entry')}")
            values = [float(e.get(_q("calcext:value"))) for e in entries]
            assert values == ([0, 0.5, 1] if heat.kind == "probability" else [-heat.bound, 0, heat.bound])
            assert {e.get(_q("calcext:type")) for e in entries} == {"number"}
    assert sum(len(s.heatmaps) for s in book.sheets) > 10


def test_tab_colours(trained):
    book, parts = trained
    content = ET.fromstring(parts["content.xml"])
    colors = {}
    for st in content.iter(_q("style:style")):
        props = st.find(_q("style:table-properties"))
        if props is not None:
            colors[st.get(_q("style:name"))] = props.get(_q("table:tab-color"))
    for tbl, sheet in zip(content.iter(_q("table:table")), book.sheets):
        assert colors[tbl.get(_q("table:style-name"))] == TAB_COLORS[sheet.kind].lower(), sheet.name


def test_frozen_rows_and_grid(trained):
    """settings.xml as LibreOffice writes it: per sheet a vertical split in mode 2 (frozen) at the
    title rows, gridlines off. The "ooo" prefix must be declared or LibreOffice ignores it all."""
    book, parts = trained
    settings = parts["settings.xml"].decode()
    assert 'xmlns:ooo="http://openoffice.org/2004/office"' in settings
    root = ET.fromstring(settings)
    tables = root.find(".//" + _q("config:config-item-map-named"))
    assert tables.get(_q("config:name")) == "Tables"
    views = {}
    for entry in tables:
        views[entry.get(_q("config:name"))] = {i.get(_q("config:name")): i.text for i in entry}
    assert list(views) == [s.name for s in book.sheets]
    for sheet in book.sheets:
        view = views[sheet.name]
        assert sheet.header_rows > 0
        assert view["VerticalSplitMode"] == "2" and view["HorizontalSplitMode"] == "0"
        assert view["VerticalSplitPosition"] == view["PositionBottom"] == str(sheet.header_rows)
        assert view["ShowGrid"] == "false"


@pytest.mark.slow      # the fast tier stays under 30 s; the whole suite runs it
def test_extras_keep_the_file_deterministic(tmp_path):
    book = build(make_scenario("hello", epochs=3, generate=2)).book
    write_ods(book, tmp_path / "a.ods")
    write_ods(build(make_scenario("abcab", model="standard")).book, tmp_path / "other.ods")
    write_ods(book, tmp_path / "b.ods")
    assert (tmp_path / "a.ods").read_bytes() == (tmp_path / "b.ods").read_bytes()
