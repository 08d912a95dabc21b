"""Formulas of the backward sheets (one per time step) and of the Gradients sheet."""
from .formulas import FORMULAS, formula
from .formulas_training import sum_over_time


def _link(kind, source, param=False):
    """A copy of a forward quantity (or a parameter) shown beside the backward computation."""
    def link(L, t, i, j):
        return L[(source, None if param else t)].ref(i, j)
    FORMULAS[kind] = link


_link("b_p", "p")
_link("b_target", "target")
_link("b_h", "h")
_link("b_x", "x")
_link("b_hprev", "h_prev")
_link("b_Why", "Why", param=True)
_link("b_Whh", "Whh", param=True)


def _at(L, kind, t):
    return L[(kind, t)]


@formula("dy")
def dy(L, t, k, j):
    if not L.counted(t):
        return None
    return f"{_at(L, 'b_p', t).ref(k)}-{_at(L, 'b_target', t).ref(k)}"


@formula("dWhy_t")
def dWhy_t(L, t, k, j):
    return f"{_at(L, 'dy', t).ref(k)}*{_at(L, 'b_h', t).ref(j)}"


@formula("dby_t")
def dby_t(L, t, k, j):
    return _at(L, "dy", t).ref(k)


@formula("dh_in")
def dh_in(L, t, i, j):
    if t == L.T:
        return None
    return _at(L, "dh_out", t + 1).ref(i)


@formula("dh")
def dh(L, t, i, j):
    # Column i of Why against dy: Whyᵀ·dy without TRANSPOSE, both ranges vertical.
    return f"SUMPRODUCT({_at(L, 'b_Why', t).col_range(i)},{_at(L, 'dy', t).range()})+{_at(L, 'dh_in', t).ref(i)}"


@formula("da")
def da(L, t, i, j):
    return f"(1-{_at(L, 'b_h', t).ref(i)}^2)*{_at(L, 'dh', t).ref(i)}"


@formula("dWxh_t")
def dWxh_t(L, t, i, j):
    return f"{_at(L, 'da', t).ref(i)}*{_at(L, 'b_x', t).ref(j)}"


@formula("dWhh_t")
def dWhh_t(L, t, i, j):
    if L.model == "article":
        return f"SUMPRODUCT({_at(L, 'da', t).range()},{_at(L, 'b_hprev', t).range()})"
    return f"{_at(L, 'da', t).ref(i)}*{_at(L, 'b_hprev', t).ref(j)}"


@formula("dbh_t")
def dbh_t(L, t, i, j):
    if L.model == "article":
        return f"SUM({_at(L, 'da', t).range()})"
    return _at(L, "da", t).ref(i)


@formula("dh_out")
def dh_out(L, t, i, j):
    if L.model == "article":
        return f"{_at(L, 'b_Whh', t).ref()}*{_at(L, 'da', t).ref(i)}"
    return f"SUMPRODUCT({_at(L, 'b_Whh', t).col_range(i)},{_at(L, 'da', t).range()})"


def _total(name):
    """Gradients: the sum of every backward sheet's contribution (a plain '+' chain: SUM takes at
    most 255 arguments in Excel, and 3D references are not portable). A compact workbook has no
    per-step contribution matrices: it sums down time-major tables of the same vectors instead."""
    def total(L, t, i, j):
        if L.compact:
            tables = tuple(L[(kind, None)] for kind in ("g_DA", "g_DY", "g_H", "g_X"))
            return sum_over_time(L, tables, i, j, name)
        return "+".join(L[(f"d{name}_t", s)].ref(i, j) for s in range(1, L.T + 1))
    return total


for _name in ("Wxh", "Whh", "bh", "Why", "by"):
    FORMULAS[f"d{_name}"] = _total(_name)


def _time_major(kind):
    def link(L, t, s, i):
        return L[(kind, s + 1)].ref(i, 0)
    return link


FORMULAS["g_DA"] = _time_major("da")
FORMULAS["g_DY"] = _time_major("dy")
FORMULAS["g_X"] = _time_major("x")
FORMULAS["g_H"] = lambda L, t, r, i: None if r == 0 else L[("h", r)].ref(i, 0)
