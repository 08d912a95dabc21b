"""`rnn-sheet check`: is a workbook (.xlsx or .ods) still telling the truth?

LibreOffice recomputes every formula; each recomputed value must equal the value cached in the file,
and the values under the defined names (x_1, h_1, ..., loss, dWxh, Wxh_new, ...) must equal what the
engine computes from the weights, letters and settings found in the file itself: the same values the
builder caches, from the same declarations (sheets.named_values).
"""
import math
import subprocess
import tempfile
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..model import cells, optimizers
from ..model.gradcheck import CheckAt
from ..model.scenario import (MAX_EPOCHS, MAX_GENERATE, MAX_HIDDEN, InputError, Scenario, check_text,
                              parse_weights)
from ..model.textinput import MAX_ITERATIONS
from ..sheets import named_values, plan
from ..sheets.render import MAX_CELLS, cell_count
from ..workbook.grid import a1, parse_a1
from . import recalc
from .compare import RATIO, compare_cached, diff, is_number, ratio_tolerance
from .read import TooLarge, Values, cell_name, name_cells, read_values, read_workbook

# Names every workbook of ours has (besides its cell's parameters); without them it is not ours.
REQUIRED = ("lr", "vocab", "word", "loss")


def check(path, tol=1e-9, engine="libreoffice"):
    return check_many([path], tol, engine)[0]


def check_many(paths, tol=1e-9, engine="libreoffice"):
    """Check several workbooks with one LibreOffice start (most of the cost of a check), or with
    Gnumeric or the formulas package (recalc.ENGINES)."""
    books = [open_workbook(p) for p in paths]
    program = recalc.ENGINES[engine]
    if engine != "libreoffice" and any(book.path.suffix.lower() == ".ods" for book in books):
        # Gnumeric's .xlsx of an .ods carries notes without authors, which openpyxl cannot read back;
        # the formulas package reads .xlsx only.
        raise InputError(f"--engine {engine} checks .xlsx files; check an .ods with LibreOffice")
    if engine == "formulas":
        return [check_recomputed(book, _excel_values(book), tol, program) for book in books]
    with tempfile.TemporaryDirectory(prefix="rnn-sheet-check-") as tmp:
        try:
            outs = recalc.recompute_copies([book.path for book in books], tmp, engine=engine)
        except recalc.EngineMissing as e:
            raise InputError(str(e)) from None
        except subprocess.TimeoutExpired:
            raise InputError(f"{program} did not finish recomputing in time") from None
        except RuntimeError:
            raise InputError(f"{program} could not open {paths[0] if len(paths) == 1 else 'a file'}"
                             " as a spreadsheet") from None
        return [check_recomputed(book, out, tol, program) for book, out in zip(books, outs)]


def _excel_values(book):
    from . import excel
    from .read import sheet_names
    try:
        return excel.recompute(book.path, sheet_names(book.path))
    except excel.FormulasMissing as e:
        raise InputError(str(e)) from None
    except Exception as e:  # noqa: BLE001 - the package fails in its own ways on what it cannot model
        raise InputError(f"the formulas package cannot recompute {book.path} ({type(e).__name__}: {e})") from None


def open_workbook(path):
    """read.Workbook of an .xlsx or .ods; InputError if it is not one of ours."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    kind = path.suffix.lower()
    if kind not in (".xlsx", ".ods"):
        raise InputError(f"{path} is not a workbook: expected an .xlsx or .ods file")
    try:
        book = read_workbook(path)
    except TooLarge as e:
        raise InputError(f"{path} is not an rnn-sheet workbook: {e}") from None
    except Exception as e:      # a damaged file can fail inside zipfile, XML or openpyxl in many ways
        raise InputError(f"{path} is not a readable {kind[1:]} workbook ({type(e).__name__})") from None
    cell = cells.from_param_names(book.names)
    missing = [n for n in REQUIRED + (cell.param_names if cell else ("Why",)) if n not in book.names]
    if missing:
        raise InputError(f"{path} is not an rnn-sheet workbook (no defined name {missing[0]!r}); "
                         "build one with 'rnn-sheet build WORD'")
    return book


def check_recomputed(book, recomputed, tol=1e-9, program="LibreOffice"):
    """`recomputed`: the recomputed copy's path, or its values (read.Values)."""
    wanted = {(s, *parse_a1(c)) for s, c in book.formulas} | name_cells(book.names)
    with warnings.catch_warnings():     # Gnumeric's files have no default style; openpyxl adds its own
        warnings.filterwarnings("ignore", "Workbook contains no default style")
        try:
            fresh = recomputed if isinstance(recomputed, Values) else read_values(recomputed, wanted)
        except Exception as e:  # noqa: BLE001 - any reader failure is the same answer for the user
            raise InputError(f"{program}'s recomputed copy of {book.path} cannot be read back ({e})") from None
    rep = compare_cached(book, fresh, tol)
    rep.program = program
    named = {}
    for n, block in book.names.items():
        try:
            named[n] = np.array(fresh.block(block), dtype=object)
        except (KeyError, ValueError, IndexError):
            rep.problems.append(f"defined name {n} does not point at cells of this workbook")
    if not rep.problems:
        # The inputs as the file holds them (LibreOffice's copy rounds them to 15 digits).
        own = {n: np.array(v, dtype=object) for n, v in (book.inputs or {}).items() if n in named}
        _compare_engine(rep, book, {**named, **own}, tol)
    return rep


