"""The text of every formula in the workbook, one function per quantity.

Each function gets the layout, the time step t and the cell (i, j) inside its block, and returns the
formula in Excel syntax without the leading '=', or None where the cell is a constant (a zero
state before the first step, say). Block references need no sheet argument: book.py renders each
formula inside grid.on_sheet(its sheet), so a reference names its sheet only when it is another
one. Only functions that Excel, LibreOffice Calc and
Google Sheets evaluate alike in a plain cell: MMULT of a row by a column (a 1x1 result), SUMPRODUCT of
ranges of one orientation, EXP, LN, TANH, MAX, SUM, INDEX, MATCH, IF, EXACT. No array formulas, no
TRANSPOSE, no 3D references (see shared/notes/spreadsheet-engines.md).
"""
FORMULAS = {}
# Every function any formula may call; tests check each formula against this list, and the xlsx
# writer relies on it (none needs Excel 365's _xlfn. prefix).
ALLOWED = {"MMULT", "SUMPRODUCT", "EXP", "LN", "TANH", "MAX", "MIN", "SUM", "SUMSQ", "SQRT", "INDEX",
           "MATCH", "IF", "EXACT"}


def formula(*kinds):
    def register(fn):
        for kind in kinds:
            FORMULAS[kind] = fn
        return fn
    return register


def text(L, key, i, j):
    return FORMULAS[key[0]](L, key[1], i, j)


def most_probable(L, scores):
    """The letter with the highest score (or probability) in the range `scores`; the first on a tie,
    as NumPy's argmax."""
    return f"INDEX({L[('vocab', None)].range()},MATCH(MAX({scores}),{scores},0))"


def joined(block):
    """The letters of a one-column block as one string (&: CONCATENATE takes at most 255 arguments)."""
    return "&".join(block.ref(i) for i in range(block.nrows))


# --- forward step sheets -------------------------------------------------------------------------

def _make_link(name):
    """A step sheet shows the matrices it multiplies, linked to Parameters, as the article does."""
    def link(L, t, i, j):
        return L[(name, None)].ref(i, j)
    return link


for _name in ("Wxh", "Whh", "bh", "Why", "by"):
    FORMULAS[f"{_name}_link"] = _make_link(_name)


@formula("char_in")
def char_in(L, t, i, j):
    return L[("word", None)].ref(t - 1, 0)


@formula("char_target")
def char_target(L, t, i, j):
    return L[("word", None)].ref(t, 0)


def _one_hot(L, t, k, char_kind):
    vocab = L[("vocab", None)].ref(k, 0)
    return f"IF(EXACT({vocab},{L[(char_kind, t)].ref()}),1,0)"


@formula("x")
def x(L, t, k, j):
    return _one_hot(L, t, k, "char_in")


@formula("target")
def target(L, t, k, j):
    return _one_hot(L, t, k, "char_target")


@formula("wx")
def wx(L, t, i, j):
    return f"MMULT({L[('Wxh_link', t)].row_range(i)},{L[('x', t)].range()})"


@formula("h_prev")
def h_prev(L, t, i, j):
    if t == 1:
        return None
    return L[("h", t - 1)].ref(i, 0)


@formula("wh")
def wh(L, t, i, j):
    Whh, hp, bh = L[("Whh_link", t)], L[("h_prev", t)], L[("bh_link", t)]
    if L.model == "article":
        return f"{Whh.ref()}*{hp.ref(i)}+{bh.ref()}"
    return f"MMULT({Whh.row_range(i)},{hp.range()})+{bh.ref(i)}"


@formula("a")
def a(L, t, i, j):
    return f"{L[('wx', t)].ref(i)}+{L[('wh', t)].ref(i)}"


@formula("h")
def h(L, t, i, j):
    return f"TANH({L[('a', t)].ref(i)})"


@formula("h_copy")
def h_copy(L, t, i, j):
    return L[("h", t)].ref(i)


@formula("y")
def y(L, t, k, j):
    out = f"MMULT({L[('Why_link', t)].row_range(k)},{L[('h_copy', t)].range()})"
    return out + (f"+{L[('by_link', t)].ref(k)}" if L.model == "standard" else "")


@formula("ymax")
def ymax(L, t, i, j):
    return f"MAX({L[('y', t)].range()})"


@formula("e")
def e(L, t, k, j):
    # Subtracting the max keeps EXP finite for large scores; softmax is unchanged by it.
    return f"EXP({L[('y', t)].ref(k)}-{L[('ymax', t)].ref()})"


@formula("esum")
def esum(L, t, i, j):
    return f"SUM({L[('e', t)].range()})"


@formula("p")
def p(L, t, k, j):
    return f"{L[('e', t)].ref(k)}/{L[('esum', t)].ref()}"


@formula("pred")
def pred(L, t, i, j):
    return most_probable(L, L[("p", t)].range())


@formula("loss_t")
def loss_t(L, t, i, j):
    if not L.counted(t):
        return None     # --loss last: only the final prediction is scored
    # -ln p(target), written so that it stays finite when p(target) underflows to 0.
    return (f"LN({L[('esum', t)].ref()})+{L[('ymax', t)].ref()}"
            f"-SUMPRODUCT({L[('y', t)].range()},{L[('target', t)].range()})")


# --- summary --------------------------------------------------------------------------------------

def _step_link(kind):
    def link(L, t, i, j):
        return L[(kind, i + 1)].ref()
    return link


FORMULAS["sum_in"] = _step_link("char_in")
FORMULAS["sum_target"] = _step_link("char_target")
FORMULAS["sum_pred"] = _step_link("pred")
FORMULAS["sum_loss"] = _step_link("loss_t")


@formula("sum_ptarget")
def sum_ptarget(L, t, i, j):
    step = i + 1
    return f"SUMPRODUCT({L[('p', step)].range()},{L[('target', step)].range()})"


@formula("predicted_text")
def predicted_text(L, t, i, j):
    return joined(L[("sum_pred", None)])


@formula("loss")
def loss(L, t, i, j):
    return f"SUM({L[('sum_loss', None)].range()})"


from . import formulas_backward, formulas_lessons, formulas_training  # noqa: E402,F401,I001
