"""rnn-sheet grade: filled-in exercises (typed numbers or formulas, saved by another program) grade
N/N; one changed cell costs its block; same-named files from different folders are graded apart; an
edited input is a warning; what is not an exercise is one line and exit 2, the rest still graded. A
submission carrying a macro, WEBSERVICE and an external link is graded without any of them running.
LibreOffice runs twice for the whole module: once to save a submission as a student's LibreOffice
would, once to grade them all."""
import csv
import http.server
import re
import shutil
import subprocess
import sys
import threading
import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from rnn_sheet.checking import grade as grading
from rnn_sheet.checking import recalc
from rnn_sheet.checking.read import xlsx_names
from rnn_sheet.cli import run
from rnn_sheet.model.fingerprint import fingerprint
from rnn_sheet.model.scenario import make_scenario
from rnn_sheet.workbook import manifest
from conftest import cli_env
from test_cli import files_under, run_in_process

BLOCKS = 11     # hello's default exercise, f2,b4: 6 forward and 5 backward blocks


def _blanks(path):
    wb = openpyxl.load_workbook(path)
    return wb, {n: b for n, b in xlsx_names(wb).items() if manifest.blank_key(n)}


def fill(exercise, answers, dest, formulas=False, change=None):
    """A student: types the answer key's numbers (or its formulas) into every blank, saves with
    openpyxl. change=(name, i, value) types a wrong number into one cell of one block."""
    wb, blanks = _blanks(exercise)
    key = openpyxl.load_workbook(answers, data_only=not formulas)
    for name, b in blanks.items():
        for r, c in b.positions():
            wb[b.sheet].cell(r + 1, c + 1).value = key[b.sheet].cell(r + 1, c + 1).value
    if change:
        name, i, value = change
        b = blanks[name]
        wb[b.sheet].cell(b.row + i + 1, b.col + 1).value = value
    dest.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dest)
    return dest


def edit_weight(path, value):
    wb = openpyxl.load_workbook(path)
    b = xlsx_names(wb)["Whh"]
    wb[b.sheet].cell(b.row + 1, b.col + 1).value = value
    wb.save(path)


BASIC = {
    "Basic/script-lc.xml": '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE library:libraries PUBLIC '
    '"-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "libraries.dtd"><library:libraries '
    'xmlns:library="http://openoffice.org/2000/library" xmlns:xlink="http://www.w3.org/1999/xlink">'
    '<library:library library:name="Standard" library:link="false"/></library:libraries>',
    "Basic/Standard/script-lb.xml": '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE library:library PUBLIC '
    '"-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "library.dtd"><library:library '
    'xmlns:library="http://openoffice.org/2000/library" library:name="Standard" library:readonly="false" '
    'library:passwordprotected="false"><library:element library:name="Module1"/></library:library>',
}
ON_LOAD = ('<office:scripts><office:event-listeners><script:event-listener script:language="ooo:script" '
           'script:event-name="dom:load" xlink:type="simple" xlink:href="vnd.sun.star.script:'
           'Standard.Module1.Main?language=Basic&amp;location=document"/></office:event-listeners></office:scripts>')


