"""A third engine: the formulas package recomputes .xlsx books of every cell with Excel's semantics,
in Python (`rnn-sheet check --engine formulas`), and they must agree with their cached values and
the engine as under LibreOffice. Small books: the package takes seconds per thousand formulas. The
slow tier (marked libreoffice, as every test that has a spreadsheet engine recompute)."""
import pytest

from conftest import run_cli
from rnn_sheet.checking.check import check_many
from test_check import tamper_xlsx_xml
from rnn_sheet.model.scenario import make_scenario
from rnn_sheet.sheets import build
from rnn_sheet.writers.xlsx import write_xlsx

pytest.importorskip("formulas")

BOOKS = {
    "article": ["abca", "--hidden", "2", "--epochs", "1", "--generate", "2"],
    "standard": ["abca", "--model", "standard", "--hidden", "2", "--optimizer", "adagrad", "--clip", "0.5",
                 "--generate", "3", "--temperature", "1.5", "--layout", "compact"],
    "lstm": ["abca", "--model", "lstm", "--hidden", "2", "--optimizer", "adam", "--epochs", "1"],
    "gru": ["abca", "--model", "gru", "--hidden", "2", "--optimizer", "momentum", "--loss", "last"],
    "feedforward": ["abca", "--model", "feedforward", "--hidden", "2", "--epochs", "1", "--generate", "2"],
}


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    folder = tmp_path_factory.mktemp("formulas-engine")
    paths = {}
    for key, args in BOOKS.items():
        assert run_cli("build", *args, "--out", folder / f"{key}.xlsx").returncode == 0
        paths[key] = folder / f"{key}.xlsx"
    sc = make_scenario("abca", hidden=2, use_template=False)
    built = build(sc)
    write_xlsx(built.book, folder / "tampered.xlsx")
    paths["tampered"] = folder / "tampered.xlsx"
    cell = tamper_xlsx_xml(paths["tampered"], built)
    return dict(zip(paths, check_many(list(paths.values()), engine="formulas"))), cell


@pytest.mark.libreoffice
@pytest.mark.parametrize("key", BOOKS)
def test_books_of_every_cell_agree_under_excels_semantics(reports, key):
    rep = reports[0][key]
    assert rep.ok, "\n".join(rep.lines())
    assert rep.formulas > 200 and len(rep.names_compared) > 30
    assert rep.max_cached_diff < 1e-9 and rep.max_engine_diff < 1e-9
    assert rep.program.startswith("formulas")


@pytest.mark.libreoffice
def test_a_tampered_formula_fails_naming_the_cell(reports):
    rep, cell = reports[0]["tampered"], reports[1]
    assert not rep.ok and cell in [m[0] for m in rep.mismatches]


def test_formulas_engine_checks_xlsx_only(tmp_path):
    assert run_cli("build", "abca", "--format", "ods", "--out", tmp_path / "a.ods").returncode == 0
    r = run_cli("check", tmp_path / "a.ods", "--engine", "formulas")
    assert r.returncode == 2 and "checks .xlsx files" in r.stderr and len(r.stderr.splitlines()) == 1
