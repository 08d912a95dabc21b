"""rnn-sheet build --text FILE: what it writes, its names, its refusals (one line, exit 2, nothing
written), the cell cap, and every cell with the features a word book has. No LibreOffice here
(test_text_recompute.py recomputes the books)."""
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from rnn_sheet.model import cells
from rnn_sheet.model.engine import generate
from rnn_sheet.model.text import train_text
from rnn_sheet.model.textinput import make_any_scenario, text_scenario
from rnn_sheet.sheets import build, plan
from rnn_sheet.sheets.render import MAX_CELLS, cell_count

TEXT = "the cat\nsat on the mat.\n"


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "cat.txt").write_text(TEXT, encoding="utf-8")
    return tmp_path


def test_builds_output_named_after_the_file(folder, cli):
    r = cli("build", "--text", "cat.txt", "--seq-length", "4", "--iterations", "6", cwd=folder)
    assert r.returncode == 0, r.stderr
    assert (folder / "output" / "cat.xlsx").is_file()
    assert "wrote output/cat.xlsx" in r.stdout


def test_names_and_values(folder):
    sc = make_any_scenario(None, text_file=folder / "cat.txt", seq_length=4, iterations=6)
    # min-char-rnn's settings where none are given
    assert (sc.model, sc.optimizer.name, sc.clip, sc.text, sc.word) == ("standard", "adagrad", 5.0,
                                                                        TEXT.replace("\n", "↵"), "the c")
    built = build(sc)
    names = built.book.names
    assert (names["loss_iterations"].nrows, names["loss_iterations"].ncols) == (6, 1)
    assert (names["smooth_loss"].nrows, names["smooth_loss"].ncols) == (6, 1)
    assert names["seq_length"].nrows == 1
    for name in sc.params.names:
        final = names[f"{name}_final"]
        assert (final.nrows, final.ncols) == (np.atleast_2d(sc.params[name]).shape if sc.params[name].ndim == 2
                                              else (sc.params[name].size, 1))
    data = [sc.vocab.index(c) for c in sc.text]
    records = train_text(sc.params, data, 4, 6, sc.lr, 5.0, "all", sc.optimizer)
    L = built.layout
    values = {n: L.placed[L.key(key)].value(built.context, L.key(key)[1]) for n, key in L.names.items()}
    assert list(values["loss_iterations"]) == [r.fwd.loss for r in records[:6]]
    np.testing.assert_array_equal(values["Why_final"], records[6].params.Why)
    assert built.loss == records[0].fwd.loss


@pytest.mark.parametrize("args,message", [
    (["--text", "missing.txt"], "cannot read text file missing.txt"),
    (["--text", "empty.txt"], "has 0 characters"),
    (["--text", "one.txt"], "has 1 character;"),
    (["--text", "nul.bin"], "is binary"),
    (["--text", "latin1.txt"], "is not UTF-8"),
    (["--text", "wide.txt"], "at most 100 are supported"),
    (["--text", "cat.txt", "--seq-length", "0"], "--seq-length"),
    (["--text", "cat.txt", "--seq-length", "24"], "from 1 to 23"),
    (["--text", "cat.txt"], "(got 25)"),
    (["--text", "cat.txt", "--seq-length", "4", "--epochs", "3"], "not --epochs"),
    (["hello", "--iterations", "3"], "--iterations is for training on a text"),
    (["hello", "--seq-length", "3"], "--seq-length is for training on a text"),
    (["hello", "--text", "cat.txt"], "not both"),
    (["--text", "cat.txt", "--seq-length", "4", "--iterations", "0"], "--iterations"),
    (["--text", "cat.txt", "--seq-length", "20", "--iterations", "5000", "--hidden", "64"], "iterations fit"),
])
def test_bad_input_is_one_line_and_nothing_written(folder, cli, args, message):
    (folder / "empty.txt").write_bytes(b"")
    (folder / "one.txt").write_text("a", encoding="utf-8")
    (folder / "nul.bin").write_bytes(b"\x00\x01abc")
    (folder / "latin1.txt").write_bytes("café au lait".encode("latin-1"))
    (folder / "wide.txt").write_text("".join(chr(0x400 + k) for k in range(101)), encoding="utf-8")
    r = cli("build", *args, cwd=folder)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stderr.startswith("rnn-sheet: error: ") and r.stderr.count("\n") == 1, r.stderr
    assert message in r.stderr
    assert not (folder / "output").exists()


@pytest.mark.slow
def test_the_cap_says_how_many_iterations_fit():
    sc = text_scenario(TEXT * 3, seq_length=20, iterations=5000, hidden=64)
    with pytest.raises(Exception) as refused:
        build(sc)
    fit = int(str(refused.value).split("at most ")[1].split()[0])
    assert cell_count(plan(replace(sc, epochs=fit))) <= MAX_CELLS < cell_count(plan(replace(sc, epochs=fit + 1)))


# The standard cell in the fast tier; every other cell in the slow tier, which runs them all.
@pytest.mark.parametrize("model", [m if m == "standard" else pytest.param(m, marks=pytest.mark.slow)
                                   for m in cells.CELLS])
