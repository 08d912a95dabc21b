"""`rnn-sheet check`: is a workbook (.xlsx or .ods) still telling the truth?

LibreOffice recomputes every formula; each recomputed value must equal the value cached in the file,
and the values under the defined names (x_1, h_1, ..., loss, dWxh, Wxh_new, ...) must equal what the
NumPy engine computes from the weights, letters and settings found in the file itself.
"""
import math
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import openpyxl

from . import recalc
from .engine import generate, param_shapes, train
from .grid import sheet_prefix
from .ods_read import read_ods
from .scenario import InputError, check_text, parse_weights
from .verify import diff, tally

# Names every workbook of ours has; without them the file is not one of ours.
REQUIRED = ("Wxh", "Whh", "bh", "Why", "lr", "vocab", "word", "loss")
PARAMS = ("Wxh", "Whh", "bh", "Why", "by")


@dataclass
class Workbook:
    path: Path
    formulas: dict          # (sheet, "A1") -> formula text
    cached: dict            # (sheet, "A1") -> cached value of that formula cell
    names: dict             # defined name -> [(sheet, "A1:B2")]


@dataclass
class CheckReport:
    path: str
    formulas: int = 0
    max_cached_diff: float = 0.0      # |recomputed - cached|, relative above 1 (verify.diff)
    worst_cached: str = ""
    max_engine_diff: float = 0.0      # |recomputed - engine| over the defined names
    worst_engine: str = ""
    names_compared: list = field(default_factory=list)
    mismatches: list = field(default_factory=list)          # (cell, cached, recomputed)
    engine_mismatches: list = field(default_factory=list)   # (cell, name, engine, recomputed)
    errors: list = field(default_factory=list)              # (cell, error text)
    problems: list = field(default_factory=list)            # why the engine could not be compared

    @property
    def ok(self):
        return not (self.mismatches or self.engine_mismatches or self.errors or self.problems)

    @property
    def verdict(self):
        return "OK" if self.ok else "FAILED"

    def lines(self, limit=10):
        out = [f"{self.path}: {self.formulas} formula cells recomputed by LibreOffice",
               f"  recomputed vs cached: max difference {self.max_cached_diff:.3g}"
               + (f" at {self.worst_cached}" if self.worst_cached else ""),
               f"  recomputed vs engine: max difference {self.max_engine_diff:.3g}"
               + (f" at {self.worst_engine}" if self.worst_engine else "")
               + f" over {len(self.names_compared)} defined names"]
        for cell, text in self.errors[:limit]:
            out.append(f"  error {text} in {cell}")
        for cell, cached, fresh in self.mismatches[:limit]:
            out.append(f"  {cell}: cached {cached!r}, recomputed {fresh!r}")
        for cell, name, expected, fresh in self.engine_mismatches[:limit]:
            out.append(f"  {cell} ({name}): engine {expected!r}, recomputed {fresh!r}")
        for problem in self.problems:
            out.append(f"  {problem}")
        hidden = sum(max(0, len(x) - limit) for x in (self.errors, self.mismatches, self.engine_mismatches))
        if hidden:
            out.append(f"  ... and {hidden} more")
        out.append(f"{self.verdict}: " + ("cached values, LibreOffice and the engine agree"
                                          if self.ok else "the workbook does not agree with itself"))
        return out


def check(path, tol=1e-9):
    return check_many([path], tol)[0]


def check_many(paths, tol=1e-9):
    """Check several workbooks with one LibreOffice start (most of the cost of a check)."""
    books = [read_workbook(p) for p in paths]
    with tempfile.TemporaryDirectory(prefix="rnn-sheet-check-") as tmp:
        # Copies with distinct names: LibreOffice names its output after the input's stem.
        copies = []
        for i, book in enumerate(books):
            copies.append(Path(tmp, f"in{i}{book.path.suffix.lower()}"))
            shutil.copyfile(book.path, copies[-1])
        try:
            outs = recalc.convert(copies, Path(tmp, "out"))
        except recalc.LibreOfficeMissing:
            raise InputError(recalc.INSTALL_HINT) from None
        except subprocess.TimeoutExpired:
            raise InputError("LibreOffice did not finish recomputing in time") from None
        except RuntimeError:
            raise InputError(f"LibreOffice could not open {paths[0] if len(paths) == 1 else 'a file'}"
                             " as a spreadsheet") from None
        return [compare(book, out, tol) for book, out in zip(books, outs)]


