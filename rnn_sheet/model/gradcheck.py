"""The numerical gradient check: is backpropagation right? Nudge one weight entry by ±eps, run the
network forward twice, and compare the centred difference (loss(w+eps) - loss(w-eps)) / (2·eps) with
the gradient backpropagation found for that entry.

The entry is named as a student types it on the Gradient check sheet: a parameter name and a 1-based
row and column (1 for a scalar, and for a vector's column). A name that is no parameter, or an index
outside it, checks nothing: its status says so, and every number is 0.
"""
import math
from dataclasses import dataclass

import numpy as np

from .engine import Epoch, forward

OK, UNKNOWN, OUT_OF_RANGE = 1, 2, 3       # status codes, as the sheet's status cell computes them


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
    if at.param not in P.names:
        return UNKNOWN, None
    shape = np.shape(P[at.param])
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


def grad_check(P, inputs, targets, loss_mode, grads, at):
    """Check entry `at` of the gradients `grads` (backprop's, unclipped) of the weights P."""
    code, index = status(P, at)
    plus, minus = P, P
    if code == OK:
        plus = nudged(P, at.param, index, at.eps)
        minus = nudged(P, at.param, index, -at.eps)
    fp, fm = forward(plus, inputs, targets, loss_mode), forward(minus, inputs, targets, loss_mode)
    # Step by step: the totals of a long word hold a thousand times each step's loss, and their
    # difference would keep that many fewer digits.
    numeric = float((fp.losses - fm.losses).sum()) / (2 * at.eps)
    analytic = float(np.asarray(grads[at.param])[index]) if code == OK else 0.0
    rel = abs(numeric - analytic) / max(abs(numeric) + abs(analytic), 1e-12)
    return GradCheck(code, Epoch(plus, fp, None, {}), Epoch(minus, fm, None, {}), numeric, analytic, rel)
