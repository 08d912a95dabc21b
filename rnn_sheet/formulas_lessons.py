"""Formulas of the Gradient flow and Generate sheets."""
from .formulas import FORMULAS, formula, joined, most_probable
from .formulas_training import hidden_row, score_row


def _norm(kind):
    def norm(L, t, s, j):
        return f"SQRT(SUMSQ({L[(kind, s + 1)].range()}))"
    return norm


FORMULAS["grad_norms"] = _norm("dh")
FORMULAS["da_norms"] = _norm("da")
FORMULAS["flow_t"] = lambda L, t, s, j: None


def _final_weights(L):
    """Generation uses the trained weights: the last Training epoch's, else Parameters."""
    if L.epochs:
        return lambda name: L[(f"cw_{name}", L.epochs)]
    return lambda name: L[(name, None)]


FORMULAS["gen_start"] = lambda L, t, i, j: None


@formula("gen_in")
def gen_in(L, t, g, j):
    return L[("gen_start", None)].ref() if g == 0 else L[("gen_out", None)].ref(g - 1)


@formula("gen_X")
def gen_X(L, t, g, k):
    vocab = L[("vocab", None)].ref(k)
    return f"IF(EXACT({vocab},{L[('gen_in', None)].ref(g)}),1,0)"


@formula("gen_H")
def gen_H(L, t, r, i):
    if r == 0:
        return None
    return hidden_row(L, L[("gen_H", None)], L[("gen_X", None)], _final_weights(L), r, i)


@formula("gen_Y")
def gen_Y(L, t, g, k):
    return score_row(L, L[("gen_H", None)], _final_weights(L), g, k)


@formula("gen_out")
def gen_out(L, t, g, j):
    return most_probable(L, L[("gen_Y", None)].row_range(g))


@formula("generated")
def generated(L, t, i, j):
    return joined(L[("gen_out", None)])
