"""The printed pages of an .ods, as the .xlsx has them (workbook/pages.py): A4 landscape at each
sheet's own scale, pages numbered across then down, the sheet name and page numbers on every page,
and the same row and column breaks, as LibreOffice writes them: a page layout and master page per
scale, a table style per tab colour and scale, and row and column styles that break before them.
"""
from odf import style, text
from odf.namespaces import TABLENS

from ..workbook.pages import HEADER_INCHES, MARGIN_INCHES
from ..workbook.styles import TAB_COLORS
from .ods_extras import lo_cell

ROW_BREAK = "ro_break"      # a row that starts a new printed page


class Pages:
    """The page styles of one document, made as its sheets ask for them."""

    def __init__(self, doc):
        self.doc, self.masters, self.tables = doc, {}, set()
        row = style.Style(name=ROW_BREAK, family="table-row")
        row.addElement(style.TableRowProperties(breakbefore="page", useoptimalrowheight="true"))
        doc.automaticstyles.addElement(row)

    def table_style(self, sheet, at_scale):
        """The table style of a sheet: its tab colour and its print scale's master page."""
        pct = round(100 * at_scale)
        name = f"ta_{sheet.kind}_{pct}" if sheet.kind in TAB_COLORS else f"ta1_{pct}"
        if name not in self.tables:
            self.tables.add(name)
            sheet_style = style.Style(name=name, family="table", masterpagename=self._master(pct))
            props = style.TableProperties(display="true", writingmode="lr-tb")
            if sheet.kind in TAB_COLORS:
                props.setAttrNS(TABLENS, "tab-color", TAB_COLORS[sheet.kind].lower())
            sheet_style.addElement(props)
            self.doc.automaticstyles.addElement(sheet_style)
        return name

    def _master(self, pct):
        if pct in self.masters:
            return self.masters[pct]
        layout = style.PageLayout(name=f"handout{pct}")
        layout.addElement(style.PageLayoutProperties(
            printorientation="landscape", pagewidth="29.7cm", pageheight="21cm", scaleto=f"{pct}%",
            marginleft=f"{MARGIN_INCHES[0]}in", marginright=f"{MARGIN_INCHES[0]}in",
            margintop=f"{HEADER_INCHES}in", marginbottom=f"{HEADER_INCHES}in",
            printpageorder="ltr", print="charts drawings objects zero-values"))
        # LibreOffice prints a header or footer only when the page layout reserves room for it. An .ods
        # page's margin ends where its header starts, an .xlsx page's where its body starts: the header's
        # room makes up the difference, so that a page holds the rows pages.py counts on (LibreOffice's
        # default 2 cm margins held 11% less, so bands that fit the .xlsx's page ran over onto the next).
        room_in = MARGIN_INCHES[1] - HEADER_INCHES
        for kind, margin in ((style.HeaderStyle, "marginbottom"), (style.FooterStyle, "margintop")):
            room = kind()
            room.addElement(style.HeaderFooterProperties(minheight=f"{room_in - 0.1:.2f}in", **{margin: "0.1in"}))
            layout.addElement(room)
        self.doc.automaticstyles.addElement(layout)
        master = style.MasterPage(name="Handout" if not self.masters else f"Handout{pct}", pagelayoutname=layout)
        header, footer = style.Header(), style.Footer()
        name = text.P()
        name.addElement(text.SheetName(text="???"))
        header.addElement(name)
        page = text.P(text="rnn-sheet · page ")
        page.addElement(text.PageNumber(text="1"))
        page.addText(" of ")
        page.addElement(text.PageCount(text="1"))
        footer.addElement(page)
        master.addElement(header)
        master.addElement(footer)
        self.doc.masterstyles.addElement(master)
        self.masters[pct] = master
        return master


def print_range(sheet, ranges):
    """table:print-ranges of a sheet that prints part of its rows (Training) or prints ranges of
    different widths (its pages.print_ranges, `ranges`), else None (all of it)."""
    if sheet.print_rows is None and len(ranges) == 1:
        return None
    return " ".join(f"{lo_cell(sheet.name, first, 0)}:{lo_cell(sheet.name, last, last_col)}"
                    for first, last, last_col in ranges)
