"""A short fingerprint of what an exercise is made from: the word, the vocabulary and the weights.
A grader compares the fingerprint an exercise was built with against the one of the inputs the file
holds now, to tell an edited input from a wrong answer.

Numbers are rounded to 10 significant digits first: Excel and LibreOffice write 15 to 17 digits when
they save a file, and an edit a student makes changes far more than that."""
import hashlib

import numpy as np


def fingerprint(scenario):
    """8 hexadecimal digits of the scenario's word, vocabulary and weights."""
    parts = [scenario.word, scenario.vocab]
    for name, values in scenario.params.items():
        # + 0.0 turns -0.0 into 0.0: a spreadsheet does not keep the sign of zero.
        parts.append(name + "=" + ",".join(f"{float(v) + 0.0:.10g}" for v in np.ravel(values)))
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:8]
