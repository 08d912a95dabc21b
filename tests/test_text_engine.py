"""Training on a text, chunk by chunk (model/text.py), against loops written here from the issue's
description and from min-char-rnn.py itself; the carried state's gradient against finite differences.
No spreadsheets here."""
import numpy as np
import pytest

from rnn_sheet.model import cells
from rnn_sheet.model.engine import backward, forward
from rnn_sheet.model.optimizers import OPTIMIZERS
from rnn_sheet.model.text import chunks, smoothed, train_text

# 23 characters with a newline: S = 4 does not divide it, so the pointer wraps before the end.
TEXT = "the cat\nsat on the mat."
VOCAB = "".join(dict.fromkeys(TEXT))
DATA = [VOCAB.index(c) for c in TEXT]
V, H, S, N = len(VOCAB), 5, 4, 14


def reference_chunks(length, S, N):
    """The issue's loop: before iteration n, reset when p + S + 1 >= len(text) or n = 0; then p += S."""
    p, out = 0, []
    for n in range(N):
        if p + S + 1 >= length or n == 0:
            p, reset = 0, True
        else:
            reset = False
        out.append((p, reset))
        p = p + S
    return out


def test_the_pointer_wraps_before_the_chunk_would_run_past_the_end():
    seen = [(c.p, c.reset) for c in chunks(len(TEXT), S, N)]
    assert seen == reference_chunks(len(TEXT), S, N)
    # 23 characters, S = 4: chunks at 0, 4, 8, 12, 16 (16 + 5 = 21 < 23), then 20 + 5 >= 23 wraps to 0.
    assert [p for p, _ in seen[:7]] == [0, 4, 8, 12, 16, 0, 4]
    assert [r for _, r in seen[:7]] == [True, False, False, False, False, True, False]


def reference_update(name, w, g, lr, state, k):
    """The optimizers as the README writes them (state starting at 0, k = 1, 2, ...)."""
    if name == "sgd":
        return w - lr * g, state
    if name == "momentum":
        v = 0.9 * state.get("v", 0.0) + g
        return w - lr * v, {"v": v}
    if name == "adagrad":
        m = state.get("m", 0.0) + g * g
        return w - lr * g / np.sqrt(m + 1e-8), {"m": m}
    m = 0.9 * state.get("m", 0.0) + 0.1 * g
    v = 0.999 * state.get("v", 0.0) + 0.001 * g * g
    return w - lr * (m / (1 - 0.9 ** k)) / (np.sqrt(v / (1 - 0.999 ** k)) + 1e-8), {"m": m, "v": v}


def chunk_loss_and_grads(cell, P, inputs, targets, start):
    """One chunk with the cell's own one-step functions: the forward pass from `start`, the summed
    cross-entropy, BPTT within the chunk (nothing comes back from the next chunk)."""
    T, steps, prev, loss = len(inputs), [], dict(start), 0.0
    xs = np.eye(P.V)[inputs]
    for t in range(T):
        prev = cell.step(P, xs[t], prev)
        steps.append(prev)
        y = cell.output(P, prev["h"])
        p = np.exp(y - y.max()) / np.exp(y - y.max()).sum()
        loss += -np.log(p[targets[t]])
        steps[-1] = {**prev, "_dy": p - np.eye(P.V)[targets[t]]}
    grads = {k: np.zeros_like(v) for k, v in P.items()}
    carry = cell.zero_state(P.H)
    for t in reversed(range(T)):
        now = {k: v for k, v in steps[t].items() if k != "_dy"}
        before = start if t == 0 else steps[t - 1]
        dy = steps[t]["_dy"]
        dh = P.Why.T @ dy + carry["h"]
        _, contribution, carry = cell.step_back(P, now, {s: before[s] for s in cell.state}, xs[t], dh, carry)
        contribution["Why"] = np.outer(dy, now["h"])
        if cell.output_bias:
            contribution["by"] = dy
        for k in grads:
            grads[k] = grads[k] + contribution[k]
    return loss, grads, {s: steps[-1][s] for s in cell.state}


