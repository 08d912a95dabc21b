"""Recompute workbooks with LibreOffice (headless, a throwaway profile that always recalculates)."""
import contextlib
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
MAX_RUNS = 4       # LibreOffices at once, at most (each takes ~200 MB)
INSTALL_HINT = ("LibreOffice is needed to recompute workbooks: install it with "
                "'apt-get install libreoffice-calc-nogui' (Debian/Ubuntu) or from libreoffice.org")


GNUMERIC_HINT = ("Gnumeric is needed to recompute with --engine gnumeric: install it with "
                 "'apt-get install --no-install-recommends gnumeric' (Debian/Ubuntu)")
ENGINES = {"libreoffice": "LibreOffice", "gnumeric": "Gnumeric", "formulas": "formulas (Excel's semantics)"}


class EngineMissing(RuntimeError):
    """The spreadsheet program asked for is not installed; the message says how to install it."""


class LibreOfficeMissing(EngineMissing):
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
    the input's stem). Few soffice calls for all files (start-up costs as much as two small books),
    side by side on a machine with several cores."""
    outdir = Path(outdir)
    results = _soffice(_share(list(paths)), outdir, to, timeout)
    outputs = [_output(p, outdir, to) for p in paths]
    missing = [str(o) for o in outputs if not o.exists()]
    if missing:
        said = " ".join(r.stderr.strip() or r.stdout.strip() for r in results)
        raise RuntimeError(f"LibreOffice did not write {missing[0]}: {said}")
    return outputs


def convert_each(paths, outdir, to="xlsx", timeout=600):
    """As convert, but a file LibreOffice cannot open gives None in its place and the others are
    still converted. LibreOffice converts in order, so when a run stops short (a file brought it
    down), that run's first file without an output is left out and the rest are tried again."""
    outdir = Path(outdir)
    outputs, todo = [None] * len(paths), list(range(len(paths)))
    while todo:
        runs = _share(todo)
        _soffice([[paths[i] for i in run] for run in runs], outdir, to, timeout)
        for i in todo:
            if _output(paths[i], outdir, to).exists():
                outputs[i] = _output(paths[i], outdir, to)
        todo = [i for run in runs for i in [i for i in run if outputs[i] is None][1:]]
    return outputs


def convert_gnumeric(paths, outdir, timeout=600):
    """As convert, with Gnumeric (`ssconvert --recalc`) as the engine: stricter than LibreOffice about
    arrays in a plain cell, as older Excel is. Each file is saved as .xlsx into outdir."""
    ssconvert = shutil.which("ssconvert")
    if ssconvert is None:
        raise EngineMissing(GNUMERIC_HINT)
    Path(outdir).mkdir(parents=True, exist_ok=True)
    outputs = [_output(p, Path(outdir), "xlsx") for p in paths]
    for path, out in zip(paths, outputs):
        r = subprocess.run([ssconvert, "--recalc", str(path), str(out)], capture_output=True, text=True,
                           timeout=timeout)
        if r.returncode or not out.exists():
            raise RuntimeError(f"Gnumeric did not write {out}: {r.stderr.strip() or r.stdout.strip()}")
    return outputs


def recompute_copies(paths, folder, each=False, engine="libreoffice"):
    """Recompute copies of `paths` made in `folder` under distinct names (LibreOffice names each output
    after its input's stem, and submissions often share one): convert's outputs, or with `each`
    convert_each's (None for a file LibreOffice cannot open); `engine` "gnumeric": convert_gnumeric's."""
    copies = []
    for k, path in enumerate(paths):
        copies.append(Path(folder, f"in{k}{Path(path).suffix.lower()}"))
        shutil.copyfile(path, copies[-1])
    convert_with = convert_gnumeric if engine == "gnumeric" else convert_each if each else convert
    return convert_with(copies, Path(folder, "out"))


def _output(path, outdir, to):
    return outdir / (Path(path).stem + "." + to.split(":")[0])


def _share(items):
    """`items` in consecutive runs, one per LibreOffice started side by side: a conversion keeps one
    core busy, and a run of fewer than two files would spend more on starting than it saves."""
    runs = max(1, min(os.cpu_count() or 1, MAX_RUNS, len(items) // 2))
    size = -(-len(items) // runs)
    return [items[k:k + size] for k in range(0, len(items), size)]


def _soffice(runs, outdir, to, timeout):
    """Convert each run of paths with its own LibreOffice, side by side (one profile each); their
    CompletedProcesses."""
    soffice = find_soffice()
    outdir.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        procs = []
        for run in runs:
            profile = stack.enter_context(tempfile.TemporaryDirectory(prefix="rnn-sheet-lo-"))
            user = Path(profile, "user")
            user.mkdir()
            (user / "registrymodifications.xcu").write_text(PROFILE_XCU)
            cmd = [soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
                   "--nolockcheck", "--convert-to", to, "--outdir", str(outdir), *map(str, run)]
            procs.append(stack.enter_context(subprocess.Popen(
                cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                env={**os.environ, "HOME": profile})))
        return [_finish(proc, timeout) for proc in procs]


def _finish(proc, timeout):
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