def _compare_engine(rep, book, named, tol):
    try:
        expected = named_values(scenario_of(book, named), set(named))
    except InputError as e:
        rep.problems.append(f"the engine cannot run on this workbook's inputs: {e}")
        return
    held = {name: tol for name in expected}
    if RATIO[0] in expected:
        held[RATIO[0]] = ratio_tolerance(*(float(np.ravel(expected[n])[0]) for n in RATIO[1:]), tol)
    for name in sorted(expected, key=_name_order):
        values, block = named[name], book.names[name]
        where = [cell_name(block.sheet, coord) for coord in _coords(block)]
        want = np.asarray(expected[name], dtype=object).ravel()
        rep.names_compared.append(name)
        if want.size != values.size:
            rep.engine_mismatches.append((where[0], name, f"{want.size} values", f"{values.size} cells"))
            continue
        for cell, got, exp in zip(where, values.flat, want):
            if isinstance(exp, str):
                if got != exp:
                    rep.engine_mismatches.append((cell, name, exp, got))
                continue
            d = diff(float(got), float(exp)) if is_number(got) and math.isfinite(got) else math.inf
            if d > rep.max_engine_diff and held[name] == tol:
                rep.max_engine_diff, rep.worst_engine = d, cell
            if d > held[name]:
                rep.engine_mismatches.append((cell, name, float(exp), got))


def _coords(block):
    return [a1(r, c) for r, c in block.positions()]


def _name_order(name):
    stem, _, t = name.rpartition("_")
    return (stem, int(t)) if t.isdigit() else (name, 0)


# --- the file's own inputs ----------------------------------------------------------------------------

def _letters(arr, what):
    out = []
    for v in arr.flat:
        if isinstance(v, float) and v.is_integer():
            v = int(v)          # a digit typed into a letter cell comes back as a number
        if v is None or len(str(v)) != 1:
            raise InputError(f"every {what} cell must hold one character (found {v!r})")
        out.append(str(v))
    return "".join(out)


def _number(arr, name):
    try:
        return float(np.array(arr, dtype=float).reshape(()))
    except (TypeError, ValueError):
        raise InputError(f"{name} holds something that is not a number") from None


def _as_param(cells_, shape):
    """A defined name's 2-D cells in the shape of the parameter: scalars and vectors flattened."""
    if len(shape) == 2:
        return cells_.tolist()
    flat = list(cells_.flat)
    return flat[0] if shape == () and len(flat) == 1 else flat


def scenario_of(book, named):
    """The Scenario the workbook now holds: its letters, weights and settings as they are in the file."""
    vocab = _letters(named["vocab"], "vocabulary")
    # A text book's word links to its first chunk: read the letters it links to, not the links
    # (a program that saves no cached values, as openpyxl, leaves the links empty).
    word = _text_letters(named)[:_seq_length(named) + 1] if "text" in named else _letters(named["word"], "word")
    check_text(word, vocab)
    cell = cell_of(named)
    missing = [n for n in cell.param_names if n not in named]
    if missing:
        raise InputError(f"the workbook's model is {cell.name}, but it names no parameter {missing[0]!r}")
    V, H = len(vocab), named["Why"].shape[1]
    # The same checks as a weights file: shapes, numbers only, finite.
    P = parse_weights({n: _as_param(named[n], s) for n, s in cell.param_shapes(V, H).items()},
                      cell, V, H, "the workbook's Parameters")
    epochs = named["loss_epochs"].size - 1 if "loss_epochs" in named else 0
    generate, start = 0, word[0]
    if "generated" in named and "start" in named:
        # The Generate sheet writes as many letters as it has rows, from the trained weights.
        start = _letters(named["start"], "start letter")
        generate = len(str(named["generated"].flat[0] or ""))
        if start not in vocab:
            raise InputError(f"the start letter {start!r} is not in the vocabulary")
    temperature = _number(named["temperature"], "temperature") if "temperature" in named else None
    if temperature is not None and not temperature > 0:
        raise InputError(f"the temperature must be above 0 (found {temperature:g})")
    draws = tuple(_number(u, "a draw") for u in named["draws"].flat) if "draws" in named else ()
    sc = Scenario(word, vocab, H, cell, P, lr=_number(named["lr"], "lr"), seed=None, epochs=epochs,
                  clip=_number(named["clip"], "clip") if "clip" in named else None,
                  loss_mode=_loss_mode(book, len(word) - 1), generate=generate, start=start,
                  optimizer=_optimizer(named), temperature=temperature, draws=draws,
                  check=_check_at(named, cell))
    return _within_limits(_text_of(sc, named) if "text" in named else sc)


