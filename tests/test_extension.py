"""The extension point, shown: a cell added here, in the test, with an activation of its own (softsign,
a / (1 + |a|)), is a subclass and a registry line; it draws with its parent's sheets, builds with every
feature, writes its own activation into the formulas and matches central differences."""
import numpy as np
import pytest

from rnn_sheet.build import WRITERS, jobs
from rnn_sheet.model import cells
from rnn_sheet.model.cells.activations import Activation
from rnn_sheet.model.cells.rnn import StandardCell
from rnn_sheet.model.engine import backward, forward
from rnn_sheet.model.scenario import make_scenario
from rnn_sheet.sheets import build
from test_engine import encode, numeric_grads, rel_error

SOFTSIGN = Activation("softsign", "softsign", lambda a: a / (1 + np.abs(a)), lambda h: (1 - np.abs(h)) ** 2,
                      lambda a, compound: f"({a})/(1+ABS({a}))", lambda h: f"(1-ABS({h}))*(1-ABS({h}))",
                      lambda h: f"(1 - |{h}|)²", "between -1 and 1", "since softsign'(a) = (1 - |h|)²")


class SoftsignCell(StandardCell):
    name = "softsign"
    summary = "min-char-rnn with softsign for tanh"
    activation = SOFTSIGN


@pytest.fixture
def registered(monkeypatch):
    monkeypatch.setitem(cells.CELLS, "softsign", SoftsignCell())
    return cells.CELLS["softsign"]


def test_the_added_cell_matches_central_differences(registered):
    vocab, inputs, targets = encode("mississippi")
    P = registered.init(len(vocab), 3, 4)
    P = P.replace(Wxh=P.Wxh * 8, Whh=P.Whh * 5)
    B = backward(P, forward(P, inputs, targets))
    num = numeric_grads(P, inputs, targets, "all")
    assert max(float(rel_error(B.grads[n], num[n]).max()) for n in P.names) < 1e-6


def test_the_added_cell_draws_with_its_parents_sheets(registered):
    built = build(make_scenario("abcab", model="softsign", hidden=2, epochs=1, generate=2))
    formulas = [c.formula for s in built.book.sheets for c in s.cells.values() if c.formula]
    assert not any("TANH" in f for f in formulas)
    assert any("/(1+ABS(" in f for f in formulas) and any("(1-ABS(" in f for f in formulas)
    block = built.book.names["h_1"]
    cached = [built.book.sheet(block.sheet).cells[(block.row + i, block.col)].value for i in range(2)]
    np.testing.assert_allclose(cached, built.context.F.h[0])


def test_the_added_cell_builds_with_every_feature(registered, tmp_path):
    """(--model's choices are fixed when the command line is imported: the build goes round it.)"""
    sc = make_scenario("abcab", model="softsign", hidden=2, epochs=2, generate=3, temperature=0.9,
                       layout="compact", optimizer="adam", clip=1.0, loss_mode="last")
    for job in jobs(build(sc), ["xlsx"], [tmp_path / "a.xlsx"], exercise=""):
        WRITERS[job.format](job.book, job.path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-answers.xlsx", "a-exercise.xlsx"]


def test_a_sheet_family_is_a_class_its_subclasses_inherit():
    """The added cell's family is its parent's class, found through the cell class alone; a hook with
    no default that a family leaves out is named with the family when called, a missing quantity when
    the family is made; a subclass inherits its parent's hooks and quantities."""
    from rnn_sheet.sheets import family, feedforward, rnn
    assert type(family.of(SoftsignCell())) is rnn.TanhFamily and family.of(SoftsignCell()) is family.of(cells.get("relu"))

    class Broken(rnn.TanhFamily):
        backward_bands = family.SheetFamily.backward_bands
    with pytest.raises(NotImplementedError, match="backward_bands: the sheet family Broken does not define it"):
        Broken().backward_bands(None, None, 1, [], True)

    class NoState(family.SheetFamily):
        h = rnn.h
    with pytest.raises(NotImplementedError, match="NoState has no dh_next, net_H, gen_H"):
        NoState()
    ff = feedforward.FeedForwardFamily()
    assert ff.flow_series(None) == [] and ff.net_H is feedforward.net_H and ff.gradient_tables is rnn.TanhFamily.gradient_tables
