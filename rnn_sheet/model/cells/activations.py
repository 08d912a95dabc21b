"""An activation, as torch's `nonlinearity` names one: its NumPy function, its slope, the formulas the
sheets write for both, and its plain maths. A cell (or a gate) holds one; nothing else spells it out.

The slope is taken from the activation's value, as backprop has it at hand: tanh' = 1 - h²,
σ' = σ(1 - σ), relu' = 1 where h > 0 (the pre-activation is positive), else 0.
"""
from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Activation:
    name: str                    # "tanh", "sigmoid", "relu"
    symbol: str                  # how the equations write it: tanh, σ
    apply: Callable              # NumPy: a -> h
    slope: Callable              # NumPy: h -> dh/da, from the value
    _formula: Callable           # (a, compound) -> formula text; compound: a is an expression, not a reference
    slope_formula: Callable      # h (a reference) -> the slope as formula text
    slope_maths: Callable        # h (plain maths) -> the slope in plain maths, a factor of a product
    range: str = ""              # what its values span, for the notes
    why: str = ""                # where its slope comes from, for the notes

    def formula(self, a, compound=False):
        return self._formula(a, compound)

    def maths(self, expr):
        """The activation of `expr` in plain maths."""
        return f"{self.symbol}({expr})"

    def back(self, h, d):
        """NumPy: d (the error after the activation) back through it, from its value h."""
        return self.slope(h) * d

    def back_formula(self, h, d):
        """The same as formula text: the slope times d (h, d references)."""
        return f"{self.slope_formula(h)}*{d}"


class _ReLU(Activation):
    """max(0, a): an error passes back where the unit is on, and stops where it is off. Written as
    IF rather than the slope times d, so that an error stopped is +0 in the engine as in a sheet."""

    def maths(self, expr):
        return f"max(0, {expr})"

    def back(self, h, d):
        return np.where(h > 0, d, 0.0)

    def back_formula(self, h, d):
        return f"IF({h}>0,{d},0)"


def sigmoid(a):
    """1 / (1 + exp(-a)) written as (1 + tanh(a/2)) / 2, as the sheets write it: it never overflows."""
    return (1 + np.tanh(a / 2)) / 2


TANH = Activation("tanh", "tanh", np.tanh, lambda h: 1 - h ** 2, lambda a, compound: f"TANH({a})",
                  # h*h, not h^2: LibreOffice's ^ gives #NUM! where it underflows
                  lambda h: f"(1-{h}*{h})", lambda h: f"(1 - {h}²)", "between -1 and 1",
                  "since tanh'(a) = 1 - tanh(a)²")
SIGMOID = Activation("sigmoid", "σ", sigmoid, lambda s: s * (1 - s),
                     lambda a, compound: f"(1+TANH(({a})/2))/2" if compound else f"(1+TANH({a}/2))/2",
                     lambda s: f"{s}*(1-{s})", lambda s: f"{s} ∘ (1 - {s})", "between 0 and 1")
RELU = _ReLU("relu", "max(0, ·)", lambda a: np.where(a > 0, a, 0.0), lambda h: (h > 0).astype(float),
             lambda a, compound: f"MAX(0,{a})", lambda h: f"IF({h}>0,1,0)", lambda h: f"[{h} > 0]",
             "0 or above", "since its slope is 1 where a > 0 and 0 elsewhere ([h > 0]: 1 or 0)")
