"""The sheets of the tanh RNN cells (model/cells/rnn.py): the article's, whose Whh and bias are
single numbers, and min-char-rnn's, and of any cell that only changes the activation (the IRNN's
relu): the formulas write the cell's own (model/cells/activations.py). Its quantities first, by the
sheet that shows them; then TanhFamily, the hooks the shared sheets call (sheets/family.py).
"""
import math

from ..model.cells.base import pre_activation, recurrent_term
from .backward import b_h, b_hprev, b_x, dh, gradient
from .forward import h_prev, x
from .layout import Part, shown, steps, units
from .lessons import final_weights, gen_X, norm_of, norms
from .family import SheetFamily
from .parameters import weight
from .quantity import Heat, Quantity, Role, after_zero_row, backward_at, computed, forward_at, param_link
from .training import net_dY, net_WhyT, net_X, table, weights


def scalar(L):
    """The article's cell: Whh and the bias are single numbers shared by every hidden unit."""
    return L.cell.scalar_recurrence


def _contribution(name):
    return lambda c, t: c.B.steps[name][t - 1]


# --- Parameters -----------------------------------------------------------------------------------

Wxh = weight("Wxh", "Wxh: input-to-hidden weights, one row per hidden unit, one column per letter. An input.")
Whh = weight("Whh", "Whh: hidden-to-hidden (recurrent) weights. An input.")
bh = weight("bh", "bias of the hidden layer. An input.")


# --- Step t ---------------------------------------------------------------------------------------

Wxh_link = param_link("Wxh_link", "Wxh", "A linked copy of Wxh from Parameters: the same weights at every time step.")
Whh_link = param_link("Whh_link", "Whh", "A linked copy of Whh from Parameters.")
bh_link = param_link("bh_link", "bh", "A linked copy of the bias from Parameters.")


@computed("Wxh · x_t: row i of Wxh times x_t, which picks the column of the input letter.", forward_at("wx"),
          exercise=True)
def wx(L, t, i, j):
    return f"MMULT({L[Wxh_link, t].row_range(i)},{L[x, t].range()})"


@computed("Whh · h(t-1) + bias: what the network remembers from the previous steps.", forward_at("wh"),
          exercise=True)
def wh(L, t, i, j):
    w, hp, b = L[Whh_link, t], L[h_prev, t], L[bh_link, t]
    if scalar(L):
        return recurrent_term(f"{w.ref()}*{hp.ref(i)}", b.ref())
    return recurrent_term(f"MMULT({w.row_range(i)},{hp.range()})", b.ref(i))


@computed("a_t = Wxh · x_t + Whh · h(t-1) + bias", forward_at("a"))
def a(L, t, i, j):
    return pre_activation(L[wx, t].ref(i), L[wh, t].ref(i))


def act(L):
    """The cell's activation (model/cells/activations.py): tanh, or the IRNN's relu."""
    return L.cell.activation


@computed(lambda L: f"h_t = {act(L).maths('a_t')} = {act(L).maths('Wxh · x_t + Whh · h(t-1) + bias')}, "
                    f"{act(L).range}.", forward_at("h"), exercise=True)
def h(L, t, i, j):
    return act(L).formula(L[a, t].ref(i))


# --- Back t ---------------------------------------------------------------------------------------

b_Whh = param_link("b_Whh", "Whh", "Whh from Parameters (its transpose carries the error to the step before).")


@computed(lambda L: f"da_t = {act(L).slope_maths('h_t')} ∘ dh_t: back through {act(L).name}, {act(L).why}.",
          backward_at("da"), heat=Heat.DIVERGING, exercise=True)
def da(L, t, i, j):
    return act(L).back_formula(L[b_h, t].ref(i), L[dh, t].ref(i))


@computed("dWxh_t = da_t · x_tᵀ: entry [i, k] = da_t[i] · x_t[k].", _contribution("Wxh"),
          heat=Heat.DIVERGING, exercise=True)
def dWxh_t(L, t, i, j):
    return f"{L[da, t].ref(i)}*{L[b_x, t].ref(j)}"


@computed("dWhh_t = da_t · h(t-1)ᵀ (article model: Σ_i da_t[i] · h(t-1)[i]).", _contribution("Whh"),
          heat=Heat.DIVERGING)
