"""Class sets: `build WORD --exercise --variants N` writes one exercise and answer key per student, each
with its own random weights (seed + k), the same word, vocabulary, model and blanks, a fingerprint of
its inputs on the About sheet, and NAME-variants.csv listing them. Bad requests: one line, exit 2, no file."""
import csv
import os

import numpy as np
import openpyxl
import pytest

from rnn_sheet.checking.check import check_many
from rnn_sheet.checking.read import xlsx_names
from rnn_sheet.cli import run
from rnn_sheet.model.fingerprint import fingerprint
from rnn_sheet.model.scenario import make_scenario
from rnn_sheet.workbook import manifest
from test_cli import NO_DELAY, _run_on_a_terminal, assert_one_line_error, files_under, run_in_process

N = 3


@pytest.fixture(scope="module")
def class_set(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    run(["build", "hello", "--exercise", "--variants", str(N), "--seed", "5", "--out", str(folder)])
    return folder


def _inputs(path):
    wb = openpyxl.load_workbook(path, data_only=True)
    names = xlsx_names(wb)

    def cells(name):
        b = names[name]
        return np.array([[wb[b.sheet].cell(b.row + i + 1, b.col + j + 1).value for j in range(b.ncols)]
                         for i in range(b.nrows)], dtype=object)
    return wb, names, cells


@pytest.mark.slow      # the fast tier stays under 30 s; the whole suite runs it
def test_files_are_zero_padded_and_listed_in_the_csv(tmp_path):
    run(["build", "ab", "--hidden", "1", "--exercise", "--variants", "10", "--out", str(tmp_path)])
    stems = [f"ab-v{k:02d}" for k in range(1, 11)]      # two digits: v01 .. v10
    assert files_under(tmp_path) == sorted([f"{s}-{kind}.xlsx" for s in stems for kind in ("answers", "exercise")]
                                           + ["ab-variants.csv"])
    rows = list(csv.reader(open(tmp_path / "ab-variants.csv", encoding="utf-8")))
    assert rows[0] == ["variant", "seed", "exercise_file", "answer_file", "fingerprint"]
    assert [r[:4] for r in rows[1:]] == [[f"{k:02d}", str(k), f"{s}-exercise.xlsx", f"{s}-answers.xlsx"]
                                         for k, s in enumerate(stems, 1)]
    assert len({r[4] for r in rows[1:]}) == 10


def test_variants_differ_only_in_their_weights(class_set):
    template = make_scenario("hello")
    seen = []
    for k in range(1, N + 1):
        wb, names, cells = _inputs(class_set / f"hello-v{k}-exercise.xlsx")
        assert "".join(cells("word").flat) == "hello" and "".join(cells("vocab").flat) == "helo"
        assert cells("Wxh").shape == (3, 4) and cells("Whh").shape == (1, 1) and "by" not in names
        # Seed 5 + k, never the template's transcribed weights.
        want = template.cell.init(4, 3, 5 + k)
        assert np.allclose(cells("Wxh").astype(float), want["Wxh"])
        assert not np.allclose(cells("Wxh").astype(float), template.params["Wxh"])
        seen.append(cells("Wxh").astype(float))
        assert {n for n in names if manifest.blank_key(n)} == {
            f"blank_{kind}_2" for kind in ("wx", "wh", "h", "y", "p", "loss_t")} | {
            f"blank_{kind}_4" for kind in ("dy", "dWhy_t", "dh", "da", "dWxh_t")}
        # The fingerprint the About sheet shows is the one of these inputs.
        fp = names[manifest.FINGERPRINT]
        assert fp.sheet == "About"
        shown = wb["About"].cell(fp.row + 1, fp.col + 1).value
        sc = make_scenario("hello", seed=5 + k, use_template=False)
        assert shown == fingerprint(sc) and len(shown) == 8
        assert wb["About"].cell(fp.row + 1, fp.col).value == "fingerprint"
    assert not np.allclose(seen[0], seen[1])


@pytest.mark.slow      # the fast tier stays under 30 s; the whole suite runs it
def test_formats_all_and_the_progress_bar_on_a_terminal(tmp_path):
    code, shown = _run_on_a_terminal(["build", "hello", "--exercise", "f1", "--variants", "1", "--format", "all",
                                      "--seed", "7", "--out", "set"], tmp_path, NO_DELAY)
    assert code == 0 and "building 1 variant" in shown and "%" in shown
    assert files_under(tmp_path / "set") == sorted(
        [f"hello-v1-{kind}.{fmt}" for kind in ("answers", "exercise") for fmt in ("ods", "xlsx")]
        + ["hello-variants.csv"])
    rows = list(csv.reader(open(tmp_path / "set" / "hello-variants.csv", encoding="utf-8")))
    assert rows[1][:4] == ["1", "8", "hello-v1-exercise.xlsx;hello-v1-exercise.ods",
                           "hello-v1-answers.xlsx;hello-v1-answers.ods"]
    assert shown.splitlines()[-1].strip() == "1 variant, seeds 8 to 8"


@pytest.mark.parametrize("args, words", [
    (["--variants", "3"], ["--exercise"]),
    (["--exercise", "--variants", "0"], ["1 to 200"]),
    (["--exercise", "--variants", "201"], ["1 to 200"]),
    (["--exercise", "--variants", "2", "--weights", "w.json"], ["--weights"]),
    (["--exercise", "--variants", "2", "--out", "x.xlsx"], ["folder"]),
    (["--exercise", "b9", "--variants", "2"], ["--exercise", "b9"]),
])
def test_bad_class_set_requests_are_one_line_errors_and_write_nothing(tmp_path, capsys, args, words):
    (tmp_path / "w.json").write_text("{}")
    os.chdir(tmp_path)
    assert_one_line_error(run_in_process(["build", "hello", *args, "--out", "out"] if "--out" not in args
                                         else ["build", "hello", *args], capsys), *words)
    assert files_under(tmp_path) == ["w.json"]


@pytest.mark.libreoffice
def test_every_answer_key_passes_check(class_set):
    reports = check_many([class_set / f"hello-v{k}-answers.xlsx" for k in (1, N)])
    for rep in reports:
        assert rep.ok, "\n".join(rep.lines())
        assert rep.max_engine_diff < 1e-9 and {"h_2", "loss", "dWxh"} <= set(rep.names_compared)
