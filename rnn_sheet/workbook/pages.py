"""Where printed pages break: between bands, never inside one that fits on a page, and never so small
that a class cannot read it.

A sheet prints at a fixed scale (xlsx._print_setup): as large as fits its width on one page, up to
100%, but never below MIN_SCALE (11 pt type then prints at 8.25 pt); a sheet wider than that prints
two or more pages wide, its column breaks at the page's right edge, pages numbered across then down,
so that a band's halves follow one another. How many rows a page holds depends on the scale. This
module estimates it the way Excel lays out an A4 landscape page with Excel's narrow margins
and Calibri 11 (LibreOffice with Carlito, Calibri's metric twin, lays out the same), and places
horizontal page breaks greedily: each page ends before the first band that would not fit on it whole,
a band taller than a page starts a new one (and is split between its lines of tables), a page that
would hold only a scrap starts earlier (_no_scraps), and a sheet that fits on one page gets no break.
(XlsxWriter keeps the first 1023 breaks of a sheet; after those, a very long sheet breaks where the
page ends.) A sheet several pages wide prints only the pages across that hold something: its print
area is one range per run of row pages that reach as far right (print_ranges), so a narrow band
below a wide one prints no blank page beside it.
"""
import bisect
import math
from dataclasses import dataclass

from .book import Kind
from .styles import STYLES, column_width

A4_LANDSCAPE = (841.89, 595.28)         # points
# Excel's "Narrow" margins (left/right, top/bottom; inches; header and footer 0.3): against XlsxWriter's
# default 0.7 at the sides, a 12-letter vocabulary's matrix fits a page instead of leaving its last
# column alone on a page beside it.
MARGIN_INCHES = (0.25, 0.75)
HEADER_INCHES = 0.3                     # from the paper's edge to the header (and the footer): Excel's default
MARGINS = (MARGIN_INCHES[0] * 72, MARGIN_INCHES[1] * 72)     # points
ROW_HEIGHT = 15.0                       # points: the default row of Calibri 11
SAFETY = 0.97                           # of a page's height: rounding in the renderer
WIDTH_SAFETY = 0.92                     # of a page's width: LibreOffice with Carlito draws columns ~7% wider
MIN_SCALE = 0.75                        # 11 pt prints at 8.25 pt: below this, a sheet goes wide


def printable():
    """(width, height) of the printable area in points."""
    w, h = A4_LANDSCAPE
    return w - 2 * MARGINS[0], h - 2 * MARGINS[1]


def column_points(width):
    """A column of `width` characters in points: 7 px per character plus 5 px padding, 0.75 pt per px."""
    px = int(width * 12 + 0.5) if width < 1 else int(width * 7 + 0.5) + 5
    return px * 0.75


def line_points():
    """How wide a printed line may be, in points at 100%: the page's width at MIN_SCALE."""
    return printable()[0] * WIDTH_SAFETY / MIN_SCALE


def _columns(sheet):
    return [column_points(column_width(sheet, c)) for c in range(sheet.extent[1])]


def scale(sheet):
    """The print scale: the whole percentage that fits the sheet's width on one page, never above
    100% nor below MIN_SCALE (a wider sheet prints several pages wide: column_breaks); a sheet of a
    few pages that prints on fewer at a smaller scale, still MIN_SCALE or more, takes the largest
    such scale (a Summary on one page rather than two)."""
    points = sum(_columns(sheet))
    least = round(100 * MIN_SCALE)
    pct = max(least, min(100, math.floor(100 * printable()[0] * WIDTH_SAFETY / points) if points else 100))
    short = SHORT * printable()[1] * SAFETY * 100 / pct
    if pct == least or printed_rows(sheet) * ROW_HEIGHT > short:        # no row is lower than that
        return pct / 100
    heights = row_heights(sheet)
    if sum(heights) > short:
        return pct / 100
    fewest = len(_row_breaks(sheet, heights, least / 100))
    return next(p for p in range(pct, least - 1, -1) if len(_row_breaks(sheet, heights, p / 100)) == fewest) / 100


SHORT = 4       # pages: a sheet this short may print a little smaller to print on fewer


