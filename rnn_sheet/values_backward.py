"""Engine values of the backward sheets and the Gradients sheet."""
import numpy as np

from .values import VALUES, value


def _from(attr, source="B"):
    return lambda c, t: getattr(getattr(c, source), attr)[t - 1]


for _kind, _attr in {"b_p": "p", "b_target": "target", "b_h": "h", "b_x": "x", "b_hprev": "h_prev"}.items():
    VALUES[_kind] = _from(_attr, "F")
for _kind in ("dy", "dh", "da"):
    VALUES[_kind] = _from(_kind)
VALUES["dh_out"] = _from("dh_next")
VALUES["b_Why"] = lambda c, t: c.P.Why
VALUES["b_Whh"] = lambda c, t: c.P.Whh


@value("dh_in")
def _dh_in(c, t):
    return c.B.dh_next[t] if t < len(c.B.dh) else c.B.dh[0] * 0


for _name in ("Wxh", "Whh", "bh", "Why", "by"):
    VALUES[f"d{_name}_t"] = (lambda n: lambda c, t: c.B.steps[n][t - 1])(_name)
    VALUES[f"d{_name}"] = (lambda n: lambda c, t: c.B.grads[n])(_name)

VALUES["g_DA"] = lambda c, t: c.B.da
VALUES["g_DY"] = lambda c, t: c.B.dy
VALUES["g_X"] = lambda c, t: c.F.x
VALUES["g_H"] = lambda c, t: np.vstack([np.zeros((1, c.sc.hidden)), c.F.h])
