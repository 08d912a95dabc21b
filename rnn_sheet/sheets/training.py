"""The Update sheet (one update of the weights and the loss it gives) and the Training sheet (more
epochs). The optimizer writes each update's formula and its state's (model/optimizers.py); the state
is laid out as the weights are, one band per state name (moment, trained_moment).

Both use a compact, time-major "network block": one row per time step, so a whole forward and
backward pass fits in a few tables; rows are time steps, so every product is a SUMPRODUCT of two rows
or two columns, and transposed weights are laid out as linked copies (no TRANSPOSE). Slot 0 is the
Update sheet's check of the new weights; slot k >= 1 is training epoch k, whose weights are W_k (the
weights after k updates).
"""
from functools import cache

import numpy as np

from ..model.optimizers import Refs
from .backward import label, sum_over_time
from .layout import Part, SheetPlan, steps, units
from .parameters import joined, most_probable, vocab
from .quantity import Heat, Quantity, Role, column, computed
from .text import letter_ref

# --- the updated weights ---------------------------------------------------------------------------


def clipped(L, expr):
    if not L.clip:
        return expr
    c = L["clip"].ref()
    return f"MAX(-{c},MIN({c},{expr}))"


def refs(L, name, i, j, w, g, k, state):
    """What one entry's update reads (model/optimizers.Refs); state: s -> block or None (zero)."""
    return Refs(w.ref(i, j), g, L["lr"].ref(), k, {s: b and b.ref(i, j) for s, b in state.items()},
                {n: L[n].ref() for n in L.optimizer.settings})


def state_names(L, name, k=""):
    """The optimizer's state of parameter `name` as the notes call it (m_Wxh, or m_Wxh_k)."""
    return {s: f"{s}_{label(L, name)}{k}" for s in L.optimizer.state}


@cache
def moment(s, name):
    """<s>_<name> on the Update sheet: the optimizer's state s of one parameter after the first update."""
    def formula(L, t, i, j):
        grad = clipped(L, L[f"d{name}"].ref(i, j))
        return L.optimizer.state_formula(s, refs(L, name, i, j, L[name], grad, 1, {s: None}))
    return Quantity(f"{s}_{name}", lambda c, t: c.records[1].state[s][name], formula, heat=Heat.DIVERGING,
                    note=lambda L: L.optimizer.state_rule(s, f"d{label(L, name)}", state_names(L, name)[s])
                    + f",   {s} starting at 0")


@cache
def new(name):
    """<name>_new on the Update sheet: the weights after one update."""
    def formula(L, t, i, j):
        grad = clipped(L, L[f"d{name}"].ref(i, j))
        state = {s: L[moment(s, name)] for s in L.optimizer.state}
        return L.optimizer.formula(refs(L, name, i, j, L[name], grad, 1, state))
    return Quantity(f"{name}_new", lambda c, t: c.records[1].params[name], formula, heat=Heat.DIVERGING,
                    note=lambda L: L.optimizer.rule_for(f"{label(L, name)}_new", label(L, name),
                                                        f"d{label(L, name)}", state_names(L, name), 1))


@cache
def trained_moment(s, name):
    """cw_<s>_<name> at epoch k of the Training sheet: state s after k updates."""
    def formula(L, k, i, j):
        if k == 1:
            return L[moment(s, name)].ref(i, j)
        grad = L[summed(name), k - 1].ref(i, j)
        return L.optimizer.state_formula(s, refs(L, name, i, j, weights(L, k - 1)(name), grad, k,
                                                 {s: L[trained_moment(s, name), k - 1]}))
    return Quantity(f"cw_{s}_{name}", lambda c, k: c.records[k].state[s][name], formula, heat=Heat.DIVERGING,
                    note=lambda L: L.optimizer.state_rule(s, f"d{label(L, name)}_(k-1)", state_names(L, name, "_k")[s],
                                                          state_names(L, name, "_(k-1)")[s]))


