"""The gated cells: the LSTM and the GRU. Each gate is an activation of Wx*·x + Wh*·h' + b* (the GRU's
candidate n multiplies r ∘ h' instead of h'), so a gate is described once (Gate) and both cells
compute and differentiate it the same way.

  LSTM  i = σ(Wxi·x + Whi·h' + bi)   f = σ(Wxf·x + Whf·h' + bf)   o = σ(Wxo·x + Who·h' + bo)
        g = tanh(Wxg·x + Whg·h' + bg)   c = f ∘ c' + i ∘ g   h = o ∘ tanh(c)
  GRU   z = σ(Wxz·x + Whz·h' + bz)   r = σ(Wxr·x + Whr·h' + br)   n = tanh(Wxn·x + Whn·(r ∘ h') + bn)
        h = (1 - z) ∘ n + z ∘ h'
"""
from dataclasses import dataclass

import numpy as np

from .activations import SIGMOID, TANH, Activation
from .base import NetworkCell, outer


@dataclass(frozen=True)
class Gate:
    name: str            # i, f, o, g / z, r, n: the gate's vector and its parameters' suffix
    title: str           # "input gate"
    activation: Activation   # SIGMOID or TANH
    recurrent: str = "h"     # the vector Wh* multiplies: h' ("h"), or r ∘ h' ("rh", the GRU's n)

    @property
    def params(self):
        return f"Wx{self.name}", f"Wh{self.name}", f"b{self.name}"

    def apply(self, a):
        return self.activation.apply(a)

    def slope(self, value):
        """The activation's derivative, from its value: σ' = σ(1 - σ), tanh' = 1 - tanh²."""
        return self.activation.slope(value)

    def forward(self, P, x, rec):
        """Wx·x, Wh·rec + b, their sum a and the activation, by the names the sheets show."""
        Wx, Wh, b = (P[n] for n in self.params)
        wx = Wx @ x
        wh = Wh @ rec + b
        a = wx + wh
        k = self.name
        return {f"wx_{k}": wx, f"wh_{k}": wh, f"a_{k}": a, k: self.apply(a)}

    def contributions(self, da, x, rec):
        Wx, Wh, b = self.params
        return {Wx: outer(da, x), Wh: outer(da, rec), b: da.copy()}


class GatedCell(NetworkCell):
    gates = ()
    biases = ()

    def hidden_shapes(self, V, H):
        shapes = {}
        for gate in self.gates:
            Wx, Wh, b = gate.params
            shapes.update({Wx: (H, V), Wh: (H, H), b: (H,)})
        return shapes

    def gate(self, name):
        return next(g for g in self.gates if g.name == name)

    def gate_equations(self):
        return [(gate.title, f"{gate.name}_t = {gate.activation.symbol}"
                             f"(Wx{gate.name} · x_t + Wh{gate.name} · "
                             f"{'(r_t ∘ h(t-1))' if gate.recurrent == 'rh' else 'h(t-1)'} + b{gate.name})")
                for gate in self.gates]

    def _backward(self, da, now, prev, x):
        """Every gate's contributions to the gradient, from its da (the error before its activation)."""
        out = {}
        for gate in self.gates:
            out.update(gate.contributions(da[gate.name], x, now["rh"] if gate.recurrent == "rh" else prev["h"]))
        return out


SIGMOID_NOTE = ("sigmoid", "σ(a) = 1 / (1 + exp(-a)), computed as (1 + tanh(a/2)) / 2: the same number, "
                           "and it never overflows")


