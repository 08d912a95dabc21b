"""Shared test helpers: import the package, run the CLI, build + write + recompute workbooks.

Recomputing with LibreOffice costs ~1.5 s per soffice start, so workbooks are recomputed in batches:
collect every case first, then make ONE `recalc.convert` call for all of them.

    @pytest.fixture(scope="module")
    def cases(recompute):
        return recompute({"hello": make_scenario("hello"), ...})        # one soffice call
    def test_x(cases):
        case = cases["hello"]; case.book, case.original, case.recomputed, case.names ...

`recompute(scenarios, writer=None, suffix="xlsx", edit=None)` is a session-scoped factory; every
call makes its own folder and exactly one LibreOffice call.

Tests that start LibreOffice carry @pytest.mark.libreoffice (collection stops if a test that uses
`recompute` lacks it), so `pytest -m "not libreoffice"` is the fast tier.
"""
import contextlib
import io
import os
import subprocess
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

try:  # the installed package (pip install -e . points at this checkout), else the checkout itself
    import rnn_sheet  # noqa: F401
except ImportError:
    sys.path.insert(0, str(REPO))
    import rnn_sheet  # noqa: F401

import readback  # noqa: E402
from rnn_sheet.checking import recalc  # noqa: E402
from rnn_sheet.cli import run as cli_run  # noqa: E402
from rnn_sheet.sheets import build  # noqa: E402
from rnn_sheet.writers.xlsx import write_xlsx  # noqa: E402

PACKAGE_ROOT = Path(rnn_sheet.__file__).resolve().parents[1]


# --- the command line ----------------------------------------------------------------------------

def cli_env():
    """Environment for a child interpreter that imports the same rnn_sheet the tests import."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(PACKAGE_ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env.pop("PYTHONSTARTUP", None)
    return env


def run_process(*args, cwd=None, timeout=120):
    """Run `rnn-sheet ARGS` in a fresh interpreter; returns CompletedProcess with text output."""
    cmd = [sys.executable, "-c", "from rnn_sheet.cli import run; run()", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=cli_env(), timeout=timeout)


def run_cli(*args, cwd=None):
    """Run `rnn-sheet ARGS` in this interpreter, in folder `cwd`, through the same entry point as the
    installed script; a CompletedProcess like run_process's at a fifth of its cost (no interpreter
    start). An exception that escapes the entry point is printed to stderr as a traceback with exit
    code 1, as the script would, so "never a traceback" assertions still see it."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.chdir(cwd or os.getcwd()), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            cli_run([str(a) for a in args])
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except Exception:  # noqa: BLE001 - reported as the script would report it
            traceback.print_exc()
            code = 1
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli():
    return run_cli


# --- build + write + batch recompute -------------------------------------------------------------

@dataclass
class Case:
    key: str
    scenario: object
    built: object           # sheets.Built: the Book, its layout and the engine's run
    original: Path          # the file we wrote (cached values = the engine's)
    recomputed: Path = None  # the same workbook after LibreOffice recalculated every formula
    params: object = None   # the weights the recomputed file holds (differs from scenario's after an edit)
    extra: dict = field(default_factory=dict)
    _names: dict = None

    @property
    def book(self):
        return self.built.book

    @property
    def layout(self):
        return self.built.layout

    @property
    def names(self):
        """Defined name -> 2-D object array of the recomputed values (read once)."""
        if self._names is None:
            self._names = readback.read_named(self.recomputed)
        return self._names


def have_soffice():
    try:
        recalc.find_soffice()
        return True
    except recalc.LibreOfficeMissing:
        return False


def require_soffice():
    if not have_soffice():
        if os.environ.get("RNN_SHEET_ALLOW_NO_LIBREOFFICE"):
            pytest.skip("LibreOffice not installed (RNN_SHEET_ALLOW_NO_LIBREOFFICE is set)")
        pytest.fail(recalc.INSTALL_HINT + "; or run bash scripts/test", pytrace=False)


def build_cases(scenarios, folder, writer=None, suffix="xlsx"):
    """Build and write every scenario into folder/orig; returns {key: Case} (not recomputed yet)."""
    writer = writer or write_xlsx
    orig = Path(folder, "orig")
    orig.mkdir(parents=True, exist_ok=True)
    cases = {}
    for key, sc in scenarios.items():
        built = build(sc)
        path = orig / f"{key}.{suffix}"
        writer(built.book, path)
        cases[key] = Case(key, sc, built, path, params=sc.params)
    return cases


def recompute_cases(cases, folder, timeout=600):
    """One LibreOffice call for all cases; fills case.recomputed (an .xlsx in folder/recalc)."""
    require_soffice()
    cases = list(cases.values()) if isinstance(cases, dict) else list(cases)
    stems = [c.original.stem for c in cases]
    assert len(set(stems)) == len(stems), "case keys must give distinct file names"
    outs = recalc.convert([c.original for c in cases], Path(folder, "recalc"), timeout=timeout)
    for c, out in zip(cases, outs):
        c.recomputed = out
    return cases


@pytest.fixture(scope="session")
def recompute(tmp_path_factory):
    """Factory: recompute(scenarios, writer=None, suffix="xlsx", edit=None) -> {key: Case}.

    edit(cases) may change the written files (and case.params / case.extra) before the single
    LibreOffice call, e.g. to check that the workbook recomputes from edited inputs."""
    def factory(scenarios, writer=None, suffix="xlsx", edit=None):
        require_soffice()
        folder = tmp_path_factory.mktemp("recompute")
        cases = build_cases(scenarios, folder, writer, suffix)
        if edit is not None:
            edit(cases)
        recompute_cases(cases, folder)
        return cases
    return factory


@pytest.fixture(autouse=True)
def _libreoffice_only_when_marked(request, monkeypatch):
    """An unmarked test that starts LibreOffice in-process fails, naming the missing mark."""
    if request.node.get_closest_marker("libreoffice") is None:
        def refuse(*args, **kwargs):
            pytest.fail(f"{request.node.name} starts LibreOffice: mark it @pytest.mark.libreoffice", pytrace=False)
        monkeypatch.setattr(recalc, "convert", refuse)
        monkeypatch.setattr(recalc, "convert_each", refuse)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """A test marked slow (many builds, no spreadsheet program) joins the slow tier: it is marked
    libreoffice too, before -m "not libreoffice" deselects. A test that reaches LibreOffice through `recompute` must say so: the fast tier
    (-m "not libreoffice") would otherwise start it."""
    for item in items:
        if item.get_closest_marker("slow") is not None:
            item.add_marker(pytest.mark.libreoffice)
    unmarked = [item.nodeid for item in items if "recompute" in getattr(item, "fixturenames", ())
                and item.get_closest_marker("libreoffice") is None]
    if unmarked:
        raise pytest.UsageError(f"mark these @pytest.mark.libreoffice (they use recompute): {unmarked[:5]}")
