"""The NumPy model: gradients against finite differences and against a hand derivation, softmax
stability, training, and the seed article's qualitative claims."""
import math

import numpy as np
import pytest

from rnn_sheet.model import cells
from rnn_sheet.model.engine import backward, clip, forward, softmax, train
from rnn_sheet.model.optimizers import OPTIMIZERS
from rnn_sheet.model.scenario import make_scenario

ARTICLE, STANDARD = cells.get("article"), cells.get("standard")


def sgd(P, grads, lr):
    return OPTIMIZERS["sgd"].update(P, grads, lr, {})[0]


def encode(word, vocab=None):
    vocab = vocab or "".join(dict.fromkeys(word))
    idx = [vocab.index(c) for c in word]
    return vocab, idx[:-1], idx[1:]


def with_entry(P, name, index, value):
    arr = np.array(P[name], dtype=float, copy=True)
    arr[index] = value
    return P.replace(**{name: arr})


def numeric_grads(P, inputs, targets, loss_mode, eps=1e-5):
    out = {}
    for name in P.names:
        base = np.asarray(getattr(P, name), dtype=float)
        g = np.zeros(base.shape)
        for index in np.ndindex(base.shape):
            v = base[index]
            up = forward(with_entry(P, name, index, v + eps), inputs, targets, loss_mode).loss
            down = forward(with_entry(P, name, index, v - eps), inputs, targets, loss_mode).loss
            g[index] = (up - down) / (2 * eps)
        out[name] = g
    return out


def rel_error(a, b, floor=1e-3):
    """|a - b| relative to the larger magnitude; entries below `floor` are compared absolutely at floor."""
    return np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), floor)


GRAD_CASES = [
    # model, word, hidden, seed, loss_mode
    ("article", "hello", 1, 0, "all"),
    ("article", "hello", 3, 1, "all"),
    ("article", "abcab", 4, 2, "last"),
    ("article", "mississippi", 2, 3, "all"),
    ("article", "mississippi", 5, 4, "last"),
    ("standard", "hello", 1, 0, "all"),
    ("standard", "hello", 3, 5, "last"),
    ("standard", "abcab", 4, 6, "all"),
    ("standard", "mississippi", 2, 7, "last"),
    ("standard", "mississippi", 6, 8, "all"),
]


@pytest.fixture(scope="module")
def worst_gradient_error():
    """Each case's largest relative error; the worst over all of them is printed at the end (pytest -s)."""
    seen = {}
    yield seen
    if seen:
        case, worst = max(seen.items(), key=lambda item: item[1])
        print(f"\ngradients vs central differences: worst relative error {worst:.3g} over "
              f"{len(seen)} cases (at {case})")


@pytest.mark.parametrize("model,word,hidden,seed,loss_mode", GRAD_CASES)
def test_gradients_match_central_differences(model, word, hidden, seed, loss_mode, worst_gradient_error):
    vocab, inputs, targets = encode(word)
    P = cells.get(model).init(len(vocab), hidden, seed)
    if model == "standard":
        # The standard init has zero biases; make them non-zero so their gradients are exercised
        # away from the symmetric starting point, and scale weights up so tanh is non-linear.
        rng = np.random.default_rng(seed + 100)
        P = STANDARD.params({"Wxh": P.Wxh * 5, "Whh": P.Whh * 5, "bh": rng.normal(0, 0.5, hidden),
                             "Why": P.Why * 5, "by": rng.normal(0, 0.5, len(vocab))})
    F = forward(P, inputs, targets, loss_mode)
    B = backward(P, F)
    num = numeric_grads(P, inputs, targets, loss_mode)
    assert set(B.grads) == set(P.names) == set(num)
    case_worst = 0.0
    for name in P.names:
        assert B.grads[name].shape == np.shape(getattr(P, name)), name
        err = rel_error(B.grads[name], num[name])
        case_worst = max(case_worst, float(err.max()))
        assert err.max() < 1e-6, (name, err.max(), B.grads[name], num[name])
    worst_gradient_error[f"{model}/{word}/H={hidden}/seed={seed}/{loss_mode}"] = case_worst
    print(f"\n{model} {word!r} H={hidden} {loss_mode}: worst relative error {case_worst:.3g}")
    # the check is not vacuous: some gradient entries are clearly non-zero
    assert max(np.abs(g).max() for g in B.grads.values()) > 1e-3


