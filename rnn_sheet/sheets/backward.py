"""The Back sheets (backpropagation through time, one per step from the last to the first) and the
Gradients sheet that adds up their contributions. Shared by every cell: the output error dy_t, the
output weights' contributions, and dh_t = Whyᵀ·dy_t + dh_next; the cell's sheet family lays out the
rest (from dh_t back to dh_next and its own parameters' contributions)."""
from functools import cache

from .layout import Part, SheetPlan, shown, steps, units
from .quantity import Heat, Quantity, Role, after_zero_row, computed, link, param_link


def _step(attr, source="F"):
    return lambda c, t: getattr(getattr(c, source), attr)[t - 1]


b_p = link("b_p", "p", "p_t from the forward step sheet.", _step("p"), heat=Heat.PROBABILITY)
b_target = link("b_target", "target", "target_t from the forward step sheet.", _step("target"), one_hot=True)
b_h = link("b_h", "h", "h_t from the forward step sheet.", _step("h"))
b_x = link("b_x", "x", "x_t from the forward step sheet.", _step("x"), one_hot=True)
b_hprev = link("b_hprev", "h_prev", "h(t-1) from the previous forward step (0 at the first step).",
               lambda c, t: c.F.previous("h")[t - 1])
b_Why = param_link("b_Why", "Why", "Why from Parameters (its transpose carries the error back).")


@computed("dy_t = ∂loss/∂y_t = p_t - target_t", _step("dy", "B"), heat=Heat.DIVERGING, exercise=True)
def dy(L, t, k, j):
    if not L.counted(t):
        return None
    return f"{L[b_p, t].ref(k)}-{L[b_target, t].ref(k)}"


@computed("dWhy_t = dy_t · h_tᵀ: entry [k, i] = dy_t[k] · h_t[i].", lambda c, t: c.B.steps["Why"][t - 1],
          heat=Heat.DIVERGING, exercise=True)
def dWhy_t(L, t, k, j):
    return f"{L[dy, t].ref(k)}*{L[b_h, t].ref(j)}"


@computed("dby_t = dy_t", lambda c, t: c.B.steps["by"][t - 1], heat=Heat.DIVERGING)
def dby_t(L, t, k, j):
    return L[dy, t].ref(k)


@computed("dh_next: the gradient handed back from step t+1 (0 after the last step).",
          lambda c, t: c.B.hidden["dh_next"][t] if t < c.sc.T else c.B.dh[0] * 0, role=Role.LINK)
def dh_next_link(L, t, i, j):
    return None if t == L.T else L[L.family.dh_next, t + 1].ref(i)


@computed("dh_t = Whyᵀ · dy_t + dh_next", _step("dh", "B"), heat=Heat.DIVERGING, exercise=True)
def dh(L, t, i, j):
    # Column i of Why against dy: Whyᵀ·dy without TRANSPOSE, both ranges vertical.
    return f"SUMPRODUCT({L[b_Why, t].col_range(i)},{L[dy, t].range()})+{L[dh_next_link, t].ref(i)}"


def back_sheet(L, t, letters):
    S = SheetPlan(f"Back {t}", "backward", steps=(t,))
    S.title(f"Time step {t} of {L.T}: backpropagation through time",
            "Going back in time from the last step: each step adds its share to every gradient.")
    back_bands(S, L, t, letters)
    return S


def backs_sheet(L, ts, letters):
    """Backward steps past the worked one of a compact workbook, on one sheet (see forward.steps_sheet)."""
    S = SheetPlan(f"Back {ts[0]}-{ts[-1]}", "backward", steps=tuple(ts))
    S.title(f"Time steps {ts[0]} back to {ts[-1]}: backpropagation through time, one step after another",
            "Going back in time from the last step: each step adds its share to every gradient.")
    for t in ts:
        S.heading(f"Back through time step {t}", lambda: back_bands(S, L, t, letters))
    return S


