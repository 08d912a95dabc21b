"""The LSTM's sheets (model/cells/gated.py): four gates (gates.py) and a cell state c beside h.

  Step t   x_t, h(t-1), c(t-1); the gates i, f, o, g; c_t = f ∘ c(t-1) + i ∘ g; h_t = o ∘ tanh(c_t)
  Back t   dc_t (through h_t and from step t+1), each gate's error after and before its activation,
           the contributions, and dh_next, dc_next handed to step t-1
LSTMFamily (a gates.GatedFamily) holds the hooks the shared sheets call (sheets/family.py).
"""
import numpy as np

from ..model.cells import LSTMCell
from ..model.cells.activations import TANH
from . import gates
from .backward import b_hprev, b_x, dh
from .forward import h_prev, x
from .layout import Part, shown, steps, units
from .lessons import norm_of
from .quantity import Heat, Quantity, Role, after_zero_row, backward_at, computed, forward_at, link
from .training import net_dY, net_WhyT

GATES = [gates.GateSheets(g, {"bf": "bf: the forget gate's bias. It starts at 1, so f = σ(1) ≈ 0.73 lets memory "
                                    "flow through c from the start. An input."}) for g in LSTMCell.gates]
I, F, O, G = GATES


# --- Step t ---------------------------------------------------------------------------------------

@computed("c(t-1): the cell state of the previous step (0 before the first letter).",
          lambda c, t: c.F.previous("c")[t - 1], role=Role.LINK)
def c_prev(L, t, i, j):
    return None if t == 1 else L["c", t - 1].ref(i, 0)


@computed("f_t ∘ c(t-1): what the forget gate keeps of the old cell state.", forward_at("fc"), exercise=True)
def fc(L, t, i, j):
    return _cell_terms(L, t, i)[0]


@computed("i_t ∘ g_t: what the input gate lets in of the candidate.", forward_at("ig"), exercise=True)
def ig(L, t, i, j):
    return _cell_terms(L, t, i)[1]


def _cell_terms(L, t, i):
    return LSTMCell.cell_terms(L[F.act, t].ref(i), L[c_prev, t].ref(i), L[I.act, t].ref(i), L[G.act, t].ref(i))


@computed("c_t = f_t ∘ c(t-1) + i_t ∘ g_t: the cell state, the LSTM's long-term memory.", forward_at("c"),
          exercise=True)
def c(L, t, i, j):
    return f"{L[fc, t].ref(i)}+{L[ig, t].ref(i)}"


@computed("tanh(c_t)", forward_at("tc"))
def tc(L, t, i, j):
    return TANH.formula(L[c, t].ref(i))


@computed("h_t = o_t ∘ tanh(c_t): the output gate decides what of the memory the step shows.", forward_at("h"),
          exercise=True)
def h(L, t, i, j):
    return LSTMCell.hidden_formula(L[O.act, t].ref(i), L[tc, t].ref(i))


# --- Back t ---------------------------------------------------------------------------------------

b_cprev = link("b_cprev", "c_prev", "c(t-1) from the previous forward step (0 at the first step).",
               lambda c, t: c.F.previous("c")[t - 1])
b_tc = link("b_tc", "tc", "tanh(c_t) from the forward step sheet.", forward_at("tc"))


@computed("dc_next: the cell state's gradient handed back from step t+1 (0 after the last step).",
          lambda c, t: c.B.hidden["dc_next"][t] if t < c.sc.T else np.zeros(c.sc.H), role=Role.LINK)
def dc_next_link(L, t, i, j):
    return None if t == L.T else L["dc_next", t + 1].ref(i)


@computed("dc_t = dh_t ∘ o_t ∘ (1 - tanh(c_t)²) + dc_next: through h_t, and from step t+1.", backward_at("dc"),
          heat=Heat.DIVERGING, exercise=True)
def dc(L, t, i, j):
    return LSTMCell.cell_error(L[dh, t].ref(i), L[O.b_act, t].ref(i), L[b_tc, t].ref(i), L[dc_next_link, t].ref(i))


