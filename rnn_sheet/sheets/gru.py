"""The GRU's sheets (model/cells/gated.py): the update gate z, the reset gate r and the candidate n
(gates.py), whose recurrent weights multiply r ∘ h(t-1), and h_t = (1 - z) ∘ n + z ∘ h(t-1).

  Step t   x_t, h(t-1); z, r; r ∘ h(t-1); n; h_t
  Back t   dn and dz through h_t, back through n to r, each gate's error before its activation, the
           contributions, and dh_next handed to step t-1
GRUFamily (a gates.GatedFamily) holds the hooks the shared sheets call (sheets/family.py).
"""
from ..model.cells import GRUCell
from . import gates
from .backward import b_hprev, b_x, dh
from .forward import h_prev, x
from .layout import Part, shown, steps, units
from .quantity import Heat, Quantity, after_zero_row, backward_at, computed, forward_at, link, param_link
from .training import net_dY, net_WhyT

GATES = [gates.GateSheets(g) for g in GRUCell.gates]
Z, R, N = GATES


# --- Step t ---------------------------------------------------------------------------------------

@computed("r_t ∘ h(t-1): the reset gate decides how much of the memory the candidate sees.", forward_at("rh"))
def rh(L, t, i, j):
    return GRUCell.reset_formula(L[R.act, t].ref(i), L[h_prev, t].ref(i))


@computed("z_t ∘ h(t-1): the old state kept, where z is near 1.", forward_at("zh"), exercise=True)
def zh(L, t, i, j):
    return GRUCell.kept_term(L[Z.act, t].ref(i), L[h_prev, t].ref(i))


def new_state(n_gate):
    """(1 - z_t) ∘ n_t and h_t on Step t, n_gate the family's candidate (reset-before here, reset-after
    in gru_pytorch.py)."""
    zn = Quantity("zn", forward_at("zn"),
                  lambda L, t, i, j: GRUCell.new_term(L[Z.act, t].ref(i), L[n_gate.act, t].ref(i)),
                  "(1 - z_t) ∘ n_t: the new candidate, where the update gate z is small.", exercise=True)
    h = Quantity("h", forward_at("h"), lambda L, t, i, j: f"{L[zn, t].ref(i)}+{L[zh, t].ref(i)}",
                 "h_t = (1 - z_t) ∘ n_t + z_t ∘ h(t-1): between the candidate and the old state.", exercise=True)
    return zn, h


zn, h = new_state(N)


# --- Back t ---------------------------------------------------------------------------------------

b_rh = link("b_rh", "rh", "r_t ∘ h(t-1) from the forward step sheet.", forward_at("rh"))
b_Whn = param_link("b_Whn", "Whn", "Whn from Parameters (its transpose carries da_n back to r ∘ h(t-1)).")


def _after(kind, note, formula, **kw):
    return Quantity(kind, backward_at(kind), formula, note, heat=Heat.DIVERGING, **kw)


def errors_through_h(n_gate):
    """dn_t and dz_t on Back t, n_gate the family's candidate."""
    return (_after("d_n", "dn_t = dh_t ∘ (1 - z_t)",
                   lambda L, t, i, j: GRUCell.new_error(L[dh, t].ref(i), L[Z.b_act, t].ref(i))),
            _after("d_z", "dz_t = dh_t ∘ (h(t-1) - n_t)", lambda L, t, i, j: GRUCell.update_error(
                L[dh, t].ref(i), L[b_hprev, t].ref(i), L[n_gate.b_act, t].ref(i))))


d_n, d_z = errors_through_h(N)
d_rh = _after("drh", "d(r∘h)_t = Whnᵀ · da_n: the error reaching r_t ∘ h(t-1).",
              lambda L, t, i, j: f"SUMPRODUCT({L[b_Whn, t].col_range(i)},{L[N.da, t].range()})")
d_r = _after("d_r", "dr_t = d(r∘h)_t ∘ h(t-1)", lambda L, t, i, j: f"{L[d_rh, t].ref(i)}*{L[b_hprev, t].ref(i)}")