def dWhh_t(L, t, i, j):
    if scalar(L):
        return f"SUMPRODUCT({L[da, t].range()},{L[b_hprev, t].range()})"
    return f"{L[da, t].ref(i)}*{L[b_hprev, t].ref(j)}"


@computed("dbias_t = da_t (article model: Σ_i da_t[i]).", _contribution("bh"), heat=Heat.DIVERGING)
def dbh_t(L, t, i, j):
    return f"SUM({L[da, t].range()})" if scalar(L) else L[da, t].ref(i)


@computed("dh_next = Whhᵀ · da_t: handed back to step t-1.", backward_at("dh_next"))
def dh_next(L, t, i, j):
    if scalar(L):
        return f"{L[b_Whh, t].ref()}*{L[da, t].ref(i)}"
    return f"SUMPRODUCT({L[b_Whh, t].col_range(i)},{L[da, t].range()})"


# --- Gradients ------------------------------------------------------------------------------------

@computed("da_t, one row per time step.", lambda c, t: c.B.hidden["da"], heat=Heat.DIVERGING)
def g_DA(L, t, s, i):
    return L[da, s + 1].ref(i, 0)


# --- network blocks (Update, Training) and Generate ------------------------------------------------

def hidden_row(L, H, X, W, r, i):
    """h_r = tanh(Wxh x_r + Whh h_(r-1) + bh) for row r >= 1 of a table whose row 0 is h_0 = 0;
    W(name) gives the weight blocks, X row r-1 holds x_r."""
    if scalar(L):
        rec = recurrent_term(f"{W('Whh').ref()}*{H.ref(r - 1, i)}", W('bh').ref())
    else:
        rec = recurrent_term(f"SUMPRODUCT({W('Whh').row_range(i)},{H.row_range(r - 1)})", W('bh').ref(i))
    return act(L).formula(pre_activation(f"SUMPRODUCT({W('Wxh').row_range(i)},{X.row_range(r - 1)})", rec), compound=True)


@computed(lambda L: f"h_t = {act(L).maths('Wxh · x_t + Whh · h(t-1) + bias')}, one row per step; row 0 is "
                    "h_0 = 0.",
          lambda c, s: after_zero_row(c.record(s).fwd.h))
def net_H(L, slot, r, i):
    if r == 0:
        return None
    return hidden_row(L, L[net_H, slot], table(L, net_X, slot), weights(L, slot), r, i)


@computed("Whhᵀ", lambda c, s: c.record(s).params.Whh.T, role=Role.LINK, heat=Heat.DIVERGING)
def net_WhhT(L, slot, i, j):
    return weights(L, slot)("Whh").ref(j, i)


@computed("dh_t = Whyᵀ · dy_t + Whhᵀ · da_(t+1), from the last step up.", lambda c, s: c.record(s).bwd.dh,
          heat=Heat.DIVERGING)
def net_dH(L, slot, t, i):
    dA = L[net_dA, slot]
    out = f"SUMPRODUCT({L[net_WhyT, slot].row_range(i)},{L[net_dY, slot].row_range(t)})"
    if t == L.T - 1:
        return out
    if scalar(L):
        return out + f"+{weights(L, slot)('Whh').ref()}*{dA.ref(t + 1, i)}"
    return out + f"+SUMPRODUCT({L[net_WhhT, slot].row_range(i)},{dA.row_range(t + 1)})"


@computed(lambda L: f"da_t = {act(L).slope_maths('h_t')} ∘ dh_t", lambda c, s: c.record(s).bwd.hidden["da"],
          heat=Heat.DIVERGING)
def net_dA(L, slot, t, i):
    # the family's own tables: the feed-forward family shows this one beside its net_H and net_dH
    return act(L).back_formula(L[L.family.net_H, slot].ref(t + 1, i), L[L.family.net_dH, slot].ref(t, i))


@computed(lambda L: f"h = {act(L).maths('Wxh · x + Whh · h_prev + bias')}; row 0 is h_0 = 0.",
          lambda c, t: after_zero_row(c.generated.h))
def gen_H(L, t, r, i):
    if r == 0:
        return None
    return hidden_row(L, L[gen_H], L[gen_X], final_weights(L), r, i)


