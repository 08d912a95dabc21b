"""Read a workbook back, ours or saved by another program: every formula with its cached value, and
the defined names. .ods with ElementTree (odfpy is too slow for workbooks of 100k cells), .xlsx with
openpyxl."""
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path

from odf.namespaces import OFFICENS, TABLENS, TEXTNS

from ..workbook.grid import a1, parse_range, quote_sheet

# LibreOffice pads saved sheets with ~1M repeated empty rows and ~1K repeated empty columns;
# repeats of cells that hold something are expanded only up to this many.
MAX_REPEAT = 10_000
ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"

_T, _O, _X = f"{{{TABLENS}}}", f"{{{OFFICENS}}}", f"{{{TEXTNS}}}"


@dataclass
class Workbook:
    path: Path
    formulas: dict          # (sheet, "A1") -> formula text
    cached: dict            # (sheet, "A1") -> cached value of that formula cell
    names: dict             # defined name -> Block
    inputs: dict = None     # defined name -> rows of values, for names over cells without formulas


def _inputs(names, formulas, value_of):
    """The values under every name that holds no formula (weights, draws, settings), as the file has
    them: LibreOffice saves a recomputed .xlsx with 15 digits, so the engine reads them from here."""
    out = {}
    for name, block in names.items():
        cells = [(block.sheet, a1(r, c)) for r, c in block.positions()]
        if not any(cell in formulas for cell in cells):
            out[name] = [[value_of(cell) for cell in cells[i * block.ncols:(i + 1) * block.ncols]]
                         for i in range(block.nrows)]
    return out


def read_workbook(path):
    """Formulas, cached values and names of an .xlsx or .ods file (exceptions of zipfile, XML or
    openpyxl when it is damaged)."""
    path = Path(path)
    return _read_xlsx(path) if path.suffix.lower() == ".xlsx" else _read_ods(path)


def cell_name(sheet, coord):
    """How reports name a cell: 'Step 1'!C4."""
    return f"{quote_sheet(sheet)}!{coord}"


# --- .xlsx ---------------------------------------------------------------------------------------

def _read_xlsx(path):
    import openpyxl
    formulas_wb = openpyxl.load_workbook(path, data_only=False)
    values_wb = openpyxl.load_workbook(path, data_only=True)
    formulas, cached = {}, {}
    for ws in formulas_wb.worksheets:
        values = values_wb[ws.title]
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":      # not a text cell that merely starts with "="
                    formulas[(ws.title, c.coordinate)] = c.value
                    cached[(ws.title, c.coordinate)] = values[c.coordinate].value
    names = xlsx_names(formulas_wb)
    inputs = _inputs(names, formulas, lambda cell: values_wb[cell[0]][cell[1]].value if cell[0] in values_wb else None)
    return Workbook(path, formulas, cached, names, inputs)


def xlsx_names(wb):
    """Defined names of an openpyxl workbook as Blocks (the first range of each)."""
    out = {}
    for name, dn in wb.defined_names.items():
        for sheet, ref in dn.destinations:
            out[name] = parse_range(ref, sheet)
            break
    return out


def block_values(wb, block):
    """The values of a Block in an openpyxl workbook, as rows."""
    ws = wb[block.sheet]
    return [[ws.cell(row=r + 1, column=c + 1).value for c in range(block.col, block.col + block.ncols)]
            for r in range(block.row, block.row + block.nrows)]


# --- .ods ----------------------------------------------------------------------------------------

def _read_ods(path):
    with zipfile.ZipFile(path) as z:
        if z.read("mimetype").decode("ascii", "replace").strip() != ODS_MIME:
            raise ValueError("not an OpenDocument spreadsheet")
    cells, names = read_ods(path)
    formulas = {k: f for k, (f, v) in cells.items() if f is not None}
    cached = {k: cells[k][1] for k in formulas}
    return Workbook(path, formulas, cached, names, _inputs(names, formulas, lambda cell: cells.get(cell, (None, None))[1]))


def _text(el):
    parts = [el.text or ""]
    for child in el:
        if child.tag == _X + "s":
            parts.append(" " * int(child.get(_X + "c", "1")))
        elif child.tag == _X + "tab":
            parts.append("\t")
        elif child.tag == _X + "line-break":
            parts.append("\n")
        else:
            parts.append(_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _cell_value(el):
    kind = el.get(_O + "value-type")
    if kind in ("float", "percentage", "currency"):
        return float(el.get(_O + "value"))
    if kind == "boolean":
        return el.get(_O + "boolean-value") == "true"
    if kind in ("date", "time"):
        return el.get(_O + "date-value") or el.get(_O + "time-value")
    paragraphs = el.findall(_X + "p")
    if kind == "string" and el.get(_O + "string-value") is not None:
        return el.get(_O + "string-value")
    if paragraphs:
        return "\n".join(_text(p) for p in paragraphs)
    return None


def read_ods(path):
    """Cells that hold something and the defined names of an .ods:
    ({(sheet, "A1"): (formula or None, value)}, {name: Block})."""
    with zipfile.ZipFile(path) as z:
        root = ET.fromstring(z.read("content.xml"))
    cells = {}
    for tbl in root.iter(_T + "table"):
        name = tbl.get(_T + "name")
        row = 0
        for tr in tbl.iter(_T + "table-row"):
            rows = int(tr.get(_T + "number-rows-repeated", "1"))
            found = _read_row(tr)
            for r in range(row, row + min(rows, MAX_REPEAT) if found else row):
                for c, content in found:
                    cells[(name, a1(r, c))] = content
            row += rows
    names = {}
    for nr in root.iter(_T + "named-range"):
        names[nr.get(_T + "name")] = parse_range(excel_ref(nr.get(_T + "cell-range-address")))
    return cells, names


def _read_row(tr):
    found, col = [], 0
    for tc in tr:
        if tc.tag not in (_T + "table-cell", _T + "covered-table-cell"):
            continue
        cols = int(tc.get(_T + "number-columns-repeated", "1"))
        formula, value = tc.get(_T + "formula"), _cell_value(tc)
        if formula is not None or value is not None:
            found += [(c, (formula, value)) for c in range(col, col + min(cols, MAX_REPEAT))]
        col += cols
    return found


def excel_ref(address):
    """$'Step 1'.$J$9:.$J$12 -> 'Step 1'!$J$9:$J$12 (one sheet per range, as we write them)."""
    first, _, last = address.partition(":")
    sheet, _, cell = first.lstrip("$").rpartition(".")
    out = f"{sheet}!{cell}" if sheet else cell
    if last:
        out += ":" + last.rpartition(".")[2]
    return out

