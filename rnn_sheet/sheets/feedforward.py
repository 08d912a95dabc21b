"""The feed-forward contrast's sheets (model/cells/feedforward.py): h_t = tanh(Wxh·x_t + bh), with no
recurrent term. Where its formulas are the tanh RNN's, the quantities are rnn.py's (Wxh·x_t, da_t,
dWxh_t, the da tables): lookups go by kind, so they read this family's own a, h and net_H. What
differs is declared here: the sum without Whh·h(t-1), a hidden state that remembers nothing, and
nothing handed back to step t-1. FeedForwardFamily subclasses the tanh family (rnn.TanhFamily).
"""
from ..model.cells.base import pre_activation
from . import rnn
from .backward import b_x, gradient
from .forward import x
from .layout import Part, shown, steps, units
from .lessons import final_weights, gen_X
from .quantity import Heat, Quantity, Role, after_zero_row, computed
from .training import net_dY, net_WhyT, net_X, table, weights


# --- Step t ---------------------------------------------------------------------------------------

@computed("a_t = Wxh · x_t + bh: no Whh · h(t-1), nothing from the step before.", lambda c, t: c.F.hidden["a"][t - 1])
def a(L, t, i, j):
    return pre_activation(L[rnn.wx, t].ref(i), L[rnn.bh_link, t].ref(i))     # Wh·h' + b is b alone


@computed(lambda L: f"h_t = {rnn.act(L).maths('Wxh · x_t + bh')}, {rnn.act(L).range}: it depends on letter t "
                    "alone (no memory).", lambda c, t: c.F.h[t - 1], exercise=True)
def h(L, t, i, j):
    return rnn.act(L).formula(L[a, t].ref(i))


# --- Back t ---------------------------------------------------------------------------------------

@computed("dbh_t = da_t", lambda c, t: c.B.steps["bh"][t - 1], heat=Heat.DIVERGING)
def dbh_t(L, t, i, j):
    return L[rnn.da, t].ref(i)


dh_next = Quantity("dh_next", lambda c, t: c.B.hidden["dh_next"][t - 1], None,
                   "dh_next = 0: without recurrent weights nothing goes back to step t-1.", role=Role.CONSTANT)


# --- Gradients ------------------------------------------------------------------------------------


# --- network blocks (Update, Training) and Generate -----------------------------------------------

def hidden_row(L, W, X, r, i):
    """h_r = tanh(Wxh x_r + bh) for row r >= 1 of a table whose row 0 is h_0 = 0 (kept so that every
    cell's tables line up); X row r-1 holds x_r."""
    return rnn.act(L).formula(pre_activation(f"SUMPRODUCT({W('Wxh').row_range(i)},{X.row_range(r - 1)})", W('bh').ref(i)),
                              True)


@computed("h_t = tanh(Wxh · x_t + bh), one row per step; row 0 is h_0 = 0, which nothing reads.",
          lambda c, s: after_zero_row(c.record(s).fwd.h))
def net_H(L, slot, r, i):
    return None if r == 0 else hidden_row(L, weights(L, slot), table(L, net_X, slot), r, i)


@computed("dh_t = Whyᵀ · dy_t: nothing comes back from the step after.", lambda c, s: c.record(s).bwd.dh,
          heat=Heat.DIVERGING)
def net_dH(L, slot, t, i):
    return f"SUMPRODUCT({L[net_WhyT, slot].row_range(i)},{L[net_dY, slot].row_range(t)})"


@computed("h = tanh(Wxh · x + bh); row 0 is h_0 = 0, which nothing reads.", lambda c, t: after_zero_row(c.generated.h))
def gen_H(L, t, r, i):
    return None if r == 0 else hidden_row(L, final_weights(L), L[gen_X], r, i)


# --- Gradient flow --------------------------------------------------------------------------------