def reference_loop(cell, P, opt, lr, clip_at, N):
    losses, weights, states = [], [], {}
    carried, p = None, 0
    for n in range(N):
        if p + S + 1 >= len(DATA) or n == 0:
            carried, p = cell.zero_state(H), 0
        loss, grads, last = chunk_loss_and_grads(cell, P, DATA[p:p + S], DATA[p + 1:p + S + 1], carried)
        losses.append(loss)
        new = {}
        for name, w in P.items():
            g = grads[name] if clip_at is None else np.clip(grads[name], -clip_at, clip_at)
            new[name], states[name] = reference_update(opt, w, g, lr, states.get(name, {}), n + 1)
        P = P.replace(**new)
        weights.append(P)
        carried, p = last, p + S
    return losses, weights


@pytest.mark.parametrize("model", list(cells.CELLS))
@pytest.mark.parametrize("opt,clip_at", [("sgd", None), ("momentum", 1.0), ("adagrad", 5.0), ("adam", None)])
def test_the_engine_matches_the_reference_loop(model, opt, clip_at):
    cell = cells.get(model)
    P0 = cell.init(V, H, 3)
    losses, weights = reference_loop(cell, P0, opt, 0.1, clip_at, N)
    records = train_text(P0, DATA, S, N, 0.1, clip_at, "all", OPTIMIZERS[opt])
    assert len(records) == N + 1
    assert [r.fwd.loss for r in records[:N]] == pytest.approx(losses, rel=1e-12, abs=1e-12)
    for k, P in enumerate(weights, 1):
        for name in P.names:
            np.testing.assert_allclose(records[k].params[name], P[name], rtol=1e-12, atol=1e-12)


def min_char_rnn(data, vocab_size, hidden_size, seq_length, Wxh, Whh, Why, bh, by, iterations, learning_rate=1e-1):
    """min-char-rnn.py's loop (Karpathy), transcribed: column vectors, its lossFun, its clipping to
    [-5, 5] and Adagrad; the sampling left out. Returns each iteration's loss, smooth_loss, and the
    weights at the end."""
    def lossFun(inputs, targets, hprev):
        xs, hs, ys, ps = {}, {}, {}, {}
        hs[-1] = np.copy(hprev)
        loss = 0
        for t in range(len(inputs)):
            xs[t] = np.zeros((vocab_size, 1))
            xs[t][inputs[t]] = 1
            hs[t] = np.tanh(np.dot(Wxh, xs[t]) + np.dot(Whh, hs[t - 1]) + bh)
            ys[t] = np.dot(Why, hs[t]) + by
            ps[t] = np.exp(ys[t]) / np.sum(np.exp(ys[t]))
            loss += -np.log(ps[t][targets[t], 0])
        dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
        dbh, dby = np.zeros_like(bh), np.zeros_like(by)
        dhnext = np.zeros_like(hs[0])
        for t in reversed(range(len(inputs))):
            dy = np.copy(ps[t])
            dy[targets[t]] -= 1
            dWhy += np.dot(dy, hs[t].T)
            dby += dy
            dh = np.dot(Why.T, dy) + dhnext
            dhraw = (1 - hs[t] * hs[t]) * dh
            dbh += dhraw
            dWxh += np.dot(dhraw, xs[t].T)
            dWhh += np.dot(dhraw, hs[t - 1].T)
            dhnext = np.dot(Whh.T, dhraw)
        for dparam in [dWxh, dWhh, dWhy, dbh, dby]:
            np.clip(dparam, -5, 5, out=dparam)
        return loss, dWxh, dWhh, dWhy, dbh, dby, hs[len(inputs) - 1]

    n, p = 0, 0
    mWxh, mWhh, mWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
    mbh, mby = np.zeros_like(bh), np.zeros_like(by)
    smooth_loss = -np.log(1.0 / vocab_size) * seq_length
    seen = []
    while n < iterations:
        if p + seq_length + 1 >= len(data) or n == 0:
            hprev = np.zeros((hidden_size, 1))
            p = 0
        inputs, targets = data[p:p + seq_length], data[p + 1:p + seq_length + 1]
        loss, dWxh, dWhh, dWhy, dbh, dby, hprev = lossFun(inputs, targets, hprev)
        smooth_loss = smooth_loss * 0.999 + loss * 0.001
        seen.append((loss, smooth_loss))
        for param, dparam, mem in zip([Wxh, Whh, Why, bh, by], [dWxh, dWhh, dWhy, dbh, dby],
                                      [mWxh, mWhh, mWhy, mbh, mby]):
            mem += dparam * dparam
            param += -learning_rate * dparam / np.sqrt(mem + 1e-8)
        p += seq_length
        n += 1
    return seen, (Wxh, Whh, Why, bh, by)


