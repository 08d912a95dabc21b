"""What a build is about: word, vocabulary, model, weights, learning settings.

Everything a user types or hands us (flags, a weights JSON, a template TOML) is checked here and
turned into plain values; a problem is an InputError whose message is one line for the user.
"""
import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import cells, optimizers
from .engine import make_draws
from .gradcheck import CheckAt
from .optimizers import OPTIMIZERS

MAX_WORD = 500
MAX_VOCAB = 100
MAX_HIDDEN = 64
TEMPLATE_KEYS = {"description", "word", "vocab", "hidden", "model", "seed", "lr", "epochs", "clip",
                 "loss", "generate", "start", "layout", "weights", "optimizer", "momentum", "temperature",
                 "text", "seq_length", "iterations"}      # the last three: a text's (model/textinput.py)
LAYOUTS = ("auto", "detailed", "compact")
MAX_GENERATE = 200
MAX_EPOCHS = 1000
# Weights and lr beyond this teach nothing and overflow a spreadsheet's numbers (±1.8e308) within a
# few time steps; larger values are refused, as are inputs whose computations overflow (sheets.render).
MAX_MAGNITUDE = 1e6


class InputError(ValueError):
    """Bad user input; str(e) is the one line we show."""


@dataclass
class Scenario:
    word: str
    vocab: str
    hidden: int
    cell: cells.NetworkCell
    params: object              # Params
    lr: float = 0.1
    seed: int | None = 0
    epochs: int = 0
    clip: float | None = None
    loss_mode: str = "all"
    generate: int = 0
    start: str = ""
    layout: str = "auto"        # auto / detailed / compact (see sheets.layout.DETAIL_LIMIT)
    template: str | None = None
    description: str = ""
    optimizer: object = OPTIMIZERS["sgd"]
    temperature: float | None = None    # generation samples from softmax(y / T); None: greedy
    draws: tuple = ()                   # one uniform draw in [0, 1) per generated letter, when sampling
    weights_from: str = "seed"  # seed / file / template: where the weights came from
    check: CheckAt | None = None        # the Gradient check sheet's entry (default: the first weight's first)
    # Training on a text (model/textinput.py): the whole text, shown with visible newlines; word is
    # then its first chunk, text[0:seq_length + 1], and epochs the number of iterations.
    text: str | None = None
    seq_length: int = 0

    def __post_init__(self):
        if self.check is None:
            self.check = CheckAt(self.cell.param_names[0])

    @property
    def inputs(self):
        return [self.vocab.index(c) for c in self.word[:-1]]

    @property
    def targets(self):
        return [self.vocab.index(c) for c in self.word[1:]]

    @property
    def T(self):
        return len(self.word) - 1

    @property
    def V(self):
        return len(self.vocab)

    @property
    def H(self):
        return self.hidden

    @property
    def model(self):
        return self.cell.name


def template_dirs():
    package = Path(__file__).resolve().parents[1]
    # Installed: package data in rnn_sheet/templates; source checkout: the repository's templates/.
    return [d for d in (package / "templates", package.parent / "templates") if d.is_dir()]


TEMPLATE_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


def find_template(name):
    """Only plain names are looked up: a word is not a path."""
    if not TEMPLATE_NAME.fullmatch(name):
        return None
    for d in template_dirs():
        path = d / f"{name}.toml"
        if path.is_file():
            return path
    return None


def list_templates():
    seen = {}
    for d in template_dirs():
        for path in sorted(d.glob("*.toml")):
            if path.stem not in seen:
                seen[path.stem] = read_template(path).get("description", "")
    return seen


def read_template(path):
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read template {path}: {e}") from None
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"template {path} is not valid TOML: {e}") from None
    unknown = set(data) - TEMPLATE_KEYS
    if unknown:
        raise InputError(f"template {path}: unknown key {sorted(unknown)[0]!r} "
                         f"(allowed: {', '.join(sorted(TEMPLATE_KEYS))})")
    return data


MAX_WEIGHTS_FILE = 16 << 20     # bytes: the largest model's weights (LSTM, 100 x 64) take about 1.5 MB


