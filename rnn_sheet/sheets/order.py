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
    for t in range(1, L.T + 1):
        L.add(forward.step_sheet(L, t, letters))
    L.add(forward.summary_sheet(L))
    for t in range(L.T, 0, -1):
        L.add(backward.back_sheet(L, t, letters))
    L.add(backward.gradients_sheet(L, letters))
    L.add(gradcheck.sheet(L, letters))
    L.add(training.update_sheet(L, letters))
    if L.epochs:
        L.add(training.training_sheet(L, letters))
    L.add(lessons.gradient_flow_sheet(L))
    if scenario.generate:
        L.add(lessons.generate_sheet(L, letters))
    return L
