"""THE real check: LibreOffice recomputes every workbook from its formulas, and the results must equal
both the cached values we wrote and the NumPy engine. All workbooks go through ONE soffice call."""
import math
import tomllib

import numpy as np
import openpyxl
import pytest

import readback
from rnn_sheet.checking import compare
from rnn_sheet.model.engine import forward, train
from rnn_sheet.model.scenario import find_template, make_scenario
from rnn_sheet.workbook.book import Kind
from rnn_sheet.workbook.grid import a1
from rnn_sheet.writers.xlsx import write_xlsx

pytestmark = pytest.mark.libreoffice      # every test here reads the recomputed workbooks

TOL = 1e-9


def scenarios():
    out = {"tpl_hello": make_scenario("hello")}
    # Hidden sizes 1 to 6, each once (1 for both models): the layout's edge cases, at a LibreOffice
    # load apiece.
    for H in (1, 3, 6):
        out[f"a_hello_h{H}"] = make_scenario("hello", use_template=False, hidden=H, seed=H)
    for H in (1, 2, 4, 5):
        out[f"s_hello_h{H}"] = make_scenario("hello", model="standard", hidden=H, seed=10 + H)
    out.update({
        "a_abcab": make_scenario("abcab", hidden=2, seed=4),
        "a_miss": make_scenario("mississippi", hidden=3, seed=7),
        "a_miss_last": make_scenario("mississippi", hidden=4, seed=8, loss_mode="last"),
        "s_abcab_last": make_scenario("abcab", model="standard", hidden=4, seed=2, loss_mode="last"),
        "s_miss": make_scenario("mississippi", model="standard", hidden=5, seed=3, lr=0.5),
        "s_symbols": make_scenario('say "hi" =1+', model="standard", hidden=2, seed=9),
        "a_hello_epochs": make_scenario("hello", epochs=3, clip=0.5),
        "s_abcab_epochs": make_scenario("abcab", model="standard", hidden=3, seed=5, epochs=4, lr=0.3),
        # edited after writing (see edit_inputs); compared with the engine on the edited inputs
        "tpl_hello_edit": make_scenario("hello"),
        "s_abcab_edit": make_scenario("abcab", model="standard", hidden=3, seed=6),
        # written with a wrong cached value on purpose: the comparison must notice
        "a_stale": make_scenario("abcab", hidden=2, seed=1),
    })
    return out


EDITED = {"tpl_hello_edit", "s_abcab_edit"}
STALE = "a_stale"


def name_cells(ws_book, block):
    """openpyxl cells of a defined name's grid.Block (such as Parameters!$C$5:$F$7), as rows."""
    ws = ws_book[block.sheet]
    return tuple(tuple(ws.cell(row=block.row + i + 1, column=block.col + j + 1) for j in range(block.ncols))
                 for i in range(block.nrows))


def edit_inputs(cases):
    # The article's walkthrough: change one input weight and the first letter of the word.
    c = cases["tpl_hello_edit"]
    wb = openpyxl.load_workbook(c.original)
    name_cells(wb, c.book.names["Wxh"])[1][2].value = -0.75          # unit 2, letter 'l'
    name_cells(wb, c.book.names["Whh"])[0][0].value = 1.5
    word = c.layout[("word", None)]
    wb[word.sheet][a1(word.row, word.col)].value = "l"                   # "hello" -> "lello"
    wb.save(c.original)
    Wxh = c.params.Wxh.copy()
    Wxh[1, 2] = -0.75
    c.params = c.params.replace(Wxh=Wxh, Whh=np.array(1.5))
    c.extra["word"] = "lello"
    # Standard model: a recurrent matrix entry and an output bias.
    c = cases["s_abcab_edit"]
    wb = openpyxl.load_workbook(c.original)
    name_cells(wb, c.book.names["Whh"])[2][0].value = 0.9
    name_cells(wb, c.book.names["by"])[1][0].value = -2.0
    wb.save(c.original)
    Whh, by = c.params.Whh.copy(), c.params.by.copy()
    Whh[2, 0], by[1] = 0.9, -2.0
    c.params = c.params.replace(Whh=Whh, by=by)
    # A stale cached value: the loss cell claims 999.
    c = cases[STALE]
    loss = c.layout[("loss", None)]
    sheet = c.book.sheet(loss.sheet)
    sheet.cells[(loss.row, loss.col)].value = 999.0
    write_xlsx(c.book, c.original)