@pytest.mark.parametrize("model", ["article", "standard"])
def test_per_step_contributions_sum_to_gradient(model):
    vocab, inputs, targets = encode("mississippi")
    P = cells.get(model).init(len(vocab), 3, 11)
    B = backward(P, forward(P, inputs, targets))
    for name in P.names:
        assert B.steps[name].shape == (len(inputs), *np.shape(getattr(P, name)))
        np.testing.assert_allclose(B.steps[name].sum(axis=0), B.grads[name], rtol=1e-12, atol=1e-15)


def test_last_loss_mode_counts_only_the_final_step():
    vocab, inputs, targets = encode("hello")
    P = ARTICLE.init(len(vocab), 3, 0)
    all_steps = forward(P, inputs, targets, "all")
    last = forward(P, inputs, targets, loss_mode="last")
    assert last.loss == pytest.approx(all_steps.losses[-1], rel=1e-15)
    assert last.loss < all_steps.loss
    assert list(last.counted) == [False, False, False, True]
    np.testing.assert_array_equal(last.p, all_steps.p)
    B = backward(P, last)
    assert np.all(B.dy[:-1] == 0) and np.any(B.dy[-1] != 0)


# --- a case worked by hand: hidden 1, vocabulary {a, b}, word "aba" -------------------------------

def hand_case(model):
    w_a, w_b, u, b, v_a, v_b = 0.5, -0.3, 0.8, 0.1, 1.2, -0.7
    c_a, c_b = (0.25, -0.15) if model == "standard" else (0.0, 0.0)   # output bias
    # t=1: input a, target b, h0 = 0
    a1 = w_a + u * 0.0 + b
    h1 = math.tanh(a1)
    y1 = (v_a * h1 + c_a, v_b * h1 + c_b)
    z1 = math.exp(y1[0]) + math.exp(y1[1])
    p1 = (math.exp(y1[0]) / z1, math.exp(y1[1]) / z1)
    loss1 = -math.log(p1[1])
    # t=2: input b, target a
    a2 = w_b + u * h1 + b
    h2 = math.tanh(a2)
    y2 = (v_a * h2 + c_a, v_b * h2 + c_b)
    z2 = math.exp(y2[0]) + math.exp(y2[1])
    p2 = (math.exp(y2[0]) / z2, math.exp(y2[1]) / z2)
    loss2 = -math.log(p2[0])
    # backward: d loss / d y = p - onehot(target)
    dy1 = (p1[0], p1[1] - 1.0)
    dy2 = (p2[0] - 1.0, p2[1])
    dh2 = v_a * dy2[0] + v_b * dy2[1]
    da2 = (1 - h2 * h2) * dh2
    dh1 = v_a * dy1[0] + v_b * dy1[1] + u * da2
    da1 = (1 - h1 * h1) * dh1
    grads = {
        "Wxh": [[da1, da2]],                       # x1 = a, x2 = b
        "Whh": da1 * 0.0 + da2 * h1,
        "bh": da1 + da2,
        "Why": [[dy1[0] * h1 + dy2[0] * h2], [dy1[1] * h1 + dy2[1] * h2]],
        "by": [dy1[0] + dy2[0], dy1[1] + dy2[1]],
    }
    if model == "article":
        P = ARTICLE.params({"Wxh": np.array([[w_a, w_b]]), "Whh": np.array(u), "bh": np.array(b),
                            "Why": np.array([[v_a], [v_b]])})
    else:
        P = STANDARD.params({"Wxh": np.array([[w_a, w_b]]), "Whh": np.array([[u]]), "bh": np.array([b]),
                             "Why": np.array([[v_a], [v_b]]), "by": np.array([c_a, c_b])})
        grads["Whh"], grads["bh"] = [[grads["Whh"]]], [grads["bh"]]
    return P, dict(h=[h1, h2], y=[y1, y2], p=[p1, p2], losses=[loss1, loss2], grads=grads)