@cache
def trained(name):
    """cw_<name> at epoch k of the Training sheet: the weights after k updates."""
    def formula(L, k, i, j):
        if k == 1:
            return L[new(name)].ref(i, j)
        prev, grad = weights(L, k - 1)(name), L[summed(name), k - 1]
        state = {s: L[trained_moment(s, name), k] for s in L.optimizer.state}
        return L.optimizer.formula(refs(L, name, i, j, prev, grad.ref(i, j), k, state))
    return Quantity(f"cw_{name}", lambda c, k: c.records[k].params[name], formula, heat=Heat.DIVERGING,
                    note=lambda L: L.optimizer.rule_for(f"{label(L, name)}_k", f"{label(L, name)}_(k-1)",
                                                        f"d{label(L, name)}_(k-1)", state_names(L, name, "_k")))


def weights(L, slot):
    """The weights a network block runs on: name -> block. A sheet may run it on weights of its own
    (L.weights_of: slot -> quantity of each parameter, the gradient check's nudged copies)."""
    if slot in L.weights_of:
        return lambda name: L[L.weights_of[slot](name), slot]
    if slot == 0:
        return lambda name: L[new(name)]
    return lambda name: L[trained(name), slot]


def param_bands(S, L, letters, quantity, t, caption, title):
    """Bands for one set of weights: quantity(name) gives each block's quantity, caption(name) its
    heading. A cell with several groups of weights (gates) gets a band per group, then the output's."""
    H, V = L.H, L.V
    out = [Part(quantity("Why"), t, caption("Why"), V, H, letters, units(H))]
    if L.cell.output_bias:
        out += [" ", Part(quantity("by"), t, caption("by"), V, row_labels=letters)]
    groups = L.family.param_groups(L, letters, quantity, t, caption)
    if len(groups) == 1:
        S.band(title, groups[0][1] + out)
        return
    for name, parts in groups:
        S.band(f"{title}: {name}", parts)
    S.band(f"{title}: output", out)


# --- the network block ----------------------------------------------------------------------------

def _one_hot_row(offset):
    def one_hot(L, slot, r, k):
        return f"IF(EXACT({L[vocab].ref(k)},{letter_ref(L, slot, r + offset)}),1,0)"
    return one_hot


net_X = Quantity("net_X", lambda c, s: c.record(s).fwd.x, _one_hot_row(0), "x_t, one row per time step.", one_hot=True)
net_TGT = Quantity("net_TGT", lambda c, s: c.record(s).fwd.target, _one_hot_row(1), "target_t, one row per time step.",
                   one_hot=True)


def own_inputs(L, slot):
    """Does the network block at `slot` read letters of its own (a text's chunk past the first)?"""
    return L.sc.text is not None and slot > 0


def table(L, kind, slot):
    """A word's one-hot tables are the same in every epoch: the Update sheet's (also read by the
    gradient check's slots, below 0), or epoch 1's. Each chunk of a text has its own."""
    return L[kind, slot] if own_inputs(L, slot) else L[kind, min(max(slot, 0), 1)]


def score_row(L, H, W, t, k):
    """y_t = Why h_t (+ by), h_t being row t+1 of the hidden table H; W(name) gives the weights."""
    out = f"SUMPRODUCT({W('Why').row_range(k)},{H.row_range(t + 1)})"
    return out + (f"+{W('by').ref(k)}" if L.cell.output_bias else "")


def _fwd(attr):
    return lambda c, s: getattr(c.record(s).fwd, attr)


@computed("y_t = Why · h_t (+ by), one row per step.", _fwd("y"))
def net_Y(L, slot, t, k):
    return score_row(L, L[L.family.net_H, slot], weights(L, slot), t, k)


@computed("max_k y_t[k]", lambda c, s: c.record(s).fwd.y.max(axis=1))
def net_M(L, slot, t, j):
    return f"MAX({L[net_Y, slot].row_range(t)})"


def _exps(c, s):
    y = c.record(s).fwd.y
    return np.exp(y - y.max(axis=1, keepdims=True))


