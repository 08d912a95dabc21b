"""The gated cells and the feed-forward contrast from the command line: every option builds, the
exercise blanks the gate and cell-state bands, and bad input (an unknown cell, a weights file missing a
gate or with a wrong shape or for another cell, a template whose weights are for another cell) is one
line, exit 2, no file."""
import json
import math
import re
import zipfile

import numpy as np
import openpyxl
import pytest

from rnn_sheet.exercise import blank_blocks, parse_steps
from rnn_sheet.model import cells
from rnn_sheet.model.scenario import make_scenario
from rnn_sheet.sheets import build
from rnn_sheet.cli import run as cli_run
from test_cli import assert_one_line_error, files_under, run_in_process


def run_ok(args, capsys):
    """A build that succeeds returns without SystemExit; its output."""
    capsys.readouterr()
    cli_run([str(a) for a in args])
    return capsys.readouterr().out

MODELS = ["lstm", "gru", "feedforward"]


def defined_names(path):
    with zipfile.ZipFile(path) as z:
        return set(re.findall(r'<definedName name="([^"]+)"', z.read("xl/workbook.xml").decode()))


@pytest.mark.slow      # the fast tier stays under 30 s; the whole suite runs it
@pytest.mark.parametrize("model,fmt", [("lstm", "all"), ("gru", "xlsx"), ("feedforward", "xlsx")])
def test_every_option_builds(tmp_path, monkeypatch, capsys, model, fmt):
    monkeypatch.chdir(tmp_path)
    weights = tmp_path / "w.json"
    P = cells.get(model).init(3, 2, seed=9)
    weights.write_text(json.dumps({k: v.tolist() for k, v in P.items()}))
    out = run_ok(["build", "abcab", "--model", model, "--hidden", "2", "--vocab", "abc", "--weights", weights,
                  "--lr", "0.3", "--epochs", "2", "--clip", "0.5", "--loss", "last", "--generate", "3",
                  "--start", "b", "--layout", "compact", "--format", fmt, "--exercise", "f1,b2",
                  "--out", "out"], capsys)
    formats = ("ods", "xlsx") if fmt == "all" else ("xlsx",)
    assert files_under(tmp_path / "out") == sorted(f"abcab-{v}.{f}" for v in ("answers", "exercise") for f in formats)
    assert out.count("wrote ") == 2 * len(formats) and "total loss" in out
    names = defined_names(tmp_path / "out" / "abcab-answers.xlsx")
    assert set(P.names) | {f"d{n}" for n in P.names} | {"generated", "loss_epochs", "grad_norms"} <= names
    assert ("cell_grad_norms" in names) == (model == "lstm")
    assert run_ok(["build", "hello", "--model", model, "--seed", "4", "--out", "plain.xlsx"], capsys).startswith(
        "wrote plain.xlsx")


@pytest.mark.slow      # the fast tier stays under 30 s; the whole suite runs it
@pytest.mark.parametrize("name,before,after", [("lstm-hello", "hhhh", "ello"), ("gru-hello", "eeee", "ello")])
def test_templates_are_listed_and_say_what_they_learn(tmp_path, monkeypatch, capsys, name, before, after):
    monkeypatch.chdir(tmp_path)
    listed = dict(line.split(None, 1) for line in run_ok(["templates"], capsys).splitlines())
    assert before in listed[name] and after in listed[name]
    assert f"output/{name}.xlsx" in run_ok(["build", name], capsys)
    wb = openpyxl.load_workbook(tmp_path / "output" / f"{name}.xlsx", read_only=True)
    about = " ".join(str(c.value) for row in wb["About"].iter_rows() for c in row if c.value)
    assert f"template '{name}'" in about and f"'{before}' before training, '{after}' after" in about


# --- exercises --------------------------------------------------------------------------------------

FORWARD = {"lstm": {"wx_i", "wh_i", "i", "wx_f", "wh_f", "f", "wx_o", "wh_o", "o", "wx_g", "wh_g", "g",
                    "fc", "ig", "c", "h", "y", "p", "loss_t"},
           "gru": {"wx_z", "wh_z", "z", "wx_r", "wh_r", "r", "wx_n", "wh_n", "n", "zn", "zh", "h", "y", "p", "loss_t"},
           "feedforward": {"wx", "h", "y", "p", "loss_t"}}
