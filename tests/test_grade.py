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
from pathlib import Path

import openpyxl
import pytest

from rnn_sheet.checking import gradebook
from rnn_sheet.checking import recalc
from rnn_sheet.checking.read import xlsx_names
from rnn_sheet.cli import run
from rnn_sheet.model.fingerprint import fingerprint
from rnn_sheet.model.scenario import make_scenario
from rnn_sheet.workbook import manifest
from rnn_sheet.workbook.grid import a1
from conftest import cli_env

BLOCKS = 11     # hello's default exercise, f2,b4: 6 forward and 5 backward blocks
STEP_BLANKS = ("blank_wx_2", "blank_wh_2", "blank_h_2", "blank_y_2", "blank_p_2", "blank_loss_t_2")
BACK = ["dy_t", "dWhy_t", "dh_t", "da_t", "dWxh_t"]


def _blanks(path):
    wb = openpyxl.load_workbook(path)
    return wb, {n: b for n, b in xlsx_names(wb).items() if manifest.blank_key(n)}


def fill(exercise, answers, dest, formulas=False, change=None, skip=()):
    """A student: types the answer key's numbers (or its formulas) into every blank but those of the
    blocks named in `skip`, saves with openpyxl. change=(name, i, value) types a wrong number into one
    cell of one block, or value(what the key has there) when it is a function."""
    wb, blanks = _blanks(exercise)
    key = openpyxl.load_workbook(answers, data_only=not formulas)
    for name, b in blanks.items():
        for r, c in b.positions():
            if name not in skip:
                wb[b.sheet].cell(r + 1, c + 1).value = key[b.sheet].cell(r + 1, c + 1).value
    if change:
        name, i, value = change
        b = blanks[name]
        cell = wb[b.sheet].cell(b.row + i + 1, b.col + 1)
        cell.value = value(cell.value) if callable(value) else value
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
        # The bias left out of one cell of Whh·h(t-1)+bias, every other formula the key's.
        "slip": fill(ex[2], ans[2], sub / "gil" / "hello-v2-exercise.xlsx", formulas=True,
                     change=("blank_wh_2", 1, lambda f: f.rsplit("+", 1)[0])),
        # Back 4 done right (the key's formulas) while Step 2 is still empty.
        "back_only": fill(ex[1], ans[1], sub / "hal" / "hello-v1-exercise.xlsx", formulas=True, skip=STEP_BLANKS),
        # Variant 1 done right, handed in under variant 2's name.
        "swapped": fill(ex[1], ans[1], sub / "jay" / "hello-v2-exercise.xlsx", formulas=True, skip=("blank_dy_4",)),
    }
    files["copy"] = Path(shutil.copytree(files["formulas"].parent, sub / "ivy")) / files["formulas"].name
    run(["build", "lstm-hello", "--exercise", "--variants", "1", "--out", str(folder / "lstm")])
    files["lstm"] = fill(folder / "lstm" / "lstm-hello-v1-exercise.xlsx", folder / "lstm" / "lstm-hello-v1-answers.xlsx",
                         sub / "fay" / "lstm-hello-v1-exercise.xlsx")
    edit_weight(files["edited"], 0.25)
    # A compact LSTM exercise (steps 3 and 4 share a sheet), one gate's input doubled in one cell.
    run(["build", "hello", "--model", "lstm", "--layout", "compact", "--exercise", "f3,b2", "--out", str(folder / "lc")])
    files["lstm_compact"] = fill(folder / "lc" / "hello-exercise.xlsx", folder / "lc" / "hello-answers.xlsx",
                                 sub / "lee" / "hello-exercise.xlsx", formulas=True,
                                 change=("blank_wh_i_3", 0, lambda f: "=2*" + f[1:]))
    # A GRU exercise with one number typed wrong, saved by LibreOffice as .ods.
    run(["build", "hello", "--model", "gru", "--exercise", "--out", str(folder / "gru")])
    gru = fill(folder / "gru" / "hello-exercise.xlsx", folder / "gru" / "hello-answers.xlsx",
               folder / "gru" / "filled" / "gru-hello.xlsx", formulas=True, change=("blank_h_2", 1, 0.25))
    # The GRU's Back 4 done right while Step 2 is empty: MMULT over Step 2's empty range is an error, so
    # its Back blocks are right only because grading fills the empty blocks with the key's formulas.
    gru_steps = [n for n in _blanks(folder / "gru" / "hello-exercise.xlsx")[1] if n.endswith("_2")]
    files["gru_back_only"] = fill(folder / "gru" / "hello-exercise.xlsx", folder / "gru" / "hello-answers.xlsx",
                                  sub / "ned" / "hello-exercise.xlsx", formulas=True, skip=gru_steps)
    # Saved by LibreOffice, as a student using it would: the typed file, the slip and the GRU as .ods.
    saved, slip, gru = recalc.convert([files["right"], files["slip"], gru], folder / "lo", to="ods")
    files["lo_ods"] = Path(shutil.copy(saved, sub / "eve.ods"))
    files["slip_ods"] = Path(shutil.copy(slip, sub / "kim.ods"))
    files["gru_ods"] = Path(shutil.copy(gru, sub / "max.ods"))
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
        result = _grade_cli([*map(str, files.values()), "--csv", str(folder / "marks.csv"),
                             "--class", str(folder / "class" / "hello-variants.csv")])
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
@pytest.mark.parametrize("key", ["right", "formulas", "lo_ods", "answers", "trap", "copy"])
def test_filled_in_exercises_grade_full_marks(graded, key):
    line = _line(graded, key)
    assert line.startswith(f"{graded[0][key]}: {BLOCKS}/{BLOCKS} blocks right") and "wrong" not in line
    assert "carried" not in line and "warning" not in line


