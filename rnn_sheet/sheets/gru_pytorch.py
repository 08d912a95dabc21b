"""The reset-after GRU's sheets (--model gru-pytorch, model/cells/gated.py): the gates z and r are the
gru family's (gru.py), and so are h_t = (1 - z) ∘ n + z ∘ h(t-1) and its rows; what differs is the
candidate, n = tanh(Wxn·x + bn + r ∘ (Whn·h' + bhn)): r multiplies Whn·h' + bhn (wh_n), after the
product, so the error reaching wh_n is dwh = da_n ∘ r, and dr = da_n ∘ wh_n.

  Step t   x_t, h(t-1); z, r; the candidate: Wxn·x_t, Whn·h(t-1) + bhn, r ∘ (that), + bn, n; h_t
  Back t   dn and dz through h_t; da_n, dwh = da_n ∘ r, dr = da_n ∘ wh_n; da_z, da_r; contributions;
           dh_next = dh ∘ z + Whnᵀ·dwh + Whzᵀ·da_z + Whrᵀ·da_r
GRUPyTorchFamily subclasses the gru family (gru.GRUFamily).
"""
from dataclasses import replace

from ..model.cells import GRUPyTorchCell
from ..model.cells.base import recurrent_term
from . import gates, gru
from .backward import b_hprev, dh
from .forward import h_prev
from .gru import R, Z, h_row
from .layout import Part, shown, units
from .lessons import final_weights, gen_X
from .parameters import weight
from .quantity import Heat, Quantity, after_zero_row, backward_at, computed, forward_at, link, param_link
from .training import net_dY, net_WhyT, table, weights

EQUATION = "n_t = tanh(Wxn · x_t + bn + r_t ∘ (Whn · h(t-1) + bhn))"


class ResetAfter(gates.GateSheets):
    """The candidate n: a gate whose Wh-side, Whn·h' + bhn, is multiplied by r before the sum."""

    def __init__(self, gate):
        super().__init__(gate, {"bn": "bn: the candidate's input-side bias (torch's b_in). An input."})
        self.equation = EQUATION
        self.bhn = weight("bhn", "bhn: the candidate's recurrent bias, inside r ∘ (Whn·h(t-1) + bhn) "
                                 "(torch's b_hn). An input.")
        self.bhn_link = param_link("bhn_link", "bhn", "A linked copy of bhn from Parameters.")
        self.wh = replace(self.wh, note="Whn · h(t-1) + bhn: what the reset gate then scales")
        self.a = replace(self.a, note="a_n = Wxn · x_t + bn + r_t ∘ (Whn · h(t-1) + bhn)")
        self.act = replace(self.act, note=f"{EQUATION}: the candidate (reset-after, as torch.nn.GRU).")
        self.net_act = replace(self.net_act, note=f"{EQUATION}, one row per step.")
        self.gen_act = replace(self.gen_act, note=f"{EQUATION}, one row per generated letter.")
        self.dbhn_t = Quantity("dbhn_t", lambda c, t: c.B.steps["bhn"][t - 1], lambda L, t, i, j: L[dwh, t].ref(i),
                               "dbhn_t = dwh_t", heat=Heat.DIVERGING)
        self.sum_notes = {"Wxn": "dWxn = Σ_t da_n · x_tᵀ", "Whn": "dWhn = Σ_t dwh_t · h(t-1)ᵀ",
                          "bn": "dbn = Σ_t da_n", "bhn": "dbhn = Σ_t dwh_t"}

    def _wh(self, L, t, i, j):
        return recurrent_term(f"MMULT({L[self.Wh_link, t].row_range(i)},{L[h_prev, t].range()})", L[self.bhn_link, t].ref(i))

    def _a(self, L, t, i, j):
        return f"{L[self.wx, t].ref(i)}+{L[self.b_link, t].ref(i)}+{L[rwh, t].ref(i)}"

    def _dWh_t(self, L, t, i, j):
        return f"{L[dwh, t].ref(i)}*{L[b_hprev, t].ref(j)}"

    def table_row(self, W, X, Rt, WH, r, i):
        """n of unit i at table row r: x in row r of X, r in row r of Rt, Whn·h' + bhn in row r of WH."""
        return self.gate.activation.formula(f"SUMPRODUCT({W('Wxn').row_range(i)},{X.row_range(r)})+{W('bn').ref(i)}"
                                            f"+{Rt.ref(r, i)}*{WH.ref(r, i)}", compound=True)

    def _net_act(self, L, slot, t, i):
        return self.table_row(weights(L, slot), table(L, "net_X", slot), L[R.net_act, slot], L[net_WH, slot], t, i)

    def _gen_act(self, L, t, g, i):
        return self.table_row(final_weights(L), L[gen_X], L[R.gen_act], L[gen_WH], g, i)

    def param(self, name):
        return self.bhn if name == "bhn" else super().param(name)

    def param_parts(self, L, letters, quantity, t, caption):
        return super().param_parts(L, letters, quantity, t, caption) + [
            " ", Part(quantity("bhn"), t, caption("bhn"), L.H, row_labels=units(L.H))]


