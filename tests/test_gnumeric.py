"""A second, stricter engine: Gnumeric (`ssconvert --recalc`) evaluates arrays in a plain cell the way
older Excel does, so a formula that leans on LibreOffice's leniency (SUMPRODUCT(EXP(range - cell)))
fails here. Every formula cell of a representative set of books, recomputed by Gnumeric, must equal its
cached value."""
import os
import shutil
import subprocess

import pytest

from conftest import run_cli
from rnn_sheet.build import jobs
from rnn_sheet.checking.compare import compare
from rnn_sheet.model.scenario import make_scenario
from rnn_sheet.sheets import build
from rnn_sheet.writers.ods import write_ods
from rnn_sheet.writers.xlsx import write_xlsx
from test_check import tamper
from test_cli import assert_one_line_error

pytestmark = [pytest.mark.libreoffice, pytest.mark.gnumeric,
              pytest.mark.filterwarnings("ignore:Workbook contains no default style")]    # Gnumeric's files

BOOKS = {
    "article": dict(word="hello", epochs=3, generate=4, start="h"),
    "standard_compact": dict(word="mississippi", model="standard", hidden=3, layout="compact", epochs=2,
                             clip=0.1, loss_mode="last"),
    "lstm_adam_sampled": dict(word="abcab", model="lstm", hidden=2, epochs=2, optimizer="adam", generate=3,
                              temperature=0.7),
    "gru_momentum": dict(word="banana", model="gru", hidden=2, epochs=2, optimizer="momentum", generate=2),
    "feedforward_adagrad": dict(word="abcab", model="feedforward", hidden=2, epochs=1, optimizer="adagrad"),
}


def require_gnumeric():
    if shutil.which("ssconvert") is None:
        if os.environ.get("RNN_SHEET_ALLOW_NO_LIBREOFFICE"):
            pytest.skip("Gnumeric not installed")
        pytest.fail("Gnumeric's ssconvert is needed: apt-get install --no-install-recommends gnumeric, "
                    "or run bash scripts/test", pytrace=False)


@pytest.fixture(scope="module")
def recomputed(tmp_path_factory):
    require_gnumeric()
    folder = tmp_path_factory.mktemp("gnumeric")
    files = {}
    for key, spec in BOOKS.items():
        built = build(make_scenario(use_template=False, **spec))
        files[key] = folder / f"{key}.xlsx"
        write_xlsx(built.book, files[key])
        if key == "article":        # an exercise's answer key: its self-check cells too
            answers = jobs(built, ["xlsx"], [folder / "ex.xlsx"], "")[1]
            files["answer_key"] = answers.path
            write_xlsx(answers.book, answers.path)
    out = {}
    for key, path in files.items():
        out[key] = path.with_name(f"{key}-gnumeric.xlsx")
        subprocess.run(["ssconvert", "--recalc", str(path), str(out[key])], capture_output=True, timeout=300,
                       check=True)
    return files, out


@pytest.mark.parametrize("key", [*BOOKS, "answer_key"])
def test_gnumeric_recomputes_every_formula_to_its_cached_value(recomputed, key):
    files, out = recomputed
    report = compare(files[key], out[key])
    assert report.errors == [], report.errors[:5]
    assert report.mismatches == [], report.mismatches[:5]
    assert report.formulas > 400


def test_check_with_gnumeric_as_the_engine(tmp_path):
    """`rnn-sheet check --engine gnumeric`: a good book agrees, a tampered formula is named, and an .ods
    (whose Gnumeric copy openpyxl cannot read back) is refused in one line."""
    require_gnumeric()
    built = build(make_scenario("hello"))
    good, bad, ods = tmp_path / "good.xlsx", tmp_path / "bad.xlsx", tmp_path / "good.ods"
    write_xlsx(built.book, good)
    tampered, cell = tamper(built)
    write_xlsx(tampered, bad)
    write_ods(built.book, ods)
    r = run_cli("check", good, "--engine", "gnumeric")
    assert r.returncode == 0 and r.stderr == "", r.stdout + r.stderr
    assert "formula cells recomputed by Gnumeric" in r.stdout
    assert r.stdout.splitlines()[-1] == "OK: cached values, Gnumeric and the engine agree"
    r = run_cli("check", bad, "--engine", "gnumeric")
    assert r.returncode == 1 and cell in r.stdout and "FAILED" in r.stdout
    assert_one_line_error(run_cli("check", ods, "--engine", "gnumeric"), "--engine gnumeric checks .xlsx")
