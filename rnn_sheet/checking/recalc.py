"""Recompute workbooks with LibreOffice (headless, a throwaway profile that always recalculates)."""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

# LibreOffice shows the cached values of an .xlsx unless told to recalculate on load (0 = always).
PROFILE_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""
INSTALL_HINT = ("LibreOffice is needed to recompute workbooks: install it with "
                "'apt-get install libreoffice-calc-nogui' (Debian/Ubuntu) or from libreoffice.org")


class LibreOfficeMissing(RuntimeError):
    pass


def find_soffice():
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for path in ("/usr/lib/libreoffice/program/soffice", "/opt/libreoffice/program/soffice",
                 "/Applications/LibreOffice.app/Contents/MacOS/soffice"):
        if os.path.exists(path):
            return path
    raise LibreOfficeMissing(INSTALL_HINT)


def convert(paths, outdir, to="xlsx", timeout=600):
    """Open each file in LibreOffice, recalculate everything, save as `to` into outdir.
    One soffice call for all files: start-up is most of the cost."""
    soffice = find_soffice()
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rnn-sheet-lo-") as profile:
        user = Path(profile, "user")
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(PROFILE_XCU)
        cmd = [soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
               "--nolockcheck", "--convert-to", to, "--outdir", str(outdir), *map(str, paths)]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                                env={**os.environ, "HOME": profile})
    outputs = [outdir / (Path(p).stem + "." + to.split(":")[0]) for p in paths]
    missing = [str(o) for o in outputs if not o.exists()]
    if missing:
        raise RuntimeError(f"LibreOffice did not write {missing[0]}: {result.stderr.strip() or result.stdout.strip()}")
    return outputs