def _within_limits(sc):
    """Build's limits on every size read from the file, before the engine runs: a forged name over
    100,000 rows of loss_epochs would otherwise train 99,999 epochs (65 s and 3.8 GB for one file)."""
    for what, n, most in (("hidden size", sc.H, MAX_HIDDEN), ("generated letters", sc.generate, MAX_GENERATE),
                          ("draws", len(sc.draws), MAX_GENERATE),
                          ("iterations" if sc.text else "epochs", sc.epochs, MAX_ITERATIONS if sc.text else MAX_EPOCHS)):
        if n > most:
            raise InputError(f"its {what} ({n:,}) are more than build allows ({most:,})")
    cells_ = cell_count(plan(sc))
    if cells_ > MAX_CELLS:
        raise InputError(f"it would be a workbook of {cells_:,} cells, more than build makes ({MAX_CELLS:,})")
    return sc


def _text_of(sc, named):
    """A book that trains on a text: its text (its letters as the Text sheet holds them now), the
    chunk length it was built for and its iterations."""
    text = _text_letters(named)
    missing = [c for c in text if c not in sc.vocab]
    if missing:
        raise InputError(f"{missing[0]!r} in the text is not in the vocabulary {sc.vocab!r}")
    S = _seq_length(named)
    return replace(sc, text=text, seq_length=S, word=text[:S + 1], epochs=named["loss_iterations"].size)


def _text_letters(named):
    return _letters(named["text"], "text") + (_letters(named["text_tail"], "text") if "text_tail" in named else "")


def _seq_length(named):
    return int(_number(named["seq_length"], "seq_length"))


def cell_of(named):
    """The cell the workbook's `model` cell names; a book from before it had one: the cell its
    parameters fit (which cannot tell cells with the same parameters apart)."""
    if "model" not in named:
        return cells.from_param_names(named)
    name = str(named["model"].flat[0])
    cell = cells.get(name)
    if cell is None:
        raise InputError(f"the model cell holds {name!r}, which is none of {', '.join(cells.CELLS)}")
    return cell


def _optimizer(named):
    """SGD workbooks name no optimizer; the others name it on Parameters, beside their settings."""
    name = str(named["optimizer"].flat[0]) if "optimizer" in named else optimizers.DEFAULT
    mu = _number(named["momentum"], "momentum") if "momentum" in named else None
    opt = optimizers.get(name, mu)
    if opt is None:
        raise InputError(f"the optimizer cell holds {name!r}, which is none of {', '.join(optimizers.OPTIMIZERS)}")
    return opt


def _check_at(named, cell):
    """The Gradient check sheet's entry as typed (a workbook from before it has none: the default)."""
    if "check_param" not in named:
        return CheckAt(cell.param_names[0])
    param = named["check_param"].flat[0]
    eps = _number(named["check_eps"], "check_eps")
    if not eps:
        raise InputError("check_eps must not be 0 (the centred difference divides by it)")
    return CheckAt("" if param is None else str(param), _typed(named["check_row"]), _typed(named["check_col"]), eps)


def _typed(arr):
    v = arr.flat[0]
    return int(v) if isinstance(v, float) and v.is_integer() else v


def _loss_mode(book, T):
    """--loss last leaves the earlier steps' loss_t as constant zeros instead of formulas."""
    if T < 2 or "loss_1" not in book.names:
        return "all"
    block = book.names["loss_1"]
    return "all" if (block.sheet, a1(block.row, block.col)) in book.formulas else "last"