# One EXP cell per letter, then SUM, as the Step sheets: SUMPRODUCT(EXP(range - cell)) is #VALUE! in
# Gnumeric (and older Excel), which do not evaluate arrays in a plain cell.
@computed("exp(y_t[k] - max y_t)", _exps)
def net_E(L, slot, t, k):
    return f"EXP({L[net_Y, slot].ref(t, k)}-{L[net_M, slot].ref(t)})"


@computed("Σ_k exp(y_t[k] - max y_t)", lambda c, s: _exps(c, s).sum(axis=1))
def net_S(L, slot, t, j):
    return f"SUM({L[net_E, slot].row_range(t)})"


@computed("p_t = softmax(y_t), one row per step.", _fwd("p"), heat=Heat.PROBABILITY)
def net_P(L, slot, t, k):
    return f"{L[net_E, slot].ref(t, k)}/{L[net_S, slot].ref(t)}"


@computed("loss_t = -ln p_t[target]", _fwd("losses"))
def net_L(L, slot, t, j):
    if not L.counted(t + 1):
        return None
    return (f"LN({L[net_S, slot].ref(t)})+{L[net_M, slot].ref(t)}"
            f"-SUMPRODUCT({L[net_Y, slot].row_range(t)},{table(L, net_TGT, slot).row_range(t)})")


def _predicted(c, s):
    return c.letters(c.record(s).fwd.predicted)


@computed("argmax_k p_t[k]", lambda c, s: np.array(_predicted(c, s), dtype=object))
def net_pred(L, slot, t, j):
    return most_probable(L, L[net_P, slot].row_range(t))


@computed("loss = Σ_t loss_t", lambda c, s: c.record(s).fwd.loss)
def net_loss(L, slot, i, j):
    return f"SUM({L[net_L, slot].range()})"


@computed("The predicted letters joined together.", lambda c, s: "".join(_predicted(c, s)))
def net_text(L, slot, i, j):
    return joined(L[net_pred, slot])


@computed("dy_t = p_t - target_t, one row per step.", lambda c, s: c.record(s).bwd.dy, heat=Heat.DIVERGING)
def net_dY(L, slot, t, k):
    if not L.counted(t + 1):
        return None
    # A block without its p_t table (a text's iterations) divides in place, as net_P would.
    p = L[net_P, slot].ref(t, k) if (net_P, slot) in L else f"{L[net_E, slot].ref(t, k)}/{L[net_S, slot].ref(t)}"
    return f"{p}-{table(L, net_TGT, slot).ref(t, k)}"


@computed("Whyᵀ", lambda c, s: c.record(s).params.Why.T, role=Role.LINK, heat=Heat.DIVERGING)
def net_WhyT(L, slot, i, j):
    return weights(L, slot)("Why").ref(j, i)


def _without(parts, quantities):
    """Parts less those of `quantities`, each with the spacer that follows it."""
    out = []
    for part in parts:
        if isinstance(part, str) and out and out[-1] is None:
            continue
        out.append(None if not isinstance(part, str) and part.quantity in quantities else part)
    return [part for part in out if part is not None]


SUM_NOTES = {"Why": "dWhy = Σ_t dy_t · h_tᵀ", "by": "dby = Σ_t dy_t"}


def network_tables(L, slot):
    """The tables each compact sum over time reads, by role (as backward.gradient_tables)."""
    return {"X": (net_X, slot if own_inputs(L, slot) else min(slot, 1)), "dY": (net_dY, slot), "H": (L.family.net_H, slot), **L.family.network_tables(slot)}


@cache
def summed(name):
    """net_g_<name>: the gradient of one network block, summed over time (and clipped)."""
    def formula(L, slot, i, j):
        return clipped(L, sum_over_time(L, name, i, j, network_tables(L, slot)))
    return Quantity(f"net_g_{name}", lambda c, k: c.records[k].grads[name], formula, heat=Heat.DIVERGING,
                    note=lambda L: {**SUM_NOTES, **L.family.sum_notes}[name])


