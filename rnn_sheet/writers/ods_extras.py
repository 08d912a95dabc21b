"""What the .ods shows besides cells, as LibreOffice itself writes it: embedded charts, colour-scale
heatmaps (calcext:conditional-formats), tab colours and frozen title rows (settings.xml).

Everything here is prepared XML text, like the rows in ods.py: a detailed workbook has a chart per
step and a heatmap per matrix, and odfpy elements would cost ~100 us each.
"""
from odf import style
from odf.element import Element
from odf.namespaces import (CHARTNS, CHARTOOONS, CONFIGNS, DRAWNS, FONS, LOEXTNS, NUMBERNS, OFFICENS,
                            STYLENS, SVGNS, TABLENS, TEXTNS, XLINKNS)
from odf.opendocument import OpaqueObject

from ..workbook.grid import a1, quote_sheet
from ..workbook.styles import AXIS_PT, TITLE_PT, column_width, heat_spec
from .internals import also_write_style, package_objects

CALCEXTNS = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"
CHART_MIME = "application/vnd.oasis.opendocument.chart"
# LibreOffice's default row height (Liberation Sans 10 pt) and the column width ods.py writes.
ROW_IN = 0.1778


def col_in(chars):
    return (chars * 7 + 5) / 96


def esc(s):
    """Text for an XML attribute or element."""
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def lo_range(block):
    """LibreOffice's form in charts and conditional formats: 'Step 1'.I46:'Step 1'.I49."""
    s = quote_sheet(block.sheet)
    return f"{s}.{a1(block.row, block.col)}:{s}.{a1(*block.last)}"


def lo_cell(sheet, r, c):
    return f"{quote_sheet(sheet)}.{a1(r, c)}"


# --- styles: type, chart frames ------------------------------------------------------

def default_cell_style(doc):
    """Excel's type, Calibri 11 (LibreOffice shows it as Carlito, its metric twin): both formats print
    alike."""
    doc.fontfacedecls.addElement(style.FontFace(name="Calibri", fontfamily="Calibri", fontfamilygeneric="swiss",
                                                fontpitch="variable"))
    default = style.Style(name="Default", family="table-cell")
    default.addElement(style.TextProperties(fontname="Calibri", fontsize="11pt"))
    return default


def add_frame_style(doc):
    """Chart frames have no outline or fill of their own (LibreOffice's default shape has a blue
    outline, and it ignores a common style here). odfpy writes only the automatic styles that its
    own elements name, and the frames are prepared XML: add this one to content.xml's list."""
    frame = style.Style(name="gr1", family="graphic")
    frame.addElement(style.GraphicProperties(stroke="none", fill="none"))
    also_write_style(doc, frame)


# --- heatmaps -------------------------------------------------------------------------------------

def conditional_formats(sheet):
    """The sheet's heatmaps as LibreOffice's 3-colour scales (they follow the rows of a table)."""
    if not sheet.heatmaps:
        return ""
    out = ["<calcext:conditional-formats>"]
    for heat in sheet.heatmaps:
        spec = heat_spec(heat)
        out.append(f'<calcext:conditional-format calcext:target-range-address="{esc(lo_range(heat.block))}">'
                   "<calcext:color-scale>")
        for end in ("min", "mid", "max"):
            out.append(f'<calcext:color-scale-entry calcext:value="{_number(spec[end + "_value"])}" '
                       f'calcext:type="number" calcext:color="{spec[end + "_color"].lower()}"/>')
        out.append("</calcext:color-scale></calcext:conditional-format>")
    out.append("</calcext:conditional-formats>")
    return "".join(out)


def _number(v):
    return repr(float(v)) if float(v) != int(v) else str(int(v))


# --- charts ---------------------------------------------------------------------------------------

def chart_size(sheet, spec):
    """(width, height) in inches of the cells a chart covers, as in the .xlsx."""
    rows, cols = spec.size
    col = spec.anchor[1]
    return sum(col_in(column_width(sheet, c)) for c in range(col, col + cols)), rows * ROW_IN


