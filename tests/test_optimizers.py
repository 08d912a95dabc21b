"""The engine's optimizers, sampling and gradient check, against cases worked by hand; the scenario's
checks of their inputs. No LibreOffice here (test_train_sample_check.py recomputes the workbooks)."""
import math

import numpy as np
import pytest

from rnn_sheet.checking.compare import loose_cells, tally, Report
from rnn_sheet.model import cells
from rnn_sheet.model.engine import backward, choose, forward, generate, make_draws, sampling, train
from rnn_sheet.model.gradcheck import FAILED, OK, OUT_OF_RANGE, UNCLEAR, UNKNOWN, CheckAt, grad_check
from rnn_sheet.model.optimizers import OPTIMIZERS, Refs, get
from rnn_sheet.model.scenario import InputError, make_scenario

ARTICLE = cells.get("article")

# --- each optimizer, two updates worked by hand ------------------------------------------------------
# One weight w = 1 with lr 0.1; the first gradient is 0.5, the second -0.25. The article cell's scalar
# Whh carries it; every other parameter gets a zero gradient.

W0, G1, G2, LR = 1.0, 0.5, -0.25, 0.1


def two_updates(opt):
    P = ARTICLE.init(2, 1, 0).replace(Whh=np.array(W0))
    state = opt.init_state(P)
    seen = []
    for k, g in ((1, G1), (2, G2)):
        grads = {n: np.zeros_like(P[n]) for n in P.names} | {"Whh": np.array(g)}
        P, state = opt.update(P, grads, LR, state, k)
        seen.append((float(P.Whh), {s: float(state[s]["Whh"]) for s in opt.state}))
    return seen


def test_sgd_by_hand():
    # w1 = 1 - 0.1·0.5 = 0.95;  w2 = 0.95 - 0.1·(-0.25) = 0.975
    assert two_updates(OPTIMIZERS["sgd"]) == [(pytest.approx(0.95, abs=1e-15), {}),
                                              (pytest.approx(0.975, abs=1e-15), {})]


def test_momentum_by_hand():
    # v1 = 0.9·0 + 0.5 = 0.5,  w1 = 1 - 0.1·0.5 = 0.95
    # v2 = 0.9·0.5 - 0.25 = 0.2,  w2 = 0.95 - 0.1·0.2 = 0.93
    (w1, s1), (w2, s2) = two_updates(OPTIMIZERS["momentum"])
    assert (w1, s1["v"], w2, s2["v"]) == pytest.approx((0.95, 0.5, 0.93, 0.2), abs=1e-15)
    # μ = 0.5: v2 = 0.25 - 0.25 = 0, so w2 = w1
    (w1, _), (w2, s2) = two_updates(get("momentum", 0.5))
    assert (w1, s2["v"], w2) == pytest.approx((0.95, 0.0, 0.95), abs=1e-15)


def test_adagrad_by_hand():
    # m1 = 0.25,  w1 = 1 - 0.1·0.5/sqrt(0.25 + 1e-8) = 1 - 0.05/0.50000001 = 0.90000000199999996
    # m2 = 0.25 + 0.0625 = 0.3125,  w2 = w1 + 0.025/sqrt(0.31250001) = w1 + 0.0447213588...
    (w1, s1), (w2, s2) = two_updates(OPTIMIZERS["adagrad"])
    assert s1["m"] == 0.25 and s2["m"] == 0.3125
    assert w1 == pytest.approx(0.900000002, abs=1e-12)
    assert w2 == pytest.approx(0.900000002 + 0.04472135884, abs=1e-10)