N = ResetAfter(GRUPyTorchCell.gates[2])
GATES = [Z, R, N]


# --- Step t ---------------------------------------------------------------------------------------

@computed("r_t ∘ (Whn · h(t-1) + bhn): the reset gate scales the memory's share of the candidate.",
          forward_at("rwh"), exercise=True)
def rwh(L, t, i, j):
    return f"{L[R.act, t].ref(i)}*{L[N.wh, t].ref(i)}"


zn, h = gru.new_state(N)


# --- Back t ---------------------------------------------------------------------------------------

b_wh = link("b_wh_n", "wh_n", "Whn · h(t-1) + bhn from the forward step sheet.", forward_at("wh_n"))


def _after(kind, note, formula):
    return Quantity(kind, backward_at(kind), formula, note, heat=Heat.DIVERGING)


d_n, d_z = gru.errors_through_h(N)
dwh = _after("dwh", "dwh_t = da_n ∘ r_t: the error reaching Whn · h(t-1) + bhn.",
             lambda L, t, i, j: f"{L[N.da, t].ref(i)}*{L[R.b_act, t].ref(i)}")
d_r = _after("d_r", "dr_t = da_n ∘ (Whn · h(t-1) + bhn)", lambda L, t, i, j: f"{L[N.da, t].ref(i)}*{L[b_wh, t].ref(i)}")


@computed("dh_next = dh_t ∘ z_t + Whnᵀ · dwh_t + Whzᵀ · da_z + Whrᵀ · da_r: handed back to step t-1.",
          backward_at("dh_next"))
def dh_next(L, t, i, j):
    kept = GRUPyTorchCell.kept_back(L[dh, t].ref(i), L[Z.b_act, t].ref(i))
    return (f"{kept}+SUMPRODUCT({L[N.b_Wh, t].col_range(i)},{L[dwh, t].range()})+"
            + gates.handed_back(L, [Z, R], t, i))


# --- Gradients ------------------------------------------------------------------------------------

@computed("dwh_t, one row per time step.", lambda c, t: c.B.hidden["dwh"], heat=Heat.DIVERGING)
def g_DWH(L, t, s, i):
    return L[dwh, s + 1].ref(i, 0)


# --- network blocks (Update, Training) and Generate -----------------------------------------------

def wh_row(W, Ht, r, i):
    """Whn·h' + bhn of step r+1, from the hidden table's row r (h_r, row 0: h_0)."""
    return recurrent_term(f"SUMPRODUCT({W('Whn').row_range(i)},{Ht.row_range(r)})", W('bhn').ref(i))


@computed("Whn · h(t-1) + bhn, one row per step.", lambda c, s: c.record(s).fwd.hidden["wh_n"])
def net_WH(L, slot, t, i):
    return wh_row(weights(L, slot), L[net_H, slot], t, i)


@computed("h_t = (1 - z_t) ∘ n_t + z_t ∘ h(t-1), one row per step; row 0 is h_0 = 0.",
          lambda c, s: after_zero_row(c.record(s).fwd.h))
def net_H(L, slot, r, i):
    return None if r == 0 else h_row(L[Z.net_act, slot], L[N.net_act, slot], L[net_H, slot], r, i)


@computed("dh_t = Whyᵀ · dy_t + dh_next (from row t+1), from the last step up.", lambda c, s: c.record(s).bwd.dh,
          heat=Heat.DIVERGING)
def net_dH(L, slot, t, i):
    out = f"SUMPRODUCT({L[net_WhyT, slot].row_range(i)},{L[net_dY, slot].row_range(t)})"
    if t == L.T - 1:
        return out
    n = t + 1
    kept = GRUPyTorchCell.kept_back(L[net_dH, slot].ref(n, i), L[Z.net_act, slot].ref(n, i))
    through_n = f"SUMPRODUCT({L[N.net_WhT, slot].row_range(i)},{L[net_dWH, slot].row_range(n)})"
    return f"{out}+{kept}+{through_n}+" + gates.network_handed_back(L, [Z, R], slot, n, i)


@computed("dwh_t = da_n ∘ r_t", lambda c, s: c.record(s).bwd.hidden["dwh"], heat=Heat.DIVERGING)
def net_dWH(L, slot, t, i):
    return f"{L[NET_DA[2], slot].ref(t, i)}*{L[R.net_act, slot].ref(t, i)}"


NET_DA = [
    gru.network_da(Z, gru.network_update_error(N)),
    gru.network_da(R, lambda L, s, t, i: f"{L[NET_DA[2], s].ref(t, i)}*{L[net_WH, s].ref(t, i)}"),
    gru.network_da(N, gru.network_new_error),
]


