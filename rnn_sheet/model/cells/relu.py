"""The IRNN of Le, Jaitly and Hinton (2015), "A simple way to initialize recurrent networks of
rectified linear units": the standard cell with ReLU for tanh, h_t = max(0, Wxh·x_t + Whh·h(t-1) + bh),
and Whh starting at the identity, bh at 0 (Wxh and Why normal(0, 0.1), by 0).

With Whh = I and ReLU's slope of 1 on every unit that is on, the error passes back through time
unchanged where tanh's slope below 1 and a small Whh shrink it: the paper's answer to vanishing
gradients. The sheets are the tanh cell's (sheets/rnn.py), which write the cell's activation.
"""
import numpy as np

from .activations import RELU
from .rnn import StandardCell


class ReLUCell(StandardCell):
    name = "relu"
    summary = "IRNN: ReLU hidden units, Whh starting at the identity (Le, Jaitly, Hinton 2015)"
    activation = RELU
    remarks = (
        ("ReLU", "max(0, a) passes a positive pre-activation unchanged and stops a negative one: its slope "
                 "[h_t > 0] is 1 or 0."),
        ("identity start", "Whh starts at the identity and bh at 0, so h(t-1) carries over as it is until "
                           "training changes Whh."),
    )
    flow_note = ("|dh_t| is the length of the gradient at the hidden state. With ReLU and Whh near the identity "
                 "it passes back unchanged through the units that are on, instead of shrinking at each step.")

    def init(self, V, H, seed=0):
        P = super().init(V, H, seed)      # Wxh, Why normal(0, 0.1); bh, by 0
        P.Whh[...] = np.eye(H)
        return P
