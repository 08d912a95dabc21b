"""Where the backward pass lives: one sheet per time step from the last to the first, the Gradients
sheet that sums their contributions, and (layout_training) the Update and Training sheets."""
from . import layout_lessons, layout_training
from .layout import Part, SheetPlan, shown, units


def add_sheets(L, sc, letters):
    for t in range(L.T, 0, -1):
        L.add(backward_sheet(L, t, letters))
    L.add(gradients_sheet(L, letters))
    layout_training.add_sheets(L, sc, letters)
    layout_lessons.add_sheets(L, sc, letters)


def backward_sheet(L, t, letters):
    V, H, T = L.V, L.H, L.T
    article = L.model == "article"
    S = SheetPlan(f"Back {t}", "backward")
    S.title(f"Time step {t} of {T}: backpropagation through time",
            "Going back in time from the last step: each step adds its share to every gradient.")
    S.band("dy_t = p_t - target_t: the error of the output scores", [
        Part(("b_p", t), "p_t", V, row_labels=letters), "-", Part(("b_target", t), "target_t", V), "=",
        Part(("dy", t), "dy_t", V)],
        None if L.counted(t) else "This step's prediction is not part of the loss (--loss last): dy_t = 0.")
    contributions = L.in_full("backward", t)
    parts = [Part(("dWhy_t", t), "dWhy_t = dy_t · h_tᵀ", V, H, letters, units(H)), " ",
             Part(("b_h", t), "h_t", H, row_labels=units(H))]
    if not article:
        parts += [" ", Part(("dby_t", t), "dby_t = dy_t", V, row_labels=letters)]
    if contributions:
        S.band("Output weights: this step's gradient contributions", parts)
    nxt = "dh_next = 0: nothing comes back from after the last step" if t == T else f"dh_next from Back {t + 1}"
    S.band("dh_t = Whyᵀ · dy_t + dh_next: the error reaching the hidden state", shown(L, [
        Part(("b_Why", t), "Why", V, H, letters, units(H)), " ",
        Part(("dh_in", t), "dh_next", H, row_labels=units(H)), "→", Part(("dh", t), "dh_t", H)],
        contributions), nxt)
    da = [Part(("da", t), "da_t", H, row_labels=units(H))]
    if not contributions:       # h_t was shown with dWhy_t; here it is needed beside da_t
        da = [Part(("b_h", t), "h_t", H, row_labels=units(H)), " ", Part(("da", t), "da_t", H)]
    S.band("da_t = (1 - h_t²) · dh_t: back through tanh", da)
    parts = [Part(("dWxh_t", t), "dWxh_t = da_t · x_tᵀ", H, V, units(H), letters), " ",
             Part(("b_x", t), "x_t", V, row_labels=letters)]
    if contributions:
        S.band("Input weights: this step's gradient contribution", parts)
    prev = "h(t-1) = 0 at the first step" if t == 1 else f"h(t-1) from Step {t - 1}"
    if article:
        parts = [Part(("b_hprev", t), "h(t-1)", H, row_labels=units(H)), " ",
                 Part(("dWhh_t", t), "dWhh_t = Σ da_t·h(t-1)", 1), Part(("dbh_t", t), "dbias_t = Σ da_t", 1)]
    else:
        parts = [Part(("b_hprev", t), "h(t-1)", H, row_labels=units(H)), " ",
                 Part(("dWhh_t", t), "dWhh_t = da_t · h(t-1)ᵀ", H, H, units(H), units(H)), " ",
                 Part(("dbh_t", t), "dbh_t = da_t", H)]
    if contributions:
        S.band("Recurrent weights and bias: this step's gradient contributions", parts, prev)
    whh = Part(("b_Whh", t), "Whh", 1) if article else Part(("b_Whh", t), "Whh", H, H, units(H), units(H))
    S.band("dh_next = Whhᵀ · da_t: handed back to the step before" if t > 1 else
           "dh_next = Whhᵀ · da_t (the first step: nothing earlier receives it)",
           shown(L, [whh, " ", Part(("dh_out", t), "dh_next", H, row_labels=units(H))], contributions))
    return S


def gradients_sheet(L, letters):
    H = L.H
    article = L.model == "article"
    S = SheetPlan("Gradients", "backward")
    S.title("Gradients: every time step's contributions added together",
            "The weights are the same at every step, so the gradient is the sum over the steps.")
    if L.compact:
        steps = [f"t={t}" for t in range(1, L.T + 1)]
        S.band("Each step's vectors, one row per time step: dW = Σ_t (column of this) × (column of that)", [
            Part(("g_DA", None), "da_t", L.T, H, steps, units(H)), " ",
            Part(("g_X", None), "x_t", L.T, L.V, steps, letters), " ",
            Part(("g_DY", None), "dy_t", L.T, L.V, steps, letters), " ",
            Part(("g_H", None), "h_t (row 0: h_0 = 0)", L.T + 1, H, ["t=0"] + steps, units(H))])
    if article:
        parts = [Part(("dWxh", None), "dWxh", H, L.V, units(H), letters), " ",
                 Part(("dWhh", None), "dWhh", 1), Part(("dbh", None), "dbias", 1)]
    else:
        parts = [Part(("dWxh", None), "dWxh", H, L.V, units(H), letters), " ",
                 Part(("dWhh", None), "dWhh", H, H, units(H), units(H)), " ",
                 Part(("dbh", None), "dbh", H)]
    S.band("Input and recurrent weights", parts)
    parts = [Part(("dWhy", None), "dWhy", L.V, H, letters, units(H))]
    if not article:
        parts += [" ", Part(("dby", None), "dby", L.V)]
    S.band("Output weights", parts)
    for name in ("dWxh", "dWhh", "dbh", "dWhy", "dby"):
        if (name, None) in S.blocks:
            L.names[name] = (name, None)
    return S