def test_adam_by_hand():
    # k=1: m = 0.05, v = 0.00025; m/(1-0.9) = 0.5, v/(1-0.999) = 0.25, w1 = 1 - 0.1·0.5/(0.5 + 1e-8)
    # k=2: m = 0.045 - 0.025 = 0.02, v = 0.00024975 + 0.0000625 = 0.00031225
    #      m/(1-0.81) = 0.105263158, v/(1-0.998001) = 0.156203102, sqrt = 0.395225382
    #      w2 = w1 - 0.1·0.105263158/0.395225382 = w1 - 0.0266337...
    (w1, s1), (w2, s2) = two_updates(OPTIMIZERS["adam"])
    assert (s1["m"], s1["v"]) == pytest.approx((0.05, 0.00025), abs=1e-17)
    assert (s2["m"], s2["v"]) == pytest.approx((0.02, 0.00031225), abs=1e-17)
    assert w1 == pytest.approx(0.900000002, abs=1e-12)
    assert w2 == pytest.approx(w1 - 0.1 * 0.105263158 / 0.395225382, abs=1e-9)
    assert w1 - w2 == pytest.approx(0.0266337, abs=1e-7)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_train_counts_updates_from_1_and_keeps_state(name):
    """Record k holds the weights after k updates and the state they were made with."""
    sc = make_scenario("hello", model="standard", hidden=3, optimizer=name)
    opt = sc.optimizer
    records = train(sc.params, sc.inputs, sc.targets, 0.1, 3, None, "all", opt)
    P, state = sc.params, opt.init_state(sc.params)
    for k in range(1, 4):
        P, state = opt.update(P, records[k - 1].grads, 0.1, state, k)
        for n in P.names:
            assert np.array_equal(records[k].params[n], P[n])
            assert all(np.array_equal(records[k].state[s][n], state[s][n]) for s in opt.state)


def test_formula_text_reads_its_references():
    r1 = Refs("W", "G", "LR", 1, {"m": None, "v": None})
    r2 = Refs("W", "G", "LR", 3, {"m": "M", "v": "V"}, {"momentum": "MU"})
    adam, ada, mom = OPTIMIZERS["adam"], OPTIMIZERS["adagrad"], OPTIMIZERS["momentum"]
    assert adam.state_formula("m", r1) == "0.1*G" and adam.state_formula("v", r2) == "0.999*V+0.001*G*G"
    assert adam.formula(r2) == "W-LR*(M/(1-0.9^3))/(SQRT(V/(1-0.999^3))+1E-8)"
    assert ada.state_formula("m", r1) == "G*G" and ada.formula(r2) == "W-LR*G/SQRT(M+1E-8)"
    r3 = Refs("W", "G", "LR", 2, {"v": "V"}, {"momentum": "MU"})
    assert mom.state_formula("v", r3) == "MU*V+G" and mom.formula(r3) == "W-LR*V"
    assert OPTIMIZERS["sgd"].formula(r1) == "W-LR*G"


# --- sampling -------------------------------------------------------------------------------------

def test_sampling_by_hand():
    # y = (1, 2, 0), T = 0.5: z = (2, 4, 0); e = (e^-2, 1, e^-4), Σ = 1.15365092; p = (0.11731043, 0.86681333, 0.01587624)
    p, cum = sampling(np.array([1.0, 2.0, 0.0]), 0.5)
    total = math.exp(-2) + 1 + math.exp(-4)
    assert p == pytest.approx([math.exp(-2) / total, 1 / total, math.exp(-4) / total], abs=1e-15)
    assert cum == pytest.approx([0.11731043, 0.98412376, 1.0], abs=1e-8)
    assert [choose(cum, u) for u in (0.0, 0.1, 0.2, 0.98, 0.99, 0.999999)] == [0, 0, 1, 1, 2, 2]
    # T large: every letter about as likely; T small: the most probable almost surely
    assert sampling(np.array([1.0, 2.0, 0.0]), 1e6)[0] == pytest.approx([1 / 3] * 3, abs=1e-6)
    assert choose(sampling(np.array([1.0, 2.0, 0.0]), 0.01)[1], 0.999999) == 1


