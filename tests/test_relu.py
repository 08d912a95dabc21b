"""--model relu, the IRNN of Le, Jaitly and Hinton (2015): the standard cell with max(0, ·) for tanh
and Whh starting at the identity. One step by hand, gradients against central differences (away from
the kink at 0), the initialisation the paper gives, the sheets that write max(0, ·) where the tanh
cell writes TANH, and the gradient that does not vanish on the `vanishing` word."""
import numpy as np
import pytest

from rnn_sheet.model import cells
from rnn_sheet.model.engine import backward, forward
from rnn_sheet.model.scenario import make_scenario
from rnn_sheet.sheets import build
from test_engine import encode, numeric_grads, rel_error

RELU = cells.get("relu")


def test_the_paper_initialisation():
    P = RELU.init(5, 4, seed=3)
    np.testing.assert_array_equal(P.Whh, np.eye(4))
    assert not P.bh.any() and not P.by.any()
    std = cells.get("standard").init(5, 4, seed=3)      # the same normal(0, 0.1) draws as min-char-rnn
    np.testing.assert_array_equal(P.Wxh, std.Wxh)
    np.testing.assert_array_equal(P.Why, std.Why)
    assert RELU.param_names == cells.get("standard").param_names


def test_one_step_by_hand():
    """V = 2, H = 2, word "ab": h_1 = max(0, Wxh[:, a] + Whh·0 + bh), one unit on, one off."""
    P = RELU.params({"Wxh": np.array([[0.5, -0.2], [-0.3, 0.4]]), "Whh": np.eye(2), "bh": np.array([0.1, 0.1]),
                     "Why": np.array([[1.0, -1.0], [0.5, 2.0]]), "by": np.zeros(2)})
    F = forward(P, [0], [1])
    np.testing.assert_allclose(F.h[0], [0.6, 0.0])          # max(0, 0.5 + 0.1), max(0, -0.3 + 0.1)
    y = np.array([0.6, 0.3])                                # Why · h
    p = np.exp(y) / np.exp(y).sum()
    np.testing.assert_allclose(F.p[0], p)
    B = backward(P, F)
    dh = P.Why.T @ (p - [0, 1])
    np.testing.assert_allclose(B.hidden["da"][0], [dh[0], 0.0])     # the slope: 1 where on, 0 where off
    assert str(B.hidden["da"][0][1]) == "0.0"                       # +0, as a sheet shows it


@pytest.mark.parametrize("word,hidden,seed,loss_mode", [("hello", 3, 1, "all"), ("mississippi", 4, 2, "last"),
                                                        ("abcab", 2, 3, "all")])
def test_gradients_match_central_differences(word, hidden, seed, loss_mode):
    vocab, inputs, targets = encode(word)
    P = RELU.init(len(vocab), hidden, seed)
    rng = np.random.default_rng(seed)
    P = P.replace(Whh=P.Whh + rng.normal(0, 0.3, P.Whh.shape), bh=rng.normal(0, 0.3, P.bh.shape), Wxh=P.Wxh * 5)
    F = forward(P, inputs, targets, loss_mode)
    a = F.hidden["a"]
    assert (a > 0).any() and (a < 0).any()                  # both sides of the kink are exercised
    assert np.abs(a).min() > 1e-4                           # and none within the differences' reach of it
    B = backward(P, F)
    num = numeric_grads(P, inputs, targets, loss_mode)
    for name in P.names:
        err = float(rel_error(B.grads[name], num[name]).max())
        assert err < 1e-6, (name, err)


def test_the_sheets_write_the_cells_activation():
    built = build(make_scenario("abcab", model="relu", hidden=2, epochs=1, generate=2, temperature=1.3))
    step = built.book.sheet("Step 1")
    formulas = [c.formula for c in step.cells.values() if c.formula]
    assert any(f.startswith("MAX(0,") for f in formulas) and not any("TANH" in f for f in formulas)
    back = [c.formula for c in built.book.sheet("Back 4").cells.values() if c.formula]
    assert any(f.startswith("IF(") and ">0," in f for f in back)
    about = " ".join(str(c.value) for c in built.book.sheet("About").cells.values())
    assert "h_t = max(0, Wxh · x_t + Whh · h(t-1) + bh)" in about and "[h_t > 0] ∘ dh_t" in about
    training = [c.formula for c in built.book.sheet("Training").cells.values() if c.formula]
    assert any(f.startswith("MAX(0,SUMPRODUCT(") for f in training)


def test_the_gradient_does_not_vanish_on_the_vanishing_word():
    """README's vanishing recipe: |dh_1| / |dh_30| on the same word, seed and hidden size."""
    ratios = {}
    for model in ("standard", "relu"):
        sc = make_scenario("vanishing", model=model)
        norms = np.linalg.norm(backward(sc.params, forward(sc.params, sc.inputs, sc.targets, "last")).dh, axis=1)
        ratios[model] = norms[0] / norms[-1]
    assert ratios["standard"] < 1e-19 and 0.5 < ratios["relu"] < 0.7      # README: 1.8e-20 and 0.59