def _after(note, formula):
    return lambda kind: Quantity(kind, backward_at(kind), formula, note, heat=Heat.DIVERGING)


def _gate_error(k):
    def formula(L, t, i, j):
        return LSTMCell.gate_errors(L[dh, t].ref(i), L[dc, t].ref(i), L[b_tc, t].ref(i), L[b_cprev, t].ref(i),
                                    L[I.b_act, t].ref(i), L[G.b_act, t].ref(i))[k]
    return formula


d_i = _after("di_t = dc_t ∘ g_t", _gate_error("i"))("d_i")
d_f = _after("df_t = dc_t ∘ c(t-1)", _gate_error("f"))("d_f")
d_o = _after("do_t = dh_t ∘ tanh(c_t)", _gate_error("o"))("d_o")
d_g = _after("dg_t = dc_t ∘ i_t", _gate_error("g"))("d_g")


@computed("dh_next = Σ_k Whkᵀ · da_k (k = i, f, o, g): handed back to step t-1.", backward_at("dh_next"))
def dh_next(L, t, i, j):
    return gates.handed_back(L, GATES, t, i)


@computed("dc_next = f_t ∘ dc_t: handed back to step t-1 through the forget gate.", backward_at("dc_next"))
def dc_next(L, t, i, j):
    return LSTMCell.cell_carry(L[F.b_act, t].ref(i), L[dc, t].ref(i))


# --- Gradients ------------------------------------------------------------------------------------


# --- network blocks (Update, Training) and Generate -----------------------------------------------

def state_rows(C, tables, r, i, which):
    """Row r >= 1 of the cell state (c) or hidden state (h) table, whose row 0 is the zero state; the
    gate tables (tables[k]) have one row per step."""
    i_, f, o, g = (tables[k] for k in "ifog")
    if which == "c":
        return "+".join(LSTMCell.cell_terms(f.ref(r - 1, i), C.ref(r - 1, i), i_.ref(r - 1, i), g.ref(r - 1, i)))
    return LSTMCell.hidden_formula(o.ref(r - 1, i), TANH.formula(C.ref(r, i)))


def _network(L, slot):
    return {g.k: L[g.net_act, slot] for g in GATES}


@computed("c_t = f_t ∘ c(t-1) + i_t ∘ g_t, one row per step; row 0 is c_0 = 0.",
          lambda c, s: after_zero_row(c.record(s).fwd.hidden["c"]))
def net_C(L, slot, r, i):
    return None if r == 0 else state_rows(L[net_C, slot], _network(L, slot), r, i, "c")


@computed("h_t = o_t ∘ tanh(c_t), one row per step; row 0 is h_0 = 0.",
          lambda c, s: after_zero_row(c.record(s).fwd.h))
def net_H(L, slot, r, i):
    return None if r == 0 else state_rows(L[net_C, slot], _network(L, slot), r, i, "h")


@computed("dh_t = Whyᵀ · dy_t + Σ_k Whkᵀ · da_k(t+1), from the last step up.", lambda c, s: c.record(s).bwd.dh,
          heat=Heat.DIVERGING)
def net_dH(L, slot, t, i):
    out = f"SUMPRODUCT({L[net_WhyT, slot].row_range(i)},{L[net_dY, slot].row_range(t)})"
    return out if t == L.T - 1 else out + "+" + gates.network_handed_back(L, GATES, slot, t + 1, i)


@computed("dc_t = dh_t ∘ o_t ∘ (1 - tanh(c_t)²) + f_(t+1) ∘ dc_(t+1)", lambda c, s: c.record(s).bwd.hidden["dc"],
          heat=Heat.DIVERGING)
def net_dC(L, slot, t, i):
    dH, C, O_, F_ = L[net_dH, slot], L[net_C, slot], L[O.net_act, slot], L[F.net_act, slot]
    carried = None if t == L.T - 1 else LSTMCell.cell_carry(F_.ref(t + 1, i), L[net_dC, slot].ref(t + 1, i))
    return LSTMCell.cell_error(dH.ref(t, i), O_.ref(t, i), TANH.formula(C.ref(t + 1, i)), carried)


