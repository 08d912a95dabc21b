"""Hard inputs: any Unicode, user text that looks like code, legal sheet names, odd output paths,
and property-based checks over random words, vocabularies, hidden sizes and weights."""
import re
import string

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import readback
from conftest import run_cli
from rnn_sheet.checking import compare
from rnn_sheet.model.engine import backward, clip, forward, train
from rnn_sheet.model.scenario import InputError, make_scenario
from rnn_sheet.sheets import build
from rnn_sheet.workbook.book import Kind

UNICODE_WORDS = {
    "accents": "héllo wörld",
    "cjk": "你好世界你好",
    "emoji": "🙂🙃🙂🙃x🙂",
    "rtl": "שלום שלום",
    "symbols": "=1+@'\"-=",
    "formula_like": "=HYPERLINK(\"x\")",
    "dde": "=cmd|' /C calc'!A0",
}


@pytest.fixture(scope="module")
def unicode_cases(recompute):
    return recompute({k: make_scenario(w, model="standard" if k == "cjk" else None, epochs=1, generate=3)
                      for k, w in UNICODE_WORDS.items()})


@pytest.mark.libreoffice
@pytest.mark.parametrize("key", UNICODE_WORDS)
def test_any_text_recomputes_and_stays_text(unicode_cases, key):
    case = unicode_cases[key]
    report = compare.compare(case.original, case.recomputed)
    assert report.errors == [] and report.mismatches == []
    sc = case.scenario
    F = forward(sc.params, sc.inputs, sc.targets)
    assert np.allclose(case.names["loss"].astype(float), F.loss, rtol=1e-9)
    letters = "".join(str(v) for v in case.names["vocab"].ravel())
    assert letters == sc.vocab                         # letters come back as the same text
    word = "".join(str(v) for v in case.names["word"].ravel())
    assert word == sc.word


@pytest.mark.libreoffice
@pytest.mark.parametrize("key", UNICODE_WORDS)
def test_no_formula_holds_user_text(unicode_cases, key):
    sc = unicode_cases[key].scenario
    formulas = readback.formula_cells(unicode_cases[key].original).values()
    assert formulas
    # =, < and > are our comparisons (sampling, the gradient check); quotes and @ never appear
    user = set(sc.word) - set(string.ascii_letters + string.digits + "()!:$,.+-*/^&'_ =<>")
    for text in formulas:
        assert not (set(text[1:]) & user), text      # [1:]: the leading "=" is ours
        assert "HYPERLINK" not in text and "cmd" not in text


def test_a_space_is_shown_as_a_visible_symbol():
    book = build(make_scenario("a b")).book
    labels = {c.value for s in book.sheets for c in s.cells.values() if c.kind is Kind.LABEL}
    assert "␣" in labels


FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


@pytest.mark.parametrize("word", ["[a]:*?/\\", "'quoted'", "x" * 120, "aaaaaaaa"])
def test_sheet_names_are_legal_and_unique(word):
    names = [s.name for s in build(make_scenario(word, epochs=1, generate=2)).book.sheets]
    assert len(set(names)) == len(names)
    for name in names:
        assert 1 <= len(name) <= 31 and not FORBIDDEN.search(name)
        assert not name.startswith("'") and not name.endswith("'")


