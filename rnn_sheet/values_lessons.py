"""Engine values of the Gradient flow and Generate sheets."""
import numpy as np

from .engine import generate
from .values import VALUES

VALUES["flow_t"] = lambda c, t: np.arange(1, c.sc.T + 1)
VALUES["grad_norms"] = lambda c, t: np.linalg.norm(c.B.dh, axis=1)
VALUES["da_norms"] = lambda c, t: np.linalg.norm(c.B.da, axis=1)


def _generated(c):
    if not hasattr(c, "generated"):
        P = c.records[c.sc.epochs].params
        c.generated = generate(P, c.sc.vocab.index(c.sc.start), c.sc.generate)
    return c.generated


def _letters(c, indices):
    return np.array([c.sc.vocab[i] for i in indices], dtype=object)


VALUES["gen_start"] = lambda c, t: c.sc.start
VALUES["gen_in"] = lambda c, t: _letters(c, _generated(c).inputs)
VALUES["gen_X"] = lambda c, t: np.eye(len(c.sc.vocab))[_generated(c).inputs]
VALUES["gen_H"] = lambda c, t: np.vstack([np.zeros((1, c.sc.hidden)), _generated(c).h])
VALUES["gen_Y"] = lambda c, t: _generated(c).y
VALUES["gen_out"] = lambda c, t: _letters(c, _generated(c).outputs)
VALUES["generated"] = lambda c, t: "".join(_letters(c, _generated(c).outputs))
