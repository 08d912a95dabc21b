"""Training on a text as min-char-rnn.py does: chunk by chunk, the hidden state carried on.

Iteration n = 0 ... N-1 works on the chunk at p: inputs text[p:p+S], targets text[p+1:p+S+1].
Before it, when p + S + 1 >= len(text) or n = 0, the state is reset to 0 and p to 0. The iteration
runs the forward pass over the chunk from the carried state, the summed loss, backpropagation
through time within the chunk, the clipping and one update of the optimizer (its state carried on).
The state carried to the next chunk is this chunk's last one (computed before the update); p += S.
smooth_loss starts at -ln(1/V)·S and after each iteration becomes 0.999·smooth_loss + 0.001·loss.
Nothing here knows about spreadsheets.
"""
from dataclasses import dataclass, field

import numpy as np

from .engine import Epoch, backward, clip, forward
from .optimizers import OPTIMIZERS


@dataclass(frozen=True)
class Chunk:
    n: int          # the iteration, from 0
    p: int          # where its inputs start in the text
    reset: bool     # the state before it is 0 (the first chunk, or p wrapped to 0)


def chunks(length, S, N):
    """The N chunks min-char-rnn's loop reads from a text of `length` characters."""
    out, p = [], 0
    for n in range(N):
        reset = p + S + 1 >= length or n == 0
        if reset:
            p = 0
        out.append(Chunk(n, p, reset))
        p += S
    return out


def smoothed(losses, V, S):
    """smooth_loss after each iteration, from -ln(1/V)·S, in min-char-rnn's order of operations."""
    smooth, out = -np.log(1.0 / V) * S, []
    for loss in losses:
        smooth = smooth * 0.999 + loss * 0.001
        out.append(smooth)
    return np.array(out)


@dataclass
class Iteration(Epoch):
    chunk: Chunk = None
    start: dict = field(default_factory=dict)     # the state the chunk's forward pass starts from


def train_text(P, data, S, N, lr, clip_at=None, loss_mode="all", optimizer=None, keep_steps=True):
    """data: the text as vocabulary indices. Record k (k = 0..N-1) is iteration k: the weights after
    k updates and the optimizer's state after them, the chunk, the state it starts from, its forward
    and backward passes and the (clipped) gradients update k + 1 uses. Record N holds the final
    weights and state (its chunk is the one iteration N would read). Only record 0 keeps per-step
    contributions (keep_steps, as engine.backward's)."""
    opt = optimizer or OPTIMIZERS["sgd"]
    state = opt.init_state(P)
    cell, out, carried = P.cell, [], None
    plan = chunks(len(data), S, N + 1)
    for k, chunk in enumerate(plan):
        start = cell.zero_state(P.H) if chunk.reset else carried
        inputs, targets = data[chunk.p:chunk.p + S], data[chunk.p + 1:chunk.p + S + 1]
        F = forward(P, inputs, targets, loss_mode, start)
        B = backward(P, F, keep_steps if k == 0 else False)
        g = clip(B.grads, clip_at)
        out.append(Iteration(P, F, B, g, state, chunk, start))
        if k == N:
            break
        carried = {s: F.hidden[s][-1].copy() for s in cell.state}
        P, state = opt.update(P, g, lr, state, k + 1)
    return out
