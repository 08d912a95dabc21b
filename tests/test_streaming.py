"""Large workbooks are written sheet by sheet: the Book renders a sheet when a writer asks for it and
lets it go after; the .xlsx writer prepares each sheet's rows itself, as XlsxWriter would write them.
(Time and memory are measured in benchmarks/bench.py --largest, not here.)"""
import subprocess
import sys
import weakref
import zipfile

import numpy as np
import pytest
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from conftest import cli_env
from rnn_sheet.model.engine import backward, forward
from rnn_sheet.model.scenario import make_scenario
from rnn_sheet.sheets import build, render
from rnn_sheet.workbook.book import Book, Cell, Chart, Heatmap, Kind, Sheet
from rnn_sheet.workbook.grid import Block
from rnn_sheet.workbook.styles import STYLES
from rnn_sheet.writers.ods import write_ods
from rnn_sheet.writers.spool import Spool
from rnn_sheet.writers.xlsx import EPOCH, write_xlsx


@pytest.mark.parametrize("writer", [write_xlsx, write_ods])
def test_a_writer_holds_one_rendered_sheet_at_a_time(writer, tmp_path, monkeypatch):
    rendered, most = [], []

    def alive():
        return sum(ref() is not None for ref in rendered)

    def counted(*args):
        most.append(alive())          # sheets still alive when the next one is rendered
        sheet = render_sheet(*args)
        rendered.append(weakref.ref(sheet))
        return sheet
    render_sheet = render.render_sheet
    monkeypatch.setattr(render, "render_sheet", counted)
    book = build(make_scenario("hello", epochs=2, generate=3)).book
    writer(book, tmp_path / ("out.xlsx" if writer is write_xlsx else "out.ods"))
    assert len(most) == len(book) > 10
    assert max(most) <= 1 and alive() == 0           # the one just written, and none kept


def test_a_block_on_another_sheet_is_answered_without_rendering_it():
    built = build(make_scenario("hello"))
    book, vocab = built.book, built.layout["vocab"]         # Step sheets chart p_t over the vocabulary
    alone = book.block_cells(vocab)
    assert not any(isinstance(s, Sheet) for s in book._sheets)      # nothing rendered and kept
    full = book.sheet("Parameters").cells
    assert [(c.kind, c.value, c.formula, c.style) for c in alone] == \
           [(full[p].kind, full[p].value, full[p].formula, full[p].style) for p in vocab.positions()]


def test_engine_keeps_only_the_steps_asked_for_and_the_same_sums():
    sc = make_scenario("hello", model="standard", use_template=False)
    F = forward(sc.params, sc.inputs, sc.targets)
    every, some = backward(sc.params, F), backward(sc.params, F, keep_steps=[0, 3])
    for name in sc.params.names:
        assert np.array_equal(every.grads[name], some.grads[name])
        assert sorted(some.steps[name]) == [0, 3]
        assert np.array_equal(some.steps[name][3], every.steps[name][3])
    assert backward(sc.params, F, keep_steps=False).steps == {"Wxh": {}, "Whh": {}, "bh": {}, "Why": {}, "by": {}}


@pytest.mark.slow      # the fast tier stays under 30 s; the whole suite runs it
def test_a_refusal_found_while_writing_leaves_nothing_behind(tmp_path):
    setup = "import rnn_sheet.sheets.render as r; r.MAX_FORMULA = 1000"     # a small book's sums refused
    code = f"{setup}\nfrom rnn_sheet.cli import run\nrun()"
    r = subprocess.run([sys.executable, "-c", code, "build", "ab" * 40, "--layout", "detailed", "--format", "all",
                        "--out", "new/folder/"], capture_output=True, text=True, cwd=tmp_path, env=cli_env())
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "use --layout compact" in r.stderr
    assert list(tmp_path.iterdir()) == []


# --- the rows, as XlsxWriter writes them --------------------------------------------------------------

