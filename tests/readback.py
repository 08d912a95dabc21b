"""Reading a written workbook back, for the tests alone: the cells it stores as formulas, its values, and
each defined name's block (openpyxl, .xlsx). What the package itself reads is rnn_sheet/checking/read.py."""
import numpy as np
import openpyxl

from rnn_sheet.checking.read import read_workbook, xlsx_names


def formula_cells(path):
    """{(sheet, "A1"): formula text} of the cells a file stores as formulas."""
    return read_workbook(path).formulas


def cell_values(path, cells=None):
    """{(sheet, "A1"): value} of every cell, or of `cells`."""
    wb = openpyxl.load_workbook(path, data_only=True)
    if cells is None:
        return {(ws.title, c.coordinate): c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row}
    return {(s, coord): wb[s][coord].value for s, coord in cells}


def block_values(wb, block):
    """The values of a Block in an openpyxl workbook, as rows."""
    ws = wb[block.sheet]
    return [[ws.cell(row=r + 1, column=c + 1).value for c in range(block.col, block.col + block.ncols)]
            for r in range(block.row, block.row + block.nrows)]


def read_named(path):
    """Every defined name's cells as a 2-D object array (rows x cols)."""
    wb = openpyxl.load_workbook(path, data_only=True)
    return {name: np.array(block_values(wb, block), dtype=object) for name, block in xlsx_names(wb).items()}
