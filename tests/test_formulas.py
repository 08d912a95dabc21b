"""Static checks of the formula text: portable functions only, no user text inside formulas."""
import re

import pytest

from rnn_sheet.exercise import make_exercise, parse_steps
from rnn_sheet.model.scenario import make_scenario
from rnn_sheet.sheets import build
from rnn_sheet.sheets.quantity import ALLOWED
from rnn_sheet.workbook.book import Kind


def build_book(sc):
    return build(sc).book

FUNCTION = re.compile(r"([A-Z][A-Z0-9.]*)\(")

SCENARIOS = [
    dict(word="hello", epochs=2, generate=3, clip=1.0),
    dict(word="abcab", model="standard", hidden=2, epochs=1, loss_mode="last", generate=2),
    dict(word="hello", epochs=2, optimizer="adam", clip=0.5, generate=3, temperature=0.5),
    dict(word="abcab", model="standard", hidden=2, epochs=2, optimizer="adagrad", generate=2, temperature=2.0),
    dict(word="abcab", model="standard", hidden=2, epochs=2, optimizer="momentum", layout="compact"),
    dict(word="abcab", model="lstm", hidden=2, epochs=2, generate=2, clip=0.5, optimizer="adam", temperature=0.7),
    dict(word="abcab", model="gru", hidden=2, epochs=1, loss_mode="last", layout="compact", optimizer="momentum"),
    dict(word="abcab", model="feedforward", hidden=2, epochs=1, generate=2, optimizer="adagrad"),
    dict(word="abcab", model="relu", hidden=2, epochs=1, generate=2, temperature=1.3),
    dict(word="abcab", model="gru-pytorch", hidden=2, epochs=1, generate=2, temperature=1.3, layout="compact"),
]


def formulas(book):
    return [(s.name, pos, c.formula) for s in book.sheets for pos, c in s.cells.items() if c.kind is Kind.FORMULA]


@pytest.mark.parametrize("spec", SCENARIOS)
def test_only_portable_functions(spec):
    used = set()
    for _, _, text in formulas(build_book(make_scenario(**spec))):
        used |= set(FUNCTION.findall(text))
    assert used <= ALLOWED, used - ALLOWED
    assert {"EXP", "LN", "SUMPRODUCT"} <= used


def test_an_exercise_and_its_answer_key_use_portable_functions_only():
    """The exercise adds self-check cells (IF, COUNTBLANK, AND, ABS) beside its blanks."""
    sc = make_scenario(word="abcab", model="gru", hidden=2, epochs=1)
    ex, ans = make_exercise(build(sc), parse_steps(None, sc.T))
    for book in (ex, ans):
        used = set().union(*(FUNCTION.findall(text) for _, _, text in formulas(book)))
        assert used <= ALLOWED, used - ALLOWED
        assert ("COUNTBLANK" in used) == (book is ex)


@pytest.mark.parametrize("spec", SCENARIOS)
def test_no_array_formulas_transpose_or_3d_references(spec):
    for sheet, pos, text in formulas(build_book(make_scenario(**spec))):
        assert not text.startswith("{"), (sheet, pos)
        assert "TRANSPOSE" not in text and "SUM(EXP" not in text
        assert not re.search(r"'[^']*:[^']*'!", text), (sheet, pos, text)
        # LibreOffice's ^ (POWER) gives #NUM! where the result underflows (1e-300^2): a cell's square
        # is written x*x; only a constant base may be raised (0.9^k)
        assert not re.search(r"(\$?[A-Z]{1,3}\$?\d+|\))\s*\^", text), (sheet, pos, text)


@pytest.mark.parametrize("word", ["=1+1", '"quoted"', "@cmd|x", "a'b'c", "+-+-"])
def test_user_text_never_enters_a_formula(word):
    book = build_book(make_scenario(word))
    texts = [t for _, _, t in formulas(book)]
    assert texts, "the workbook has formulas"
    strings = [c.value for s in book.sheets for c in s.cells.values() if c.kind is not Kind.FORMULA]
    assert all(isinstance(v, str) for v in strings if v in set(word))
    for text in texts:
        # A formula holds references, numbers and function names: no quotes except sheet names.
        assert '"' not in text
        assert "@" not in text and "|" not in text
