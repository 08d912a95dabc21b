"""Printed pages: horizontal page breaks fall between bands, never inside one that fits on a page
(read back with openpyxl), a sheet that fits on one page gets no break, LibreOffice's PDF of the
hello workbook starts every page of a banded sheet with a title, not in the middle of a band, and
every page of the books a class gets prints type a class can read (measured in the PDF)."""
import shutil
import subprocess

import openpyxl
import pytest

from conftest import require_soffice
from rnn_sheet.checking import printed, recalc
from rnn_sheet.exercise import make_exercise, parse_steps
from rnn_sheet.model.scenario import make_scenario
from rnn_sheet.sheets import build
from rnn_sheet.workbook import pages
from rnn_sheet.workbook.book import Book, Cell, Kind, Sheet
from rnn_sheet.workbook.grid import col_name
from rnn_sheet.writers.ods import write_ods
from rnn_sheet.writers.xlsx import write_xlsx

SCENARIOS = {
    "hello": dict(word="hello", epochs=20),
    "standard": dict(word="abcdefghijklmnop", model="standard", hidden=8, epochs=2),
    "compact": dict(word="the quick brown fox jumps", layout="compact", hidden=5, epochs=3),
}


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """{case: (book, openpyxl workbook, path)}"""
    folder = tmp_path_factory.mktemp("print")
    out = {}
    for name, kw in SCENARIOS.items():
        book = build(make_scenario(**kw)).book
        path = folder / f"{name}.xlsx"
        write_xlsx(book, path)
        out[name] = book, openpyxl.load_workbook(path), path
    return out


def capacity(sheet):
    return pages.printable()[1] * pages.SAFETY / pages.scale(sheet)


def height(sheet, first, last):
    return sum(pages.row_heights(sheet)[first:last + 1])


def breaks_of(ws):
    return [b.id for b in ws.row_breaks.brk]


@pytest.mark.slow      # the fast tier stays under 30 s; the whole suite runs it
@pytest.mark.parametrize("case", SCENARIOS)
def test_breaks_never_split_a_band_that_fits(written, case):
    book, wb, _ = written[case]
    split = []
    for sheet in book.sheets:
        ws = wb[sheet.name]
        brks = breaks_of(ws)
        assert brks == sorted(set(brks)) and all(0 < b < sheet.extent[0] for b in brks)
        assert [b.id for b in ws.row_breaks.brk] == pages.row_breaks(sheet)
        for first, last in sheet.bands:
            if height(sheet, first, last) <= capacity(sheet):
                split += [(sheet.name, first, last, b) for b in brks if first < b <= last]
    assert not split


@pytest.mark.slow      # the fast tier stays under 30 s; the whole suite runs it
@pytest.mark.parametrize("case", SCENARIOS)
def test_every_page_fits_and_one_page_sheets_have_no_breaks(written, case):
    book, wb, _ = written[case]
    for sheet in book.sheets:
        brks = breaks_of(wb[sheet.name])
        rows = sheet.extent[0]
        if height(sheet, 0, rows - 1) <= capacity(sheet):
            assert brks == [], sheet.name
        for a, b in zip([0] + brks, brks + [rows]):
            assert height(sheet, a, b - 1) <= capacity(sheet), (sheet.name, a, b)


@pytest.mark.slow      # the fast tier stays under 30 s; the whole suite runs it
def test_long_sheets_get_breaks_and_short_ones_none(written):
    _, wb, _ = written["hello"]
    assert len(breaks_of(wb["Training"])) >= 3          # it prints the loss per epoch and epoch 1
    assert len(breaks_of(wb["Back 4"])) >= 1
    for name in ("Summary", "Gradients", "Gradient flow"):
        assert breaks_of(wb[name]) == [], name


