"""Runs any network cell over a word, after Karpathy's min-char-rnn: forward, loss, backpropagation
through time, clipping, training with an optimizer, and generation (greedy or sampled).

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
    start: dict = None   # the state before step 1 by name (None: the zero state); a text's chunks carry it

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
        """T x ... : state `name` before each step (the start state before the first)."""
        s = self.hidden[name]
        return np.vstack([self.state(name, 0)[None], s[:-1]])

    def state(self, name, t):
        """State `name` after step t (1-based; step 0 is the start state, zero unless carried)."""
        if t:
            return self.hidden[name][t - 1]
        return self.start[name] if self.start else np.zeros(self.hidden[name].shape[1])


def softmax(y):
    e = np.exp(y - y.max())
    return e / e.sum()


def one_hot(indices, V):
    out = np.zeros((len(indices), V))
    out[np.arange(len(indices)), indices] = 1.0
    return out


def _stack(rows):
    return {k: np.array([r[k] for r in rows]) for k in rows[0]}


def forward(P, inputs, targets, loss_mode="all", start=None):
    """start: the state before the first step by name (a text's chunk carries the one before it);
    None is the zero state."""
    cell, V, H = P.cell, P.V, P.H
    T = len(inputs)
    x, target = one_hot(inputs, V), one_hot(targets, V)
    y, p = np.zeros((T, V)), np.zeros((T, V))
    steps, prev = [], dict(start) if start else cell.zero_state(H)
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
    return Forward(x, target, _stack(steps), y, p, losses, counted, dict(start) if start else None)


@dataclass
class Backward:
    dy: np.ndarray       # T x V   p_t - target_t (zero where the step does not count)
    dh: np.ndarray       # T x H   Whyᵀ·dy_t + what step t+1 hands back
    hidden: dict         # the cell's backward quantities by name, each T x ... ("da", "dh_next", ...)
    grads: dict = field(default_factory=dict)   # summed over time, before clipping
    steps: dict = field(default_factory=dict)   # per-step contributions, T x shape


def backward(P, F, keep_steps=True):
    """keep_steps: True keeps each step's contribution to every gradient (T x shape arrays, as the
    Back sheets show them: 70 MB for 500 steps of hidden 64), False none, or a collection of
    0-based steps: {step: contribution} for those only. The sums are the same either way."""
    cell = P.cell
    T, H = F.h.shape
    dy = (F.p - F.target) * F.counted[:, None]
    dh = np.zeros((T, H))
    rows = [None] * T
    steps = {k: np.empty((T, *np.shape(P[k]))) for k in P.names}
    carry = cell.zero_state(H)
    for t in reversed(range(T)):
        dh[t] = P.Why.T @ dy[t] + carry["h"]
        now = {k: v[t] for k, v in F.hidden.items()}
        prev = {k: F.state(k, t) for k in cell.state}
        rows[t], contribution, carry = cell.step_back(P, now, prev, F.x[t], dh[t], carry)
        contribution["Why"] = outer(dy[t], F.h[t])
        if cell.output_bias:
            contribution["by"] = dy[t]
        for k in P.names:
            steps[k][t] = contribution[k]
    grads = {k: v.sum(axis=0) for k, v in steps.items()}
    if keep_steps is not True:
        steps = {k: {t: v[t].copy() for t in keep_steps or ()} for k, v in steps.items()}
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
    state: dict = field(default_factory=dict)   # the optimizer's state these weights were made with


def train(P, inputs, targets, lr, epochs=1, clip_at=None, loss_mode="all", optimizer=None, keep_steps=True):
    """Record k holds the weights after k updates on the whole word (k = 0..epochs) and the
    optimizer's state after them, with their forward pass, backward pass and the (clipped)
    gradients update number k + 1 uses. Only record 0 keeps per-step contributions (keep_steps,
    as backward's)."""
    opt = optimizer or OPTIMIZERS["sgd"]
    state = opt.init_state(P)
    out = []
    for k in range(1, epochs + 2):
        F = forward(P, inputs, targets, loss_mode)
        B = backward(P, F, keep_steps if k == 1 else False)
        g = clip(B.grads, clip_at)
        out.append(Epoch(P, F, B, g, state))
        P, state = opt.update(P, g, lr, state, k)
    return out


@dataclass
class Generated:
    inputs: list          # N character indices fed in (the start, then each output)
    hidden: dict          # the cell's quantities by name, each N x ... ("h" among them)
    y: np.ndarray         # N x V
    outputs: list         # N character indices chosen
    p: np.ndarray = None      # N x V  softmax(y / T) when sampling
    cum: np.ndarray = None    # N x V  its running sum

    @property
    def h(self):
        return self.hidden["h"]


def make_draws(seed, n):
    """n uniform draws in [0, 1) from --seed, kept to 6 decimals: a spreadsheet stores them exactly
    (and a student reads them), so the sheet samples from the very numbers the engine does."""
    u = np.random.default_rng([DRAWS_STREAM, seed or 0]).random(n)
    return tuple(float(x) for x in np.floor(u * 1e6) / 1e6)


DRAWS_STREAM = 12       # the draws' own stream: not the numbers the weights were drawn from


def sampling(y, temperature):
    """(p, cumulative p) of softmax(y / T), in the order of operations of the Generate sheet's cells:
    z = y/T, e = exp(z - max z), p = e / Σe (summed left to right), each cumulative cell the one
    before plus p."""
    z = y / temperature
    e = np.exp(z - z.max())
    total = 0.0
    for x in e:
        total += x
    p = e / total
    cum, running = np.zeros(len(p)), 0.0
    for k, x in enumerate(p):
        running = x if k == 0 else running + x
        cum[k] = running
    return p, cum


# Spreadsheets compare numbers a hair apart as equal: LibreOffice's "<" is false within a relative
# 2^-48 (rtl::math::approxEqual), and Excel rounds to 15 digits. A draw that close to a boundary
# reaches it here too, so the engine and the sheet pick the same letter.
TIE = 2.0 ** -48


def choose(cum, u):
    """The first letter whose cumulative probability reaches u: how many stay below u (by more than
    a spreadsheet's tie), capped at the last letter (rounding can leave the total a hair under 1)."""
    below = (cum < u) & ~(np.abs(cum - u) < np.abs(cum) * TIE)
    return min(int(below.sum()), len(cum) - 1)


def generate(P, start, n, temperature=None, draws=()):
    """Feed each chosen character back in as the next input: the most probable one (greedy), or,
    at a temperature, the one draw g picks from softmax(y / T)."""
    cell, V, H = P.cell, P.V, P.H
    inputs, steps, y, outputs = [], [], np.zeros((n, V)), []
    p, cum = (np.zeros((n, V)), np.zeros((n, V))) if temperature is not None else (None, None)
    state, ix = cell.zero_state(H), start
    for g in range(n):
        inputs.append(ix)
        state = cell.step(P, one_hot([ix], V)[0], state)
        steps.append(state)
        y[g] = cell.output(P, state["h"])
        if temperature is None:
            ix = int(np.argmax(y[g]))
        else:
            p[g], cum[g] = sampling(y[g], temperature)
            ix = choose(cum[g], draws[g])
        outputs.append(ix)
    return Generated(inputs, _stack(steps) if steps else {"h": np.zeros((0, H))}, y, outputs, p, cum)
