"""Recompute workbooks with LibreOffice (headless, a throwaway profile that always recalculates)."""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

# LibreOffice shows the cached values of an .xlsx unless told to recalculate on load (0 = always).
# Files may come from anyone (`rnn-sheet grade` opens what students hand in), so the profile also
# runs no macros (security level 3, "very high": only from trusted locations, and there are none;
# and macro execution off altogether) and never updates links (Calc's update mode 1 = never), which
# covers external references and WEBSERVICE. A conversion from the command line already loads
# documents without running their macros or updating their links; this holds whatever the defaults.
SETTINGS = [
    ("/org.openoffice.Office.Calc/Formula/Load", "OOXMLRecalcMode", "0"),
    ("/org.openoffice.Office.Calc/Formula/Load", "ODFRecalcMode", "0"),
    ("/org.openoffice.Office.Common/Security/Scripting", "MacroSecurityLevel", "3"),
    ("/org.openoffice.Office.Common/Security/Scripting", "DisableMacrosExecution", "true"),
    ("/org.openoffice.Office.Common/Security/Scripting", "BlockUntrustedRefererLinks", "true"),
    ("/org.openoffice.Office.Calc/Content/Update", "Link", "1"),
]
PROFILE_XCU = "\n".join([
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
    *(f'<item oor:path="{path}"><prop oor:name="{name}" oor:op="fuse"><value>{value}</value></prop></item>'
      for path, name, value in SETTINGS),
    "</oor:items>", ""])
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
    """Open each file in LibreOffice, recalculate everything, save as `to` into outdir (named after
    the input's stem). One soffice call for all files: start-up is most of the cost."""
    outdir = Path(outdir)
    result = _soffice(paths, outdir, to, timeout)
    outputs = [_output(p, outdir, to) for p in paths]
    missing = [str(o) for o in outputs if not o.exists()]
    if missing:
        raise RuntimeError(f"LibreOffice did not write {missing[0]}: {result.stderr.strip() or result.stdout.strip()}")
    return outputs


def convert_each(paths, outdir, to="xlsx", timeout=600):
    """As convert, but a file LibreOffice cannot open gives None in its place and the others are
    still converted. LibreOffice converts in order, so when a run stops short (a file brought it
    down), the first file without an output is left out and the rest are tried again."""
    outdir = Path(outdir)
    outputs, todo = [None] * len(paths), list(range(len(paths)))
    while todo:
        _soffice([paths[i] for i in todo], outdir, to, timeout)
        for i in todo:
            if _output(paths[i], outdir, to).exists():
                outputs[i] = _output(paths[i], outdir, to)
        todo = [i for i in todo if outputs[i] is None][1:]
    return outputs


def _output(path, outdir, to):
    return outdir / (Path(path).stem + "." + to.split(":")[0])


def _soffice(paths, outdir, to, timeout):
    soffice = find_soffice()
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rnn-sheet-lo-") as profile:
        user = Path(profile, "user")
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(PROFILE_XCU)
        cmd = [soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
               "--nolockcheck", "--convert-to", to, "--outdir", str(outdir), *map(str, paths)]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "HOME": profile})