def chart_frame(sheet, spec, obj):
    """The draw:frame that sits in the chart's anchor cell and embeds "Object N"."""
    row, col = spec.anchor
    rows, cols = spec.size
    width, height = chart_size(sheet, spec)
    end = lo_cell(sheet.name, row + rows - 1, col + cols - 1)
    ranges = " ".join(lo_range(b) for b in (spec.categories, *(block for _, block in spec.series)))
    return (f'<draw:frame table:end-cell-address="{esc(end)}" '
            f'table:end-x="{col_in(column_width(sheet, col + cols - 1)):.4f}in" table:end-y="{ROW_IN}in" '
            f'draw:z-index="0" draw:style-name="gr1" draw:name="{esc(spec.title)}" svg:width="{width:.4f}in" '
            f'svg:height="{height:.4f}in" svg:x="0in" svg:y="0in">'
            f'<draw:object draw:notify-on-update-of-ranges="{esc(ranges)}" xlink:href="./{obj}" '
            'xlink:type="simple" xlink:show="embed" xlink:actuate="onLoad"><loext:p/></draw:object>'
            "</draw:frame>")


_NS = {"office": OFFICENS, "style": STYLENS, "text": TEXTNS, "table": TABLENS, "draw": DRAWNS, "fo": FONS,
       "xlink": XLINKNS, "number": NUMBERNS, "svg": SVGNS, "chart": CHARTNS, "chartooo": CHARTOOONS,
       "loext": LOEXTNS}
_ROOT = " ".join(f'xmlns:{p}="{ns}"' for p, ns in _NS.items())
_TEXT = ('fo:font-family="Calibri" fo:font-size="{size}pt" style:font-size-asian="{size}pt" '
         'style:font-size-complex="{size}pt"{bold}')
_BOLD = ' fo:font-weight="bold" style:font-weight-asian="bold" style:font-weight-complex="bold"'


def _text(size, bold=False):
    return f'<style:text-properties {_TEXT.format(size=size, bold=_BOLD if bold else "")}/>'


# A logarithmic axis's numbers in scientific format (1E-40 ... 1E+00): its style names this one.
SCIENTIFIC_AXIS = ('<number:number-style style:name="N1"><number:scientific-number number:decimal-places="0" '
                   'number:min-integer-digits="1" number:min-exponent-digits="2"/></number:number-style>')


def _chart_styles(spec):
    bar = spec.type == "bar"
    axis = ('<style:graphic-properties svg:stroke-width="0.026cm" svg:stroke-color="#878787"/>' + _text(AXIS_PT))
    y_extra = (' chart:minimum="0" chart:gap-width="60"' if bar else "") + (
        f' chart:maximum="{_number(spec.y_max)}"' if spec.y_max is not None else "")
    log = "true" if spec.log else "false"
    y_style = ' style:data-style-name="N1"' if spec.log else ""
    y_number = ' chart:link-data-style-to-source="false"' if spec.log else ""
    series = ('<style:graphic-properties draw:stroke="none" draw:fill-color="#2f75b5"/>' if bar else
              '<style:chart-properties chart:symbol-type="named-symbol" chart:symbol-name="circle" '
              'chart:symbol-width="0.176cm" chart:symbol-height="0.176cm"/>'
              '<style:graphic-properties svg:stroke-width="0.079cm" svg:stroke-color="#4a7ebb" '
              'draw:fill-color="#4a7ebb"/>')
    styles = {
        "ch1": '<style:graphic-properties draw:stroke="solid" svg:stroke-width="0.026cm" '
               'svg:stroke-color="#d9d9d9"/>',
        "ch2": '<style:chart-properties chart:auto-position="true" style:rotation-angle="0"/>' + _text(TITLE_PT, True),
        "ch3": '<style:chart-properties chart:include-hidden-cells="false" chart:auto-position="true" '
               'chart:auto-size="true" chart:treat-empty-cells="leave-gap"/>',
        "ch4": '<style:chart-properties chart:display-label="true" chart:logarithmic="false" '
               'chart:reverse-direction="false" text:line-break="true" chart:label-arrangement="side-by-side" '
               'chart:axis-position="0" chart:tick-mark-position="at-axis"/>' + axis,
        "ch5": '<style:chart-properties chart:auto-position="true" style:rotation-angle="0"/>' + _text(AXIS_PT, True),
        "ch6": f'<style:chart-properties chart:display-label="true" chart:logarithmic="{log}"{y_extra}{y_number} '
               'chart:reverse-direction="false" chart:axis-position="0" chart:tick-mark-position="at-axis"/>'
               + axis,
        "ch7": '<style:chart-properties chart:auto-position="true" style:rotation-angle="90"/>' + _text(AXIS_PT, True),
        "ch8": '<style:graphic-properties svg:stroke-width="0.026cm" svg:stroke-color="#d9d9d9"/>',
        "ch9": series + _text(AXIS_PT),
        "ch10": '<style:graphic-properties draw:fill="none"/>',
    }
    return (SCIENTIFIC_AXIS if spec.log else "") + "".join(
        f'<style:style style:name="{n}" style:family="chart"{y_style if n == "ch6" else ""}>{body}</style:style>'
        for n, body in styles.items())


