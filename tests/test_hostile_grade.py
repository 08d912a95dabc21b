"""Grading strangers' files: LibreOffice gets sanitised copies, so a picture linked from a URL or a
file:/// path in an .xlsx, or a linked image or OLE object in an .ods, is neither fetched nor opened
(a local HTTP listener and a file's access time watch), and the good file beside them is graded. A
LibreOffice that does not finish is killed with its whole process group, the file is 'timed out' and
the others are graded; SIGTERM stops LibreOffice and leaves no temporary file."""
import http.server
import os
import re
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

from conftest import cli_env, run_cli
from rnn_sheet.checking import recalc
from rnn_sheet.checking.sanitize import sanitized_copy
from test_grade import fill
from test_hostile_check import ods_bomb
from traps import linked_objects_ods, linked_pictures_xlsx


class _Listener(http.server.BaseHTTPRequestHandler):
    requests = []

    def do_GET(self):
        self.requests.append(self.path)
        self.send_response(404)
        self.end_headers()

    do_HEAD = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def listener():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Listener)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", _Listener.requests
    server.shutdown()


@pytest.fixture(scope="module")
def traps(tmp_path_factory, listener):
    url, _ = listener
    folder = tmp_path_factory.mktemp("hostile-grade")
    assert run_cli("build", "hello", "--exercise", "--format", "all", "--out", folder / "key").returncode == 0
    good = fill(folder / "key" / "hello-exercise.xlsx", folder / "key" / "hello-answers.xlsx", folder / "good.xlsx")
    secret = folder / "secret.txt"
    secret.write_text("not for LibreOffice")
    os.utime(secret, (0, time.time()))          # read, its access time would move (relatime)
    files = {
        "good": good,
        "picture": linked_pictures_xlsx(good, folder / "picture.xlsx", [f"{url}/picture.png", secret.as_uri()]),
        "ods": linked_objects_ods(folder / "key" / "hello-exercise.ods", folder / "objects.ods",
                                  [f"{url}/image.png", secret.as_uri()], [f"{url}/object.ods"]),
        "far": far_cell(good, folder / "far.xlsx"),
        "epochs": forged_name(good, folder / "epochs.xlsx", "loss_epochs", "Parameters!$B$1:$B$100000"),
        "sheet": forged_name(good, folder / "sheet.xlsx", "loss_epochs", "Parameters!$A$1:$XFD$1048576"),
        "bomb": ods_bomb(folder / "key" / "hello-exercise.ods", folder / "bomb.ods"),
    }
    return files, secret


def far_cell(good, dest):
    """The file with 1 typed at XFD1048576 on its Step 2, and its sheet saying it reaches that far."""
    with zipfile.ZipFile(good) as z:
        files = {n: z.read(n) for n in z.namelist()}
    names = re.findall(rb'<sheet name="([^"]+)"', files["xl/workbook.xml"])
    part = f"xl/worksheets/sheet{names.index(b'Step 2') + 1}.xml"
    xml = files[part].replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')
    files[part] = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', xml)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in files.items():
            z.writestr(n, d)
    return dest


@pytest.mark.slow       # its files take 2 s to make; the fast tier stays under its budget
def forged_name(good, dest, name, ref):
    """The file with a defined name added (or the first of that name replaced) over `ref`."""
    with zipfile.ZipFile(good) as z:
        files = {n: z.read(n) for n in z.namelist()}
    files["xl/workbook.xml"] = files["xl/workbook.xml"].replace(
        b"<definedNames>", f'<definedNames><definedName name="{name}">{ref}</definedName>'.encode(), 1)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in files.items():
            z.writestr(n, d)
    return dest


@pytest.mark.slow      # the fast tier stays under 30 s; the whole suite runs it
def test_the_sanitised_copy_keeps_sheets_and_names_and_nothing_that_links_out(traps, tmp_path):
    files, _ = traps
    xlsx = sanitized_copy(files["picture"], tmp_path / "p.xlsx")
    with zipfile.ZipFile(xlsx) as z:
        names = z.namelist()
        text = b"".join(z.read(n) for n in names)
    with zipfile.ZipFile(files["picture"]) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
    assert [n for n in names if n.startswith("xl/worksheets/sheet")] == sheets
    assert not any("drawing" in n or "media" in n or n.endswith(".xml.rels") and "worksheets" in n for n in names)
    assert b"TargetMode" not in text and b"127.0.0.1" not in text and b"blank_h_2" in text
    ods = sanitized_copy(files["ods"], tmp_path / "o.ods")
    with zipfile.ZipFile(ods) as z:
        assert sorted(z.namelist()) == ["META-INF/manifest.xml", "content.xml", "mimetype", "styles.xml"]
        content = z.read("content.xml")
    assert b"127.0.0.1" not in content and b"secret" not in content and b"href" not in content
    assert b"blank_h_2" in content and b'xmlns:of="' in content
    far = sanitized_copy(files["far"], tmp_path / "f.xlsx")
    with zipfile.ZipFile(far) as z:
        text = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert b"XFD1048576" not in text and b"<dimension" not in text