@pytest.mark.parametrize("model", ["article", "standard"])
def test_hand_derived_forward_and_backward(model):
    P, want = hand_case(model)
    inputs, targets = [0, 1], [1, 0]          # "aba" over vocabulary "ab"
    F = forward(P, inputs, targets)
    np.testing.assert_allclose(F.h[:, 0], want["h"], rtol=1e-14)
    np.testing.assert_allclose(F.y, want["y"], rtol=1e-14)
    np.testing.assert_allclose(F.p, want["p"], rtol=1e-14)
    np.testing.assert_allclose(F.losses, want["losses"], rtol=1e-14)
    assert F.loss == pytest.approx(sum(want["losses"]), rel=1e-14)
    B = backward(P, F)
    for name in P.names:
        np.testing.assert_allclose(B.grads[name], np.array(want["grads"][name]), rtol=1e-12, atol=1e-15,
                                   err_msg=name)


def test_sgd_and_clip_by_hand():
    P, want = hand_case("article")
    g = {k: np.array(v, dtype=float) for k, v in want["grads"].items() if k in P.names}
    g["Wxh"] = np.array([[3.0, -0.02]])
    clipped = clip(g, 0.5)
    assert clipped["Wxh"].tolist() == [[0.5, -0.02]]
    assert clip(g, None)["Wxh"].tolist() == [[3.0, -0.02]]
    new = sgd(P, clipped, 0.1)
    np.testing.assert_allclose(new.Wxh, [[0.5 - 0.1 * 0.5, -0.3 - 0.1 * -0.02]], rtol=1e-15)
    assert float(new.Whh) == pytest.approx(0.8 - 0.1 * float(g["Whh"]), rel=1e-15)
    assert "by" not in new and new.names == P.names and new.cell is P.cell


# --- softmax stability ----------------------------------------------------------------------------

def test_softmax_of_huge_logits_does_not_overflow():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p = softmax(np.array([1000.0, 999.0, -1000.0]))
    e1 = math.exp(-1.0)
    np.testing.assert_allclose(p[:2], [1 / (1 + e1), e1 / (1 + e1)], rtol=1e-14)
    assert 0.0 <= p[2] < 1e-300
    assert p.sum() == pytest.approx(1.0, abs=1e-15)


def test_forward_with_huge_scores_gives_finite_loss():
    # Scores near 780: exp(780) overflows a float64 (exp(710) already does), so softmax must
    # subtract the max; the gaps between letters stay modest, so every probability is representable.
    P = STANDARD.params({"Wxh": np.array([[1.0, 0.0], [0.0, 1.0]]), "Whh": np.zeros((2, 2)), "bh": np.zeros(2),
                         "Why": np.array([[500.0, 500.0], [499.0, 501.5]]), "by": np.array([400.0, 400.0])})
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        F = forward(P, [0, 1], [1, 0])
    assert F.y.min() > 710
    assert np.all(np.isfinite(F.p)) and np.all(np.isfinite(F.losses))
    t = math.tanh(1.0)
    # t=1: h = [tanh 1, 0], y_a - y_b = (500 - 499) tanh 1, target b
    assert F.losses[0] == pytest.approx(math.log(1 + math.exp(t)), rel=1e-12)
    # t=2: h = [0, tanh 1], y_a - y_b = (500 - 501.5) tanh 1, target a
    assert F.losses[1] == pytest.approx(math.log(1 + math.exp(1.5 * t)), rel=1e-12)