def back_bands(S, L, t, letters):
    V, H, T = L.V, L.H, L.T
    S.band("dy_t = p_t - target_t: the error of the output scores", [
        Part(b_p, t, "p_t", V, row_labels=letters), "-", Part(b_target, t, "target_t", V), "=",
        Part(dy, t, "dy_t", V)],
        None if L.counted(t) else "This step's prediction is not part of the loss (--loss last): dy_t = 0.")
    contributions = L.in_full("backward", t)
    parts = [Part(dWhy_t, t, "dWhy_t = dy_t · h_tᵀ", V, H, letters, units(H)), " ",
             Part(b_h, t, "h_t", H, row_labels=units(H))]
    if L.cell.output_bias:
        parts += [" ", Part(dby_t, t, "dby_t = dy_t", V, row_labels=letters)]
    if contributions:
        S.band("Output weights: this step's gradient contributions", parts, detail=True)
    nxt = "dh_next = 0: nothing comes back from after the last step" if t == T else f"dh_next from Back {t + 1}"
    S.band("dh_t = Whyᵀ · dy_t + dh_next: the error reaching the hidden state", shown(L, [
        Part(b_Why, t, "Why", V, H, letters, units(H)), " ",
        Part(dh_next_link, t, "dh_next", H, row_labels=units(H)), "→", Part(dh, t, "dh_t", H)],
        contributions), nxt)
    L.family.backward_bands(S, L, t, letters, contributions)


# --- Gradients -------------------------------------------------------------------------------------------

def label(L, name):
    """A parameter as the notes name it (the article's bh is "bias")."""
    return L.family.labels.get(name, name)


@cache
def gradient(name):
    """d<name> on the Gradients sheet: the sum of every Back sheet's contribution."""
    def total(L, t, i, j):
        if L.compact:
            return sum_over_time(L, name, i, j, gradient_tables(L))
        # A plain '+' chain: SUM takes at most 255 arguments in Excel, and 3D references are not portable.
        return "+".join(L[f"d{name}_t", s].ref(i, j) for s in range(1, L.T + 1))
    return Quantity(f"d{name}", lambda c, t: c.B.grads[name], total, heat=Heat.DIVERGING,
                    note=lambda L: f"d{label(L, name)} = Σ_t d{label(L, name)}_t")


@computed("x_t, one row per time step.", lambda c, t: c.F.x, one_hot=True)
def g_X(L, t, s, i):
    return L["x", s + 1].ref(i, 0)


@computed("dy_t, one row per time step.", lambda c, t: c.B.dy, heat=Heat.DIVERGING)
def g_DY(L, t, s, i):
    return L[dy, s + 1].ref(i, 0)


@computed("h_t, one row per time step (row 0: h_0 = 0).",
          lambda c, t: after_zero_row(c.F.h))
def g_H(L, t, r, i):
    return None if r == 0 else L[L.family.h, r].ref(i, 0)


def gradient_tables(L):
    """The time-major tables a compact sum over time reads, by role: these, and the cell's own."""
    return {"X": g_X, "dY": g_DY, "H": g_H, **L.family.gradient_tables}


def sum_over_time(L, name, i, j, tables):
    """Entry (i, j) of d<name> = Σ_t of that step's contribution, as one SUMPRODUCT down time-major
    tables (one row per step; the H table has h_0 in row 0)."""
    if name not in ("Why", "by"):
        return L.family.sum_over_time(L, name, i, j, tables)
    dY, H = L[tables["dY"]], L[tables["H"]]
    if name == "Why":
        return f"SUMPRODUCT({dY.col_range(i)},{H.span(1, j, L.T, j)})"
    return f"SUM({dY.col_range(i)})"


def gradients_sheet(L, letters):
    H, V = L.H, L.V
    S = SheetPlan("Gradients", "backward")
    S.title("Gradients: every time step's contributions added together",
            "The weights are the same at every step, so the gradient is the sum over the steps.")
    if L.compact:
        T, labels = L.T, steps(L.T)
        S.band("Each step's vectors, one row per time step: dW = Σ_t (column of this) × (column of that)",
               L.family.gradient_table_parts(L, letters) + [
                   Part(g_X, None, "x_t", T, V, labels, letters), " ",
                   Part(g_DY, None, "dy_t", T, V, labels, letters), " ",
                   Part(g_H, None, "h_t (row 0: h_0 = 0)", T + 1, H, ["t=0"] + labels, units(H))])
    L.family.gradient_bands(S, L, letters)
    parts = [Part(gradient("Why"), None, "dWhy", V, H, letters, units(H))]
    if L.cell.output_bias:
        parts += [" ", Part(gradient("by"), None, "dby", V)]
    S.band("Output weights", parts)
    for name in L.cell.param_names:
        L.name(f"d{name}", f"d{name}")
    return S
