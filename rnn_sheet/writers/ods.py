"""OpenDocument spreadsheets: write a Book as .ods with odfpy (checking/read.py reads one back).

The Book holds formulas in Excel syntax; .ods wants OpenFormula ("of:=TANH([.B3])", ';' between
arguments, "[$'Step 1'.C4]" across sheets). The translation works on openpyxl's formula tokens, so
string literals pass through untouched and only references and separators change.
"""
import io
import math
import re
import zipfile
from dataclasses import replace
from itertools import chain

from odf import dc, number, style, table
from odf.element import Element
from odf.namespaces import (CONFIGNS, DRAWNS, LOEXTNS, OFFICENS, OFNS, OOONS, SVGNS, TABLENS, TEXTNS,
                            XLINKNS)
from odf.opendocument import OpenDocumentSpreadsheet

from ..workbook.book import Kind
from ..workbook.grid import a1, quote_sheet
from ..workbook.pages import print_setup
from ..workbook.styles import STYLES, column_width
from . import ods_extras as extras
from . import ods_pages
from .ods_extras import esc
from .spool import Spool

# Fixed zip entry times: the same Book gives a byte-identical file.
ZIP_TIME = (2000, 1, 1, 0, 0, 0)

_CELL = r"\$?[A-Za-z]{1,3}\$?\d+"
_REF = re.compile(rf"^(?:(?P<sheet>'(?:[^']|'')+'|[^'!:]+)!)?(?P<a>{_CELL}|\$?[A-Za-z]{{1,3}}|\$?\d+)"
                  rf"(?::(?P<b>{_CELL}|\$?[A-Za-z]{{1,3}}|\$?\d+))?$")


# --- formulas -------------------------------------------------------------------------------------

def odf_ref(ref):
    """'Step 1'!$J$9:$J$12 -> $'Step 1'.$J$9:.$J$12 (the body of [...] or a cell-range-address).
    Returns None for anything that is not a plain reference (a defined name, say)."""
    m = _REF.match(ref)
    if not m or (m["b"] is None and not re.fullmatch(_CELL, m["a"])):
        return None
    out = (f"${m['sheet']}" if m["sheet"] else "") + f".{m['a']}"
    return out + (f":.{m['b']}" if m["b"] else "")


def to_openformula(formula):
    """An Excel formula (with or without '=') as an OpenFormula attribute value."""
    # Imported here: openpyxl costs 0.2 s at start-up and only .ods output needs its tokenizer.
    from openpyxl.formula.tokenizer import Token, Tokenizer
    tokens = Tokenizer(formula if formula.startswith("=") else "=" + formula).items
    out = []
    for tok in tokens:
        if tok.type == Token.OPERAND and tok.subtype == Token.RANGE:
            ref = odf_ref(tok.value)
            out.append(f"[{ref}]" if ref else tok.value)
        elif tok.type == Token.OPERAND and tok.subtype == Token.LOGICAL:
            out.append(tok.value.upper() + "()")
        elif tok.type == Token.SEP:
            # Excel's ',' (arguments, array columns) is ';' in OpenFormula, its array-row ';' is '|'.
            out.append("|" if tok.subtype == Token.ROW else ";")
        else:
            out.append(tok.value)
    return "of:=" + "".join(out)


def range_address(block):
    """A block as table:cell-range-address: $'Step 1'.$J$9:.$J$12."""
    out = f"${quote_sheet(block.sheet)}.{a1(block.row, block.col, True)}"
    return out if block.nrows == block.ncols == 1 else out + f":.{a1(*block.last, True)}"


# --- styles ---------------------------------------------------------------------------------------

def _decimals(fmt):
    """Digits after the point of a number format: "0.000000" and "0.000000E+00" have 6."""
    mantissa = fmt.split("E")[0]
    return len(mantissa.split(".")[1]) if "." in mantissa else 0


def _number_style(name, fmt):
    ns = number.NumberStyle(name=name)
    if "E" in fmt:
        ns.addElement(number.ScientificNumber(decimalplaces=_decimals(fmt), minintegerdigits=1,
                                              minexponentdigits=len(fmt.split("E")[1]) - 1))
    else:
        ns.addElement(number.Number(decimalplaces=_decimals(fmt), minintegerdigits=1))
    return ns


