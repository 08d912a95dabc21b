"""LibreOffice recomputes the books of the two cells issue 20 added, relu (the IRNN) and gru-pytorch
(the reset-after GRU): .xlsx and .ods, detailed and compact, with training, clipping, an optimizer
with state and sampled generation, and the answer key of an exercise (the exercise itself has blanks); `check` passes on each (every
formula equals its cached value, every defined name the engine), reading the model from the book.
An exercise filled in with the answer key's formulas grades full marks, one filled in wrongly does
not. One soffice run checks, one grades."""
import contextlib
import io

import openpyxl
import pytest

from rnn_sheet.checking.check import check_many
from rnn_sheet.checking.grade import grade_many
from rnn_sheet.cli import run as cli_run
from rnn_sheet.exercise import make_exercise, parse_steps
from rnn_sheet.model.scenario import make_scenario
from rnn_sheet.sheets import build as build_book
from rnn_sheet.workbook.book import Kind
from rnn_sheet.workbook.grid import a1
from rnn_sheet.writers.xlsx import write_xlsx

pytestmark = pytest.mark.libreoffice

MODELS = ("relu", "gru-pytorch")
BUILDS = {
    "detailed": ["hello", "--epochs", "2", "--generate", "4", "--temperature", "1.3", "--seed", "3"],
    "compact_ods": ["mississippi", "--layout", "compact", "--epochs", "1", "--optimizer", "adam", "--clip", "0.5",
                    "--generate", "3", "--format", "ods"],
    "exercise": ["abcab", "--hidden", "2", "--exercise", "f2,b4", "--optimizer", "momentum", "--epochs", "1"],
}


def build(args, folder):
    with contextlib.redirect_stdout(io.StringIO()):
        cli_run(["build", *args, "--out", str(folder)])
    return sorted(folder.iterdir())


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    out = {}
    for model in MODELS:
        for key, args in BUILDS.items():
            folder = tmp_path_factory.mktemp(f"{model}-{key}")
            out[model, key] = build([*args, "--model", model], folder)
    return out


@pytest.fixture(scope="module")
def reports(books):
    paths = [p for files in books.values() for p in files if not p.stem.endswith("-exercise")]
    return dict(zip(paths, check_many(paths)))


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("key", list(BUILDS))
def test_check_passes(books, reports, model, key):
    checked = [p for p in books[model, key] if p in reports]
    assert checked
    for path in checked:
        rep = reports[path]
        assert rep.ok, (path.name, rep.problems[:3])


def filled(model, folder, wrong):
    """An exercise with every blank typed in: the answer key's formula, or (wrong) 0.5."""
    sc = make_scenario("abcab", model=model, hidden=2, epochs=1)
    built = build_book(sc)
    ex, _ = make_exercise(built, parse_steps("f2,b4", sc.T))
    path = folder / f"{model}-{'wrong' if wrong else 'right'}.xlsx"
    write_xlsx(ex, path)
    wb = openpyxl.load_workbook(path)
    for s in ex.sheets:
        for (r, c), cell in s.cells.items():
            if cell.kind is Kind.BLANK:
                wb[s.name][a1(r, c)] = 0.5 if wrong else "=" + built.book.sheet(s.name).cells[(r, c)].formula
    wb.save(path)
    return path


def test_exercises_grade(tmp_path):
    paths = [filled(model, tmp_path, wrong) for model in MODELS for wrong in (False, True)]
    for path, graded in zip(paths, grade_many(paths)):
        assert hasattr(graded, "blocks"), graded.line()
        assert graded.total > 8, graded.line()
        if "right" in path.name:
            assert graded.right == graded.total, graded.line()
        else:
            assert graded.right < graded.total, graded.line()
