"""--pdf: print workbooks to PDF with LibreOffice (headless), using the page setup each sheet carries
(landscape, one page wide, print area, header and footer)."""
from pathlib import Path

from . import recalc
from .scenario import InputError


def require_libreoffice():
    """Before anything is written: a missing LibreOffice is a one-line error, not half a build."""
    try:
        recalc.find_soffice()
    except recalc.LibreOfficeMissing as e:
        raise InputError(f"--pdf needs LibreOffice: {e}") from None


def export_pdf(paths):
    """One PDF beside each workbook (same name, .pdf; of the first file where a name comes in two
    formats), one LibreOffice call per folder. LibreOffice recalculates on loading, so the pages show
    computed values."""
    first, by_folder, out = {}, {}, []
    for p in map(Path, paths):
        first.setdefault(p.with_suffix(""), p)
    for p in first.values():
        by_folder.setdefault(p.parent, []).append(p)
    for folder, files in by_folder.items():
        try:
            out += recalc.convert(files, folder, to="pdf")
        except recalc.LibreOfficeMissing as e:
            raise InputError(f"--pdf needs LibreOffice: {e}") from None
        except (RuntimeError, OSError) as e:
            raise InputError(f"--pdf: {str(e).splitlines()[0]}") from None
    return out
