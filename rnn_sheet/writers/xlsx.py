"""Write a Book as .xlsx with XlsxWriter: formulas with their cached values, styles, names.

Sheets are written one at a time as the Book renders them (Book.stream), so a workbook of a million
and more cells never has them all in memory. XlsxWriter's own cell methods would keep every cell
until close() and spend ~10 us on each; instead each sheet's <row> elements are prepared here, as
XlsxWriter would write them (the same XML, shared strings and style indexes in the same order), and
wait in a spool file until the package is zipped. Everything else (styles, notes, charts, print
setup, names, packaging) is XlsxWriter's. Formulas go in as they are: they call only classic
functions (sheets.quantity.ALLOWED, checked by a test), which need none of the _xlfn. prefixes that
XlsxWriter would otherwise spend 30 regular expressions a formula looking for.
"""
import datetime
import re
from operator import itemgetter

import xlsxwriter.exceptions

from ..workbook.book import Kind
from ..workbook.grid import col_name
from ..workbook.pages import HEADER_INCHES, MARGIN_INCHES, print_setup
from ..workbook.styles import AXIS_PT, STYLES, TAB_COLORS, TITLE_PT, column_width, heat_spec
from .internals import (StreamedWorkbook, StreamedWorksheet, extend, print_areas, row_one_tag, shared_strings,
                        xf_index)
from .spool import Spool

# Fixed document timestamps: the same inputs give a byte-identical file.
EPOCH = datetime.datetime(2000, 1, 1)
# Text Excel's error check would flag as a number stored as text (a digit typed as a letter).
NUMBER_LIKE = re.compile(r"\s*[-+]?(\d[\d,]*(\.\d*)?|\.\d+)([eE][-+]?\d+)?%?\s*")
NUMBER_START = frozenset("0123456789+-. \t")
ERROR_CODES = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!")


def write_xlsx(book, path, progress=None):
    """Write `book` to `path`; an OSError (a full disk, say) if the system refuses the file."""
    with open(path, "wb") as raw, Spool() as spool:
        sink = _Sink(raw)
        wb = StreamedWorkbook(sink, {
            # User text (letters, words) must never become a formula, number or link.
            "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
            # Package parts are zipped from memory (no temporary file per part); the big ones, the
            # sheets' rows, come from the spool as each is zipped.
            "in_memory": True,
        })
        wb.spool = spool
        wb.set_properties({**book.properties, "created": EPOCH})
        wb.set_calc_mode("auto")
        rows = _Rows(wb)
        total = len(book)
        for n, sheet in enumerate(book.stream(), 1):
            if progress:
                progress(n - 1, total)
            _write_sheet(wb, sheet, rows, book)
        for name, block in sorted(book.names.items()):
            wb.define_name(name, "=" + block.range(absolute=True))
        try:
            wb.close()
        except xlsxwriter.exceptions.FileCreateError:
            raise sink.error from None


class _Sink:
    """The file XlsxWriter's zip is written to. After a write fails, it only pretends to write:
    XlsxWriter leaves its ZipFile open on an error, and the ZipFile's own clean-up would otherwise
    fail again and print a traceback when it is collected."""

    def __init__(self, raw):
        self.raw, self.error, self.pos = raw, None, 0

    def _do(self, method, *args):
        try:
            return getattr(self.raw, method)(*args)
        except OSError as e:
            self.error = e
            self.pos = self.raw.tell()
            raise

    def write(self, data):
        if self.error is None:
            return self._do("write", data)
        self.pos += len(data)
        return len(data)

    def flush(self):
        if self.error is None:
            self._do("flush")

    def seek(self, offset, whence=0):
        if self.error is None:
            return self._do("seek", offset, whence)
        self.pos = offset if whence == 0 else self.pos + offset
        return self.pos

    def tell(self):
        return self._do("tell") if self.error is None else self.pos

    def close(self):
        pass            # the caller's `with` closes the file


def _write_sheet(wb, sheet, rows, book):
    ws = wb.add_worksheet(sheet.name, worksheet_class=StreamedWorksheet)
    extent = sheet.extent
    for col in range(extent[1]):      # charts too: the print area must hold them
        ws.set_column(col, col, column_width(sheet, col))
    merges = rows.extent(ws, sheet)
    _decorate(ws, sheet)
    _print_setup(ws, sheet)
    for chart in sheet.charts:
        _add_chart(wb, ws, chart, book, sheet)
    if ws.dim_rowmin is not None:
        ws.rows = wb.spool.put(rows.xml(ws, sheet, merges, extent[1]))
    if rows.numeric_text:       # letters that are digits: text on purpose, without Excel's green triangle
        ws.ignore_errors({"number_stored_as_text": " ".join(rows.numeric_text)})


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
    """Handouts: landscape, at a scale a class can read (pages.scale: one page wide where that prints
    at 75% or more, else several, numbered across then down), sheet name and page number on every
    page, and page breaks between bands so that none is cut (pages.row_breaks); a sheet several pages
    wide prints only the pages across that hold something (pages.print_ranges). Value cells have
    borders, so gridlines stay off on screen and paper."""
    setup = print_setup(sheet)
    print_areas(ws, [(first, 0, last, last_col) for first, last, last_col in setup.ranges])
    ws.hide_gridlines(2)
    ws.set_landscape()
    ws.set_paper(9)                 # A4
    ws.set_margins(left=MARGIN_INCHES[0], right=MARGIN_INCHES[0], top=MARGIN_INCHES[1], bottom=MARGIN_INCHES[1])
    ws.set_print_scale(round(100 * setup.scale))
    ws.print_across()
    ws.set_h_pagebreaks(setup.row_breaks)
    ws.set_v_pagebreaks(setup.column_breaks)
    ws.set_header("&L&A", {"margin": HEADER_INCHES})
    ws.set_footer("&Lrnn-sheet&RPage &P of &N", {"margin": HEADER_INCHES})


