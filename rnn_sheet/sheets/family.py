"""What a cell's sheet family is: the class whose attributes and methods the shared sheets call to lay
out what is the cell's own, between the parts all cells share:

  Parameters  parameter_bands      Step t     forward_bands        Back t   backward_bands
  Gradients   gradient_table_parts, gradient_bands, sum_over_time
  Update and Training (network blocks)  param_groups, network_cell_bands, network_parts,
              network_back_parts, network_back_bands, network_tables
  Generate    generate_parts       Gradient flow  flow_parts, flow_series (more lines on its chart)

A family subclasses SheetFamily (rnn.TanhFamily, feedforward.FeedForwardFamily, gates.GatedFamily and
its lstm.LSTMFamily, gru.GRUFamily, gru_pytorch.GRUPyTorchFamily) and overrides what is its own; a
subclass inherits the rest from its parent. A cell names its family by the cell class's `sheets`
("module.Class" below rnn_sheet/sheets/: the model imports nothing of the sheets), which a subclass of
the cell inherits: the IRNN's relu cell draws with the tanh family whole.

The quantities the shared sheets read are the family's attributes: h (Step t), dh_next (Back t: what
it hands to step t-1), net_H (network blocks) and gen_H (Generate).
"""
import importlib

from .layout import Part, steps, units
from .quantity import Quantity


class SheetFamily:
    """Defaults: no labels, notes or extra tables, nothing before the hidden-state table or beside the
    backward tables, the hidden-state table alone in a network block and on Generate, and nothing more
    on Gradient flow. A method with no sensible default raises NotImplementedError naming itself and
    the family; a missing quantity is named when the family is made."""
    labels: dict[str, str] = {}            # a parameter's word in the notes, where not its name (the article's 'bias')
    gradient_tables: dict[str, str] = {}   # role -> kind of the Gradients sheet's tables its sum_over_time reads
    sum_notes: dict[str, str] = {}         # parameter -> the plain maths of its sum over time
    flow_note: str = ""                    # the Gradient flow sheet's sentence
    h: Quantity                            # h_t on Step t
    dh_next: Quantity                      # on Back t: what it hands to step t-1
    net_H: Quantity                        # h_t, one row per step, in a network block (row 0: h_0)
    gen_H: Quantity                        # h, one row per generated letter, on Generate (row 0: h_0)
    QUANTITIES = ("h", "dh_next", "net_H", "gen_H")

    def __init__(self):
        missing = [q for q in self.QUANTITIES if not isinstance(getattr(self, q, None), Quantity)]
        if missing:
            raise NotImplementedError(f"the sheet family {self} has no {', '.join(missing)} (see sheets/family.py)")

    def __str__(self):
        return type(self).__name__

    def _missing(self, hook):
        return NotImplementedError(f"{hook}: the sheet family {self} does not define it (see sheets/family.py)")

    def detail_cells(self, V: int, H: int, cell) -> int:
        """Cells of per-step matrix copies and gradient contributions a detailed step holds."""
        raise self._missing("detail_cells")

    def parameter_bands(self, S, L, letters) -> None:
        """The cell's weights on Parameters."""
        raise self._missing("parameter_bands")

    def forward_bands(self, S, L, t: int, letters, full: bool) -> None:
        """The cell's bands on Step t, from x_t to h_t."""
        raise self._missing("forward_bands")

    def backward_bands(self, S, L, t: int, letters, contributions: bool) -> None:
        """The cell's bands on Back t, from dh_t to dh_next."""
        raise self._missing("backward_bands")

    def gradient_table_parts(self, L, letters) -> list:
        """[Part]: its tables on Gradients, which sum_over_time reads."""
        raise self._missing("gradient_table_parts")

    def gradient_bands(self, S, L, letters) -> None:
        """Its gradients on Gradients."""
        raise self._missing("gradient_bands")

    def sum_over_time(self, L, name: str, i: int, j: int, tables: dict) -> str:
        """Formula of entry (i, j) of d<name>, down the time-major tables (role -> key)."""
        raise self._missing("sum_over_time")

    def param_groups(self, L, letters, quantity, t, caption) -> list:
        """[(subtitle, [Part])]: its weights in a network block."""
        raise self._missing("param_groups")

    def network_tables(self, slot: int) -> dict:
        """Role -> key of the network tables its sum_over_time reads."""
        raise self._missing("network_tables")

    def network_back_bands(self, S, L, slot: int, title: str) -> None:
        """A network block's backward tables."""
        raise self._missing("network_back_bands")

    def network_cell_bands(self, S, L, slot: int, title: str) -> None:
        """Bands of a network block before its hidden-state table: none."""

    def network_parts(self, L, slot: int) -> list:
        """[Part]: a network block's hidden-state table."""
        return [Part(self.net_H, slot, "h_t (row t=0: h_0 = 0)", L.T + 1, L.H, ["t=0"] + steps(L.T), units(L.H))]

    def network_back_parts(self, L, slot: int) -> list:
        """[Part]: weight copies beside a network block's backward tables: none."""
        return []

    def generate_parts(self, L, labels) -> list:
        """[Part]: its tables on Generate."""
        return [Part(self.gen_H, None, "h (row 0: h_0 = 0)", L.sc.generate + 1, L.H, ["g=0"] + labels, units(L.H))]

    def flow_parts(self, L) -> list:
        """[Part]: its columns on Gradient flow besides |dh_t|: none."""
        return []

    def flow_series(self, L) -> list:
        """[(title, Quantity)]: more lines on the Gradient flow chart: none."""
        return []


_MADE: dict[str, SheetFamily] = {}


def of(cell) -> SheetFamily:
    """The sheet family of a cell, made once: cell.sheets names its class, imported when a workbook of
    that cell is planned (the gated families are a quarter of the package's import time, which
    `rnn-sheet build hello` would pay for nothing)."""
    if cell.sheets not in _MADE:
        module, name = cell.sheets.rsplit(".", 1)
        family = getattr(importlib.import_module(f"{__package__}.{module}"), name)
        _MADE[cell.sheets] = family()
    return _MADE[cell.sheets]
