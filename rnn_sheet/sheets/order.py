"""Every sheet of a workbook, in order, and the sheet family that draws each cell's own parts.

Adding a sheet: a function that returns a SheetPlan (beside the quantities it shows), and its line
here. Adding a cell: its sheet family module (as rnn.py), named by the cell class's `sheets`.
"""
import importlib

from . import about, backward, forward, gradcheck, lessons, parameters, text, text_training, training
from .layout import Layout, show_char

def family(cell):
    """The cell's sheet family (cell.sheets, which a subclass inherits: relu draws with the tanh
    cells' rnn.py), imported when a workbook of that cell is planned: the gated families are a
    quarter of the package's import time, which `rnn-sheet build hello` would pay for nothing."""
    return importlib.import_module(f"{__package__}.{cell.sheets}")


# Steps a gathered sheet holds at most. Few sheets open fast, but a writer holds one sheet's cells
# at a time: the largest book's 497 steps on one sheet were 587,000 cells and 170 MB.
STEPS_A_SHEET = 100


def by_hundreds(ts):
    """Consecutive steps in groups that break where t crosses a multiple of STEPS_A_SHEET (Steps 3-100,
    Steps 101-200, ...; Back 299-201, Back 200-101, ...), so that a step's sheet is easy to find."""
    groups = []
    for t in ts:
        if groups and (t - 1) // STEPS_A_SHEET == (groups[-1][-1] - 1) // STEPS_A_SHEET:
            groups[-1].append(t)
        else:
            groups.append([t])
    return groups


def plan(scenario):
    L = Layout(scenario, family(scenario.cell))
    letters = [show_char(c) for c in scenario.vocab]
    L.add(about.sheet(L, scenario))
    L.add(parameters.sheet(L, letters))
    if scenario.text is not None:       # training on a text: its letters, which Parameters' word links to
        L.add(text.text_sheet(L))
    ahead = [t for t in range(1, L.T + 1) if not (L.compact and not L.worked("forward", t))]
    for t in ahead:
        L.add(forward.step_sheet(L, t, letters))
    for ts in by_hundreds(range(len(ahead) + 1, L.T + 1)):     # compact: the other steps share sheets
        L.add(forward.steps_sheet(L, ts, letters))
    L.add(forward.summary_sheet(L))
    back = [t for t in range(L.T, 0, -1) if not (L.compact and not L.worked("backward", t))]
    for t in back:
        L.add(backward.back_sheet(L, t, letters))
    for ts in by_hundreds(range(L.T - len(back), 0, -1)):
        L.add(backward.backs_sheet(L, ts, letters))
    L.add(backward.gradients_sheet(L, letters))
    L.add(gradcheck.sheet(L, letters))
    L.add(training.update_sheet(L, letters))
    if scenario.text is not None:
        for sheet in text_training.sheets(L, letters):
            L.add(sheet)
        text_training.final_names(L)
    elif L.epochs:
        L.add(training.training_sheet(L, letters))
    L.add(lessons.gradient_flow_sheet(L))
    if scenario.generate:
        L.add(lessons.generate_sheet(L, letters))
    return L