def _cell_style(name, spec, data_style=None):
    st = style.Style(name=name, family="table-cell", parentstylename="Default")
    if data_style:
        st.setAttribute("datastylename", data_style)
    cell = {}
    if "bg_color" in spec:
        cell["backgroundcolor"] = spec["bg_color"]
    if spec.get("border"):
        cell["border"] = f"0.74pt solid {spec.get('border_color', '#000000')}"
    elif spec.get("bottom"):
        cell["borderbottom"] = "0.74pt solid #000000"
    if "align" in spec:
        cell["textalignsource"] = "fix"
    if cell:
        st.addElement(style.TableCellProperties(**cell))
    if "align" in spec:
        st.addElement(style.ParagraphProperties(textalign={"right": "end"}.get(spec["align"], spec["align"])))
    txt = {}
    if spec.get("bold"):
        txt.update(fontweight="bold", fontweightasian="bold", fontweightcomplex="bold")
    if spec.get("italic"):
        txt.update(fontstyle="italic", fontstyleasian="italic", fontstylecomplex="italic")
    if "font_size" in spec:
        size = f"{spec['font_size']}pt"
        txt.update(fontsize=size, fontsizeasian=size, fontsizecomplex=size)
    if "font_color" in spec:
        txt["color"] = spec["font_color"]
    if txt:
        st.addElement(style.TextProperties(**txt))
    return st


def _add_styles(doc):
    default = extras.default_cell_style(doc)
    doc.styles.addElement(default)
    formats = {}
    for name, spec in STYLES.items():
        fmt = spec.get("num_format")
        if fmt not in (None, "General", *formats):      # General: LibreOffice's default display
            formats[fmt] = f"N{len(formats) + 1}"
            doc.styles.addElement(_number_style(formats[fmt], fmt))
        doc.styles.addElement(_cell_style(name, spec, formats.get(fmt)))


def _column_style(doc, widths, chars, page=False):
    """A column `chars` wide (page: starting a new printed page)."""
    if (chars, page) not in widths:
        # Excel's column width unit: characters of about 7 px plus 5 px padding, at 96 px per inch.
        widths[chars, page] = f"co{len(widths) + 1}"
        st = style.Style(name=widths[chars, page], family="table-column")
        st.addElement(style.TableColumnProperties(columnwidth=f"{(chars * 7 + 5) / 96:.4f}in",
                                                  breakbefore="page" if page else "auto"))
        doc.automaticstyles.addElement(st)
    return widths[chars, page]


# --- cells ---------------------------------------------------------------------------------------
# Rows are serialised here rather than as odfpy elements: odfpy spends ~100 us per element, which
# made a 500k-cell workbook take a minute. Everything else (styles, names, meta, packaging) is odfpy.

def _spaces(m):
    n = len(m.group())
    if m.start() == 0 or m.end() == len(m.string):
        return f'<text:s text:c="{n}"/>'       # a leading or trailing space would be dropped
    return " " + (f'<text:s text:c="{n - 1}"/>' if n > 1 else "")


def paragraph(s):
    """Text as a <text:p>, keeping spaces, tabs and line breaks (ODF collapses white space)."""
    lines = []
    for line in s.split("\n"):
        parts = [re.sub(r"^ +| +$| {2,}", _spaces, esc(part)) for part in line.split("\t")]
        lines.append("<text:tab/>".join(parts))
    return "<text:p>" + "<text:line-break/>".join(lines) + "</text:p>"


def _display(cell):
    fmt = STYLES.get(cell.style, {}).get("num_format")
    if fmt in (None, "General"):
        return repr(cell.value)
    return f"{cell.value:.{_decimals(fmt)}{'E' if 'E' in fmt else 'f'}}"


def _cell_xml(cell, formulas, span=1, note=None, frame=None):
    attrs = f' table:style-name="{esc(cell.style)}"'
    if span > 1:
        attrs += f' table:number-columns-spanned="{span}" table:number-rows-spanned="1"'
    inner = f"<office:annotation>{paragraph(note)}</office:annotation>" if note else ""
    if frame:
        inner += frame
    if cell.kind is Kind.FORMULA:
        attrs += f' table:formula="{formulas[cell.formula]}"'
    v = cell.value
    if isinstance(v, bool):
        attrs += f' office:value-type="boolean" office:boolean-value="{"true" if v else "false"}"'
        shown = "TRUE" if v else "FALSE"
    elif isinstance(v, (int, float)) and math.isfinite(v):
        attrs += f' office:value-type="float" office:value="{float(v)!r}"'
        shown = _display(cell)
    elif isinstance(v, str):
        # User text stays text: a string cell, never parsed as a formula or a number.
        attrs += ' office:value-type="string"'
        shown = v
    else:     # no cached value (a blank, or a cell a spreadsheet must compute)
        return f"<table:table-cell{attrs}>{inner}</table:table-cell>" if inner else f"<table:table-cell{attrs}/>"
    return f"<table:table-cell{attrs}>{inner}{paragraph(shown)}</table:table-cell>"


