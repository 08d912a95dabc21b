"""What every gate of the gated cells (model/cells/gated.py) shows, declared once for the LSTM and the
GRU: a gate is an activation of Wx*·x + Wh*·h' + b*, so its parameters, its band on Step t, its error
before the activation on Back t, its gradient contributions, its time-major tables (Gradients, Update,
Training, Generate) and its share of the sums over time are the same in both. What differs, a gate's
error after its activation (d_k) and the cell state, is the family's (lstm.py, gru.py).

Kinds, for gate k: Wxk Whk bk (inputs), wx_k wh_k a_k k (Step t), b_k d_k da_k dWxk_t dWhk_t dbk_t
(Back t), g_DA_k (Gradients), net_K net_dA_k net_WhkT (network blocks), gen_K (Generate).
"""
from ..model.cells.activations import SIGMOID
from ..model.cells.base import pre_activation, recurrent_term
from .backward import b_hprev, b_x, gradient
from .family import SheetFamily
from .layout import Part, shown, steps, units
from .lessons import final_weights, gen_X
from .parameters import weight
from .quantity import Heat, Quantity, Role, backward_at, forward_at, link, param_link
from .training import table, weights


def activation(gate, a, compound=False):
    """The gate's activation of `a` (a reference, or a compound expression) as formula text."""
    return gate.activation.formula(a, compound)


def slope(gate, d, k):
    """d ∘ (the activation's derivative, from its value k): σ' = k(1 - k), tanh' = 1 - k²."""
    return f"{d}*{gate.activation.slope_formula(k)}"


def symbol(gate):
    return gate.activation.symbol


def _contribution(name):
    return lambda c, t: c.B.steps[name][t - 1]


