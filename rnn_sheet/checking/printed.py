"""How big the type on a printed page is: LibreOffice prints a workbook to PDF, `pdftotext -bbox`
gives every word's box, and a word's size in points is its box height / 1.3 (poppler's box spans
the font's ascent and descent, about 1.3 em for Calibri and Carlito; an 11 pt cell printed at 100%
measures 14.3 pt high). Fit-to-width printing shrinks every page of a wide sheet alike, so the
smallest word of a page is that page's type size (the header and footer print at full size).
"""
import re
import shutil
import subprocess
from dataclasses import dataclass

EM = 1.3                # word-box height per point of type
_PAGE = re.compile(r"<page [^>]*>(.*?)</page>", re.S)
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


@dataclass
class Page:
    number: int             # 1-based, in the PDF
    sheet: str              # the header's sheet name (the first word of the page, top left)
    smallest: float         # points: the smallest word's type size (0 on a page without words)
    words: int


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
        out.append(Page(n, _unescape(sheet), round(min(sizes), 2) if sizes else 0.0, len(words)))
    return out


def _unescape(s):
    return s.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')


def summary(pdf):
    """(page count, smallest type size in points over every page)."""
    ps = pages(pdf)
    return len(ps), min((p.smallest for p in ps if p.words), default=0.0)
