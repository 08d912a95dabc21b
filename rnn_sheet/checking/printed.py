"""How big the type on a printed page is: LibreOffice prints a workbook to PDF, `pdftotext -bbox`
gives every word's box, and a word's size in points is its box height / 1.3 (poppler's box spans
the font's ascent and descent, about 1.3 em for Calibri and Carlito; an 11 pt cell printed at 100%
measures 14.3 pt high). Fit-to-width printing shrinks every page of a wide sheet alike, so the
smallest word of a page is that page's type size (the header and footer print at full size). A page
whose body (the words between its header and footer lines) holds fewer than NEAR_BLANK words is
near-blank: a blank page beside a wide band, or a scrap (a band's last rows, a matrix's last column).
"""
import re
import shutil
import subprocess
from dataclasses import dataclass

EM = 1.3                # word-box height per point of type
NEAR_BLANK = 12         # words: the last column of a 3-row matrix has 4, a band's caption and two numbers 5
_PAGE = re.compile(r"<page [^>]*>(.*?)</page>", re.S)
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


@dataclass
class Page:
    number: int             # 1-based, in the PDF
    sheet: str              # the header's sheet name (the first word of the page, top left)
    smallest: float         # points: the smallest word's type size (0 on a page without words)
    words: int
    body: int = 0           # words between the header line and the footer line

    @property
    def near_blank(self):
        return self.body < NEAR_BLANK


def pages(pdf):
    """The Page of every page of a PDF (needs pdftotext, poppler-utils)."""
    if shutil.which("pdftotext") is None:
        raise RuntimeError("pdftotext is needed to measure printed pages: apt-get install poppler-utils")
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    out = []
    for n, body in enumerate(_PAGE.findall(html), 1):
        words = [(float(y0), float(x0), float(y1) - float(y0), text) for x0, y0, _, y1, text in _WORD.findall(body)]
        sizes = [h / EM for _, _, h, _ in words]
        header = [w for w in words if w[0] == min(w[0] for w in words)] if words else []
        sheet = " ".join(t for _, _, _, t in sorted(header, key=lambda w: w[1]))
        lines = {min(w[0] for w in words), max(w[0] for w in words)} if words else set()
        body = sum(1 for w in words if w[0] not in lines)
        out.append(Page(n, _unescape(sheet), round(min(sizes), 2) if sizes else 0.0, len(words), body))
    return out


def _unescape(s):
    return s.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')


def summary(pdf):
    """(page count, smallest type size in points over every page)."""
    ps = pages(pdf)
    return len(ps), min((p.smallest for p in ps if p.words), default=0.0)
