"""The seed article's character RNN in plain NumPy, after Karpathy's min-char-rnn.

Two models share one set of equations:
  article:  h_t = tanh(Wxh x_t + Whh * h_prev + bh)   Whh, bh scalars; y_t = Why h_t
  standard: h_t = tanh(Wxh x_t + Whh @ h_prev + bh)   Whh HxH, bh H;   y_t = Why h_t + by
  p_t = softmax(y_t), loss_t = -ln p_t[target_t], loss = sum_t loss_t (or the last step only).
Nothing here knows about spreadsheets.
"""
from dataclasses import dataclass, field, replace

import numpy as np

MODELS = ("article", "standard")
PARAM_NAMES = ("Wxh", "Whh", "bh", "Why", "by")


@dataclass
class Params:
    model: str
    Wxh: np.ndarray          # H x V
    Whh: np.ndarray          # article: shape (); standard: H x H
    bh: np.ndarray           # article: shape (); standard: H
    Why: np.ndarray          # V x H
    by: np.ndarray | None    # standard: V; the article model has no output bias

    @property
    def names(self):
        return PARAM_NAMES if self.model == "standard" else PARAM_NAMES[:4]

    def items(self):
        return [(name, getattr(self, name)) for name in self.names]

    def shapes(self):
        return param_shapes(self.model, *self.Wxh.shape[::-1])


def param_shapes(model, V, H):
    if model == "article":
        return {"Wxh": (H, V), "Whh": (), "bh": (), "Why": (V, H)}
    return {"Wxh": (H, V), "Whh": (H, H), "bh": (H,), "Why": (V, H), "by": (V,)}


def init_params(model, V, H, seed=0):
    """Article: uniform [0,1) like the article's "randomly initialised" weights.
    Standard: small normal weights and zero biases, as min-char-rnn (scale 0.1 so the numbers read well)."""
    rng = np.random.default_rng(seed)
    shapes = param_shapes(model, V, H)
    if model == "article":
        arrays = {k: rng.random(s) for k, s in shapes.items()}
        return Params("article", by=None, **arrays)
    arrays = {k: rng.normal(0.0, 0.1, s) for k, s in shapes.items()}
    arrays["bh"][:] = 0.0
    arrays["by"][:] = 0.0
    return Params("standard", **arrays)


@dataclass
class Forward:
    x: np.ndarray        # T x V one-hot inputs
    target: np.ndarray   # T x V one-hot targets
    wx: np.ndarray       # T x H   Wxh x_t
    wh: np.ndarray       # T x H   Whh h_prev + bh
    a: np.ndarray        # T x H   pre-activation
    h: np.ndarray        # T x H
    y: np.ndarray        # T x V
    p: np.ndarray        # T x V
    losses: np.ndarray   # T      (zero where the step does not count)
    counted: np.ndarray  # T bool, steps whose output enters the loss

    @property
    def loss(self):
        return float(self.losses.sum())

    @property
    def h_prev(self):
        return np.vstack([np.zeros((1, self.h.shape[1])), self.h[:-1]])

    @property
    def predicted(self):
        return self.p.argmax(axis=1)


def softmax(y):
    e = np.exp(y - y.max())
    return e / e.sum()


def one_hot(indices, V):
    out = np.zeros((len(indices), V))
    out[np.arange(len(indices)), indices] = 1.0
    return out


def forward(P, inputs, targets, loss_mode="all"):
    V, H = P.Why.shape
    T = len(inputs)
    x, target = one_hot(inputs, V), one_hot(targets, V)
    wx, wh, a, h = (np.zeros((T, H)) for _ in range(4))
    y, p = np.zeros((T, V)), np.zeros((T, V))
    h_prev = np.zeros(H)
    for t in range(T):
        wx[t] = P.Wxh @ x[t]
        wh[t] = (P.Whh * h_prev if P.model == "article" else P.Whh @ h_prev) + P.bh
        a[t] = wx[t] + wh[t]
        h[t] = h_prev = np.tanh(a[t])
        y[t] = P.Why @ h[t] + (0.0 if P.by is None else P.by)
        p[t] = softmax(y[t])
    counted = np.ones(T, bool) if loss_mode == "all" else np.arange(T) == T - 1
    # -ln p[target] as ln Σ exp(y - max) + max - y[target]: finite even where p[target] rounds to 0.
    m = y.max(axis=1)
    log_sum = np.log(np.exp(y - m[:, None]).sum(axis=1)) + m
    losses = np.where(counted, log_sum - (y * target).sum(axis=1), 0.0)
    return Forward(x, target, wx, wh, a, h, y, p, losses, counted)


