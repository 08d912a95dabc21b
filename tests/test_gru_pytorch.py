"""--model gru-pytorch, the reset-after GRU: its h_t is torch.nn.GRUCell's for the same weights (one
step worked with torch's documented equations, in torch's gate order r, z, n), its gradients match
central differences, and it differs from the reset-before gru exactly where r applies."""
import numpy as np
import pytest

from rnn_sheet.model import cells
from rnn_sheet.model.cells.activations import sigmoid
from rnn_sheet.model.engine import backward, forward
from rnn_sheet.model.scenario import make_scenario
from rnn_sheet.sheets import build
from test_engine import encode, numeric_grads, rel_error

CELL = cells.get("gru-pytorch")


def torch_gru_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    """torch.nn.GRUCell's forward as its documentation writes it, with its parameters as torch
    stores them: weight_ih (3H x V) and weight_hh (3H x H) stack the rows of r, z and n, in that
    order, and so do bias_ih and bias_hh.

        r = σ(W_ir x + b_ir + W_hr h + b_hr)
        z = σ(W_iz x + b_iz + W_hz h + b_hz)
        n = tanh(W_in x + b_in + r ∘ (W_hn h + b_hn))
        h' = (1 - z) ∘ n + z ∘ h
    """
    gi = weight_ih @ x + bias_ih
    gh = weight_hh @ h + bias_hh
    i_r, i_z, i_n = np.split(gi, 3)
    h_r, h_z, h_n = np.split(gh, 3)
    r = 1 / (1 + np.exp(-(i_r + h_r)))
    z = 1 / (1 + np.exp(-(i_z + h_z)))
    n = np.tanh(i_n + r * h_n)
    return (1 - z) * n + z * h


def test_h_equals_torch_grucell_for_the_same_weights():
    """One step from a non-zero h' (the second step of a word): torch's parameters mapped onto ours,
    Wxr = W_ir, Whr = W_hr, br = b_ir + b_hr (likewise z), Wxn = W_in, Whn = W_hn, bn = b_in, bhn = b_hn."""
    rng = np.random.default_rng(7)
    V, H = 3, 4
    weight_ih, weight_hh = rng.normal(0, 0.5, (3 * H, V)), rng.normal(0, 0.5, (3 * H, H))
    bias_ih, bias_hh = rng.normal(0, 0.5, 3 * H), rng.normal(0, 0.5, 3 * H)
    rows = {k: slice(j * H, (j + 1) * H) for j, k in enumerate("rzn")}
    P = CELL.params({
        "Wxz": weight_ih[rows["z"]], "Whz": weight_hh[rows["z"]], "bz": bias_ih[rows["z"]] + bias_hh[rows["z"]],
        "Wxr": weight_ih[rows["r"]], "Whr": weight_hh[rows["r"]], "br": bias_ih[rows["r"]] + bias_hh[rows["r"]],
        "Wxn": weight_ih[rows["n"]], "Whn": weight_hh[rows["n"]], "bn": bias_ih[rows["n"]], "bhn": bias_hh[rows["n"]],
        "Why": rng.normal(0, 0.5, (V, H)), "by": np.zeros(V)})
    x1, x2 = np.eye(V)[0], np.eye(V)[2]
    h1 = CELL.step(P, x1, {"h": np.zeros(H)})["h"]
    h2 = CELL.step(P, x2, {"h": h1})["h"]
    np.testing.assert_allclose(h1, torch_gru_cell(x1, np.zeros(H), weight_ih, weight_hh, bias_ih, bias_hh), rtol=1e-14)
    np.testing.assert_allclose(h2, torch_gru_cell(x2, h1, weight_ih, weight_hh, bias_ih, bias_hh), rtol=1e-14)
    # the reset-before gru, on the same weights (bhn folded into nothing), is another number
    before = cells.get("gru").step(P, x2, {"h": h1})["h"]
    assert np.abs(before - h2).max() > 1e-3


def test_one_step_by_hand():
    """H = 1, V = 2, h' = 0.5: every number written out."""
    P = CELL.params({"Wxz": [[0.3, -0.1]], "Whz": [[0.2]], "bz": [0.1], "Wxr": [[-0.4, 0.2]], "Whr": [[0.6]],
                     "br": [0.0], "Wxn": [[0.7, 0.5]], "Whn": [[-0.8]], "bn": [0.05], "bhn": [0.3],
                     "Why": [[1.0], [-1.0]], "by": [0.0, 0.0]})
    out = CELL.step(P, np.array([1.0, 0.0]), {"h": np.array([0.5])})
    z = sigmoid(0.3 + 0.2 * 0.5 + 0.1)
    r = sigmoid(-0.4 + 0.6 * 0.5)
    n = np.tanh(0.7 + 0.05 + r * (-0.8 * 0.5 + 0.3))
    np.testing.assert_allclose([out["z"][0], out["r"][0], out["n"][0], out["h"][0]],
                               [z, r, n, (1 - z) * n + z * 0.5], rtol=1e-15)


@pytest.mark.parametrize("word,hidden,seed,loss_mode", [("hello", 3, 1, "all"), ("mississippi", 2, 2, "last"),
                                                        ("abcab", 4, 3, "all")])
def test_gradients_match_central_differences(word, hidden, seed, loss_mode):
    vocab, inputs, targets = encode(word)
    rng = np.random.default_rng(seed + 100)
    P = CELL.init(len(vocab), hidden, seed)
    P = P.replace(**{k: (v * 5 if k[0] == "W" else rng.normal(0, 0.5, v.shape)) for k, v in P.items()})
    B = backward(P, forward(P, inputs, targets, loss_mode))
    num = numeric_grads(P, inputs, targets, loss_mode)
    assert set(B.grads) == set(CELL.param_names)
    for name in P.names:
        assert float(rel_error(B.grads[name], num[name]).max()) < 1e-6, name
        if name != "Why":
            assert np.abs(B.grads[name]).max() > 1e-6, name


def test_init_and_parameter_order():
    assert CELL.param_names == ("Wxz", "Whz", "bz", "Wxr", "Whr", "br", "Wxn", "Whn", "bn", "bhn", "Why", "by")
    P = CELL.init(4, 3, seed=0)
    assert not any(P[b].any() for b in ("bz", "br", "bn", "bhn", "by"))


def test_the_sheets_show_the_reset_after_candidate():
    built = build(make_scenario("abcab", model="gru-pytorch", hidden=2, epochs=1, generate=2, temperature=1.3))
    names = built.book.names
    assert {"bhn", "dbhn", "bhn_new", "n_1", "model"} <= set(names)
    about = " ".join(str(c.value) for c in built.book.sheet("About").cells.values())
    assert "n_t = tanh(Wxn · x_t + bn + r_t ∘ (Whn · h(t-1) + bhn))" in about
