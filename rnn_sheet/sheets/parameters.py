"""The Parameters sheet: every input of the network (yellow cells): the vocabulary with its one-hot
codes, the word, the cell's weights, the output weights and the learning settings. Also the formula
pieces every sheet uses to read letters: one-hot codes and the most probable letter."""
import numpy as np

from functools import cache

from .layout import Part, SheetPlan, units
from .quantity import Heat, Quantity, Role, column

vocab = Quantity("vocab", lambda c, t: column(c.sc.vocab), role=Role.INPUT,
                 note="The vocabulary: one letter per row. Letter k is encoded as the k-th one-hot vector.")
onehot = Quantity("onehot", lambda c, t: np.eye(c.sc.V), role=Role.CONSTANT, one_hot=True,
                  note="One-hot code: row k has a 1 in column k and 0 elsewhere.")
word = Quantity("word", lambda c, t: column(c.sc.word), role=Role.INPUT,
                note="The training word. Step t reads letter t (x_t) and must predict letter t+1.")
lr = Quantity("lr", lambda c, t: c.sc.lr, role=Role.INPUT,
              note=lambda L: f"lr: learning rate of gradient descent, {L.optimizer.rule}. An input.")
clip = Quantity("clip", lambda c, t: c.sc.clip, role=Role.INPUT,
                note="Every gradient entry is clipped to [-clip, clip] before the update. An input.")


optimizer = Quantity("optimizer", lambda c, t: c.sc.optimizer.name, role=Role.CONSTANT,
                     note=lambda L: f"The optimizer ({L.optimizer.title}): " + ";  ".join(L.optimizer.rules))


@cache
def setting(name):
    """An input the optimizer's rule reads (momentum's μ)."""
    return Quantity(name, lambda c, t: c.sc.optimizer.settings[name], role=Role.INPUT,
                    note=lambda L: L.optimizer.setting_notes[name])


def weight(name, note):
    """A parameter of the network: an input, coloured by sign."""
    return Quantity(name, lambda c, t: c.P[name], role=Role.INPUT, heat=Heat.DIVERGING, note=note)


Why = weight("Why", "Why: hidden-to-output weights, one row per letter, one column per hidden unit. An input.")
by = weight("by", "by: output bias, one per letter. An input.")


def sheet(L, letters):
    S = SheetPlan("Parameters", "parameters")
    S.title("Parameters: the inputs of the network",
            "Yellow cells are inputs: edit a weight, a letter or lr and every sheet recomputes.")
    V, H = L.V, L.H
    S.band("Vocabulary and one-hot encoding", [
        Part(vocab, None, "letter", V),
        Part(onehot, None, "one-hot code", V, V, col_labels=letters)])
    S.band("The word: input x_t is letter t, target is letter t+1", [
        Part(word, None, "letter", L.T + 1, row_labels=list(range(1, L.T + 2)))])
    L.family.parameter_bands(S, L, letters)
    parts = [Part(Why, None, "Why (vocabulary × hidden)", V, H, letters, units(H))]
    if L.cell.output_bias:
        parts.append(Part(by, None, "by", V, row_labels=letters))
    parts.append(Part(lr, None, "learning rate lr", 1))
    if L.clip:
        parts.append(Part(clip, None, "clip gradients to ±", 1))
    if L.optimizer.state:       # SGD keeps no state: its workbooks say nothing more
        parts.append(Part(optimizer, None, "optimizer", 1))
    parts += [Part(setting(name), None, name, 1) for name in L.optimizer.settings]
    S.band("Output weights and learning rate", parts)
    shown = {q.kind: q for q, t in S.blocks}
    for name in (*L.cell.param_names, "lr", "clip", "optimizer", *L.optimizer.settings, "vocab", "word"):
        if name in shown:
            L.name(name, shown[name])
    return S


# --- reading letters, on every sheet ---------------------------------------------------------------

def one_hot_of(L, k, letter):
    """1 where vocabulary letter k is the letter in cell `letter`, else 0."""
    return f"IF(EXACT({L[vocab].ref(k, 0)},{letter}),1,0)"


def most_probable(L, scores):
    """The letter with the highest score (or probability) in the range `scores`; the first on a tie,
    as NumPy's argmax."""
    return f"INDEX({L[vocab].range()},MATCH(MAX({scores}),{scores},0))"


def joined(block):
    """The letters of a one-column block as one string (&: CONCATENATE takes at most 255 arguments)."""
    return "&".join(block.ref(i) for i in range(block.nrows))
