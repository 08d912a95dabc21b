"""Training on a text, live (model/text.py): the Training sheet, one row per iteration with its loss
and smooth loss, and the Iterations sheets, where iteration k's compact network block runs on its
chunk from the state the chunk before handed on, with the weights and optimizer state after k updates.

Iteration 0 is the worked one: the Step, Back, Gradients and Update sheets, on the first chunk from
the zero state. Iteration k >= 1 is network block k (training.network_bands), its weights W_k those
of training.trained; the only differences from a word's epochs are its own one-hot tables (its
chunk, training.own_inputs) and row 0 of its state tables, carried from the chunk before unless
the pointer wrapped (carried, below). Whatever the cell, its state tables are net_H (and net_C, ...),
"net_" and the state's name, and row 0 of each is the state before the chunk.
"""
from functools import cache

import numpy as np

from ..model.text import smoothed
from .layout import Part, SheetPlan
from .quantity import Quantity, Role, column, computed
from .text import char_ref, chunk_at
from .training import net_loss, network_bands, new, param_bands, state_bands, trained, trained_moment

ITERATIONS_A_SHEET = 20     # a sheet holds one writer's cells at a time: 20 iterations of hidden 16 ~ 200,000


def table_kind(state):
    """The network blocks' table of state `state` (h -> net_H, c -> net_C)."""
    return f"net_{state.upper()}"


@cache
def carried(q, state):
    """A state table whose row 0 is the state the chunk starts from: 0 after a reset, else the
    previous chunk's last row (iteration 1's: the last Step sheet's)."""
    def formula(L, slot, r, i):
        if r:
            return q.formula(L, slot, r, i)
        if chunk_at(L, slot).reset:
            return None
        if slot == 1:
            return L[state, L.T].ref(i, 0)
        return L[q, slot - 1].ref(L.T, i)

    def value(c, slot):
        rows = np.array(q.value(c, slot), dtype=float)
        rows[0] = c.record(slot).start[state]
        return rows
    # A kind of its own: a kind looked up by name must name one quantity (layout.Layout.key).
    return Quantity(f"{q.kind}_carried", value, formula, "Row 0: the state the chunk starts from: the previous chunk's "
                    "last (carried), or 0 where the pointer wrapped to the start (reset). "
                    + (q.note if isinstance(q.note, str) else ""),
                    q.role, q.heat)


def carry_state(S, L, slot):
    """Row 0 of each state table of network block `slot` carried in (the tables keep their keys)."""
    for key, q in list(S.quantities.items()):
        for state in L.cell.state:
            if key[1] == slot and q.kind == table_kind(state):
                S.quantities[key] = carried(q, state)


# --- the Training sheet -------------------------------------------------------------------------------

it_no = Quantity("iteration", lambda c, t: np.arange(c.sc.epochs), role=Role.CONSTANT,
                 note="Iteration n: one chunk, one update. n = 0 is the worked iteration (the Step and Back sheets).")
it_p = Quantity("chunk_start", lambda c, t: np.array([r.chunk.p for r in c.records[:c.sc.epochs]]), role=Role.CONSTANT,
                note="p: where the chunk starts in the text. It moves on by seq_length each iteration and wraps "
                     "to 0 when p + seq_length + 1 would reach the end of the text.")
it_reset = Quantity("chunk_state", lambda c, t: column("reset" if r.chunk.reset else "carried"
                                                       for r in c.records[:c.sc.epochs]), role=Role.CONSTANT,
                    note="reset: the chunk starts from h = 0 (the first, or the pointer wrapped); carried: from "
                         "the previous chunk's last hidden state.")


@computed("The chunk's letters, text[p : p + seq_length + 1]: inputs all but the last, targets all but the first.",
          lambda c, t: column(c.sc.text[r.chunk.p:r.chunk.p + c.sc.seq_length + 1] for r in c.records[:c.sc.epochs]))
def chunk_text(L, t, n, j):
    p = chunk_at(L, n).p
    return "&".join(char_ref(L, p + r) for r in range(L.T + 1))


@computed("Each iteration's loss, before its update: Σ_t loss_t over its chunk.",
          lambda c, t: np.array([r.fwd.loss for r in c.records[:c.sc.epochs]]))