class GateSheets:
    """The quantities of one gate (a model Gate): rec is the kind of the vector its Wh multiplies on
    Step t (h_prev, or the GRU's rh), rec_label how the notes write it."""

    def __init__(self, gate, param_notes=None):
        self.gate = g = gate
        k, K = g.name, g.name.upper()
        self.k, self.K = k, K
        Wx, Wh, b = g.params
        self.rec, self.rec_label = ("rh", "r∘h(t-1)") if g.recurrent == "rh" else ("h_prev", "h(t-1)")
        self.equation = f"{k}_t = {symbol(g)}({Wx} · x_t + {Wh} · {self.rec_label} + {b})"
        notes = param_notes or {}
        self.Wx = weight(Wx, notes.get(Wx, f"{Wx}: the {g.title}'s input weights, one row per hidden unit, "
                                           "one column per letter. An input."))
        self.Wh = weight(Wh, notes.get(Wh, f"{Wh}: the {g.title}'s recurrent weights. An input."))
        self.b = weight(b, notes.get(b, f"{b}: the {g.title}'s bias. An input."))
        # Step t
        self.Wx_link = param_link(f"{Wx}_link", Wx, f"A linked copy of {Wx} from Parameters.")
        self.Wh_link = param_link(f"{Wh}_link", Wh, f"A linked copy of {Wh} from Parameters.")
        self.b_link = param_link(f"{b}_link", b, f"A linked copy of {b} from Parameters.")
        self.wx = Quantity(f"wx_{k}", forward_at(f"wx_{k}"), self._wx, f"{Wx} · x_t: the column of the input letter.",
                           exercise=True)
        self.wh = Quantity(f"wh_{k}", forward_at(f"wh_{k}"), self._wh, f"{Wh} · {self.rec_label} + {b}",
                           exercise=True)
        self.a = Quantity(f"a_{k}", forward_at(f"a_{k}"), self._a,
                          f"a_{k} = {Wx} · x_t + {Wh} · {self.rec_label} + {b}")
        self.act = Quantity(k, forward_at(k), self._act, f"{self.equation}: the {g.title}." + (
            " σ(a) = (1 + tanh(a/2)) / 2, between 0 and 1." if g.activation is SIGMOID else ""), exercise=True)
        # Back t
        self.b_act = link(f"b_{k}", k, f"{k}_t from the forward step sheet.", forward_at(k))
        self.da = Quantity(f"da_{k}", backward_at(f"da_{k}"), self._da, f"da_{k} = d{k} ∘ " + (
            f"{k}_t ∘ (1 - {k}_t): back through σ" if g.activation is SIGMOID else
            f"(1 - {k}_t²): back through tanh"), heat=Heat.DIVERGING, exercise=True)
        self.dWx_t = Quantity(f"d{Wx}_t", _contribution(Wx), self._dWx_t, f"d{Wx}_t = da_{k} · x_tᵀ",
                              heat=Heat.DIVERGING)
        self.dWh_t = Quantity(f"d{Wh}_t", _contribution(Wh), self._dWh_t, f"d{Wh}_t = da_{k} · {self.rec_label}ᵀ",
                              heat=Heat.DIVERGING)
        self.db_t = Quantity(f"d{b}_t", _contribution(b), self._db_t, f"d{b}_t = da_{k}", heat=Heat.DIVERGING)
        self.b_Wh = param_link(f"b_{Wh}", Wh, f"{Wh} from Parameters (its transpose carries da_{k} back).")
        # Gradients, network blocks, Generate
        self.g_DA = Quantity(f"g_DA_{k}", lambda c, t: c.B.hidden[f"da_{k}"], self._g_DA,
                             f"da_{k}, one row per time step.", heat=Heat.DIVERGING)
        self.net_act = Quantity(f"net_{K}", lambda c, s: c.record(s).fwd.hidden[k], self._net_act,
                                f"{self.equation}, one row per step.")
        self.net_WhT = Quantity(f"net_{Wh}T", lambda c, s: c.record(s).params[Wh].T, self._net_WhT, f"{Wh}ᵀ",
                                role=Role.LINK, heat=Heat.DIVERGING)
        self.gen_act = Quantity(f"gen_{K}", lambda c, t: c.generated.hidden[k], self._gen_act,
                                f"{self.equation}, one row per generated letter.")
        self.sum_notes = {Wx: f"d{Wx} = Σ_t da_{k} · x_tᵀ", Wh: f"d{Wh} = Σ_t da_{k} · {self.rec_label}ᵀ",
                          b: f"d{b} = Σ_t da_{k}"}

    # --- formulas ---

    def _wx(self, L, t, i, j):
        return f"MMULT({L[self.Wx_link, t].row_range(i)},{L['x', t].range()})"

    def _wh(self, L, t, i, j):
        return recurrent_term(f"MMULT({L[self.Wh_link, t].row_range(i)},{L[self.rec, t].range()})", L[self.b_link, t].ref(i))

    def _a(self, L, t, i, j):
        return pre_activation(L[self.wx, t].ref(i), L[self.wh, t].ref(i))

    def _act(self, L, t, i, j):
        return activation(self.gate, L[self.a, t].ref(i))

    def _da(self, L, t, i, j):
        return slope(self.gate, L[f"d_{self.k}", t].ref(i), L[self.b_act, t].ref(i))

    def _dWx_t(self, L, t, i, j):
        return f"{L[self.da, t].ref(i)}*{L[b_x, t].ref(j)}"

    def _dWh_t(self, L, t, i, j):
        rec = L[b_hprev, t] if self.rec == "h_prev" else L["b_rh", t]
        return f"{L[self.da, t].ref(i)}*{rec.ref(j)}"

    def _db_t(self, L, t, i, j):
        return L[self.da, t].ref(i)

    def _g_DA(self, L, t, s, i):
        return L[self.da, s + 1].ref(i, 0)

    def row(self, W, X, R, r, i):
        """The gate of unit i at table row r, from x in row r of X and h' (or r∘h') in row r of R."""
        Wx, Wh, b = (W(n) for n in self.gate.params)
        return activation(self.gate, pre_activation(f"SUMPRODUCT({Wx.row_range(i)},{X.row_range(r)})", recurrent_term(
            f"SUMPRODUCT({Wh.row_range(i)},{R.row_range(r)})", b.ref(i))), compound=True)

    def _net_act(self, L, slot, t, i):
        R = L[L.family.net_H, slot] if self.rec == "h_prev" else L["net_RH", slot]
        return self.row(weights(L, slot), table(L, "net_X", slot), R, t, i)

    def _net_WhT(self, L, slot, i, j):
        return weights(L, slot)(self.gate.params[1]).ref(j, i)

    def _gen_act(self, L, t, g, i):
        R = L[L.family.gen_H] if self.rec == "h_prev" else L["gen_RH"]
        return self.row(final_weights(L), L[gen_X], R, g, i)

    def param(self, name):
        return {self.Wx.kind: self.Wx, self.Wh.kind: self.Wh, self.b.kind: self.b}[name]

    # --- parts ---

    def param_parts(self, L, letters, quantity, t, caption):
        H, V = L.H, L.V
        Wx, Wh, b = self.gate.params
        return [Part(quantity(Wx), t, caption(Wx), H, V, units(H), letters), " ",
                Part(quantity(Wh), t, caption(Wh), H, H, units(H), units(H)), " ",
                Part(quantity(b), t, caption(b), H, row_labels=units(H))]

    def forward_band(self, S, L, t, letters, full):
        H, V = L.H, L.V
        Wx, Wh, b = self.gate.params
        S.band(f"{self.gate.title.capitalize()}: {self.equation}", shown(L, [
            Part(self.Wx_link, t, Wx, H, V, units(H), letters), Part(self.wx, t, f"{Wx}·x_t", H), " ",
            Part(self.Wh_link, t, Wh, H, H, None, units(H)), Part(self.b_link, t, b, H),
            Part(self.wh, t, f"{Wh}·{self.rec_label}+{b}", H), "→", Part(self.a, t, "sum", H),
            Part(self.act, t, f"{self.k}_t = {symbol(self.gate)}(sum)", H)], full))
        L.name(f"{self.k}_{t}", (self.act, t))

    def contribution_band(self, S, L, t, letters):
        H, V = L.H, L.V
        Wx, Wh, b = self.gate.params
        S.band(f"{self.gate.title.capitalize()}: this step's gradient contributions", [
            Part(self.dWx_t, t, f"d{Wx}_t = da_{self.k}·x_tᵀ", H, V, units(H), letters), " ",
            Part(self.dWh_t, t, f"d{Wh}_t = da_{self.k}·{self.rec_label}ᵀ", H, H, units(H), units(H)), " ",
            Part(self.db_t, t, f"d{b}_t", H)], detail=True)

    def table_part(self, L, quantity, slot, labels=None):
        """A gate's table, one row per step, a row below the tables that start with the zero state."""
        labels = labels or steps(L.T)
        return Part(quantity, slot, f"{self.k}_t", len(labels), L.H, labels, units(L.H), offset=1)