def test_forward_loss_finite_when_target_score_far_below_max():
    P = ARTICLE.params({"Wxh": np.array([[1.0, 0.0]]), "Whh": np.array(0.0), "bh": np.array(0.0),
                        "Why": np.array([[1000.0], [0.0]])})
    with np.errstate(divide="ignore"):
        F = forward(P, [0], [1])
    h1 = math.tanh(1.0)
    expected = 1000.0 * h1 + math.log1p(math.exp(-1000.0 * h1))   # logsumexp(y) - y_target
    assert F.loss == pytest.approx(expected, rel=1e-12)


# --- training -------------------------------------------------------------------------------------

@pytest.mark.parametrize("model,word,hidden", [("article", "hello", 3), ("standard", "hello", 3),
                                                ("standard", "mississippi", 8)])
def test_training_lowers_the_loss(model, word, hidden):
    if model == "article" and word == "hello":
        sc = make_scenario("hello")                  # the article's own weights
        P, inputs, targets = sc.params, sc.inputs, sc.targets
    else:
        vocab, inputs, targets = encode(word)
        P = cells.get(model).init(len(vocab), hidden, 0)
    records = train(P, inputs, targets, 0.1, epochs=30)
    losses = [r.fwd.loss for r in records]
    assert len(records) == 31
    assert all(b < a for a, b in zip(losses, losses[1:])), losses
    assert losses[-1] < 0.9 * losses[0]
    # record k+1's weights are record k's minus lr * its gradient
    for k in (0, 10, 29):
        for name in P.names:
            np.testing.assert_allclose(np.asarray(getattr(records[k + 1].params, name)),
                                       np.asarray(getattr(records[k].params, name)) - 0.1 * records[k].grads[name],
                                       rtol=1e-15, atol=1e-17)


def test_train_with_zero_epochs_is_one_forward_pass():
    sc = make_scenario("hello")
    (record,) = train(sc.params, sc.inputs, sc.targets, 0.1, epochs=0)
    assert record.params is sc.params
    assert record.fwd.loss == forward(sc.params, sc.inputs, sc.targets).loss


# --- shapes and the article's claims --------------------------------------------------------------

@pytest.mark.parametrize("model", ["article", "standard"])
def test_init_params_shapes(model):
    cell = cells.get(model)
    P = cell.init(4, 3, seed=0)
    assert {k: np.shape(v) for k, v in P.items()} == cell.param_shapes(4, 3)
    assert P.names == tuple(cell.param_shapes(4, 3)) and (P.V, P.H) == (4, 3)
    assert P.cell is cell and P.cell.name == model
    assert ("by" not in P) == (model == "article")
    assert np.array_equal(cell.init(4, 3, seed=0).Wxh, P.Wxh)
    assert not np.array_equal(cell.init(4, 3, seed=1).Wxh, P.Wxh)


def test_article_hello_first_hidden_state_by_hand():
    sc = make_scenario("hello")
    F = forward(sc.params, sc.inputs, sc.targets)
    Wxh, bh = sc.params.Wxh, float(sc.params.bh)
    want = [math.tanh(Wxh[i][0] + bh) for i in range(3)]   # x_1 = 'h' (column 0), h_0 = 0
    np.testing.assert_allclose(F.h[0], want, rtol=1e-15)


def test_article_hello_predicts_h_after_e():
    """The article: 'the model says that the letter after e should be h'."""
    sc = make_scenario("hello")
    assert sc.word == "hello" and sc.vocab == "helo" and sc.model == "article"
    F = forward(sc.params, sc.inputs, sc.targets)
    assert sc.word[1] == "e"                               # input of time step 2
    assert sc.vocab[F.predicted[1]] == "h"
    assert F.p[1].argmax() == sc.vocab.index("h")
    assert F.p[1].sum() == pytest.approx(1.0, abs=1e-15)
