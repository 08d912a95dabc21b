"""The Step sheets (forward propagation of one time step) and the Summary sheet. A step reads its
letter, runs the cell (the cell's own bands, from its sheet family), scores every letter with
y_t = Why·h_t (+ by), and turns the scores into probabilities, a prediction and a loss."""
import numpy as np

from ..workbook.grid import Block
from .layout import CHART_MAX_V, Part, SheetPlan, show_char, shown, steps, units
from .parameters import joined, most_probable, one_hot_of, vocab, word
from .quantity import Heat, Quantity, Role, column, computed, link, param_link

# --- the letters of step t --------------------------------------------------------------------------

char_in = Quantity("char_in", lambda c, t: c.sc.word[t - 1], lambda L, t, i, j: L[word].ref(t - 1, 0),
                   "x_t: letter t of the word.")
char_target = Quantity("char_target", lambda c, t: c.sc.word[t], lambda L, t, i, j: L[word].ref(t, 0),
                       "target: letter t+1 of the word, what step t should predict.")


@computed("x_t = one-hot(letter t): 1 where the vocabulary letter equals the input letter.",
          lambda c, t: c.F.x[t - 1], one_hot=True)
def x(L, t, k, j):
    return one_hot_of(L, k, L[char_in, t].ref())


@computed("target_t = one-hot(letter t+1).", lambda c, t: c.F.target[t - 1], one_hot=True)
def target(L, t, k, j):
    return one_hot_of(L, k, L[char_target, t].ref())


@computed("h(t-1): the hidden state of the previous step (0 before the first letter).",
          lambda c, t: c.F.previous("h")[t - 1], role=Role.LINK)
def h_prev(L, t, i, j):
    return None if t == 1 else L[L.family.h, t - 1].ref(i, 0)


# --- scores -------------------------------------------------------------------------------------------

Why_link = param_link("Why_link", "Why", "A linked copy of Why from Parameters.")
by_link = param_link("by_link", "by", "A linked copy of by from Parameters.")
h_copy = link("h_copy", "h", "h_t again, beside Why, to multiply it.", lambda c, t: c.F.h[t - 1])


@computed("y_t = Why · h_t (+ by): one score per letter.", lambda c, t: c.F.y[t - 1], exercise=True)
def y(L, t, k, j):
    out = f"MMULT({L[Why_link, t].row_range(k)},{L[h_copy, t].range()})"
    return out + (f"+{L[by_link, t].ref(k)}" if L.cell.output_bias else "")


# --- softmax, prediction, loss --------------------------------------------------------------------------

def _exp(c, t):
    y_t = c.F.y[t - 1]
    return np.exp(y_t - y_t.max())


@computed("max_k y_t[k]: subtracted before exp so that exp never overflows.", lambda c, t: c.F.y[t - 1].max())
def ymax(L, t, i, j):
    return f"MAX({L[y, t].range()})"


@computed("exp(y_t[k] - max y_t)", _exp)
def e(L, t, k, j):
    # Subtracting the max keeps EXP finite for large scores; softmax is unchanged by it.
    return f"EXP({L[y, t].ref(k)}-{L[ymax, t].ref()})"


@computed("Σ_k exp(y_t[k] - max y_t)", lambda c, t: _exp(c, t).sum())
def esum(L, t, i, j):
    return f"SUM({L[e, t].range()})"


@computed("p_t[k] = exp(y_t[k]) / Σ_j exp(y_t[j]) (softmax): the probability of letter k next.",
          lambda c, t: c.F.p[t - 1], heat=Heat.PROBABILITY, exercise=True)
def p(L, t, k, j):
    return f"{L[e, t].ref(k)}/{L[esum, t].ref()}"


@computed("The predicted letter: argmax_k p_t[k].", lambda c, t: c.sc.vocab[c.F.predicted[t - 1]])
def pred(L, t, i, j):
    return most_probable(L, L[p, t].range())


@computed("loss_t = -ln p_t[target]: cross-entropy, 0 when the target gets probability 1.",
          lambda c, t: c.F.losses[t - 1], exercise=True)
def loss_t(L, t, i, j):
    if not L.counted(t):
        return None     # --loss last: only the final prediction is scored
    # -ln p(target), written so that it stays finite when p(target) underflows to 0.
    return f"LN({L[esum, t].ref()})+{L[ymax, t].ref()}-SUMPRODUCT({L[y, t].range()},{L[target, t].range()})"


def step_sheet(L, t, letters):
    S = SheetPlan(f"Step {t}", "forward", steps=(t,))
    S.title(f"Time step {t} of {L.T}: forward propagation",
            "Every number is a live formula; matrices are linked to the Parameters sheet.")
    step_bands(S, L, t, letters)
    return S


def steps_sheet(L, ts, letters):
    """Steps past the worked ones of a compact workbook, one after another on one sheet (up to a
    hundred: order.by_hundreds): a spreadsheet pays far more per sheet than per formula (a bare book
    of a 300-step book's formulas opens in 6.4 s on 607 sheets, 0.5 s on 12)."""
    S = SheetPlan(f"Steps {ts[0]}-{ts[-1]}", "forward", steps=tuple(ts))
    S.title(f"Time steps {ts[0]} to {ts[-1]} of {L.T}: forward propagation, one step after another",
            "Every number is a live formula; the weights are on the Parameters sheet.")
    for t in ts:
        S.heading(f"Time step {t}", lambda: step_bands(S, L, t, letters))
    return S