def _add_chart(wb, ws, spec, book, sheet):
    """XlsxWriter caches a chart's data from its own cell table, which these sheets bypass: the
    same data is handed over from the Book."""
    categories = "=" + spec.categories.range(absolute=True)
    cached = _chart_data(book.block_cells(spec.categories, sheet))
    series = [{"name": name, "categories": categories, "categories_data": cached,
               "values": "=" + block.range(absolute=True), "values_data": _chart_data(book.block_cells(block, sheet))}
              for name, block in spec.series]
    if spec.type == "bar":
        chart = wb.add_chart({"type": "column"})
        for s in series:
            chart.add_series({**s, "fill": {"color": "#2F75B5"}, "gap": 60})
    else:
        chart = wb.add_chart({"type": "line"})
        for s in series:
            chart.add_series({**s, "marker": {"type": "circle"}})
    # Type as big as the cells' (11 pt): a chart prints no smaller than the numbers it shows.
    font = {"name": "Calibri", "size": AXIS_PT}
    axis_font = {"name_font": {**font, "bold": True}, "num_font": font}
    chart.set_title({"name": spec.title, "name_font": {**font, "size": TITLE_PT, "bold": True}})
    chart.set_x_axis({"name": spec.x_title, **axis_font})
    y_axis = {"name": spec.y_title, **axis_font}
    if spec.type == "bar":
        y_axis["min"] = 0           # bars from zero: an auto-scaled axis exaggerates small differences
    if spec.y_max is not None:
        y_axis["max"] = spec.y_max
    if spec.log:                    # a fall by powers of ten is the straight line it is
        y_axis.update(log_base=10, num_format="0E+00")
    chart.set_y_axis(y_axis)
    chart.set_legend({"position": "bottom", "font": font} if spec.more else {"none": True})
    ws.insert_chart(*spec.anchor, chart)


def _chart_data(cells):
    """A chart's cached data as XlsxWriter reads it from its cell table (Worksheet._get_range_data)."""
    out = []
    for cell in cells:
        if cell is None:
            out.append(None)
        elif cell.kind is Kind.FORMULA:
            out.append(0 if cell.value is None else cell.value)
        elif cell.kind is Kind.BLANK:
            out.append("")
        elif isinstance(cell.value, str):
            out.append(cell.value)
        else:
            out.append(f"{cell.value:.16g}")
    return out


# --- rows ------------------------------------------------------------------------------------------

def _escape(text):
    """XML text as XlsxWriter escapes a cell's data (quotes stay)."""
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


