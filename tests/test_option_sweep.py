"""The random option sweep: any mix of cell, optimizer, sampling, exercise, layout, format, loss,
clipping, epochs and hidden size, with now and then a value out of range, either builds every file
it names (complete zips, nothing temporary left) or is refused in one line with exit 2 and nothing
written; never a traceback. Three drawn mixes in the fast tier, forty in the slow one."""
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_cli
from rnn_sheet.model import cells
from rnn_sheet.model.optimizers import OPTIMIZERS


@st.composite
def options(draw):
    args = [draw(st.text(alphabet="abcé 1", min_size=2, max_size=6)), "--model", draw(st.sampled_from(sorted(cells.CELLS))),
            "--optimizer", draw(st.sampled_from(sorted(OPTIMIZERS))),
            "--hidden", str(draw(st.sampled_from([1, 2, 3] * 4 + [0, 65]))),
            "--layout", draw(st.sampled_from(["auto", "detailed", "compact"])),
            "--format", draw(st.sampled_from(["xlsx", "ods", "all"])),
            "--loss", draw(st.sampled_from(["all", "last"]))]
    if draw(st.booleans()):
        args += ["--generate", str(draw(st.sampled_from([1, 3] * 5 + [201])))]
        if draw(st.booleans()):
            args += ["--temperature", str(draw(st.sampled_from([0.5, 1.3] * 5 + [0])))]
    if draw(st.booleans()):
        args += ["--epochs", str(draw(st.sampled_from([1, 2] * 5 + [-1])))]
    if draw(st.booleans()):
        args += ["--clip", str(draw(st.sampled_from([0.5, 5] * 5 + [0])))]
    if draw(st.booleans()):
        args += ["--exercise"]
        if draw(st.booleans()):
            args += ["--variants", str(draw(st.sampled_from([1, 2])))]
    return args


def _sweep(tmp_path_factory, args):
    folder = tmp_path_factory.mktemp("sweep")
    r = run_cli("build", *args, "--out", "out", cwd=folder)
    assert "Traceback" not in r.stderr, (args, r.stderr)
    written = sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())
    if r.returncode == 2:
        assert len(r.stderr.splitlines()) == 1 and r.stderr.startswith("rnn-sheet: error: "), (args, r.stderr)
        assert written == [], args
        return False
    assert r.returncode == 0, (args, r.stderr)
    said = sorted(line[len("wrote "):] for line in r.stdout.splitlines() if line.startswith("wrote "))
    assert [str(p) for p in written] == said, args
    for path in written:
        assert not path.name.startswith(".")
        if path.suffix in (".xlsx", ".ods"):
            assert zipfile.ZipFile(folder / path).testzip() is None
    return True


@settings(max_examples=3, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(args=options())
def test_random_options_build_or_are_refused_in_one_line(tmp_path_factory, args):
    _sweep(tmp_path_factory, args)


@pytest.mark.slow
def test_forty_random_option_mixes(tmp_path_factory):
    built = []

    @settings(max_examples=40, deadline=None, derandomize=True)
    @given(args=options())
    def sweep(args):
        built.append(_sweep(tmp_path_factory, args))
    sweep()
    assert len(built) >= 40 and sum(built) >= len(built) / 2, built      # most mixes build, not only refusals
