"""The Gradient check sheet: is backpropagation right? One weight entry, chosen by name, row and column
(inputs), is nudged to w + eps and to w - eps; two compact forward passes (the network block of
training.py, on nudged copies of every parameter) give loss_plus and loss_minus, and their centred
difference is held against the gradient the Gradients sheet found for that entry.

Parameter names live in text cells, never as string literals in formulas (user text never enters a
formula); a name matches a parameter's name or the label the sheets show for it, in any case. An
unknown name or an index out of range nudges nothing and says so in a status cell, which otherwise
says whether the check passed (relative error below THRESHOLD).
"""
from functools import cache

from ..model.gradcheck import FAILED, NEAR_ZERO, OK, THRESHOLD, UNCLEAR, WRONG, label, named, size
from .layout import Part, SheetPlan
from .quantity import CHECK_MINUS, CHECK_PLUS, Heat, Quantity, Role, column, computed
from .training import network_bands, param_bands

MESSAGES = ("passed", "unknown name", "out of range", "NOT passed", "unclear")
GOOD = ("Good: below 1e-6, where backprop and the measured slope agree to six digits or more. The slope is "
        "off by about eps² (1e-8 at eps = 1e-4) and by rounding (about 1e-12),",
        "so 1e-7 to 1e-10 is typical; 1e-2 or more means a wrong gradient. Near a zero gradient (below about "
        "1e-8) rounding is all the slope measures and the relative error says nothing: check another entry.")


def _at(attr):
    return lambda c, t: getattr(c.sc.check, attr)


check_param = Quantity("check_param", _at("param"), role=Role.INPUT,
                       note="The parameter to check, by name or label (one of those listed below; capitals do not "
                            "matter). An input.")
# Row and column show as typed (General): 2 as "2", and 2.5 as "2.5", never rounded to look whole.
check_row = Quantity("check_row", _at("row"), role=Role.INPUT, one_hot=True,
                     note="Its row, from 1 (1 for a single number). An input.")
check_col = Quantity("check_col", _at("col"), role=Role.INPUT, one_hot=True,
                     note="Its column, from 1 (1 for a single number or a vector). An input.")
check_eps = Quantity("check_eps", _at("eps"), role=Role.INPUT,
                     note="eps: how far the weight is nudged each way. An input.")


def _shapes(c):
    return [size(s) for s in c.sc.cell.param_shapes(c.sc.V, c.sc.H).values()]


gc_names = Quantity("gc_names", lambda c, t: column(c.sc.cell.param_names), role=Role.CONSTANT,
                    note="The parameters of this network, as the Parameters sheet names them.")
gc_labels = Quantity("gc_labels", lambda c, t: column(label(n) for n in c.sc.cell.param_names),
                     role=Role.CONSTANT, note="What the sheets call each parameter; typing it works too.")
gc_rows = Quantity("gc_rows", lambda c, t: [r for r, _ in _shapes(c)], role=Role.CONSTANT,
                   note="Rows of each parameter.")
gc_cols = Quantity("gc_cols", lambda c, t: [k for _, k in _shapes(c)], role=Role.CONSTANT,
                   note="Columns of each parameter.")
gc_messages = Quantity("gc_messages", lambda c, t: column(MESSAGES), role=Role.CONSTANT,
                       note="What the status code means.")


def _folded(ref):
    return f"LOWER(TRIM({ref}))"


@computed("1 for the parameter check_param names (by its name or label, capitals and spaces at the ends "
          "aside), else 0.", lambda c, t: [int(n == named(c.sc.cell.param_names, c.sc.check.param))
                                           for n in c.sc.cell.param_names], one_hot=True)
def gc_match(L, t, i, j):
    typed = _folded(L[check_param].ref())
    return (f"IF(OR(EXACT({_folded(L[gc_names].ref(i))},{typed}),"
            f"EXACT({_folded(L[gc_labels].ref(i))},{typed})),1,0)")


@computed("1: the entry exists; 2: no parameter has that name or label; 3: the row or column "
          "is no whole number from 1 to the parameter's size.", lambda c, t: c.check.code, one_hot=True)
def gc_code(L, t, i, j):
    match, r, c = L[gc_match].range(), L[check_row].ref(), L[check_col].ref()
    rows, cols = f"SUMPRODUCT({match},{L[gc_rows].range()})", f"SUMPRODUCT({match},{L[gc_cols].range()})"
    return (f"IF(SUM({match})=0,2,IF(OR({r}<1,{r}>{rows},{c}<1,{c}>{cols}),3,"
            f"IF(OR({r}<>INT({r}),{c}<>INT({c})),3,1)))")


@computed("Whether the check passed (relative error below 1e-6 on a gradient of 1e-4 or more; 1e-2 or more: "
          "a wrong gradient; otherwise the check cannot tell), or why the entry cannot be "
          "checked: an unknown name (type one listed below) or a row or column out of range (whole "
          "numbers from 1 to the sizes listed below).", lambda c, t: MESSAGES[c.check.outcome - 1])
def grad_check_status(L, t, i, j):
    code, rel = L[gc_code].ref(), L["grad_check_rel_error"].ref()
    size = f"ABS({L['grad_check_numeric'].ref()})+ABS({L['grad_check_analytic'].ref()})"
    outcome = f"IF({rel}>={WRONG:G},{FAILED},IF(AND({rel}<{THRESHOLD:G},{size}>={NEAR_ZERO:G}),{OK},{UNCLEAR}))"
    return f"INDEX({L[gc_messages].range()},IF({code}={OK},{outcome},{code}))"


