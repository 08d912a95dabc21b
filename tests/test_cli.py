"""The rnn-sheet command, run in a fresh interpreter as a user would: outputs, help, and that every
bad input gives one line on stderr, exit status 2, no traceback and no file. The many bad inputs run
in-process (a fresh interpreter costs ~0.4 s); a few run through a fresh interpreter as well."""
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from conftest import cli_env, run_cli, run_process
from rnn_sheet import __version__
from rnn_sheet.build import FORMATS
from rnn_sheet.checking.read import read_workbook
from rnn_sheet.cli import main as cli_group
from rnn_sheet.cli import run as cli_run
from rnn_sheet.model.engine import forward
from rnn_sheet.model.scenario import make_scenario


def files_under(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def assert_one_line_error(result, *words):
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("rnn-sheet: error: "), lines[0]
    assert "Traceback" not in result.stderr + result.stdout
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


def run_in_process(args, capsys):
    """Run `rnn-sheet ARGS` in this interpreter (the caller chdirs); a CompletedProcess like run_cli's.
    The command must exit through SystemExit, as every error does."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        cli_run([str(a) for a in args])
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(args, exit_info.value.code, out, err)


def run_patched(setup, *args, cwd):
    """Run the CLI after executing `setup` (Python source) in the child, e.g. to patch a module."""
    code = f"{setup}\nfrom rnn_sheet.cli import run\nrun()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=cwd,
                          env=cli_env(), timeout=120)


# --- successful builds ----------------------------------------------------------------------------

def test_build_hello_writes_output_and_prints_path_and_loss(tmp_path):
    r = run_process("build", "hello", cwd=tmp_path)      # once as a real process, start to finish
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    assert files_under(tmp_path) == ["output/hello.xlsx"]
    lines = r.stdout.splitlines()
    assert lines[0] == "wrote output/hello.xlsx"
    assert lines[-1].startswith("total loss ")
    sc = make_scenario("hello")
    engine_loss = forward(sc.params, sc.inputs, sc.targets).loss
    assert float(lines[-1].split()[-1]) == pytest.approx(engine_loss, abs=5e-7)
    wb = openpyxl.load_workbook(tmp_path / "output" / "hello.xlsx")
    assert wb.sheetnames[:2] == ["About", "Parameters"]
    assert [f"Step {t}" for t in range(1, 5)] == [n for n in wb.sheetnames if n.startswith("Step ")]
    assert "Summary" in wb.sheetnames
    assert {"Wxh", "Whh", "bh", "Why", "loss"} <= set(wb.defined_names)


def test_build_with_out_file_and_folder(tmp_path):
    r = run_cli("build", "abcab", "--hidden", "2", "--model", "standard", "--out", tmp_path / "x" / "mine.xlsx",
                cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert f"wrote {tmp_path / 'x' / 'mine.xlsx'}" in r.stdout
    r = run_cli("build", "hello", "--no-template", "--seed", "3", "--out", tmp_path / "folder", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert files_under(tmp_path) == ["folder/hello.xlsx", "x/mine.xlsx"]
    sc = make_scenario("hello", seed=3, use_template=False)
    assert float(r.stdout.split()[-1]) == pytest.approx(forward(sc.params, sc.inputs, sc.targets).loss, abs=5e-7)


def test_default_names_say_what_differs_from_the_template(tmp_path):
    """No silent swap: a build with other settings never replaces the template's own book."""
    for args in (["hello"], ["hello", "--model", "feedforward"], ["hello", "--seed", "3"],
                 ["hello", "--epochs", "5", "--optimizer", "adam"], ["hello", "--no-template"], ["abcab"],
                 ["abcab", "--lr", "0.5"]):
        assert run_cli("build", *args, cwd=tmp_path).returncode == 0, args
    # --seed 3 draws nothing on the template's transcribed weights: the same book, the same name.
    assert files_under(tmp_path) == ["output/abcab-lr0.5.xlsx", "output/abcab.xlsx",
                                     "output/hello-adam-epochs5.xlsx", "output/hello-feedforward.xlsx",
                                     "output/hello-no-template.xlsx", "output/hello.xlsx"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_advertised_format_builds(tmp_path, fmt):
    r = run_cli("build", "hello", "--format", fmt, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    assert files_under(tmp_path) == [f"output/hello.{fmt}"]
    assert (tmp_path / "output" / f"hello.{fmt}").read_bytes()[:2] == b"PK"     # a zip container


def test_build_is_deterministic(tmp_path):
    for name in ("a.xlsx", "b.xlsx"):
        assert run_cli("build", "hello", "--out", tmp_path / name, cwd=tmp_path).returncode == 0
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_weights_file_is_used(tmp_path):
    weights = {"Wxh": [[0.1, 0.2, 0.3]], "Whh": 0.5, "bh": -0.2, "Why": [[1.0], [-1.0], [0.5]]}
    (tmp_path / "w.json").write_text(json.dumps(weights))
    r = run_cli("build", "abcab", "--hidden", "1", "--weights", "w.json", "--out", "o.xlsx", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    sc = make_scenario("abcab", hidden=1, weights=weights)
    assert float(r.stdout.split()[-1]) == pytest.approx(forward(sc.params, sc.inputs, sc.targets).loss, abs=5e-7)


# --- version, help, templates ---------------------------------------------------------------------

def test_version(tmp_path):
    r = run_process("--version", cwd=tmp_path)
    assert r.returncode == 0
    assert r.stdout.strip() == f"rnn-sheet, version {__version__}"


@pytest.mark.parametrize("command", [[]] + [[name] for name in sorted(cli_group.commands)])
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help(tmp_path, command, flag):
    r = run_cli(*command, flag, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("Usage: rnn-sheet " + " ".join(command))
    assert r.stderr == ""
    assert files_under(tmp_path) == []


def test_help_lists_commands_and_build_options(tmp_path):
    top = run_cli("--help", cwd=tmp_path).stdout
    for name in cli_group.commands:
        assert name in top
    build = run_cli("build", "--help", cwd=tmp_path).stdout
    for option in ("--vocab", "--hidden", "--model", "--seed", "--weights", "--lr", "--epochs", "--clip",
                   "--loss", "--format", "--out", "--no-template"):
        assert option in build


def test_templates_lists_hello(tmp_path):
    r = run_cli("templates", cwd=tmp_path)
    assert r.returncode == 0
    lines = [line.split(None, 1) for line in r.stdout.splitlines()]
    assert ["hello", make_scenario("hello").description] in lines


def _installed_script():
    # Beside the interpreter first: pyenv, for one, puts no shim on PATH until `pyenv rehash`.
    beside = Path(sys.executable).parent / "rnn-sheet"
    return str(beside) if beside.exists() else shutil.which("rnn-sheet")


@pytest.mark.skipif(_installed_script() is None, reason="rnn-sheet is not installed (pip install .)")
def test_installed_script(tmp_path):
    script = _installed_script()
    r = subprocess.run([script, "--version"], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert r.returncode == 0 and __version__ in r.stdout
    r = subprocess.run([script, "build", "hello", "--hidden", "0"], capture_output=True, text=True,
                       cwd=tmp_path, timeout=60)
    assert_one_line_error(r, "hidden")


# --- bad input: one line, exit 2, no traceback, no file -------------------------------------------

def _bad_weights(tmp_path):
    (tmp_path / "bad.json").write_text('{"Wxh": [[0.1, 0.2]')
    return "bad.json"


def _wrong_shape(tmp_path):
    (tmp_path / "shape.json").write_text(json.dumps(
        {"Wxh": [[0.1, 0.2, 0.3]], "Whh": 0.5, "bh": 0.1, "Why": [[1.0], [2.0]]}))
    return "shape.json"


BAD = [
    (["build", "hellx", "--vocab", "helo"], ["'x'", "vocabulary"]),
    (["build", "h"], ["at least 2 characters"]),
    (["build", "abab", "--vocab", "abca"], ["repeats 'a'"]),
    (["build", "abab", "--hidden", "0"], ["hidden", "0"]),
    (["build", "abab", "--hidden", "65"], ["hidden", "65"]),
    (["build", "abab", "--hidden", "three"], ["three"]),
    (["build", "abab", "--model", "transformer"], ["transformer"]),
    (["build", "abab", "--loss", "first"], ["first"]),
    (["build", "abab", "--lr", "nan"], ["lr"]),
    (["build", "abab", "--epochs", "-1"], ["epochs"]),
    (["build", "abab", "--clip", "0"], ["clip"]),
    (["build", "abab", "--format", "pdf"], ["pdf"]),
    (["build", "abab", "--out", "x.txt"], [".txt"]),
    (["build", "abab", "--weights", "missing.json"], ["missing.json"]),
    (["build", "abab", "--weights", _bad_weights], ["not valid JSON"]),
    (["build", "abc", "--hidden", "1", "--weights", _wrong_shape], ["Why", "a list of 3 rows of 1 numbers"]),
    (["build", "abab", "--bogus"], ["--bogus"]),
    (["frobnicate"], ["frobnicate"]),
    (["build"], ["WORD"]),
    (["build", "a\tb"], ["control character"]),
    (["build", "ab" * 300], ["600 characters"]),
    (["build", "abab", "--optimizer", "rmsprop"], ["rmsprop"]),
    (["build", "abab", "--optimizer", "momentum", "--momentum", "1"], ["momentum", "1.0"]),
    (["build", "abab", "--optimizer", "momentum", "--momentum", "-0.5"], ["momentum", "-0.5"]),
    (["build", "abab", "--momentum", "0.5"], ["--momentum", "sgd"]),
    (["build", "abab", "--generate", "3", "--temperature", "0"], ["temperature", "above 0"]),
    (["build", "abab", "--generate", "3", "--temperature", "-2"], ["temperature"]),
    (["build", "abab", "--generate", "3", "--temperature", "inf"], ["temperature", "finite"]),
    (["build", "abab", "--generate", "3", "--temperature", "nan"], ["temperature"]),
    (["build", "abab", "--temperature", "0.5"], ["--generate"]),
]


@pytest.mark.parametrize("args,words", BAD)
def test_bad_input_is_one_line_exit_2_no_file(tmp_path, monkeypatch, capsys, args, words):
    monkeypatch.chdir(tmp_path)
    args = [a(tmp_path) if callable(a) else a for a in args]
    before = files_under(tmp_path)
    r = run_in_process(args, capsys)
    assert_one_line_error(r, *words)
    assert r.stdout == ""
    assert files_under(tmp_path) == before


@pytest.mark.parametrize("args,words", [BAD[0], BAD[6], BAD[14]], ids=["vocabulary", "model", "weights"])
def test_bad_input_in_a_fresh_interpreter(tmp_path, args, words):
    """The same through the real entry point: an InputError, a click usage error, a bad file."""
    args = [a(tmp_path) if callable(a) else a for a in args]
    before = files_under(tmp_path)
    r = run_cli(*args, cwd=tmp_path)
    assert_one_line_error(r, *words)
    assert r.stdout == ""
    assert files_under(tmp_path) == before


def test_malformed_template_through_the_cli(tmp_path):
    templates = tmp_path / "tpl"
    templates.mkdir()
    (templates / "broken.toml").write_text('word = "abab"\nhidden = \n')
    (templates / "odd.toml").write_text('word = "abab"\nhiden = 2\n')
    setup = ("import pathlib, rnn_sheet.model.scenario as s\n"
             f"s.template_dirs = lambda: [pathlib.Path({str(templates)!r})]")
    for name, words in (("broken", ["not valid TOML"]), ("odd", ["unknown key 'hiden'"])):
        r = run_patched(setup, "build", name, cwd=tmp_path)
        assert_one_line_error(r, *words)
        assert not (tmp_path / "output").exists()


def test_unwritable_output_folder(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    r = run_cli("build", "hello", "--out", blocker / "sub" / "x.xlsx", cwd=tmp_path)
    assert_one_line_error(r, "cannot write")
    assert files_under(tmp_path) == ["file"]


def test_failing_build_keeps_an_existing_output_file(tmp_path):
    out = tmp_path / "output" / "hello.xlsx"
    out.parent.mkdir()
    out.write_bytes(b"precious")
    # An input error: nothing is written.
    r = run_cli("build", "hello", "--hidden", "0", cwd=tmp_path)
    assert_one_line_error(r, "hidden")
    assert out.read_bytes() == b"precious"
    # A failure half-way through writing the file (disk full): the old file stays, no temp file is left.
    setup = ("import errno, rnn_sheet.build as c\n"
             "def broken(book, path, progress=None):\n"
             "    open(path, 'wb').write(b'PK half a file')\n"
             "    raise OSError(errno.ENOSPC, 'No space left on device')\n"
             "c.WRITERS['xlsx'] = broken")
    r = run_patched(setup, "build", "hello", cwd=tmp_path)
    assert_one_line_error(r, "No space left on device")
    assert out.read_bytes() == b"precious"
    assert files_under(tmp_path) == ["output/hello.xlsx"]
    # A good build replaces it.
    assert run_cli("build", "hello", cwd=tmp_path).returncode == 0
    assert out.read_bytes()[:2] == b"PK"
    assert files_under(tmp_path) == ["output/hello.xlsx"]


def test_huge_weights_build_a_finite_workbook_with_the_engines_loss(tmp_path):
    """Why = 1000 makes step 1's scores ~1000 apart (loss_1 ~ 2285): the softmax must not overflow."""
    weights = {"Wxh": [[1, 0, 0, 0]] * 3, "Whh": 0, "bh": 0, "Why": [[1000] * 3, [0] * 3, [0] * 3, [0] * 3]}
    (tmp_path / "w.json").write_text(json.dumps(weights))
    r = run_cli("build", "hello", "--weights", "w.json", "--out", "big.xlsx", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    assert files_under(tmp_path) == ["big.xlsx", "w.json"]
    lines = r.stdout.splitlines()
    assert lines == ["wrote big.xlsx", lines[-1]] and lines[-1].startswith("total loss ")
    sc = make_scenario("hello", weights=weights)
    engine_loss = forward(sc.params, sc.inputs, sc.targets).loss
    assert math.isfinite(engine_loss) and engine_loss > 1000          # the weights really are huge
    assert float(lines[-1].split()[-1]) == pytest.approx(engine_loss, abs=5e-7)
    # openpyxl reads it; every formula cell has a cached value, and every number in it is finite.
    book = read_workbook(tmp_path / "big.xlsx")
    assert len(book.formulas) > 300
    assert all(v is not None for v in book.cached.values())
    wb = openpyxl.load_workbook(tmp_path / "big.xlsx", data_only=True)
    numbers = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
               if isinstance(c.value, (int, float)) and not isinstance(c.value, bool)]
    assert len(numbers) > 300 and all(math.isfinite(v) for v in numbers)
    assert not any(isinstance(c.value, str) and c.value.lower() in ("inf", "-inf", "nan")
                   for ws in wb.worksheets for row in ws.iter_rows() for c in row)
    loss = book.names["loss"]
    assert wb[loss.sheet].cell(loss.row + 1, loss.col + 1).value == pytest.approx(engine_loss, rel=1e-12)


def _run_on_a_terminal(args, cwd, setup=""):
    """Run the CLI with stdout on a pseudo-terminal, as a user at a shell would; returns its output.
    `setup` (Python source) runs in the child first."""
    import os
    import pty
    master, slave = pty.openpty()
    cmd = [sys.executable, "-c", f"{setup}\nfrom rnn_sheet.cli import run; run()", *args]
    proc = subprocess.Popen(cmd, stdout=slave, stderr=slave, cwd=cwd, env=cli_env())
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(master)
    return proc.returncode, b"".join(chunks).decode(errors="replace")


# A build "slower than the bar's threshold", without waiting a second and more for a real one.
NO_DELAY = "import rnn_sheet.cli as c; c.PROGRESS_AFTER = 0.0"


@pytest.mark.slow      # the fast tier stays under 30 s; the whole suite runs it
def test_progress_bar_on_a_terminal_for_slow_builds_only(tmp_path):
    code, shown = _run_on_a_terminal(["build", "hello", "--epochs", "3", "--out", "big.xlsx"], tmp_path, NO_DELAY)
    assert code == 0 and "building" in shown and "writing big.xlsx" in shown and "%" in shown
    piped = run_patched(NO_DELAY, "build", "hello", "--epochs", "3", "--out", "big2.xlsx", cwd=tmp_path)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.startswith("wrote big2.xlsx") and "writing" not in piped.stdout + piped.stderr
    code, shown = _run_on_a_terminal(["build", "hello", "--out", "small.xlsx"], tmp_path)
    assert code == 0 and "building" not in shown and "writing" not in shown