BACKWARD = {"lstm": {"dy", "dWhy_t", "dh", "dc", "da_i", "da_f", "da_o", "da_g"},
            "gru": {"dy", "dWhy_t", "dh", "da_z", "da_r", "da_n"},
            "feedforward": {"dy", "dWhy_t", "dh", "da", "dWxh_t"}}


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("layout", ["detailed", "compact"])
def test_exercise_blanks_the_gate_and_cell_state_bands(model, layout):
    L = build(make_scenario("hello", model=model, layout=layout)).layout
    for sheet in parse_steps("f3,b4", 4):
        kinds = [q.kind for (q, _), _ in blank_blocks(L, [sheet])]
        assert len(kinds) == len(set(kinds))
        want = FORWARD[model] if sheet.startswith("Step") else BACKWARD[model]
        assert set(kinds) == want, (sheet, sorted(kinds))


# --- bad input ----------------------------------------------------------------------------------------

def weights_file(tmp_path, model, V=3, H=3, change=None):
    data = {k: v.tolist() for k, v in cells.get(model).init(V, H, 0).items()}
    (change or (lambda d: None))(data)
    path = tmp_path / f"{model}.json"
    path.write_text(json.dumps(data))
    return path


def _without_forget_gate(d):
    for k in ("Wxf", "Whf", "bf"):
        del d[k]


BAD = [
    (["build", "abcab", "--model", "rnn"], lambda tmp: [], ["rnn", "lstm", "gru", "feedforward"]),
    (["build", "abcab", "--model", "lstm", "--weights"],
     lambda tmp: [weights_file(tmp, "lstm", change=_without_forget_gate)],
     ["missing Wxf", "a list of 3 rows of 3 numbers"]),
    (["build", "abcab", "--model", "gru", "--weights"],
     lambda tmp: [weights_file(tmp, "gru", change=lambda d: d.update(Whr=[[0.1, 0.2]] * 3))],
     ["Whr must be a list of 3 rows of 3 numbers"]),
    (["build", "abcab", "--model", "gru", "--weights"], lambda tmp: [weights_file(tmp, "lstm")],
     ["unexpected key", "for the gru model", "weights for the lstm model"]),
    (["build", "abcab", "--model", "feedforward", "--weights"], lambda tmp: [weights_file(tmp, "standard")],
     ["'Whh'", "weights for the standard model"]),
]


@pytest.mark.parametrize("args,extra,words", BAD, ids=["model", "missing-gate", "shape", "other-cell", "ff-shape"])
def test_bad_input_is_one_line_exit_2_no_file(tmp_path, monkeypatch, capsys, args, extra, words):
    monkeypatch.chdir(tmp_path)
    args = args + extra(tmp_path)
    before = files_under(tmp_path)
    r = run_in_process(args, capsys)
    assert_one_line_error(r, *words)
    assert r.stdout == "" and files_under(tmp_path) == before


def test_a_template_with_weights_for_another_cell(tmp_path, monkeypatch, capsys):
    import rnn_sheet.model.scenario as scenario
    (tmp_path / "odd.toml").write_text('word = "abcab"\nmodel = "lstm"\nhidden = 1\n[weights]\n'
                                       'Wxh = [[0.1, 0.2, 0.3]]\nWhh = [[0.5]]\nbh = [0.0]\n'
                                       'Why = [[1.0], [0.5], [-1.0]]\nby = [0.0, 0.0, 0.0]\n')
    monkeypatch.setattr(scenario, "template_dirs", lambda: [tmp_path])
    monkeypatch.chdir(tmp_path)
    before = files_under(tmp_path)
    r = run_in_process(["build", "odd"], capsys)
    assert_one_line_error(r, "template odd", "for the lstm model", "weights for the standard model")
    assert files_under(tmp_path) == before


@pytest.mark.slow      # the fast tier stays under 30 s; the whole suite runs it
def test_builds_are_byte_deterministic(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for out in ("a", "b"):
        run_ok(["build", "lstm-hello", "--epochs", "1", "--generate", "2", "--format", "all", "--out", out], capsys)
    for name in ("lstm-hello.xlsx", "lstm-hello.ods"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


@pytest.mark.parametrize("model", ["lstm", "gru"])
def test_every_cached_value_is_finite_with_pre_activations_of_1000(model):
    sc = make_scenario("abcab", model=model, hidden=2, seed=1, epochs=1, generate=2, use_template=False)
    up_down = np.array([[1000.0], [-1000.0]])
    sc.params = sc.params.replace(**{k: up_down * np.ones(v.shape) for k, v in sc.params.items() if k[:2] == "Wx"})
    numbers = [c.value for s in build(sc).book.sheets for c in s.cells.values() if isinstance(c.value, float)]
    assert len(numbers) > 1000 and all(math.isfinite(v) for v in numbers)
    assert 0.0 in numbers and 1.0 in numbers           # saturated gates, exactly