@cache
def nudged(name):
    """gc_<name> at slot CHECK_PLUS / CHECK_MINUS: the parameter with the chosen entry at w ± eps."""
    def formula(L, slot, i, j):
        w, k = L[name].ref(i, j), L.cell.param_names.index(name)
        chosen = f"AND({L[gc_match].ref(k)}=1,{L[check_row].ref()}={i + 1},{L[check_col].ref()}={j + 1})"
        sign = "+" if slot == CHECK_PLUS else "-"
        return f"IF({chosen},{w}{sign}{L[check_eps].ref()},{w})"
    return Quantity(f"gc_{name}", lambda c, slot: c.record(slot).params[name], formula, heat=Heat.DIVERGING,
                    note=f"{name} from Parameters, with the chosen entry nudged by eps (if it is one of {name}'s).")


@computed("The loss with the chosen weight at w + eps.", lambda c, t: c.check.plus.fwd.loss)
def loss_plus(L, t, i, j):
    return L["net_loss", CHECK_PLUS].ref()


@computed("The loss with the chosen weight at w - eps.", lambda c, t: c.check.minus.fwd.loss)
def loss_minus(L, t, i, j):
    return L["net_loss", CHECK_MINUS].ref()


@computed("(loss_plus - loss_minus) / (2 · eps): the slope of the loss, measured. Summed step by step, "
          "Σ_t (loss_t+ - loss_t-) / (2 · eps), which keeps the digits a long word's total loss would lose.",
          lambda c, t: c.check.numeric)
def grad_check_numeric(L, t, i, j):
    plus, minus = L["net_L", CHECK_PLUS].range(), L["net_L", CHECK_MINUS].range()
    return f"SUMPRODUCT({plus}-{minus})/(2*{L[check_eps].ref()})"


@computed("The same entry of the gradient backpropagation found (Gradients sheet).", lambda c, t: c.check.analytic)
def grad_check_analytic(L, t, i, j):
    r, c = L[check_row].ref(), L[check_col].ref()
    terms = "+".join(f"IF({L[gc_match].ref(k)}=1,INDEX({L[f'd{name}'].range()},{r},{c}),0)"
                     for k, name in enumerate(L.cell.param_names))
    return f"IF({L[gc_code].ref()}={OK},{terms},0)"


@computed("|numeric - analytic| / max(|numeric| + |analytic|, 1e-12)", lambda c, t: c.check.rel_error,
          scientific=True)
def grad_check_rel_error(L, t, i, j):
    n, a = L[grad_check_numeric].ref(), L[grad_check_analytic].ref()
    return f"ABS({n}-{a})/MAX(ABS({n})+ABS({a}),1E-12)"


NAMES = (check_param, check_row, check_col, check_eps, grad_check_status, loss_plus, loss_minus,
         grad_check_numeric, grad_check_analytic, grad_check_rel_error)


def sheet(L, letters):
    S = SheetPlan("Gradient check", "backward")
    S.title("Gradient check: is backpropagation right?",
            "Nudge one weight by ±eps, run the network forward with each, and compare the measured slope "
            "(loss_plus - loss_minus) / (2·eps) with the Gradients sheet. Type another name, row or column.")
    S.band("Which weight: a parameter's name, a row and a column (inputs)", [
        Part(check_param, None, "parameter", 1), Part(check_row, None, "row", 1),
        Part(check_col, None, "column", 1), Part(check_eps, None, "eps", 1), " ",
        Part(grad_check_status, None, "status", 1, width=max(map(len, MESSAGES)) + 4)],
        ["status: passed when the relative error is below 1e-6, NOT passed from 1e-2 (a wrong gradient), "
         "unclear in between or where the gradient is below 1e-4", "(rounding decides there: try another eps or "
         "entry); or why the entry cannot be checked (the status code, below)"])
    n = len(L.cell.param_names)
    S.band("The parameters you can check", [
        Part(gc_names, None, "name", n), Part(gc_labels, None, "label", n), Part(gc_rows, None, "rows", n),
        Part(gc_cols, None, "columns", n), Part(gc_match, None, "chosen", n), " ",
        Part(gc_code, None, "status code", 1),
        Part(gc_messages, None, "status messages", len(MESSAGES), row_labels=list(range(1, len(MESSAGES) + 1)))])
    S.band("The check: measured and backpropagated gradient of the chosen weight", [
        Part(loss_plus, None, "loss_plus", 1), Part(loss_minus, None, "loss_minus", 1), " ",
        Part(grad_check_numeric, None, "numeric", 1), Part(grad_check_analytic, None, "analytic", 1), " ",
        Part(grad_check_rel_error, None, "relative error", 1)], GOOD)
    for q in NAMES:
        L.name(q.kind, q)
    for slot, sign in ((CHECK_PLUS, "+"), (CHECK_MINUS, "-")):
        L.weights_of[slot] = nudged
        param_bands(S, L, letters, nudged, slot, lambda name, sign=sign: f"{name} (w {sign} eps)",
                    f"The weights with the chosen entry at w {sign} eps")
        network_bands(S, L, letters, slot, backward=False, title=f"w {sign} eps", loss_only=True)
    return S