def _local_cell(value):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (f'<table:table-cell office:value-type="float" office:value="{float(value)!r}">'
                f"<text:p>{float(value)!r}</text:p></table:table-cell>")
    return f'<table:table-cell office:value-type="string"><text:p>{esc(str(value))}</text:p></table:table-cell>'


def _column(book, block, sheet):
    """The cached values of a one-column or one-row block, read from the Book (`sheet` is the one
    being written)."""
    return ["" if cell is None or cell.value is None else cell.value for cell in book.block_cells(block, sheet)]


# Further series' lines (the first is ch9's), and the legend a chart of several series has.
SERIES_COLORS = ("#c0504d", "#9bbb59", "#8064a2")


def _more_styles(n):
    out = [f'<style:style style:name="ch{11 + k}" style:family="chart">'
           '<style:chart-properties chart:symbol-type="named-symbol" chart:symbol-name="circle" '
           'chart:symbol-width="0.176cm" chart:symbol-height="0.176cm"/>'
           f'<style:graphic-properties svg:stroke-width="0.079cm" svg:stroke-color="{color}" '
           f'draw:fill-color="{color}"/>{_text(AXIS_PT)}</style:style>' for k, color in enumerate(SERIES_COLORS[:n])]
    if n:
        out.append('<style:style style:name="ch20" style:family="chart"><style:chart-properties '
                   f'chart:auto-position="true"/>{_text(AXIS_PT)}</style:style>')
    return "".join(out)


def _series(kind, style, vals, name, n):
    label = esc('"' + name.replace('"', '""') + '"')
    return (f'<chart:series chart:style-name="{style}" chart:values-cell-range-address="{esc(vals)}" '
            f'loext:label-string="{label}" chart:class="{kind}"><chart:data-point chart:repeated="{n}"/>'
            "</chart:series>")


def chart_content(sheet, spec, book):
    """Object N/content.xml: the chart, its ranges on the sheets and a cached copy of its data."""
    bar = spec.type == "bar"
    kind = "chart:bar" if bar else "chart:line"
    width, height = chart_size(sheet, spec)
    series = spec.series
    cats = lo_range(spec.categories)
    vals = [lo_range(block) for _, block in series]
    title = esc(spec.title)
    columns = [_column(book, block, sheet) for _, block in series]
    rows = "".join("<table:table-row>" + "".join(_local_cell(v) for v in row) + "</table:table-row>"
                   for row in zip(_column(book, spec.categories, sheet), *columns))
    n = len(columns[0])
    more = len(series) - 1
    legend = ('<chart:legend chart:legend-position="bottom" style:legend-expansion="balanced" '
              'chart:style-name="ch20"/>' if more else "")
    heads = "".join(f'<table:table-cell office:value-type="string"><text:p>{esc(name)}</text:p></table:table-cell>'
                    for name, _ in series)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<office:document-content {_ROOT} office:version="1.3">'
        f"<office:automatic-styles>{_chart_styles(spec)}{_more_styles(more)}</office:automatic-styles>"
        "<office:body><office:chart>"
        f'<chart:chart svg:width="{width * 2.54:.3f}cm" svg:height="{height * 2.54:.3f}cm" xlink:href=".." '
        f'xlink:type="simple" chart:class="{kind}" chart:style-name="ch1">'
        f'<chart:title chart:style-name="ch2"><text:p>{title}</text:p></chart:title>{legend}'
        f'<chart:plot-area chart:style-name="ch3" table:cell-range-address="{esc(" ".join([cats, *vals]))}" '
        'chart:data-source-has-labels="none">'
        '<chart:axis chart:dimension="x" chart:name="primary-x" chart:style-name="ch4">'
        f'<chart:title chart:style-name="ch5"><text:p>{esc(spec.x_title)}</text:p></chart:title>'
        f'<chart:categories table:cell-range-address="{esc(cats)}"/></chart:axis>'
        '<chart:axis chart:dimension="y" chart:name="primary-y" chart:style-name="ch6">'
        f'<chart:title chart:style-name="ch7"><text:p>{esc(spec.y_title)}</text:p></chart:title>'
        '<chart:grid chart:style-name="ch8" chart:class="major"/></chart:axis>'
        + "".join(_series(kind, "ch9" if k == 0 else f"ch{10 + k}", v, name, n)
                  for k, (v, (name, _)) in enumerate(zip(vals, series))) +
        '<chart:wall chart:style-name="ch10"/></chart:plot-area>'
        '<table:table table:name="local-table"><table:table-header-columns><table:table-column/>'
        "</table:table-header-columns><table:table-columns>"
        + "<table:table-column/>" * len(series) + "</table:table-columns>"
        "<table:table-header-rows><table:table-row><table:table-cell><text:p/></table:table-cell>"
        f"{heads}</table:table-row></table:table-header-rows><table:table-rows>{rows}</table:table-rows>"
        "</table:table></chart:chart></office:chart></office:body></office:document-content>")