def loss_iterations(L, t, n, j):
    return L["loss"].ref() if n == 0 else L[net_loss, n].ref()


@computed("smooth_loss = 0.999 · smooth_loss + 0.001 · loss, from -ln(1/V) · seq_length (min-char-rnn's).",
          lambda c, t: smoothed([r.fwd.loss for r in c.records[:c.sc.epochs]], c.sc.V, c.sc.seq_length))
def smooth_loss(L, t, n, j):
    before = f"-LN(1/{L.V})*{L['seq_length'].ref()}" if n == 0 else L[smooth_loss].ref(n - 1)
    return f"{before}*0.999+{L[loss_iterations].ref(n)}*0.001"


def training_sheet(L):
    N, S = L.epochs, L.sc.seq_length
    P = SheetPlan("Training", "training")
    P.title(f"Training: {N} iterations of min-char-rnn's loop, one chunk of {S} letters each",
            "Iteration 0 is the worked one (Step, Back, Update sheets); iteration k runs on the weights after k "
            "updates (Iterations sheets). Edit lr or a weight and every iteration recomputes.")
    P.band("Loss per iteration", [
        Part(it_no, None, "n", N), Part(it_p, None, "p", N), Part(chunk_text, None, "chunk", N, width=S + 3),
        Part(it_reset, None, "h before", N), Part(loss_iterations, None, "loss", N),
        Part(smooth_loss, None, "smooth loss", N)])
    L.name("loss_iterations", loss_iterations)
    L.name("smooth_loss", smooth_loss)
    P.chart({"title": "Loss and smooth loss per iteration", "x_title": "iteration", "y_title": "loss",
             "categories": it_no, "values": loss_iterations, "name": "loss",
             "more": (("smooth loss", smooth_loss),)})
    return P


# --- the Iterations sheets --------------------------------------------------------------------------------

def iteration_bands(P, L, letters, k):
    chunk = chunk_at(L, k)
    state = "h = 0 (the pointer wrapped to the start)" if chunk.reset else "h carried from the chunk before"
    P.heading(f"Iteration {k}: the chunk at p = {chunk.p}, {state}", lambda: _iteration(P, L, letters, k))


def _iteration(P, L, letters, k):
    opt = L.optimizer
    weights_text = "from the Update sheet" if k == 1 else opt.rule_for(
        f"W_{k}", f"W_{k - 1}", f"dW_{k - 1}", {s: f"{s}_{k}" for s in opt.state}, k)
    state_bands(P, L, letters, trained_moment, k, lambda s, n: f"{s}_{n} ({s}_{k})",
                lambda s: f"Iteration {k}: state {s}, " + ("from the Update sheet" if k == 1 else
                                                            opt.state_rule(s, f"dW_{k - 1}", f"{s}_{k}", f"{s}_{k - 1}")))
    param_bands(P, L, letters, trained, k, lambda n: f"{n} (W_{k})", f"Iteration {k}: weights ({weights_text})")
    if k < L.epochs:
        network_bands(P, L, letters, slot=k, backward=True, title=f"Iteration {k}", predictions=False)
        carry_state(P, L, k)


def iterations_sheets(L, letters):
    """Iterations 1 .. N-1, then the final weights W_N, twenty to a sheet."""
    N = L.epochs
    out = []
    for ks in _groups(N):
        name = f"Iteration {ks[0]}" if len(ks) == 1 else f"Iterations {ks[0]}-{ks[-1]}"
        P = SheetPlan(name, "training")
        P.title(f"{name}: each on its chunk, from the state the chunk before handed on",
                "Compact tables, one row per time step; the weights are those after k updates.")
        for k in ks:
            iteration_bands(P, L, letters, k)
        out.append(P)
    return out


def _groups(N):
    ks = list(range(1, N + 1))
    return [ks[i:i + ITERATIONS_A_SHEET] for i in range(0, len(ks), ITERATIONS_A_SHEET)]


def final_names(L):
    """<param>_final: the weights after the N updates."""
    for name in L.cell.param_names:
        L.name(f"{name}_final", new(name) if L.epochs == 1 else (trained(name), L.epochs))


def sheets(L, letters):
    out = [training_sheet(L)]
    if L.epochs > 1:
        out += iterations_sheets(L, letters)
    return out
