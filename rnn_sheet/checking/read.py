"""Read a workbook back, ours or saved by another program: every formula with its cached value, and
the defined names. .ods with ElementTree (odfpy is too slow for workbooks of 100k cells), .xlsx with
openpyxl."""
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path

from odf.namespaces import OFFICENS, TABLENS, TEXTNS

from ..workbook.grid import a1, parse_a1, parse_range, quote_sheet

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


# --- bounds ---------------------------------------------------------------------------------------

# A file is read in bounded memory whatever it declares: cells are streamed, and a file with more
# cells than any rnn-sheet workbook (build refuses books over 2,000,000) or an unzipped part larger
# than the largest book's is refused before it is held (a few KB can unzip to gigabytes, or repeat
# one cell a billion times).
MAX_CELLS = 4_000_000
MAX_PART = 1 << 30


class TooLarge(ValueError):
    """A file beyond the bounds above; str(e) says which."""


class _Count:
    def __init__(self, path):
        self.n, self.path = 0, path

    def add(self, n):
        self.n += n
        if self.n > MAX_CELLS:
            raise TooLarge(f"it holds more than {MAX_CELLS:,} cells, more than any rnn-sheet workbook")


def _check_parts(path):
    """Before any part is parsed: no part larger than MAX_PART (as the zip declares it, and as it
    unzips), and for an .xlsx no more cells than MAX_CELLS (counted in the raw XML, a hundred times
    faster than parsing it)."""
    with zipfile.ZipFile(path) as z:
        big = [i for i in z.infolist() if i.file_size > MAX_PART]
        if big:
            raise TooLarge(f"its part {big[0].filename} unzips to {big[0].file_size:,} bytes, more than "
                           "any rnn-sheet workbook's")
        count = _Count(path)
        for info in z.infolist():
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                _count_cells(z, info, count)


def _count_cells(z, info, count, chunk=1 << 20):
    size, tail = 0, b""
    with z.open(info) as src:
        while data := src.read(chunk):
            size += len(data)
            if size > MAX_PART:
                raise TooLarge(f"its part {info.filename} unzips to more than {MAX_PART:,} bytes")
            text = tail + data
            count.add(text.count(b"<c ") + text.count(b"<c>"))
            tail = text[-2:]        # a "<c " split between two chunks is counted with the second


def name_cells(names):
    """Every (sheet, row, col) under the defined names ({name: Block}), refused past MAX_CELLS (a
    forged name can span a whole sheet)."""
    if sum(b.nrows * b.ncols for b in names.values()) > MAX_CELLS:
        raise TooLarge(f"its defined names span more than {MAX_CELLS:,} cells")
    return {(b.sheet, r, c) for b in names.values() for r, c in b.positions()}


class Values(dict):
    """{(sheet, row, col): value} of the cells read, and the sheets the file has."""
    sheets = frozenset()

    def at(self, sheet, coord):
        r, c = parse_a1(coord)
        return self.get((sheet, r, c)) if sheet in self.sheets else "#REF! (sheet lost)"

    def block(self, block):
        """A Block's values as rows (KeyError if its sheet is missing)."""
        if block.sheet not in self.sheets:
            raise KeyError(block.sheet)
        return [[self.get((block.sheet, r, c)) for c in range(block.col, block.col + block.ncols)]
                for r in range(block.row, block.row + block.nrows)]


def sheet_names(path):
    """The sheet names of an .xlsx, in order."""
    wb = _open_xlsx(path)
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def read_values(path, wanted):
    """Values of the cells `wanted` ({(sheet, row, col)}) in an .xlsx, streamed (a recomputed copy)."""
    _check_parts(path)
    wb = _open_xlsx(path)
    try:
        out = Values()
        out.sheets = frozenset(wb.sheetnames)
        for sheet, r, c, value, _ in _xlsx_cells(wb, True, _Count(path), {s for s, _, _ in wanted}):
            if (sheet, r, c) in wanted:
                out[(sheet, r, c)] = value
        return out
    finally:
        wb.close()


# --- .xlsx ---------------------------------------------------------------------------------------

def _open_xlsx(path):
    import openpyxl
    return openpyxl.load_workbook(path, read_only=True, data_only=False)


