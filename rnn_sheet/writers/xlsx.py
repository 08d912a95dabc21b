"""Write a Book as .xlsx with XlsxWriter: formulas with their cached values, styles, names."""
import datetime

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from ..workbook.book import Kind
from ..workbook.pages import row_breaks
from ..workbook.styles import STYLES, TAB_COLORS, column_width, heat_spec

# Fixed document timestamps: the same inputs give a byte-identical file.
EPOCH = datetime.datetime(2000, 1, 1)


class PlainFormulaWorksheet(Worksheet):
    """XlsxWriter runs ~30 regular expressions over every formula to prefix Excel 365 functions
    (_xlfn.); that is 95% of its time per formula. Ours use only classic functions (a test checks
    sheets.quantity.ALLOWED), so the text can go into the file as it is: about 20x faster."""

    def _prepare_formula(self, formula, expand_future_functions=False):
        return formula[1:] if formula.startswith("=") else formula


def write_xlsx(book, path, progress=None):
    wb = xlsxwriter.Workbook(str(path), {
        # User text (letters, words) must never become a formula, number or link.
        "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
    })
    wb.set_properties({**book.properties, "created": EPOCH})
    wb.set_calc_mode("auto")
    formats = {name: wb.add_format(spec) for name, spec in STYLES.items()}
    for n, sheet in enumerate(book.sheets, 1):
        if progress:
            progress(n - 1, len(book.sheets))
        ws = wb.add_worksheet(sheet.name, worksheet_class=PlainFormulaWorksheet)
        _write_sheet(ws, sheet, formats)
        _decorate(ws, sheet)
        _print_setup(ws, sheet)
        for chart in sheet.charts:
            _add_chart(wb, ws, chart)
    for name, block in sorted(book.names.items()):
        wb.define_name(name, "=" + block.range(absolute=True))
    wb.close()


def _write_sheet(ws, sheet, formats):
    for col in range(sheet.extent[1]):      # charts too: the print area must hold them
        ws.set_column(col, col, column_width(sheet, col))
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


def _decorate(ws, sheet):
    """What helps the eye and changes no value: tab colour, frozen title, outline, notes, heatmaps."""
    if sheet.kind in TAB_COLORS:
        ws.set_tab_color(TAB_COLORS[sheet.kind])
    if sheet.header_rows:
        ws.freeze_panes(sheet.header_rows, 0)
    _outline(ws, sheet)
    for (row, col), text in sorted(sheet.notes.items()):
        ws.write_comment(row, col, text, {"author": "rnn-sheet", "x_scale": 2.5, "y_scale": 1.2})
    for heat in sheet.heatmaps:
        ws.conditional_format(heat.block.row, heat.block.col, *heat.block.last, heat_spec(heat))


def _outline(ws, sheet):
    """Row groups, expanded; each band's title above its group is the summary row that keeps the
    button, so a folded band still says what it holds."""
    if not sheet.outline:
        return
    ws.outline_settings(True, False, True, False)
    for first, last in sheet.outline:
        for row in range(first, last + 1):
            ws.set_row(row, None, None, {"level": 1})


def _print_setup(ws, sheet):
    """Handouts: landscape, one page wide, sheet name and page number on every page, and page breaks
    between bands so that none is cut (pages.row_breaks). Value cells have borders, so gridlines stay
    off on screen and paper."""
    rows, cols = sheet.extent
    ws.print_area(0, 0, rows - 1, cols - 1)
    ws.hide_gridlines(2)
    ws.set_landscape()
    ws.set_paper(9)                 # A4
    ws.fit_to_pages(1, 0)
    ws.set_h_pagebreaks(row_breaks(sheet))
    ws.set_header("&L&A")
    ws.set_footer("&Lrnn-sheet&RPage &P of &N")


def _add_chart(wb, ws, spec):
    categories = "=" + spec.categories.range(absolute=True)
    series = [{"name": name, "categories": categories, "values": "=" + block.range(absolute=True)}
              for name, block in spec.series]
    if spec.type == "bar":
        chart = wb.add_chart({"type": "column"})
        for s in series:
            chart.add_series({**s, "fill": {"color": "#2F75B5"}, "gap": 60})
    else:
        chart = wb.add_chart({"type": "line"})
        for s in series:
            chart.add_series({**s, "marker": {"type": "circle"}})
    chart.set_title({"name": spec.title})
    chart.set_x_axis({"name": spec.x_title})
    y_axis = {"name": spec.y_title}
    if spec.type == "bar":
        y_axis["min"] = 0           # bars from zero: an auto-scaled axis exaggerates small differences
    chart.set_y_axis(y_axis)
    chart.set_legend({"position": "bottom"} if spec.more else {"none": True})
    ws.insert_chart(*spec.anchor, chart)
