"""Optimizers, sampling and the gradient check in the workbook, recomputed by LibreOffice: for each
model, each optimizer, two temperatures and the Gradient check sheet, in .xlsx and .ods, every formula
equals its cached value and the names equal an engine run of their own; after editing a draw, the
temperature and the checked entry, the names follow the engine. One LibreOffice call per fixture."""
from dataclasses import replace

import numpy as np
import openpyxl
import pytest

import readback
from rnn_sheet.checking import compare
from rnn_sheet.checking.check import check_recomputed as check_compare
from rnn_sheet.checking.check import open_workbook
from rnn_sheet.model.engine import generate, train
from rnn_sheet.model.gradcheck import CheckAt, grad_check
from rnn_sheet.model.scenario import make_scenario
from rnn_sheet.sheets.gradcheck import MESSAGES
from rnn_sheet.writers.ods import write_ods

pytestmark = pytest.mark.libreoffice

TOL = 1e-9
MODELS = ("article", "standard")


def scenarios():
    """Per model, each optimizer (with clipping once), two temperatures and greedy generation; every
    book has the gradient check. And a compact one."""
    out = {}
    for model in MODELS:
        m = model[0]
        out[f"{m}_sgd_cold"] = make_scenario("hello", model=model, epochs=2, generate=6, start="h",
                                             temperature=0.5, seed=5, use_template=False)
        out[f"{m}_momentum_hot"] = make_scenario("hello", model=model, epochs=2, generate=6, start="h",
                                                 temperature=2.0, optimizer="momentum", momentum=0.5, seed=6)
        out[f"{m}_adagrad"] = make_scenario("hello", model=model, hidden=2, epochs=3, optimizer="adagrad",
                                            clip=0.05, lr=0.3, seed=7, use_template=False)
        out[f"{m}_adam"] = make_scenario("hello", model=model, epochs=3, optimizer="adam", generate=4, lr=0.3,
                                         seed=8, use_template=False)
    out["s_compact"] = make_scenario("mississippi", model="standard", hidden=4, layout="compact", epochs=2,
                                     optimizer="adam", loss_mode="last", generate=5, temperature=0.7)
    return out


def expected(sc):
    """Defined name -> value, from the engine on the scenario (edits applied to it)."""
    records = train(sc.params, sc.inputs, sc.targets, sc.lr, max(sc.epochs, 1), sc.clip, sc.loss_mode,
                    sc.optimizer)
    first = records[1]
    out = {"loss_next": first.fwd.loss}
    for n in sc.params.names:
        out[f"{n}_new"] = first.params[n]
        out.update({f"{s}_{n}": first.state[s][n] for s in sc.optimizer.state})
    if sc.epochs:
        out["loss_epochs"] = [r.fwd.loss for r in records[:sc.epochs + 1]]
    if sc.generate:
        G = generate(records[sc.epochs].params, sc.vocab.index(sc.start), sc.generate, sc.temperature, sc.draws)
        out["generated"] = "".join(sc.vocab[i] for i in G.outputs)
    C = grad_check(sc.params, sc.inputs, sc.targets, sc.loss_mode, records[0].bwd.grads, sc.check)
    out.update(loss_plus=C.plus.fwd.loss, loss_minus=C.minus.fwd.loss, grad_check_numeric=C.numeric,
               grad_check_analytic=C.analytic, grad_check_rel_error=C.rel_error,
               grad_check_status=MESSAGES[C.outcome - 1])
    return out


def assert_names_equal(case, sc):
    got = case.names
    expected_values = expected(sc)
    for name, value in expected_values.items():
        assert name in got, name
        if isinstance(value, str):
            assert got[name][0][0] == value, (case.key, name)
            continue
        cells = np.array(got[name], dtype=float).ravel()
        want = np.ravel(value)
        assert cells.size == want.size, name
        worst = max(compare.diff(a, b) for a, b in zip(cells, want))
        held = TOL
        if name == "grad_check_rel_error":     # rounding of the finite difference, divided by the gradient
            held = compare.ratio_tolerance(expected_values["grad_check_numeric"],
                                           expected_values["grad_check_analytic"], TOL)
        assert worst <= held, (case.key, name, worst)


