"""How the weights move after each backward pass. An optimizer writes its rule twice, side by side:
once in NumPy for the engine and once as formula text for the Update and Training sheets, from
references to the weight, its (clipped) gradient, the learning rate and its own state cells.

Adding an optimizer: a subclass here with its state, both rules and its plain-maths rule, and its
line in OPTIMIZERS.
"""


class Optimizer:
    name = ""
    state = ()               # names of the per-weight state it keeps (none for SGD)

    def rule_for(self, new, old, grad):
        """The update in plain maths, for weights called `old` and `new` and a gradient `grad`."""
        raise NotImplementedError

    @property
    def rule(self):
        return self.rule_for("W_new", "W", "dW")

    def init_state(self, P):
        return {s: {k: 0.0 * v for k, v in P.items()} for s in self.state}

    def update(self, P, grads, lr, state):
        """(new weights, new state) after one step on `grads`."""
        raise NotImplementedError

    def formula(self, w, g, lr):
        """Formula text of one updated weight: w, g and lr are cell references."""
        raise NotImplementedError


class SGD(Optimizer):
    name = "sgd"

    def rule_for(self, new, old, grad):
        return f"{new} = {old} - lr · {grad}"

    def update(self, P, grads, lr, state):
        return P.replace(**{k: P[k] - lr * grads[k] for k in P.names}), state

    def formula(self, w, g, lr):
        return f"{w}-{lr}*{g}"


OPTIMIZERS = {opt.name: opt for opt in (SGD(),)}
DEFAULT = "sgd"
