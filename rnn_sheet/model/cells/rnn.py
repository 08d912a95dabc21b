"""The seed article's recurrent neuron, h_t = tanh(Wxh·x_t + Whh·h(t-1) + bh), in two variants:

  standard: Karpathy's min-char-rnn: Whh H×H, a bias vector bh, and y_t = Why·h_t + by.
  article:  the article's walkthrough: Whh and the bias single numbers shared by every hidden unit,
            and no output bias.
"""
import numpy as np

from ..params import Params
from .base import NetworkCell, outer


class StandardCell(NetworkCell):
    name = "standard"
    summary = "min-char-rnn"
    sheets = "rnn.TanhFamily"
    bias = "bh"              # what the equations call the hidden bias
    biases = ("bh", "by")
    scalar_recurrence = False

    def hidden_shapes(self, V, H):
        return {"Wxh": (H, V), "Whh": (H, H), "bh": (H,)}

    def recurrent(self, Whh, h):
        """Whh·h; its transpose carries the error back."""
        return Whh @ h

    def recurrent_back(self, Whh, da):
        return Whh.T @ da

    def recurrent_grads(self, da, h_prev):
        """This step's dWhh and dbh."""
        return outer(da, h_prev), da.copy()

    def step(self, P, x, prev):
        wx = P.Wxh @ x
        wh = self.recurrent(P.Whh, prev["h"]) + P.bh
        a = wx + wh
        return {"wx": wx, "wh": wh, "a": a, "h": self.activation.apply(a)}

    def step_back(self, P, now, prev, x, dh, carry):
        da = self.activation.back(now["h"], dh)
        dh_next = self.recurrent_back(P.Whh, da)
        dWhh, dbh = self.recurrent_grads(da, prev["h"])
        return {"da": da, "dh_next": dh_next}, {"Wxh": outer(da, x), "Whh": dWhh, "bh": dbh}, {"h": dh_next}

    def forward_equations(self):
        act = self.activation.maths(f"Wxh · x_t + Whh · h(t-1) + {self.bias}")
        return [("hidden state", f"h_t = {act},   h_0 = 0")]

    def backward_equations(self):
        out = ",  dby = Σ_t dy_t" if self.output_bias else ""
        return [
            ("hidden error", "dh_t = Whyᵀ · dy_t + dh_next,   dh_next = Whhᵀ · da_(t+1)  (0 after the last step)"),
            (f"back through {self.activation.name}", f"da_t = {self.activation.slope_maths('h_t')} ∘ dh_t"),
            ("gradients", f"dWhy = Σ_t dy_t · h_tᵀ,  dWxh = Σ_t da_t · x_tᵀ,  dWhh = Σ_t da_t · h(t-1)ᵀ,  "
                          f"d{self.bias} = Σ_t da_t" + out),
        ]


class ArticleCell(StandardCell):
    name = "article"
    summary = "article: scalar Whh and bias"
    bias = "bias"
    output_bias = False
    scalar_recurrence = True     # Whh and bh: one number each, shared by every hidden unit
    remarks = (("article model", "As in the article, Whh and the bias are single numbers shared by "
                                 "all hidden units, and there is no output bias."),)

    def hidden_shapes(self, V, H):
        return {"Wxh": (H, V), "Whh": (), "bh": ()}

    def init(self, V, H, seed=0):
        """Uniform [0, 1), like the article's "randomly initialised" weights."""
        rng = np.random.default_rng(seed)
        return Params(self, {k: rng.random(s) for k, s in self.param_shapes(V, H).items()})

    def recurrent(self, Whh, h):
        return Whh * h

    def recurrent_back(self, Whh, da):
        return Whh * da

    def recurrent_grads(self, da, h_prev):
        return (da * h_prev).sum(), da.sum()

    def backward_equations(self):
        """As the standard cell's, with Whh and the bias single numbers: their gradients sum over the
        hidden units too, and the error flows back through Whh times a vector."""
        return [
            ("hidden error", "dh_t = Whyᵀ · dy_t + dh_next,   dh_next = Whh · da_(t+1)  (0 after the last step)"),
            ("back through tanh", "da_t = (1 - h_t²) ∘ dh_t"),
            ("gradients", "dWhy = Σ_t dy_t · h_tᵀ,  dWxh = Σ_t da_t · x_tᵀ,  dWhh = Σ_t Σ_i da_t[i] · h(t-1)[i],  "
                          "dbias = Σ_t Σ_i da_t[i]  (single numbers, as Whh and the bias)"),
        ]