class _Rows:
    """Each sheet's <row> elements, as XlsxWriter's Worksheet._write_rows writes them; shared strings
    and style indexes are taken in the order XlsxWriter would take them (row by row, sheet by sheet)."""

    def __init__(self, wb):
        self.formats = {name: wb.add_format(spec) for name, spec in STYLES.items()}
        self.xf = {}
        self.tags = {}          # (empty, spans, row settings) -> the <row> tag of row 1
        self.numeric_text = []  # the last sheet's text cells that Excel would take for numbers

    def style(self, name):
        xf = self.xf.get(name)
        if xf is None:
            xf = self.xf[name] = xf_index(self.formats[name])
        return xf

    def extent(self, ws, sheet):
        """Set the sheet's extent as its cells' (and merged captions' blanks') before any row
        setting, as writing the cells first would; returns {(row, col): columns} of the merges."""
        cells = sheet.cells
        merges = {(r, c): n for r, c, n in sheet.merges if n > 1 and (r, c) in cells
                  and cells[(r, c)].kind in (Kind.LABEL, Kind.INPUT, Kind.CONST)
                  and isinstance(cells[(r, c)].value, str)}
        if cells:
            cols = list(map(itemgetter(1), cells))
            last = max([max(cols)] + [c + n - 1 for (_, c), n in merges.items()])
            extend(ws, min(cells)[0], min(cols))
            extend(ws, max(cells)[0], last)
            for (r, c), n in merges.items():
                ws.merge.append([r, c, r, c + n - 1])
        return merges

    def xml(self, ws, sheet, merges, width):
        """The rows of a sheet whose row settings and notes are all made, in pieces."""
        items = sorted(sheet.cells.items())
        spans = _spans(items, merges, ws.comments)
        names = [col_name(c) for c in range(max(width, ws.dim_colmax + 1))]
        string_index, xfs, style, FORMULA, BLANK = shared_strings(ws), self.xf, self.style, Kind.FORMULA, Kind.BLANK
        marked = set(ws.row_info) | set(ws.comments)
        out, row, r, done, blanks = [], None, None, ws.dim_rowmin, []
        self.numeric_text = numeric = []
        for (i, j), cell in items:
            if i != row:
                if row is not None:
                    out += [f'<c r="{names[k]}{r}" s="{xf}"/>' for k, xf in blanks]
                    out.append("</row>")
                    if len(out) > 20_000:
                        yield "".join(out)
                        out = []
                out += [self._tag(ws, k, spans.get(k >> 4), True) for k in range(done, i) if k in marked]
                row, r, done, blanks = i, str(i + 1), i + 1, []
                out.append(self._tag(ws, i, spans.get(i >> 4), False))
            while blanks and blanks[0][0] <= j:     # a merged caption's blanks, unless a cell is there
                k, xf = blanks.pop(0)
                if k < j:
                    out.append(f'<c r="{names[k]}{r}" s="{xf}"/>')
            xf = xfs.get(cell.style)
            if xf is None:
                xf = style(cell.style)
            kind, value = cell.kind, cell.value
            if kind is FORMULA:
                f = cell.formula
                if "<" in f or ">" in f or "&" in f:
                    f = _escape(f)
                if value.__class__ is float:
                    out.append(f'<c r="{names[j]}{r}" s="{xf}"><f>{f}</f><v>{value!r}</v></c>')
                else:
                    out.append(_formula(names[j] + r, xf, f, value))
            elif kind is BLANK:
                out.append(f'<c r="{names[j]}{r}" s="{xf}"/>')
            elif isinstance(value, str):
                out.append(f'<c r="{names[j]}{r}" s="{xf}" t="s"><v>{string_index(value)}</v></c>')
                if value[:1] in NUMBER_START and NUMBER_LIKE.fullmatch(value):
                    numeric.append(names[j] + r)
                if (i, j) in merges:
                    blanks = [(k, xf) for k in range(j + 1, j + merges[(i, j)])] + blanks
            else:
                out.append(f'<c r="{names[j]}{r}" s="{xf}"><v>{value:.16G}</v></c>')
        out += [f'<c r="{names[k]}{r}" s="{xf}"/>' for k, xf in blanks]
        out.append("</row>")
        out += [self._tag(ws, k, spans.get(k >> 4), True) for k in range(done, ws.dim_rowmax + 1) if k in marked]
        yield "".join(out)

    def _tag(self, ws, i, spans, empty):
        """XlsxWriter's own <row> tag (Worksheet._write_row), made once for row 1 and renumbered."""
        info = ws.row_info.get(i)
        key = (empty, spans) if info is None else (
            empty, spans, info.height, id(info.row_format), info.hidden, info.level, info.collapsed)
        rest = self.tags.get(key)
        if rest is None:
            tag = row_one_tag(ws, spans, info, empty)
            assert tag.startswith('<row r="1"')
            rest = self.tags[key] = tag[len('<row r="1"'):]
        return f'<row r="{i + 1}"{rest}'


def _formula(ref, xf, formula, value):
    """Worksheet._write_cell's <c> of a formula (escaped) and its cached value, if no number."""
    t = ""
    if isinstance(value, bool):
        t, value = ' t="b"', int(value)
    elif isinstance(value, str):
        if value:
            t = ' t="e"' if value in ERROR_CODES else ' t="str"'
        value = _escape(value)
    return f'<c r="{ref}" s="{xf}"{t}><f>{formula}</f><v>{value}</v></c>'


def _spans(items, merges, comments):
    """Worksheet._calculate_spans: for each block of 16 rows, the columns its cells, merged
    captions' blanks and notes use, as "first:last" (1-based)."""
    lo, hi = {}, {}
    for (i, j), _ in items:
        k = i >> 4
        if k not in lo:
            lo[k] = hi[k] = j
        elif j < lo[k]:
            lo[k] = j
        elif j > hi[k]:
            hi[k] = j
    for (i, j), n in merges.items():
        hi[i >> 4] = max(hi[i >> 4], j + n - 1)
    for i, cols in comments.items():
        k = i >> 4
        lo[k], hi[k] = min([lo.get(k, min(cols))] + list(cols)), max([hi.get(k, max(cols))] + list(cols))
    return {k: f"{lo[k] + 1}:{hi[k] + 1}" for k in lo}