# --- Gradient flow --------------------------------------------------------------------------------

da_norms = Quantity("da_norms", lambda c, t: norms(c.B.hidden["da"]), norm_of("da"),
                    "|da_t| = sqrt(Σ_i da_t[i]²)", scientific=True)


class TanhFamily(SheetFamily):
    labels = {"bh": "bias"}             # the notes call bh "bias" (the article's word)
    gradient_tables = {"dA": "g_DA"}    # the tables sum_over_time reads besides the shared X, dY, H
    sum_notes = {"Wxh": "dWxh = Σ_t da_t · x_tᵀ", "Whh": "dWhh = Σ_t da_t · h(t-1)ᵀ", "bh": "dbias = Σ_t da_t"}
    flow_note = ("|dh_t| is the length of the gradient at the hidden state. With tanh and small Whh it "
                 "shrinks towards the first letters (vanishing); with a large Whh it can grow (exploding).")
    h, dh_next, net_H, net_dH, gen_H = h, dh_next, net_H, net_dH, gen_H     # net_dH: what net_dA reads

    def detail_cells(self, V, H, cell):
        """Cells of per-step matrix copies and gradient contributions a detailed step holds."""
        whh = math.prod(cell.param_shapes(V, H)["Whh"])
        return 4 * H * V + 3 * whh + H * V

    def parameter_bands(self, S, L, letters):
        H, V = L.H, L.V
        parts = [Part(Wxh, None, "Wxh (hidden × vocabulary)", H, V, units(H), letters), "  "]
        if scalar(L):
            parts += [Part(Whh, None, "Whh (1×1)", 1), Part(bh, None, "bias (1×1)", 1)]
        else:
            parts += [Part(Whh, None, "Whh (hidden × hidden)", H, H, units(H), units(H)),
                      Part(bh, None, "bh", H, row_labels=units(H))]
        S.band("Input and recurrent weights", parts)

    def forward_bands(self, S, L, t, letters, full):
        V, H = L.V, L.H
        S.band("Wxh · x_t: the input letter through the input weights", shown(L, [
            Part(Wxh_link, t, "Wxh", H, V, units(H), letters), "×",
            Part(x, t, "x_t", V, row_labels=letters), "=",
            Part(wx, t, "Wxh·x_t", H)], full), detail=True)
        if scalar(L):
            parts = [Part(Whh_link, t, "Whh", 1), "×", Part(h_prev, t, "h(t-1)", H), "+",
                     Part(bh_link, t, "bias", 1), "=", Part(wh, t, "Whh·h(t-1)+bias", H)]
        else:
            parts = [Part(Whh_link, t, "Whh", H, H, units(H), units(H)), "×",
                     Part(h_prev, t, "h(t-1)", H), "+", Part(bh_link, t, "bh", H), "=",
                     Part(wh, t, "Whh·h(t-1)+bh", H)]
        prev = "h(t-1) = 0 (no letter before)" if t == 1 else f"h(t-1) from Step {t - 1}"
        S.band("Whh · h(t-1) + bias: the memory of the previous step", shown(L, parts, full), prev, detail=True)
        S.band(f"h_t = {act(L).maths('Wxh·x_t + Whh·h(t-1) + bias')}: the new hidden state", [
            Part(a, t, "sum", H, row_labels=units(H)), "→", Part(h, t, f"h_t = {act(L).symbol}", H)])

    def backward_bands(self, S, L, t, letters, contributions):
        V, H = L.V, L.H
        parts = [Part(da, t, "da_t", H, row_labels=units(H))]
        if not contributions:       # h_t was shown with dWhy_t; here it is needed beside da_t
            parts = [Part(b_h, t, "h_t", H, row_labels=units(H)), " ", Part(da, t, "da_t", H)]
        S.band(f"da_t = {act(L).slope_maths('h_t')} · dh_t: back through {act(L).name}", parts)
        if contributions:
            S.band("Input weights: this step's gradient contribution", [
                Part(dWxh_t, t, "dWxh_t = da_t · x_tᵀ", H, V, units(H), letters), " ",
                Part(b_x, t, "x_t", V, row_labels=letters)], detail=True)
        if scalar(L):
            parts = [Part(b_hprev, t, "h(t-1)", H, row_labels=units(H)), " ",
                     Part(dWhh_t, t, "dWhh_t = Σ da_t·h(t-1)", 1), Part(dbh_t, t, "dbias_t = Σ da_t", 1)]
        else:
            parts = [Part(b_hprev, t, "h(t-1)", H, row_labels=units(H)), " ",
                     Part(dWhh_t, t, "dWhh_t = da_t · h(t-1)ᵀ", H, H, units(H), units(H)), " ",
                     Part(dbh_t, t, "dbh_t = da_t", H)]
        if contributions:
            prev = "h(t-1) = 0 at the first step" if t == 1 else f"h(t-1) from Step {t - 1}"
            S.band("Recurrent weights and bias: this step's gradient contributions", parts, prev, detail=True)
        whh = Part(b_Whh, t, "Whh", 1) if scalar(L) else Part(b_Whh, t, "Whh", H, H, units(H), units(H))
        S.band("dh_next = Whhᵀ · da_t: handed back to the step before" if t > 1 else
               "dh_next = Whhᵀ · da_t (the first step: nothing earlier receives it)",
               shown(L, [whh, " ", Part(dh_next, t, "dh_next", H, row_labels=units(H))], contributions),
               detail=True)

    def gradient_table_parts(self, L, letters):
        return [Part(g_DA, None, "da_t", L.T, L.H, steps(L.T), units(L.H)), " "]

    def gradient_bands(self, S, L, letters):
        H, V = L.H, L.V
        parts = [Part(gradient("Wxh"), None, "dWxh", H, V, units(H), letters), " "]
        if scalar(L):
            parts += [Part(gradient("Whh"), None, "dWhh", 1), Part(gradient("bh"), None, "dbias", 1)]
        else:
            parts += [Part(gradient("Whh"), None, "dWhh", H, H, units(H), units(H)), " ",
                      Part(gradient("bh"), None, "dbh", H)]
        S.band("Input and recurrent weights", parts)

    def sum_over_time(self, L, name, i, j, tables):
        """Entry (i, j) of d<name> as one SUMPRODUCT down the time-major tables dA, H (row 0: h_0) and X."""
        dA, H, X, T = L[tables["dA"]], L[tables["H"]], L[tables["X"]], L.T
        if name == "Wxh":
            return f"SUMPRODUCT({dA.col_range(i)},{X.col_range(j)})"
        if name == "Whh":
            if scalar(L):
                return f"SUMPRODUCT({dA.range()},{H.span(0, 0, T - 1, L.H - 1)})"
            return f"SUMPRODUCT({dA.col_range(i)},{H.span(0, j, T - 1, j)})"
        return f"SUM({dA.range()})" if scalar(L) else f"SUM({dA.col_range(i)})"

    def param_groups(self, L, letters, quantity, t, caption):
        """The cell's weights in one band (before Why): [(subtitle, parts)]."""
        H, V = L.H, L.V
        return [("", [Part(quantity("Wxh"), t, caption("Wxh"), H, V, units(H), letters), " ",
                      Part(quantity("Whh"), t, caption("Whh"), *((1, 1) if scalar(L) else (H, H)),
                           col_labels=None if scalar(L) else units(H)), " ",
                      Part(quantity("bh"), t, caption("bh"), 1 if scalar(L) else H), " "])]

    def network_tables(self, slot):
        return {"dA": ("net_dA", slot)}

    def network_back_parts(self, L, slot):
        H = L.H
        return [] if scalar(L) else [" ", Part(net_WhhT, slot, "Whhᵀ", H, H, units(H), units(H))]

    def network_back_bands(self, S, L, slot, title):
        T, H, labels = L.T, L.H, steps(L.T)
        S.band(f"{title}: back through time (row t gets dh_next from row t+1)", [
            Part(net_dH, slot, "dh_t = Whyᵀ·dy_t + dh_next", T, H, labels, units(H)), " ",
            Part(net_dA, slot, f"da_t = {act(L).slope_maths('h_t').replace(' ', '')}·dh_t", T, H, labels, units(H))])

    def flow_parts(self, L):
        return [Part(da_norms, None, "|da_t|", L.T)]
