"""Never a workbook a program cannot read: any input the command accepts gives cached values that are
all finite and equal to the engine's; anything else is refused in one line before a file is written.
Weights and lr are bounded (±1e6); inputs whose computations overflow are refused by name."""
import json
import re

import numpy as np
import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import run_cli
from rnn_sheet.checking.check import check_many
from rnn_sheet.model.scenario import MAX_MAGNITUDE, InputError, make_scenario
from rnn_sheet.sheets import build, render
from rnn_sheet.workbook.book import Kind
from rnn_sheet.writers.xlsx import write_xlsx
from test_hard_inputs import cached_block, engine_values

MAGNITUDES = [1e-300, 1e-12, 1e-3, 1.0, 30.0, 1e3, 1e6, 1.5e6, 1e100, 1e300]


@st.composite
def risky(draw):
    """Inputs over every magnitude a user could type: weights from 1e-300 to 1e300 with both signs,
    lr and clip from tiny to huge, a few epochs."""
    word = "".join(draw(st.lists(st.sampled_from("abcd"), min_size=2, max_size=14)))
    vocab = "".join(dict.fromkeys(word))
    model = draw(st.sampled_from(["article", "standard"]))
    H, V = draw(st.integers(1, 4)), len(vocab)
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    scale = draw(st.sampled_from(MAGNITUDES))

    def w(*shape):
        return (rng.normal(0, 1, shape) * scale).tolist() if shape else float(rng.normal(0, 1) * scale)
    weights = {"Wxh": w(H, V), "Why": w(V, H)}
    weights.update({"Whh": w(), "bh": w()} if model == "article" else {"Whh": w(H, H), "bh": w(H), "by": w(V)})
    return dict(word=word, vocab=vocab, hidden=H, model=model, weights=weights, use_template=False,
                lr=draw(st.sampled_from([-0.5, 1e-6, 0.1, 10.0, 1e6, 2e6])),
                clip=draw(st.sampled_from([None, 1e-3, 1.0, 1e6])), epochs=draw(st.integers(0, 3)),
                loss_mode=draw(st.sampled_from(["all", "last"])))


@pytest.mark.slow      # the fast tier stays under 30 s; the whole suite runs it
@settings(max_examples=60, deadline=None, derandomize=True)
@given(spec=risky())
def test_accepted_inputs_give_finite_values_equal_to_the_engine(spec):
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            built = build(make_scenario(**spec))
    except InputError as e:
        assert str(e) and "\n" not in str(e)
        return
    sc, book = built.context.sc, built.book
    numbers = [c.value for s in book.sheets for c in s.cells.values()
               if c.kind in (Kind.FORMULA, Kind.CONST, Kind.INPUT) and not isinstance(c.value, str)]
    assert numbers and all(np.isfinite(numbers))
    with np.errstate(over="ignore", invalid="ignore"):
        want = engine_values(sc)
    for name, expected in want.items():
        expected = np.asarray(expected, dtype=float)
        expected = expected.reshape(-1, 1) if expected.ndim < 2 else expected
        np.testing.assert_allclose(cached_block(book, name), expected, rtol=1e-12, atol=0, err_msg=name)


def test_the_bounds_are_one_line_errors():
    for spec, words in [(dict(weights={"Wxh": [[2e6, 0]], "Whh": 0, "bh": 0, "Why": [[1], [1]]}), ["Wxh", "2e+06"]),
                        (dict(lr=-1.5e6), ["lr", "1e+06"])]:
        with pytest.raises(InputError) as e:
            make_scenario("abab", hidden=1, use_template=False, **spec)
        assert all(w in str(e.value) for w in words) and "\n" not in str(e.value)
    assert MAX_MAGNITUDE == 1e6


