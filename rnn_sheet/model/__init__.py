"""The network in plain NumPy: cells, optimizers, the engine that runs them, and the scenario (what a
build is about). Nothing here knows about spreadsheets."""
