"""How the weights move after each backward pass. An optimizer writes its rule three times, side by
side: in NumPy for the engine (step), as formula text for the Update and Training sheets (formula,
state_formula, from the references in a Refs) and in plain maths for the notes (rule_for, state_rule).

On the (clipped) gradient g of each parameter, its state starting at 0 and k = 1, 2, ... the update
number:
  sgd       W -= lr·g
  momentum  v = μ·v + g,  W -= lr·v
  adagrad   m += g²,  W -= lr·g / sqrt(m + 1e-8)                               (min-char-rnn)
  adam      m = 0.9·m + 0.1·g,  v = 0.999·v + 0.001·g²,
            W -= lr·(m / (1 - 0.9^k)) / (sqrt(v / (1 - 0.999^k)) + 1e-8)
The NumPy and the formula text do the same operations in the same order (g² is g*g: LibreOffice's ^
gives #NUM! when the result underflows), so the sheets reproduce the engine to the last bits.

Adding an optimizer: a subclass here with its state, settings, rules in all three forms, and its line
in OPTIMIZERS.
"""
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Refs:
    """Formula text an update reads: the weight w, its (clipped) gradient g, lr, the update number k
    (a number), the optimizer's settings by name and its state cells by name. In a state's formula
    `state` holds the state before the update (None: the zero state, at k = 1); in the weight's
    formula, the state after it."""
    w: str
    g: str
    lr: str
    k: int
    state: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)


# What Adagrad and Adam add under the square root, so that a zero state never divides by 0.
EPS = 1e-8
EPS_FORMULA, EPS_MATHS = "1E-8", "1e-8"     # as the formulas and the plain maths write it


class Optimizer:
    name = ""
    title = ""               # for headings: "SGD", "Adam", ...
    summary = ""             # a few words for --optimizer's help
    state = ()               # names of the per-weight state it keeps (none for SGD)
    settings = {}            # name -> value of the inputs its rule reads (momentum's μ)
    setting_notes = {}       # name -> plain-maths note of each setting
    remark = ""              # a line more for the About sheet

    # --- NumPy -----------------------------------------------------------------------------------

    def step(self, w, g, lr, state, k):
        """One parameter's update: (new w, {state name: new value}) from its state before the update."""
        raise NotImplementedError

    def init_state(self, P):
        return {s: {k: np.zeros_like(v) for k, v in P.items()} for s in self.state}

    def update(self, P, grads, lr, state, k=1):
        """(new weights, new state) after update number k on `grads`."""
        new, after = {}, {s: {} for s in self.state}
        for name in P.names:
            new[name], moved = self.step(P[name], grads[name], lr, {s: state[s][name] for s in self.state}, k)
            for s in self.state:
                after[s][name] = moved[s]
        return P.replace(**new), after

    # --- formula text ----------------------------------------------------------------------------

    def formula(self, r):
        """Formula text of one updated weight entry."""
        raise NotImplementedError

    def state_formula(self, s, r):
        """Formula text of one entry of state s after the update."""
        raise NotImplementedError

    # --- plain maths -----------------------------------------------------------------------------

    def rule_for(self, new, old, grad, state=None, k="k"):
        """The weight's update in plain maths; state names its state (default: m, v as they are)."""
        raise NotImplementedError

    def state_rule(self, s, grad, new=None, old=None):
        """State s after the update (`new`, default s) from itself before (`old`), in plain maths."""
        return ""

    @property
    def rule(self):
        return self.rule_for("W_new", "W", "dW")

    @property
    def rules(self):
        """Every line of the rule, states first: the About sheet's."""
        return [self.state_rule(s, "dW") for s in self.state] + [self.rule]


def _names(optimizer, state):
    return {s: s for s in optimizer.state} | (state or {})


class SGD(Optimizer):
    name, title = "sgd", "SGD"
    summary = "plain gradient descent"

    def step(self, w, g, lr, state, k):
        return w - lr * g, {}

    def formula(self, r):
        return f"{r.w}-{r.lr}*{r.g}"

    def rule_for(self, new, old, grad, state=None, k="k"):
        return f"{new} = {old} - lr · {grad}"


