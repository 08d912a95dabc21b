"""The Text sheet of a workbook that trains on a text (model/text.py): the text as input cells, one
row per chunk of seq_length letters, so that row r is what iteration r reads before the pointer
wraps. Every sheet reads its letters from here: the Parameters sheet's word (the first chunk, which
the Step and Back sheets work through) and each iteration's one-hot tables.
"""
from functools import cache

import numpy as np

from ..model.text import chunks
from .layout import Part, SheetPlan
from .quantity import Quantity, Role


def full_rows(sc):
    return len(sc.text) // sc.seq_length


def _rows(c, t):
    S, n = c.sc.seq_length, full_rows(c.sc)
    return np.array(list(c.sc.text[:n * S]), dtype=object).reshape(n, S)


text_rows = Quantity("text", _rows, role=Role.INPUT,
                     note="The text, seq_length letters a row (↵ is a newline). Iteration n reads the row its "
                          "pointer p is on, and the first letter of the next row as its last target. An input.")
text_tail = Quantity("text_tail", lambda c, t: np.array([list(c.sc.text[full_rows(c.sc) * c.sc.seq_length:])],
                                                          dtype=object), role=Role.INPUT,
                     note="The rest of the text, shorter than a chunk. An input.")
seq_length = Quantity("seq_length", lambda c, t: c.sc.seq_length, role=Role.CONSTANT,
                      note="seq_length S: the letters of one chunk, the time steps of one iteration. "
                           "Fixed when the workbook is built (it decides the sheets' shape).")


def char_ref(L, pos):
    """A reference to the text's letter at position pos (0-based)."""
    S, n = L.sc.seq_length, full_rows(L.sc)
    if pos < n * S:
        return L[text_rows].ref(pos // S, pos % S)
    return L[text_tail].ref(0, pos - n * S)


@cache
def _chunks(length, S, N):
    return chunks(length, S, N + 1)


def chunk_at(L, slot):
    """The chunk iteration `slot` reads (slot N: the one an iteration after the last would read)."""
    return _chunks(len(L.sc.text), L.sc.seq_length, L.sc.epochs)[slot]


def letter_ref(L, slot, r):
    """Letter r of the sequence a network block at `slot` reads (r = 0 .. T; the word's, or for a
    text past slot 0 that of its chunk)."""
    if L.sc.text is None or slot <= 0:
        return L["word"].ref(r)
    return char_ref(L, chunk_at(L, slot).p + r)


first_chunk = Quantity("word", lambda c, t: np.array(list(c.sc.word), dtype=object).reshape(-1, 1),
                       lambda L, t, i, j: char_ref(L, i), role=Role.LINK,
                       note="The first chunk, text[0 : seq_length + 1], from the Text sheet: the worked "
                            "iteration's letters. Step t reads letter t (x_t) and must predict letter t+1.")


def symbols(text):
    """Lines saying what the Text sheet's invisible letters look like there (short: a line longer
    than a narrow sheet's printed page is cut off at its edge)."""
    shown = [f"{c} for a {what}" for c, what in (("↵", "newline"), ("⇥", "tab"), ("␍", "carriage return"))
             if c in text]
    lines = [", ".join(shown).replace(" for", " stands for", 1) + "."] if shown else []
    if " " in text:
        lines.append("A cell that looks empty holds a space (␣ in labels).")
    return lines


def text_sheet(L):
    """The Text sheet; the Parameters sheet's word becomes a link to its first chunk."""
    sc, S = L.sc, L.sc.seq_length
    n, tail = full_rows(sc), len(sc.text) - full_rows(sc) * S
    P = SheetPlan("Text", "parameters")
    P.title(f"Text: {len(sc.text)} letters, {S} a row (seq_length)",
            ["Yellow cells are inputs: type another letter (one of the vocabulary)",
             "and every iteration that reads it recomputes.", *symbols(sc.text)])
    P.band("seq_length", [Part(seq_length, None, "seq_length S", 1)])
    L.name("seq_length", seq_length)
    labels = [f"p={r * S}" for r in range(n)]
    parts = [Part(text_rows, None, f"text[p : p+{S}]", n, S, labels, [str(j) for j in range(S)])]
    P.band("The text, one chunk a row", parts)
    if tail:
        P.band("The rest of the text", [Part(text_tail, None, f"text[{n * S} :]", 1, tail, [f"p={n * S}"],
                                             [str(j) for j in range(tail)])])
        L.name("text_tail", text_tail)
    L.name("text", text_rows)
    # Parameters' word block now shows first_chunk; it keeps its key, by which every sheet reads it.
    params, key = L.sheet("Parameters"), L.key("word")
    params.quantities[key] = L.placed[key] = first_chunk
    return P


def about_rows(L):
    """The About sheet's account of training on a text: min-char-rnn's loop, in words."""
    sc, S = L.sc, L.sc.seq_length
    clip = f"clips every gradient entry to ±{sc.clip:g} and " if sc.clip else ""
    return [
        ("the text", f"{len(sc.text)} letters (Text sheet, ↵ a newline), {sc.V} distinct; {sc.epochs} iterations "
                     f"of {S} letters each."),
        ("a chunk", f"Iteration n reads the chunk at p: inputs text[p : p+{S}], targets text[p+1 : p+{S}+1]."),
        ("the pointer", f"p starts at 0 and moves on by {S}; when p + {S} + 1 would reach the end of the text, "
                        "p goes back to 0."),
        ("the hidden state", "A chunk starts from the last hidden state of the chunk before (carried), or from 0 "
                             "at the start (reset)."),
        ("truncated BPTT", "Backpropagation runs within the chunk: no gradient flows back into the chunk before."),
        ("one update", f"Each iteration {clip}makes one {L.optimizer.title} update; the optimizer's state carries on."),
        ("smooth loss", "Starts at -ln(1/V)·S and becomes 0.999·smooth_loss + 0.001·loss after each iteration."),
        ("the sheets", "Iteration 0 is worked on the Step and Back sheets (the first chunk is Parameters' word); "
                       "Training lists"),
        ("", "every iteration's loss; the Iterations sheets compute each one from the weights after the "
             "updates before it."),
    ]
