"""rnn-sheet: spreadsheets of live formulas that teach recurrent neural networks."""
__version__ = "0.1.0"
