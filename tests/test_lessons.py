"""The article's other lessons, recomputed by LibreOffice: gradient flow, generation, many-to-one."""
import numpy as np
import openpyxl
import pytest

from rnn_sheet.checking import compare
from rnn_sheet.model.engine import backward, forward, generate, train
from rnn_sheet.model.scenario import make_scenario

SCENARIOS = {
    "gen_hello": dict(word="hello", epochs=6, generate=8, start="h"),
    "gen_std": dict(word="abcabc", model="standard", hidden=5, epochs=2, generate=6, start="b"),
    "gen_untrained": dict(word="hello", generate=4, start="o", loss_mode="last"),
    "vanishing": dict(word="vanishing"),
    "exploding": dict(word="exploding"),
    "last_std": dict(word="mississippi", model="standard", hidden=3, loss_mode="last", epochs=1),
}


@pytest.fixture(scope="module")
def cases(recompute):
    return recompute({k: make_scenario(**v) for k, v in SCENARIOS.items()})


def generated_text(sc, params):
    G = generate(params, sc.vocab.index(sc.start), sc.generate)
    return "".join(sc.vocab[i] for i in G.outputs)


@pytest.mark.libreoffice
@pytest.mark.parametrize("key", SCENARIOS)
def test_every_formula_recomputes(cases, key):
    report = compare.compare(cases[key].original, cases[key].recomputed)
    assert report.errors == [] and report.mismatches == []


@pytest.mark.libreoffice
@pytest.mark.parametrize("key", SCENARIOS)
def test_gradient_norms_match_the_engine(cases, key):
    sc, names = cases[key].scenario, cases[key].names
    B = backward(sc.params, forward(sc.params, sc.inputs, sc.targets, sc.loss_mode))
    expected = np.linalg.norm(B.dh, axis=1).reshape(-1, 1)
    got = names["grad_norms"].astype(float)
    assert got.shape == (sc.T, 1)
    assert np.allclose(got, expected, rtol=1e-9, atol=1e-12)


@pytest.mark.libreoffice
def test_the_vanishing_recipe_shows_the_gradient_vanish(cases):
    norms = cases["vanishing"].names["grad_norms"].astype(float).ravel()
    assert cases["vanishing"].scenario.T >= 30
    assert norms[0] < 1e-6 * norms[-1]
    assert all(b >= a for a, b in zip(norms[:-1], norms[1:]))


@pytest.mark.libreoffice
def test_the_exploding_recipe_shows_the_gradient_grow(cases):
    norms = cases["exploding"].names["grad_norms"].astype(float).ravel()
    assert norms[0] > 10 * norms[-1]


@pytest.mark.libreoffice
@pytest.mark.parametrize("key", [k for k, v in SCENARIOS.items() if v.get("generate")])
def test_generated_text_matches_the_engine(cases, key):
    sc = cases[key].scenario
    trained = train(sc.params, sc.inputs, sc.targets, sc.lr, sc.epochs, sc.clip, sc.loss_mode)[-1].params
    text = cases[key].names["generated"][0][0]
    assert text == generated_text(sc, trained)
    assert len(text) == sc.generate


def test_trained_hello_generates_towards_ello():
    sc = make_scenario("hello", epochs=50, generate=8, start="h")
    trained = train(sc.params, sc.inputs, sc.targets, sc.lr, sc.epochs)[-1].params
    assert generated_text(sc, trained).startswith("el")
    assert not generated_text(sc, sc.params).startswith("e")


def edit_start_and_weights(cases):
    for case in cases.values():
        wb = openpyxl.load_workbook(case.original)
        sheet, ref = next(iter(wb.defined_names["Why"].destinations))
        cell = wb[sheet][ref.replace("$", "").split(":")[0]].offset(row=2)
        cell.value = 3.0                          # Why[2, 0]: letter 2 now wins more often
        gen = wb["Generate"]
        start_cell = next(c for row in gen.iter_rows() for c in row if c.value == case.scenario.start)
        start_cell.value = case.scenario.vocab[1]
        wb.save(case.original)
        P = case.scenario.params
        Why = P.Why.copy()
        Why[2, 0] = 3.0
        case.params = P.replace(Why=Why)
        case.extra["start"] = case.scenario.vocab[1]


@pytest.fixture(scope="module")
def edited(recompute):
    return recompute({"gen_edit": make_scenario("hello", generate=6, start="h")},
                     edit=edit_start_and_weights)


@pytest.mark.libreoffice
def test_generation_follows_an_edited_weight_and_start_letter(edited):
    case = edited["gen_edit"]
    sc = case.scenario
    G = generate(case.params, sc.vocab.index(case.extra["start"]), sc.generate)
    expected = "".join(sc.vocab[i] for i in G.outputs)
    assert case.names["generated"][0][0] == expected
    assert expected != generated_text(sc, sc.params)