def test_an_overflowing_gradient_is_refused_naming_where(tmp_path):
    """Whh of 1e6 over 100 steps: the error handed back grows a millionfold a step and overflows.
    A spreadsheet would show #NUM! there; the file is never written."""
    weights = {"Wxh": [[0] * 4] * 3, "Whh": [[1e6] * 3] * 3, "bh": [0] * 3,
               "Why": [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0]], "by": [0] * 4}
    (tmp_path / "w.json").write_text(json.dumps(weights))
    r = run_cli("build", "hello" * 20, "--vocab", "helo", "--model", "standard", "--weights", "w.json",
                "--out", "x.xlsx", cwd=tmp_path)
    assert r.returncode == 2 and r.stdout == "" and "Traceback" not in r.stderr
    assert r.stderr.count("\n") == 1 and "overflows" in r.stderr and "'Back " in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.json"]


EXTREME = {
    "tiny": dict(word="abcab", hidden=2, weights={"Wxh": [[1e-300, -1e-300, 1e-300]] * 2, "Whh": 1e-300,
                                                  "bh": -1e-300, "Why": [[1e-300, 2e-300]] * 3}),
    "huge": dict(word="abcab", hidden=2, weights={"Wxh": [[1e6, -1e6, 1e6]] * 2, "Whh": -1e6, "bh": 1e6,
                                                  "Why": [[1e6, -1e6]] * 3}, epochs=2),
    "fast_lr": dict(word="abcab", hidden=2, model="standard", lr=1e6, epochs=3, seed=4),
}


@pytest.mark.libreoffice
def test_extreme_accepted_workbooks_read_and_check(tmp_path):
    paths = []
    for key, spec in EXTREME.items():
        built = build(make_scenario(use_template=False, **spec))
        paths.append(tmp_path / f"{key}.xlsx")
        write_xlsx(built.book, paths[-1])
        wb = openpyxl.load_workbook(paths[-1], data_only=True)          # openpyxl reads it
        assert all(np.isfinite(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row
                   if isinstance(c.value, float))
    for path, report in zip(paths, check_many(paths)):
        assert report.ok, "\n".join(report.lines())
        assert report.formulas > 300 and report.names_compared


# --- what Excel allows ------------------------------------------------------------------------------

EXCEL_NAME = re.compile(r"[A-Za-z_\\][A-Za-z0-9_.]{0,254}")
CELL_LIKE = re.compile(r"([A-Za-z]{1,3}\d+|[RrCc]\d*|[Rr]\d+[Cc]\d+)")
VOCAB_100 = "".join(chr(0x4E00 + i) for i in range(100))

LARGEST = {     # the largest of each kind a test can afford (500 x 100 x 64 is measured in benchmarks/)
    "long_detailed": dict(word="ab" * 250),
    "wide_compact": dict(word=VOCAB_100 + VOCAB_100[0], vocab=VOCAB_100, model="standard", hidden=64),
    "long_trained": dict(word="abcde" * 100, model="standard", hidden=4, epochs=3, generate=200, start="a"),
}


@pytest.mark.slow      # the fast tier stays under 30 s; the whole suite runs it
@pytest.mark.parametrize("key", LARGEST)
def test_the_largest_books_stay_within_excels_limits(key):
    book = build(make_scenario(use_template=False, **LARGEST[key])).book
    names = [s.name for s in book.sheets]
    assert len(set(names)) == len(names) and all(1 <= len(n) <= 31 for n in names)
    assert max(s.extent[1] for s in book.sheets) <= 16_384 and max(s.extent[0] for s in book.sheets) <= 1_048_576
    assert max(len(c.formula) for s in book.sheets for c in s.cells.values() if c.kind is Kind.FORMULA) < 8192
    for name in book.names:
        assert EXCEL_NAME.fullmatch(name) and not CELL_LIKE.fullmatch(name), name


def test_a_formula_longer_than_excel_allows_is_refused(monkeypatch):
    """A detailed sum over 500 Back sheets of a 26-letter, hidden-8 model needs 8,374 characters; the
    limit is lowered here so that a small book shows the same refusal quickly."""
    monkeypatch.setattr(render, "MAX_FORMULA", 1000)
    with pytest.raises(InputError, match="dWxh on the sheet 'Gradients' .* 1,000: use --layout compact"):
        build(make_scenario("ab" * 40, layout="detailed", use_template=False)).book.sheets     # as rendered
    build(make_scenario("ab" * 40, layout="compact", use_template=False)).book.sheets