# --- edits: a draw, the temperature, the checked entry ----------------------------------------------

def sampled(sc):
    trained = train(sc.params, sc.inputs, sc.targets, sc.lr, max(sc.epochs, 1), sc.clip, sc.loss_mode, sc.optimizer)
    return generate(trained[sc.epochs].params, sc.vocab.index(sc.start), sc.generate, sc.temperature, sc.draws)


def cell_of(wb, case, name, i=0):
    block = case.book.names[name]
    return wb[block.sheet].cell(row=block.row + i + 1, column=block.col + 1)


def edit(cases):
    for m in ("a", "s"):
        case = cases[f"{m}_edit"]
        sc = case.scenario
        wb = openpyxl.load_workbook(case.original)
        draws = list(sc.draws)
        draws[2] = 0.987654
        cell_of(wb, case, "draws", 2).value = draws[2]
        cell_of(wb, case, "temperature").value = 1.3
        cell_of(wb, case, "check_row").value = 2
        cell_of(wb, case, "check_col").value = 3
        wb.save(case.original)
        case.extra["scenario"] = replace(sc, temperature=1.3, draws=tuple(draws),
                                         check=CheckAt("Wxh", 2, 3, 1e-4))
    # Draws on a boundary of each row's cumulative probabilities: on it (row 1), clearly above it
    # (row 2: the next letter), a hair above it (row 3: a tie to LibreOffice, and so to the engine).
    case = cases["s_tie"]
    sc = case.scenario
    draws = list(sc.draws)
    for g, k, at in ((0, 1, lambda c: c), (1, 0, lambda c: c + 1e-12), (2, 1, lambda c: c * (1 + 1e-15))):
        G = sampled(replace(sc, draws=tuple(draws)))
        draws[g] = at(float(G.cum[g][k]))
    wb = openpyxl.load_workbook(case.original)
    for g in (0, 1, 2):
        cell_of(wb, case, "draws", g).value = draws[g]
    wb.save(case.original)
    case.extra["scenario"] = replace(sc, draws=tuple(draws))
    # Entries the check cannot take: an unknown name, a column out of range.
    for key, param, col in (("s_tie", "Wxz", 1), ("a_badcol", "Whh", 2)):
        case = cases[key]
        sc = case.extra.get("scenario", case.scenario)
        wb = openpyxl.load_workbook(case.original)
        cell_of(wb, case, "check_param").value = param
        cell_of(wb, case, "check_col").value = col
        wb.save(case.original)
        case.extra["scenario"] = replace(sc, check=CheckAt(param, 1, col, 1e-4))


EDITED = {
    "a_edit": make_scenario("hello", epochs=1, generate=6, start="e", temperature=0.9, optimizer="adagrad"),
    "s_edit": make_scenario("hello", model="standard", generate=6, start="h", temperature=0.9, seed=1),
    "s_tie": make_scenario("hello", model="standard", epochs=1, generate=3, start="l", temperature=1.5,
                           optimizer="adam", seed=2),
    "a_badcol": make_scenario("hello"),
}


SHOWCASE = {"hello_world": make_scenario("hello-world")}


@pytest.fixture(scope="module")
def cases(recompute):
    return recompute({**scenarios(), **EDITED, **SHOWCASE}, edit=edit)


@pytest.fixture(scope="module")
def ods_cases(recompute):
    return recompute(scenarios(), writer=write_ods, suffix="ods")


@pytest.mark.parametrize("key", list(scenarios()))
def test_every_formula_recomputes_to_its_cached_value(cases, ods_cases, key):
    for case in (cases[key], ods_cases[key]):
        rep = compare.compare(case.original, case.recomputed, tol=TOL)
        assert rep.errors == [] and rep.mismatches == [], (case.original.name, rep.errors[:3], rep.mismatches[:3])
        assert rep.max_cached_diff <= TOL


@pytest.mark.parametrize("key", list(scenarios()))
def test_names_equal_the_engine(cases, ods_cases, key):
    for case in (cases[key], ods_cases[key]):
        assert_names_equal(case, case.scenario)


