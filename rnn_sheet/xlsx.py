"""Write a Book as .xlsx with XlsxWriter: formulas with their cached values, styles, names."""
import datetime

import xlsxwriter

from .styles import STYLES, column_width

# Fixed document timestamps: the same inputs give a byte-identical file.
EPOCH = datetime.datetime(2000, 1, 1)


def write_xlsx(book, path):
    wb = xlsxwriter.Workbook(str(path), {
        # User text (letters, words) must never become a formula, number or link.
        "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
    })
    wb.set_properties({**book.properties, "created": EPOCH})
    wb.set_calc_mode("auto")
    formats = {name: wb.add_format(spec) for name, spec in STYLES.items()}
    for sheet in book.sheets:
        _write_sheet(wb.add_worksheet(sheet.name), sheet, formats)
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
