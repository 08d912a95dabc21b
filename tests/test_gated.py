"""The LSTM, the GRU and the feed-forward contrast in the NumPy model: gradients against finite
differences, one LSTM step worked by hand, a sigmoid that never overflows, and the lessons the cells
are there for (memory, and gradients that do not vanish)."""
import math

import numpy as np
import pytest

from rnn_sheet.model import cells
from rnn_sheet.model.cells.activations import sigmoid
from rnn_sheet.model.engine import backward, forward, generate, train
from rnn_sheet.model.scenario import make_scenario
from test_engine import encode, numeric_grads, rel_error

LSTM, GRU, FF = cells.get("lstm"), cells.get("gru"), cells.get("feedforward")

GRAD_CASES = [
    # model, word, hidden, seed, loss_mode
    ("lstm", "hello", 1, 0, "all"),
    ("lstm", "hello", 3, 1, "last"),
    ("lstm", "mississippi", 4, 2, "all"),
    ("lstm", "abcab", 2, 3, "last"),
    ("gru", "hello", 1, 4, "last"),
    ("gru", "hello", 3, 5, "all"),
    ("gru", "mississippi", 4, 6, "last"),
    ("gru", "abcab", 2, 7, "all"),
    ("feedforward", "hello", 3, 8, "all"),
    ("feedforward", "mississippi", 2, 9, "last"),
]


def lively(P, seed):
    """Weights 5x the initial ones and non-zero biases: every gate away from its linear middle."""
    rng = np.random.default_rng(seed + 100)
    return P.replace(**{k: (v * 5 if k[0] == "W" else rng.normal(0, 0.5, v.shape)) for k, v in P.items()})


@pytest.fixture(scope="module")
def worst_gradient_error():
    seen = {}
    yield seen
    if not seen:
        return
    case, worst = max(seen.items(), key=lambda item: item[1])
    print(f"\ngated cells vs central differences: worst relative error {worst:.3g} over {len(seen)} cases "
          f"(at {case})")


@pytest.mark.parametrize("model,word,hidden,seed,loss_mode", GRAD_CASES)
def test_gradients_match_central_differences(model, word, hidden, seed, loss_mode, worst_gradient_error):
    vocab, inputs, targets = encode(word)
    P = lively(cells.get(model).init(len(vocab), hidden, seed), seed)
    B = backward(P, forward(P, inputs, targets, loss_mode))
    num = numeric_grads(P, inputs, targets, loss_mode)
    assert set(B.grads) == set(P.names) == set(num) == set(cells.get(model).param_names)
    worst = 0.0
    for name in P.names:
        assert B.grads[name].shape == P[name].shape, name
        err = float(rel_error(B.grads[name], num[name]).max())
        worst = max(worst, err)
        assert err < 1e-6, (name, err, B.grads[name], num[name])
        if name != "Why" and model != "feedforward":
            assert np.abs(B.grads[name]).max() > 1e-6, name        # every parameter really is exercised
    worst_gradient_error[f"{model}/{word}/H={hidden}/{loss_mode}"] = worst
    print(f"\n{model} {word!r} H={hidden} {loss_mode}: worst relative error {worst:.3g}")


@pytest.mark.parametrize("model", ["lstm", "gru", "feedforward"])
def test_per_step_contributions_sum_to_gradient(model):
    vocab, inputs, targets = encode("mississippi")
    P = cells.get(model).init(len(vocab), 3, 11)
    B = backward(P, forward(P, inputs, targets))
    for name in P.names:
        assert B.steps[name].shape == (len(inputs), *P[name].shape)
        np.testing.assert_allclose(B.steps[name].sum(axis=0), B.grads[name], rtol=1e-12, atol=1e-15)


# --- one LSTM step worked by hand: hidden 1, vocabulary {a, b}, word "ab" -----------------------------

def sig(a):
    return 1 / (1 + math.exp(-a))


W = dict(Wxi=[[0.5, -0.3]], Whi=[[0.2]], bi=[0.1], Wxf=[[0.4, 0.1]], Whf=[[-0.2]], bf=[1.0],
         Wxo=[[-0.6, 0.3]], Who=[[0.7]], bo=[0.0], Wxg=[[0.9, -0.5]], Whg=[[0.3]], bg=[-0.1],
         Why=[[1.5], [-0.8]], by=[0.2, -0.1])


