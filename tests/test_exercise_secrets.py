"""An exercise keeps its answers: no blank's answer is anywhere in the file (tests/leaks.py scans every
number of every XML part, to six significant digits), yet its self-check cells still tell a right
block from a wrong one. Every cell type, forward and backward blanks, compact and detailed, .xlsx and
.ods; the class sets are scanned where test_grade builds them. A feed-forward step repeats another
step's numbers when its input letter repeats (hello's steps 3 and 4): its blanks are on steps whose
letters are unique."""
import random

import pytest

from conftest import run_cli
from leaks import leaks
from rnn_sheet import exercise
from rnn_sheet.build import first_seed, variant
from rnn_sheet.model.fingerprint import fingerprint
from rnn_sheet.exercise import CHECK_P, TOLERANCE, make_exercise, parse_steps
from rnn_sheet.model.scenario import make_scenario
from rnn_sheet.sheets import build
from rnn_sheet.workbook.book import Kind
from rnn_sheet.writers.ods import write_ods
from rnn_sheet.writers.xlsx import write_xlsx

# (model, layout, steps, format, other settings): every cell, both layouts, both formats, several steps
# (three in the slow tier).
SLOW = pytest.mark.slow
CASES = [
    ("article", "detailed", None, "xlsx", {}),
    ("lstm", "compact", "f1,b3", "ods", {}),
    pytest.param("standard", "compact", "f4,b2", "ods", {"epochs": 2, "generate": 4, "temperature": 1.0,
                                                        "loss_mode": "last", "optimizer": "adam"}, marks=SLOW),
    pytest.param("gru", "detailed", None, "xlsx", {"epochs": 1, "generate": 3}, marks=SLOW),
    pytest.param("feedforward", "compact", "f2,b2", "xlsx", {}, marks=SLOW),
]


@pytest.mark.parametrize("model, layout, steps, fmt, kw", CASES, ids=lambda v: str(v) if not isinstance(v, dict) else "")
def test_an_exercise_holds_none_of_its_answers(tmp_path, model, layout, steps, fmt, kw):
    settings = {} if model == "article" else {"model": model, "use_template": False, "seed": 3}
    sc = make_scenario("hello", layout=layout, **settings, **kw)
    built = build(sc)
    ex, ans = make_exercise(built, parse_steps(steps, sc.T))
    path = tmp_path / f"ex.{fmt}"
    (write_xlsx if fmt == "xlsx" else write_ods)(ex, path)
    found, looked_for = leaks(path, ex, built.book)
    assert looked_for >= 15 and found == []


def test_the_scan_finds_the_answers_in_the_answer_key(tmp_path):
    built = build(make_scenario("hello"))
    ex, ans = make_exercise(built, parse_steps(None, 4))
    write_xlsx(ans, tmp_path / "key.xlsx")
    found, looked_for = leaks(tmp_path / "key.xlsx", ex, built.book)
    assert looked_for > 30 and len(found) == looked_for


def test_the_exercise_leaves_out_the_gradient_check_and_says_so():
    built = build(make_scenario("hello"))
    ex, ans = make_exercise(built, parse_steps(None, 4))
    assert "Gradient check" not in [s.name for s in ex.sheets] and "Gradient check" in [s.name for s in ans.sheets]
    assert not any(b.sheet == "Gradient check" for b in ex.names.values())
    text = [c.value for c in ex.sheet("About").cells.values() if isinstance(c.value, str)]
    assert any(t.startswith("In the answer key: the exercise leaves the Gradient check sheet out") for t in text)
    for sheet in ex.sheets:
        for cell in sheet.cells.values():
            assert cell.kind is not Kind.FORMULA or "Gradient check" not in cell.formula


def _passes(test, x):
    """Evaluate one cell's self-check term as a spreadsheet does, with the cell holding x."""
    import re
    m = re.fullmatch(r"MOD\(MOD\(ROUND\([A-Z]+\d+\*2500(?:\+([\d.]+))?,0\),(\d+)\)\*(\d+)\+(\d+),(\d+)\)=(\d+)", test)
    shift, p, a, b, p2, c = m.groups()
    y = x * 2500 + float(shift or 0)
    n = int(abs(y) + 0.5) * (1 if y >= 0 else -1)          # ROUND: halves away from zero
    return p == p2 == str(CHECK_P) and ((n % CHECK_P) * int(a) + int(b)) % CHECK_P == int(c)


def test_a_self_check_accepts_within_the_tolerance_and_little_beyond():
    rng = random.Random(1)
    for k in range(1000):
        answer = rng.uniform(-3, 3) * 10 ** rng.randint(-4, 1)
        test = exercise._cell_test("K21", answer, exercise._keys("abc", "Step 2", k, 3))
        assert str(round(answer, 6)) not in test and str(answer) not in test
        assert _passes(test, answer)
        assert _passes(test, answer + rng.uniform(-1, 1) * TOLERANCE)
        assert not _passes(test, answer + rng.choice((-1, 1)) * rng.uniform(2.6, 10) * TOLERANCE)
    # A wrong value passes by chance once in P: count it on values far off.
    test = exercise._cell_test("K21", 0.5, exercise._keys("abc", "Step 2", 0, 0))
    assert sum(_passes(test, 0.5 + k * 4e-4) for k in range(2, 20_000)) <= 1


def test_the_self_check_formula_guards_what_a_spreadsheet_cannot_compute():
    built = build(make_scenario("hello"))
    ex, _ = make_exercise(built, parse_steps(None, 4))
    checks = [c.formula for s in ex.sheets for c in s.cells.values() if c.style == "check"]
    assert len(checks) == 11
    for f in checks:
        assert f.startswith('IF(COUNTBLANK(') and ",MAX(" in f and ">1E+09" in f and '"not yet"' in f
        assert len(f) < 8192


@pytest.mark.slow
def test_a_class_set_holds_no_answers_in_any_variant_or_format(tmp_path):
    """Each variant as --variants writes it (.xlsx and .ods), scanned against its own answers; each
    variant's self-check keys differ."""
    r = run_cli("build", "hello", "--model", "standard", "--exercise", "--variants", "2", "--format", "xlsx,ods",
                "--out", tmp_path)
    assert r.returncode == 0, r.stderr
    sc = make_scenario("hello", model="standard")
    checks = []
    for k in (1, 2):
        built = build(variant(sc, first_seed(sc, None) + k))
        ex, _ = make_exercise(built, parse_steps(None, sc.T))
        assert fingerprint(built.context.sc) in (tmp_path / "hello-variants.csv").read_text()
        for fmt in ("xlsx", "ods"):
            found, looked_for = leaks(tmp_path / f"hello-v{k}-exercise.{fmt}", ex, built.book)
            assert looked_for >= 30 and found == [], (k, fmt)
        checks.append([c.formula for c in ex.sheet("Step 2").cells.values() if c.style == "check"])
    assert len(checks[0]) == 6 and all(a != b for a, b in zip(*checks))