@computed("dh_next = dh_t ∘ z_t + d(r∘h)_t ∘ r_t + Whzᵀ · da_z + Whrᵀ · da_r: handed back to step t-1.",
          backward_at("dh_next"))
def dh_next(L, t, i, j):
    return (f"{GRUCell.kept_back(L[dh, t].ref(i), L[Z.b_act, t].ref(i))}+{L[d_rh, t].ref(i)}*{L[R.b_act, t].ref(i)}+"
            + gates.handed_back(L, [Z, R], t, i))


# --- Gradients ------------------------------------------------------------------------------------

@computed("r_t ∘ h(t-1), one row per time step.", lambda c, t: c.F.hidden["rh"])
def g_RH(L, t, s, i):
    return L[rh, s + 1].ref(i, 0)


# --- network blocks (Update, Training) and Generate -----------------------------------------------

def rh_row(Rt, Ht, r, i):
    """r ∘ h' of step r+1: the reset gate's row r against the hidden table's row r (h_r, row 0: h_0)."""
    return GRUCell.reset_formula(Rt.ref(r, i), Ht.ref(r, i))


def h_row(Zt, Nt, Ht, r, i):
    """h_r = (1 - z) ∘ n + z ∘ h_(r-1) for row r >= 1 of a hidden table whose row 0 is h_0 = 0."""
    return GRUCell.state_formula(Zt.ref(r - 1, i), Nt.ref(r - 1, i), Ht.ref(r - 1, i))


@computed("r_t ∘ h(t-1), one row per step.", lambda c, s: c.record(s).fwd.hidden["rh"])
def net_RH(L, slot, t, i):
    return rh_row(L[R.net_act, slot], L[net_H, slot], t, i)


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
    kept = GRUCell.kept_back(L[net_dH, slot].ref(n, i), L[Z.net_act, slot].ref(n, i))
    reset = f"{L[net_dRH, slot].ref(n, i)}*{L[R.net_act, slot].ref(n, i)}"
    return f"{out}+{kept}+{reset}+" + gates.network_handed_back(L, [Z, R], slot, n, i)


@computed("d(r∘h)_t = Whnᵀ · da_n", lambda c, s: c.record(s).bwd.hidden["drh"], heat=Heat.DIVERGING)
def net_dRH(L, slot, t, i):
    return f"SUMPRODUCT({L[N.net_WhT, slot].row_range(i)},{L['net_dA_n', slot].row_range(t)})"


def network_da(g, after):
    def formula(L, slot, t, i):
        return gates.slope(g.gate, after(L, slot, t, i), L[g.net_act, slot].ref(t, i))
    return Quantity(f"net_dA_{g.k}", lambda c, s: c.record(s).bwd.hidden[f"da_{g.k}"], formula,
                    f"da_{g.k}, one row per step.", heat=Heat.DIVERGING)


def network_new_error(L, s, t, i):
    """dn in row t of a network block (the family's net_dH)."""
    return GRUCell.new_error(L[L.family.net_dH, s].ref(t, i), L[Z.net_act, s].ref(t, i))


def network_update_error(n_gate):
    """dz in row t of a network block (row t of net_H is h(t-1)), n_gate the family's candidate."""
    return lambda L, s, t, i: GRUCell.update_error(L[L.family.net_dH, s].ref(t, i), L[L.family.net_H, s].ref(t, i),
                                                   L[n_gate.net_act, s].ref(t, i))


NET_DA = [
    network_da(Z, network_update_error(N)),
    network_da(R, lambda L, s, t, i: f"{L[net_dRH, s].ref(t, i)}*{L[net_H, s].ref(t, i)}"),
    network_da(N, network_new_error),
]


@computed("r ∘ h_prev, one row per generated letter.", lambda c, t: c.generated.hidden["rh"])
def gen_RH(L, t, g, i):
    return rh_row(L[R.gen_act], L[gen_H], g, i)