def booby_trap(ods, dest, url, marker):
    """The .ods with a Basic macro run on opening (it writes `marker`) and a sheet whose formulas
    fetch `url`: WEBSERVICE and an external reference."""
    with zipfile.ZipFile(ods) as z:
        files = {n: z.read(n) for n in z.namelist()}
    content = files["content.xml"].decode()
    content = content.replace("<office:scripts/>", ON_LOAD, 1)
    trap = ('<table:table table:name="Trap"><table:table-row>'
            f'<table:table-cell table:formula="of:=COM.MICROSOFT.WEBSERVICE(&quot;{url}/webservice&quot;)"/>'
            f"<table:table-cell table:formula=\"of:=['{url}/linked.ods'#$Sheet1.A1]\"/>"
            "</table:table-row></table:table>")
    end = content.rindex("</table:table>") + len("</table:table>")
    files["content.xml"] = (content[:end] + trap + content[end:]).encode()
    module = (f'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD '
              f'OfficeDocument 1.0//EN" "module.dtd"><script:module xmlns:script="http://openoffice.org/2000/script" '
              f'script:name="Module1" script:language="StarBasic" script:moduleType="normal">Sub Main\n'
              f'  Open &quot;{marker}&quot; For Output As #1\n  Print #1, &quot;macro ran&quot;\n  Close #1\n'
              f'End Sub\n</script:module>')
    files.update({k: v.encode() for k, v in {**BASIC, "Basic/Standard/Module1.xml": module}.items()})
    entries = "".join(f'<manifest:file-entry manifest:full-path="{p}" manifest:media-type="text/xml"/>'
                      for p in (*BASIC, "Basic/Standard/Module1.xml"))
    files["META-INF/manifest.xml"] = files["META-INF/manifest.xml"].replace(
        b"</manifest:manifest>", entries.encode() + b"</manifest:manifest>")
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), files.pop("mimetype"))
        for name, data in files.items():
            z.writestr(name, data)
    return dest


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
def graded(tmp_path_factory):
    """Every kind of submission, graded in one `rnn-sheet grade` run (with --csv)."""
    folder = tmp_path_factory.mktemp("grade")
    run(["build", "hello", "--exercise", "--variants", "2", "--out", str(folder / "class")])
    ex = {k: folder / "class" / f"hello-v{k}-exercise.xlsx" for k in (1, 2)}
    ans = {k: folder / "class" / f"hello-v{k}-answers.xlsx" for k in (1, 2)}
    sub = folder / "submitted"
    files = {
        "right": fill(ex[1], ans[1], sub / "ann" / "hello-v1-exercise.xlsx"),
        "one_wrong": fill(ex[1], ans[1], sub / "bob" / "hello-v1-exercise.xlsx", change=("blank_h_2", 1, 0.5)),
        "formulas": fill(ex[2], ans[2], sub / "cat" / "hello-v2-exercise.xlsx", formulas=True),
        "edited": fill(ex[2], ans[2], sub / "dan" / "hello-v2-exercise.xlsx", formulas=True),
        "empty": ex[1], "answers": ans[2],
    }
    run(["build", "lstm-hello", "--exercise", "--variants", "1", "--out", str(folder / "lstm")])
    files["lstm"] = fill(folder / "lstm" / "lstm-hello-v1-exercise.xlsx", folder / "lstm" / "lstm-hello-v1-answers.xlsx",
                         sub / "fay" / "lstm-hello-v1-exercise.xlsx")
    edit_weight(files["edited"], 0.25)
    # Saved by LibreOffice, as a student using it would: the typed file as .ods.
    saved = recalc.convert([files["right"]], folder / "lo", to="ods")[0]
    files["lo_ods"] = Path(shutil.copy(saved, sub / "eve.ods"))
    server = http.server.HTTPServer(("127.0.0.1", 0), _Listener)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    marker = folder / "macro-ran.txt"
    files["trap"] = booby_trap(saved, sub / "mallory.ods", f"http://127.0.0.1:{server.server_port}", marker)
    plain = openpyxl.Workbook()
    plain.active["A1"] = "=1+1"
    plain.save(sub / "plain.xlsx")
    run(["build", "hello", "--out", str(sub / "hello.xlsx")])
    files.update(plain=sub / "plain.xlsx", workbook=sub / "hello.xlsx", missing=sub / "gone.xlsx")
    try:
        result = _grade_cli([*map(str, files.values()), "--csv", str(folder / "marks.csv")])
    finally:
        server.shutdown()
    return files, result, folder, marker, list(_Listener.requests)


def _grade_cli(args):
    return subprocess.run([sys.executable, "-c", "from rnn_sheet.cli import run; run()", "grade", *args],
                          capture_output=True, text=True, env=cli_env(), timeout=600)


def _line(graded, key):
    files, result = graded[:2]
    lines = [x for x in result.stdout.splitlines() + result.stderr.splitlines() if str(files[key]) + ":" in x]
    assert len(lines) == 1, (key, result.stdout, result.stderr)
    return lines[0]


