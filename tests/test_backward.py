"""The backward sheets, Gradients, Update and Training, recomputed by LibreOffice and held against
the engine: every formula cell, every defined name, both models, clipping, --loss last, and a
workbook whose weights were edited after it was written."""
import numpy as np
import openpyxl
import pytest

from rnn_sheet.checking import compare
from rnn_sheet.model.engine import backward, clip, forward, train
from rnn_sheet.model.optimizers import OPTIMIZERS
from rnn_sheet.model.scenario import make_scenario
from rnn_sheet.sheets.order import plan

SCENARIOS = {
    "hello_tpl": dict(word="hello", epochs=3),
    "hello_clip": dict(word="hello", epochs=5, clip=0.05, no_template=True),
    "abcab_std_h1": dict(word="abcab", model="standard", hidden=1, epochs=2),
    "miss_std_h6": dict(word="mississippi", model="standard", hidden=6, epochs=4, clip=0.5, seed=3),
    "abba_h2": dict(word="abba", hidden=2, epochs=1, seed=7),
    "banana_h5": dict(word="banana", hidden=5, epochs=0, seed=1),
    "hello_last": dict(word="hello", epochs=2, loss_mode="last"),
    "rnn_std_last_h4": dict(word="recurrent", model="standard", hidden=4, epochs=2, loss_mode="last"),
    "compact_hello": dict(word="hello", epochs=2, layout="compact"),
    "compact_std_clip_last": dict(word="mississippi", model="standard", hidden=3, epochs=2, clip=0.1,
                                  loss_mode="last", layout="compact"),
}


def scenario(spec):
    spec = dict(spec)
    use_template = not spec.pop("no_template", False)
    return make_scenario(spec.pop("word"), use_template=use_template, **spec)


@pytest.fixture(scope="module")
def cases(recompute):
    return recompute({k: scenario(v) for k, v in SCENARIOS.items()})


def sgd(P, grads, lr):
    return OPTIMIZERS["sgd"].update(P, grads, lr, {})[0]


def close(a, b, tol=1e-9):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    assert a.shape == b.shape, (a.shape, b.shape)
    scale = np.maximum(1.0, np.maximum(abs(a), abs(b)))
    worst = float(np.max(abs(a - b) / scale)) if a.size else 0.0
    assert worst <= tol, f"differs by {worst:g}"


def as_named(value):
    """The orientation a defined name holds: matrices as they are, vectors as one column."""
    value = np.asarray(value, dtype=float)
    return value.reshape(-1, 1) if value.ndim < 2 else value


@pytest.mark.libreoffice
@pytest.mark.parametrize("key", SCENARIOS)
def test_every_formula_recomputes_to_its_cached_value(cases, key):
    report = compare.compare(cases[key].original, cases[key].recomputed)
    assert report.errors == []
    assert report.mismatches == []
    sheets = [s.name for s in cases[key].book.sheets]
    T = cases[key].scenario.T
    where = cases[key].layout        # looked up by kind: its keys are Quantity objects
    if SCENARIOS[key].get("layout") == "compact":
        # the worked steps on their own sheets, the others one after another on one sheet each way
        assert [s for s in sheets if s.startswith(("Back", "Step"))] == [
            "Step 1", "Step 2", f"Steps 3-{T}", f"Back {T}", f"Back {T - 1}-1"]
        assert where[("h", 3)].sheet == where[("h", T)].sheet == f"Steps 3-{T}"
        assert where[("dh", 1)].sheet == where[("dh", T - 1)].sheet == f"Back {T - 1}-1"
        assert ("g_DA", None) in where and ("dWxh_t", 1) not in where
        # ... except the worked steps: the first two forward steps and the last backward one
        assert where[("Wxh_link", 2)].sheet == "Step 2" and where[("Wxh_link", 3)].sheet == "Parameters"
        assert ("dWxh_t", T) in where
    else:
        assert [f"Back {t}" for t in range(T, 0, -1)] == [s for s in sheets if s.startswith("Back")]
        assert ("dWxh_t", 1) in where and ("g_DA", None) not in where
    assert "Gradients" in sheets and "Update" in sheets
    assert ("Training" in sheets) == (cases[key].scenario.epochs > 0)


@pytest.mark.libreoffice
@pytest.mark.parametrize("key", SCENARIOS)
def test_gradients_and_update_match_the_engine(cases, key):
    case = cases[key]
    sc, names = case.scenario, case.names
    F = forward(sc.params, sc.inputs, sc.targets, sc.loss_mode)
    B = backward(sc.params, F)
    g = clip(B.grads, sc.clip)
    new = sgd(sc.params, g, sc.lr)
    for name in sc.params.names:
        close(names[f"d{name}"], as_named(B.grads[name]))
        close(names[f"{name}_new"], as_named(getattr(new, name)))
    if sc.model == "article":
        assert "dby" not in names and "by_new" not in names
    close(names["loss_next"], [[forward(new, sc.inputs, sc.targets, sc.loss_mode).loss]])