class Momentum(Optimizer):
    name, title = "momentum", "momentum"
    summary = "a velocity that keeps a share μ of the last step (--momentum)"
    state = ("v",)
    setting_notes = {"momentum": "μ (momentum): how much of the last step's velocity v carries on, "
                                 "v = μ · v + dW, 0 ≤ μ < 1. An input."}

    def __init__(self, mu=0.9):
        self.mu = float(mu)
        self.settings = {"momentum": self.mu}

    def step(self, w, g, lr, state, k):
        v = self.mu * state["v"] + g
        return w - lr * v, {"v": v}

    def state_formula(self, s, r):
        prev = r.state["v"]
        return r.g if prev is None else f"{r.settings['momentum']}*{prev}+{r.g}"

    def formula(self, r):
        return f"{r.w}-{r.lr}*{r.state['v']}"

    def state_rule(self, s, grad, new=None, old=None):
        return f"{new or s} = μ · {old or s} + {grad}"

    def rule_for(self, new, old, grad, state=None, k="k"):
        return f"{new} = {old} - lr · {_names(self, state)['v']}"


class Adagrad(Optimizer):
    name, title = "adagrad", "Adagrad"
    summary = "steps scaled by each weight's summed squared gradients, as min-char-rnn"
    state = ("m",)

    def step(self, w, g, lr, state, k):
        m = state["m"] + g * g
        return w - lr * g / np.sqrt(m + EPS), {"m": m}

    def state_formula(self, s, r):
        prev = r.state["m"]
        return f"{r.g}*{r.g}" if prev is None else f"{prev}+{r.g}*{r.g}"

    def formula(self, r):
        return f"{r.w}-{r.lr}*{r.g}/SQRT({r.state['m']}+{EPS_FORMULA})"

    def state_rule(self, s, grad, new=None, old=None):
        return f"{new or s} = {old or s} + {grad}²"

    def rule_for(self, new, old, grad, state=None, k="k"):
        return f"{new} = {old} - lr · {grad} / sqrt({_names(self, state)['m']} + {EPS_MATHS})"


class Adam(Optimizer):
    name, title = "adam", "Adam"
    summary = "momentum and Adagrad-like scaling, with bias correction"
    state = ("m", "v")
    # Each state's (β, 1 - β), written once: 1 - 0.9 in floating point is not 0.1, and the sheets write 0.1.
    DECAY = {"m": (0.9, 0.1), "v": (0.999, 0.001)}
    B1, B2 = DECAY["m"][0], DECAY["v"][0]
    remark = (f"k = 1, 2, ... counts the updates: dividing by 1 - {B1}^k and 1 - {B2}^k undoes m and v's "
              "start at 0")

    def step(self, w, g, lr, state, k):
        (b1, t1), (b2, t2) = self.DECAY["m"], self.DECAY["v"]
        m = b1 * state["m"] + t1 * g
        v = b2 * state["v"] + t2 * g * g
        return w - lr * (m / (1 - b1 ** k)) / (np.sqrt(v / (1 - b2 ** k)) + EPS), {"m": m, "v": v}

    def state_formula(self, s, r):
        keep, take = self.DECAY[s]
        new = f"{take}*{r.g}" if s == "m" else f"{take}*{r.g}*{r.g}"
        return new if r.state[s] is None else f"{keep}*{r.state[s]}+{new}"

    def formula(self, r):
        m, v, k = r.state["m"], r.state["v"], r.k
        return f"{r.w}-{r.lr}*({m}/(1-{self.B1}^{k}))/(SQRT({v}/(1-{self.B2}^{k}))+{EPS_FORMULA})"

    def state_rule(self, s, grad, new=None, old=None):
        keep, take = self.DECAY[s]
        return f"{new or s} = {keep} · {old or s} + {take} · {grad}" + ("²" if s == "v" else "")

    def rule_for(self, new, old, grad, state=None, k="k"):
        n = _names(self, state)
        return (f"{new} = {old} - lr · ({n['m']} / (1 - {self.B1}^{k})) / (sqrt({n['v']} / (1 - {self.B2}^{k})) "
                f"+ {EPS_MATHS})")


OPTIMIZERS = {opt.name: opt for opt in (SGD(), Momentum(), Adagrad(), Adam())}
DEFAULT = "sgd"


def get(name, momentum=None):
    """The optimizer called `name` (momentum's μ as given, default 0.9), or None."""
    if name == "momentum" and momentum is not None:
        return Momentum(momentum)
    return OPTIMIZERS.get(name)