def test_a_draw_on_a_boundary_picks_the_letter_that_reaches_it():
    p, cum = sampling(np.array([0.3, -1.2, 2.0, 0.0]), 0.7)
    for k in range(3):
        assert choose(cum, cum[k]) == k                                  # reaches it exactly
        assert choose(cum, np.nextafter(cum[k], 0.0)) == k              # just below: still this one
        # a few bits above is a tie to a spreadsheet (LibreOffice: within 2^-48), so to the engine
        assert choose(cum, np.nextafter(np.nextafter(cum[k], 1.0), 1.0)) == k
        assert choose(cum, cum[k] * (1 + 1e-14)) == k + 1               # clearly above: the next one
    assert choose(cum, np.nextafter(1.0, 0.0)) == 3                      # never beyond the last letter
    assert choose(cum * (1 - 1e-15), 0.9999999999999999) == 3


def test_sampled_generation_by_hand():
    """Each step draws from softmax(y/T) of that step's scores with its own draw."""
    sc = make_scenario("hello", generate=5, temperature=0.8, seed=3)
    G = generate(sc.params, 0, 5, 0.8, sc.draws)
    assert len(sc.draws) == 5 and all(0 <= u < 1 and round(u, 6) == u for u in sc.draws)
    assert sc.draws == make_draws(3, 5) != make_draws(4, 5)
    for g in range(5):
        e = np.exp(G.y[g] / 0.8 - (G.y[g] / 0.8).max())
        assert G.p[g] == pytest.approx(e / e.sum(), abs=1e-15)
        assert G.outputs[g] == next(k for k in range(4) if G.cum[g][k] >= sc.draws[g])
        assert G.inputs[g + 1:g + 2] in ([], [G.outputs[g]])
    greedy = generate(sc.params, 0, 5)
    assert greedy.p is None and greedy.outputs == [int(np.argmax(y)) for y in greedy.y]


# --- the gradient check ---------------------------------------------------------------------------

@pytest.mark.parametrize("model", ["article", "standard"])
def test_grad_check_agrees_with_backprop_for_every_entry(model):
    sc = make_scenario("hello", model=model, hidden=3, use_template=False, seed=2)
    B = backward(sc.params, forward(sc.params, sc.inputs, sc.targets))
    worst = 0.0
    for name, shape in sc.cell.param_shapes(sc.V, sc.H).items():
        rows, cols = (tuple(shape) + (1, 1))[:2]
        for r in range(1, rows + 1):
            for c in range(1, cols + 1):
                G = grad_check(sc.params, sc.inputs, sc.targets, "all", B.grads, CheckAt(name, r, c))
                assert G.code == OK
                assert G.analytic == B.grads[name][(r - 1, c - 1)[:len(shape)]]
                if abs(G.analytic) > 1e-4:
                    worst = max(worst, G.rel_error)
    assert worst < 1e-6


def test_grad_check_of_no_entry_says_why_and_checks_nothing():
    sc = make_scenario("hello")
    B = backward(sc.params, forward(sc.params, sc.inputs, sc.targets))
    for at, code in ((CheckAt("Wxz"), UNKNOWN), (CheckAt("by"), UNKNOWN), (CheckAt("Wxh", 4, 1), OUT_OF_RANGE),
                     (CheckAt("Wxh", 1, 5), OUT_OF_RANGE), (CheckAt("Whh", 1, 2), OUT_OF_RANGE),
                     (CheckAt("Wxh", 1.5, 1), OUT_OF_RANGE), (CheckAt("Wxh", "a", 1), OUT_OF_RANGE),
                     (CheckAt("Wxh", None, 1), OUT_OF_RANGE), (CheckAt("Wxh", 0, 1), OUT_OF_RANGE)):
        G = grad_check(sc.params, sc.inputs, sc.targets, "all", B.grads, at)
        assert (G.code, G.numeric, G.analytic, G.rel_error) == (code, 0.0, 0.0, 0.0), at
    assert grad_check(sc.params, sc.inputs, sc.targets, "all", B.grads, CheckAt("Whh", 1.0, 1)).code == OK