@dataclass
class Backward:
    dy: np.ndarray       # T x V   p_t - target_t (zero where the step does not count)
    dh: np.ndarray       # T x H   Why^T dy_t + dh_next
    da: np.ndarray       # T x H   (1 - h_t^2) * dh_t
    dh_next: np.ndarray  # T x H   what step t hands to step t-1
    grads: dict = field(default_factory=dict)   # summed over time, before clipping
    steps: dict = field(default_factory=dict)   # per-step contributions, T x shape


def backward(P, F):
    T, H = F.h.shape
    dy = (F.p - F.target) * F.counted[:, None]
    dh, da, dh_next = (np.zeros((T, H)) for _ in range(3))
    h_prev = F.h_prev
    carry = np.zeros(H)
    for t in reversed(range(T)):
        dh[t] = P.Why.T @ dy[t] + carry
        da[t] = (1 - F.h[t] ** 2) * dh[t]
        carry = dh_next[t] = P.Whh * da[t] if P.model == "article" else P.Whh.T @ da[t]
    steps = {
        "Wxh": np.einsum("ti,tj->tij", da, F.x),
        "Why": np.einsum("ti,tj->tij", dy, F.h),
    }
    if P.model == "article":
        steps["Whh"] = (da * h_prev).sum(axis=1)
        steps["bh"] = da.sum(axis=1)
    else:
        steps["Whh"] = np.einsum("ti,tj->tij", da, h_prev)
        steps["bh"] = da.copy()
        steps["by"] = dy.copy()
    steps = {k: steps[k] for k in P.names}
    grads = {k: v.sum(axis=0) for k, v in steps.items()}
    return Backward(dy, dh, da, dh_next, grads, steps)


def clip(grads, c):
    """min-char-rnn clips every gradient entry to [-c, c]; None means no clipping."""
    if c is None:
        return dict(grads)
    return {k: np.clip(g, -c, c) for k, g in grads.items()}


def sgd(P, grads, lr):
    return replace(P, **{k: getattr(P, k) - lr * grads[k] for k in P.names})


@dataclass
class Epoch:
    params: Params
    fwd: Forward
    bwd: Backward
    grads: dict      # after clipping: what the update uses


def train(P, inputs, targets, lr, epochs=1, clip_at=None, loss_mode="all"):
    """Record k holds the weights after k SGD steps on the whole word (k = 0..epochs),
    with their forward pass, backward pass and the (clipped) gradients the next step uses."""
    out = []
    for _ in range(epochs + 1):
        F = forward(P, inputs, targets, loss_mode)
        B = backward(P, F)
        g = clip(B.grads, clip_at)
        out.append(Epoch(P, F, B, g))
        P = sgd(P, g, lr)
    return out


@dataclass
class Generated:
    inputs: list          # N character indices fed in (the start, then each output)
    h: np.ndarray         # N x H
    y: np.ndarray         # N x V
    outputs: list         # N character indices chosen


def generate(P, start, n):
    """Greedy generation: feed each most probable next character back in as the next input."""
    V, H = P.Why.shape
    G = Generated([], np.zeros((n, H)), np.zeros((n, V)), [])
    h, ix = np.zeros(H), start
    for g in range(n):
        G.inputs.append(ix)
        h = G.h[g] = np.tanh(P.Wxh[:, ix] + (P.Whh * h if P.model == "article" else P.Whh @ h) + P.bh)
        G.y[g] = P.Why @ h + (0.0 if P.by is None else P.by)
        ix = int(np.argmax(G.y[g]))
        G.outputs.append(ix)
    return G