def test_every_cell_with_every_feature_builds(folder, cli, model):
    base = ["build", "--text", "cat.txt", "--seq-length", "2", "--iterations", "3", "--hidden", "1",
            "--model", model]
    for extra in (["--generate", "3", "--optimizer", "adam"] + (["--format", "all"] if model == "standard" else []),
                  ["--generate", "3", "--temperature", "0.5", "--loss", "last", "--optimizer", "momentum",
                   "--layout", "detailed"],
                  ["--exercise", "--optimizer", "sgd", "--clip", "0.5", "--layout", "compact"]):
        r = cli(*base, *extra, "--out", f"out-{model}", cwd=folder)
        assert r.returncode == 0, (extra, r.stderr[-2000:])


@pytest.mark.slow
def test_same_inputs_same_bytes(folder, cli):
    for out in ("a.xlsx", "b.xlsx"):
        assert cli("build", "--text", "cat.txt", "--seq-length", "5", "--iterations", "4", "--generate", "3",
                   "--out", out, cwd=folder).returncode == 0
    assert (folder / "a.xlsx").read_bytes() == (folder / "b.xlsx").read_bytes()


def test_a_newline_is_a_visible_letter(folder):
    sc = make_any_scenario(None, text_file=folder / "cat.txt", seq_length=10, iterations=2)
    assert "\n" not in sc.vocab and "↵" in sc.vocab
    book = build(sc).book
    values = {c.value for c in book.sheet("Text").cells.values()}
    assert "↵" in values and "\n" not in values


def test_the_template_trains_on_its_text(tmp_path, cli):
    r = cli("build", "min-char-rnn", "--iterations", "2", "--seq-length", "3", "--hidden", "2", "--out", "m.xlsx",
            cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert Path(tmp_path / "m.xlsx").is_file()


def test_the_template_without_out_is_named_by_its_settings(tmp_path, cli):
    # Found by the combination sweep: naming a template's build read min-char-rnn as a word template
    # and refused every build of it without --out, `rnn-sheet build min-char-rnn` too.
    r = cli("build", "min-char-rnn", "--iterations", "2", "--seq-length", "3", "--hidden", "2", "--model", "gru",
            cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "wrote output/min-char-rnn-gru-hidden2-iterations2-seq-length3.xlsx" in r.stdout


def test_a_class_set_is_named_by_the_file(folder, cli):
    r = cli("build", "--text", "cat.txt", "--seq-length", "4", "--iterations", "2", "--hidden", "2",
            "--exercise", "--variants", "1", cwd=folder)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (folder / "output").iterdir()) == [
        "cat-v1-answers.xlsx", "cat-v1-exercise.xlsx", "cat-variants.csv"]


@pytest.mark.parametrize("temperature", [None, 0.5])
def test_generation_is_greedy_unless_a_temperature_is_given(folder, temperature):
    # The help says "greedily unless --temperature"; a text build sampled at T = 1 all the same.
    sc = make_any_scenario(None, text_file=folder / "cat.txt", seq_length=4, iterations=3, hidden=2, generate=5,
                           temperature=temperature)
    assert sc.temperature == temperature and len(sc.draws) == (5 if temperature else 0)
    built = build(sc)
    final = train_text(sc.params, [sc.vocab.index(c) for c in sc.text], 4, 3, sc.lr, 5.0, "all",
                       sc.optimizer)[3].params
    G = generate(final, sc.vocab.index(sc.start), 5, temperature, sc.draws)
    if temperature is None:     # each letter the most probable after the one before
        assert list(G.outputs) == [int(np.argmax(y)) for y in G.y]
    L = built.layout
    shown = L.placed[L.key("generated")].value(built.context, L.key("generated")[1])
    assert shown == "".join(sc.vocab[k] for k in G.outputs)
    assert ("temperature" in built.book.names) == (temperature is not None)


def test_the_template_generates_greedily_unless_a_temperature_is_given():
    assert make_any_scenario("min-char-rnn", iterations=1).temperature is None
    assert make_any_scenario("min-char-rnn", iterations=1, temperature=1.0).temperature == 1.0


def test_the_training_sheets_chunk_column_fits_its_letters(folder):
    # It was the p column that got the chunk's width: the printed chunks ran over their neighbours.
    sheet = build(make_any_scenario(None, text_file=folder / "cat.txt", seq_length=12, iterations=2)).book.sheet(
        "Training")
    col = next(c for (r, c), cell in sheet.cells.items() if cell.value == "chunk")
    assert sheet.widths[col] >= 12 + 1 and sheet.widths[col - 2] < 12


def test_a_vocabulary_may_give_the_newline_as_its_symbol(folder):
    # As the sheets show it: a vocabulary copied from a book was refused ("contains '↵'").
    for vocab in ("the ca↵sonm.xyz", "the ca\nsonm.xyz"):
        sc = make_any_scenario(None, text_file=folder / "cat.txt", seq_length=4, iterations=1, vocab=vocab)
        assert sc.vocab == "the ca↵sonm.xyz"
    with pytest.raises(Exception, match="repeats '↵'"):
        make_any_scenario(None, text_file=folder / "cat.txt", seq_length=4, iterations=1, vocab="the ca\n↵sonm.")