class LSTMCell(GatedCell):
    name = "lstm"
    sheets = "lstm.LSTMFamily"
    summary = "long short-term memory: input, forget and output gates and a cell state"
    state = ("h", "c")
    gates = (Gate("i", "input gate", SIGMOID), Gate("f", "forget gate", SIGMOID),
             Gate("o", "output gate", SIGMOID), Gate("g", "candidate", TANH))
    biases = ("bi", "bf", "bo", "bg", "by")
    remarks = (
        SIGMOID_NOTE,
        ("forget bias", "bf starts at 1, the other biases at 0: f = σ(1) ≈ 0.73 lets memory flow through "
                        "c from the start."),
        ("convention", "Papers and libraries write the LSTM in slightly different ways; this workbook uses "
                       "the equations above."),
    )

    def init(self, V, H, seed=0):
        P = super().init(V, H, seed)
        P.bf[...] = 1.0
        return P

    def step(self, P, x, prev):
        out = {}
        for gate in self.gates:
            out.update(gate.forward(P, x, prev["h"]))
        out["fc"] = out["f"] * prev["c"]
        out["ig"] = out["i"] * out["g"]
        out["c"] = out["fc"] + out["ig"]
        out["tc"] = np.tanh(out["c"])
        out["h"] = out["o"] * out["tc"]
        return out

    def step_back(self, P, now, prev, x, dh, carry):
        dc = dh * now["o"] * (1 - now["tc"] ** 2) + carry["c"]
        d = {"i": dc * now["g"], "f": dc * prev["c"], "o": dh * now["tc"], "g": dc * now["i"]}
        da = {gate.name: d[gate.name] * gate.slope(now[gate.name]) for gate in self.gates}
        dh_next = sum(P[f"Wh{k}"].T @ da[k] for k in "ifog")
        dc_next = dc * now["f"]
        rows = {"dc": dc, "dh_next": dh_next, "dc_next": dc_next,
                **{f"d_{k}": d[k] for k in d}, **{f"da_{k}": da[k] for k in da}}
        return rows, self._backward(da, now, prev, x), {"h": dh_next, "c": dc_next}

    # --- the recurrences as formula text, in row form: each argument a reference or an expression, so
    # that a Step or Back sheet's cells and a network block's or Generate's rows write them alike ---

    @staticmethod
    def cell_terms(f, c_prev, i, g):
        """c = f ∘ c' + i ∘ g, as its two terms (a Step sheet shows each in a cell)."""
        return f"{f}*{c_prev}", f"{i}*{g}"

    @staticmethod
    def hidden_formula(o, tanh_c):
        """h = o ∘ tanh(c)."""
        return f"{o}*{tanh_c}"

    @staticmethod
    def cell_error(dh, o, tanh_c, dc_next):
        """dc = dh ∘ o ∘ (1 - tanh(c)²) + dc_next (None: nothing comes back after the last step)."""
        out = f"{dh}*{o}*{TANH.slope_formula(tanh_c)}"
        return out if dc_next is None else f"{out}+{dc_next}"

    @staticmethod
    def cell_carry(f, dc):
        """dc_next = f ∘ dc: what the cell state hands back to step t-1."""
        return f"{f}*{dc}"

    @staticmethod
    def gate_errors(dh, dc, tanh_c, c_prev, i, g):
        """Each gate's error after its activation: di = dc ∘ g, df = dc ∘ c', do = dh ∘ tanh(c), dg = dc ∘ i."""
        return {"i": f"{dc}*{g}", "f": f"{dc}*{c_prev}", "o": f"{dh}*{tanh_c}", "g": f"{dc}*{i}"}

    def forward_equations(self):
        return self.gate_equations() + [
            ("cell state", "c_t = f_t ∘ c(t-1) + i_t ∘ g_t,   c_0 = 0"),
            ("hidden state", "h_t = o_t ∘ tanh(c_t),   h_0 = 0"),
        ]

    def backward_equations(self):
        return [
            ("hidden error", "dh_t = Whyᵀ · dy_t + dh_next,   dh_next = Σ_k Whkᵀ · da_k(t+1), k = i, f, o, g"),
            ("cell error", "dc_t = dh_t ∘ o_t ∘ (1 - tanh(c_t)²) + dc_next,   dc_next = f_(t+1) ∘ dc_(t+1)"),
            ("gates", "do_t = dh_t ∘ tanh(c_t),  di_t = dc_t ∘ g_t,  df_t = dc_t ∘ c(t-1),  dg_t = dc_t ∘ i_t"),
            ("back through σ, tanh", "da_k = dk ∘ k ∘ (1 - k) for k = i, f, o;   da_g = dg ∘ (1 - g²)"),
            ("gradients", "dWxk = Σ_t da_k · x_tᵀ,  dWhk = Σ_t da_k · h(t-1)ᵀ,  dbk = Σ_t da_k,  "
                          "dWhy = Σ_t dy_t · h_tᵀ,  dby = Σ_t dy_t"),
        ]


