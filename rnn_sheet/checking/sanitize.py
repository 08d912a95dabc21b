"""The copy of a submitted workbook that LibreOffice is given: only what recomputing and grading need,
its sheets, strings, styles and names. Whatever could make LibreOffice fetch a URL or open another
file is left out: drawings, images, charts, OLE objects, controls, external workbook links, data
connections, macros, and every relationship or link to anything outside the package.

.xlsx: the parts are chosen by their relationships. The workbook keeps only its worksheets, shared
strings, styles and theme, each a part inside the package; no sheet keeps its own relationships, so
a drawing, picture, OLE object or hyperlink a sheet still names points at nothing. .ods: content.xml
and styles.xml, with every drawing, form, script, DDE and linked-table element removed and every
xlink:href attribute dropped (linked images and objects live inline there). The profile LibreOffice
runs with (recalc.PROFILE_XCU) is the second wall: it updates no links and has no way out to a network.
"""
import io
import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
from xml.sax.saxutils import escape, unescape

from odf.namespaces import (DRAWNS, FORMNS, OFFICENS, PRESENTATIONNS, SCRIPTNS, TABLENS, XLINKNS)

from ..workbook.grid import col_index, references
from .read import MAX_CELLS, MAX_PART

PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
# Relationship type -> the content type its part is declared with.
KEPT = {
    "worksheet": "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml",
    "sharedStrings": "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml",
    "styles": "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml",
    "theme": "application/vnd.openxmlformats-officedocument.theme+xml",
}
WORKBOOK = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"


class Unsafe(ValueError):
    """The file cannot be made into a clean copy (str(e) says why): it is not graded."""


def sanitized_copy(src, dest):
    """Write the clean copy of the .xlsx or .ods `src` to `dest` (same suffix)."""
    with zipfile.ZipFile(src) as z:
        big = [i.filename for i in z.infolist() if i.file_size > MAX_PART]
        if big:
            raise Unsafe(f"its part {big[0]} is larger than any workbook's")
        parts = list(_xlsx(z) if str(src).lower().endswith(".xlsx") else _ods(z))
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts:
            out.writestr(zipfile.ZipInfo(name) if name == "mimetype" else name, data,
                         zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED)
    return dest


# --- .xlsx -----------------------------------------------------------------------------------------

def _rels(z, name):
    """(Id, type's last word, target part or None if it leaves the package) of a .rels part."""
    if name not in z.namelist():
        return []
    base = posixpath.dirname(posixpath.dirname(name))       # xl/_rels/workbook.xml.rels -> xl
    out = []
    for rel in ET.fromstring(z.read(name)).iter(f"{{{PKG_RELS}}}Relationship"):
        target, mode = rel.get("Target", ""), rel.get("TargetMode", "Internal")
        inside = mode == "Internal" and ":" not in target and "\\" not in target
        part = posixpath.normpath(target.lstrip("/") if target.startswith("/") else posixpath.join(base, target))
        out.append((rel.get("Id"), rel.get("Type", "").rpartition("/")[2],
                    part if inside and not part.startswith("..") and part in z.namelist() else None))
    return out


def _xlsx(z):
    books = [part for _, kind, part in _rels(z, "_rels/.rels") if kind == "officeDocument" and part]
    if not books:
        raise Unsafe("it names no workbook part inside the package")
    book = books[0]
    folder, name = posixpath.split(book)
    kept = [(rid, kind, part) for rid, kind, part in _rels(z, f"{folder}/_rels/{name}.rels")
            if kind in KEPT and part is not None]
    rels = "".join(f'<Relationship Id="{_attr(rid)}" Type="{OFFICE_DOC}{kind}" '
                   f'Target="/{_attr(part)}"/>' for rid, kind, part in kept)
    types = "".join(f'<Override PartName="/{_attr(part)}" ContentType="{KEPT[kind]}"/>' for _, kind, part in kept)
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    yield "[Content_Types].xml", (
        f'{head}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{_attr(book)}" ContentType="{WORKBOOK}"/>{types}</Types>')
    yield "_rels/.rels", (f'{head}<Relationships xmlns="{PKG_RELS}"><Relationship Id="rId1" '
                          f'Type="{OFFICE_DOC}officeDocument" Target="/{_attr(book)}"/></Relationships>')
    yield f"{folder}/_rels/{name}.rels", f'{head}<Relationships xmlns="{PKG_RELS}">{rels}</Relationships>'
    book_xml = z.read(book)
    yield book, book_xml
    rows, cols = _bounds(book_xml)
    for _, kind, part in kept:
        yield part, _trim(z.read(part), rows, cols) if kind == "worksheet" else z.read(part)


