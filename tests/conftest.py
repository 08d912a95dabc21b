"""Shared test helpers: import the package, run the CLI, build + write + recompute workbooks.

Recomputing with LibreOffice costs ~1.5 s per soffice start, so workbooks are recomputed in batches:
collect every case first, then make ONE `recalc.convert` call for all of them.

    @pytest.fixture(scope="module")
    def cases(recompute):
        return recompute({"hello": make_scenario("hello"), ...})        # one soffice call
    def test_x(cases):
        case = cases["hello"]; case.book, case.original, case.recomputed, case.names ...

`recompute(scenarios, backward=None, writer=None, suffix="xlsx", edit=None)` is a session-scoped
factory; every call makes its own folder and exactly one LibreOffice call.
"""
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

try:  # the installed package (pip install -e . points at this checkout), else the checkout itself
    import rnn_sheet  # noqa: F401
except ImportError:
    sys.path.insert(0, str(REPO))
    import rnn_sheet  # noqa: F401

from rnn_sheet import recalc, verify  # noqa: E402
from rnn_sheet.book import build_book  # noqa: E402
from rnn_sheet.xlsx import write_xlsx  # noqa: E402

PACKAGE_ROOT = Path(rnn_sheet.__file__).resolve().parents[1]


# --- the command line ----------------------------------------------------------------------------

def cli_env():
    """Environment for a child interpreter that imports the same rnn_sheet the tests import."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(PACKAGE_ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env.pop("PYTHONSTARTUP", None)
    return env


def run_cli(*args, cwd=None, timeout=120):
    """Run `rnn-sheet ARGS` in a fresh interpreter; returns CompletedProcess with text output."""
    cmd = [sys.executable, "-c", "from rnn_sheet.cli import run; run()", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=cli_env(), timeout=timeout)


@pytest.fixture
def cli():
    return run_cli


# --- build + write + batch recompute -------------------------------------------------------------

@dataclass
class Case:
    key: str
    scenario: object
    book: object
    original: Path          # the file we wrote (cached values = the engine's)
    recomputed: Path = None  # the same workbook after LibreOffice recalculated every formula
    params: object = None   # the weights the recomputed file holds (differs from scenario's after an edit)
    extra: dict = field(default_factory=dict)
    _names: dict = None

    @property
    def names(self):
        """Defined name -> 2-D object array of the recomputed values (read once)."""
        if self._names is None:
            self._names = verify.named_values(self.recomputed)
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


def build_cases(scenarios, folder, backward=None, writer=None, suffix="xlsx"):
    """Build and write every scenario into folder/orig; returns {key: Case} (not recomputed yet).
    backward=None builds what `rnn-sheet build` builds (build_book's default)."""
    writer = writer or write_xlsx
    orig = Path(folder, "orig")
    orig.mkdir(parents=True, exist_ok=True)
    cases = {}
    for key, sc in scenarios.items():
        book = build_book(sc) if backward is None else build_book(sc, backward=backward)
        path = orig / f"{key}.{suffix}"
        writer(book, path)
        cases[key] = Case(key, sc, book, path, params=sc.params)
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
    """Factory: recompute(scenarios, backward=None, writer=None, suffix="xlsx", edit=None) -> {key: Case}.

    edit(cases) may change the written files (and case.params / case.extra) before the single
    LibreOffice call, e.g. to check that the workbook recomputes from edited inputs."""
    def factory(scenarios, backward=None, writer=None, suffix="xlsx", edit=None):
        require_soffice()
        folder = tmp_path_factory.mktemp("recompute")
        cases = build_cases(scenarios, folder, backward, writer, suffix)
        if edit is not None:
            edit(cases)
        recompute_cases(cases, folder)
        return cases
    return factory