def _network_da(k, after):
    """da_k in a network block: the gate's error after its activation (after(L, slot, t, i)), then back
    through it."""
    g = next(g for g in GATES if g.k == k)

    def formula(L, slot, t, i):
        return gates.slope(g.gate, after(L, slot, t, i), L[g.net_act, slot].ref(t, i))
    return Quantity(f"net_dA_{k}", lambda c, s: c.record(s).bwd.hidden[f"da_{k}"], formula,
                    f"da_{k}, one row per step.", heat=Heat.DIVERGING)


def _network_gate_error(k):
    """Gate k's error after its activation in row t of a network block (row t of net_C is c(t-1))."""
    def after(L, s, t, i):
        C = L[net_C, s]
        return LSTMCell.gate_errors(L[net_dH, s].ref(t, i), L[net_dC, s].ref(t, i), TANH.formula(C.ref(t + 1, i)),
                                    C.ref(t, i), L[I.net_act, s].ref(t, i), L[G.net_act, s].ref(t, i))[k]
    return after


NET_DA = [_network_da(k, _network_gate_error(k)) for k in "ifog"]


def _gen(L):
    return {g.k: L[g.gen_act] for g in GATES}


@computed("c = f ∘ c_prev + i ∘ g; row 0 is c_0 = 0.", lambda c, t: after_zero_row(c.generated.hidden["c"]))
def gen_C(L, t, r, i):
    return None if r == 0 else state_rows(L[gen_C], _gen(L), r, i, "c")


@computed("h = o ∘ tanh(c); row 0 is h_0 = 0.", lambda c, t: after_zero_row(c.generated.h))
def gen_H(L, t, r, i):
    return None if r == 0 else state_rows(L[gen_C], _gen(L), r, i, "h")


# --- Gradient flow --------------------------------------------------------------------------------

cell_grad_norms = Quantity("cell_grad_norms", lambda c, t: np.linalg.norm(c.B.hidden["dc"], axis=1), norm_of("dc"),
                           "|dc_t| = sqrt(Σ_i dc_t[i]²): how much error reaches the cell state of step t.",
                           scientific=True)