class FeedForwardFamily(rnn.TanhFamily):
    """The tanh family's Gradients tables, network tables and |da_t| on Gradient flow; the rest its own."""
    labels = {}
    sum_notes = {"Wxh": "dWxh = Σ_t da_t · x_tᵀ", "bh": "dbh = Σ_t da_t"}
    flow_note = ("|dh_t| is the gradient at the hidden state. A feed-forward network hands nothing back from "
                 "one step to the one before: each step's |dh_t| is its own output error only.")
    h, dh_next, net_H, net_dH, gen_H = h, dh_next, net_H, net_dH, gen_H

    def network_back_parts(self, L, slot):
        return []        # no Whhᵀ

    def detail_cells(self, V, H, cell):
        return 4 * H * V + 2 * H

    def parameter_bands(self, S, L, letters):
        S.band("Input weights and bias", [Part(rnn.Wxh, None, "Wxh (hidden × vocabulary)", L.H, L.V, units(L.H), letters),
                                          "  ", Part(rnn.bh, None, "bh", L.H, row_labels=units(L.H))])

    def forward_bands(self, S, L, t, letters, full):
        V, H = L.V, L.H
        S.band("Wxh · x_t: the input letter through the input weights", shown(L, [
            Part(rnn.Wxh_link, t, "Wxh", H, V, units(H), letters), "×",
            Part(x, t, "x_t", V, row_labels=letters), "=", Part(rnn.wx, t, "Wxh·x_t", H)], full), detail=True)
        S.band(f"h_t = {rnn.act(L).maths('Wxh·x_t + bh')}: the hidden layer, from this letter alone", shown(L, [
            Part(rnn.bh_link, t, "bh", H, row_labels=units(H)), "→", Part(a, t, "sum = Wxh·x_t + bh", H),
            "→", Part(h, t, f"h_t = {rnn.act(L).symbol}", H)], full), "No h(t-1): a feed-forward network does not remember the letters "
                                                       "before")

    def backward_bands(self, S, L, t, letters, contributions):
        V, H = L.V, L.H
        parts = [Part(rnn.da, t, "da_t", H, row_labels=units(H))]
        if not contributions:
            parts = [Part(rnn.b_h, t, "h_t", H, row_labels=units(H)), " ", Part(rnn.da, t, "da_t", H)]
        S.band(f"da_t = {rnn.act(L).slope_maths('h_t')} · dh_t: back through {rnn.act(L).name}", parts)
        if contributions:
            S.band("Input weights and bias: this step's gradient contributions", [
                Part(rnn.dWxh_t, t, "dWxh_t = da_t · x_tᵀ", H, V, units(H), letters), " ",
                Part(b_x, t, "x_t", V, row_labels=letters), " ", Part(dbh_t, t, "dbh_t = da_t", H)], detail=True)
        S.band("Nothing is handed back to step t-1: there are no recurrent weights", [
            Part(dh_next, t, "dh_next = 0", H, row_labels=units(H))], detail=True)

    def gradient_bands(self, S, L, letters):
        H, V = L.H, L.V
        S.band("Input weights and bias", [Part(gradient("Wxh"), None, "dWxh", H, V, units(H), letters), " ",
                                          Part(gradient("bh"), None, "dbh", H)])

    def sum_over_time(self, L, name, i, j, tables):
        dA = L[tables["dA"]]
        if name == "Wxh":
            return f"SUMPRODUCT({dA.col_range(i)},{L[tables['X']].col_range(j)})"
        return f"SUM({dA.col_range(i)})"

    def param_groups(self, L, letters, quantity, t, caption):
        H, V = L.H, L.V
        return [("", [Part(quantity("Wxh"), t, caption("Wxh"), H, V, units(H), letters), " ",
                      Part(quantity("bh"), t, caption("bh"), H), " "])]

    def network_back_bands(self, S, L, slot, title):
        T, H, labels = L.T, L.H, steps(L.T)
        S.band(f"{title}: back to each step's hidden layer (nothing passes between steps)", [
            Part(net_dH, slot, "dh_t = Whyᵀ·dy_t", T, H, labels, units(H)), " ",
            Part(rnn.net_dA, slot, "da_t = (1-h_t²)·dh_t", T, H, labels, units(H))])

