"""A quantity of the workbook, declared once beside the sheet that shows it: its formula, its engine
value, its plain-maths note and its role. Sheets place it (layout.Part), the renderer turns it into
cells, the exercise blanks it, `check` compares it.

A formula is a function (L, t, i, j) -> text: L the layout seen from the sheet being written, t the
time step (or slot, or None), (i, j) the cell inside the block. It returns the formula without its
'=', or None where that cell is a constant (the zero state before the first step, say). Block
references name their sheet only when it is another one.

Only functions that Excel, LibreOffice Calc and Google Sheets evaluate alike in a plain cell: MMULT
of a row by a column (a 1x1 result), SUMPRODUCT of ranges of one orientation, EXP, LN, TANH, MAX,
SUM, INDEX, MATCH, IF, EXACT. No array formulas, no TRANSPOSE, no 3D references: older Excel needs
array entry for TRANSPOSE in a plain cell, LibreOffice misreads SUM(EXP(range)) there, and 3D
references are not portable.
"""
from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from typing import Callable

import numpy as np

from ..model.engine import Epoch, forward, generate, train
from ..model.gradcheck import grad_check
from ..model.text import train_text

# Every function any formula may call; tests check each formula against this list, and the xlsx
# writer relies on it (none needs Excel 365's _xlfn. prefix). ABS, AND, OR and INT: the gradient check
# (LOWER, TRIM and SUBSTITUTE: its typed parameter name);
# COUNTBLANK, COUNT, ROUND and MOD: an exercise's self-check cells (exercise.py).
ALLOWED = {"MMULT", "SUMPRODUCT", "EXP", "LN", "TANH", "MAX", "MIN", "SUM", "SUMSQ", "SQRT", "INDEX",
           "MATCH", "IF", "EXACT", "ABS", "AND", "OR", "INT", "LOWER", "TRIM", "SUBSTITUTE", "COUNTBLANK",
           "COUNT", "ROUND", "MOD"}
# Network-block slots of the Gradient check sheet: the forward passes with one weight at w ± eps.
CHECK_PLUS, CHECK_MINUS = -1, -2


class Role(Enum):
    INPUT = "input"          # the user's to change (yellow)
    COMPUTED = "computed"    # a formula (blue)
    LINK = "link"            # a formula that repeats a cell shown elsewhere (green)
    CONSTANT = "constant"    # a fixed number: one-hot codes, step numbers (grey)


class Heat(Enum):
    DIVERGING = "diverging"      # weights and gradients: red above 0, blue below
    PROBABILITY = "probability"  # 0 .. 1, white to green


@dataclass(frozen=True, eq=False)
class Quantity:
    kind: str                            # its name in keys: ("h", t)
    value: Callable                      # (Context, t) -> the engine's value, shaped like its block
    formula: Callable | None = None      # (L, t, i, j) -> formula text or None; None for inputs
    note: object = None                  # plain maths on the block's first cell: text, or L -> text
    role: Role = Role.COMPUTED
    heat: Heat | None = None
    one_hot: bool = False                # 0/1 values, shown as whole numbers
    scientific: bool = False             # shown as 1.234567E-08: values far below 1e-6 that matter
    copy_of: str | None = None           # a parameter shown again beside what it multiplies
    exercise: bool = False               # a blank a student fills in an exercise

    def note_for(self, L):
        return self.note(L) if callable(self.note) else self.note

    def __repr__(self):
        return f"Quantity({self.kind!r})"


class Context:
    """The engine's run of a scenario, which the values of every quantity read: training record k
    holds the weights after k updates (the Update sheet always shows one, Training `epochs`)."""

    def __init__(self, scenario, steps=True):
        """steps: the time steps (1-based) whose contributions to each gradient are shown, if not all."""
        sc = self.sc = scenario
        keep = True if steps is True else [t - 1 for t in steps]
        if sc.text is None:
            self.records = train(sc.params, sc.inputs, sc.targets, sc.lr, max(sc.epochs, 1), sc.clip,
                                 sc.loss_mode, sc.optimizer, keep)
        else:       # record k: iteration k, on its chunk of the text (model/text.py)
            data = [sc.vocab.index(ch) for ch in sc.text]
            self.records = train_text(sc.params, data, sc.seq_length, sc.epochs, sc.lr, sc.clip, sc.loss_mode,
                                      sc.optimizer, keep)
        self.P, self.F, self.B = self.records[0].params, self.records[0].fwd, self.records[0].bwd

    def record(self, slot):
        """Slot 0 is the Update sheet's check of the new weights, slot k training epoch k; the
        gradient check's slots are its two nudged forward passes."""
        if slot == CHECK_PLUS:
            return self.check.plus
        if slot == CHECK_MINUS:
            return self.check.minus
        if slot == 0:
            return self.updated
        return self.records[slot]

    @cached_property
    def updated(self):
        """The Update sheet's forward pass: the weights after one update, on the same word (for a
        text, the first chunk: iteration 1 reads the next one)."""
        first = self.records[1]
        if self.sc.text is None:
            return first
        return Epoch(first.params, forward(first.params, self.sc.inputs, self.sc.targets, self.sc.loss_mode),
                     None, {}, first.state)

    @cached_property
    def check(self):
        sc = self.sc
        return grad_check(self.P, sc.inputs, sc.targets, sc.loss_mode, self.B.grads, sc.check)

    @cached_property
    def generated(self):
        sc = self.sc
        return generate(self.records[sc.epochs].params, sc.vocab.index(sc.start), sc.generate,
                        sc.temperature, sc.draws)

    def letters(self, indices):
        return [self.sc.vocab[k] for k in indices]


def computed(note, value, **kw):
    """Declare a formula quantity: decorate its formula function; the quantity takes its name."""
    def declare(formula):
        return Quantity(formula.__name__, value, formula, note, **kw)
    return declare


def link(kind, source, note, value, **kw):
    """A linked copy: each cell repeats the same cell of `source` (a kind) at the same t."""
    def formula(L, t, i, j):
        return L[source, t].ref(i, j)
    return Quantity(kind, value, formula, note, role=Role.LINK, **kw)


def param_link(kind, param, note, **kw):
    """A parameter shown again beside what it multiplies (a compact layout drops it)."""
    def formula(L, t, i, j):
        return L[param].ref(i, j)
    return Quantity(kind, lambda c, t: c.P[param], formula, note, role=Role.LINK, heat=Heat.DIVERGING,
                    copy_of=param, **kw)


def forward_at(name):
    """The value of a cell's own forward quantity `name` (the engine's Forward.hidden) at step t."""
    return lambda c, t: c.F.hidden[name][t - 1]


def backward_at(name):
    """The value of a cell's own backward quantity `name` (the engine's Backward.hidden) at step t."""
    return lambda c, t: c.B.hidden[name][t - 1]


def after_zero_row(table):
    """A time-major table (a row per step) under a row of zeros: row 0 is the zero state before step 1."""
    return np.vstack([np.zeros((1, table.shape[1])), table])


def column(values):
    """Values (letters, say) as a one-column block."""
    return np.asarray(list(values), dtype=object).reshape(-1, 1)
