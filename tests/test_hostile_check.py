"""`check` reads files users hand it in bounded memory and time: a cell repeated a billion times, a
sheet of millions of cells, a name over a whole sheet or a far cell are refused or read without
walking what they declare, before LibreOffice starts. Letters picked from scores that tie within
rounding are not a disagreement."""
import re
import time
import tracemalloc
import zipfile

import numpy as np
import pytest

from conftest import run_cli
from rnn_sheet.checking import compare, read
from rnn_sheet.checking.read import read_workbook
from test_cli import assert_one_line_error


@pytest.fixture(scope="module")
def hello(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-check")
    assert run_cli("build", "hello", "--format", "all", "--out", folder).returncode == 0
    return folder


def _rezip(src, dest, edit):
    with zipfile.ZipFile(src) as z:
        files = {n: z.read(n) for n in z.namelist()}
    edit(files)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
        if "mimetype" in files:
            z.writestr(zipfile.ZipInfo("mimetype"), files.pop("mimetype"))
        for name, data in files.items():
            z.writestr(name, data)
    return dest


def _sheet_part(files, sheet):
    names = re.findall(r'<sheet name="([^"]+)"', files["xl/workbook.xml"].decode())
    return f"xl/worksheets/sheet{names.index(sheet) + 1}.xml"


def ods_bomb(src, dest):
    """One number repeated over every column of a million rows (a few bytes in the file)."""
    bomb = ('<table:table table:name="Bomb"><table:table-row table:number-rows-repeated="1048576">'
            '<table:table-cell table:number-columns-repeated="16384" office:value-type="float" '
            'office:value="1"><text:p>1</text:p></table:table-cell></table:table-row></table:table>')

    def edit(files):
        content = files["content.xml"].decode()
        end = content.rindex("</table:table>") + len("</table:table>")
        files["content.xml"] = (content[:end] + bomb + content[end:]).encode()
    return _rezip(src, dest, edit)


def test_a_repeated_cell_bomb_is_refused_in_bounded_memory(hello, tmp_path):
    bomb = ods_bomb(hello / "hello.ods", tmp_path / "bomb.ods")
    tracemalloc.start()
    started = time.monotonic()
    r = run_cli("check", bomb)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert_one_line_error(r, "more than 4,000,000 cells")
    assert peak < 100 << 20 and time.monotonic() - started < 20, (peak, time.monotonic() - started)


def test_a_sheet_of_too_many_cells_is_refused_before_it_is_parsed(hello, tmp_path, monkeypatch):
    monkeypatch.setattr(read, "MAX_CELLS", 50_000)      # the same count, on a file a test can afford

    def edit(files):
        part = _sheet_part(files, "Step 2")
        rows = "".join(f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><v>1</v></c>' for c in "ABCDEFGHIJ") + "</row>"
                       for r in range(1, 6001))
        files[part] = re.sub(r"<sheetData>.*</sheetData>", f"<sheetData>{rows}</sheetData>",
                             files[part].decode(), flags=re.S).encode()
    bomb = _rezip(hello / "hello.xlsx", tmp_path / "cells.xlsx", edit)
    assert_one_line_error(run_cli("check", bomb), "more than 50,000 cells")


def test_a_name_over_a_whole_sheet_is_refused(hello, tmp_path):
    def edit(files):
        files["xl/workbook.xml"] = re.sub(r"(<definedName name=\"loss\">)[^<]*", r"\1Training!$A$1:$XFD$1048576",
                                          files["xl/workbook.xml"].decode()).encode()
    forged = _rezip(hello / "hello.xlsx", tmp_path / "forged.xlsx", edit)
    assert_one_line_error(run_cli("check", forged), "defined names span more than")


def test_a_far_cell_is_read_without_walking_the_used_range(hello, tmp_path):
    def edit(files):
        part = _sheet_part(files, "Step 2")
        xml = files[part].decode().replace("</sheetData>", '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
                                           "</sheetData>")
        files[part] = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', xml).encode()
    far = _rezip(hello / "hello.xlsx", tmp_path / "far.xlsx", edit)
    started = time.monotonic()
    book = read_workbook(far)
    assert time.monotonic() - started < 5
    assert book.formulas == read_workbook(hello / "hello.xlsx").formulas


def test_letters_picked_from_tied_scores_are_no_disagreement(hello):
    """Step 1's scores made to tie within rounding (as with every Wxh at 1e6): LibreOffice's letter
    may be another than the engine's, and that is not a mismatch; a letter that differs where the
    scores do not tie still is."""
    book = read_workbook(hello / "hello.xlsx")
    pred = [k for k, f in book.formulas.items() if f.startswith("=INDEX(") and "MATCH(MAX(" in f]
    tied_cell = next(k for k in pred if k[0] == "Step 1")
    scores = read.parse_range(compare.ARGMAX.fullmatch(book.formulas[tied_cell])[2], "Step 1")
    fresh = read.Values({(s, *read.parse_a1(c)): v for (s, c), v in book.cached.items()})
    fresh.sheets = frozenset(s for s, _ in book.formulas)
    for k, (r, c) in enumerate(scores.positions()):
        value = 0.4 if k < 2 else 0.1
        book.cached[(scores.sheet, read.a1(r, c))] = value
        fresh[(scores.sheet, r, c)] = value * (1 + 1e-15 * (k == 1))
    other = [(s, *read.parse_a1(c)) for s, c in pred if (s, c) != tied_cell][0]
    fresh[(tied_cell[0], *read.parse_a1(tied_cell[1]))] = "x"
    fresh[other] = "x"
    rep = compare.compare_cached(book, fresh)
    assert [m[0] for m in rep.mismatches] == [read.cell_name(other[0], read.a1(*other[1:]))]
    assert np.isfinite(rep.max_cached_diff)


@pytest.mark.slow       # an openpyxl round trip of a book: over a second
def test_a_sheet_name_with_an_apostrophe_is_read_as_the_spec_quotes_it(hello, tmp_path):
    import openpyxl
    wb = openpyxl.load_workbook(hello / "hello.xlsx")
    wb["Step 2"].title = "Bob's step"
    for dn in wb.defined_names.values():
        dn.attr_text = dn.attr_text.replace("'Step 2'!", "'Bob''s step'!")
    wb.save(tmp_path / "renamed.xlsx")
    book = read_workbook(tmp_path / "renamed.xlsx")
    assert book.names["h_2"].sheet == "Bob's step"
    assert any(s == "Bob's step" for s, _ in book.formulas)


@pytest.mark.parametrize("args, words", [
    (["grade", "--csv", "sub.xlsx", "other.xlsx"], ["names a workbook"]),
    (["grade", "--csv", "marks.ODS", "other.xlsx"], ["names a workbook"]),
    (["grade", "--csv", "./marks.csv", "other.xlsx", "marks.csv"], ["is one of the files to grade"]),
])
def test_grade_csv_never_overwrites_a_workbook_or_a_submission(tmp_path, args, words):
    (tmp_path / "sub.xlsx").write_bytes(b"a student's work")
    r = run_cli(*args, cwd=tmp_path)
    assert_one_line_error(r, *words)
    assert (tmp_path / "sub.xlsx").read_bytes() == b"a student's work"


def test_gradebook_headers_are_text_whatever_the_sheet_names():
    from rnn_sheet.checking import grade as grading
    from rnn_sheet.checking import gradebook
    marks = [grading.Mark("@SUM(1+1): h_t", True), grading.Mark("=cmd|'/C calc'!A0: y_t", False, why="empty")]
    text = gradebook.csv_text([grading.Graded("a.xlsx", marks, "x", "x")])
    header = text.splitlines()[0].split(",")
    assert header[len(gradebook.COLUMNS):] == ["'@SUM(1+1): h_t", "'=cmd|'/C calc'!A0: y_t"]


def test_sizes_read_from_a_file_are_held_to_builds_limits(hello):
    """A forged loss_epochs over 100,000 rows would have the engine train 99,999 epochs."""
    from rnn_sheet.checking.check import scenario_of
    from rnn_sheet.model.scenario import InputError
    book = read_workbook(hello / "hello.xlsx")
    named = {n: np.array(v, dtype=object) for n, v in book.inputs.items()}
    named["loss_epochs"] = np.zeros((100_000, 1), dtype=object)
    named["Why"] = np.array(book.inputs["Why"], dtype=object)
    started = time.monotonic()
    with pytest.raises(InputError, match=r"its epochs \(99,999\) are more than build allows \(1,000\)"):
        scenario_of(book, named)
    assert time.monotonic() - started < 2