@dataclass(frozen=True)
class PrintSetup:
    """What a writer sets for a sheet's printing, each part computed once (scale() alone lays the
    sheet's rows out at several scales)."""
    scale: float
    row_breaks: list
    column_breaks: list
    ranges: list            # print_ranges


def print_setup(sheet):
    """The PrintSetup of a sheet: its scale, its row and column breaks at that scale, its print ranges."""
    at = scale(sheet)
    downs, across = _row_breaks(sheet, row_heights(sheet), at), _column_breaks(sheet, at)
    return PrintSetup(at, downs, across, print_ranges(sheet, downs, across))


def column_breaks(sheet):
    """The columns that start a new printed page across (0-based; XlsxWriter's set_v_pagebreaks),
    none when the sheet fits one page wide: each page ends before the first column that would run
    past it, or before the last empty column on it, when there is one in its right third."""
    return _column_breaks(sheet, scale(sheet))


def _column_breaks(sheet, at_scale):
    """column_breaks at a given scale."""
    widths = _columns(sheet)
    capacity = printable()[0] * WIDTH_SAFETY / at_scale
    if sum(widths) <= capacity:
        return []
    used_cols = {c for _, c in sheet.cells} | {c + k for _, c, n in sheet.merges for k in range(n)}
    breaks, start = [], 0
    while True:
        end, used = start, 0.0
        while end < len(widths) and (used + widths[end] <= capacity or end == start):
            used += widths[end]
            end += 1
        if end >= len(widths):
            return breaks
        gaps = [c for c in range(end - 1, start + 2 * (end - start) // 3, -1) if c not in used_cols]
        at = gaps[0] + 1 if gaps else end
        breaks.append(at)
        start = at


def _held(sheet, downs):
    """held[k][c]: how many things row page k (between the row breaks `downs`) prints in column c:
    cells that show something, an exercise's empty answer cells, a merged caption's columns, a chart's."""
    rows, cols = printed_rows(sheet), sheet.extent[1]
    held = [[0] * cols for _ in range(len(downs) + 1)]
    for (row, col), cell in sheet.cells.items():
        value = cell.value
        if row < rows and (cell.kind is Kind.BLANK if value is None else not isinstance(value, str) or value.strip()):
            held[bisect.bisect_right(downs, row)][col] += 1
    spans = [(row, row, col + 1, col + n - 1) for row, col, n in sheet.merges if row < rows]
    spans += [(c.anchor[0], min(rows, c.anchor[0] + c.size[0]) - 1, c.anchor[1], c.anchor[1] + c.size[1] - 1)
              for c in sheet.charts if c.anchor[0] < rows]
    for first, last, col0, col1 in spans:
        for k in range(bisect.bisect_right(downs, first), bisect.bisect_right(downs, last) + 1):
            for col in range(col0, min(col1, cols - 1) + 1):
                held[k][col] += 1
    return held


# Rows holding a larger font are taller: 14 pt makes Excel's 18.75.
TALLER = {name: spec["font_size"] * 4 / 3 + 0.5 for name, spec in STYLES.items() if spec.get("font_size", 11) > 11}


def printed_rows(sheet):
    """How many rows print: the print area's (a Training sheet prints its first epochs only)."""
    return min(sheet.extent[0], sheet.print_rows or sheet.extent[0])


def row_heights(sheet):
    """The height in points of each printed row; a larger font makes its row taller."""
    rows = printed_rows(sheet)
    heights = [ROW_HEIGHT] * rows
    for (row, _), cell in sheet.cells.items():
        if cell.style in TALLER and row < rows:
            heights[row] = max(heights[row], TALLER[cell.style])
    return heights


def keep_together(sheet):
    """(first, last) row ranges that should not be split: the bands, the rows each chart covers, and
    a chart with the band above it, which it illustrates."""
    ranges = [tuple(b) for b in sheet.bands]
    for chart in sheet.charts:
        row = chart.anchor[0]
        last = row + chart.size[0] - 1
        ranges.append((row, last))
        above = [b for b in sheet.bands if b[1] < row]
        if above:
            ranges.append((max(above, key=lambda b: b[1])[0], last))
    return ranges


def row_breaks(sheet):
    """The rows that start a new printed page (0-based; XlsxWriter's set_h_pagebreaks), none when
    the whole sheet fits on one page."""
    return _row_breaks(sheet, row_heights(sheet), scale(sheet))


def _row_breaks(sheet, heights, at_scale):
    """row_breaks at a given scale."""
    capacity = printable()[1] * SAFETY / at_scale
    if sum(heights) <= capacity:
        return []
    # A break before row r splits every range with first < r <= last. Bands come first: a chart
    # beside them gives way when the two together are taller than a page. A band taller than a page
    # starts on a new one and is split between its lines of tables where it can, else where the page
    # ends.
    n = len(heights)
    charts = [(c.anchor[0], c.anchor[0] + c.size[0] - 1) for c in sheet.charts]
    levels = [_inside(keep_together(sheet), n), _inside(list(sheet.bands) + charts, n), _inside_a_line(sheet, n)]
    breaks, start = [], 0
    while True:
        end, used = start, 0.0          # end: the first row that no longer fits on this page
        while end < n and (used + heights[end] <= capacity or end == start):
            used += heights[end]
            end += 1
        if end >= n:
            return _no_scraps(breaks, heights, capacity, levels)
        # The latest break that splits nothing and fills a third of the page (a chart goes to the
        # next page with its band only if that leaves more than a title behind), else one that
        # splits no band, else one between a band's lines that fills a third, else where the page ends.
        third = next(r for r in range(start, end + 1) if sum(heights[start:r]) >= used / 3)
        at = next((r for level, inside in enumerate(levels) for r in range(end, start, -1)
                   if not inside[r] and (level == 1 or r >= third)), end)
        breaks.append(at)
        start = at


def _no_scraps(breaks, heights, capacity, levels):
    """The breaks, each page that would hold a scrap (under a quarter of a page: a band's last rows,
    a small band between two that fill a page) starting earlier, so that it fits and the page before
    keeps a third of one: at the latest row where a break splits no band, else between the lines
    of a band (a band in two beats a page nearly blank)."""
    edges = [0] + breaks + [len(heights)]
    for k in range(1, len(edges) - 1):
        start, end = edges[k - 1], edges[k + 1]
        if sum(heights[edges[k]:end]) >= capacity / 4:
            continue
        fits = [r for r in range(edges[k] - 1, start, -1)
                if capacity / 4 <= sum(heights[r:end]) <= capacity and sum(heights[start:r]) >= capacity / 3]
        edges[k] = next((r for inside in levels[1:] for r in fits if not inside[r]), edges[k])
    return edges[1:-1]


def _inside_a_line(sheet, n):
    """inside[r]: would a break before row r cut a line of a band's tables (break only before a
    line's captions, or a title, after an empty row)?"""
    filled = {row for row, _ in sheet.cells}
    tops = {row for (row, _), cell in sheet.cells.items() if cell.style in ("caption", "band", "title")}
    return [not (r in tops and r - 1 not in filled) for r in range(n + 1)]


def _inside(ranges, n):
    """inside[r]: would a break before row r split one of the ranges?"""
    inside = [False] * (n + 1)
    for a, b in ranges:
        for r in range(a + 1, min(b, n - 1) + 1):
            inside[r] = True
    return inside


def print_ranges(sheet, downs=None, across=None):
    """The print area as (first row, last row, last column) ranges, each from column A: one range
    for a sheet one page wide; for a wider one, each run of row pages (row_breaks) whose content
    ends on the same page across is a range ending at that page's last column. Excel and LibreOffice
    start each range on a new page, and print no page across that the range does not reach.
    (downs, across: the sheet's row_breaks and column_breaks, when the caller has them.)"""
    rows, cols = printed_rows(sheet), sheet.extent[1]
    across = column_breaks(sheet) if across is None else across
    if not across:
        return [(0, rows - 1, cols - 1)]
    downs = row_breaks(sheet) if downs is None else downs
    edges = [0] + downs + [rows]
    ends = across + [cols]
    out = []
    for (a, b), line in zip(zip(edges, edges[1:]), _held(sheet, downs)):
        last = max((c for c, n in enumerate(line) if n), default=0)
        reach = ends[sum(1 for brk in across if brk <= last)] - 1
        if out and out[-1][2] == reach:
            out[-1] = (out[-1][0], b - 1, reach)
        else:
            out.append((a, b - 1, reach))
    return out