def _repeat(n, what):
    return f' table:number-{what}-repeated="{n}"' if n > 1 else ""


def rows_xml(sheet, formulas, frames, page_rows):
    """A sheet's rows, one piece of XML at a time. frames: {(row, col): draw:frame XML} of charts
    anchored in those cells; page_rows: the rows that start a printed page. The sheet's outline groups
    become table:table-row-group elements (shown expanded)."""
    spans = {(r, c): n for r, c, n in sheet.merges}
    frames = frames or {}
    sheet.page_rows = page_rows
    rows = {r: [] for r in sheet.page_rows}       # a page break needs its row written
    for (r, c), cell in sheet.cells.items():
        rows.setdefault(r, []).append((c, cell))
    for (r, c) in frames:
        if (r, c) not in sheet.cells:
            rows.setdefault(r, []).append((c, None))
    return _rows(rows, sheet, formulas, spans, frames)


def _rows(rows, sheet, formulas, spans, frames):
    row = 0
    for first, last in sorted(sheet.outline):
        yield from _row_span(rows, row, first, spans, frames, sheet, formulas)
        yield "<table:table-row-group>"
        yield from _row_span(rows, first, last + 1, spans, frames, sheet, formulas)
        yield "</table:table-row-group>"
        row = last + 1
    yield from _row_span(rows, row, None, spans, frames, sheet, formulas)


def _row_span(rows, start, end, spans, frames, sheet, formulas):
    """Rows start .. end-1 (end None: up to the last that holds something), empty ones repeated."""
    next_row = start
    for r in sorted(k for k in rows if k >= start and (end is None or k < end)):
        if r > next_row:
            yield _empty_rows(r - next_row)
        yield _row_xml(rows[r], r, spans, frames, sheet, formulas)
        next_row = r + 1
    if end is not None and end > next_row:
        yield _empty_rows(end - next_row)


def _empty_rows(n):
    return f"<table:table-row{_repeat(n, 'rows')}><table:table-cell/></table:table-row>"


def _row_xml(items, r, spans, frames, sheet, formulas):
    out = [f'<table:table-row table:style-name="{ods_pages.ROW_BREAK}">' if r in sheet.page_rows else "<table:table-row>"]
    next_col = 0
    for c, cell in sorted(items, key=lambda item: item[0]):
        if c < next_col:
            continue        # under a merged caption (never happens with our layouts)
        if c > next_col:
            out.append(f"<table:table-cell{_repeat(c - next_col, 'columns')}/>")
        if cell is None:        # an empty cell holding a chart
            out.append(f"<table:table-cell>{frames[(r, c)]}</table:table-cell>")
            next_col = c + 1
            continue
        span = spans.get((r, c), 1) if isinstance(cell.value, str) else 1
        frame = frames.get((r, c)) if frames else None
        out.append(_cell_xml(cell, formulas, span, sheet.notes.get((r, c)), frame))
        if span > 1:
            out.append(f"<table:covered-table-cell{_repeat(span - 1, 'columns')}/>")
        next_col = c + span
    out.append("</table:table-row>" if items else "<table:table-cell/></table:table-row>")
    return "".join(out)


class _StyleUse(Element):
    """Writes nothing; tells odfpy that the prepared rows use automatic style `name`. odfpy writes an
    automatic style only where an element of its tree names it, and it cannot see into prepared XML:
    without this the rows' page-break style was left out, and LibreOffice ignored every row break."""
    qname = (TABLENS, "table-row")

    def __init__(self, name):
        super().__init__(qname=self.qname, qattributes={(TABLENS, "style-name"): name}, check_grammar=False)

    def toXml(self, level, f):
        pass


class _Table(Element):
    """A table:table whose columns are odfpy elements and whose rows (and the conditional formats
    that follow them) are prepared XML: a spool's marker, until the file is zipped."""
    qname = (TABLENS, "table")

    def __init__(self, name, rows, style_name="ta1", print_range=None):
        attributes = {(TABLENS, "name"): name, (TABLENS, "style-name"): style_name}
        if print_range:
            attributes[(TABLENS, "print-ranges")] = print_range
        super().__init__(qname=self.qname, qattributes=attributes, check_grammar=False)
        self.rows = rows

    def toXml(self, level, f):
        self.write_open_tag(level, f)
        for child in self.childNodes:
            child.toXml(level + 1, f)
        f.write(self.rows)
        self.write_close_tag(level, f)