# --- reading ---------------------------------------------------------------------------------------

def read_workbook(path):
    """Formulas, cached values and names of an .xlsx or .ods; InputError if it is not one of ours."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    kind = path.suffix.lower()
    if kind not in (".xlsx", ".ods"):
        raise InputError(f"{path} is not a workbook: expected an .xlsx or .ods file")
    try:
        book = _read_xlsx(path) if kind == ".xlsx" else _read_ods(path)
    except Exception as e:      # a damaged file can fail inside zipfile, XML or openpyxl in many ways
        raise InputError(f"{path} is not a readable {kind[1:]} workbook ({type(e).__name__})") from None
    missing = [n for n in REQUIRED if n not in book.names]
    if missing:
        raise InputError(f"{path} is not an rnn-sheet workbook (no defined name {missing[0]!r}); "
                         "build one with 'rnn-sheet build WORD'")
    return book


def _read_xlsx(path):
    formulas_wb = openpyxl.load_workbook(path, data_only=False)
    values_wb = openpyxl.load_workbook(path, data_only=True)
    formulas, cached = {}, {}
    for ws in formulas_wb.worksheets:
        values = values_wb[ws.title]
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":      # not a text cell that merely starts with "="
                    formulas[(ws.title, c.coordinate)] = c.value
                    cached[(ws.title, c.coordinate)] = values[c.coordinate].value
    names = {name: list(dn.destinations) for name, dn in formulas_wb.defined_names.items()}
    return Workbook(path, formulas, cached, names)


def _read_ods(path):
    with zipfile.ZipFile(path) as z:
        if z.read("mimetype").decode("ascii", "replace").strip() != "application/vnd.oasis.opendocument.spreadsheet":
            raise ValueError("not an OpenDocument spreadsheet")
    cells, names = read_ods(path)
    formulas = {k: f for k, (f, v) in cells.items() if f is not None}
    cached = {k: cells[k][1] for k in formulas}
    return Workbook(path, formulas, cached, {n: [_split(ref)] for n, ref in names.items()})


def _split(ref):
    sheet, _, cells = ref.rpartition("!")
    if sheet.startswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    return sheet, cells.replace("$", "")


def _named(wb, destinations):
    """Values and cell names of a defined name's range, as 2-D arrays."""
    sheet, ref = destinations[0]
    cells = wb[sheet][ref.replace("$", "")]
    if not isinstance(cells, tuple):
        cells = ((cells,),)
    values = np.array([[c.value for c in row] for row in cells], dtype=object)
    where = np.array([[f"{sheet_prefix(sheet)}{c.coordinate}" for c in row] for row in cells], dtype=object)
    return values, where


# --- comparing -------------------------------------------------------------------------------------

def compare(book, recomputed, tol=1e-9):
    wb = openpyxl.load_workbook(recomputed, data_only=True)
    rep = CheckReport(str(book.path), formulas=len(book.formulas))
    cells = tally(((f"{sheet_prefix(sheet)}{coord}", book.cached[(sheet, coord)],
                    wb[sheet][coord].value if sheet in wb.sheetnames else "#REF! (sheet lost)")
                   for sheet, coord in book.formulas), tol)
    rep.errors, rep.mismatches = cells.errors, cells.mismatches
    rep.max_cached_diff, rep.worst_cached = cells.max_diff, cells.worst
    named = {}
    for n, dest in book.names.items():
        try:
            named[n] = _named(wb, dest)
        except (KeyError, ValueError, IndexError):
            rep.problems.append(f"defined name {n} does not point at cells of this workbook")
    if not rep.problems:
        _compare_engine(rep, book, named, tol)
    return rep


def _number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _compare_engine(rep, book, named, tol):
    try:
        expected = engine_values(book, {n: v for n, (v, _) in named.items()})
    except InputError as e:
        rep.problems.append(f"the engine cannot run on this workbook's inputs: {e}")
        return
    for name in sorted(expected, key=_name_order):
        if name not in named:
            continue
        if name == "generated":
            _compare_text(rep, name, named[name], expected[name])
            continue
        values, where = named[name]
        want = np.asarray(expected[name], dtype=float)
        rep.names_compared.append(name)
        if want.size != values.size:
            rep.engine_mismatches.append((where.flat[0], name, f"{want.size} values", f"{values.size} cells"))
            continue
        for cell, got, exp in zip(where.flat, values.flat, want.ravel()):
            d = diff(float(got), float(exp)) if _number(got) and math.isfinite(got) else math.inf
            if d > rep.max_engine_diff:
                rep.max_engine_diff, rep.worst_engine = d, cell
            if d > tol:
                rep.engine_mismatches.append((cell, name, float(exp), got))


