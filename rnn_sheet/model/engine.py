"""Runs any network cell over a word, after Karpathy's min-char-rnn: forward, loss, backpropagation
through time, clipping, training with an optimizer, and greedy generation.

  h_t, ... = cell.step(x_t, state of step t-1)          (article: tanh(Wxh·x_t + Whh·h(t-1) + bh))
  y_t = Why·h_t (+ by),  p_t = softmax(y_t),  loss_t = -ln p_t[target_t]
  loss = Σ_t loss_t, or the last step's only (loss_mode "last")
Nothing here knows about spreadsheets.
"""
from dataclasses import dataclass, field

import numpy as np

from .cells.base import outer
from .optimizers import OPTIMIZERS


@dataclass
class Forward:
    x: np.ndarray        # T x V one-hot inputs
    target: np.ndarray   # T x V one-hot targets
    hidden: dict         # the cell's quantities by name, each T x ... ("h" among them)
    y: np.ndarray        # T x V
    p: np.ndarray        # T x V
    losses: np.ndarray   # T      (zero where the step does not count)
    counted: np.ndarray  # T bool, steps whose output enters the loss

    @property
    def h(self):
        return self.hidden["h"]

    @property
    def loss(self):
        return float(self.losses.sum())

    @property
    def predicted(self):
        return self.p.argmax(axis=1)

    def previous(self, name="h"):
        """T x ... : state `name` before each step (the zero state before the first)."""
        s = self.hidden[name]
        return np.vstack([np.zeros((1, s.shape[1])), s[:-1]])

    def state(self, name, t):
        """State `name` after step t (1-based; step 0 is the zero state)."""
        return self.hidden[name][t - 1] if t else np.zeros(self.hidden[name].shape[1])


def softmax(y):
    e = np.exp(y - y.max())
    return e / e.sum()


def one_hot(indices, V):
    out = np.zeros((len(indices), V))
    out[np.arange(len(indices)), indices] = 1.0
    return out


def _stack(rows):
    return {k: np.array([r[k] for r in rows]) for k in rows[0]}


def forward(P, inputs, targets, loss_mode="all"):
    cell, V, H = P.cell, P.V, P.H
    T = len(inputs)
    x, target = one_hot(inputs, V), one_hot(targets, V)
    y, p = np.zeros((T, V)), np.zeros((T, V))
    steps, prev = [], cell.zero_state(H)
    for t in range(T):
        prev = cell.step(P, x[t], prev)
        steps.append(prev)
        y[t] = cell.output(P, prev["h"])
        p[t] = softmax(y[t])
    counted = np.ones(T, bool) if loss_mode == "all" else np.arange(T) == T - 1
    # -ln p[target] as ln Σ exp(y - max) + max - y[target]: finite even where p[target] rounds to 0.
    m = y.max(axis=1)
    log_sum = np.log(np.exp(y - m[:, None]).sum(axis=1)) + m
    losses = np.where(counted, log_sum - (y * target).sum(axis=1), 0.0)
    return Forward(x, target, _stack(steps), y, p, losses, counted)


@dataclass
class Backward:
    dy: np.ndarray       # T x V   p_t - target_t (zero where the step does not count)
    dh: np.ndarray       # T x H   Whyᵀ·dy_t + what step t+1 hands back
    hidden: dict         # the cell's backward quantities by name, each T x ... ("da", "dh_next", ...)
    grads: dict = field(default_factory=dict)   # summed over time, before clipping
    steps: dict = field(default_factory=dict)   # per-step contributions, T x shape


def backward(P, F):
    cell = P.cell
    T, H = F.h.shape
    dy = (F.p - F.target) * F.counted[:, None]
    dh = np.zeros((T, H))
    rows, contributions = [None] * T, [None] * T
    carry = cell.zero_state(H)
    for t in reversed(range(T)):
        dh[t] = P.Why.T @ dy[t] + carry["h"]
        now = {k: v[t] for k, v in F.hidden.items()}
        prev = {k: F.state(k, t) for k in cell.state}
        rows[t], contributions[t], carry = cell.step_back(P, now, prev, F.x[t], dh[t], carry)
        contributions[t]["Why"] = outer(dy[t], F.h[t])
        if cell.output_bias:
            contributions[t]["by"] = dy[t].copy()
    steps = {k: np.array([c[k] for c in contributions]) for k in P.names}
    grads = {k: v.sum(axis=0) for k, v in steps.items()}
    return Backward(dy, dh, _stack(rows), grads, steps)


def clip(grads, c):
    """min-char-rnn clips every gradient entry to [-c, c]; None means no clipping."""
    if c is None:
        return dict(grads)
    return {k: np.clip(g, -c, c) for k, g in grads.items()}


@dataclass
class Epoch:
    params: object   # Params
    fwd: Forward
    bwd: Backward
    grads: dict      # after clipping: what the update uses


def train(P, inputs, targets, lr, epochs=1, clip_at=None, loss_mode="all", optimizer=None):
    """Record k holds the weights after k updates on the whole word (k = 0..epochs), with their
    forward pass, backward pass and the (clipped) gradients the next update uses."""
    opt = optimizer or OPTIMIZERS["sgd"]
    state = opt.init_state(P)
    out = []
    for _ in range(epochs + 1):
        F = forward(P, inputs, targets, loss_mode)
        B = backward(P, F)
        g = clip(B.grads, clip_at)
        out.append(Epoch(P, F, B, g))
        P, state = opt.update(P, g, lr, state)
    return out


@dataclass
class Generated:
    inputs: list          # N character indices fed in (the start, then each output)
    hidden: dict          # the cell's quantities by name, each N x ... ("h" among them)
    y: np.ndarray         # N x V
    outputs: list         # N character indices chosen

    @property
    def h(self):
        return self.hidden["h"]


def generate(P, start, n):
    """Greedy generation: feed each most probable next character back in as the next input."""
    cell, V, H = P.cell, P.V, P.H
    inputs, steps, y, outputs = [], [], np.zeros((n, V)), []
    state, ix = cell.zero_state(H), start
    for g in range(n):
        inputs.append(ix)
        state = cell.step(P, one_hot([ix], V)[0], state)
        steps.append(state)
        y[g] = cell.output(P, state["h"])
        ix = int(np.argmax(y[g]))
        outputs.append(ix)
    return Generated(inputs, _stack(steps) if steps else {"h": np.zeros((0, H))}, y, outputs)