class GRUCell(GatedCell):
    name = "gru"
    sheets = "gru.GRUFamily"
    summary = "gated recurrent unit: update and reset gates"
    gates = (Gate("z", "update gate", SIGMOID), Gate("r", "reset gate", SIGMOID),
             Gate("n", "candidate", TANH, recurrent="rh"))
    biases = ("bz", "br", "bn", "by")
    remarks = (
        SIGMOID_NOTE,
        ("convention", "Papers and libraries write the GRU in different ways (which of z and 1 - z keeps "
                       "the old state, where r applies);"),
        ("", "this workbook uses the equations above."),
    )

    def step(self, P, x, prev):
        h_prev = prev["h"]
        out = {}
        for gate in self.gates[:2]:
            out.update(gate.forward(P, x, h_prev))
        out["rh"] = out["r"] * h_prev
        out.update(self.gates[2].forward(P, x, out["rh"]))
        out["zn"] = (1 - out["z"]) * out["n"]
        out["zh"] = out["z"] * h_prev
        out["h"] = out["zn"] + out["zh"]
        return out

    def step_back(self, P, now, prev, x, dh, carry):
        h_prev, z, r, n = prev["h"], now["z"], now["r"], now["n"]
        d = {"n": dh * (1 - z), "z": dh * (h_prev - n)}
        da = {"n": d["n"] * (1 - n ** 2)}
        drh = P.Whn.T @ da["n"]
        d["r"] = drh * h_prev
        da["z"], da["r"] = d["z"] * z * (1 - z), d["r"] * r * (1 - r)
        dh_next = dh * z + drh * r + P.Whz.T @ da["z"] + P.Whr.T @ da["r"]
        rows = {"drh": drh, "dh_next": dh_next, **{f"d_{k}": d[k] for k in d}, **{f"da_{k}": da[k] for k in da}}
        return rows, self._backward(da, now, prev, x), {"h": dh_next}

    # --- the recurrences as formula text, in row form (as LSTMCell's) ---

    @staticmethod
    def new_term(z, n):
        """(1 - z) ∘ n, the first term of h = (1 - z) ∘ n + z ∘ h' (a Step sheet shows each in a cell)."""
        return f"(1-{z})*{n}"

    @staticmethod
    def kept_term(z, h_prev):
        """z ∘ h', the second term of h."""
        return f"{z}*{h_prev}"

    @classmethod
    def state_formula(cls, z, n, h_prev):
        """h = (1 - z) ∘ n + z ∘ h'."""
        return f"{cls.new_term(z, n)}+{cls.kept_term(z, h_prev)}"

    @staticmethod
    def reset_formula(r, h_prev):
        """r ∘ h': the memory the (reset-before) candidate sees."""
        return f"{r}*{h_prev}"

    @staticmethod
    def new_error(dh, z):
        """Back through h = (1 - z) ∘ n + z ∘ h' to n: dn = dh ∘ (1 - z)."""
        return f"{dh}*(1-{z})"

    @staticmethod
    def update_error(dh, h_prev, n):
        """... and to z: dz = dh ∘ (h' - n)."""
        return f"{dh}*({h_prev}-{n})"

    @staticmethod
    def kept_back(dh, z):
        """dh ∘ z: what h hands back to h' through the copy z ∘ h' (the first term of dh_next)."""
        return f"{dh}*{z}"

    def forward_equations(self):
        return self.gate_equations() + [("hidden state", "h_t = (1 - z_t) ∘ n_t + z_t ∘ h(t-1),   h_0 = 0")]

    def backward_equations(self):
        return [
            ("hidden error", "dh_t = Whyᵀ · dy_t + dh_next (0 after the last step)"),
            ("through h_t", "dn_t = dh_t ∘ (1 - z_t),  dz_t = dh_t ∘ (h(t-1) - n_t)"),
            ("back through n", "da_n = dn_t ∘ (1 - n_t²),  d(r∘h)_t = Whnᵀ · da_n,  dr_t = d(r∘h)_t ∘ h(t-1)"),
            ("back through σ", "da_z = dz_t ∘ z_t ∘ (1 - z_t),  da_r = dr_t ∘ r_t ∘ (1 - r_t)"),
            ("handed back", "dh_next = dh_t ∘ z_t + d(r∘h)_t ∘ r_t + Whzᵀ · da_z + Whrᵀ · da_r  (to step t-1)"),
            ("gradients", "dWxk = Σ_t da_k · x_tᵀ,  dWhk = Σ_t da_k · h(t-1)ᵀ (dWhn: · (r_t ∘ h(t-1))ᵀ),  "
                          "dbk = Σ_t da_k"),
        ]


