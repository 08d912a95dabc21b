"""What a cell's sheet family is: the hooks the shared sheets call to lay out what is the cell's own, each
with its type and, where one makes sense, a default. A family module (rnn.py, lstm.py, gru.py,
gru_pytorch.py, feedforward.py) defines the hooks it needs; SheetFamily.of(module) is the family the
layout holds, the module's hook where it has one, the default where not. A module that misses a hook
without a default, or defines a hook-like name the base does not know, is refused when it is loaded,
with the hook's name, instead of a KeyError in the middle of a build.

The kinds the shared sheets read besides the hooks are the family's quantities h (Step t), dh_out
(Back t: what it hands to step t-1), c_H (network blocks) and gen_H (Generate); L.family.NAME finds
any quantity the module declares.
"""
from types import ModuleType

# (name, what it is); the defaults are SheetFamily's attributes of the same name
HOOKS = {
    "labels": "dict: a parameter's word in the notes, where it is not its name (the article's 'bias')",
    "gradient_tables": "dict: role -> kind of the Gradients sheet's tables its sum_over_time reads",
    "sum_notes": "dict: parameter -> the plain maths of its sum over time",
    "flow_note": "str: the Gradient flow sheet's sentence",
    "detail_cells": "(V, H, cell) -> int: cells of per-step matrix copies a detailed step holds",
    "parameter_bands": "(S, L, letters): the cell's weights on Parameters",
    "forward_bands": "(S, L, t, letters, full): the cell's bands on Step t, from x_t to h_t",
    "backward_bands": "(S, L, t, letters, contributions): the cell's bands on Back t, from dh_t to dh_next",
    "gradient_table_parts": "(L, letters) -> [Part]: its tables on Gradients",
    "gradient_bands": "(S, L, letters): its gradients on Gradients",
    "sum_over_time": "(L, name, i, j, tables) -> formula: entry (i, j) of d<name> down time-major tables",
    "param_groups": "(L, letters, quantity, t, caption) -> [(subtitle, [Part])]: its weights in a network block",
    "network_cell_bands": "(S, L, slot, title): bands of a network block before its hidden-state table",
    "network_parts": "(L, slot) -> [Part]: a network block's hidden-state table",
    "network_back_parts": "(L, slot) -> [Part]: weight copies beside a network block's backward tables",
    "network_back_bands": "(S, L, slot, title): a network block's backward tables",
    "network_tables": "(slot) -> dict: role -> key of the network tables its sum_over_time reads",
    "generate_parts": "(L, labels) -> [Part]: its tables on Generate",
    "flow_parts": "(L) -> [Part]: its columns on Gradient flow besides |dh_t|",
    "flow_series": "(L) -> [dict]: more lines on the Gradient flow chart",
}
REQUIRED = {"detail_cells", "parameter_bands", "forward_bands", "backward_bands", "gradient_table_parts",
            "gradient_bands", "sum_over_time", "param_groups", "network_parts", "network_back_bands",
            "network_tables", "generate_parts"}


class SheetFamily:
    """A family as the layout holds it. Defaults: no labels, notes or extra tables, nothing before the
    hidden-state table or beside the backward tables, and nothing more on Gradient flow."""
    labels: dict = {}
    gradient_tables: dict = {}
    sum_notes: dict = {}
    flow_note: str = ""

    def __init__(self, module: ModuleType):
        self.module = module
        missing = sorted(h for h in REQUIRED if not hasattr(module, h))
        if missing:
            raise TypeError(f"the sheet family {module.__name__} has no {', '.join(missing)} (see sheets/family.py)")
        for hook in HOOKS:
            if hasattr(module, hook):
                setattr(self, hook, getattr(module, hook))

    @staticmethod
    def network_cell_bands(S, L, slot, title) -> None:
        return None

    @staticmethod
    def network_back_parts(L, slot) -> list:
        return []

    @staticmethod
    def flow_parts(L) -> list:
        return []

    @staticmethod
    def flow_series(L) -> list:
        return []

    def __getattr__(self, name):
        """The family's quantities (c_H, gen_H, ...): the module's names."""
        return getattr(self.module, name)


_LOADED: dict[str, SheetFamily] = {}


def of(module: ModuleType) -> SheetFamily:
    """The family of a module, made once."""
    if module.__name__ not in _LOADED:
        _LOADED[module.__name__] = SheetFamily(module)
    return _LOADED[module.__name__]

