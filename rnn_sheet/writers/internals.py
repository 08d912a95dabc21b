"""Every private name of XlsxWriter and odfpy the writers use, in one place, with the releases it was
written against. The xlsx writer streams each sheet's rows from the spool in XlsxWriter's own XML (a
sheet's cells are never all in XlsxWriter's memory), so it takes XlsxWriter's style indexes, shared
strings, sheet extent and <row> tags from it; the ods writer adds prepared chart objects and a frame
style that odfpy's own elements do not name. A release that moves any of these breaks the build here,
by name: tests/test_streaming.py compares our .xlsx byte for byte with XlsxWriter's own output
(the early warning), and check_versions says when the installed release is not one the suite ran with.
"""
import io
import warnings
from importlib.metadata import version

import xlsxwriter
from xlsxwriter.packager import Packager
from xlsxwriter.worksheet import Worksheet

# (lowest, first untested): the releases the suite has run with, as setup.cfg's bounds.
TESTED = {"XlsxWriter": ((3, 1), (3, 4)), "odfpy": ((1, 4), (1, 5))}


def _release(text):
    return tuple(int(p) for p in text.split(".")[:2] if p.isdigit())


def check_versions():
    """A warning (once per package) when an installed release is outside TESTED."""
    for package, (low, high) in TESTED.items():
        have = _release(version(package))
        if not low <= have < high:
            warnings.warn(f"{package} {version(package)} is not a release rnn-sheet was tested with "
                          f"({'.'.join(map(str, low))} to below {'.'.join(map(str, high))}): its writers use "
                          "private names, which may have moved", RuntimeWarning, stacklevel=2)


# --- XlsxWriter -----------------------------------------------------------------------------------

def xf_index(fmt):
    """The style index XlsxWriter gives a Format when a cell first uses it."""
    return fmt._get_xf_index()


def print_areas(ws, ranges):
    """A print area of several ranges (first row, first col, last row, last col), which Excel prints
    each from a new page: print_area() takes one; its attribute holds the list, comma-separated."""
    areas = []
    for area in ranges:
        ws.print_area(*area)
        areas.append(ws.print_area_range)
    ws.print_area_range = ",".join(areas)


def extend(ws, row, col):
    """Grow the sheet's extent (its <dimension>) to (row, col), as writing a cell there would."""
    ws._check_dimensions(row, col)


def shared_strings(ws):
    """text -> its index in the shared strings table, taken in order (the bound method: a hot loop)."""
    return ws.str_table._get_shared_string_index


def row_one_tag(ws, spans, info, empty):
    """XlsxWriter's <row> tag for row 1 with these spans and row settings (the caller renumbers it)."""
    ws.fh, saved = io.StringIO(), ws.fh
    ws._write_row(0, spans, info, empty_row=empty)
    tag, ws.fh = ws.fh.getvalue(), saved
    return tag


class StreamedWorksheet(Worksheet):
    """A worksheet whose <sheetData> is the spool's marker for its rows, spliced in when zipped."""
    rows = None

    def _write_sheet_data(self):
        if self.rows is None:
            super()._write_sheet_data()
            return
        self._xml_start_tag("sheetData")
        self.fh.write(self.rows)
        self._xml_end_tag("sheetData")


class _Part(io.StringIO):
    """A package part in memory; its markers become the spooled rows when it is zipped."""

    def __init__(self, spool):
        super().__init__()
        self.spool = spool

    def getvalue(self):
        return "".join(self.spool.splice(super().getvalue()))


class _Packager(Packager):
    def _filename(self, xml_filename):
        part = _Part(self.workbook.spool)
        self.filenames.append((part, xml_filename, False))
        return part


class StreamedWorkbook(xlsxwriter.Workbook):
    """A workbook whose parts are zipped from memory, the sheets' rows from the spool (wb.spool)."""
    spool = None

    def _get_packager(self):
        return _Packager()


# --- odfpy ----------------------------------------------------------------------------------------

def also_write_style(doc, style):
    """odfpy writes only the automatic styles its own elements name: add `style` to content.xml's."""
    used = doc._used_auto_styles
    doc._used_auto_styles = lambda segments: used(segments) + ([style] if doc.body in segments else [])


def package_objects(doc):
    """The extra files (OpaqueObjects) odfpy will zip into the package: append to add one."""
    return doc._extra


check_versions()