@pytest.mark.libreoffice
def test_a_filled_in_lstm_exercise_grades_full_marks(graded):
    # The LSTM's default exercise: every gate's products and value, c_t and h_t on Step 2 ... 27 blocks.
    assert _line(graded, "lstm").startswith(f"{graded[0]['lstm']}: 27/27 blocks right; 91 answers typed as numbers")


def _key_value(folder, variant, name, i):
    wb = openpyxl.load_workbook(folder / "class" / f"hello-v{variant}-answers.xlsx", data_only=True)
    b = xlsx_names(wb)[name]
    return a1(b.row + i, b.col), wb[b.sheet].cell(b.row + i + 1, b.col + 1).value


@pytest.mark.libreoffice
def test_one_typed_wrong_number_costs_its_block_and_says_where(graded):
    files, folder = graded[0], graded[2]
    cell, want = _key_value(folder, 1, "blank_h_2", 1)
    assert files["right"].name == files["one_wrong"].name          # same-named files are graded apart
    assert _line(graded, "one_wrong") == (f"{files['one_wrong']}: {BLOCKS - 1}/{BLOCKS} blocks right; wrong: Step 2: "
                                          f"h_t ({cell}: expected {want:.6f}, found 0.500000); 52 answers typed as "
                                          "numbers, not formulas")


@pytest.mark.libreoffice
@pytest.mark.parametrize("key", ["slip", "slip_ods"])
def test_one_slip_upstream_costs_one_block_and_the_rest_is_carried(graded, key):
    files, folder = graded[0], graded[2]
    cell, want = _key_value(folder, 2, "blank_wh_2", 1)
    bias = _key_value(folder, 2, "bh", 0)[1]
    line = _line(graded, key)
    m = re.fullmatch(rf"{re.escape(str(files[key]))}: 10/11 blocks right; wrong: Step 2: Whh·h\(t-1\)\+bias "
                     rf"\({cell}: expected (\S+), found (\S+)\); carried \(right given the earlier mistakes\): "
                     rf"Step 2: h_t, y_t, p_t, loss_t; Back 4: (.*?); flag: (.*)", line)
    assert m, line
    assert float(m[1]) == pytest.approx(want, abs=1e-6) and float(m[2]) == pytest.approx(want - bias, abs=1e-6)
    # Back 4's blocks follow p_4, which the slip moved: carried, but for one that moved less than 1e-4
    # (dh_t = Why^T dy_t, and a softmax's changes sum to 0), which is right as it is.
    carried = m[3].split(", ")
    assert carried == [b for b in BACK if b in carried] and len(carried) >= 3
    assert m[4].startswith(f"the same answers as {files['slip_ods' if key == 'slip' else 'slip']}")


@pytest.mark.libreoffice
def test_a_slip_in_a_compact_lstm_and_a_gru_saved_by_libreoffice(graded):
    files = graded[0]
    line = _line(graded, "lstm_compact")
    m = re.match(rf"{re.escape(str(files['lstm_compact']))}: 25/26 blocks right; wrong: Steps 3-4, step 3: "
                 r"Whi·h\(t-1\)\+bi \(E22: expected (\S+), found (\S+)\);", line)
    assert m and float(m[2]) == pytest.approx(2 * float(m[1]), rel=1e-5), line
    line = _line(graded, "gru_ods")
    m = re.match(rf"{re.escape(str(files['gru_ods']))}: 20/21 blocks right; wrong: Step 2: h_t \(([A-Z]+\d+): "
                 r"expected (\S+), found 0.250000\); carried \(right given the earlier mistakes\): Step 2: y_t, "
                 r"p_t, loss_t; Back 4: .*; 1 answer typed as numbers, not formulas", line)
    assert m, line


