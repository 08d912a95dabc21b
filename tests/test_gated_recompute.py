"""LibreOffice recomputes the LSTM, GRU and feed-forward workbooks (.xlsx and .ods, detailed and
compact, with training and generation, with pre-activations of ±1000, and after a weight and a letter
are edited): every formula equals its cached value and every defined name the engine. All of them
go through ONE soffice call."""
import numpy as np
import openpyxl
import pytest

import readback
from conftest import Case, build_cases, recompute_cases
from rnn_sheet.checking import compare
from rnn_sheet.checking.check import check_recomputed as check_compare, open_workbook
from rnn_sheet.exercise import make_exercise, parse_steps
from rnn_sheet.model.engine import generate, train
from rnn_sheet.model.scenario import make_scenario
from rnn_sheet.sheets import build
from rnn_sheet.workbook.book import Kind
from rnn_sheet.workbook.grid import a1
from rnn_sheet.writers.ods import write_ods
from rnn_sheet.writers.xlsx import write_xlsx
from test_recompute import name_cells

pytestmark = pytest.mark.libreoffice

TOL = 1e-9
GATES = {"lstm": "ifogc", "gru": "zrn", "feedforward": ""}


def huge(model, word="abcab", hidden=2):
    """Input weights of ±1000 (unit 1 up, unit 2 down): every pre-activation near ±1000."""
    sc = make_scenario(word, model=model, hidden=hidden, seed=1, use_template=False)
    P = sc.params
    up_down = np.array([[1000.0], [-1000.0]])
    sc.params = P.replace(**{k: up_down * np.ones(v.shape) for k, v in P.items() if k.startswith("Wx")})
    return sc


def scenarios():
    return {
        "lstm_tpl": make_scenario("lstm-hello", epochs=3, generate=5),
        "gru_tpl": make_scenario("gru-hello", epochs=2, generate=4, start="l"),
        "lstm_compact": make_scenario("mississippi", model="lstm", layout="compact", hidden=2, seed=4,
                                      loss_mode="last", clip=0.2, epochs=1),
        "gru_compact": make_scenario("banana", model="gru", layout="compact", hidden=4, seed=5, epochs=1,
                                     generate=3),
        "ff": make_scenario("hello", model="feedforward", epochs=2, generate=3, start="l"),
        "lstm_huge": huge("lstm"),
        "gru_huge": huge("gru"),
    }


EDITED = {
    # key: (scenario, parameter, entry, new value)
    "lstm_edit": (lambda: make_scenario("lstm-hello", epochs=1), "Whf", (1, 2), 0.8),
    "gru_edit": (lambda: make_scenario("abcab", model="gru", hidden=3, seed=2, loss_mode="last"), "Whn", (0, 1), -1.2),
    "ff_edit": (lambda: make_scenario("hello", model="feedforward", generate=3), "Wxh", (2, 1), 1.5),
}


def edit(cases):
    """A weight and the first letter of the word, typed into the written .xlsx."""
    for key, (_, name, (i, j), value) in EDITED.items():
        c = cases[key]
        wb = openpyxl.load_workbook(c.original)
        name_cells(wb, c.book.names[name])[i][j].value = value
        word = c.book.names["word"]
        new_first = c.scenario.vocab[-1]
        wb[word.sheet][a1(word.row, word.col)].value = new_first
        wb.save(c.original)
        arr = c.params[name].copy()
        arr[i, j] = value
        c.params = c.params.replace(**{name: arr})
        c.extra["word"] = new_first + c.scenario.word[1:]