@pytest.fixture(scope="module")
def cases(recompute):
    return recompute(scenarios(), edit=edit_inputs)


def engine_run(case):
    """The engine on the inputs the recomputed file holds."""
    sc = case.scenario
    word = case.extra.get("word", sc.word)
    inputs = [sc.vocab.index(ch) for ch in word[:-1]]
    targets = [sc.vocab.index(ch) for ch in word[1:]]
    return train(case.params, inputs, targets, sc.lr, max(sc.epochs, 1), sc.clip, sc.loss_mode)


def expected_names(case):
    """Defined name -> (expected 2-D shape, engine values) for every name of the contract."""
    sc, P = case.scenario, case.params
    V, H = len(sc.vocab), sc.hidden
    records = engine_run(case)
    F, B = records[0].fwd, records[0].bwd
    col = lambda n: (n, 1)                                                  # noqa: E731
    out = {"Wxh": ((H, V), P.Wxh), "Why": ((V, H), P.Why), "lr": ((1, 1), sc.lr),
           "loss": ((1, 1), F.loss)}
    if sc.model == "article":
        out.update(Whh=((1, 1), P.Whh), bh=((1, 1), P.bh))
    else:
        out.update(Whh=((H, H), P.Whh), bh=(col(H), P.bh), by=(col(V), P.by))
    for t in range(1, sc.T + 1):
        out.update({f"x_{t}": (col(V), F.x[t - 1]), f"h_{t}": (col(H), F.h[t - 1]),
                    f"y_{t}": (col(V), F.y[t - 1]), f"p_{t}": (col(V), F.p[t - 1]),
                    f"loss_{t}": ((1, 1), F.losses[t - 1])})
    # Names of the backward and training sheets, checked when the workbook has them.
    optional = {"loss_next": ((1, 1), records[1].fwd.loss)}
    if sc.epochs:
        optional["loss_epochs"] = (col(sc.epochs + 1), [r.fwd.loss for r in records[:sc.epochs + 1]])
    for name in P.names:
        shape = out[name][0]
        optional[f"{name}_new"] = (shape, getattr(records[1].params, name))
        if sc.clip is None:
            optional[f"d{name}"] = (shape, B.grads[name])
    present = set(case.book.names)
    out.update({k: v for k, v in optional.items() if k in present})
    return out


def numbers(arr):
    return np.array([[float(v) for v in row] for row in arr])


# --- (a) every formula recomputes to its cached value ---------------------------------------------

def formula_cells(path):
    """(sheet, A1) of the cells the file stores as formulas (not text that starts with '=')."""
    wb = openpyxl.load_workbook(path)
    return {(ws.title, c.coordinate) for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.data_type == "f"}


def book_formula_count(book):
    return sum(1 for s in book.sheets for c in s.cells.values() if c.kind is Kind.FORMULA)


def test_verify_counts_only_formula_cells(cases):
    case = cases["tpl_hello"]
    assert compare.compare(case.original, case.recomputed).formulas == book_formula_count(case.book)


@pytest.mark.parametrize("key", [k for k in scenarios() if k not in EDITED and k != STALE])
def test_formulas_recompute_to_cached_values(cases, key):
    case = cases[key]
    rep = compare.compare(case.original, case.recomputed, tol=TOL)
    assert rep.errors == []
    assert rep.mismatches == [], rep.mismatches[:5]
    assert rep.max_cached_diff <= TOL
    in_file = formula_cells(case.original)
    assert len(in_file) == book_formula_count(case.book) > 0
    assert set(in_file) <= set(readback.formula_cells(case.original))     # all of them were compared
    # Every step sheet computes at least wx, wh, a, h (H each), y, e, p (V each) and its loss.
    V, H = len(case.scenario.vocab), case.scenario.hidden
    per_sheet = {}
    for sheet, _ in in_file:
        per_sheet[sheet] = per_sheet.get(sheet, 0) + 1
    for t in range(1, case.scenario.T + 1):
        assert per_sheet[f"Step {t}"] >= 4 * H + 3 * V + 1


