"""Formulas of the Update and Training sheets: the compact, time-major network blocks.

Rows are time steps, so every product is a SUMPRODUCT of two rows (weights row · state row) or of
two columns (summing over time for a gradient); Whyᵀ and Whhᵀ are laid out as linked copies so no
formula needs TRANSPOSE.
"""
from .formulas import FORMULAS, formula, joined, most_probable

PARAMS = ("Wxh", "Whh", "bh", "Why", "by")


def _weights(L, slot, name):
    return L[(f"{name}_new", None)] if slot == 0 else L[(f"cw_{name}", slot)]


def _table(L, kind, slot):
    return L[(kind, min(slot, 1))]


def _clipped(L, expr):
    if not L.clip:
        return expr
    c = L[("clip", None)].ref()
    return f"MAX(-{c},MIN({c},{expr}))"


def _param(L, name, i=0, j=0):
    return L[(name, None)].ref(i, j)


# --- Update sheet -------------------------------------------------------------------------------

def _new(name):
    def new(L, t, i, j):
        grad = L[(f"d{name}", None)].ref(i, j)
        return f"{_param(L, name, i, j)}-{_param(L, 'lr')}*{_clipped(L, grad)}"
    return new


def _next_epoch(name):
    def weights(L, k, i, j):
        if k == 1:
            return L[(f"{name}_new", None)].ref(i, j)
        prev, grad = _weights(L, k - 1, name), L[(f"c_g_{name}", k - 1)]
        return f"{prev.ref(i, j)}-{_param(L, 'lr')}*{grad.ref(i, j)}"
    return weights


for _name in PARAMS:
    FORMULAS[f"{_name}_new"] = _new(_name)
    FORMULAS[f"cw_{_name}"] = _next_epoch(_name)


@formula("loss_before")
def loss_before(L, t, i, j):
    return L[("loss", None)].ref()


@formula("loss_next")
def loss_next(L, t, i, j):
    return L[("c_loss", 0)].ref()


@formula("loss_change")
def loss_change(L, t, i, j):
    return f"{L[('loss_next', None)].ref()}-{L[('loss_before', None)].ref()}"


# --- the compact network block ------------------------------------------------------------------

def _one_hot_row(offset):
    def one_hot(L, slot, r, k):
        vocab, word = L[("vocab", None)].ref(k), L[("word", None)].ref(r + offset)
        return f"IF(EXACT({vocab},{word}),1,0)"
    return one_hot


FORMULAS["c_X"] = _one_hot_row(0)
FORMULAS["c_TGT"] = _one_hot_row(1)


def hidden_row(L, H, X, W, r, i):
    """h_r = tanh(Wxh x_r + Whh h_(r-1) + bh) for row r >= 1 of a table whose row 0 is h_0 = 0;
    W(name) gives the weight blocks, X row r-1 holds x_r."""
    if L.model == "article":
        rec = f"{W('Whh').ref()}*{H.ref(r - 1, i)}+{W('bh').ref()}"
    else:
        rec = f"SUMPRODUCT({W('Whh').row_range(i)},{H.row_range(r - 1)})+{W('bh').ref(i)}"
    return f"TANH(SUMPRODUCT({W('Wxh').row_range(i)},{X.row_range(r - 1)})+{rec})"


def score_row(L, H, W, t, k):
    """y_t = Why h_t (+ by), h_t being row t+1 of the hidden table."""
    out = f"SUMPRODUCT({W('Why').row_range(k)},{H.row_range(t + 1)})"
    return out + (f"+{W('by').ref(k)}" if L.model == "standard" else "")


@formula("c_H")
def c_H(L, slot, r, i):
    if r == 0:
        return None
    return hidden_row(L, L[("c_H", slot)], _table(L, "c_X", slot), lambda n: _weights(L, slot, n), r, i)


@formula("c_Y")
def c_Y(L, slot, t, k):
    return score_row(L, L[("c_H", slot)], lambda n: _weights(L, slot, n), t, k)


@formula("c_M")
def c_M(L, slot, t, j):
    return f"MAX({L[('c_Y', slot)].row_range(t)})"


@formula("c_S")
def c_S(L, slot, t, j):
    return f"SUMPRODUCT(EXP({L[('c_Y', slot)].row_range(t)}-{L[('c_M', slot)].ref(t)}))"