def filled_exercises(folder):
    """Exercises of each cell with every blank typed in as the answer key's formula, and their keys."""
    out = {}
    for model in ("lstm", "gru"):
        sc = make_scenario("hello", model=model, epochs=1)
        built = build(sc)
        ex, ans = make_exercise(built, parse_steps(None, sc.T))
        paths = {what: folder / f"{model}-{what}.xlsx" for what in ("filled", "answers")}
        write_xlsx(ex, paths["filled"])
        write_xlsx(ans, paths["answers"])
        wb = openpyxl.load_workbook(paths["filled"])
        blanks = [(s.name, r, c) for s in ex.sheets for (r, c), cell in s.cells.items() if cell.kind is Kind.BLANK]
        for sheet, r, c in blanks:
            wb[sheet][a1(r, c)] = "=" + built.book.sheet(sheet).cells[(r, c)].formula
        wb.save(paths["filled"])
        out[f"{model}-filled"] = Case(f"{model}-filled", sc, built, paths["filled"], extra={
            "answers": paths["answers"], "blanks": blanks, "exercise": ex})
    return out


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gated")
    plain = scenarios()
    out = {**build_cases({f"{k}_x": sc for k, sc in plain.items()}, folder),
           **build_cases({f"{k}_o": sc for k, sc in plain.items()}, folder, write_ods, "ods")}
    edited = build_cases({k: f() for k, (f, *_) in EDITED.items()}, folder)
    edit(edited)
    out.update(edited)
    out.update(filled_exercises(folder))
    recompute_cases(out, folder)
    return out


KEYS = [f"{k}_{f}" for k in scenarios() for f in "xo"]


def inputs_of(case):
    sc = case.scenario
    word = case.extra.get("word", sc.word)
    return [sc.vocab.index(ch) for ch in word[:-1]], [sc.vocab.index(ch) for ch in word[1:]]


def engine_names(case):
    """Every defined name of the contract, from the engine run on the inputs the file holds."""
    sc, P = case.scenario, case.params
    inputs, targets = inputs_of(case)
    records = train(P, inputs, targets, sc.lr, max(sc.epochs, 1), sc.clip, sc.loss_mode)
    F, B = records[0].fwd, records[0].bwd
    out = {"loss": F.loss, "loss_next": records[1].fwd.loss, "grad_norms": np.linalg.norm(B.dh, axis=1)}
    for name in P.names:
        out[name], out[f"{name}_new"] = P[name], records[1].params[name]
        if sc.clip is None:
            out[f"d{name}"] = B.grads[name]
    for t in range(1, len(inputs) + 1):
        out.update({f"x_{t}": F.x[t - 1], f"h_{t}": F.h[t - 1], f"y_{t}": F.y[t - 1], f"p_{t}": F.p[t - 1],
                    f"loss_{t}": F.losses[t - 1]})
        out.update({f"{k}_{t}": F.hidden[k][t - 1] for k in GATES[sc.model]})
    if sc.model == "lstm":
        out["cell_grad_norms"] = np.linalg.norm(B.hidden["dc"], axis=1)
    if sc.epochs:
        out["loss_epochs"] = [r.fwd.loss for r in records[:sc.epochs + 1]]
    if sc.generate:
        G = generate(records[sc.epochs].params, sc.vocab.index(sc.start), sc.generate)
        out["generated"] = "".join(sc.vocab[i] for i in G.outputs)
    return out


@pytest.mark.parametrize("key", KEYS + list(EDITED))
def test_every_formula_recomputes_to_its_cached_value(cases, key):
    case = cases[key]
    rep = compare.compare(case.original, case.recomputed, tol=TOL)
    assert rep.errors == []
    if key in EDITED:       # openpyxl saved the edit and stores no cached values: the names below decide
        assert rep.uncached and rep.mismatches == []
        return
    assert rep.mismatches == [], rep.mismatches[:5]
    assert rep.formulas > 500


@pytest.mark.parametrize("key", KEYS + list(EDITED))
def test_every_name_equals_the_engine(cases, key):
    case, got = cases[key], cases[key].names
    want = engine_names(case)
    assert set(want) <= set(got), sorted(set(want) - set(got))
    H = case.scenario.hidden
    for name, value in want.items():
        if isinstance(value, str):
            assert got[name][0, 0] == value, name
            continue
        value = np.asarray(value, dtype=float)
        shape = value.shape if value.ndim == 2 else (value.size, 1)
        assert got[name].shape == shape, (name, got[name].shape, shape)
        diffs = [compare.diff(float(a), float(b)) for a, b in zip(got[name].ravel(), value.ravel())]
        assert max(diffs) <= TOL, (name, got[name].ravel(), value.ravel())
    for k in GATES[case.scenario.model]:
        assert got[f"{k}_1"].shape == (H, 1)