def handed_back(L, gate_sheets, t, i):
    """Σ_k Whkᵀ · da_k for unit i: column i of each Whk against da_k (both vertical, no TRANSPOSE)."""
    return "+".join(f"SUMPRODUCT({L[G.b_Wh, t].col_range(i)},{L[G.da, t].range()})" for G in gate_sheets)


def network_handed_back(L, gate_sheets, slot, t, i):
    """The same in a network block: row i of each Whkᵀ copy against row t of the dA_k table."""
    return "+".join(f"SUMPRODUCT({L[G.net_WhT, slot].row_range(i)},{L[f'net_dA_{G.k}', slot].row_range(t)})"
                    for G in gate_sheets)


class GatedFamily(SheetFamily):
    """What the gated families (lstm.py, gru.py, gru_pytorch.py) share: their gates' parameters,
    gradients, sums over time, weights in a network block and Whkᵀ copies beside its backward tables."""
    GATES: list[GateSheets] = []

    def detail_cells(self, V, H, cell):
        return len(self.GATES) * (2 * (H * V + H * H + H) + H * H) + 3 * V * H + 2 * V

    def parameter_bands(self, S, L, letters):
        shapes = {"Wx": "hidden × vocabulary", "Wh": "hidden × hidden"}
        for G in self.GATES:
            S.band(f"{G.gate.title.capitalize()} {G.k}", G.param_parts(
                L, letters, G.param, None, lambda n: f"{n} ({shapes[n[:2]]})" if n[:2] in shapes else n))

    def gradient_table_parts(self, L, letters):
        T, H = L.T, L.H
        return [p for g in self.GATES for p in (Part(g.g_DA, None, f"da_{g.k}", T, H, steps(T), units(H)), " ")]

    def gradient_bands(self, S, L, letters):
        for G in self.GATES:
            S.band(G.gate.title.capitalize(), G.param_parts(L, letters, gradient, None, lambda n: f"d{n}"))

    def sum_over_time(self, L, name, i, j, tables):
        """Entry (i, j) of d<name> for a gate's parameter, one SUMPRODUCT down the time-major tables:
        dA_k (the gate's errors), X, and H (row 0: h_0) or, for the GRU's n, RH (r∘h', one row per step)."""
        G = next(g for g in self.GATES if name in g.gate.params)
        dA = L[tables[f"dA_{G.k}"]]
        if name == G.gate.params[0]:
            return f"SUMPRODUCT({dA.col_range(i)},{L[tables['X']].col_range(j)})"
        if name == G.gate.params[1]:
            if G.rec == "rh":
                return f"SUMPRODUCT({dA.col_range(i)},{L[tables['RH']].col_range(j)})"
            return f"SUMPRODUCT({dA.col_range(i)},{L[tables['H']].span(0, j, L.T - 1, j)})"
        return f"SUM({dA.col_range(i)})"

    def param_groups(self, L, letters, quantity, t, caption):
        return [(f"{g.gate.title} {g.k}", g.param_parts(L, letters, quantity, t, caption)) for g in self.GATES]

    def network_back_parts(self, L, slot):
        H = L.H
        return [p for g in self.GATES
                for p in (" ", Part(g.net_WhT, slot, f"{g.gate.params[1]}ᵀ", H, H, units(H), units(H)))]