def test_one_lstm_step_by_hand():
    P = LSTM.params({k: np.array(v, dtype=float) for k, v in W.items()})
    # x = a (column 0), h' = c' = 0: only Wx·[:, a] and the bias reach each gate.
    i, f, o, g = sig(0.5 + 0.1), sig(0.4 + 1.0), sig(-0.6), math.tanh(0.9 - 0.1)
    c = f * 0.0 + i * g
    h = o * math.tanh(c)
    y = [1.5 * h + 0.2, -0.8 * h - 0.1]
    z = math.exp(y[0]) + math.exp(y[1])
    p = [math.exp(y[0]) / z, math.exp(y[1]) / z]
    loss = -math.log(p[1])                                   # the target is b
    F = forward(P, [0], [1])
    for name, want in dict(i=i, f=f, o=o, g=g, c=c, h=h).items():
        assert F.hidden[name][0, 0] == pytest.approx(want, rel=1e-14), name
    np.testing.assert_allclose(F.p[0], p, rtol=1e-14)
    assert F.loss == pytest.approx(loss, rel=1e-14)
    # Back: dy = p - target, dh = Whyᵀ·dy, dc through h (nothing after the last step), each gate.
    dy = [p[0], p[1] - 1]
    dh = 1.5 * dy[0] - 0.8 * dy[1]
    dc = dh * o * (1 - math.tanh(c) ** 2)
    da = dict(i=dc * g * i * (1 - i), f=dc * 0.0 * f * (1 - f), o=dh * math.tanh(c) * o * (1 - o),
              g=dc * i * (1 - g * g))
    B = backward(P, F)
    assert B.hidden["dc"][0, 0] == pytest.approx(dc, rel=1e-14)
    for k, want in da.items():
        assert B.hidden[f"da_{k}"][0, 0] == pytest.approx(want, rel=1e-13, abs=1e-300), k
        np.testing.assert_allclose(B.grads[f"Wx{k}"], [[want, 0.0]], rtol=1e-13)   # x = a
        np.testing.assert_allclose(B.grads[f"Wh{k}"], [[0.0]])                     # h' = 0
        np.testing.assert_allclose(B.grads[f"b{k}"], [want], rtol=1e-13)
    np.testing.assert_allclose(B.grads["Why"], [[dy[0] * h], [dy[1] * h]], rtol=1e-14)
    np.testing.assert_allclose(B.grads["by"], dy, rtol=1e-14)
    # Handed back to a step before: Σ_k Whk·da_k and f·dc.
    assert B.hidden["dh_next"][0, 0] == pytest.approx(0.2 * da["i"] - 0.2 * da["f"] + 0.7 * da["o"] + 0.3 * da["g"],
                                                      rel=1e-13)
    assert B.hidden["dc_next"][0, 0] == pytest.approx(f * dc, rel=1e-14)


# --- the sigmoid never overflows ----------------------------------------------------------------------

def test_sigmoid_at_plus_and_minus_1000():
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        s = sigmoid(np.array([-1000.0, -30.0, 0.0, 2.0, 1000.0]))
    assert s[0] == 0.0 and s[-1] == 1.0 and s[2] == 0.5
    assert s[1] == pytest.approx(1 / (1 + math.exp(30)), rel=1e-9)
    assert s[3] == pytest.approx(1 / (1 + math.exp(-2)), rel=1e-15)


def huge(cell, V=3, H=2):
    """Weights that drive every pre-activation to about ±1000 (unit 1 up, unit 2 down)."""
    P = cell.init(V, H, 0)
    up_down = np.array([[1000.0], [-1000.0]])
    return P.replace(**{k: up_down * np.ones(v.shape) if k.startswith("Wx") else v for k, v in P.items()})


@pytest.mark.parametrize("model", ["lstm", "gru"])
def test_pre_activations_of_1000_stay_finite(model):
    P = huge(cells.get(model))
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        F = forward(P, [0, 1, 2, 0], [1, 2, 0, 1])
        B = backward(P, F)
    a = np.concatenate([F.hidden[f"a_{g.name}"].ravel() for g in P.cell.gates])
    assert np.abs(a).max() >= 999
    assert all(np.isfinite(v).all() for v in F.hidden.values())
    assert all(np.isfinite(v).all() for v in B.grads.values())
    for g in P.cell.gates:
        if g.activation == "sigmoid":
            assert set(np.unique(F.hidden[g.name])) <= {0.0, 1.0}   # saturated, exactly


# --- initialisation -------------------------------------------------------------------------------

@pytest.mark.parametrize("model", ["lstm", "gru", "feedforward"])
def test_init_shapes_and_biases(model):
    cell = cells.get(model)
    P = cell.init(4, 3, seed=0)
    assert P.names == cell.param_names and {k: v.shape for k, v in P.items()} == cell.param_shapes(4, 3)
    for name, v in P.items():
        if name == "bf":
            assert np.all(v == 1.0)          # the forget gate starts open
        elif name[0] == "b":
            assert np.all(v == 0.0), name
        else:
            assert 0.03 < v.std() < 0.3, name
    assert not np.array_equal(cell.init(4, 3, seed=1).Why, P.Why)


