"""The article's other lessons: how the gradient flows back through time (vanishing and exploding
gradients), and generating text by feeding each prediction back in (one-to-many)."""
import numpy as np

from .layout import Part, SheetPlan, steps
from .parameters import joined, most_probable, one_hot_of, vocab
from .quantity import Heat, Quantity, Role, column, computed
from .training import score_row, trained

# --- Gradient flow ----------------------------------------------------------------------------------


def norm_of(kind):
    """|v_t| = sqrt(Σ_i v_t[i]²) for each step's vector `kind`, one row per step."""
    return lambda L, t, s, j: f"SQRT(SUMSQ({L[kind, s + 1].range()}))"


flow_t = Quantity("flow_t", lambda c, t: np.arange(1, c.sc.T + 1), role=Role.CONSTANT, note="The time step t.")
def norms(rows):
    """sqrt(Σ_i v[i]²) per row, overflowing where SQRT(SUMSQ()) does (no rescaling)."""
    return np.sqrt((rows * rows).sum(axis=1))


# In scientific format, as the family's norms beside it: from 0.46 down to 4e-43, six decimals would
# show most of them as 0.000000.
grad_norms = Quantity("grad_norms", lambda c, t: norms(c.B.dh), norm_of("dh"),
                      "|dh_t| = sqrt(Σ_i dh_t[i]²): how much error reaches step t.", scientific=True)


def gradient_flow_sheet(L):
    T = L.T
    S = SheetPlan("Gradient flow", "backward")
    note = L.cell.flow_note or L.family.flow_note
    # A sentence a line: the sheet is narrow, and a long line would print cut off at the page's edge.
    S.title("Gradient flow: how much error reaches each time step",
            [s if s.endswith(".") else s + "." for s in note.split(". ")])
    S.band("Size of the gradient per time step (from the Back sheets)", [
        Part(flow_t, None, "step", T), Part(grad_norms, None, "|dh_t|", T)] + L.family.flow_parts(L))
    L.name("grad_norms", grad_norms)
    more = L.family.flow_series(L)
    names = ["|dh_t|"] + [name for name, _ in more]
    S.chart({"title": " and ".join(names) + " by time step", "x_title": "time step t", "y_title": ", ".join(names),
             "categories": flow_t, "values": grad_norms, "log": True,
             **({"name": names[0], "more": more} if more else {})})
    return S


# --- Generate ----------------------------------------------------------------------------------------

def final_weights(L):
    """Generation uses the trained weights: the last Training epoch's, else Parameters."""
    if L.epochs:
        return lambda name: L[trained(name), L.epochs]
    return lambda name: L[name]


gen_start = Quantity("gen_start", lambda c, t: c.sc.start, role=Role.INPUT,
                     note="The first input letter of generation. An input.")


@computed("The input letter: the start letter, then the previous prediction.",
          lambda c, t: column(c.letters(c.generated.inputs)))
def gen_in(L, t, g, j):
    return L[gen_start].ref() if g == 0 else L["gen_out"].ref(g - 1)


@computed("x = one-hot(input letter)", lambda c, t: np.eye(c.sc.V)[c.generated.inputs], one_hot=True)
def gen_X(L, t, g, k):
    return one_hot_of(L, k, L[gen_in].ref(g))


@computed("y = Why · h (+ by)", lambda c, t: c.generated.y)
def gen_Y(L, t, g, k):
    return score_row(L, L[L.family.gen_H], final_weights(L), g, k)


# Sampling (--temperature): softmax(y / T) and one stored draw u per row pick the letter.
temperature = Quantity("temperature", lambda c, t: c.sc.temperature, role=Role.INPUT,
                       note="T, the temperature: letters are drawn from softmax(y / T). Below 1 the likely "
                            "letters win more often, above 1 the choice spreads out. An input (above 0).")
draws = Quantity("draws", lambda c, t: column(c.sc.draws), role=Role.INPUT,
                 note="u: one uniform draw in [0, 1) per letter, made from the seed. Type another to "
                      "draw again. An input.")


def _scaled(c):
    return c.generated.y / c.sc.temperature


@computed("z = y / T", lambda c, t: _scaled(c))     # kind gen_YT: the GRU has a gate table gen_Z
def gen_YT(L, t, g, k):
    return f"{L[gen_Y].ref(g, k)}/{L[temperature].ref()}"


@computed("max_k z[k]", lambda c, t: _scaled(c).max(axis=1))
def gen_ZM(L, t, g, j):
    return f"MAX({L[gen_YT].row_range(g)})"


