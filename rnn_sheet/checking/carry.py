"""Error carried forward, for `rnn-sheet grade`: each blank cell's answer-key formula is written,
verbatim, into a spare cell at the far right of the same row of a grading copy of the submission.
An .xlsx formula names its cells absolutely, so the copy reads the very cells the key's formula
reads, which hold the student's own work: once LibreOffice has recomputed the copy, the spare cell
is the value the blank should hold given everything the student did before it.

A block the student left wholly empty gets the key's formulas in its own cells in the copy (they
stay empty in the mark): the blocks that read it are graded on what it should hold, so a Back
block done right before its Step block is right, on every cell, where an empty range would make
MMULT's inputs an error.

The copy is made by editing the sheets' XML (a few rows each), not by loading and saving the whole
workbook: a class of 30 would otherwise spend longer in openpyxl than in LibreOffice. The same pass
tells, for each blank cell, what the student put there: a formula, a number, text or nothing.
"""
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import PurePosixPath
from xml.sax.saxutils import escape

from ..workbook.grid import a1

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
SPARE_GAP = 12          # columns between a sheet's last and its first spare (charts sit right of the bands)

_ROW = re.compile(rb'<row\b[^>]*?\sr="(\d+)"[^>]*?(/?)>')
_CELL = re.compile(rb'<c\b[^>]*?\sr="([A-Z]+\d+)"([^>]*?)(?:/>|>(.*?)</c>)', re.S)


class NotCarried(Exception):
    """The copy cannot be made (a workbook written in a form this does not read): grade without it."""


def spare_col(width, col):
    """Where the key's formula of a blank in column `col` goes, on a sheet `width` columns wide."""
    return width + SPARE_GAP + col


def sheet_parts(z):
    """{sheet name: its part's path in the package} of an .xlsx."""
    wb = ET.fromstring(z.read("xl/workbook.xml"))
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels.iter(f"{{{PKG}}}Relationship")}
    out = {}
    for sheet in wb.iter(f"{{{MAIN}}}sheet"):
        target = targets.get(sheet.get(f"{{{REL}}}id"), "")
        out[sheet.get("name")] = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl", target))
    return out


def carry_copy(src, dest, spares, blanks, keys=None):
    """Write `dest`, a copy of the .xlsx `src` with spares ({sheet: [(row, col, formula)]}) added,
    and return what each blank cell ({sheet: [(row, col)]}) holds in `src`: {(sheet, row, col):
    "formula" | "number" | "text" | "error" | None}. `keys` ({sheet: [[(row, col, formula)] of a
    block]}): the blocks' key formulas, written into a block's own cells where all of them are empty.
    NotCarried if the sheets cannot be edited."""
    held = {}
    with zipfile.ZipFile(src) as z:
        parts = sheet_parts(z)
        edited = {}
        for sheet in set(spares) | set(blanks):
            if sheet not in parts or parts[sheet] not in z.namelist():
                raise NotCarried(f"no sheet {sheet!r}")
            xml = z.read(parts[sheet])
            held.update(_held(xml, sheet, blanks.get(sheet, ())))
            empty = [(r, c, f) for block in (keys or {}).get(sheet, ())
                     if left_empty(held, sheet, [(r, c) for r, c, _ in block]) for r, c, f in block]
            if empty:
                xml = _with_fills(xml, empty)
            if spares.get(sheet) or empty:
                edited[parts[sheet]] = _with_spares(xml, spares.get(sheet, []))
        with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as out:
            for info in z.infolist():
                out.writestr(info, edited.get(info.filename) or z.read(info.filename))
    return held


def left_empty(held, sheet, cells):
    """Whether the student put nothing in any of `cells`, by what carry_copy returned (held); {}
    when no copy could be made, which tells nothing."""
    return bool(held) and all(held.get((sheet, r, c), "?") is None for r, c in cells)


def _held(xml, sheet, cells):
    """What each of `cells` holds in a sheet's XML (see carry_copy)."""
    wanted = {a1(r, c).encode(): (sheet, r, c) for r, c in cells}
    out = dict.fromkeys(wanted.values())
    if not wanted:
        return out
    for m in _CELL.finditer(xml):
        if m[1] in wanted:
            out[wanted[m[1]]] = _kind(m[2], m[3] or b"")
    return out


def _kind(attrs, body):
    if b"<f" in body:
        return "formula"
    if b"<v" not in body and b"<is" not in body:
        return None
    t = re.search(rb'\st="(\w+)"', attrs)
    t = t[1] if t else b"n"
    return {b"n": "number", b"e": "error"}.get(t, "text")


def _with_fills(xml, fills):
    """The sheet XML with the formula of each (row, col, formula) in that cell, which is empty: its
    element (kept with its style) gets the formula, or, where the row has none, a new one is added."""
    wanted = {a1(r, c).encode(): f for r, c, f in fills}
    out, at, placed = [], 0, set()
    for m in _CELL.finditer(xml):
        if m[1] in wanted:
            tag = re.sub(rb'\st="[^"]*"', b"", xml[m.start():m.end()].split(b">", 1)[0].rstrip(b"/"))
            out += [xml[at:m.start()], tag, b"><f>", escape(wanted[m[1]]).encode(), b"</f></c>"]
            at = m.end()
            placed.add(m[1])
    out.append(xml[at:])
    rest = [(r, c, f) for r, c, f in fills if a1(r, c).encode() not in placed]
    return _with_spares(b"".join(out), rest) if rest else b"".join(out)


def _with_spares(xml, spares):
    """The sheet XML with a cell <c r=REF><f>formula</f></c> added at the end of each row."""
    by_row = {}
    for row, col, formula in spares:
        by_row.setdefault(row + 1, []).append((col, f'<c r="{a1(row, col)}"><f>{escape(formula)}</f></c>'))
    cells = {r: "".join(text for _, text in sorted(cs)).encode() for r, cs in by_row.items()}
    rows = {int(m[1]): m for m in _ROW.finditer(xml)}
    out, at = [], 0
    for r in sorted(cells):
        m = rows.get(r)
        if m is None:           # a row the file leaves out: a new one before the next row there is
            later = [rows[k].start() for k in rows if k > r]
            pos = min(later) if later else _sheetdata_end(xml)
            out += [xml[at:pos], f'<row r="{r}">'.encode(), cells[r], b"</row>"]
            at = pos
        elif m[2]:              # <row .../>
            out += [xml[at:m.start()], _unspanned(m[0][:-2]) + b">", cells[r], b"</row>"]
            at = m.end()
        else:
            end = xml.index(b"</row>", m.end())
            out += [xml[at:m.start()], _unspanned(m[0]), xml[m.end():end], cells[r]]
            at = end
    out.append(xml[at:])
    return b"".join(out)


def _unspanned(tag):
    """A row's start tag without its spans="a:b" (a hint the new cells would contradict)."""
    return re.sub(rb'\sspans="[^"]*"', b"", tag)


def _sheetdata_end(xml):
    end = xml.find(b"</sheetData>")
    if end < 0:
        raise NotCarried("no sheetData")
    return end
