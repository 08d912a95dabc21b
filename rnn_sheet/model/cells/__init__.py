"""The network cells, by the name --model gives them. Adding a cell: a module beside rnn.py with a
NetworkCell subclass, and its line here."""
from .base import NetworkCell
from .feedforward import FeedForwardCell
from .gated import GRUCell, GRUPyTorchCell, LSTMCell
from .relu import ReLUCell
from .rnn import ArticleCell, StandardCell

CELLS = {cell.name: cell for cell in (ArticleCell(), StandardCell(), LSTMCell(), GRUCell(), FeedForwardCell(),
                                      ReLUCell(), GRUPyTorchCell())}
DEFAULT = "article"


def get(name):
    """The cell called `name`, or None."""
    return CELLS.get(name)


def from_param_names(names):
    """The cell whose parameters a workbook holds (the one with the most, when several fit: the
    standard model's are the article's plus by)."""
    fits = [cell for cell in CELLS.values() if set(cell.param_names) <= set(names)]
    return max(fits, key=lambda cell: len(cell.param_names), default=None)


__all__ = ["CELLS", "DEFAULT", "ArticleCell", "FeedForwardCell", "GRUCell", "GRUPyTorchCell", "LSTMCell", "NetworkCell",
           "ReLUCell", "StandardCell", "get", "from_param_names"]