def _sheet_table(doc, sheet, widths, formulas, spool, pages, frames=None):
    setup = print_setup(sheet)
    page_cols = set(setup.column_breaks)
    rows = spool.put(chain(rows_xml(sheet, formulas, frames, set(setup.row_breaks)),
                           [extras.conditional_formats(sheet)]))
    tbl = _Table(sheet.name, rows, pages.table_style(sheet, setup.scale), ods_pages.print_range(sheet, setup.ranges))
    if setup.row_breaks:
        tbl.addElement(_StyleUse(ods_pages.ROW_BREAK))
    ncols = max([sheet.width] + [c + 1 for _, c in sheet.cells])
    col = 0
    while col < ncols:
        chars = column_width(sheet, col)
        run = 1         # a column that starts a page stands alone: its repeats would each start one
        while (col not in page_cols and col + run < ncols and column_width(sheet, col + run) == chars
               and col + run not in page_cols):
            run += 1
        attrs = {"stylename": _column_style(doc, widths, chars, col in page_cols)}
        if run > 1:
            attrs["numbercolumnsrepeated"] = run
        tbl.addElement(table.TableColumn(**attrs))
        col += run
    return tbl


# --- writing --------------------------------------------------------------------------------------

def write_ods(book, path, progress=None):
    with Spool() as spool:
        _write(book, path, progress, spool)


def _write(book, path, progress, spool):
    # odfpy declares on the root every namespace any element of the process has used so far; start
    # from none so that the same Book always gives the same bytes.
    Element.namespaces.clear()
    doc = OpenDocumentSpreadsheet()
    # Used by the prepared rows, charts and settings; LibreOffice reads settings.xml only if the
    # "ooo:" of config:name="ooo:view-settings" is declared.
    for ns in (OFFICENS, TABLENS, TEXTNS, OFNS, DRAWNS, SVGNS, XLINKNS, LOEXTNS, CONFIGNS, OOONS):
        doc.spreadsheet.get_nsprefix(ns)
    Element.namespaces[extras.CALCEXTNS] = "calcext"      # conditional formats (odfpy lacks it)
    for element, key in ((dc.Title, "title"), (dc.Subject, "subject"), (dc.Description, "comments")):
        if book.properties.get(key):
            doc.meta.addElement(element(text=book.properties[key]))
    _add_styles(doc)
    pages = ods_pages.Pages(doc)
    extras.add_frame_style(doc)
    widths, formulas, views = {}, _Formulas(), []
    for n, sheet in enumerate(book.stream(), 1):
        frames = extras.add_charts(doc, sheet, book)
        doc.spreadsheet.addElement(_sheet_table(doc, sheet, widths, formulas, spool, pages, frames))
        views.append((sheet.name, sheet.header_rows))
        if progress:
            progress(n, len(book))
    if book.names:
        named = table.NamedExpressions()
        for name, block in sorted(book.names.items()):
            named.addElement(table.NamedRange(name=name, cellrangeaddress=range_address(block),
                                              basecelladdress=range_address(replace(block, row=0, col=0,
                                                                                    nrows=1, ncols=1))))
        doc.spreadsheet.addElement(named)
    doc.settings.addElement(extras.Prepared(extras.settings_xml(views)))
    buf = io.BytesIO()
    doc.save(buf)
    _restamp(buf.getvalue(), path, spool)


class _Formulas(dict):
    """Excel formula text -> OpenFormula, remembered (the Step sheets repeat each other's), but only
    the last 100,000 or fewer: a long word's workbook has a million formulas that differ."""

    def __missing__(self, formula):
        if len(self) >= 100_000:
            self.clear()
        odf = self[formula] = esc(to_openformula(formula))
        return odf


def _restamp(data, path, spool):
    """odfpy stamps every zip entry with the current time; rewrite them with a fixed one, and
    content.xml with the spooled rows in place of their markers, streamed into the zip."""
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, ZIP_TIME)
            fixed.compress_type, fixed.external_attr = info.compress_type, info.external_attr
            if info.filename != "content.xml":
                dst.writestr(fixed, src.read(info))
                continue
            with dst.open(fixed, "w") as out:
                for piece in spool.splice(src.read(info).decode()):
                    out.write(piece.encode())