@pytest.mark.libreoffice
def test_linked_pictures_images_and_objects_are_neither_fetched_nor_opened(traps, listener, tmp_path):
    files, secret = traps
    _, requests = listener
    requests.clear()
    started = time.monotonic()
    r = run_cli("grade", files["good"], files["picture"], files["ods"], files["far"], files["epochs"], files["sheet"],
                files["bomb"], "--csv", tmp_path / "marks.csv")
    assert requests == [] and os.stat(secret).st_atime == 0
    lines = r.stdout.splitlines()
    # A value typed at XFD1048576: neither grade nor LibreOffice walks to it (LibreOffice took 45 s
    # over it before the copy left it out; the whole run now takes a fraction of that).
    assert lines[3].startswith(f"{files['far']}: 11/11 blocks right"), r.stdout + r.stderr
    assert time.monotonic() - started < 90
    # Forged names and a repeated-cell bomb: one line each, before any engine or LibreOffice work.
    assert r.stderr.splitlines() == [
        f"rnn-sheet: error: {files['epochs']}: its inputs cannot be run: its epochs (99,999) are more than build allows (1,000)",
        f"rnn-sheet: error: {files['sheet']}: not an rnn-sheet exercise: its defined names span more than 4,000,000 cells",
        f"rnn-sheet: error: {files['bomb']}: not a readable ods workbook (it holds more than 4,000,000 cells, more than "
        "any rnn-sheet workbook)"]
    assert (tmp_path / "marks.csv").is_file()
    assert lines[0].startswith(f"{files['good']}: 11/11 blocks right"), r.stdout + r.stderr
    assert lines[1].startswith(f"{files['picture']}: 11/11 blocks right"), r.stdout + r.stderr
    assert lines[2].startswith(f"{files['ods']}: 0/11 blocks right"), r.stdout + r.stderr
    r = run_cli("check", files["picture"])          # check hands LibreOffice the same copies
    assert requests == [] and os.stat(secret).st_atime == 0 and "recomputed by LibreOffice" in r.stdout


@pytest.mark.libreoffice
def test_the_profile_alone_keeps_libreoffice_off_the_network(traps, listener, tmp_path):
    """The second wall: LibreOffice given the unsanitised files fetches nothing over HTTP either."""
    files, _ = traps
    _, requests = listener
    requests.clear()
    recalc.convert([files["picture"], files["ods"]], tmp_path)
    assert requests == []


# --- time limits and stops ---------------------------------------------------------------------------

FAKE = '''#!{python}
"""soffice for the tests: converts each file with the real one, in order, except one whose
sheets hold HANG, where it waits for ever in a child process, as soffice.bin would."""
import os, subprocess, sys, zipfile
args = sys.argv[1:]
files = args[args.index("--outdir") + 2:]
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(f"{{os.getpid()}}\\n")
for f in files:
    with zipfile.ZipFile(f) as z:
        hang = any(b"HANG" in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    if hang:
        child = subprocess.Popen(["sleep", "600"])
        with open(os.environ["FAKE_LOG"], "a") as log:
            log.write(f"{{child.pid}}\\n")
        child.wait()
    subprocess.run([{real!r}, *args[:args.index("--outdir") + 2], f], capture_output=True)
'''


@pytest.fixture
def fake_soffice(tmp_path, monkeypatch):
    real = recalc.find_soffice()
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "soffice").write_text(FAKE.format(python=sys.executable, real=real))
    (folder / "soffice").chmod(0o755)
    log = tmp_path / "fake.log"
    log.touch()
    monkeypatch.setenv("FAKE_LOG", str(log))
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return log


def _hanging(good, dest):
    """The good file with HANG typed far down its first sheet."""
    with zipfile.ZipFile(good) as z:
        files = {n: z.read(n) for n in z.namelist()}
    files["xl/worksheets/sheet1.xml"] = files["xl/worksheets/sheet1.xml"].replace(
        b"</sheetData>", b'<row r="900"><c r="A900" t="inlineStr"><is><t>HANG</t></is></c></row></sheetData>')
    with zipfile.ZipFile(dest, "w") as z:
        for n, d in files.items():
            z.writestr(n, d)
    return dest


def _alive(pids):
    """The pids still running (a zombie, killed but not yet reaped by its new parent, is not)."""
    alive = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        except OSError:
            continue
        if state not in ("Z", "X"):
            alive.append(pid)
    return alive


@pytest.mark.libreoffice
def test_a_file_that_does_not_finish_is_timed_out_and_the_others_graded(traps, tmp_path, fake_soffice, monkeypatch):
    files, _ = traps
    monkeypatch.setattr(recalc, "TIMEOUT_START", 25)
    monkeypatch.setattr(recalc, "TIMEOUT_PER_FILE", 0)
    monkeypatch.setattr(recalc, "MAX_RUNS", 1)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    stuck = _hanging(files["good"], tmp_path / "stuck.xlsx")
    started = time.monotonic()
    r = run_cli("grade", stuck, files["good"], "--csv", tmp_path / "marks.csv")
    assert time.monotonic() - started < 120
    assert r.stderr.splitlines() == [f"rnn-sheet: error: {stuck}: timed out: LibreOffice did not finish recomputing it"]
    assert r.stdout.startswith(f"{files['good']}: 11/11 blocks right") and (tmp_path / "marks.csv").is_file()
    pids = [int(p) for p in fake_soffice.read_text().split()]
    assert len(pids) >= 2 and _alive(pids) == []
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("rnn-sheet-")]


@pytest.mark.libreoffice
def test_sigterm_stops_libreoffice_and_leaves_no_temporary_file(traps, tmp_path, fake_soffice):
    files, _ = traps
    stuck = _hanging(files["good"], tmp_path / "stuck.xlsx")
    env = {**cli_env(), "TMPDIR": str(tmp_path), "PATH": os.environ["PATH"], "FAKE_LOG": str(fake_soffice)}
    proc = subprocess.Popen([sys.executable, "-c", "from rnn_sheet.cli import run; run()", "grade", str(stuck)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(fake_soffice.read_text().split()) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM and err.splitlines() == ["rnn-sheet: stopped (SIGTERM)"]
    assert _alive([int(p) for p in fake_soffice.read_text().split()]) == []
    assert sorted(p.name for p in Path(tmp_path).iterdir()) == ["bin", "fake.log", "stuck.xlsx"]