@pytest.mark.libreoffice
@pytest.mark.parametrize("key", ["right", "formulas", "lo_ods", "answers", "trap"])
def test_filled_in_exercises_grade_full_marks(graded, key):
    assert _line(graded, key) == f"{graded[0][key]}: {BLOCKS}/{BLOCKS} blocks right"


@pytest.mark.libreoffice
def test_a_filled_in_lstm_exercise_grades_full_marks(graded):
    # The LSTM's default exercise: every gate's products and value, c_t and h_t on Step 2 ... 27 blocks.
    assert _line(graded, "lstm") == f"{graded[0]['lstm']}: 27/27 blocks right"


@pytest.mark.libreoffice
def test_one_changed_cell_costs_its_block_and_same_named_files_are_graded_apart(graded):
    files = graded[0]
    assert files["right"].name == files["one_wrong"].name
    assert _line(graded, "one_wrong") == f"{files['one_wrong']}: {BLOCKS - 1}/{BLOCKS} blocks right; wrong: Step 2: h_t"


@pytest.mark.libreoffice
def test_empty_cells_are_wrong(graded):
    line = _line(graded, "empty")
    assert line.startswith(f"{graded[0]['empty']}: 0/{BLOCKS} blocks right; wrong: Step 2: Wxh·x_t, ")
    assert "Back 4: dWxh_t" in line


@pytest.mark.libreoffice
def test_an_edited_input_is_a_warning_and_the_file_is_graded_on_it(graded):
    line = _line(graded, "edited")
    sc = make_scenario("hello", seed=2, use_template=False)
    sc.params.arrays["Whh"] = sc.params["Whh"] * 0 + 0.25
    assert line.startswith(f"{graded[0]['edited']}: {BLOCKS}/{BLOCKS} blocks right; warning: the inputs")
    assert f"fingerprint {fingerprint(sc)}, made with " in line


@pytest.mark.libreoffice
@pytest.mark.parametrize("key, why", [("plain", "not an rnn-sheet exercise"), ("workbook", "not an rnn-sheet exercise"),
                                      ("missing", "no such file")])
def test_what_is_not_an_exercise_is_one_line_and_exit_2(graded, key, why):
    files, result = graded[:2]
    assert result.returncode == 2
    assert _line(graded, key).startswith(f"rnn-sheet: error: {files[key]}: {why}")
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 3 and len(result.stdout.splitlines()) == 10


@pytest.mark.libreoffice
def test_the_gradebook_csv(graded):
    files, result, folder = graded[:3]
    rows = list(csv.DictReader(open(folder / "marks.csv", encoding="utf-8")))
    assert [r["file"] for r in rows] == [str(p) for p in files.values()]
    by_file = {r["file"]: r for r in rows}
    one_wrong = by_file[str(files["one_wrong"])]
    assert (one_wrong["blocks_right"], one_wrong["blocks_total"], one_wrong["score"]) == ("10", "11", "0.9091")
    assert one_wrong["Step 2: h_t"] == "0" and one_wrong["Back 4: da_t"] == "1"
    assert list(rows[0])[:5] == ["file", "blocks_right", "blocks_total", "score", "Step 2: Wxh·x_t"]
    # One column per block label: hello's and the LSTM's, 7 of which are named alike (Step 2: h_t,
    # y_t, p_t, loss_t; Back 4: dy_t, dWhy_t, dh_t); a file without a block leaves its cell empty.
    assert len(rows[0]) == 4 + BLOCKS + 27 - 7
    assert by_file[str(files["lstm"])]["Step 2: Wxh·x_t"] == "" and by_file[str(files["lstm"])]["Step 2: c_t"] == "1"
    assert by_file[str(files["right"])]["score"] == "1.0000" and by_file[str(files["empty"])]["score"] == "0.0000"
    assert by_file[str(files["missing"])]["score"] == ""
    assert f"wrote {folder / 'marks.csv'}" in result.stdout


