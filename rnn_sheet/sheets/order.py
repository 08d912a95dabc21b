"""Every sheet of a workbook, in order, and the sheet family that draws each cell's own parts.

Adding a sheet: a function that returns a SheetPlan (beside the quantities it shows), and its line
here. Adding a cell: its sheet family class (sheets/family.py), named by the cell class's `sheets`.
"""
from ..workbook import pages
from . import about, backward, family, forward, gradcheck, lessons, parameters, text, text_training, training
from .layout import HINTS, Layout, show_char


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


def fitted(make, like=None):
    """The SheetPlan make() returns or, when that is wider than a page at the smallest print scale,
    the sheet planned again knowing the widths its columns ended with (its bands then wrap where
    later bands left no room), twice at most: of the plans one page wide, the one that prints on
    the fewest pages. like: a plan of a sheet laid out as this one (Step 1 for Step 2), whose widths
    the first plan starts from. A plan whose widest block takes three quarters of a page is not planned again
    (wrapping cannot narrow it). A sheet function only declares names and aliases on the layout,
    the same each time."""
    plans = [_planned(make, like)]
    while len(plans) < 3 and _points(plans[-1]) > pages.line_points() and _narrow(plans[-1]):
        plans.append(_planned(make, plans[-1]))
    fit = [p for p in plans if _points(p) <= pages.line_points()]
    return min(fit, key=_pages) if fit else min(plans, key=_points)


def _planned(make, like):
    if like is None:
        return make()
    token = HINTS.set({None: dict(enumerate(like.column_chars()))})
    try:
        return make()
    finally:
        HINTS.reset(token)


def _narrow(sheet):
    return max((b.ncols for b in sheet.blocks.values()), default=0) * pages.column_points(11) < 0.75 * pages.line_points()


def _points(sheet):
    return sum(map(pages.column_points, sheet.column_chars()))


def _pages(sheet):
    """About how many pages a plan prints on: its rows at its scale."""
    scale = max(pages.MIN_SCALE, min(1.0, pages.printable()[0] * pages.WIDTH_SAFETY / _points(sheet)))
    return sheet.row * pages.ROW_HEIGHT * scale / (pages.printable()[1] * pages.SAFETY), -scale


def plan(scenario):
    L = Layout(scenario, family.of(scenario.cell))
    letters = [show_char(c) for c in scenario.vocab]
    L.add(about.sheet(L, scenario))
    L.add(fitted(lambda: parameters.sheet(L, letters)))
    if scenario.text is not None:       # training on a text: its letters, which Parameters' word links to
        L.add(text.text_sheet(L))
    ahead = [t for t in range(1, L.T + 1) if not (L.compact and not L.worked("forward", t))]
    like = None         # the step sheet before, whose print layout the next one follows
    for t in ahead:
        like = L.add(fitted(lambda: forward.step_sheet(L, t, letters), like))
    for ts in by_hundreds(range(len(ahead) + 1, L.T + 1)):     # compact: the other steps share sheets
        L.add(forward.steps_sheet(L, ts, letters))     # a long word's: no handout, planned once
    L.add(fitted(lambda: forward.summary_sheet(L)))
    back = [t for t in range(L.T, 0, -1) if not (L.compact and not L.worked("backward", t))]
    for t in back:
        like = L.add(fitted(lambda: backward.back_sheet(L, t, letters), like if t < L.T else None))
    for ts in by_hundreds(range(L.T - len(back), 0, -1)):
        L.add(backward.backs_sheet(L, ts, letters))
    L.add(fitted(lambda: backward.gradients_sheet(L, letters)))
    L.add(fitted(lambda: gradcheck.sheet(L, letters)))
    L.add(fitted(lambda: training.update_sheet(L, letters)))
    if scenario.text is not None:
        for sheet in text_training.sheets(L, letters):
            L.add(sheet)
        text_training.final_names(L)
    elif L.epochs:
        L.add(fitted(lambda: training.training_sheet(L, letters)))
    L.add(fitted(lambda: lessons.gradient_flow_sheet(L)))
    if scenario.generate:
        L.add(fitted(lambda: lessons.generate_sheet(L, letters)))
    return L
