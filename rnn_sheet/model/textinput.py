"""A text to train on, as min-char-rnn.py does (model/text.py): read from a file (--text FILE) or a
template's `text`, checked, and made a Scenario whose word is the first chunk.

Every character is kept. The characters a cell would not show are written as visible symbols
(a newline as ↵, a tab as ⇥, a carriage return as ␍): they are the vocabulary's letters for them,
in the engine and in the sheets alike, so a sheet's EXACT() compares what the student sees.
"""
import dataclasses

from . import scenario as scenarios
from .scenario import MAX_VOCAB, MAX_WORD, InputError, find_template, read_input_file, read_template

VISIBLE = {"\n": "↵", "\t": "⇥", "\r": "␍"}
DEFAULT_SEQ_LENGTH = 25
DEFAULT_ITERATIONS = 100
MAX_ITERATIONS = 10_000     # the cell cap (sheets.render) usually stops a book well before
# min-char-rnn's own settings, where a text build is not told otherwise.
TEXT_DEFAULTS = {"model": "standard", "optimizer": "adagrad", "clip": 5.0}
FLAG_KEYS = {"vocab": "vocab", "hidden": "hidden", "model": "model", "seed": "seed", "lr": "lr", "clip": "clip",
             "loss_mode": "loss", "generate": "generate", "start": "start", "layout": "layout",
             "optimizer": "optimizer", "momentum": "momentum", "temperature": "temperature"}


MAX_TEXT_FILE = 16 << 20     # bytes: far more text than a workbook's cell limit lets a book train on


def read_text_file(path):
    """The file's text, UTF-8 (a byte-order mark dropped), or a one-line InputError."""
    raw = read_input_file(path, MAX_TEXT_FILE, "text file")     # not a FIFO, a device or gigabytes
    if b"\0" in raw:
        raise InputError(f"text file {path} is binary (it holds NUL bytes): give a UTF-8 text file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"text file {path} is not UTF-8 text (byte {e.start} cannot be read): "
                         "give a UTF-8 text file") from None


def visible(text, source="the text", symbols_ok=False):
    """The text with newlines, tabs and carriage returns as their symbols; other control characters
    mean it is no text. symbols_ok: the symbols may be given as themselves (a vocabulary copied from
    a sheet's), else they are refused (a text's own ↵ could not be told from a newline)."""
    taken = sorted({c for c in text if c in VISIBLE.values()})
    if taken and not symbols_ok:
        raise InputError(f"{source} contains {taken[0]!r}, which the sheets use for a newline, tab or "
                         "carriage return")
    shown = "".join(VISIBLE.get(c, c) for c in text)
    bad = [c for c in shown if not c.isprintable() and c != " "]
    if bad:
        raise InputError(f"{source} contains the control character {bad[0]!r}: is it a binary file?")
    return shown


def _whole(value, name, low, high):
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InputError(f"{name} must be a whole number from {low} to {high} (got {value!r})")
    return value


def text_scenario(text, *, seq_length=None, iterations=None, source="the text", template=None, tpl=None, **flags):
    """The Scenario of training on `text` (as read: newlines still newlines). flags: make_scenario's,
    over the template's values, over min-char-rnn's defaults."""
    tpl = tpl or {}
    shown = visible(text, source)
    if len(shown) < 2:
        raise InputError(f"{source} has {len(shown)} character{'s' * (len(shown) != 1)}; "
                         "a text to train on needs at least 2")
    seq_length = seq_length if seq_length is not None else tpl.get("seq_length", DEFAULT_SEQ_LENGTH)
    longest = min(len(shown) - 1, MAX_WORD - 1)
    _whole(seq_length, f"--seq-length ({source} has {len(shown)} characters)", 1, longest)
    iterations = _whole(iterations if iterations is not None else tpl.get("iterations", DEFAULT_ITERATIONS),
                        "--iterations", 1, MAX_ITERATIONS)
    for flag, key in FLAG_KEYS.items():
        if flags.get(flag) is None:
            flags[flag] = tpl.get(key, TEXT_DEFAULTS.get(flag))
    vocab = flags.pop("vocab")
    vocab = visible(vocab, "the vocabulary", symbols_ok=True) if vocab else "".join(dict.fromkeys(shown))
    if len(set(shown)) > MAX_VOCAB:
        raise InputError(f"{source} has {len(set(shown))} distinct characters; at most {MAX_VOCAB} are supported")
    missing = [c for c in shown if c not in vocab]
    if missing:
        raise InputError(f"{missing[0]!r} in {source} is not in the vocabulary {vocab!r}")
    sc = scenarios.make_scenario(shown[:seq_length + 1], vocab=vocab, use_template=False, **flags)
    return dataclasses.replace(sc, text=shown, seq_length=seq_length, epochs=iterations, template=template,
                               description=tpl.get("description", ""))


def make_any_scenario(word, *, text_file=None, seq_length=None, iterations=None, epochs=None,
                      use_template=True, **flags):
    """A word's scenario (scenario.make_scenario), or a text's: --text FILE, or a template with a text."""
    if text_file is not None and word is not None:
        raise InputError("give WORD or --text FILE, not both")
    tpl_path = find_template(word) if word is not None and use_template else None
    tpl = read_template(tpl_path) if tpl_path else {}
    if text_file is None and "text" not in tpl:
        if word is None:
            raise InputError("missing WORD (or --text FILE): rnn-sheet build WORD, or rnn-sheet build --text FILE")
        for flag, value in (("--iterations", iterations), ("--seq-length", seq_length)):
            if value is not None:
                raise InputError(f"{flag} is for training on a text: use --text FILE (a word trains with --epochs)")
        return scenarios.make_scenario(word, epochs=epochs, use_template=use_template, **flags)
    if epochs is not None:
        raise InputError("a text trains for --iterations (one chunk each), not --epochs: drop --epochs")
    if "weights" in tpl:
        raise InputError(f"template {word}: a text template takes no weights (they are drawn from its seed)")
    if text_file is not None:
        return text_scenario(read_text_file(text_file), seq_length=seq_length, iterations=iterations,
                             source=f"text file {text_file}", **flags)
    if not isinstance(tpl["text"], str):
        raise InputError(f"template {word}: text must be a string")
    return text_scenario(tpl["text"], seq_length=seq_length, iterations=iterations, source=f"template {word}'s text",
                         template=word, tpl=tpl, **flags)