@pytest.mark.libreoffice
def test_no_macro_ran_and_nothing_was_fetched(graded):
    files, result, folder, marker, requests = graded
    assert "Trap" in zipfile.ZipFile(files["trap"]).read("content.xml").decode()
    assert "Basic/Standard/Module1.xml" in zipfile.ZipFile(files["trap"]).namelist()
    assert not marker.exists()
    assert requests == []


# --- without LibreOffice ------------------------------------------------------------------------------

def test_unreadable_files_are_named_and_no_libreoffice_starts(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "fake.xlsx").write_text("not a zip")
    (tmp_path / "folder.xlsx").mkdir()
    r = run_in_process(["grade", "gone.ods", "notes.txt", "fake.xlsx", "folder.xlsx"], capsys)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.splitlines() == ["rnn-sheet: error: gone.ods: no such file",
                                     "rnn-sheet: error: notes.txt: not a workbook: expected an .xlsx or .ods file",
                                     "rnn-sheet: error: fake.xlsx: not a readable xlsx workbook",
                                     "rnn-sheet: error: folder.xlsx: a folder, not a file"]


def test_exit_0_when_every_file_was_graded_whatever_the_marks(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    marks = [grading.Graded("a.xlsx", [("Step 2: h_t", False), ("Back 4: da_t", True)], "abc", "abc")]
    monkeypatch.setattr(grading, "grade_many", lambda files, tol: marks)
    r = run_in_process(["grade", "a.xlsx", "--csv", "out/m.csv"], capsys)
    assert r.returncode == 0 and r.stderr == ""
    assert r.stdout.splitlines() == ["a.xlsx: 1/2 blocks right; wrong: Step 2: h_t", "wrote out/m.csv"]
    assert files_under(tmp_path) == ["out/m.csv"]


@pytest.mark.parametrize("args, words", [(["grade"], ["Missing argument"]),
                                         (["grade", "a.xlsx", "--tol", "0"], ["--tol"]),
                                         (["grade", "a.xlsx", "--tol", "nan"], ["--tol"])])
def test_bad_grade_requests(capsys, args, words):
    r = run_in_process(args, capsys)
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1 and all(w in r.stderr for w in words)


def test_csv_keeps_file_names_as_text_and_leaves_ungraded_files_empty():
    text = grading.csv_text([grading.Graded("=HYPERLINK(1).xlsx", [("Step 2: h_t", True)], "a", "a"),
                             grading.Ungraded("gone.xlsx", "no such file")])
    assert text.splitlines() == ["file,blocks_right,blocks_total,score,Step 2: h_t",
                                 "'=HYPERLINK(1).xlsx,1,1,1.0000,1", "gone.xlsx,,,,"]


def test_blank_names_round_trip():
    for key in [("h", 2), ("dWhy_t", 4), ("loss_t", 12)]:
        assert manifest.blank_key(manifest.blank_name(*key)) == key
    assert manifest.blank_key("h_2") is None and manifest.blank_key("blank_x") is None


def test_fingerprint_ignores_digits_a_save_drops_and_sees_an_edit():
    sc = make_scenario("hello")
    fp = fingerprint(sc)
    same = make_scenario("hello")
    same.params.arrays["Wxh"] = sc.params["Wxh"] * (1 + 1e-14)
    assert fingerprint(same) == fp and re.fullmatch(r"[0-9a-f]{8}", fp)
    same.params.arrays["Wxh"][0, 0] += 1e-6
    assert fingerprint(same) != fp
    assert fingerprint(replace(sc, vocab="hleo")) != fp and fingerprint(replace(sc, word="hell")) != fp


def test_the_libreoffice_profile_runs_no_macros_and_updates_no_links():
    xcu = recalc.PROFILE_XCU
    for path, name, value in [("Common/Security/Scripting", "MacroSecurityLevel", "3"),
                              ("Common/Security/Scripting", "DisableMacrosExecution", "true"),
                              ("Calc/Content/Update", "Link", "1"),
                              ("Calc/Formula/Load", "OOXMLRecalcMode", "0")]:
        assert re.search(rf'oor:path="/org\.openoffice\.Office\.{path}"><prop oor:name="{name}" '
                         rf'oor:op="fuse"><value>{value}</value>', xcu), name