class LSTMFamily(gates.GatedFamily):
    gradient_tables = {f"dA_{g.k}": f"g_DA_{g.k}" for g in GATES}
    sum_notes = {k: v for g in GATES for k, v in g.sum_notes.items()}
    flow_note = ("|dh_t| is the gradient at the hidden state, |dc_t| at the cell state. The cell state's path "
                 "back, dc(t-1) = f_t ∘ dc_t, is a product of forget gates: it fades far more slowly than a plain "
                 "RNN's.")
    GATES = GATES
    h, dh_next, net_H, gen_H = h, dh_next, net_H, gen_H

    def forward_bands(self, S, L, t, letters, full):
        V, H = L.V, L.H
        S.band("Inputs of the step: the letter x_t, and h(t-1) and c(t-1) from the step before", [
            Part(x, t, "x_t", V, row_labels=letters), " ", Part(h_prev, t, "h(t-1)", H, row_labels=units(H)),
            Part(c_prev, t, "c(t-1)", H)],
            "x_t, h(t-1) → input gate i, forget gate f, output gate o, candidate g → c_t = f∘c(t-1) + i∘g "
            "→ h_t = o∘tanh(c_t)", detail=True)
        for g in GATES:
            g.forward_band(S, L, t, letters, full)
        S.band("c_t = f_t ∘ c(t-1) + i_t ∘ g_t: the cell state", [
            Part(fc, t, "f∘c(t-1)", H, row_labels=units(H)), "+", Part(ig, t, "i∘g", H), "=", Part(c, t, "c_t", H)])
        S.band("h_t = o_t ∘ tanh(c_t): the new hidden state", [
            Part(tc, t, "tanh(c_t)", H, row_labels=units(H)), "→", Part(h, t, "h_t = o∘tanh(c_t)", H)])
        L.name(f"c_{t}", (c, t))

    def backward_bands(self, S, L, t, letters, contributions):
        H, V, u = L.H, L.V, units(L.H)
        S.band("From Step t: the gates, c(t-1) and tanh(c_t)", [
            Part(I.b_act, t, "i_t", H, row_labels=u), Part(F.b_act, t, "f_t", H), Part(O.b_act, t, "o_t", H),
            Part(G.b_act, t, "g_t", H), " ", Part(b_cprev, t, "c(t-1)", H), Part(b_tc, t, "tanh(c_t)", H)],
            detail=True)
        nxt = "dc_next = 0: nothing comes back from after the last step" if t == L.T else f"dc_next from Back {t + 1}"
        S.band("dc_t = dh_t ∘ o_t ∘ (1 - tanh(c_t)²) + dc_next: the error reaching the cell state", [
            Part(dc_next_link, t, "dc_next", H, row_labels=u), "→", Part(dc, t, "dc_t", H)], nxt)
        S.band("Each gate's error after its activation", [
            Part(d_i, t, "di = dc∘g", H, row_labels=u), Part(d_f, t, "df = dc∘c(t-1)", H),
            Part(d_o, t, "do = dh∘tanh(c)", H), Part(d_g, t, "dg = dc∘i", H)])
        S.band("... and before it: da_k = dk∘k∘(1-k) for the σ gates, da_g = dg∘(1-g²)", [
            Part(g.da, t, f"da_{g.k}", H, row_labels=u if g is I else None) for g in GATES])
        if contributions:
            S.band("x_t and h(t-1), which this step's contributions multiply", [
                Part(b_x, t, "x_t", V, row_labels=letters), " ", Part(b_hprev, t, "h(t-1)", H, row_labels=u)],
                detail=True)
            for g in GATES:
                g.contribution_band(S, L, t, letters)
        S.band("dh_next = Σ_k Whkᵀ · da_k and dc_next = f_t ∘ dc_t: handed back to the step before" if t > 1 else
               "dh_next and dc_next (the first step: nothing earlier receives them)", shown(L, [
                   Part(g.b_Wh, t, g.gate.params[1], H, H, u if g is I else None, u) for g in GATES] + [
                   " ", Part(dh_next, t, "dh_next", H, row_labels=u), Part(dc_next, t, "dc_next", H)], contributions),
               detail=True)

    def network_tables(self, slot):
        return {f"dA_{g.k}": (f"net_dA_{g.k}", slot) for g in GATES}

    def network_cell_bands(self, S, L, slot, title):
        S.band(f"{title}: the gates, one row per time step", [
            p for g in GATES for p in (g.table_part(L, g.net_act, slot), " ")][:-1])

    def network_parts(self, L, slot):
        T, H, labels = L.T + 1, L.H, ["t=0"] + steps(L.T)
        return [Part(net_C, slot, "c_t (row t=0: c_0 = 0)", T, H, labels, units(H)), " ",
                Part(net_H, slot, "h_t (row t=0: h_0 = 0)", T, H, labels, units(H))]

    def network_back_bands(self, S, L, slot, title):
        T, H, labels = L.T, L.H, steps(L.T)
        S.band(f"{title}: back through time (row t gets dh_next and dc_next from row t+1)", [
            Part(net_dH, slot, "dh_t", T, H, labels, units(H)), " ", Part(net_dC, slot, "dc_t", T, H, labels, units(H))])
        S.band(f"{title}: each gate's error before its activation", [
            p for q in NET_DA for p in (Part(q, slot, q.kind[len("net_"):], T, H, labels, units(H)), " ")][:-1])

    def generate_parts(self, L, labels):
        N, H = len(labels), L.H
        rows = ["g=0"] + labels
        return [p for g in GATES for p in (g.table_part(L, g.gen_act, None, labels), " ")] + [
            Part(gen_C, None, "c (row 0: c_0 = 0)", N + 1, H, rows, units(H)), " ",
            Part(gen_H, None, "h (row 0: h_0 = 0)", N + 1, H, rows, units(H))]

    def flow_parts(self, L):
        L.name("cell_grad_norms", cell_grad_norms)
        return [Part(cell_grad_norms, None, "|dc_t|", L.T)]

    def flow_series(self, L):
        return [("|dc_t|", cell_grad_norms)]