def read_weights_file(path):
    """The JSON of a weights file, or an InputError: only a regular file (a FIFO would block, a device
    never ends), at most MAX_WEIGHTS_FILE bytes read, no number larger than a double, no nesting
    deeper than the parser's stack."""
    import json     # only for a weights file: not at every start-up
    data = read_input_file(path, MAX_WEIGHTS_FILE, "weights file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"cannot read weights file {path}: it is not UTF-8 text ({e.reason} at byte {e.start})") from None
    try:
        return json.loads(text, parse_int=_json_int)
    except json.JSONDecodeError as e:
        raise InputError(f"weights file {path} is not valid JSON: {e}") from None
    except RecursionError:
        raise InputError(f"weights file {path} nests lists too deeply; a weight is at most a list of rows") from None
    except _HugeNumber as e:
        raise InputError(f"weights file {path} holds an integer of {e} digits; weights must lie within "
                         f"±{MAX_MAGNITUDE:g}") from None


class _HugeNumber(Exception):
    pass


def _json_int(digits):
    """A JSON integer, refused while parsing when no weight could be that large: a 400-digit one would
    overflow on conversion to float, a 5000-digit one exceed Python's limit for int()."""
    if len(digits.lstrip("-")) > 30:
        raise _HugeNumber(len(digits.lstrip("-")))
    return int(digits)


def read_input_file(path, limit, what):
    """The bytes of a file a user hands us, read only if it is a regular file (a FIFO would block, a
    device never end) of at most `limit` bytes; else a one-line InputError naming it as `what`."""
    import os
    import stat
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as e:
        raise InputError(f"cannot read {what} {path}: {e.strerror}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = "a folder" if stat.S_ISDIR(mode) else "a device, pipe or socket"
        raise InputError(f"cannot read {what} {path}: it is {kind}, not a regular file")
    with open(fd, "rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"cannot read {what} {path}: it is larger than {limit >> 20} MB")
    return data


def _shape_text(shape):
    return {0: "a number", 1: "a list of {0} numbers"}.get(len(shape), "a list of {0} rows of {1} numbers").format(*shape)


def parse_weights(data, cell, V, H, source="weights"):
    """Check a {"Wxh": [[...]], ...} mapping against the cell's shapes and make Params of it."""
    shapes = cell.param_shapes(V, H)
    if not isinstance(data, dict):
        raise InputError(f"{source}: expected an object with keys {', '.join(shapes)}")
    extra = set(data) - set(shapes)
    if extra:
        other = cells.from_param_names(data)
        hint = f"; these are weights for the {other.name} model" if other and set(other.param_names) == set(data) else ""
        raise InputError(f"{source}: unexpected key {sorted(extra)[0]!r} for the {cell.name} model "
                         f"(expected {', '.join(shapes)}){hint}")
    arrays = {}
    for key, shape in shapes.items():
        if key not in data:
            raise InputError(f"{source}: missing {key} ({_shape_text(shape)})")
        arrays[key] = _array(data[key], shape, f"{source}: {key} must be {_shape_text(shape)}")
        if arrays[key].size and np.abs(arrays[key]).max() > MAX_MAGNITUDE:
            big = arrays[key].flat[np.abs(arrays[key]).argmax()]
            raise InputError(f"{source}: {key} holds {big:g}; weights must lie within ±{MAX_MAGNITUDE:g}")
    return cell.params(arrays)


def _array(value, shape, message):
    def is_number(v):
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    try:
        arr = np.array(value, dtype=object)
    except ValueError:
        raise InputError(message) from None
    if arr.shape != shape or not all(is_number(v) for v in arr.flat):
        raise InputError(message)
    arr = arr.astype(float)
    if not np.all(np.isfinite(arr)):
        raise InputError(message.replace(" must be ", " must be finite: ") + ", without NaN or infinity")
    return arr


def default_vocab(word):
    return "".join(dict.fromkeys(word))


def check_text(word, vocab):
    for label, text in (("word", word), ("vocabulary", vocab)):
        bad = [c for c in text if not c.isprintable() and c != " "]
        if bad:
            raise InputError(f"{label} contains the control character {bad[0]!r}; use printable characters")
    if len(word) < 2:
        raise InputError(f"the word must have at least 2 characters (got {len(word)})")
    if len(word) > MAX_WORD:
        raise InputError(f"the word has {len(word)} characters; at most {MAX_WORD} are supported")
    dupes = [c for c in dict.fromkeys(vocab) if vocab.count(c) > 1]
    if dupes:
        raise InputError(f"the vocabulary repeats {dupes[0]!r}; each character must appear once")
    if len(vocab) > MAX_VOCAB:
        raise InputError(f"the vocabulary has {len(vocab)} characters; at most {MAX_VOCAB} are supported")
    missing = [c for c in word if c not in vocab]
    if missing:
        raise InputError(f"{missing[0]!r} in the word is not in the vocabulary {vocab!r}")


def make_scenario(word, *, vocab=None, hidden=None, model=None, seed=None, weights=None, lr=None,
                  epochs=None, clip=None, loss_mode=None, generate=None, start=None, layout=None,
                  optimizer=None, momentum=None, temperature=None, use_template=True):
    """Resolve flags over a template (templates/WORD.toml) over defaults. weights: a path or a dict."""
    template, tpl = None, {}
    if use_template and find_template(word):
        template = word
        tpl = read_template(find_template(word))
        word = tpl.get("word", word)

    def pick(flag, key, default):
        return flag if flag is not None else tpl.get(key, default)

    word = str(word)
    vocab = str(pick(vocab, "vocab", None) or default_vocab(word))
    check_text(word, vocab)
    hidden = pick(hidden, "hidden", 3)
    model = pick(model, "model", cells.DEFAULT)
    loss_mode = pick(loss_mode, "loss", "all")
    cell = cells.get(model) if isinstance(model, str) else None
    if cell is None:
        raise InputError(f"model must be one of {', '.join(cells.CELLS)} (got {model!r})")
    if loss_mode not in ("all", "last"):
        raise InputError(f"loss must be 'all' or 'last' (got {loss_mode!r})")
    if not isinstance(hidden, int) or isinstance(hidden, bool) or not 1 <= hidden <= MAX_HIDDEN:
        raise InputError(f"hidden size must be a whole number from 1 to {MAX_HIDDEN} (got {hidden!r})")
    lr = _number(pick(lr, "lr", 0.1), "lr")
    if abs(lr) > MAX_MAGNITUDE:
        raise InputError(f"lr must lie within ±{MAX_MAGNITUDE:g} (got {lr:g})")
    epochs = pick(epochs, "epochs", 0)
    if not isinstance(epochs, int) or isinstance(epochs, bool) or not 0 <= epochs <= MAX_EPOCHS:
        raise InputError(f"epochs must be a whole number from 0 to {MAX_EPOCHS} (got {epochs!r})")
    clip = pick(clip, "clip", None)
    if clip is not None and not _number(clip, "clip") > 0:
        raise InputError(f"clip must be a positive number (got {clip!r})")
    seed = pick(seed, "seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise InputError(f"seed must be a whole number >= 0 (got {seed!r})")

    generate = pick(generate, "generate", 0)
    if not isinstance(generate, int) or isinstance(generate, bool) or not 0 <= generate <= MAX_GENERATE:
        raise InputError(f"generate must be a whole number from 0 to {MAX_GENERATE} (got {generate!r})")
    start = str(pick(start, "start", word[0]))
    if len(start) != 1 or start not in vocab:
        raise InputError(f"the start letter must be one character of the vocabulary {vocab!r} (got {start!r})")

    layout = pick(layout, "layout", "auto")
    if layout not in LAYOUTS:
        raise InputError(f"layout must be one of {', '.join(LAYOUTS)} (got {layout!r})")
    opt = _optimizer(pick(optimizer, "optimizer", optimizers.DEFAULT), momentum, tpl.get("momentum"))
    temperature = _temperature(pick(temperature, "temperature", None), generate)
    draws = make_draws(seed, generate) if temperature is not None else ()

    V = len(vocab)
    if weights is not None:
        data = read_weights_file(weights) if not isinstance(weights, dict) else weights
        params, seed, source = parse_weights(data, cell, V, hidden, f"weights file {weights}" if not isinstance(weights, dict) else "weights"), None, "file"
    elif "weights" in tpl and hidden == tpl.get("hidden", 3) and cell is cells.get(tpl.get("model", cells.DEFAULT)) \
            and vocab == tpl.get("vocab", default_vocab(word)):
        params, seed, source = parse_weights(tpl["weights"], cell, V, hidden, f"template {template}: weights"), None, "template"
    else:
        params, source = cell.init(V, hidden, seed), "seed"
    return Scenario(word, vocab, hidden, cell, params, lr, seed, epochs,
                    None if clip is None else float(clip), loss_mode, generate, start, layout,
                    template, tpl.get("description", ""), opt, temperature, draws, source)


def _optimizer(name, momentum, template_momentum):
    if not isinstance(name, str) or name not in OPTIMIZERS:
        raise InputError(f"optimizer must be one of {', '.join(OPTIMIZERS)} (got {name!r})")
    if momentum is not None and name != "momentum":
        raise InputError(f"--momentum is the setting of --optimizer momentum (the optimizer is {name})")
    mu = momentum if momentum is not None else template_momentum if name == "momentum" else None
    if mu is not None and not (isinstance(mu, (int, float)) and not isinstance(mu, bool) and 0 <= mu < 1):
        raise InputError(f"momentum must be a number from 0 up to, not including, 1 (got {mu!r})")
    return optimizers.get(name, mu)


def _temperature(value, generate):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise InputError(f"temperature must be a finite number above 0 (got {value!r})")
    if not generate:
        raise InputError("temperature sets how generated letters are drawn: use it with --generate N")
    return float(value)


def _number(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(f"{name} must be a finite number (got {value!r})")
    return float(value)
