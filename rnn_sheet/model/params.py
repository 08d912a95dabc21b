"""A network's weights: arrays by name, in the order its cell declares them."""
import numpy as np


class Params:
    """`P.Wxh` or `P["Wxh"]`: the names are the equations'. `P.cell` is the cell they belong to."""

    def __init__(self, cell, arrays):
        self.cell = cell
        self.arrays = {name: np.asarray(arrays[name], dtype=float) for name in cell.param_names}

    def __getattr__(self, name):
        try:
            return self.__dict__["arrays"][name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name):
        return self.arrays[name]

    def __contains__(self, name):
        return name in self.arrays

    @property
    def names(self):
        return tuple(self.arrays)

    def items(self):
        return self.arrays.items()

    @property
    def V(self):
        return self.arrays["Why"].shape[0]

    @property
    def H(self):
        return self.arrays["Why"].shape[1]

    def replace(self, **arrays):
        return Params(self.cell, {**self.arrays, **arrays})

    def __repr__(self):
        return f"Params({self.cell.name}, {', '.join(f'{k}{v.shape}' for k, v in self.arrays.items())})"