class GRUPyTorchCell(GRUCell):
    """The reset-after GRU of torch.nn.GRU, Keras (by default) and cuDNN: r multiplies Whn·h' + bhn,
    after the recurrent product, where the gru cell (Cho et al.'s reset-before form) multiplies h'
    before it. Its n has a bias on each side, bn (torch's b_in) and bhn (b_hn).

        n = tanh(Wxn·x + bn + r ∘ (Whn·h' + bhn))       (z, r and h as in the gru cell)

    torch's r and z carry two biases each, b_i* + b_h*, which act as one: br, bz here."""
    name = "gru-pytorch"
    sheets = "gru_pytorch.GRUPyTorchFamily"
    summary = "the GRU of torch.nn.GRU, Keras and cuDNN: the reset gate applied after Whn·h' (reset-after)"
    gates = (Gate("z", "update gate", SIGMOID), Gate("r", "reset gate", SIGMOID), Gate("n", "candidate", TANH))
    biases = ("bz", "br", "bn", "bhn", "by")
    remarks = (
        SIGMOID_NOTE,
        ("convention", "PyTorch's torch.nn.GRU (and Keras, cuDNN) apply r after Whn·h' + bhn (reset-after); "
                       "--model gru applies it to h' before (Cho et al.)."),
        ("", "torch's b_ir + b_hr is br here, b_iz + b_hz is bz; b_in is bn and b_hn is bhn."),
    )

    def hidden_shapes(self, V, H):
        shapes = super().hidden_shapes(V, H)
        return {**shapes, "bhn": (H,)}      # after bn: Wxz Whz bz Wxr Whr br Wxn Whn bn bhn

    def step(self, P, x, prev):
        h_prev = prev["h"]
        out = {}
        for gate in self.gates[:2]:
            out.update(gate.forward(P, x, h_prev))
        out["wx_n"] = P.Wxn @ x
        out["wh_n"] = P.Whn @ h_prev + P.bhn
        out["rwh"] = out["r"] * out["wh_n"]
        out["a_n"] = out["wx_n"] + P.bn + out["rwh"]
        out["n"] = np.tanh(out["a_n"])
        out["zn"] = (1 - out["z"]) * out["n"]
        out["zh"] = out["z"] * h_prev
        out["h"] = out["zn"] + out["zh"]
        return out

    def step_back(self, P, now, prev, x, dh, carry):
        h_prev, z, r, n = prev["h"], now["z"], now["r"], now["n"]
        d = {"n": dh * (1 - z), "z": dh * (h_prev - n)}
        da = {"n": d["n"] * (1 - n ** 2)}
        dwh = da["n"] * r                   # the error reaching Whn·h' + bhn
        d["r"] = da["n"] * now["wh_n"]
        da["z"], da["r"] = d["z"] * z * (1 - z), d["r"] * r * (1 - r)
        dh_next = dh * z + P.Whn.T @ dwh + P.Whz.T @ da["z"] + P.Whr.T @ da["r"]
        rows = {"dwh": dwh, "dh_next": dh_next, **{f"d_{k}": d[k] for k in d}, **{f"da_{k}": da[k] for k in da}}
        grads = {}
        for gate in self.gates[:2]:
            grads.update(gate.contributions(da[gate.name], x, h_prev))
        grads.update({"Wxn": outer(da["n"], x), "Whn": outer(dwh, h_prev), "bn": da["n"].copy(), "bhn": dwh.copy()})
        return rows, grads, {"h": dh_next}

    def forward_equations(self):
        return self.gate_equations()[:2] + [
            ("candidate", "n_t = tanh(Wxn · x_t + bn + r_t ∘ (Whn · h(t-1) + bhn))   (reset-after)"),
            ("hidden state", "h_t = (1 - z_t) ∘ n_t + z_t ∘ h(t-1),   h_0 = 0")]

    def backward_equations(self):
        return [
            ("hidden error", "dh_t = Whyᵀ · dy_t + dh_next (0 after the last step)"),
            ("through h_t", "dn_t = dh_t ∘ (1 - z_t),  dz_t = dh_t ∘ (h(t-1) - n_t)"),
            ("back through n", "da_n = dn_t ∘ (1 - n_t²),  dwh_t = da_n ∘ r_t,  dr_t = da_n ∘ (Whn · h(t-1) + bhn)"),
            ("back through σ", "da_z = dz_t ∘ z_t ∘ (1 - z_t),  da_r = dr_t ∘ r_t ∘ (1 - r_t)"),
            ("handed back", "dh_next = dh_t ∘ z_t + Whnᵀ · dwh_t + Whzᵀ · da_z + Whrᵀ · da_r  (to step t-1)"),
            ("gradients", "dWxk = Σ_t da_k · x_tᵀ,  dWhk = Σ_t da_k · h(t-1)ᵀ,  dbk = Σ_t da_k  (k = z, r; n: "
                          "dWxn, dbn from da_n),  dWhn = Σ_t dwh_t · h(t-1)ᵀ,  dbhn = Σ_t dwh_t"),
        ]