@pytest.mark.libreoffice
@pytest.mark.parametrize("key", [k for k, v in SCENARIOS.items() if v.get("epochs")])
def test_training_losses_match_the_engine(cases, key):
    case = cases[key]
    sc = case.scenario
    records = train(sc.params, sc.inputs, sc.targets, sc.lr, sc.epochs, sc.clip, sc.loss_mode)
    close(case.names["loss_epochs"], as_named([r.fwd.loss for r in records]))


@pytest.mark.libreoffice
def test_loss_last_scores_only_the_final_step(cases):
    names = cases["hello_last"].names
    T = cases["hello_last"].scenario.T
    for t in range(1, T):
        assert names[f"loss_{t}"][0][0] == 0
    assert names[f"loss_{T}"][0][0] > 0
    close(names["loss"], names[f"loss_{T}"])


@pytest.mark.libreoffice
def test_clipping_bounds_every_update(cases):
    case = cases["hello_clip"]
    sc, names = case.scenario, case.names
    for name in sc.params.names:
        step = as_named(getattr(sc.params, name)) - names[f"{name}_new"].astype(float)
        assert np.all(abs(step) <= sc.lr * sc.clip * (1 + 1e-12))
    raw = np.concatenate([names[f"d{n}"].astype(float).ravel() for n in sc.params.names])
    assert np.max(abs(raw)) > sc.clip, "the scenario must actually exercise clipping"


def test_a_long_compact_book_gathers_its_steps_a_hundred_a_sheet():
    L = plan(make_scenario("abcde" * 50 + "ab", model="standard", hidden=2, layout="compact"))     # T = 251
    names = [s.name for s in L.sheets if s.name.startswith(("Step", "Back"))]
    assert names == ["Step 1", "Step 2", "Steps 3-100", "Steps 101-200", "Steps 201-251",
                     "Back 251", "Back 250-201", "Back 200-101", "Back 100-1"]
    assert L[("h", 100)].sheet == "Steps 3-100" and L[("h", 101)].sheet == "Steps 101-200"
    assert L[("dh", 201)].sheet == "Back 250-201" and L[("dh", 1)].sheet == "Back 100-1"


def test_hello_training_loss_falls_every_epoch():
    sc = make_scenario("hello")
    losses = [r.fwd.loss for r in train(sc.params, sc.inputs, sc.targets, sc.lr, 20)]
    assert all(b < a for a, b in zip(losses, losses[1:]))


# --- a student edits weights after the file was written -------------------------------------------

EDITS = {"Wxh": (1, 2, 0.9), "Whh": (0, 0, -0.75), "Why": (3, 0, -1.25)}


def edit_weights(cases):
    for case in cases.values():
        wb = openpyxl.load_workbook(case.original)
        params = case.scenario.params
        arrays = {}
        for name, (i, j, value) in EDITS.items():
            sheet, ref = next(iter(wb.defined_names[name].destinations))
            first = ref.replace("$", "").split(":")[0]
            cell = wb[sheet][first].offset(row=i, column=j)
            cell.value = value
            arr = np.array(getattr(params, name), dtype=float)
            arr[(i, j)[:arr.ndim]] = value
            arrays[name] = arr
        wb.save(case.original)
        case.params = params.replace(**arrays)


@pytest.fixture(scope="module")
def edited(recompute):
    scenarios = {"edit_article": make_scenario("hello", epochs=2),
                 "edit_standard": make_scenario("hello", model="standard", hidden=3, epochs=2)}
    return recompute(scenarios, edit=edit_weights)


@pytest.mark.libreoffice
@pytest.mark.parametrize("key", ["edit_article", "edit_standard"])
def test_edited_weights_flow_through_gradients_update_and_training(edited, key):
    case = edited[key]
    sc, P, names = case.scenario, case.params, case.names
    records = train(P, sc.inputs, sc.targets, sc.lr, sc.epochs)
    close(names["Wxh"], P.Wxh)
    assert abs(records[0].fwd.loss - forward(sc.params, sc.inputs, sc.targets).loss) > 1e-3
    for name in P.names:
        close(names[f"d{name}"], as_named(records[0].bwd.grads[name]))
        close(names[f"{name}_new"], as_named(getattr(records[1].params, name)))
    close(names["loss_epochs"], as_named([r.fwd.loss for r in records]))
