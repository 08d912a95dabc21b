"""Where printed pages break: between bands, never inside one that fits on a page, and never so small
that a class cannot read it.

A sheet prints at a fixed scale (xlsx._print_setup): as large as fits its width on one page, up to
100%, but never below MIN_SCALE (11 pt type then prints at 8.25 pt); a sheet wider than that prints
two or more pages wide, its column breaks at the page's right edge, pages numbered across then down,
so that a band's halves follow one another. How many rows a page holds depends on the scale. This
module estimates it the way Excel lays out an A4 landscape page with XlsxWriter's default margins
and Calibri 11 (LibreOffice with Carlito, Calibri's metric twin, lays out the same), and places
horizontal page breaks greedily: each page ends before the first band that would not fit on it whole,
a band taller than a page starts a new one, and a sheet that fits on one page gets no break.
(XlsxWriter keeps the first 1023 breaks of a sheet; after those, a very long sheet breaks where the
page ends.)
"""
import math

from .styles import STYLES, column_width

A4_LANDSCAPE = (841.89, 595.28)         # points
MARGINS = (0.7 * 72, 0.75 * 72)         # XlsxWriter's defaults: left/right, top/bottom (inches)
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
    100% nor below MIN_SCALE (a wider sheet prints several pages wide: column_breaks)."""
    points = sum(_columns(sheet))
    pct = math.floor(100 * printable()[0] * WIDTH_SAFETY / points) if points else 100
    return max(round(100 * MIN_SCALE), min(100, pct)) / 100


def column_breaks(sheet):
    """The columns that start a new printed page across (0-based; XlsxWriter's set_v_pagebreaks),
    none when the sheet fits one page wide: each page ends before the first column that would run
    past it, or before the last empty column on it, when there is one in its right third."""
    widths = _columns(sheet)
    capacity = printable()[0] * WIDTH_SAFETY / scale(sheet)
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
    heights = row_heights(sheet)
    capacity = printable()[1] * SAFETY / scale(sheet)
    if sum(heights) <= capacity:
        return []
    # A break before row r splits every range with first < r <= last. Bands come first: a chart
    # beside them gives way when the two together are taller than a page. A band taller than a page
    # starts on a new one and is split where each page ends.
    charts = [(c.anchor[0], c.anchor[0] + c.size[0] - 1) for c in sheet.charts]
    levels = [_inside(keep_together(sheet), len(heights)), _inside(list(sheet.bands) + charts, len(heights))]
    breaks, start = [], 0
    while True:
        end, used = start, 0.0          # end: the first row that no longer fits on this page
        while end < len(heights) and (used + heights[end] <= capacity or end == start):
            used += heights[end]
            end += 1
        if end >= len(heights):
            return breaks
        # The latest break that splits nothing and fills a third of the page (a chart goes to the
        # next page with its band only if that leaves more than a title behind), else one that
        # splits no band, else where the page ends.
        third = next(r for r in range(start, end + 1) if sum(heights[start:r]) >= used / 3)
        at = next((r for level, inside in enumerate(levels) for r in range(end, start, -1)
                   if not inside[r] and (level or r >= third)), end)
        breaks.append(at)
        start = at


def _inside(ranges, n):
    """inside[r]: would a break before row r split one of the ranges?"""
    inside = [False] * (n + 1)
    for a, b in ranges:
        for r in range(a + 1, min(b, n - 1) + 1):
            inside[r] = True
    return inside
