"""Every sheet of a workbook, in order, and the sheet family that draws each cell's own parts.

Adding a sheet: a function that returns a SheetPlan (beside the quantities it shows), and its line
here. Adding a cell: its sheet family module (as rnn.py) and its line in FAMILIES.
"""
from ..model.cells import ArticleCell, FeedForwardCell, GRUCell, LSTMCell, StandardCell
from . import about, backward, feedforward, forward, gradcheck, gru, lessons, lstm, parameters, rnn, training
from .layout import Layout, show_char

FAMILIES = {ArticleCell: rnn, StandardCell: rnn, LSTMCell: lstm, GRUCell: gru, FeedForwardCell: feedforward}


def plan(scenario):
    L = Layout(scenario, FAMILIES[type(scenario.cell)])
    letters = [show_char(c) for c in scenario.vocab]
    L.add(about.sheet(L, scenario))
    L.add(parameters.sheet(L, letters))
    ahead = [t for t in range(1, L.T + 1) if not (L.compact and not L.worked("forward", t))]
    for t in ahead:
        L.add(forward.step_sheet(L, t, letters))
    if len(ahead) < L.T:        # compact: the steps past the worked ones share a sheet
        L.add(forward.steps_sheet(L, range(len(ahead) + 1, L.T + 1), letters))
    L.add(forward.summary_sheet(L))
    back = [t for t in range(L.T, 0, -1) if not (L.compact and not L.worked("backward", t))]
    for t in back:
        L.add(backward.back_sheet(L, t, letters))
    if len(back) < L.T:
        L.add(backward.backs_sheet(L, range(L.T - len(back), 0, -1), letters))
    L.add(backward.gradients_sheet(L, letters))
    L.add(gradcheck.sheet(L, letters))
    L.add(training.update_sheet(L, letters))
    if L.epochs:
        L.add(training.training_sheet(L, letters))
    L.add(lessons.gradient_flow_sheet(L))
    if scenario.generate:
        L.add(lessons.generate_sheet(L, letters))
    return L
