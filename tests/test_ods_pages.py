""".ods printed pages: the row and column breaks LibreOffice must see (no LibreOffice needed; the
print test, test_print.py, prints .ods books too)."""
import re
import zipfile

import pytest

from rnn_sheet.model.scenario import make_scenario
from rnn_sheet.sheets import build
from rnn_sheet.writers.ods import write_ods


@pytest.mark.slow
def test_a_column_that_starts_a_printed_page_is_not_repeated(tmp_path):
    """A column style that breaks before it, given to a run of repeated columns, breaks before each:
    vanishing's Parameters printed one column of Wxh a page (1,079 pages, 679 near blank)."""
    from rnn_sheet.workbook.pages import column_breaks
    built = build(make_scenario("thequickbrownfoxjumpsoverthelazydog", model="standard"))
    write_ods(built.book, tmp_path / "wide.ods")
    wide = [s for s in built.book.sheets if list(column_breaks(s))]
    assert wide, "no sheet prints two pages wide: the test shows nothing"
    content = zipfile.ZipFile(tmp_path / "wide.ods").read("content.xml").decode()
    breaking = set(re.findall(r'style:name="(co\d+)" style:family="table-column"[^>]*><style:table-column-properties'
                              r'[^>]*fo:break-before="page"', content))
    assert breaking
    columns = re.findall(r'<table:table-column table:style-name="(co\d+)"( table:number-columns-repeated)?', content)
    assert [c for c, repeated in columns if c in breaking and repeated] == []
    assert len([c for c, _ in columns if c in breaking]) == sum(len(list(column_breaks(s))) for s in built.book.sheets)


def test_every_style_a_document_names_is_in_it(tmp_path):
    """odfpy writes an automatic style only where an element of its tree names it, and the rows are
    prepared XML it cannot see: the rows' page-break style was left out, and LibreOffice ignored every
    row break (hello.ods's Gradient check printed a band's total alone on a page)."""
    built = build(make_scenario("hello"))
    write_ods(built.book, tmp_path / "hello.ods")
    with zipfile.ZipFile(tmp_path / "hello.ods") as z:
        content, styles = z.read("content.xml").decode(), z.read("styles.xml").decode()
    defined = set(re.findall(r'style:name="([^"]+)"', content + styles))
    named = set(re.findall(r'(?:table|draw|text|style|chart):(?:style-name|data-style-name|text-style-name)="([^"]+)"',
                           content))
    assert "ro_break" in named
    assert named - defined == set()