def _xlsx_cells(wb, data_only, count, sheets=None):
    """(sheet, row, col, value, data type) of each cell the sheets' XML holds (0-based), streamed:
    openpyxl's read-only mode pads every row out to the sheet's declared width, which a single far
    cell makes 16,384 cells wide; its parser gives only the cells there are. With data_only False a
    formula cell's value is its formula text, type "f". `sheets`: only those (all if None)."""
    from openpyxl.worksheet._reader import WorkSheetParser
    for ws in wb.worksheets:
        if sheets is not None and ws.title not in sheets:
            continue
        with ws._get_source() as src:
            parser = WorkSheetParser(src, ws._shared_strings, data_only=data_only, epoch=wb.epoch,
                                     date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
            for _, row in parser.parse():
                count.add(len(row))
                for c in row:
                    yield ws.title, c["row"] - 1, c["column"] - 1, c["value"], c["data_type"]


def _read_xlsx(path):
    _check_parts(path)
    wb = _open_xlsx(path)
    try:
        names = xlsx_names(wb)
        formulas = {}
        for sheet, r, c, value, kind in _xlsx_cells(wb, False, _Count(path)):
            if kind == "f":         # not a text cell that merely starts with "="
                formulas[(sheet, r, c)] = value
        wanted = set(formulas) | name_cells(names)
        values = Values()
        values.sheets = frozenset(wb.sheetnames)
        for sheet, r, c, value, _ in _xlsx_cells(wb, True, _Count(path)):
            if (sheet, r, c) in wanted:
                values[(sheet, r, c)] = value
    finally:
        wb.close()
    cached = {(s, a1(r, c)): values.get((s, r, c)) for s, r, c in formulas}
    formulas = {(s, a1(r, c)): f for (s, r, c), f in formulas.items()}
    inputs = _inputs(names, formulas, lambda cell: values.at(*cell) if cell[0] in values.sheets else None)
    return Workbook(path, formulas, cached, names, inputs)


def xlsx_names(wb):
    """Defined names of an openpyxl workbook as Blocks (the first range of each)."""
    out = {}
    for name, dn in wb.defined_names.items():
        for sheet, ref in dn.destinations:
            # openpyxl leaves a quoted sheet name's apostrophes doubled ('Bob''s'!A1 -> "Bob''s")
            out[name] = parse_range(ref, sheet.replace("''", "'"))
            break
    return out


# --- .ods ----------------------------------------------------------------------------------------

def _read_ods(path):
    with zipfile.ZipFile(path) as z:
        if z.read("mimetype").decode("ascii", "replace").strip() != ODS_MIME:
            raise ValueError("not an OpenDocument spreadsheet")
    cells, names = read_ods(path)
    name_cells(names)
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
    ({(sheet, "A1"): (formula or None, value)}, {name: Block}). content.xml is streamed, each row
    let go once read; repeated cells are counted before they are expanded (TooLarge past MAX_CELLS)."""
    _check_parts(path)
    cells, names, count = {}, {}, _Count(path)
    name, row = None, 0
    with zipfile.ZipFile(path) as z, z.open("content.xml") as src:
        for event, el in ET.iterparse(src, events=("start", "end")):
            if event == "start":
                if el.tag == _T + "table":
                    name, row = el.get(_T + "name"), 0
                continue
            if el.tag == _T + "table-row":
                rows = int(el.get(_T + "number-rows-repeated", "1"))
                found = _read_row(el, count)
                if found:
                    count.add(len(found) * (min(rows, MAX_REPEAT) - 1))
                for r in range(row, row + min(rows, MAX_REPEAT) if found else row):
                    for c, content in found:
                        cells[(name, a1(r, c))] = content
                row += rows
                el.clear()
            elif el.tag == _T + "named-range":
                names[el.get(_T + "name")] = parse_range(excel_ref(el.get(_T + "cell-range-address")))
    return cells, names


def _read_row(tr, count):
    found, col = [], 0
    for tc in tr:
        if tc.tag not in (_T + "table-cell", _T + "covered-table-cell"):
            continue
        cols = int(tc.get(_T + "number-columns-repeated", "1"))
        formula, value = tc.get(_T + "formula"), _cell_value(tc)
        if formula is not None or value is not None:
            count.add(min(cols, MAX_REPEAT))
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