@computed("Whn · h_prev + bhn, one row per generated letter.", lambda c, t: c.generated.hidden["wh_n"])
def gen_WH(L, t, g, i):
    return wh_row(final_weights(L), L[gen_H], g, i)


@computed("h = (1 - z) ∘ n + z ∘ h_prev; row 0 is h_0 = 0.", lambda c, t: after_zero_row(c.generated.h))
def gen_H(L, t, r, i):
    return None if r == 0 else h_row(L[Z.gen_act], L[N.gen_act], L[gen_H], r, i)


class GRUPyTorchFamily(gru.GRUFamily):
    """The GRU family with its own candidate n and, beside n, Whn·h(t-1) + bhn (and dwh going back)."""
    GATES = GATES
    gradient_tables = {**{f"dA_{g.k}": f"g_DA_{g.k}" for g in GATES}, "DWH": "g_DWH"}
    sum_notes = {**Z.sum_notes, **R.sum_notes, **N.sum_notes}
    h, dh_next, net_H, net_dH, gen_H, NET_DA = h, dh_next, net_H, net_dH, gen_H, NET_DA
    g_beside_n, net_beside_n, net_back_beside_n, gen_beside_n = (
        (g_DWH, "dwh_t"), (net_WH, "Whn·h(t-1)+bhn"), (net_dWH, "dwh = da_n∘r"), (gen_WH, "Whn·h+bhn"))

    def detail_cells(self, V, H, cell):
        return super().detail_cells(V, H, cell) + 2 * H

    flow = ("x_t, h(t-1) → update gate z, reset gate r → candidate n = tanh(Wxn·x + bn + r∘(Whn·h(t-1) + bhn)) → "
            "h_t = (1-z)∘n + z∘h(t-1)")
    zn, d_n, d_z, b_beside_n = zn, d_n, d_z, (b_wh, "Whn·h(t-1)+bhn", "Whn·h(t-1) + bhn")

    def candidate_bands(self, S, L, t, letters, full):
        V, H, u = L.V, L.H, units(L.H)
        S.band(f"Candidate: {EQUATION}", shown(L, [
            Part(N.Wx_link, t, "Wxn", H, V, u, letters), Part(N.wx, t, "Wxn·x_t", H), " ",
            Part(N.Wh_link, t, "Whn", H, H, None, u), Part(N.bhn_link, t, "bhn", H), Part(N.wh, t, "Whn·h(t-1)+bhn", H),
            Part(rwh, t, "r∘(Whn·h(t-1)+bhn)", H), " ", Part(N.b_link, t, "bn", H), "→", Part(N.a, t, "sum", H),
            Part(N.act, t, "n_t = tanh(sum)", H)], full))
        L.name(f"n_{t}", (N.act, t))

    def candidate_back_band(self, S, L, t, contributions):
        H, u = L.H, units(L.H)
        S.band("Back through n's tanh, then through r ∘ (Whn·h(t-1) + bhn) to r and to Whn·h(t-1) + bhn", [
            Part(N.da, t, "da_n = dn∘(1-n²)", H, row_labels=u), " ", Part(dwh, t, "dwh = da_n∘r", H),
            Part(d_r, t, "dr = da_n∘(Whn·h(t-1)+bhn)", H)])

    def candidate_contribution_band(self, S, L, t, letters):
        H, V, u = L.H, L.V, units(L.H)
        S.band("Candidate: this step's gradient contributions", [
            Part(N.dWx_t, t, "dWxn_t = da_n·x_tᵀ", H, V, u, letters), " ",
            Part(N.dWh_t, t, "dWhn_t = dwh·h(t-1)ᵀ", H, H, u, u), " ", Part(N.db_t, t, "dbn_t", H), " ",
            Part(N.dbhn_t, t, "dbhn_t", H)], detail=True)

    def handed_back_band(self, S, L, t, contributions):
        H, u = L.H, units(L.H)
        S.band("dh_next = dh∘z + Whnᵀ·dwh + Whzᵀ·da_z + Whrᵀ·da_r: handed back to the step before" if t > 1 else
               "dh_next (the first step: nothing earlier receives it)", shown(L, [
                   Part(N.b_Wh, t, "Whn", H, H, u, u), " ", Part(Z.b_Wh, t, "Whz", H, H, None, u), " ",
                   Part(R.b_Wh, t, "Whr", H, H, None, u), " ", Part(dh_next, t, "dh_next", H, row_labels=u)], contributions),
               detail=True)

    def sum_over_time(self, L, name, i, j, tables):
        if name == "Whn":
            return f"SUMPRODUCT({L[tables['DWH']].col_range(i)},{L[tables['H']].span(0, j, L.T - 1, j)})"
        if name == "bhn":
            return f"SUM({L[tables['DWH']].col_range(i)})"
        return super().sum_over_time(L, name, i, j, tables)

    def network_tables(self, slot):
        return {**{f"dA_{g.k}": (q, slot) for g, q in zip(GATES, NET_DA)}, "DWH": (net_dWH, slot)}