# Cells far beyond every defined name are no part of an rnn-sheet book; LibreOffice would spend
# about 45 s saving a sheet that holds one value at XFD1048576, so the copy leaves them out.
ROW_MARGIN, COL_MARGIN = 10_000, 1_000
_DEFINED = re.compile(rb"<(?:\w+:)?definedName\b[^>]*>([^<]*)<")
_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"[^>]*?(?:/>|>.*?</(?:\w+:)?row>)', re.S)
_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Za-z]+)\d+"[^>]*?(?:/>|>.*?</(?:\w+:)?c>)', re.S)
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*/>")


def _bounds(book_xml):
    """Rows and columns a cell may lie within: the defined names' furthest, plus a wide margin."""
    rows = cols = 0
    for text in _DEFINED.findall(book_xml):
        for block in references(unescape(text.decode("utf-8", "replace")), None):
            rows, cols = max(rows, block.row + block.nrows), max(cols, block.col + block.ncols)
    return rows + ROW_MARGIN, cols + COL_MARGIN


def _trim(xml, rows, cols):
    def row(m):
        return b"" if int(m[1]) > rows else _CELL.sub(cell, m[0])

    def cell(m):
        return b"" if col_index(m[1].decode().upper()) >= cols else m[0]
    return _ROW.sub(row, _DIMENSION.sub(b"", xml))


def _attr(text):
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


# --- .ods ------------------------------------------------------------------------------------------

# Elements left out with all they hold: drawings and frames (images, charts, OLE objects), forms and
# controls, scripts and event listeners, DDE, and sheets or ranges linked from other files.
DROPPED_NS = {DRAWNS, FORMNS, SCRIPTNS, PRESENTATIONNS}
DROPPED = {f"{{{OFFICENS}}}{t}" for t in ("scripts", "event-listeners", "dde-source", "forms")} | {
    f"{{{TABLENS}}}{t}" for t in ("dde-links", "dde-link", "table-source", "cell-range-source", "shapes")}
HREF = f"{{{XLINKNS}}}href"


def _ods(z):
    if z.read("mimetype").decode("ascii", "replace").strip() != ODS_MIME:
        raise Unsafe("it is not an OpenDocument spreadsheet")
    yield "mimetype", ODS_MIME
    yield "META-INF/manifest.xml", (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{ODS_MIME}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        '<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>")
    for name in ("content.xml", "styles.xml"):
        if name in z.namelist():
            yield name, _clean_xml(z.read(name))


def _clean_xml(data):
    """The part without what DROPPED names. ElementTree writes its own prefixes (ns0: ...) and declares
    only the namespaces of names; formulas name theirs in attribute values ("of:=SUM(...)"), so the
    file's own declarations are put back on the root."""
    declared, parsed = {}, ET.iterparse(io.BytesIO(data), events=("start-ns",))
    for _, (prefix, uri) in parsed:
        declared.setdefault(prefix, uri)
    root = parsed.root
    _prune(root)
    _count_cells(root)
    text = ET.tostring(root, encoding="unicode")
    end = text.index(">") - (text[text.index(">") - 1] == "/")
    extra = "".join(f' xmlns:{p}="{escape(u, {chr(34): "&quot;"})}"' for p, u in declared.items()
                    if p and not re.fullmatch(r"ns\d+", p) and f" xmlns:{p}=" not in text[:end])
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + text[:end] + extra + text[end:]).encode()


def _count_cells(root):
    """Unsafe past MAX_CELLS cells holding something, repeats counted as LibreOffice would expand them
    (a few bytes of .ods can repeat one value over a whole sheet: 17 billion cells to save)."""
    n = 0
    for row in root.iter(f"{{{TABLENS}}}table-row"):
        held = sum(int(c.get(f"{{{TABLENS}}}number-columns-repeated", "1")) for c in row
                   if len(c) or c.get(f"{{{OFFICENS}}}value-type") or c.get(f"{{{TABLENS}}}formula"))
        n += held * int(row.get(f"{{{TABLENS}}}number-rows-repeated", "1"))
        if n > MAX_CELLS:
            raise Unsafe(f"it holds more than {MAX_CELLS:,} cells, more than any rnn-sheet workbook")


def _prune(root):
    todo = [root]           # a loop, not recursion: a hostile file may nest deeper than the stack
    while todo:
        el = todo.pop()
        el.attrib.pop(HREF, None)
        for child in list(el):
            if child.tag in DROPPED or child.tag.partition("}")[0][1:] in DROPPED_NS:
                el.remove(child)
            else:
                todo.append(child)