def test_standard_adagrad_clip_5_is_min_char_rnn():
    cell = cells.get("standard")
    rng = np.random.default_rng(7)
    # Large enough weights that some gradients are clipped at 5.
    P0 = cell.params({"Wxh": rng.normal(0, 1.0, (H, V)), "Whh": rng.normal(0, 1.0, (H, H)),
                      "bh": rng.normal(0, 0.5, H), "Why": rng.normal(0, 2.0, (V, H)), "by": rng.normal(0, 0.5, V)})
    copies = [P0[k].copy() for k in ("Wxh", "Whh", "Why")] + [P0.bh.reshape(-1, 1).copy(), P0.by.reshape(-1, 1).copy()]
    seen, final = min_char_rnn(DATA, V, H, S, *copies, iterations=N)
    records = train_text(P0, DATA, S, N, 0.1, 5.0, "all", OPTIMIZERS["adagrad"])
    assert any(np.abs(r.bwd.grads[k]).max() > 5 for r in records[:N] for k in r.bwd.grads), "nothing was clipped"
    losses = [r.fwd.loss for r in records[:N]]
    assert losses == pytest.approx([loss for loss, _ in seen], rel=1e-12)
    assert list(smoothed(losses, V, S)) == pytest.approx([s for _, s in seen], rel=1e-12)
    for name, w in zip(("Wxh", "Whh", "Why", "bh", "by"), final):
        np.testing.assert_allclose(records[N].params[name], w.reshape(records[N].params[name].shape),
                                   rtol=1e-12, atol=1e-12)


def test_smooth_loss_starts_at_ln_v_times_s():
    assert smoothed([0.0], 4, 25)[0] == pytest.approx(0.999 * np.log(4) * 25, rel=1e-15)


def test_the_carried_state_is_the_chunks_last_before_the_update():
    cell = cells.get("lstm")
    P0 = cell.init(V, H, 1)
    records = train_text(P0, DATA, S, 6, 0.1, None, "all", OPTIMIZERS["sgd"])
    for before, after in zip(records, records[1:]):
        if after.chunk.reset:
            assert all(not v.any() for v in after.start.values())
            continue
        # The state the chunk started from is the previous chunk's last, with the previous weights.
        for s in ("h", "c"):
            np.testing.assert_array_equal(after.start[s], before.fwd.hidden[s][-1])
        again = forward(before.params, DATA[before.chunk.p:before.chunk.p + S],
                        DATA[before.chunk.p + 1:before.chunk.p + S + 1], "all", before.start)
        np.testing.assert_array_equal(again.hidden["h"][-1], after.start["h"])


@pytest.mark.parametrize("model", list(cells.CELLS))
def test_the_gradient_from_a_carried_state_agrees_with_finite_differences(model):
    cell = cells.get(model)
    P = cell.init(V, H, 2)
    rng = np.random.default_rng(5)
    start = {s: rng.normal(0, 0.5, H) for s in cell.state}
    inputs, targets = DATA[4:4 + S], DATA[5:5 + S + 0]
    B = backward(P, forward(P, inputs, targets, "all", start))
    eps = 1e-6
    for name in P.names:
        flat = P[name].reshape(-1)
        for idx in range(0, flat.size, max(1, flat.size // 5)):
            def loss_at(delta):
                w = flat.copy()
                w[idx] += delta
                return forward(P.replace(**{name: w.reshape(P[name].shape)}), inputs, targets, "all", start).loss
            numeric = (loss_at(eps) - loss_at(-eps)) / (2 * eps)
            assert B.grads[name].reshape(-1)[idx] == pytest.approx(numeric, rel=1e-5, abs=1e-8), (name, idx)