def test_a_stale_cached_value_is_caught(cases):
    case = cases[STALE]
    rep = compare.compare(case.original, case.recomputed, tol=TOL)
    loss = case.layout[("loss", None)]
    assert [(cell, cached) for cell, cached, _ in rep.mismatches] == [(loss.ref(), 999.0)]   # named as formulas name it
    assert not rep.ok
    sc = case.scenario
    assert rep.mismatches[0][2] == pytest.approx(forward(sc.params, sc.inputs, sc.targets).loss, rel=TOL)


def test_no_error_values_anywhere(cases):
    for key, case in cases.items():
        bad = [(cell, v) for cell, v in readback.cell_values(case.recomputed).items() if compare.is_error(v)]
        assert bad == [], (key, bad[:5])


# --- (b) the defined names equal the engine -------------------------------------------------------

@pytest.mark.parametrize("key", [k for k in scenarios() if k != STALE])
def test_defined_names_equal_the_engine(cases, key):
    case = cases[key]
    got = case.names
    want = expected_names(case)
    sc = case.scenario
    forward_names = {"Wxh", "Whh", "bh", "Why", "lr", "loss", "vocab"} | {
        f"{k}_{t}" for k in ("x", "h", "y", "p", "loss") for t in range(1, sc.T + 1)}
    assert forward_names <= set(got)
    if sc.model == "article":
        assert not {"by", "dby", "by_new"} & set(got)
    else:
        assert "by" in got
    assert got["vocab"].shape == (len(sc.vocab), 1)
    assert "".join(got["vocab"][:, 0]) == sc.vocab
    if "word" in got:
        assert "".join(got["word"][:, 0]) == case.extra.get("word", sc.word)
    for name, (shape, value) in want.items():
        assert got[name].shape == shape, (name, got[name].shape, shape)
        diffs = [compare.diff(a, b) for a, b in zip(numbers(got[name]).ravel(), np.reshape(value, shape).ravel())]
        assert max(diffs) <= TOL, (name, numbers(got[name]), value)


def test_edits_change_the_recomputed_results(cases):
    """The edited workbooks really recomputed: their loss differs from the unedited build's."""
    for key in EDITED:
        case = cases[key]
        sc = case.scenario
        before = forward(sc.params, sc.inputs, sc.targets).loss
        after = float(case.names["loss"][0, 0])
        assert abs(after - before) > 1e-3, key
    assert cases["tpl_hello_edit"].names["x_1"][:, 0].tolist() == [0, 0, 1, 0]   # 'l' is letter 3 of "helo"


# --- (d) the article's walkthrough, read from the recomputed hello workbook -----------------------

def test_hello_first_hidden_state_from_the_article_numbers(cases):
    tpl = tomllib.loads(find_template("hello").read_text(encoding="utf-8"))
    Wxh, bh = tpl["weights"]["Wxh"], tpl["weights"]["bh"]
    h_col = tpl["vocab"].index("h")
    want = [math.tanh(row[h_col] + bh) for row in Wxh]                      # h_0 = 0: Whh·h_0 vanishes
    got = numbers(cases["tpl_hello"].names["h_1"])[:, 0]
    assert got.tolist() == pytest.approx(want, rel=1e-12, abs=1e-12)


def test_hello_predicts_h_after_e(cases):
    case = cases["tpl_hello"]
    assert case.scenario.word[1] == "e"
    pred = case.layout[("pred", 2)]
    cell = (pred.sheet, a1(pred.row, pred.col))
    assert readback.cell_values(case.recomputed, [cell])[cell] == "h"
    p2 = numbers(case.names["p_2"])[:, 0]
    assert case.scenario.vocab[int(p2.argmax())] == "h"
