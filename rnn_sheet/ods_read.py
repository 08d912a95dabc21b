"""Read the cells (formula and cached value) and defined names of an .ods, ours or saved by
LibreOffice, with ElementTree: odfpy is too slow for workbooks of 100k cells."""
import xml.etree.ElementTree as ET
import zipfile

from odf.namespaces import OFFICENS, TABLENS, TEXTNS

from .grid import a1

# LibreOffice pads saved sheets with ~1M repeated empty rows and ~1K repeated empty columns;
# repeats of cells that hold something are expanded only up to this many.
MAX_REPEAT = 10_000

_T, _O, _X = f"{{{TABLENS}}}", f"{{{OFFICENS}}}", f"{{{TEXTNS}}}"


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
    ({(sheet, "A1"): (formula or None, value)}, {name: "Sheet!$A$1:$B$2"})."""
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
        names[nr.get(_T + "name")] = excel_ref(nr.get(_T + "cell-range-address"))
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
