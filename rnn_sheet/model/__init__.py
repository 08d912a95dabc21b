"""The network in plain NumPy: cells, optimizers, the engine that runs them, and the scenario (what a
build is about). Nothing here knows about workbooks: the formula text a cell, an activation or an
optimizer writes beside its NumPy (each recurrence and update rule in row form) takes references as
plain strings, which the sheets give."""