def network_bands(S, L, letters, slot, backward, title, loss_only=False, predictions=True):
    """loss_only: a forward pass for its loss alone (the gradient check's), without p_t and the
    predicted letters: a long word's check would otherwise carry 100,000 cells it never reads.
    predictions False: the same bands without p_t and the predicted letters, and the backward pass
    (a text's iterations: a tenth of their cells, which a book of 100 pays for in opening time)."""
    T, V, H = L.T, L.V, L.H
    labels = steps(T)
    if slot in (0, 1) or own_inputs(L, slot):
        S.band("One-hot inputs x_t and targets, one row per time step", [
            Part(net_X, slot, "x_t", T, V, labels, letters), " ", Part(net_TGT, slot, "target_t", T, V, labels, letters)])
    # Two bands, not one: a single row of every table would print at a tiny scale.
    L.family.network_cell_bands(S, L, slot, title)
    S.band(f"{title}: forward pass, one row per time step", L.family.network_parts(L, slot) + [
        " ", Part(net_Y, slot, "y_t", T, V, labels, letters, offset=1)])
    softmax = [Part(net_M, slot, "max y_t", T, row_labels=labels), " ",
               Part(net_E, slot, "exp(y_t - max)", T, V, None, letters), " ", Part(net_S, slot, "Σ exp(y-max)", T), " ",
               Part(net_P, slot, "p_t", T, V, labels, letters), " ",
               Part(net_L, slot, "loss_t", T), Part(net_pred, slot, "predicted", T)]
    total = [Part(net_loss, slot, "loss", 1), Part(net_text, slot, "predicted", 1)]
    if loss_only or not predictions:
        S.band(f"{title}: the loss of each step", _without(softmax, (net_P, net_pred)))
        S.band(f"{title}: total", _without(total, (net_text,)))
        if loss_only:
            return
    else:
        S.band(f"{title}: softmax, loss and prediction", softmax)
        S.band(f"{title}: total", total)
    if not backward:
        return
    S.band(f"{title}: backward pass", [
        Part(net_dY, slot, "dy_t = p_t - target_t", T, V, labels, letters), " ",
        Part(net_WhyT, slot, "Whyᵀ", H, V, units(H), letters)] + L.family.network_back_parts(L, slot))
    L.family.network_back_bands(S, L, slot, title)
    clip = f" (clipped to ±{L.clip:g})" if L.clip else ""
    param_bands(S, L, letters, summed, slot, lambda n: f"d{n}", f"{title}: gradients summed over time{clip}")


# --- the Update sheet -------------------------------------------------------------------------------

loss_before = Quantity("loss_before", lambda c, t: c.F.loss, lambda L, t, i, j: L["loss"].ref(),
                       "The loss with the Parameters weights (Summary).", role=Role.LINK)


@computed("The loss the updated weights give on the same word.", lambda c, t: c.record(0).fwd.loss)
def loss_next(L, t, i, j):
    return L[net_loss, 0].ref()


@computed("loss_next - loss: negative when the update helped.", lambda c, t: c.record(0).fwd.loss - c.F.loss)
def loss_change(L, t, i, j):
    return f"{L[loss_next].ref()}-{L[loss_before].ref()}"


def state_bands(S, L, letters, quantity, t, caption, title):
    """One band per state the optimizer keeps (none for SGD), laid out as the weights are."""
    for s in L.optimizer.state:
        param_bands(S, L, letters, lambda n, s=s: quantity(s, n), t, lambda n, s=s: caption(s, n), title(s))


