"""Recompute workbooks with LibreOffice (headless, a throwaway profile that always recalculates)."""
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from .sanitize import sanitized_copy

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
    # No way out to a network: every http, https and ftp request goes to a proxy at a closed port of
    # this machine (port 1), localhost included (no exceptions). The sanitised copies LibreOffice gets
    # (sanitize.py) link to nothing; this is the second wall, should one ever slip through.
    *(("/org.openoffice.Inet/Settings", f"ooInet{kind}Proxy{what}", value)
      for kind in ("HTTP", "HTTPS", "FTP") for what, value in (("Name", "127.0.0.1"), ("Port", "1"))),
    ("/org.openoffice.Inet/Settings", "ooInetProxyType", "2"),
    ("/org.openoffice.Inet/Settings", "ooInetNoProxy", ""),
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
    if any(r.returncode is None for r in results):
        raise subprocess.TimeoutExpired(results[0].args, timeout)
    outputs = [_output(p, outdir, to) for p in paths]
    missing = [str(o) for o in outputs if not o.exists()]
    if missing:
        said = " ".join(r.stderr.strip() or r.stdout.strip() for r in results)
        raise RuntimeError(f"LibreOffice did not write {missing[0]}: {said}")
    return outputs


TIMED_OUT = "timed out"     # convert_each's result for a file LibreOffice did not finish in time
TIMEOUT_START, TIMEOUT_PER_FILE = 60, 30     # seconds a LibreOffice run may take: start-up, each file


def convert_each(paths, outdir, to="xlsx", timeout=None):
    """As convert, but a file LibreOffice cannot open gives None in its place, one it does not finish
    in time TIMED_OUT, and the others are still converted. LibreOffice converts in order, so when a run
    stops short (a file brought it down, or its time ran out: TIMEOUT_START + TIMEOUT_PER_FILE a file,
    unless `timeout` says), that run's first file without an output is left out and the rest are
    tried again."""
    outdir = Path(outdir)
    outputs, todo = [None] * len(paths), list(range(len(paths)))
    while todo:
        runs = _share(todo)
        limit = timeout or TIMEOUT_START + TIMEOUT_PER_FILE * max(map(len, runs))
        results = _soffice([[paths[i] for i in run] for run in runs], outdir, to, limit)
        for i in todo:
            if _output(paths[i], outdir, to).exists():
                outputs[i] = _output(paths[i], outdir, to)
        todo = []
        for run, result in zip(runs, results):
            left = [i for i in run if outputs[i] is None]
            if left and result.returncode is None:
                outputs[left[0]] = TIMED_OUT
            todo += left[1:]
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
    convert_each's (None for a file LibreOffice cannot open); `engine` "gnumeric": convert_gnumeric's.
    The copies are sanitised (sanitize.py): sheets, strings, styles and names, nothing that links out."""
    copies = []
    for k, path in enumerate(paths):
        copy = Path(folder, f"in{k}{Path(path).suffix.lower()}")
        try:
            copies.append(sanitized_copy(path, copy))
        except (ValueError, zipfile.BadZipFile, KeyError, ET.ParseError, OSError) as e:
            if not each:
                raise RuntimeError(f"{path} cannot be read as a workbook ({e})") from None
            copies.append(None)         # as a file LibreOffice cannot open
    convert_with = convert_gnumeric if engine == "gnumeric" else convert_each if each else convert
    done = iter(convert_with([c for c in copies if c is not None], Path(folder, "out")))
    return [None if c is None else next(done) for c in copies]


def _output(path, outdir, to):
    return outdir / (Path(path).stem + "." + to.split(":")[0])


def _share(items):
    """`items` in consecutive runs, one per LibreOffice started side by side: a conversion keeps one
    core busy, and a run of fewer than two files would spend more on starting than it saves."""
    runs = max(1, min(os.cpu_count() or 1, MAX_RUNS, len(items) // 2))
    size = -(-len(items) // runs)
    return [items[k:k + size] for k in range(0, len(items), size)]


def _soffice(runs, outdir, to, timeout):
    """Convert each run of paths with its own LibreOffice, side by side (one profile each), all within
    `timeout` seconds; their CompletedProcesses, returncode None for a run that ran out of time. Each
    LibreOffice is a process group of its own (the launcher starts soffice.bin), killed whole when its
    time is up, or when anything stops us (an error, Ctrl-C, SIGTERM) before it is done; then the
    profiles are removed."""
    soffice = find_soffice()
    outdir.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    with contextlib.ExitStack() as stack:
        procs = []
        try:
            for run in runs:
                profile = stack.enter_context(tempfile.TemporaryDirectory(prefix="rnn-sheet-lo-"))
                user = Path(profile, "user")
                user.mkdir()
                (user / "registrymodifications.xcu").write_text(PROFILE_XCU)
                cmd = [soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
                       "--nolockcheck", "--convert-to", to, "--outdir", str(outdir), *map(str, run)]
                procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                              env={**os.environ, "HOME": profile}, start_new_session=True))
            return [_finish(proc, deadline) for proc in procs]
        finally:
            for proc in procs:
                if proc.returncode is None:         # still running: we are being stopped
                    _kill(proc)


def _finish(proc, deadline):
    try:
        out, err = proc.communicate(timeout=max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        _kill(proc)
        out, err = proc.communicate()
        return subprocess.CompletedProcess(proc.args, None, out, err)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _kill(proc):
    """Kill LibreOffice's whole process group (a no-op once it is gone) and reap the launcher."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(Exception):
        proc.wait(timeout=10)
