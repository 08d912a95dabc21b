"""The numerical gradient check: is backpropagation right? Nudge one weight entry by ±eps, run the
network forward twice, and compare the centred difference (loss(w+eps) - loss(w-eps)) / (2·eps) with
the gradient backpropagation found for that entry.

The entry is named as a student types it on the Gradient check sheet: a parameter name (or the label
the sheets show for it, "bias" for bh; capitals and surrounding spaces do not matter) and a 1-based
row and column (1 for a scalar, and for a vector's column). A name that is no parameter, or an index
outside it, checks nothing: its status says so, and every number is 0. The check passes when the
relative error is below THRESHOLD and fails at WRONG or more.
"""
import math
import re
from dataclasses import dataclass

import numpy as np

from .engine import Epoch, forward

OK, UNKNOWN, OUT_OF_RANGE, FAILED, UNCLEAR = 1, 2, 3, 4, 5    # status codes, as the sheet computes them
THRESHOLD = 1e-6        # a relative error below this passes: backprop and the slope agree to six digits
WRONG = 1e-2            # ... at or above this the gradient is wrong; between the two the check cannot
                        # tell (eps too large where the loss curves sharply, or a gradient near 0)
NEAR_ZERO = 1e-4        # |numeric| + |analytic| below this: rounding (about 1e-11 of the slope) is
                        # 1e-7 of the relative error or more, and programs that round differently
                        # would disagree on a pass: the check cannot tell
LABELS = {"bh": "bias"}     # what the sheets call a parameter, where it is not its name


def label(name):
    return LABELS.get(name, name)


def folded(text):
    """A typed name as the sheet compares it: LOWER(TRIM(text)) (TRIM: no spaces at the ends, one
    between words)."""
    return re.sub(" +", " ", str(text)).strip(" ").lower()


def named(names, text):
    """The parameter of `names` that `text` names (by its name or label), or None."""
    key = folded(text)
    return next((n for n in names if key in (folded(n), folded(label(n)))), None)


@dataclass(frozen=True)
class CheckAt:
    """Which entry to check, as typed: param text, row and column (numbers, or whatever was typed)."""
    param: str
    row: object = 1
    col: object = 1
    eps: float = 1e-4


def size(shape):
    """(rows, columns) a parameter shows: a scalar is 1x1, a vector one column."""
    return (tuple(shape) + (1, 1))[:2] if len(shape) < 2 else tuple(shape)


def _whole_within(v, n):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and 1 <= v <= n and v == math.floor(v)


def status(P, at):
    """OK, UNKNOWN or OUT_OF_RANGE, and the entry's index into the parameter's array."""
    name = named(P.names, at.param)
    if name is None:
        return UNKNOWN, None
    shape = np.shape(P[name])
    rows, cols = size(shape)
    if not (_whole_within(at.row, rows) and _whole_within(at.col, cols)):
        return OUT_OF_RANGE, None
    index = (int(at.row) - 1, int(at.col) - 1)[:len(shape)]
    return OK, index


def nudged(P, name, index, eps):
    """P with one entry at w + eps (the same float the sheet's W+eps gives)."""
    arr = np.array(P[name], dtype=float, copy=True)
    arr[index] = arr[index] + eps
    return P.replace(**{name: arr})


@dataclass
class GradCheck:
    code: int
    plus: Epoch           # forward pass with the entry at w + eps
    minus: Epoch          # ... and at w - eps
    numeric: float
    analytic: float
    rel_error: float

    @property
    def outcome(self):
        """The status the sheet shows: passed (OK), the reason it cannot check, FAILED or UNCLEAR."""
        if self.code != OK:
            return self.code
        if self.rel_error >= WRONG:
            return FAILED
        return OK if self.rel_error < THRESHOLD and abs(self.numeric) + abs(self.analytic) >= NEAR_ZERO else UNCLEAR


def grad_check(P, inputs, targets, loss_mode, grads, at):
    """Check entry `at` of the gradients `grads` (backprop's, unclipped) of the weights P."""
    code, index = status(P, at)
    name = named(P.names, at.param)
    plus, minus = P, P
    if code == OK:
        plus = nudged(P, name, index, at.eps)
        minus = nudged(P, name, index, -at.eps)
    fp, fm = forward(plus, inputs, targets, loss_mode), forward(minus, inputs, targets, loss_mode)
    # Step by step: the totals of a long word hold a thousand times each step's loss, and their
    # difference would keep that many fewer digits.
    numeric = float((fp.losses - fm.losses).sum()) / (2 * at.eps)
    analytic = float(np.asarray(grads[name])[index]) if code == OK else 0.0
    rel = abs(numeric - analytic) / max(abs(numeric) + abs(analytic), 1e-12)
    return GradCheck(code, Epoch(plus, fp, None, {}), Epoch(minus, fm, None, {}), numeric, analytic, rel)
