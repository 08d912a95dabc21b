"""The engine's value of every quantity the layout places, shaped like its block.

The counterpart of formulas.py: the formula of (kind, t) must compute VALUES[kind](..., t).
"""
import numpy as np

VALUES = {}


def value(*kinds):
    def register(fn):
        for kind in kinds:
            VALUES[kind] = fn
        return fn
    return register


class Context:
    def __init__(self, L, scenario, records):
        self.L, self.sc, self.records = L, scenario, records
        self.P, self.F, self.B = records[0].params, records[0].fwd, records[0].bwd


def values(L, scenario, records):
    ctx = Context(L, scenario, records)
    return {key: VALUES[key[0]](ctx, key[1]) for key in L.where}


def _col(v):
    return np.asarray(v, dtype=object).reshape(-1, 1)


@value("vocab")
def _vocab(c, t):
    return _col(list(c.sc.vocab))


@value("word")
def _word(c, t):
    return _col(list(c.sc.word))


@value("onehot")
def _onehot(c, t):
    return np.eye(len(c.sc.vocab))


@value("lr")
def _lr(c, t):
    return c.sc.lr


for _name in ("Wxh", "Whh", "bh", "Why", "by"):
    VALUES[_name] = VALUES[f"{_name}_link"] = (lambda name: lambda c, t: getattr(c.P, name))(_name)


@value("char_in")
def _char_in(c, t):
    return c.sc.word[t - 1]


@value("char_target")
def _char_target(c, t):
    return c.sc.word[t]


def _step(attr):
    return lambda c, t: getattr(c.F, attr)[t - 1]


for _kind, _attr in {"x": "x", "target": "target", "wx": "wx", "h_prev": "h_prev", "wh": "wh",
                     "a": "a", "h": "h", "h_copy": "h", "y": "y", "p": "p", "loss_t": "losses"}.items():
    VALUES[_kind] = _step(_attr)


@value("ymax")
def _ymax(c, t):
    return c.F.y[t - 1].max()


@value("e")
def _e(c, t):
    y = c.F.y[t - 1]
    return np.exp(y - y.max())


@value("esum")
def _esum(c, t):
    return _e(c, t).sum()


@value("pred")
def _pred(c, t):
    return c.sc.vocab[c.F.predicted[t - 1]]


@value("sum_in")
def _sum_in(c, t):
    return _col(list(c.sc.word[:-1]))


@value("sum_target")
def _sum_target(c, t):
    return _col(list(c.sc.word[1:]))


@value("sum_pred")
def _sum_pred(c, t):
    return _col([c.sc.vocab[k] for k in c.F.predicted])


@value("sum_ptarget")
def _sum_ptarget(c, t):
    return (c.F.p * c.F.target).sum(axis=1)


@value("sum_loss")
def _sum_loss(c, t):
    return c.F.losses


@value("predicted_text")
def _predicted_text(c, t):
    return "".join(c.sc.vocab[k] for k in c.F.predicted)


@value("loss")
def _loss(c, t):
    return c.F.loss


from . import values_backward, values_lessons, values_training  # noqa: E402,F401  (register their values)