def test_the_edits_took(cases):
    for key in EDITED:
        case = cases[key]
        sc = case.scenario
        before = train(sc.params, sc.inputs, sc.targets, sc.lr, 1, sc.clip, sc.loss_mode)[0].fwd.loss
        assert abs(float(case.names["loss"][0, 0]) - before) > 1e-3, key
        assert "".join(case.names["word"].ravel()) == case.extra["word"] != sc.word


def test_rnn_sheet_check_reads_every_cell(cases):
    """check's own route (the cell from the parameter names, H from Why) passes on every book."""
    for key in KEYS + list(EDITED):
        rep = check_compare(open_workbook(cases[key].original), cases[key].recomputed, TOL)
        names = set(rep.names_compared)
        assert {"loss", "h_1"} <= names
        if key in EDITED:       # no cached values (openpyxl): the engine alone, and it agrees
            assert rep.ok and rep.uncached, (key, rep.lines()[:8])
        else:
            assert rep.ok, (key, rep.lines()[:8])


@pytest.mark.parametrize("key", ["lstm_huge_x", "lstm_huge_o", "gru_huge_x", "gru_huge_o"])
def test_pre_activations_of_1000_give_exact_saturated_gates(cases, key):
    case = cases[key]
    F = train(case.params, case.scenario.inputs, case.scenario.targets, 0.1, 1)[0].fwd
    assert max(np.abs(F.hidden[f"a_{g}"]).max() for g in "iz" if f"a_{g}" in F.hidden) > 999
    values = readback.cell_values(case.recomputed)
    assert not [v for v in values.values() if compare.is_error(v)]
    gates = "ifo" if case.scenario.model == "lstm" else "zr"
    for k in gates:
        for t in range(1, case.scenario.T + 1):
            assert set(case.names[f"{k}_{t}"].astype(float).ravel()) <= {0.0, 1.0}, (k, t)


@pytest.mark.parametrize("key", ["lstm_tpl_x", "lstm_tpl_o"])
def test_gradient_flow_charts_dh_and_dc_together(cases, key):
    """Both series reach LibreOffice (saved back as .xlsx, the chart keeps its two lines)."""
    case = cases[key]
    flow = case.book.sheet("Gradient flow")
    spec, = flow.charts
    assert [name for name, _ in spec.series] == ["|dh_t|", "|dc_t|"]
    assert spec.series[1][1] == case.book.names["cell_grad_norms"]
    chart, = openpyxl.load_workbook(case.recomputed)["Gradient flow"]._charts
    refs = [s.val.numRef.f.replace("'", "") for s in chart.series]
    assert refs == [case.book.names[n].range(absolute=True).replace("'", "") for n in ("grad_norms", "cell_grad_norms")]
    assert chart.legend is not None


@pytest.mark.parametrize("model", ["lstm", "gru"])
def test_a_filled_exercise_gives_the_answer_key(cases, model):
    """Blanks on the gate bands, the cell-state band and the backward gates; typed in, they compute the
    answer key's values, and every self-check says OK."""
    case = cases[f"{model}-filled"]
    assert len(case.extra["blanks"]) > 60
    rep = compare.compare(case.extra["answers"], case.recomputed, tol=TOL)
    # The exercise has no Gradient check sheet (its forward passes would show the answers).
    errors = [e for e in rep.errors if not e[0].startswith("'Gradient check'!")]
    assert errors == [] and rep.mismatches == [] and rep.formulas > 500
    fresh = openpyxl.load_workbook(case.recomputed, data_only=True)
    checks = [(s.name, a1(r, c)) for s in case.extra["exercise"].sheets for (r, c), cell in s.cells.items()
              if cell.style == "check"]
    assert len(checks) >= 15 and all(fresh[s][c].value == "OK" for s, c in checks)


def test_pdf_of_a_gated_exercise(tmp_path, monkeypatch, capsys):
    from rnn_sheet.cli import run
    monkeypatch.chdir(tmp_path)
    run(["build", "gru-hello", "--exercise", "--pdf", "--out", "out"])
    made = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert made == ["gru-hello-answers.pdf", "gru-hello-answers.xlsx", "gru-hello-exercise.pdf",
                    "gru-hello-exercise.xlsx"]
    assert all((tmp_path / "out" / p).read_bytes().startswith(b"%PDF") for p in made if p.endswith(".pdf"))