def add_charts(doc, sheet, book):
    """Put the sheet's charts into the package as "Object N" (numbered across the workbook, as
    LibreOffice does); returns {anchor (row, col): draw:frame XML} for the rows."""
    frames = {}
    for spec in sheet.charts:
        obj = f"Object {sum(op.mediatype == CHART_MIME for op in package_objects(doc)) + 1}"
        frames[spec.anchor] = chart_frame(sheet, spec, obj)
        package_objects(doc).extend([OpaqueObject(f"{obj}/content.xml", "text/xml", chart_content(sheet, spec, book).encode()),
                       OpaqueObject(f"{obj}/styles.xml", "text/xml", CHART_STYLES_XML.encode()),
                       OpaqueObject(f"{obj}/", CHART_MIME)])
    return frames


CHART_STYLES_XML = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                    f'<office:document-styles {_ROOT} office:version="1.3"><office:styles/>'
                    "</office:document-styles>")


# --- settings.xml: frozen title rows, no grid -------------------------------------------------------

def _item(name, kind, value):
    return f'<config:config-item config:name="{name}" config:type="{kind}">{value}</config:config-item>'


def _table_view(name, n):
    """A sheet's view: n frozen title rows."""
    items = [("CursorPositionX", "int", 0), ("CursorPositionY", "int", n),
             ("HorizontalSplitMode", "short", 0), ("VerticalSplitMode", "short", 2 if n else 0),
             ("HorizontalSplitPosition", "int", 0), ("VerticalSplitPosition", "int", n),
             ("ActiveSplitRange", "short", 2 if n else 0), ("PositionLeft", "int", 0), ("PositionRight", "int", 0),
             ("PositionTop", "int", 0), ("PositionBottom", "int", n), ("ShowGrid", "boolean", "false")]
    return (f'<config:config-item-map-entry config:name="{esc(name)}">'
            + "".join(_item(*i) for i in items) + "</config:config-item-map-entry>")


def settings_xml(views):
    """LibreOffice's view settings: each sheet's frozen title rows (views: (name, header_rows) of
    every sheet, split there with mode 2, "freeze"), the first sheet active, gridlines off as in the
    .xlsx."""
    first = esc(views[0][0]) if views else ""
    return ('<config:config-item-set config:name="ooo:view-settings">'
            '<config:config-item-map-indexed config:name="Views"><config:config-item-map-entry>'
            + _item("ViewId", "string", "view1")
            + '<config:config-item-map-named config:name="Tables">'
            + "".join(_table_view(name, n) for name, n in views)
            + "</config:config-item-map-named>"
            + _item("ActiveTable", "string", first) + _item("ShowGrid", "boolean", "false")
            + "</config:config-item-map-entry></config:config-item-map-indexed></config:config-item-set>"
            '<config:config-item-set config:name="ooo:configuration-settings">'
            + _item("ShowGrid", "boolean", "false") + "</config:config-item-set>")


class Prepared(Element):
    """An odfpy element that writes prepared XML text in place of itself."""

    def __init__(self, xml):
        super().__init__(qname=(CONFIGNS, "config-item-set"), check_grammar=False)
        self.xml = xml

    def toXml(self, level, f):
        f.write(self.xml)