def test_parameter_names_are_the_contract():
    assert LSTM.param_names == ("Wxi", "Whi", "bi", "Wxf", "Whf", "bf", "Wxo", "Who", "bo",
                                "Wxg", "Whg", "bg", "Why", "by")
    assert GRU.param_names == ("Wxz", "Whz", "bz", "Wxr", "Whr", "br", "Wxn", "Whn", "bn", "Why", "by")
    assert FF.param_names == ("Wxh", "bh", "Why", "by")
    for names, cell in [(LSTM.param_names, LSTM), (GRU.param_names, GRU), (FF.param_names, FF),
                        (("Wxh", "Whh", "bh", "Why", "by"), cells.get("standard"))]:
        assert cells.from_param_names(set(names) | {"lr", "loss"}) is cell


@pytest.mark.parametrize("model", ["lstm", "gru"])
def test_generation_carries_the_whole_state(model):
    P = cells.get(model).init(4, 3, 2)
    G = generate(P, 1, 6)
    state = P.cell.zero_state(3)
    for g, ix in enumerate(G.inputs):
        state = P.cell.step(P, np.eye(4)[ix], state)
        assert np.array_equal(G.h[g], state["h"])
        assert G.outputs[g] == int(np.argmax(P.cell.output(P, state["h"])))
    assert set(P.cell.state) <= set(G.hidden)


# --- the lessons --------------------------------------------------------------------------------------

def ratio(sc):
    B = backward(sc.params, forward(sc.params, sc.inputs, sc.targets, sc.loss_mode))
    norms = np.linalg.norm(B.dh, axis=1)
    return norms[0] / norms[-1]


def test_the_lstm_keeps_the_gradient_that_the_rnn_loses():
    """The vanishing template (30 steps, --loss last): |dh_1| / |dh_30| under the LSTM is at least
    100 times the plain RNN's, the template's own and min-char-rnn's, same seed and hidden size."""
    lstm = make_scenario("vanishing", model="lstm")
    assert lstm.T == 30 and lstm.loss_mode == "last" and lstm.seed == 0 and lstm.hidden == 3
    r_lstm = ratio(lstm)
    r_article, r_standard = ratio(make_scenario("vanishing")), ratio(make_scenario("vanishing", model="standard"))
    print(f"\n|dh_1| / |dh_30|: lstm {r_lstm:.3g}, article {r_article:.3g}, standard {r_standard:.3g}")
    assert r_lstm >= 100 * r_article and r_lstm >= 100 * r_standard
    assert r_lstm > 1e-6


def test_without_memory_the_loss_stays_above_2_ln_2():
    """After "l" comes "l" once and "o" once: a network that sees only the current letter can at best
    say 1/2 for each, so its loss is at least 2·ln 2; the recurrent one goes far below."""
    def final_loss(model):
        sc = make_scenario("hello", model=model, epochs=300)
        assert (sc.hidden, sc.lr) == (3, 0.1)
        return train(sc.params, sc.inputs, sc.targets, sc.lr, sc.epochs)[-1].fwd.loss
    ff, rnn = final_loss("feedforward"), final_loss("standard")
    assert 2 * math.log(2) <= ff < 1.5
    assert rnn < 0.05


def test_without_memory_h_ignores_the_letters_before():
    P = FF.init(4, 3, 0)
    F = forward(P, [0, 2, 2, 1, 2], [1, 2, 1, 2, 3])
    np.testing.assert_array_equal(F.h[1], F.h[2])         # "l" after "e" and after "l": the same state
    np.testing.assert_array_equal(F.h[1], F.h[4])


@pytest.mark.parametrize("name,before,after", [("lstm-hello", "hhhh", "ello"), ("gru-hello", "eeee", "ello"),
                                                ("gru-pytorch-hello", "hhhh", "ello")])
def test_the_templates_visibly_learn_in_30_epochs(name, before, after):
    sc = make_scenario(name)            # as built: the template itself asks for its 30 epochs
    assert (sc.word, sc.vocab, sc.hidden, sc.epochs) == ("hello", "helo", 3, 30)
    records = train(sc.params, sc.inputs, sc.targets, sc.lr, sc.epochs)
    predicted = ["".join(sc.vocab[i] for i in r.fwd.predicted) for r in (records[0], records[-1])]
    assert predicted == [before, after]
    assert records[-1].fwd.loss < 0.2 * records[0].fwd.loss
    assert before in sc.description and after in sc.description