@computed("h = (1 - z) ∘ n + z ∘ h_prev; row 0 is h_0 = 0.", lambda c, t: after_zero_row(c.generated.h))
def gen_H(L, t, r, i):
    return None if r == 0 else h_row(L[Z.gen_act], L[N.gen_act], L[gen_H], r, i)


class GRUFamily(gates.GatedFamily):
    """The reset-before GRU. The reset-after form (gru_pytorch.GRUPyTorchFamily) differs in its candidate
    n, which it draws with its own candidate_bands, candidate_back_band, candidate_contribution_band and
    handed_back_band, and in the tables beside n, which the class attributes name: here r∘h(t-1) (and
    d(r∘h) going back)."""
    GATES = GATES
    gradient_tables = {**{f"dA_{g.k}": f"g_DA_{g.k}" for g in GATES}, "RH": "g_RH"}
    sum_notes = {k: v for g in GATES for k, v in g.sum_notes.items()}
    flow_note = ("|dh_t| is the gradient at the hidden state. Where z is near 1 the GRU copies h(t-1) into h_t, "
                 "and the gradient flows back through that copy almost unchanged.")
    h, dh_next, net_H, net_dH, gen_H, NET_DA = h, dh_next, net_H, net_dH, gen_H, NET_DA
    # the table beside n, with its caption: on Gradients, in a network block (forward, backward), on Generate
    g_beside_n, net_beside_n, net_back_beside_n, gen_beside_n = (
        (g_RH, "r∘h(t-1)"), (net_RH, "r∘h(t-1)"), (net_dRH, "d(r∘h)"), (gen_RH, "r∘h"))

    # what Step t and Back t show around the candidate, which the reset-after form draws its own way
    flow = "x_t, h(t-1) → update gate z, reset gate r → candidate n from r∘h(t-1) → h_t = (1-z)∘n + z∘h(t-1)"
    zn, d_n, d_z, b_beside_n = zn, d_n, d_z, (b_rh, "r∘h(t-1)", "r∘h(t-1)")     # (link, caption, in the title)

    def forward_bands(self, S, L, t, letters, full):
        V, H, u = L.V, L.H, units(L.H)
        S.band("Inputs of the step: the letter x_t, and h(t-1) from the step before", [
            Part(x, t, "x_t", V, row_labels=letters), " ", Part(h_prev, t, "h(t-1)", H, row_labels=u)], self.flow,
            detail=True)
        Z.forward_band(S, L, t, letters, full)
        R.forward_band(S, L, t, letters, full)
        self.candidate_bands(S, L, t, letters, full)
        S.band("h_t = (1 - z_t) ∘ n_t + z_t ∘ h(t-1): the new hidden state", [
            Part(self.zn, t, "(1-z)∘n", H, row_labels=u), "+", Part(zh, t, "z∘h(t-1)", H), "=", Part(self.h, t, "h_t", H)])

    def candidate_bands(self, S, L, t, letters, full):
        S.band("r_t ∘ h(t-1): the memory the candidate sees", [Part(rh, t, "r∘h(t-1)", L.H, row_labels=units(L.H))],
               detail=True)
        N.forward_band(S, L, t, letters, full)

    def backward_bands(self, S, L, t, letters, contributions):
        H, V, u = L.H, L.V, units(L.H)
        n_act = self.GATES[2].b_act
        beside, caption, title = self.b_beside_n
        S.band(f"From Step t: the gates, h(t-1) and {title}", [
            Part(Z.b_act, t, "z_t", H, row_labels=u), Part(R.b_act, t, "r_t", H), Part(n_act, t, "n_t", H), " ",
            Part(b_hprev, t, "h(t-1)", H), Part(beside, t, caption, H)], detail=True)
        S.band("Through h_t = (1 - z) ∘ n + z ∘ h(t-1): the errors of n and z", [
            Part(self.d_n, t, "dn = dh∘(1-z)", H, row_labels=u), Part(self.d_z, t, "dz = dh∘(h(t-1)-n)", H)])
        self.candidate_back_band(S, L, t, contributions)
        S.band("Back through the σ of z and r: da_k = dk ∘ k ∘ (1 - k)", [
            Part(Z.da, t, "da_z", H, row_labels=u), Part(R.da, t, "da_r", H)])
        if contributions:
            S.band("x_t, which this step's input contributions multiply", [Part(b_x, t, "x_t", V, row_labels=letters)],
                   detail=True)
            Z.contribution_band(S, L, t, letters)
            R.contribution_band(S, L, t, letters)
            self.candidate_contribution_band(S, L, t, letters)
        self.handed_back_band(S, L, t, contributions)

    def candidate_back_band(self, S, L, t, contributions):
        H, u = L.H, units(L.H)
        S.band("Back through n's tanh, then through Whn to r ∘ h(t-1) and r", shown(L, [
            Part(N.da, t, "da_n = dn∘(1-n²)", H, row_labels=u), " ", Part(b_Whn, t, "Whn", H, H, u, u), " ",
            Part(d_rh, t, "d(r∘h) = Whnᵀ·da_n", H), Part(d_r, t, "dr = d(r∘h)∘h(t-1)", H)], contributions))

    def candidate_contribution_band(self, S, L, t, letters):
        N.contribution_band(S, L, t, letters)

    def handed_back_band(self, S, L, t, contributions):
        H, u = L.H, units(L.H)
        S.band("dh_next = dh∘z + d(r∘h)∘r + Whzᵀ·da_z + Whrᵀ·da_r: handed back to the step before" if t > 1 else
               "dh_next (the first step: nothing earlier receives it)", shown(L, [
                   Part(Z.b_Wh, t, "Whz", H, H, u, u), " ", Part(R.b_Wh, t, "Whr", H, H, None, u), " ",
                   Part(dh_next, t, "dh_next", H, row_labels=u)], contributions), detail=True)

    def gradient_table_parts(self, L, letters):
        T, H = L.T, L.H
        q, caption = self.g_beside_n
        return super().gradient_table_parts(L, letters) + [Part(q, None, caption, T, H, steps(T), units(H)), " "]

    def network_tables(self, slot):
        return {**{f"dA_{g.k}": (f"net_dA_{g.k}", slot) for g in GATES}, "RH": ("net_RH", slot)}

    def network_cell_bands(self, S, L, slot, title):
        Z_, R_, N_ = self.GATES
        q, caption = self.net_beside_n
        S.band(f"{title}: the gates, one row per time step", [
            Z_.table_part(L, Z_.net_act, slot), " ", R_.table_part(L, R_.net_act, slot), " ",
            Part(q, slot, caption, L.T, L.H, steps(L.T), units(L.H), offset=1), " ", N_.table_part(L, N_.net_act, slot)])

    def network_back_bands(self, S, L, slot, title):
        T, H, labels = L.T, L.H, steps(L.T)
        q, caption = self.net_back_beside_n
        da_z, da_r, da_n = self.NET_DA
        S.band(f"{title}: back through time (row t gets dh_next from row t+1)", [
            Part(self.net_dH, slot, "dh_t", T, H, labels, units(H)), " ", Part(da_n, slot, "da_n", T, H, labels, units(H)),
            " ", Part(q, slot, caption, T, H, labels, units(H))])
        S.band(f"{title}: the gates' errors before their σ", [
            Part(da_z, slot, "da_z", T, H, labels, units(H)), " ", Part(da_r, slot, "da_r", T, H, labels, units(H))])

    def generate_parts(self, L, labels):
        N_, H = len(labels), L.H
        Zg, Rg, Ng = self.GATES
        q, caption = self.gen_beside_n
        return [Zg.table_part(L, Zg.gen_act, None, labels), " ", Rg.table_part(L, Rg.gen_act, None, labels), " ",
                Part(q, None, caption, N_, H, labels, units(H), offset=1), " ", Ng.table_part(L, Ng.gen_act, None, labels),
                " ", Part(self.gen_H, None, "h (row 0: h_0 = 0)", N_ + 1, H, ["g=0"] + labels, units(H))]