def test_grad_check_takes_the_sheets_labels_in_any_case_and_says_whether_it_passed():
    sc = make_scenario("hello")
    B = backward(sc.params, forward(sc.params, sc.inputs, sc.targets))
    for typed, name in (("wxh", "Wxh"), (" WXH  ", "Wxh"), ("bias", "bh"), ("Bias", "bh"), ("BH", "bh")):
        G = grad_check(sc.params, sc.inputs, sc.targets, "all", B.grads, CheckAt(typed))
        assert (G.code, G.outcome, G.analytic) == (OK, OK, B.grads[name].flat[0]), typed
    # A wrong gradient (as an exercise with empty blanks gives) is found and said so.
    wrong = {**B.grads, "Wxh": B.grads["Wxh"] * 0.5}
    G = grad_check(sc.params, sc.inputs, sc.targets, "all", wrong, CheckAt("Wxh"))
    assert G.code == OK and G.rel_error > 0.1 and G.outcome == FAILED
    # Whh = 2 bends the loss so sharply that eps = 1e-4 measures the slope to 3e-3 only: no verdict.
    sc = make_scenario("exploding")
    B = backward(sc.params, forward(sc.params, sc.inputs, sc.targets, "last"))
    G = grad_check(sc.params, sc.inputs, sc.targets, "last", B.grads, CheckAt("Wxh"))
    assert 1e-6 < G.rel_error < 1e-2 and G.outcome == UNCLEAR


def test_the_relative_error_is_held_to_the_tolerance_of_its_parts():
    """rel_error divides the finite difference's rounding by |numeric| + |analytic|: near a zero
    gradient two programs' values differ by far more than 1e-9, and that is no mismatch."""
    from rnn_sheet.workbook.grid import Block
    names = {n: Block("Gradient check", 5, k) for k, n in
             enumerate(("grad_check_rel_error", "grad_check_numeric", "grad_check_analytic"))}
    cached = {("Gradient check", k): v for k, v in enumerate((3.4e-4, 6.386e-9, 6.390e-9))}
    loose = loose_cells(names, lambda b: cached[(b.sheet, b.col)], 1e-9)
    assert loose == {"'Gradient check'!A6": pytest.approx(1e-9 + 1e-9 / 1.2776e-8)}
    rep = tally(Report(), [("'Gradient check'!A6", 3.4e-4, 1.0e-5), ("'Gradient check'!B6", 1e-3, 1.1e-3)],
                1e-9, loose)
    assert [m[0] for m in rep.mismatches] == ["'Gradient check'!B6"]
    assert loose_cells({}, None, 1e-9) == {}


# --- the scenario's checks --------------------------------------------------------------------------

def test_defaults_stay_todays():
    sc = make_scenario("hello", generate=3)
    assert sc.optimizer is OPTIMIZERS["sgd"] and sc.temperature is None and sc.draws == ()
    assert sc.check == CheckAt("Wxh", 1, 1, 1e-4)
    assert make_scenario("abc", model="standard").check.param == "Wxh"
    assert make_scenario("abab", optimizer="momentum").optimizer.mu == 0.9
    assert make_scenario("abab", optimizer="momentum", momentum=0.0).optimizer.settings == {"momentum": 0.0}


@pytest.mark.parametrize("kwargs, words", [
    (dict(optimizer="rmsprop"), ["optimizer", "rmsprop", "adam"]),
    (dict(optimizer="momentum", momentum=1.0), ["momentum", "1.0"]),
    (dict(optimizer="momentum", momentum=-0.1), ["momentum", "-0.1"]),
    (dict(optimizer="momentum", momentum=math.nan), ["momentum"]),
    (dict(optimizer="adam", momentum=0.5), ["--momentum", "adam"]),
    (dict(generate=3, temperature=0.0), ["temperature", "above 0"]),
    (dict(generate=3, temperature=-1.0), ["temperature"]),
    (dict(generate=3, temperature=math.inf), ["temperature", "finite"]),
    (dict(generate=3, temperature=math.nan), ["temperature"]),
    (dict(temperature=1.0), ["--generate"]),
])
def test_bad_settings_are_one_clear_line(kwargs, words):
    with pytest.raises(InputError) as e:
        make_scenario("abab", **kwargs)
    assert "\n" not in str(e.value) and all(w in str(e.value) for w in words), str(e.value)
