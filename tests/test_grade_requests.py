"""rnn-sheet grade without LibreOffice: bad files and requests are one line each and start nothing, the
exit code, the gradebook CSV keeps text as text, blank names and fingerprints, the profile's safety
settings, the class CSV, and which variant a file's name names."""
import re
from dataclasses import replace

import pytest

from rnn_sheet.checking import grade as grading
from rnn_sheet.checking import gradebook
from rnn_sheet.checking import recalc
from rnn_sheet.model.fingerprint import fingerprint
from rnn_sheet.model.scenario import make_scenario
from rnn_sheet.workbook import manifest
from test_cli import files_under, run_in_process


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
    marks = [grading.Graded("a.xlsx", [grading.Mark("Step 2: h_t", False, why="empty"),
                                       grading.Mark("Back 4: da_t", True)], "abc", "abc")]
    monkeypatch.setattr(grading, "grade_many", lambda files, tol, variants: marks)
    r = run_in_process(["grade", "a.xlsx", "--csv", "out/m.csv"], capsys)
    assert r.returncode == 0 and r.stderr == ""
    assert r.stdout.splitlines() == ["a.xlsx: 1/2 blocks right; wrong: Step 2: h_t (empty)", "wrote out/m.csv"]
    assert files_under(tmp_path) == ["out/m.csv"]


@pytest.mark.parametrize("args, words", [(["grade"], ["Missing argument"]),
                                         (["grade", "a.xlsx", "--tol", "0"], ["--tol"]),
                                         (["grade", "a.xlsx", "--tol", "nan"], ["--tol"])])
def test_bad_grade_requests(capsys, args, words):
    r = run_in_process(args, capsys)
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1 and all(w in r.stderr for w in words)


def test_csv_keeps_text_as_text_and_says_why_a_file_was_not_graded():
    text = gradebook.csv_text([grading.Graded("=HYPERLINK(1).xlsx", [grading.Mark("Step 2: h_t", True)], "a", "a",
                                            flags=["=1+1"]),
                             grading.Ungraded("gone.xlsx", "no such file")])
    assert text.splitlines() == [",".join([*gradebook.COLUMNS, "Step 2: h_t"]),
                                 "'=HYPERLINK(1).xlsx,1,1,1.0000,0,,,'=1+1,,,1", "gone.xlsx,,,,,,,,,no such file,"]


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


@pytest.mark.parametrize("text, why", [(None, "no such file"), (b"a,b\n1,2\n", "not the CSV of a class set"),
                                       (b"PK\x03\x04\xff\xfe", "not the CSV of a class set")])
def test_a_bad_class_csv_is_one_line_before_anything_starts(tmp_path, capsys, monkeypatch, text, why):
    monkeypatch.chdir(tmp_path)
    if text is not None:
        (tmp_path / "class.csv").write_bytes(text)
    r = run_in_process(["grade", "a.xlsx", "--class", "class.csv"], capsys)
    assert r.returncode == 2 and r.stderr.startswith(f"rnn-sheet: error: --class class.csv: {why}")
    assert len(r.stderr.splitlines()) == 1 and r.stdout == ""


def test_a_variant_is_named_by_its_exercise_file_within_the_file_name():
    from rnn_sheet.checking import copies
    variants = [("1", ["hello-v1-exercise"], "aaa"), ("11", ["hello-v11-exercise"], "bbb")]
    assert copies.named_variant("ann/Hello-v11-exercise (2).xlsx", variants)[0] == "11"
    assert copies.named_variant("hello-v1-exercise.ods", variants)[0] == "1"
    assert copies.named_variant("homework.xlsx", variants) is None
    assert copies.named_variant("ann-v11.xlsx", variants)[0] == "11"       # renamed: a lone v and a number
    assert copies.named_variant("Ann V1 rnn.ods", variants)[0] == "1"
    assert copies.named_variant("dev12-hw.xlsx", variants) is None          # "v" inside a word is no variant
    assert copies.named_variant("ann-v1-v11.xlsx", variants) is None        # two numbers: no guess
    marks = [grading.Graded(name, [], rec, inp) for name, rec, inp in
             [("hello-v1-exercise.xlsx", "aaa", "aaa"), ("hello-v11-exercise.xlsx", "aaa", "aaa"),
              ("hello-v1-exercise (1).xlsx", "aaa", "ccc"), ("mine.xlsx", "bbb", "bbb")]]
    copies.flag_variants(marks, variants)
    assert [m.flags for m in marks] == [[], ["it holds variant 1's numbers, not variant 11's, which its name names"],
                                        [], ["its name names no variant of the class (it holds variant 11's numbers)"]]