@pytest.mark.parametrize("key", list(EDITED))
def test_after_edits_the_names_follow_the_engine(cases, key):
    case = cases[key]
    sc = case.extra["scenario"]
    assert_names_equal(case, sc)
    before, after = expected(case.scenario), expected(sc)
    changed = {n for n in after if isinstance(after[n], str) and after[n] != before[n]
               or not isinstance(after[n], str) and not np.allclose(after[n], before[n], rtol=0, atol=1e-12)}
    assert changed & {"generated", "grad_check_analytic", "grad_check_status"}, key
    # rnn-sheet check reads the edited inputs from the file and agrees
    rep = check_compare(open_workbook(case.original), case.recomputed, TOL)
    assert rep.engine_mismatches == [] and rep.problems == [], rep.lines()


def test_the_edited_check_moved_to_the_typed_entry(cases):
    for key in ("a_edit", "s_edit"):
        case = cases[key]
        sc = case.extra["scenario"]
        B = train(sc.params, sc.inputs, sc.targets, sc.lr, 1, None, sc.loss_mode, sc.optimizer)[0].bwd
        assert case.names["grad_check_analytic"][0][0] == pytest.approx(B.grads["Wxh"][1, 2], abs=1e-15)
        assert case.names["grad_check_rel_error"][0][0] < 1e-6
        assert case.names["grad_check_status"][0][0] == MESSAGES[0]


def test_a_draw_on_a_boundary_decides_as_the_engine(cases):
    case = cases["s_tie"]
    sc = case.extra["scenario"]
    G = sampled(sc)
    assert G.outputs == [1, 1, 1]
    assert case.names["generated"][0][0] == "".join(sc.vocab[i] for i in G.outputs)


def test_an_entry_the_check_cannot_take_shows_a_message_not_an_error(cases):
    for key, message in (("s_tie", MESSAGES[1]), ("a_badcol", MESSAGES[2])):
        case = cases[key]
        values = readback.cell_values(case.recomputed)
        errors = [(cell, v) for cell, v in values.items() if compare.is_error(v)]
        assert errors == [], (key, errors[:3])
        names = case.names
        assert names["grad_check_status"][0][0] == message
        assert [names[n][0][0] for n in ("grad_check_numeric", "grad_check_analytic", "grad_check_rel_error")] == [0, 0, 0]


def test_the_sheets_show_the_optimizer_state_and_the_draws(cases):
    book = cases["s_adam"].book
    assert {"m_Wxh", "v_Wxh", "m_by", "v_by", "optimizer"} <= set(book.names)
    assert {"cw_m_Wxh", "cw_v_by"} <= {q.kind for q, _ in cases["s_adam"].layout.placed}
    assert "momentum" in cases["a_momentum_hot"].book.names and "momentum" not in book.names
    assert not {"m_Wxh", "v_Wxh", "optimizer"} & set(cases["a_sgd_cold"].book.names)
    gen = cases["a_sgd_cold"].book.names
    assert gen["draws"].nrows == 6 and gen["temperature"].nrows == 1
    about = [c.value for c in cases["s_adam"].book.sheets[0].cells.values()]
    assert any(isinstance(v, str) and v.startswith("adam") for v in about)
    assert any(isinstance(v, str) and "sqrt(v / (1 - 0.999^k))" in v for v in about)


def test_the_hello_world_template_writes_ello_world_after_libreoffice_recomputes(cases):
    case = cases["hello_world"]
    sc = case.scenario
    assert (sc.word, sc.model, sc.hidden, sc.generate, sc.start, sc.temperature) == \
        ("hello world", "standard", 8, 10, "h", None)
    rep = compare.compare(case.original, case.recomputed, tol=TOL)
    assert rep.errors == [] and rep.mismatches == []
    assert case.names["generated"][0][0] == "ello world"
    losses = case.names["loss_epochs"].astype(float).ravel()
    assert losses[0] > 20 and losses[-1] < 2.5
    # one epoch fewer does not spell it yet
    fewer = train(sc.params, sc.inputs, sc.targets, sc.lr, sc.epochs, None, "all", sc.optimizer)[sc.epochs - 1]
    G = generate(fewer.params, sc.vocab.index("h"), 10)
    assert "".join(sc.vocab[i] for i in G.outputs) != "ello world"
