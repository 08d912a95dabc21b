"""What a clumsy user or a hostile file does to `build` and `check`: malformed weights files (huge
integers, deep nesting, devices, pipes, files too large), a full disk, a nonsense --tol, a strict
umask, a stop by SIGTERM, a long --out name; and numbers never stored as text."""
import errno
import os
import re
import resource
import signal
import subprocess
import sys
import time
import zipfile

import pytest

from conftest import cli_env, run_cli
from rnn_sheet import build as building
from test_cli import assert_one_line_error, files_under

# --- the weights file -----------------------------------------------------------------------------

HELLO_SHAPES = '{"Wxh": [[%s, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]], "Whh": 0, "bh": 0, ' \
               '"Why": [[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]]}'


@pytest.mark.parametrize("name, text, words", [
    ("int400.json", HELLO_SHAPES % ("7" * 400), ["400 digits", "±1e+06"]),
    ("int5000.json", HELLO_SHAPES % ("-" + "7" * 5000), ["5000 digits"]),
    ("deep.json", "[" * 200_000 + "]" * 200_000, ["too deeply"]),
    ("deep_weight.json", HELLO_SHAPES.replace("%s", "[" * 500 + "1" + "]" * 500), ["Wxh must be"]),
])
def test_malformed_weights_files_are_one_line(tmp_path, name, text, words):
    (tmp_path / name).write_text(text)
    r = run_cli("build", "hello", "--weights", name, "--out", "w.xlsx", cwd=tmp_path)
    assert_one_line_error(r, name, *words)
    assert files_under(tmp_path) == [name]


def test_weights_that_are_no_regular_file_are_refused_without_reading(tmp_path):
    os.mkfifo(tmp_path / "fifo.json")           # opening it to read would wait for a writer forever
    (tmp_path / "large.json").touch()
    os.truncate(tmp_path / "large.json", 17 << 20)      # sparse: 17 MB of NUL bytes
    for weights, words in [("/dev/zero", ["device, pipe or socket"]), ("fifo.json", ["device, pipe or socket"]),
                           ("large.json", ["larger than 16 MB"])]:
        started = time.monotonic()
        r = run_cli("build", "hello", "--weights", weights, "--out", "w.xlsx", cwd=tmp_path)
        assert_one_line_error(r, weights, "cannot read weights file", *words)
        assert time.monotonic() - started < 5
    assert files_under(tmp_path) == ["large.json"]
    r = run_cli("build", "--text", "fifo.json", "--out", "w.xlsx", cwd=tmp_path)      # a training text too
    assert_one_line_error(r, "cannot read text file fifo.json", "device, pipe or socket")


# --- writing --------------------------------------------------------------------------------------

def test_a_full_disk_in_a_class_set_leaves_no_file_of_it(tmp_path, monkeypatch):
    """The disk fills on the 4th file of the set (variant 2's answer key, its exercise written): the
    set is all or nothing."""
    write = building.WRITERS["xlsx"]
    calls = []

    def filling(book, path, progress=None):
        calls.append(path)
        if len(calls) == 4:
            with open(path, "wb") as f:
                f.write(b"PK\x03\x04 half a file")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        write(book, path, progress)
    monkeypatch.setitem(building.WRITERS, "xlsx", filling)
    (tmp_path / "set").mkdir()
    (tmp_path / "set" / "keep.txt").write_text("a file of the user's")
    r = run_cli("build", "hello", "--exercise", "--variants", "3", "--out", "set/new", cwd=tmp_path)
    assert_one_line_error(r, "No space left on device", "hello-v2-answers.xlsx")
    assert len(calls) == 4 and files_under(tmp_path) == ["set/keep.txt"]