def _compare_text(rep, name, named_value, want):
    values, where = named_value
    rep.names_compared.append(name)
    got = values.flat[0]
    if got != want:
        rep.engine_mismatches.append((where.flat[0], name, want, got))


def _name_order(name):
    stem, _, t = name.rpartition("_")
    return (stem, int(t)) if t.isdigit() else (name, 0)


# --- the engine, from the workbook's own inputs -----------------------------------------------------

def _letters(arr, what):
    out = []
    for v in arr.flat:
        if isinstance(v, float) and v.is_integer():
            v = int(v)          # a digit typed into a letter cell comes back as a number
        if v is None or len(str(v)) != 1:
            raise InputError(f"every {what} cell must hold one character (found {v!r})")
        out.append(str(v))
    return "".join(out)


def _floats(arr, name, shape):
    try:
        out = np.array(arr, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{name} holds something that is not a number") from None
    if out.size != int(np.prod(shape)):
        raise InputError(f"{name} has {out.size} cells, expected {int(np.prod(shape))}")
    return out.reshape(shape)


def _as_param(cells, shape):
    """A defined name's 2-D cells in the shape of the parameter: scalars and vectors flattened."""
    if len(shape) == 2:
        return cells.tolist()
    flat = [v for v in cells.flat]
    return flat[0] if shape == () and len(flat) == 1 else flat


def engine_values(book, named):
    """The engine's value for every defined name it knows, computed from the workbook's inputs."""
    vocab = _letters(named["vocab"], "vocabulary")
    word = _letters(named["word"], "word")
    check_text(word, vocab)
    V, T = len(vocab), len(word) - 1
    H = named["Wxh"].shape[0]
    model = "standard" if "by" in named else "article"
    # The same checks as a weights file: shapes, numbers only, finite.
    P = parse_weights({n: _as_param(named[n], s) for n, s in param_shapes(model, V, H).items()},
                      model, V, H, "the workbook's Parameters")
    lr = float(_floats(named["lr"], "lr", ()))
    clip = float(_floats(named["clip"], "clip", ())) if "clip" in named else None
    epochs = named["loss_epochs"].size - 1 if "loss_epochs" in named else 0
    records = train(P, [vocab.index(c) for c in word[:-1]], [vocab.index(c) for c in word[1:]],
                    lr, max(epochs, 1), clip, _loss_mode(book, T))
    F, B = records[0].fwd, records[0].bwd
    out = {"loss": F.loss, "loss_next": records[1].fwd.loss,
           "loss_epochs": [r.fwd.loss for r in records[:epochs + 1]],
           "grad_norms": np.linalg.norm(B.dh, axis=1)}
    for t in range(1, T + 1):
        out.update({f"x_{t}": F.x[t - 1], f"h_{t}": F.h[t - 1], f"y_{t}": F.y[t - 1],
                    f"p_{t}": F.p[t - 1], f"loss_{t}": F.losses[t - 1]})
    for name in P.names:
        out[f"d{name}"] = B.grads[name]
        out[f"{name}_new"] = getattr(records[1].params, name)
    if "generated" in named and "start" in named:
        # The Generate sheet writes as many letters as it has rows, from the trained weights.
        start, n = _letters(named["start"], "start letter"), len(str(named["generated"].flat[0] or ""))
        G = generate(records[epochs].params, vocab.index(start), n) if start in vocab else None
        out["generated"] = "".join(vocab[i] for i in G.outputs) if G else f"(start {start!r} not in vocabulary)"
    return out


def _loss_mode(book, T):
    """--loss last leaves the earlier steps' loss_t as constant zeros instead of formulas."""
    if T < 2 or "loss_1" not in book.names:
        return "all"
    sheet, ref = book.names["loss_1"][0]
    return "all" if (sheet, ref.replace("$", "")) in book.formulas else "last"