def _exps(c):
    z = _scaled(c)
    return np.exp(z - z.max(axis=1, keepdims=True))


@computed("exp(z[k] - max z)", lambda c, t: _exps(c))
def gen_ZE(L, t, g, k):
    return f"EXP({L[gen_YT].ref(g, k)}-{L[gen_ZM].ref(g)})"     # a cell per letter: see training.net_E


@computed("Σ_k exp(z[k] - max z)", lambda c, t: _exps(c).sum(axis=1))
def gen_ZS(L, t, g, j):
    return f"SUM({L[gen_ZE].row_range(g)})"


@computed("p = softmax(y / T): the probability each letter is drawn.", lambda c, t: c.generated.p,
          heat=Heat.PROBABILITY)
def gen_P(L, t, g, k):
    return f"{L[gen_ZE].ref(g, k)}/{L[gen_ZS].ref(g)}"


@computed("cumulative p: p[1] + ... + p[k]. Letter k owns the stretch of [0, 1) from the cell before "
          "up to this one.", lambda c, t: c.generated.cum, heat=Heat.PROBABILITY)
def gen_cum(L, t, g, k):
    p = L[gen_P].ref(g, k)
    return p if k == 0 else f"{L[gen_cum].ref(g, k - 1)}+{p}"


def _out_note(L):
    if L.sc.temperature is None:
        return "The next letter: argmax_k y[k]."
    return ("The next letter: the first whose cumulative probability reaches the draw u "
            "(1 + how many cumulative cells stay below u).")


@computed(_out_note, lambda c, t: column(c.letters(c.generated.outputs)))
def gen_out(L, t, g, j):
    if L.sc.temperature is None:
        return most_probable(L, L[gen_Y].row_range(g))
    below = f"SUMPRODUCT(({L[gen_cum].row_range(g)}<{L[draws].ref(g)})*1)"
    return f"INDEX({L[vocab].range()},MIN({below}+1,{L.V}))"


@computed("The generated letters joined together.", lambda c, t: "".join(c.letters(c.generated.outputs)))
def generated(L, t, i, j):
    return joined(L[gen_out])


def generate_sheet(L, letters):
    N, V = L.sc.generate, L.V
    sampled = L.sc.temperature is not None
    S = SheetPlan("Generate", "training")
    weights = f"the weights after epoch {L.epochs} (Training sheet)" if L.epochs else "the Parameters sheet"
    if L.sc.text is not None:
        weights = (f"the weights after the {L.epochs} iterations' updates (the last Iterations sheet)"
                   if L.epochs > 1 else "the weights after the update (Update sheet)")
    how = ("Sampled: each letter is drawn from softmax(y / T) with the draw u on its row. "
           f"Uses {weights}; type another start letter, temperature or draw.") if sampled else \
        f"Greedy: the most probable letter wins. Uses {weights}; type another start letter."
    S.title(f"Generate: {N} letters, each prediction fed back in as the next input", how)
    S.band("Start letter and the generated text", [
        Part(gen_start, None, "start letter", 1)] + ([Part(temperature, None, "temperature T", 1)] if sampled else [])
        + [Part(generated, None, "generated", 1, width=N + 4)])
    L.name("generated", generated)
    L.name("start", gen_start)
    labels = steps(N, "g")
    chosen = [] if sampled else [" ", Part(gen_out, None, "next letter", N, offset=1)]
    S.band("One row per generated letter", [
        Part(gen_in, None, "input", N, row_labels=labels), " ",
        Part(gen_X, None, "x (one-hot)", N, V, labels, letters), " "] + L.family.generate_parts(L, labels) + [
        " ", Part(gen_Y, None, "y", N, V, labels, letters, offset=1)] + chosen)
    if sampled:
        S.band("Drawing each letter from softmax(y / T)", [
            Part(gen_YT, None, "y / T", N, V, labels, letters), Part(gen_ZM, None, "max", N), " ",
            Part(gen_ZE, None, "exp(z - max)", N, V, None, letters), " ", Part(gen_ZS, None, "Σ exp", N), " ", Part(gen_P, None, "p = softmax(y / T)", N, V, labels, letters),
            " ", Part(gen_cum, None, "cumulative p", N, V, labels, letters), " ",
            Part(draws, None, "draw u", N), Part(gen_out, None, "next letter", N)])
        L.name("temperature", temperature)
        L.name("draws", draws)
    return S
