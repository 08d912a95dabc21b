"""The book names its model: a defined name `model` on About holds the cell's --model name, and
`check` and `grade` read the cell from it (a book from before it: from the parameters it names)."""
import contextlib
import io

import numpy as np
import openpyxl
import pytest

from rnn_sheet.checking.check import cell_of, scenario_of
from rnn_sheet.checking.read import read_workbook
from readback import block_values
from rnn_sheet.cli import run as cli_run
from rnn_sheet.model import cells
from rnn_sheet.model.scenario import InputError, make_scenario
from rnn_sheet.sheets import build


def read_named_values(path):
    book = read_workbook(path)
    wb = openpyxl.load_workbook(path, data_only=True)
    return book, {n: np.array(block_values(wb, b), dtype=object) for n, b in book.names.items()}


@pytest.mark.parametrize("model", sorted(cells.CELLS))
def test_every_book_names_its_model(model):
    book = build(make_scenario("abcab", model=model, hidden=2)).book
    block = book.names["model"]
    assert block.sheet == "About" and book.sheet("About").cells[(block.row, block.col)].value == model


@pytest.fixture(scope="module")
def standard_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model")
    with contextlib.redirect_stdout(io.StringIO()):
        cli_run(["build", "abcab", "--model", "standard", "--hidden", "2", "--out", str(folder)])
    return read_named_values(folder / "abcab.xlsx")


def test_check_reads_the_model_from_the_file(standard_file):
    book, named = standard_file
    assert named["model"].flat[0] == "standard"
    assert scenario_of(book, named).cell.name == "standard"


def test_a_book_without_the_name_falls_back_to_its_parameters(standard_file):
    book, named = standard_file
    named = {n: v for n, v in named.items() if n != "model"}
    assert cell_of(named).name == "standard"        # Wxh Whh bh Why by: the standard model's


def test_an_unknown_model_is_one_clear_error(standard_file):
    book, named = standard_file[0], dict(standard_file[1])
    named["model"] = np.array([["transformer"]], dtype=object)
    with pytest.raises(InputError, match="'transformer', which is none of article, standard"):
        scenario_of(book, named)
    named["model"] = np.array([["lstm"]], dtype=object)     # the standard model's parameters are no LSTM's
    with pytest.raises(InputError, match="model is lstm, but it names no parameter 'Wxi'"):
        scenario_of(book, named)