def _limited_file_size(limit):
    """Every file this process writes stops at `limit` bytes (EFBIG, as a full disk gives ENOSPC)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    old = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    return lambda: (resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard)), signal.signal(signal.SIGXFSZ, old))


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_a_write_the_system_refuses_is_one_line_and_nothing_is_left(tmp_path, fmt):
    """A real write error from the operating system, inside XlsxWriter or zipfile."""
    restore = _limited_file_size(20_000)
    try:
        r = run_cli("build", "hello", "--exercise", "--format", fmt, "--out", "out/", cwd=tmp_path)
    finally:
        restore()
    assert_one_line_error(r, "File too large", f"hello-exercise.{fmt}")
    assert files_under(tmp_path) == [] and not (tmp_path / "out").exists()


def test_files_respect_the_umask_and_keep_a_private_files_mode(tmp_path):
    old = os.umask(0o077)
    try:
        assert run_cli("build", "hello", "--exercise", "--out", "private/", cwd=tmp_path).returncode == 0
    finally:
        os.umask(old)
    for name in ("hello-exercise.xlsx", "hello-answers.xlsx"):
        assert (tmp_path / "private" / name).stat().st_mode & 0o777 == 0o600
    os.chmod(tmp_path / "private" / "hello-answers.xlsx", 0o600)
    old = os.umask(0o022)
    try:       # rebuilt under a looser umask: the answer key stays private, the exercise takes 0644
        os.chmod(tmp_path / "private" / "hello-exercise.xlsx", 0o640)
        assert run_cli("build", "hello", "--exercise", "--out", "private/", cwd=tmp_path).returncode == 0
        assert run_cli("build", "hello", "--out", "new.xlsx", cwd=tmp_path).returncode == 0
    finally:
        os.umask(old)
    assert (tmp_path / "private" / "hello-answers.xlsx").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "private" / "hello-exercise.xlsx").stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "new.xlsx").stat().st_mode & 0o777 == 0o644


def test_a_250_character_out_name_is_written(tmp_path):
    name = "n" * 245 + ".xlsx"
    r = run_cli("build", "hello", "--out", name, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert files_under(tmp_path) == [name]


@pytest.mark.slow        # a build big enough to be stopped while it writes
def test_sigterm_during_a_build_leaves_nothing(tmp_path):
    cmd = [sys.executable, "-c", "from rnn_sheet.cli import run; run()", "build", "abcdefghij" * 30,
           "--model", "standard", "--hidden", "24", "--format", "xlsx,ods", "--out", "out/"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob("out/.rnn-sheet-*")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, (out, err)
    assert err.splitlines() == ["rnn-sheet: stopped (SIGTERM)"]
    assert files_under(tmp_path) == [] and not (tmp_path / "out").exists()


# --- check's tolerance ----------------------------------------------------------------------------

@pytest.mark.parametrize("tol", ["nan", "-1", "0", "inf"])
def test_check_tolerance_is_validated_before_any_work(tmp_path, tol):
    r = run_cli("check", "missing.xlsx", "--tol", tol, cwd=tmp_path)
    assert_one_line_error(r, "--tol must be a positive number")


# --- numbers are numbers ----------------------------------------------------------------------------

NUMBER_LIKE = re.compile(r"\s*[-+]?(\d[\d,]*(\.\d*)?|\.\d+)([eE][-+]?\d+)?%?\s*")


def _numeric_text(path):
    """{sheet part: (cells holding text that looks like a number, cells marked numberStoredAsText)}."""
    with zipfile.ZipFile(path) as z:
        strings = re.findall(r"<si><t[^>]*>(.*?)</t></si>", z.read("xl/sharedStrings.xml").decode(), re.S)
        out = {}
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                xml = z.read(name).decode()
                cells = {ref for ref, k in re.findall(r'<c r="([A-Z]+\d+)"[^>]*t="s"><v>(\d+)</v>', xml)
                         if NUMBER_LIKE.fullmatch(strings[int(k)])}
                marked = re.search(r'<ignoredError sqref="([^"]*)" numberStoredAsText="1"/>', xml)
                out[name] = (cells, set(marked[1].split()) if marked else set())
    return out


def test_no_number_is_stored_as_text_and_digits_typed_as_letters_are_marked(tmp_path):
    assert run_cli("build", "hello", "--out", "hello.xlsx", cwd=tmp_path).returncode == 0
    assert all(cells == marked == set() for cells, marked in _numeric_text(tmp_path / "hello.xlsx").values())
    assert run_cli("build", "2024-12-07", "--epochs", "1", "--generate", "2", "--out", "d.xlsx",
                   cwd=tmp_path).returncode == 0
    sheets = _numeric_text(tmp_path / "d.xlsx")
    assert sum(len(cells) for cells, _ in sheets.values()) > 30
    assert all(cells == marked for cells, marked in sheets.values())
    import openpyxl
    wb = openpyxl.load_workbook(tmp_path / "hello.xlsx")
    positions = [wb["Parameters"].cell(r, 2).value for r in range(1, 40)]
    assert [1, 2, 3, 4, 5] == [v for v in positions if isinstance(v, int)]
    gc = wb["Gradient check"]
    caption = next(c for row in gc.iter_rows() for c in row if c.value == "status messages")
    assert [gc.cell(caption.row + k, caption.column - 1).value for k in (2, 3)] == [1, 2]   # its row labels
