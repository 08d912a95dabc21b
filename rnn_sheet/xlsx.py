"""Write a Book as .xlsx with XlsxWriter: formulas with their cached values, styles, names."""
import datetime

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from .styles import STYLES, column_width

# Fixed document timestamps: the same inputs give a byte-identical file.
EPOCH = datetime.datetime(2000, 1, 1)


class PlainFormulaWorksheet(Worksheet):
    """XlsxWriter runs ~30 regular expressions over every formula to prefix Excel 365 functions
    (_xlfn.); that is 95% of its time per formula. Ours use only classic functions (a test checks
    formulas.ALLOWED), so the text can go into the file as it is: about 20x faster."""

    def _prepare_formula(self, formula, expand_future_functions=False):
        return formula[1:] if formula.startswith("=") else formula


def write_xlsx(book, path):
    wb = xlsxwriter.Workbook(str(path), {
        # User text (letters, words) must never become a formula, number or link.
        "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
    })
    wb.set_properties({**book.properties, "created": EPOCH})
    wb.set_calc_mode("auto")
    formats = {name: wb.add_format(spec) for name, spec in STYLES.items()}
    for sheet in book.sheets:
        ws = wb.add_worksheet(sheet.name, worksheet_class=PlainFormulaWorksheet)
        _write_sheet(ws, sheet, formats)
        _print_setup(ws, sheet)
        for chart in sheet.charts:
            _add_chart(wb, ws, chart)
    for name, ref in sorted(book.names.items()):
        wb.define_name(name, "=" + ref)
    wb.close()


def _write_sheet(ws, sheet, formats):
    for col in range(sheet.width):
        ws.set_column(col, col, column_width(sheet, col))
    for (row, col), cell in sorted(sheet.cells.items()):
        fmt = formats[cell.style]
        if cell.kind == "formula":
            ws.write_formula(row, col, "=" + cell.formula, fmt, cell.value)
        elif isinstance(cell.value, str):
            ws.write_string(row, col, cell.value, fmt)
        else:
            ws.write_number(row, col, cell.value, fmt)


def _print_setup(ws, sheet):
    """Handouts: landscape, one page wide, sheet name and page number on every page."""
    ws.set_landscape()
    ws.set_paper(9)                 # A4
    ws.fit_to_pages(1, 0)
    ws.set_header("&L&A")
    ws.set_footer("&Lrnn-sheet&RPage &P of &N")


def _add_chart(wb, ws, spec):
    chart = wb.add_chart({"type": "line"})
    chart.add_series({"name": spec["title"], "categories": "=" + spec["categories"],
                      "values": "=" + spec["values"], "marker": {"type": "circle"}})
    chart.set_title({"name": spec["title"]})
    chart.set_x_axis({"name": spec.get("x_title", "")})
    chart.set_y_axis({"name": spec.get("y_title", "")})
    chart.set_legend({"none": True})
    ws.insert_chart(*spec["anchor"], chart)