def test_a_band_taller_than_a_page_is_split_where_the_page_ends():
    sheet = Sheet("Tall", "training", width=3)
    for r in range(200):
        sheet.cells[(r, 1)] = Cell(Kind.CONST, float(r), style="const")
    sheet.bands = [(0, 4), (6, 150), (152, 160), (162, 185)]
    brks = pages.row_breaks(sheet)
    cap_rows = int(capacity(sheet) // pages.ROW_HEIGHT)
    assert brks[0] == 6                                  # the tall band starts a page ...
    assert brks[1] == 6 + cap_rows                       # ... and fills it
    assert all(not (152 < b <= 160) for b in brks)      # the short bands stay whole
    assert all(not (162 < b <= 185) for b in brks)


@pytest.mark.slow      # the fast tier stays under 30 s; the whole suite runs it
def test_exercise_workbooks_keep_the_breaks(tmp_path):
    built = build(make_scenario("hello", epochs=3))
    ex, ans = make_exercise(built, parse_steps(None, built.layout.T))
    for b in (ex, ans):
        path = tmp_path / "x.xlsx"
        write_xlsx(b, path)
        wb = openpyxl.load_workbook(path)
        for sheet in b.sheets:
            assert breaks_of(wb[sheet.name]) == pages.row_breaks(sheet)
    assert pages.row_breaks(ex.sheet("Training"))


@pytest.mark.libreoffice
def test_pdf_pages_start_with_a_title_not_mid_band(written, tmp_path):
    """LibreOffice follows the breaks: it adds none of its own (the estimate is on the safe side)
    and no page of a banded sheet begins inside a band (a chart that goes to the next page starts it
    with its title)."""
    require_soffice()
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    book, wb, path = written["hello"]
    pdf, = recalc.convert([path], tmp_path, to="pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    page_texts = text.split("\f")[:-1]
    expected = sum(len(breaks_of(wb[s.name])) + 1 for s in book.sheets)
    assert len(page_texts) == expected
    titles = {s.name: [c.value for c in s.cells.values() if c.style in ("title", "band")]
              + [chart.title for chart in s.charts] for s in book.sheets if s.bands}
    starts = []
    for page in page_texts:
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        sheet, first = lines[0], lines[1]            # the header (the sheet name), then the body
        if sheet in titles:
            starts.append((sheet, first))
    assert len(starts) > 20
    bad = [(s, f) for s, f in starts if not any(f.startswith(t) for t in titles[s])]
    assert not bad, bad
    firsts = {}
    for s, f in starts:
        firsts.setdefault(s, f)
    assert all(f.startswith(book_sheet.cells[(0, 0)].value) for book_sheet in book.sheets
               if (f := firsts.get(book_sheet.name)) is not None)


# The books a class gets, and the smallest type (points) every page of each must print.
READABLE = {"hello": (dict(word="hello"), None, 8), "lstm-hello": (dict(word="lstm-hello"), None, 8),
            "gru-hello": (dict(word="gru-hello"), None, 8),
            "hello-feedforward": (dict(word="hello", model="feedforward"), None, 8),
            "hello-exercise": (dict(word="hello"), "exercise", 8),
            "hello-world": (dict(word="hello-world"), None, 7), "vanishing": (dict(word="vanishing"), None, 7)}
# Printed as .ods too: LibreOffice ignored every row break of the .ods (odfpy had left their style out),
# so hello.ods's Gradient check left a band's total alone on a page, and vanishing.ods's Gradient flow
# chart straddled a page, a 5.7 pt fragment of its axis title at the foot of the first.
PRINTED_ODS = ("hello", "vanishing")


@pytest.mark.slow      # the fast tier stays under 30 s; the whole suite runs it
def test_every_sheet_prints_at_a_readable_scale_and_wide_ones_go_across():
    for name, (kw, _, _) in READABLE.items():
        for sheet in build(make_scenario(**kw)).book.sheets:
            assert pages.scale(sheet) >= pages.MIN_SCALE, (name, sheet.name)
            widths = [pages.column_points(pages.column_width(sheet, c)) for c in range(sheet.extent[1])]
            edges = [0] + pages.column_breaks(sheet) + [len(widths)]
            for a, b in zip(edges, edges[1:]):      # every page across holds what it prints
                assert sum(widths[a:b]) * pages.scale(sheet) <= pages.printable()[0], (name, sheet.name, a, b)


def test_charts_sit_below_the_bands_they_draw():
    book = build(make_scenario("hello")).book
    for sheet in book.sheets:
        for chart in sheet.charts:
            assert chart.anchor[1] == 1, sheet.name
            above = [b for b in sheet.bands if b[1] < chart.anchor[0]]
            assert above and not any(b[0] <= chart.anchor[0] <= b[1] for b in sheet.bands), sheet.name


@pytest.mark.libreoffice
def test_every_page_of_a_class_book_prints_readable_type(tmp_path):
    """LibreOffice prints each book (Carlito standing in for Calibri); type size = word-box height /
    1.3 on every page (rnn_sheet.checking.printed), and no page is near-blank."""
    require_soffice()
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    if not subprocess.run(["fc-list", "Carlito"], capture_output=True, text=True).stdout.strip():
        pytest.skip("the Carlito font (fonts-crosextra-carlito) is not installed")
    paths, least_of = [], {}
    for name, (kw, exercise, least) in READABLE.items():
        built = build(make_scenario(**kw))
        book = make_exercise(built, parse_steps(None, built.layout.T))[0] if exercise else built.book
        paths.append(tmp_path / f"{name}.xlsx")
        write_xlsx(book, paths[-1])
        if name in PRINTED_ODS:
            paths.append(tmp_path / f"{name}-ods.ods")       # its own PDF's name
            write_ods(book, paths[-1])
        least_of.update({p.name: least for p in paths[-2:]})
    small, blank = [], []
    for path, pdf in zip(paths, recalc.convert(paths, tmp_path / "pdf", to="pdf")):
        name, least = path.name, least_of[path.name]
        found = printed.pages(pdf)
        assert len(found) > 10, name
        small += [(name, p.number, p.sheet, p.smallest) for p in found if p.words and p.smallest < least]
        # No page holds only its header and footer or a scrap: vanishing printed 10 blank pages beside
        # its wide bands, and pages with a matrix's last column or a band's last rows.
        blank += [(name, p.number, p.sheet, p.body) for p in found if p.near_blank]
    assert not small, small
    assert not blank, blank


def test_a_wide_sheet_prints_only_the_pages_across_that_hold_something(tmp_path):
    """A band wider than a page, then narrow ones: the print area is two ranges, the second ending
    at the first page's last column, so no blank page prints beside the narrow bands (vanishing
    printed ten); the .xlsx holds both ranges."""
    sheet = Sheet("Wide", "forward", width=3)
    for c in range(1, 30):
        sheet.cells[(1, c)] = Cell(Kind.CONST, float(c), style="const")
    for r in range(3, 120):
        sheet.cells[(r, 1)] = Cell(Kind.CONST, float(r), style="const")
    sheet.bands = [(0, 1), (3, 40), (42, 80), (82, 119)]
    across, downs = pages.column_breaks(sheet), pages.row_breaks(sheet)
    assert across and downs
    ranges = pages.print_ranges(sheet)
    assert ranges == [(0, downs[0] - 1, 29), (downs[0], 119, across[0] - 1)]
    path = tmp_path / "wide.xlsx"
    write_xlsx(Book([sheet], {}, {}), path)
    assert openpyxl.load_workbook(path)["Wide"].print_area == (
        f"'Wide'!$A$1:$AD${downs[0]},'Wide'!$A${downs[0] + 1}:${col_name(across[0] - 1)}$120")


def test_no_page_holds_only_a_small_band_between_two_that_fill_pages():
    """Two bands that each nearly fill a page, a 3-row band between them: the greedy breaks leave it
    alone on a page; the break before it moves up between the first band's lines instead."""
    sheet = Sheet("Scrap", "training", width=3)
    per_page = int(capacity(sheet) // pages.ROW_HEIGHT)
    first, small = (0, per_page - 2), (per_page, per_page + 2)
    last = (per_page + 4, 2 * per_page + 1)
    more = [(a, a + per_page - 3) for a in range(2 * per_page + 3, 6 * per_page, per_page)]  # no shrinking
    for a, b in (first, small, last, *more):
        for r in range(a, b + 1):
            sheet.cells[(r, 1)] = Cell(Kind.CONST, float(r), style="const")
        sheet.cells[(a, 0)] = Cell(Kind.LABEL, "band", style="band")
    for r in range(6, first[1], 6):             # the first band's lines: caption rows after a blank one
        del sheet.cells[(r - 1, 1)]
        sheet.cells[(r, 2)] = Cell(Kind.LABEL, "caption", style="caption")
    sheet.bands = [first, small, last, *more]
    assert pages.scale(sheet) == 1
    brks = pages.row_breaks(sheet)
    heights = pages.row_heights(sheet)
    edges = [0] + brks + [len(heights)]
    assert all(sum(heights[a:b]) >= capacity(sheet) / 4 for a, b in zip(edges, edges[1:])), brks
    assert all(sum(heights[a:b]) <= capacity(sheet) for a, b in zip(edges, edges[1:])), brks
    assert last[0] in brks                       # the last band still starts its own page
