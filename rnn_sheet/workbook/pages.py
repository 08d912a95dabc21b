"""Where printed pages break: between bands, never inside one that fits on a page.

Sheets print fit to one page wide (xlsx._print_setup), so how many rows a page holds depends on how
wide the sheet is. This module estimates it the way Excel lays out an A4 landscape page with
XlsxWriter's default margins and Calibri 11, and places horizontal page breaks greedily: each page
ends before the first band that would not fit on it whole, a band taller than a page starts a new
one, and a sheet that fits on one page gets no break. The estimate is on the safe side for
LibreOffice too: it scales the header with the page (more room for rows), and without Calibri or
Carlito it draws columns about 4/3 wider, so the scale is smaller and a page holds more rows; such
pages keep some room at the foot, but no band is cut. (XlsxWriter keeps the first 1023 breaks of a
sheet; after those, a very long Training sheet breaks where the page ends.)
"""
import math

from .styles import STYLES, column_width

A4_LANDSCAPE = (841.89, 595.28)         # points
MARGINS = (0.7 * 72, 0.75 * 72)         # XlsxWriter's defaults: left/right, top/bottom (inches)
ROW_HEIGHT = 15.0                       # points: the default row of Calibri 11
SAFETY = 0.97                           # of a page's height: rounding in the renderer


def printable():
    """(width, height) of the printable area in points."""
    w, h = A4_LANDSCAPE
    return w - 2 * MARGINS[0], h - 2 * MARGINS[1]


def column_points(width):
    """A column of `width` characters in points: 7 px per character plus 5 px padding, 0.75 pt per px."""
    px = int(width * 12 + 0.5) if width < 1 else int(width * 7 + 0.5) + 5
    return px * 0.75


def scale(sheet):
    """The fit-to-width scale: a whole percentage, never above 100% (nor below Excel's 10%)."""
    cols = sheet.extent[1]
    points = sum(column_points(column_width(sheet, c)) for c in range(cols))
    pct = math.floor(100 * printable()[0] / points) if points else 100
    return max(10, min(100, pct)) / 100


# Rows holding a larger font are taller: 14 pt makes Excel's 18.75.
TALLER = {name: spec["font_size"] * 4 / 3 + 0.5 for name, spec in STYLES.items() if spec.get("font_size", 11) > 11}


def row_heights(sheet):
    """The height in points of each printed row; a larger font makes its row taller."""
    rows = sheet.extent[0]
    heights = [ROW_HEIGHT] * rows
    for (row, _), cell in sheet.cells.items():
        if cell.style in TALLER:
            heights[row] = max(heights[row], TALLER[cell.style])
    return heights


def keep_together(sheet):
    """(first, last) row ranges that should not be split: the bands, and the rows each chart covers."""
    ranges = [tuple(b) for b in sheet.bands]
    for chart in sheet.charts:
        row = chart.anchor[0]
        ranges.append((row, row + chart.size[0] - 1))
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
    levels = [_inside(keep_together(sheet), len(heights)), _inside(sheet.bands, len(heights))]
    breaks, start = [], 0
    while True:
        end, used = start, 0.0          # end: the first row that no longer fits on this page
        while end < len(heights) and (used + heights[end] <= capacity or end == start):
            used += heights[end]
            end += 1
        if end >= len(heights):
            return breaks
        # The latest break that splits nothing, else one that splits no band, else where the page ends.
        at = next((r for inside in levels for r in range(end, start, -1) if not inside[r]), end)
        breaks.append(at)
        start = at


def _inside(ranges, n):
    """inside[r]: would a break before row r split one of the ranges?"""
    inside = [False] * (n + 1)
    for a, b in ranges:
        for r in range(a + 1, min(b, n - 1) + 1):
            inside[r] = True
    return inside