@pytest.mark.libreoffice
def test_back_blocks_done_right_on_empty_step_blocks_are_right(graded):
    line = _line(graded, "back_only")
    empty = "Step 2: " + ", ".join(f"{b} (empty)" for b in ["Wxh·x_t", "Whh·h(t-1)+bias", "h_t", "y_t", "p_t", "loss_t"])
    assert line == f"{graded[0]['back_only']}: 5/11 blocks right; wrong: {empty}"
    gru = _line(graded, "gru_back_only")
    assert gru.startswith(f"{graded[0]['gru_back_only']}: 6/21 blocks right; wrong: Step 2: ") and "Back" not in gru
    assert gru.count("(empty)") == 15 and "carried" not in gru


@pytest.mark.libreoffice
def test_copies_are_flagged_and_change_no_mark(graded):
    files = graded[0]
    assert _line(graded, "copy").startswith(f"{files['copy']}: {BLOCKS}/{BLOCKS} blocks right; flag: the same answers "
                                            f"as {files['formulas']}")
    assert "flag: the same answers as " in _line(graded, "formulas") and str(files["copy"]) in _line(graded, "formulas")
    swapped = _line(graded, "swapped")
    assert swapped.startswith(f"{files['swapped']}: 10/11 blocks right; wrong: Back 4: dy_t (empty); ")
    assert swapped.endswith("; flag: it holds variant 1's numbers, not variant 2's, which its name names")
    assert "variant" not in _line(graded, "right") and "variant" not in _line(graded, "formulas")


@pytest.mark.libreoffice
def test_empty_cells_are_wrong(graded):
    line = _line(graded, "empty")
    assert line.startswith(f"{graded[0]['empty']}: 0/{BLOCKS} blocks right; wrong: Step 2: Wxh·x_t (empty), "
                           "Whh·h(t-1)+bias (empty), ")
    assert line.endswith("; Back 4: " + ", ".join(f"{b} (empty)" for b in BACK)) and "carried" not in line


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
    assert len(result.stderr.splitlines()) == 3 and len(result.stdout.splitlines()) == len(files) - 3 + 1


@pytest.mark.libreoffice
def test_the_gradebook_csv(graded):
    files, result, folder = graded[:3]
    assert (folder / "marks.csv").read_bytes().startswith(b"\xef\xbb\xbffile,")      # UTF-8 with a BOM: Excel
    rows = list(csv.DictReader(open(folder / "marks.csv", encoding="utf-8-sig")))
    assert [r["file"] for r in rows] == [str(p) for p in files.values()]
    by_file = {r["file"]: r for r in rows}
    one_wrong = by_file[str(files["one_wrong"])]
    assert (one_wrong["blocks_right"], one_wrong["blocks_total"], one_wrong["score"]) == ("10", "11", "0.9091")
    assert one_wrong["Step 2: h_t"] == "0" and one_wrong["Back 4: da_t"] == "1"
    assert one_wrong["wrong"].startswith("Step 2: h_t (") and one_wrong["typed_numbers"] == "52"
    assert list(rows[0])[:11] == [*gradebook.COLUMNS, "Step 2: Wxh·x_t"]
    # One column per block label (hello's, the LSTM's, the GRU's, the compact LSTM's, those named
    # alike once); a file without a block leaves its cell empty.
    labels = list(rows[0])[len(gradebook.COLUMNS):]
    assert len(labels) == len(set(labels)) and len(labels) > BLOCKS + 27 - 7
    assert sum(label.startswith("Steps 3-4, step 3: ") for label in labels) == 19
    assert by_file[str(files["lstm"])]["Step 2: Wxh·x_t"] == "" and by_file[str(files["lstm"])]["Step 2: c_t"] == "1"
    assert by_file[str(files["right"])]["score"] == "1.0000" and by_file[str(files["empty"])]["score"] == "0.0000"
    slip = by_file[str(files["slip"])]
    assert slip["carried"].startswith("Step 2: h_t, y_t, p_t, loss_t; Back 4: dy_t, "), slip
    assert slip["typed_numbers"] == "0"
    assert "variant 1's numbers" in by_file[str(files["swapped"])]["flags"]
    assert by_file[str(files["edited"])]["notes"].startswith("the inputs (word, vocabulary or weights) are not")
    # Every file that could not be graded says why.
    assert by_file[str(files["missing"])]["score"] == "" and by_file[str(files["missing"])]["reason"] == "no such file"
    assert by_file[str(files["plain"])]["reason"].startswith("not an rnn-sheet exercise")
    assert f"wrote {folder / 'marks.csv'}" in result.stdout


@pytest.mark.libreoffice
def test_no_macro_ran_and_nothing_was_fetched(graded):
    files, result, folder, marker, requests = graded
    assert "Trap" in zipfile.ZipFile(files["trap"]).read("content.xml").decode()
    assert "Basic/Standard/Module1.xml" in zipfile.ZipFile(files["trap"]).namelist()
    assert not marker.exists()
    assert requests == []