def _every_kind():
    """A sheet with every kind of cell, a merged caption with a cell under it, notes (one on an empty
    row), outline rows (some empty), a heatmap and a chart of another sheet's cells."""
    data = Sheet("Data", "forward", width=6, header_rows=1, merges=[(0, 1, 4), (3, 0, 2)],
                 outline=[(5, 9)], bands=[(0, 4), (5, 9)])
    c = data.cells
    c[(0, 0)] = Cell(Kind.LABEL, "Title & <more>", None, "title")
    c[(0, 1)] = Cell(Kind.LABEL, "a merged caption", None, "caption")
    c[(0, 3)] = Cell(Kind.LABEL, "under the caption", None, "label")
    c[(1, 1)] = Cell(Kind.INPUT, 1.5, None, "input")
    c[(1, 2)] = Cell(Kind.INPUT, "h", None, "input_text")
    c[(1, 3)] = Cell(Kind.CONST, 1, None, "const")
    c[(1, 4)] = Cell(Kind.CONST, 2.0, None, "const")
    c[(2, 1)] = Cell(Kind.FORMULA, 0.25, "B2/6", "calc")
    c[(2, 2)] = Cell(Kind.FORMULA, "h", 'IF(B2<1,"a&b",C2)', "calc_text")
    c[(2, 3)] = Cell(Kind.FORMULA, "", "D2>0", "calc")
    c[(2, 4)] = Cell(Kind.FORMULA, True, "E2>1", "calc")
    c[(2, 5)] = Cell(Kind.FORMULA, "#N/A", "NA()", "calc")
    c[(3, 0)] = Cell(Kind.FORMULA, "x", '"x"', "calc_text")       # a merge on a formula: not merged
    c[(4, 1)] = Cell(Kind.BLANK, None, None, "answer")
    c[(4, 2)] = Cell(Kind.FORMULA, 1e-300, "B2*1E-300", "calc_sci")
    c[(4, 3)] = Cell(Kind.FORMULA, 3, "1+2", "calc_int")
    for r in (6, 8):
        c[(r, 1)] = Cell(Kind.FORMULA, float(r), f"{r}", "link")
    data.notes = {(0, 0): "a note\non the title", (2, 1): "p = b / 6", (7, 3): "a note on an empty row"}
    data.heatmaps = [Heatmap(Block("Data", 2, 1, 1, 2), "diverging", 2.0)]
    other = Sheet("Other sheet", "summary", width=3)
    other.cells.update({(i, 0): Cell(Kind.CONST, i, None, "const") for i in range(3)})
    other.cells.update({(i, 1): Cell(Kind.FORMULA, i / 2, f"A{i + 1}/2", "calc") for i in range(3)})
    data.charts = [Chart("a chart", Block("Other sheet", 0, 0, 3, 1), Block("Other sheet", 0, 1, 3, 1), (10, 1), (8, 4))]
    return Book([data, other], {"p": Block("Data", 2, 1)}, {"title": "t", "subject": "s", "comments": "c"})


class _Plain(Worksheet):
    def _prepare_formula(self, formula, expand_future_functions=False):
        return formula[1:]


def _as_xlsxwriter_writes_it(book, path):
    """The book through XlsxWriter's own cell methods, as rnn-sheet wrote every sheet before it
    wrote rows itself."""
    from rnn_sheet.writers import xlsx
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                         "strings_to_urls": False, "in_memory": True})
    wb.set_properties({**book.properties, "created": EPOCH})
    wb.set_calc_mode("auto")
    formats = {name: wb.add_format(spec) for name, spec in STYLES.items()}
    for sheet in book.sheets:
        ws = wb.add_worksheet(sheet.name, worksheet_class=_Plain)
        for col in range(sheet.extent[1]):
            ws.set_column(col, col, xlsx.column_width(sheet, col))
        merged = {(r, c): n for r, c, n in sheet.merges}
        for (row, col), cell in sorted(sheet.cells.items()):
            fmt = formats[cell.style]
            if cell.kind is Kind.FORMULA:
                ws.write_formula(row, col, "=" + cell.formula, fmt, cell.value)
            elif cell.kind is Kind.BLANK:
                ws.write_blank(row, col, None, fmt)
            elif (row, col) in merged and isinstance(cell.value, str):
                ws.merge_range(row, col, row, col + merged[(row, col)] - 1, cell.value, fmt)
            elif isinstance(cell.value, str):
                ws.write_string(row, col, cell.value, fmt)
            else:
                ws.write_number(row, col, cell.value, fmt)
        xlsx._decorate(ws, sheet)
        xlsx._print_setup(ws, sheet)
        for spec in sheet.charts:       # the charts are XlsxWriter's own, made as ours are (this is about rows)
            xlsx._add_chart(wb, ws, spec, book, sheet)
    for name, block in sorted(book.names.items()):
        wb.define_name(name, "=" + block.range(absolute=True))
    wb.close()


def test_rows_are_written_as_xlsxwriter_writes_them(tmp_path):
    book = _every_kind()
    write_xlsx(book, tmp_path / "ours.xlsx")
    _as_xlsxwriter_writes_it(book, tmp_path / "theirs.xlsx")
    ours, theirs = zipfile.ZipFile(tmp_path / "ours.xlsx"), zipfile.ZipFile(tmp_path / "theirs.xlsx")
    assert ours.namelist() == theirs.namelist()
    for name in theirs.namelist():
        assert ours.read(name) == theirs.read(name), name
    assert b'<mergeCell ref="B1:E1"/>' in ours.read("xl/worksheets/sheet1.xml")
    assert (tmp_path / "ours.xlsx").read_bytes() == (tmp_path / "theirs.xlsx").read_bytes()


def test_the_spool_gives_back_what_it_was_given_in_place_of_its_markers():
    with Spool() as spool:
        first = spool.put(["<row>é", "😀</row>"])
        second = spool.put(["<row>ü</row>" * 3])
        text = f"<a>{first}</a><b>{second}{first}</b>"
        for chunk in (1, 2, 5, 1 << 20):         # pieces cut inside a character are joined back whole
            assert "".join(spool.splice(text, chunk)) == \
                "<a><row>é😀</row></a><b>" + "<row>ü</row>" * 3 + "<row>é😀</row></b>"
