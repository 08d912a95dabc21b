"""What every network cell is: its parameters and their shapes, how they start, one step forward and
one step back, and its equations in plain maths. The output layer, y = Why·h (+ by), is shared.

A cell's step works on one time step, as min-char-rnn's loop body does; the engine runs the loop.
Its recurrences are also written here once as formula text in row form (pre_activation below, the
gated cells' cell_terms, state_formula, ...): the Step and Back sheets, the network blocks and
Generate all write them with these, each giving its own references.
"""
import numpy as np

from ..params import Params
from .activations import TANH


def outer(a, b):
    """a · bᵀ. Unlike np.outer, a product with 0 is +0 (never -0), as a spreadsheet shows it."""
    return np.einsum("i,j->ij", a, b)


def pre_activation(wx, wh):
    """a = Wx·x + (Wh·h' + b), in row form: wx, wh references or expressions (a Step sheet's cells, a
    network block's or Generate's SUMPRODUCTs). The tanh cells and every gate sum alike."""
    return f"{wx}+{wh}"


def recurrent_term(product, b):
    """Wh·h' + b, in row form: the product as a reference or an expression."""
    return f"{product}+{b}"


class NetworkCell:
    name = ""                # the --model value
    summary = ""             # a few words for the About sheet
    output_bias = True       # y = Why·h + by (False: y = Why·h, as the article)
    state = ("h",)           # what a step hands to the next one (zero before the first)
    recurrent = True         # False: h_t depends on x_t alone (the feed-forward contrast)
    activation = TANH        # of the hidden state (activations.py), as torch's `nonlinearity`
    sheets = ""              # its sheet family, the class that draws its own parts: "module.Class" below
                             # rnn_sheet/sheets/ (sheets/family.py; a name, not an import: the model knows
                             # nothing of sheets); a subclass that sets none draws with its parent's
    flow_note = ""           # the Gradient flow sheet's sentence, when the family's does not fit the cell

    def hidden_shapes(self, V, H):
        """The cell's own parameters, in order: {name: shape}."""
        raise NotImplementedError

    @property
    def param_names(self):
        return tuple(self.hidden_shapes(1, 1)) + (("Why", "by") if self.output_bias else ("Why",))

    def param_shapes(self, V, H):
        shapes = {**self.hidden_shapes(V, H), "Why": (V, H)}
        if self.output_bias:
            shapes["by"] = (V,)
        return shapes

    def init(self, V, H, seed=0):
        """Small normal weights and zero biases, as min-char-rnn (scale 0.1 so the numbers read well)."""
        rng = np.random.default_rng(seed)
        arrays = {k: rng.normal(0.0, 0.1, s) for k, s in self.param_shapes(V, H).items()}
        for name in self.biases:
            arrays[name][...] = 0.0
        return Params(self, arrays)

    biases = ()

    def params(self, arrays):
        return Params(self, arrays)

    def zero_state(self, H):
        return {k: np.zeros(H) for k in self.state}

    # --- one time step ---------------------------------------------------------------------------

    def step(self, P, x, prev):
        """Forward: x one-hot (V), prev the state of the step before. Returns this step's quantities
        by name, the state among them."""
        raise NotImplementedError

    def step_back(self, P, now, prev, x, dh, carry):
        """Backward: now/prev this and the previous step's forward quantities, dh = ∂loss/∂h_t
        (from the output and from step t+1), carry what step t+1 handed back besides dh.
        Returns (this step's backward quantities, its contribution to each parameter's gradient,
        what it hands back to step t-1 by state name)."""
        raise NotImplementedError

    def output(self, P, h):
        return P.Why @ h + (P.by if self.output_bias else 0.0)

    # --- plain maths, for the About sheet ----------------------------------------------------------

    def forward_equations(self):
        """(label, equation) rows: from x_t to h_t."""
        raise NotImplementedError

    def backward_equations(self):
        """(label, equation) rows: from dh_t to the gradients."""
        raise NotImplementedError

    remarks = ()
