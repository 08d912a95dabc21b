"""Engine values of the Update and Training sheets. Slot 0 (Update's check) and epoch k show the
weights after one and after k SGD steps: training records 1 and k."""
import numpy as np

from .values import VALUES, value

PARAMS = ("Wxh", "Whh", "bh", "Why", "by")


def _record(c, slot):
    return c.records[max(slot, 1)]


for _name in PARAMS:
    VALUES[f"{_name}_new"] = (lambda n: lambda c, t: getattr(c.records[1].params, n))(_name)
    VALUES[f"cw_{_name}"] = (lambda n: lambda c, k: getattr(c.records[k].params, n))(_name)
    VALUES[f"c_g_{_name}"] = (lambda n: lambda c, k: c.records[k].grads[n])(_name)

VALUES["loss_before"] = lambda c, t: c.F.loss
VALUES["loss_next"] = lambda c, t: c.records[1].fwd.loss
VALUES["loss_change"] = lambda c, t: c.records[1].fwd.loss - c.F.loss
VALUES["c_X"] = lambda c, s: c.F.x
VALUES["c_TGT"] = lambda c, s: c.F.target
VALUES["c_H"] = lambda c, s: np.vstack([np.zeros((1, c.sc.hidden)), _record(c, s).fwd.h])
VALUES["c_Y"] = lambda c, s: _record(c, s).fwd.y
VALUES["c_M"] = lambda c, s: _record(c, s).fwd.y.max(axis=1)
VALUES["c_P"] = lambda c, s: _record(c, s).fwd.p
VALUES["c_L"] = lambda c, s: _record(c, s).fwd.losses
VALUES["c_loss"] = lambda c, s: _record(c, s).fwd.loss
VALUES["c_dY"] = lambda c, s: _record(c, s).bwd.dy
VALUES["c_dH"] = lambda c, s: _record(c, s).bwd.dh
VALUES["c_dA"] = lambda c, s: _record(c, s).bwd.da
VALUES["c_WhyT"] = lambda c, s: _record(c, s).params.Why.T
VALUES["c_WhhT"] = lambda c, s: _record(c, s).params.Whh.T


@value("c_S")
def _c_S(c, s):
    y = _record(c, s).fwd.y
    return np.exp(y - y.max(axis=1, keepdims=True)).sum(axis=1)


def _letters(c, s):
    return [c.sc.vocab[k] for k in _record(c, s).fwd.predicted]


VALUES["c_pred"] = lambda c, s: np.array(_letters(c, s), dtype=object)
VALUES["c_text"] = lambda c, s: "".join(_letters(c, s))
VALUES["epoch_no"] = lambda c, t: np.arange(c.sc.epochs + 1)
VALUES["loss_epochs"] = lambda c, t: [r.fwd.loss for r in c.records[:c.sc.epochs + 1]]
VALUES["pred_epochs"] = lambda c, t: np.array(["".join(c.sc.vocab[k] for k in r.fwd.predicted)
                                               for r in c.records[:c.sc.epochs + 1]], dtype=object)
VALUES["clip"] = lambda c, t: c.sc.clip
