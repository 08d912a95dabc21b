"""The About sheet, first in every workbook: what the network is, its equations, the colours, how to
experiment and what this workbook was built from. Text cells only, never formulas: nothing a user
typed (the word, say) can become a formula, and the sheet changes no value."""
from .. import __version__
from ..workbook.grid import Block
from .layout import SheetPlan, show_char
from .text import about_rows

KEY, TEXT = 1, 2        # columns: a short key, then the sentence


def sheet(L, sc):
    S = SheetPlan("About", "about")
    # Text stays inside its column (lines of at most ~100 characters) so the page prints whole.
    S.widths.update({0: 3, KEY: 22, TEXT: 100})
    cell = L.cell
    what = f"\"{sc.word}\"" if sc.text is None else f"a text of {len(sc.text)} letters, {sc.seq_length} at a time"
    S.title(f"{'A recurrent neural network' if cell.recurrent else 'A feed-forward network'} learns to read {what}",
            "Read this first. Every number in this workbook is a live formula: change an "
            "input and everything recomputes.")
    _section(S, "The network", _network(L) + [
        ("", f"Step t reads letter t as a one-hot vector x_t and must predict letter t+1. The word has "
             f"{len(sc.word)} letters, so there are T = {L.T} time steps."),
        ("", "Training: the loss measures how wrong the predictions are; backpropagation through time "
             "finds"),
        ("", "how each weight changes the loss, and gradient descent moves every weight a little against "
             "its gradient."),
    ])
    if sc.text is not None:
        _section(S, "Training on a text, chunk by chunk, as min-char-rnn does", about_rows(L))
    counted = "loss = Σ_t loss_t" if sc.loss_mode == "all" else "loss = loss_T (only the last step counts)"
    eqs = [
        *cell.forward_equations(),
        ("scores", "y_t = Why · h_t" + (" + by" if cell.output_bias else "")),
        ("probabilities", "p_t = softmax(y_t):  p_t[k] = exp(y_t[k]) / Σ_j exp(y_t[j])"),
        ("loss", f"loss_t = -ln p_t[target_t],   {counted}"),
        ("output error", "dy_t = p_t - target_t"),
        *cell.backward_equations(),
        *_update_rows(L.optimizer),
        *cell.remarks,
    ]
    _section(S, "The equations  (· matrix product, ∘ element by element, ᵀ transpose)", eqs)
    first = S.row          # the legend is one band: it never splits across printed pages
    S.label(S.row, 0, "Colours", "band")
    S.row += 1
    for style, sample, text in [
            ("input", 0.5, "an input (yellow, gold border): type another value and the workbook "
                                  "recomputes"),
            ("calc", 0.123456, "computed by a formula from other cells"),
            ("link", 0.5, "a linked copy of a weight from Parameters, shown beside what it multiplies"),
            ("const", 0, "a constant (one-hot codes, the zero state before the first step)"),
            ("caption", "h_t = tanh", "the name of the block below; its first cell has a note (a small red "
                                      "triangle): its formula in plain maths")]:
        S.label(S.row, KEY, sample, style)
        S.label(S.row, TEXT, text)
        S.row += 1
    for text in ("Step and Back sheets past the worked ones (Step 1, Step 2, the last Back sheet) gather "
                 "those notes", "in one note on their title.",
                 "Heatmaps colour weights and gradients (red: large positive, white: 0, blue: large "
                 "negative)", "and probabilities (green: likely), so the eye sees what dominates."):
        S.label(S.row, TEXT, text)
        S.row += 1
    S.bands.append((first, S.row - 1))
    S.row += 1
    _section(S, "How to experiment", [
        ("a weight", "Change a yellow cell on Parameters: every Step, Back, Gradients and Update sheet "
                     "follows."),
        ("", "Does the prediction on Summary change? Which weights make the loss smaller?"),
        ("a letter", "Change a letter of the word on Parameters (it must be in the vocabulary)."),
        ("the learning rate", "Change lr and watch loss_next on Update" +
                              (" and the loss per epoch on Training." if sc.epochs else ".")),
        ("the gradient check", "On Gradient check, type another parameter name, row or column: does "
                               "backprop agree with the measured slope?"),
        ("a formula", "Click a blue cell to see its formula; the formula bar shows where each number "
                      "comes from."),
        ("a new workbook", "rnn-sheet build WORD --hidden 5 --epochs 50   (rnn-sheet build --help lists "
                           "every option)"),
    ])
    origin = {"template": "the template's", "file": "from a file"}.get(sc.weights_from, f"random, seed {sc.seed}")
    template = [("template", f"'{sc.template}'" + (f": {sc.description}" if sc.description else ""))]
    _section(S, "This workbook", (template if sc.template else []) + [
        ("word", sc.word), ("vocabulary", " ".join(show_char(c) for c in sc.vocab)),
        ("model", cell.name), ("", cell.summary),
        ("hidden size", sc.hidden), ("weights", origin), ("learning rate lr", sc.lr),
        ("optimizer", _optimizer_text(L.optimizer)), ("epochs", sc.epochs),
        ("gradient clipping", f"±{sc.clip:g}" if sc.clip else "none"),
        ("loss", sc.loss_mode), ("layout", "compact" if L.compact else "detailed"),
        *([("generation", f"{sc.generate} letters from '{show_char(sc.start)}', " + (
            "greedy" if sc.temperature is None else f"sampled at temperature {sc.temperature:g}"))]
          if sc.generate else []),
        ("built by", f"rnn-sheet {__version__}"),
    ])
    return S


def _update_rows(opt):
    """The update in plain maths: SGD's one line, or the optimizer's state rules and then its weight's."""
    if not opt.state:
        return [("update", f"{opt.rule}   (gradient descent)")]
    first, *rest = opt.rules
    return [("update", f"{opt.title}, its state starting at 0:  {first}"), *(("", line) for line in rest),
            *([("", opt.remark)] if opt.remark else [])]


def _optimizer_text(opt):
    settings = "".join(f", {name} {value:g}" for name, value in opt.settings.items())
    return f"{opt.name}{settings}   (its rule: the update in the equations above)"
def _network(L):
    """What the network is, and what it remembers from one letter to the next."""
    if not L.cell.recurrent:
        return [
            ("", "A feed-forward network reads a word one letter at a time and, after each letter, guesses "
                 "the next one."),
            ("", f"Its hidden layer h_t: {L.H} numbers computed from letter t alone. Nothing passes from one "
                 "time step to the next: it has no memory."),
        ]
    rows = [
        ("", "A recurrent neural network (RNN) reads a word one letter at a time and, after each "
             "letter, guesses the next one."),
        ("", f"It keeps a hidden state h_t: {L.H} numbers that carry what it has read so far from "
             "one time step to the next (its memory)."),
    ]
    if "c" in L.cell.state:
        rows.append(("", f"Beside h_t it keeps a cell state c_t ({L.H} numbers); gates decide what to forget, "
                         "what to write and what to show of it."))
    return rows


def _section(S, title, rows):
    first = S.row
    S.label(S.row, 0, title, "band")
    S.row += 1
    for key, text in rows:
        if key:
            S.label(S.row, KEY, key, "rowlabel_left")
        if key == "model":      # what `check` and `grade` read to know the cell (its parameters may not tell)
            S.names["model"] = Block(S.name, S.row, TEXT)
        S.label(S.row, TEXT, text)
        S.row += 1
    S.bands.append((first, S.row - 1))
    S.row += 1
