"""The article's feed-forward network, for its "RNN vs ANN" lesson: h_t = tanh(Wxh·x_t + bh), with no
recurrent term. Each step sees only its own letter, so it has no memory: after "l" in "hello" it
cannot tell whether "l" or "o" comes next, and its loss cannot go below 2·ln 2."""
import numpy as np

from .base import NetworkCell, outer


class FeedForwardCell(NetworkCell):
    name = "feedforward"
    sheets = "feedforward.FeedForwardFamily"
    summary = "no recurrent term: a feed-forward network, without memory"
    biases = ("bh", "by")
    recurrent = False
    remarks = (("no memory", "h_t depends on x_t alone: the network cannot use the letters before. Compare "
                             "its loss with a recurrent model's."),)

    def hidden_shapes(self, V, H):
        return {"Wxh": (H, V), "bh": (H,)}

    def step(self, P, x, prev):
        wx = P.Wxh @ x
        a = wx + P.bh
        return {"wx": wx, "a": a, "h": self.activation.apply(a)}

    def step_back(self, P, now, prev, x, dh, carry):
        da = self.activation.back(now["h"], dh)
        nothing = np.zeros_like(dh)         # no step before receives anything
        return {"da": da, "dh_next": nothing}, {"Wxh": outer(da, x), "bh": da.copy()}, {"h": nothing}

    def forward_equations(self):
        return [("hidden state", f"h_t = {self.activation.maths('Wxh · x_t + bh')}   (no h(t-1): nothing is "
                                 "remembered)")]

    def backward_equations(self):
        return [
            ("hidden error", "dh_t = Whyᵀ · dy_t   (nothing comes back from step t+1)"),
            (f"back through {self.activation.name}", f"da_t = {self.activation.slope_maths('h_t')} ∘ dh_t"),
            ("gradients", "dWhy = Σ_t dy_t · h_tᵀ,  dWxh = Σ_t da_t · x_tᵀ,  dbh = Σ_t da_t,  dby = Σ_t dy_t"),
        ]