def update_sheet(L, letters):
    S = SheetPlan("Update", "training")
    opt = L.optimizer
    clip = f", each gradient first clipped to [-{L.clip:g}, {L.clip:g}]" if L.clip else ""
    if opt.state:
        S.title(f"Update: one step of gradient descent with {opt.title}",
                f"Uses lr from Parameters and the Gradients sheet{clip}; the optimizer's state "
                f"({', '.join(opt.state)}) starts at 0. Type another lr to see its effect.")
    else:
        S.title(f"Update: one step of gradient descent, {opt.rule}",
                f"Uses lr from Parameters and the Gradients sheet{clip}. Type another lr to see its effect.")
    state_bands(S, L, letters, moment, None, lambda s, n: f"{s}_{n}",
                lambda s: f"The optimizer's state {s} after the update: {opt.state_rule(s, 'dW')} ({s} starts at 0)")
    param_bands(S, L, letters, new, None, lambda n: f"{n}_new", "The updated weights")
    for name in L.cell.param_names:
        L.name(f"{name}_new", new(name))
        for s in opt.state:
            L.name(f"{s}_{name}", moment(s, name))
    S.band("Does it help? The loss before and after the update", [
        Part(loss_before, None, "loss (Summary)", 1), Part(loss_next, None, "loss_next", 1),
        Part(loss_change, None, "change", 1)])
    L.name("loss_next", loss_next)
    network_bands(S, L, letters, slot=0, backward=False, title="Forward pass with the updated weights")
    return S


# --- the Training sheet -------------------------------------------------------------------------------

epoch_no = Quantity("epoch_no", lambda c, t: np.arange(c.sc.epochs + 1), role=Role.CONSTANT,
                    note="Epoch k: the weights after k steps of gradient descent.")


@computed("The loss of each epoch's weights on the whole word.",
          lambda c, t: [r.fwd.loss for r in c.records[:c.sc.epochs + 1]])
def loss_epochs(L, t, e, j):
    return L["loss"].ref() if e == 0 else L[net_loss, e].ref()


@computed("The letters each epoch's weights predict.",
          lambda c, t: column("".join(c.letters(r.fwd.predicted)) for r in c.records[:c.sc.epochs + 1]))
def pred_epochs(L, t, e, j):
    return L["predicted_text"].ref() if e == 0 else L[net_text, e].ref()


def training_sheet(L, letters):
    N = L.epochs
    S = SheetPlan("Training", "training")
    S.title(f"Training: {N} more steps of gradient descent on the whole word",
            "Epoch 0 is the Parameters sheet; epoch k uses the weights after k updates." + (
                f" The printout holds the loss per epoch and epoch 1; epochs 2 to {N} are on screen." if N > 1 else ""))
    S.band("Loss and prediction per epoch", [
        Part(epoch_no, None, "epoch", N + 1), Part(loss_epochs, None, "loss", N + 1),
        Part(pred_epochs, None, "predicted letters", N + 1, width=L.T + 4)])
    L.name("loss_epochs", loss_epochs)
    S.chart({"title": "Loss per epoch", "x_title": "epoch", "y_title": "loss", "categories": epoch_no,
             "values": loss_epochs})
    for k in range(1, N + 1):
        weights_text = "from the Update sheet" if k == 1 else L.optimizer.rule_for(
            f"W_{k}", f"W_{k - 1}", f"dW_{k - 1}", {s: f"{s}_{k}" for s in L.optimizer.state}, k)
        state_bands(S, L, letters, trained_moment, k, lambda s, n, k=k: f"{s}_{n} ({s}_{k})",
                    lambda s, k=k: f"Epoch {k}: state {s}, " + (
                        "from the Update sheet" if k == 1 else
                        L.optimizer.state_rule(s, f"dW_{k - 1}", f"{s}_{k}", f"{s}_{k - 1}")))
        param_bands(S, L, letters, trained, k, lambda n, k=k: f"{n} (W_{k})", f"Epoch {k}: weights ({weights_text})")
        network_bands(S, L, letters, slot=k, backward=k < N, title=f"Epoch {k}")
        if k == 1 and N > 1:
            # A handout, not a ream: every epoch repeats the first's computation on other weights
            # (30 epochs of an LSTM would print on some 200 pages).
            S.print_rows = S.row - 1
    return S