def test_out_to_an_impossible_place_is_one_line(tmp_path):
    r = run_cli("build", "hello", "--out", "/proc/rnn-sheet/hello.xlsx", cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


def test_out_to_a_missing_folder_creates_it(tmp_path):
    r = run_cli("build", "hello", "--out", "a/b/c/", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "a/b/c/hello.xlsx").is_file()


# --- property-based ---------------------------------------------------------------------------

LETTERS = st.sampled_from(list("abcdeé你🙂 =+'\"@xyz"))


@st.composite
def scenarios(draw):
    word = "".join(draw(st.lists(LETTERS, min_size=2, max_size=9)))
    extra = "".join(draw(st.lists(LETTERS, max_size=3)))
    vocab = "".join(dict.fromkeys(word + extra))
    hidden = draw(st.integers(1, 6))
    model = draw(st.sampled_from(["article", "standard"]))
    seed = draw(st.integers(0, 2**16))
    scale = draw(st.sampled_from([0.1, 1.0, 5.0]))
    rng = np.random.default_rng(seed)
    V, H = len(vocab), hidden
    weights = {"Wxh": rng.normal(0, scale, (H, V)).tolist(), "Why": rng.normal(0, scale, (V, H)).tolist()}
    if model == "article":
        weights.update(Whh=float(rng.normal(0, scale)), bh=float(rng.normal(0, scale)))
    else:
        weights.update(Whh=rng.normal(0, scale, (H, H)).tolist(), bh=rng.normal(0, scale, H).tolist(),
                       by=rng.normal(0, scale, V).tolist())
    return make_scenario(word, vocab=vocab, hidden=hidden, model=model, weights=weights,
                         epochs=draw(st.integers(0, 2)), loss_mode=draw(st.sampled_from(["all", "last"])),
                         clip=draw(st.sampled_from([None, 0.05, 1.0])), use_template=False)


def engine_values(sc):
    """What each defined name must hold, from the engine alone (no rnn_sheet.sheets): the forward
    pass per step, the loss, the gradients, one update (clipped, by the scenario's optimizer) and
    the loss of each later epoch. The workbook always shows one update (Update sheet); the Training
    sheet (loss_epochs) only when epochs > 0."""
    P = sc.params
    F = forward(P, sc.inputs, sc.targets, sc.loss_mode)
    B = backward(P, F)
    want = {"loss": F.loss}
    for t in range(1, sc.T + 1):
        want.update({f"x_{t}": F.x[t - 1], f"h_{t}": F.h[t - 1], f"y_{t}": F.y[t - 1],
                     f"p_{t}": F.p[t - 1], f"loss_{t}": F.losses[t - 1]})
    for name in P.names:
        want[f"d{name}"] = B.grads[name]
    weights, grads, state, losses = [P], B.grads, sc.optimizer.init_state(P), [F.loss]
    for _ in range(max(sc.epochs, 1)):
        W, state = sc.optimizer.update(weights[-1], clip(grads, sc.clip), sc.lr, state)
        FW = forward(W, sc.inputs, sc.targets, sc.loss_mode)
        weights.append(W)
        losses.append(FW.loss)
        grads = backward(W, FW).grads
    for name in P.names:
        want[f"{name}_new"] = weights[1][name]
    want["loss_next"] = losses[1]
    if sc.epochs > 0:
        want["loss_epochs"] = losses[:sc.epochs + 1]
    # train() runs the same loop: its losses are these
    records = train(P, sc.inputs, sc.targets, sc.lr, max(sc.epochs, 1), sc.clip, sc.loss_mode, sc.optimizer)
    assert [r.fwd.loss for r in records] == losses
    return want


def cached_block(book, name):
    """The cached values of every cell under a defined name, as a 2-D float array."""
    block = book.names[name]
    cells = book.sheet(block.sheet).cells
    values = [[cells[(block.row + i, block.col + j)].value for j in range(block.ncols)]
              for i in range(block.nrows)]
    assert all(isinstance(v, float) for row in values for v in row), (name, values)
    return np.array(values, dtype=float)


@pytest.mark.slow      # the fast tier stays under 30 s; the whole suite runs it
@settings(max_examples=40, deadline=None, derandomize=True)
@given(sc=scenarios())
def test_cached_values_are_the_engines(sc):
    """Fast, no LibreOffice: the cached values under the names are the engine's, all finite."""
    book = build(sc).book
    want = engine_values(sc)
    # every name of these families the workbook defines is compared, and each one we expect exists
    steps = re.compile(r"(x|h|y|p|loss)_\d+|loss|loss_next|loss_epochs")
    compared = {n for n in book.names if steps.fullmatch(n)
                or n[:1] == "d" and n[1:] in book.names or n.endswith("_new") and n[:-4] in book.names}
    assert compared == set(want)
    assert ("loss_epochs" in book.names) == (sc.epochs > 0)
    for name, expected in want.items():
        cached = cached_block(book, name)
        expected = np.asarray(expected, dtype=float)
        expected = expected.reshape(-1, 1) if expected.ndim < 2 else expected   # vectors are columns
        assert cached.shape == expected.shape, (name, cached.shape, expected.shape)
        np.testing.assert_allclose(cached, expected, rtol=1e-12, atol=0, err_msg=name)
    assert np.isfinite(want["loss"])
    numbers = [c.value for s in book.sheets for c in s.cells.values()
               if c.kind is Kind.FORMULA and not isinstance(c.value, str)]
    assert numbers and np.all(np.isfinite(np.array(numbers, dtype=float)))


@pytest.mark.libreoffice
# Four random workbooks in one example: one LibreOffice run for all four instead of one each.
@settings(max_examples=1, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(drawn=st.lists(scenarios(), min_size=4, max_size=4))
def test_random_workbooks_recompute_in_libreoffice(recompute, drawn):
    cases = recompute({f"random{k}": sc for k, sc in enumerate(drawn)})
    for k, sc in enumerate(drawn):
        case = cases[f"random{k}"]
        report = compare.compare(case.original, case.recomputed)
        assert report.errors == [] and report.mismatches == []
        F = forward(sc.params, sc.inputs, sc.targets, sc.loss_mode)
        for t in range(1, sc.T + 1):
            assert np.allclose(case.names[f"p_{t}"].astype(float).ravel(), F.p[t - 1], rtol=1e-9, atol=1e-12)


BAD = st.one_of(
    st.builds(dict, word=st.text(max_size=1)),
    st.builds(dict, word=st.just("abab"), hidden=st.one_of(st.integers(max_value=0), st.integers(min_value=65))),
    st.builds(dict, word=st.just("abab"), vocab=st.text(alphabet="abc", min_size=3).filter(lambda v: len(set(v)) < len(v) or "b" not in v)),
    st.builds(dict, word=st.text(alphabet="ab\t\n\x00", min_size=2).filter(lambda w: set(w) - {"a", "b"})),
    st.builds(dict, word=st.just("abab"), lr=st.sampled_from([float("nan"), float("inf")])),
    st.builds(dict, word=st.just("abab"), weights=st.dictionaries(st.sampled_from(["Wxh", "Whh", "bh", "Why", "junk"]),
                                                                  st.one_of(st.text(), st.floats(), st.lists(st.floats(), max_size=3)))),
)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(spec=BAD)
def test_random_bad_inputs_are_input_errors(spec):
    with pytest.raises(InputError) as e:
        make_scenario(use_template=False, **spec)
    message = str(e.value)
    assert message and "\n" not in message


@settings(max_examples=6, deadline=None, derandomize=True)
@given(word=st.text(alphabet="ab\t\n", min_size=2, max_size=5).filter(lambda w: set(w) - {"a", "b"}))
def test_random_bad_words_exit_2_with_one_line_and_no_file(tmp_path_factory, word):
    folder = tmp_path_factory.mktemp("bad")
    r = run_cli("build", word, "--out", "w.xlsx", cwd=folder)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert not any(folder.iterdir())


@pytest.mark.slow      # the fast tier stays under 30 s; the whole suite runs it
def test_a_workbook_too_big_to_open_is_refused_before_any_work(tmp_path):
    word = "abcdefghij" * 50
    r = run_cli("build", word[:500], "--hidden", "64", "--model", "standard", "--epochs", "200",
                "--out", "big.xlsx", cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "cells" in r.stderr
    assert not any(tmp_path.iterdir())