def step_bands(S, L, t, letters):
    V, H = L.V, L.H
    S.label(S.row, 1, "input x_t", "caption")
    S.label(S.row, 3, "target", "caption")
    S.place(char_in, t, Block(S.name, S.row + 1, 1), noted=False)
    S.place(char_target, t, Block(S.name, S.row + 1, 3), noted=False)
    S.row += 3
    full = L.in_full("forward", t)
    L.family.forward_bands(S, L, t, letters, full)
    parts = [Part(Why_link, t, "Why", V, H, letters, units(H)), "×", Part(h_copy, t, "h_t", H)]
    if L.cell.output_bias:
        parts += ["+", Part(by_link, t, "by", V)]
    parts += ["=", Part(y, t, "y_t", V)]
    S.band("y_t = Why · h_t" + (" + by" if L.cell.output_bias else "") + ": scores for each letter",
           shown(L, parts, full))
    S.band("softmax(y_t): probability of each letter, prediction and loss", [
        Part(ymax, t, "max(y_t)", 1), Part(e, t, "exp(y_t - max)", V, row_labels=letters),
        Part(esum, t, "sum of exp", 1), Part(p, t, "p_t = softmax", V),
        Part(target, t, "target one-hot", V), Part(pred, t, "predicted", 1),
        Part(loss_t, t, "loss_t = -ln p(target)", 1)])
    if not L.compact and V <= CHART_MAX_V:     # below the softmax it draws
        S.chart({"type": "bar", "title": f"p_{t} = softmax(y_{t}); target: '{show_char(L.sc.word[t])}'",
                 "x_title": "next letter", "y_title": "probability", "categories": vocab, "values": (p, t),
                 "y_max": 1})
    for name, q in (("x", x), ("h", L.family.h), ("y", y), ("p", p), ("loss", loss_t)):
        L.name(f"{name}_{t}", (q, t))


# --- Summary ------------------------------------------------------------------------------------------

def _per_step(kind):
    return lambda L, t, i, j: L[kind, i + 1].ref()


def _letter_per_step(kind):
    """A letter of each step, a space shown as ␣ (as the row and column labels show it): an empty-looking
    cell would hide it. Nothing reads these cells but the chart of loss_t."""
    def formula(L, t, i, j):
        ref = L[kind, i + 1].ref()
        return f'SUBSTITUTE({ref}," ","{show_char(" ")}")' if _spaced(L) else ref
    return formula


def _spaced(L):
    """Does a space show as ␣ (a vocabulary with a space, and without ␣ of its own)?"""
    return " " in L.sc.vocab and show_char(" ") not in L.sc.vocab


def _shown(c, letters):
    spaced = " " in c.sc.vocab and show_char(" ") not in c.sc.vocab       # as _spaced(L)
    return column(show_char(x) if spaced else x for x in letters)


sum_in = Quantity("sum_in", lambda c, t: _shown(c, c.sc.word[:-1]), _letter_per_step(char_in), role=Role.LINK,
                  note="x_t: the input letter of each step.")
sum_target = Quantity("sum_target", lambda c, t: _shown(c, c.sc.word[1:]), _letter_per_step(char_target),
                      role=Role.LINK, note="The target letter of each step.")
sum_pred = Quantity("sum_pred", lambda c, t: _shown(c, c.letters(c.F.predicted)), _letter_per_step(pred),
                    role=Role.LINK, note="The predicted letter of each step.")
sum_loss = Quantity("sum_loss", lambda c, t: c.F.losses, _per_step(loss_t), role=Role.LINK,
                    note="loss_t = -ln p_t[target]")


@computed("p_t[target]: the probability the network gave the right letter.",
          lambda c, t: (c.F.p * c.F.target).sum(axis=1), heat=Heat.PROBABILITY)
def sum_ptarget(L, t, i, j):
    return f"SUMPRODUCT({L[p, i + 1].range()},{L[target, i + 1].range()})"


@computed("The predicted letters joined together.", lambda c, t: "".join(c.letters(c.F.predicted)))
def predicted_text(L, t, i, j):
    text = joined(L[sum_pred])
    # The letters themselves: the column above shows a space as ␣.
    return f'SUBSTITUTE({text},"{show_char(" ")}"," ")' if _spaced(L) else text


@computed("loss = Σ_t loss_t", lambda c, t: c.F.loss)
def loss(L, t, i, j):
    return f"SUM({L[sum_loss].range()})"


def summary_sheet(L):
    T = L.T
    S = SheetPlan("Summary", "summary")
    S.title("Summary: what the network predicts at each time step",
            "The total loss is the sum of the cross-entropy loss of every step." if L.sc.loss_mode == "all" else
            f"The total loss is the cross-entropy loss of the last step (--loss last): steps 1 to {T - 1} "
            "predict, but do not count.")
    S.band("Per time step", [
        Part(sum_in, None, "input", T, row_labels=steps(T)),
        Part(sum_target, None, "target", T), Part(sum_pred, None, "predicted", T),
        Part(sum_ptarget, None, "p(target)", T), Part(sum_loss, None, "loss_t", T)])
    S.band("Whole word", [Part(predicted_text, None, "predicted letters", 1, width=T + 4),
                          Part(loss, None, "total loss", 1)])
    L.name("loss", loss)
    S.chart({"type": "bar", "title": "loss_t per time step", "x_title": "input letter x_t",
             "y_title": "loss_t", "categories": sum_in, "values": sum_loss})
    return S