@formula("c_P")
def c_P(L, slot, t, k):
    return f"EXP({L[('c_Y', slot)].ref(t, k)}-{L[('c_M', slot)].ref(t)})/{L[('c_S', slot)].ref(t)}"


@formula("c_L")
def c_L(L, slot, t, j):
    if not L.counted(t + 1):
        return None
    return (f"LN({L[('c_S', slot)].ref(t)})+{L[('c_M', slot)].ref(t)}"
            f"-SUMPRODUCT({L[('c_Y', slot)].row_range(t)},{_table(L, 'c_TGT', slot).row_range(t)})")


@formula("c_pred")
def c_pred(L, slot, t, j):
    return most_probable(L, L[("c_P", slot)].row_range(t))


@formula("c_loss")
def c_loss(L, slot, i, j):
    return f"SUM({L[('c_L', slot)].range()})"


@formula("c_text")
def c_text(L, slot, i, j):
    return joined(L[("c_pred", slot)])


@formula("c_dY")
def c_dY(L, slot, t, k):
    if not L.counted(t + 1):
        return None
    return f"{L[('c_P', slot)].ref(t, k)}-{_table(L, 'c_TGT', slot).ref(t, k)}"


def _transposed(name):
    def link(L, slot, i, j):
        return _weights(L, slot, name).ref(j, i)
    return link


FORMULAS["c_WhyT"] = _transposed("Why")
FORMULAS["c_WhhT"] = _transposed("Whh")


@formula("c_dH")
def c_dH(L, slot, t, i):
    dY, dA = L[("c_dY", slot)], L[("c_dA", slot)]
    out = f"SUMPRODUCT({L[('c_WhyT', slot)].row_range(i)},{dY.row_range(t)})"
    if t == L.T - 1:
        return out
    if L.model == "article":
        return out + f"+{_weights(L, slot, 'Whh').ref()}*{dA.ref(t + 1, i)}"
    return out + f"+SUMPRODUCT({L[('c_WhhT', slot)].row_range(i)},{dA.row_range(t + 1)})"


@formula("c_dA")
def c_dA(L, slot, t, i):
    return f"(1-{L[('c_H', slot)].ref(t + 1, i)}^2)*{L[('c_dH', slot)].ref(t, i)}"


def sum_over_time(L, tables, i, j, name):
    """Entry (i, j) of d<name> = Σ_t of that step's contribution, as one SUMPRODUCT down the
    time-major tables (dA, dY, H with h_0 in row 0, X)."""
    dA, dY, H, X = tables
    T, article = L.T, L.model == "article"
    h_prev, h = (lambda c: H.span(0, c, T - 1, c)), (lambda c: H.span(1, c, T, c))
    if name == "Wxh":
        return f"SUMPRODUCT({dA.col_range(i)},{X.col_range(j)})"
    if name == "Whh":
        return (f"SUMPRODUCT({dA.range()},{H.span(0, 0, T - 1, L.H - 1)})" if article
                else f"SUMPRODUCT({dA.col_range(i)},{h_prev(j)})")
    if name == "bh":
        return f"SUM({dA.range()})" if article else f"SUM({dA.col_range(i)})"
    if name == "Why":
        return f"SUMPRODUCT({dY.col_range(i)},{h(j)})"
    return f"SUM({dY.col_range(i)})"


def _gradient(name):
    def gradient(L, slot, i, j):
        tables = L[("c_dA", slot)], L[("c_dY", slot)], L[("c_H", slot)], _table(L, "c_X", slot)
        return _clipped(L, sum_over_time(L, tables, i, j, name))
    return gradient


for _name in PARAMS:
    FORMULAS[f"c_g_{_name}"] = _gradient(_name)


# --- Training summary ---------------------------------------------------------------------------

@formula("epoch_no")
def epoch_no(L, t, e, j):
    return None


@formula("loss_epochs")
def loss_epochs(L, t, e, j):
    return L[("loss", None)].ref() if e == 0 else L[("c_loss", e)].ref()


@formula("pred_epochs")
def pred_epochs(L, t, e, j):
    return L[("predicted_text", None)].ref() if e == 0 else L[("c_text", e)].ref()
