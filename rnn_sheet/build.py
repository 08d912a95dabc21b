"""From a scenario to files on disk: the formats asked for, where they go, the exercise and answer-key
pair, a class set of exercises, atomic writes (a failed build never leaves half a file), and the PDF
print."""
import contextlib
import gc
import io
import os
import re
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from .model.fingerprint import fingerprint
from .model.scenario import InputError, find_template, make_scenario, read_template
from .model.textinput import make_any_scenario
from .sheets import build

FORMATS = ("xlsx", "ods")


def _write_xlsx(book, path, progress=None):
    from .writers.xlsx import write_xlsx
    write_xlsx(book, path, progress)


def _write_ods(book, path, progress=None):
    from .writers.ods import write_ods      # odfpy and openpyxl load only for .ods output
    write_ods(book, path, progress)


WRITERS = {"xlsx": _write_xlsx, "ods": _write_ods}


@dataclass
class Job:
    format: str
    path: Path
    book: object            # workbook.Book


def parse_formats(text):
    wanted = [f.strip().lower() for f in text.split(",") if f.strip()]
    if wanted == ["all"]:
        return list(FORMATS)
    bad = [f for f in wanted if f not in FORMATS]
    if bad or not wanted:
        raise InputError(f"unknown format {bad[0] if bad else text!r}; use xlsx, ods, xlsx,ods or all")
    return list(dict.fromkeys(wanted))


def safe_stem(word):
    """A file name from a word: letters, digits, '-' and '_' kept, anything else becomes '_'."""
    stem = re.sub(r"[^\w\-]", "_", word, flags=re.ASCII).strip("._") or "word"
    return stem[:60]


def stem_of(sc, text_file=None):
    """The output's name: the template's, the text file's stem, or the word's."""
    if sc.template:
        return sc.template
    return safe_stem(Path(text_file).stem if text_file else sc.word)


def default_stem(sc, no_template=False, out=None, text_file=None):
    """The name of a build's files: stem_of's, and when --out is not given (nor a text to train on),
    each setting that differs from the template's (or, without one, from the defaults), so that
    `build hello --model feedforward` writes output/hello-feedforward.xlsx beside the article's
    output/hello.xlsx instead of replacing it. A build with the template's own settings keeps the
    plain name; a folder given with --out is the user's to name in."""
    if out is not None or text_file is not None:
        return stem_of(sc, text_file)
    if sc.template:
        base = make_any_scenario(sc.template)      # a template may train on a text (min-char-rnn)
    else:
        base = make_scenario(sc.word, use_template=False)
    parts = ["no-template"] if no_template and find_template(sc.word) else []
    ours, theirs = _settings(sc), _settings(base)
    parts += [text for key, text in ours.items() if theirs.get(key) != text]
    if base.weights_from != "seed":        # the template's weights: a seed of ours draws nothing new
        parts = [p for p in parts if p != ours.get("seed")]
    settings = re.sub(r"[^\w.\-]", "_", "-".join(parts), flags=re.ASCII)
    return "-".join([stem_of(sc)] + ([settings] if settings else []))[:100]


def _settings(sc):
    """A scenario's settings as they read in a file name (those at their defaults left out)."""
    mu = getattr(sc.optimizer, "mu", 0.9)
    epochs = "epochs" if sc.text is None else "iterations"     # a text trains for --iterations
    out = {"vocab": "vocab" if sc.vocab != "".join(dict.fromkeys(sc.word)) else "", "model": sc.model,
           "hidden": f"hidden{sc.hidden}", "seed": f"seed{sc.seed}" if sc.weights_from == "seed" else "",
           "weights": "weights" if sc.weights_from == "file" else "", "lr": f"lr{sc.lr:g}",
           "optimizer": sc.optimizer.name, "momentum": f"mu{mu:g}" if mu != 0.9 else "",
           "epochs": f"{epochs}{sc.epochs}", "clip": f"clip{sc.clip:g}" if sc.clip else "",
           "loss": f"loss-{sc.loss_mode}", "generate": f"generate{sc.generate}" if sc.generate else "",
           "seq_length": f"seq-length{sc.seq_length}" if sc.text is not None else "",
           "start": f"start-{sc.start}" if sc.generate else "",
           "temperature": f"temperature{sc.temperature:g}" if sc.temperature else "", "layout": sc.layout}
    return {k: v for k, v in out.items() if v}


def output_paths(stem, formats, out=None):
    """--out names the file (its extension must match a single format) or a folder."""
    if out is None:
        return [Path("output") / f"{stem}.{fmt}" for fmt in formats]
    out = Path(out)
    if out.suffix.lower().lstrip(".") in FORMATS:
        if len(formats) > 1 or out.suffix.lower() != "." + formats[0]:
            raise InputError(f"--out {out} has the extension {out.suffix} but the format is "
                             f"{','.join(formats)}; give a matching name or a folder")
        return [out]
    if out.suffix and not out.is_dir():
        raise InputError(f"--out {out}: unknown extension {out.suffix!r}; use .xlsx, .ods or a folder")
    return [out / f"{stem}.{fmt}" for fmt in formats]


def jobs(built, formats, paths, exercise=None):
    """What to write: the workbook in each format, or with `exercise` (steps text) its two versions."""
    if exercise is None:
        return [Job(f, p, built.book) for f, p in zip(formats, paths)]
    from .exercise import exercise_paths, make_exercise, parse_steps
    ex, ans = make_exercise(built, parse_steps(exercise, built.layout.T))
    return [Job(f, path, book) for f, p in zip(formats, paths)
            for path, book in zip(exercise_paths(p), (ex, ans))]


# --- a class set: --exercise --variants N ---------------------------------------------------------

MAX_VARIANTS = 200


def check_variants(n, exercise, weights, out):
    """Before any work: what a class set needs."""
    if exercise is None:
        raise InputError("--variants makes a class set of exercises: add --exercise")
    if not 1 <= n <= MAX_VARIANTS:
        raise InputError(f"--variants must be a whole number from 1 to {MAX_VARIANTS} (got {n})")
    if weights is not None:
        raise InputError("--variants draws each variant's weights from --seed + k: drop --weights")
    if out is not None and Path(out).suffix.lower().lstrip(".") in FORMATS:
        raise InputError(f"--variants writes many files: --out must be a folder, not {out}")


def first_seed(sc, seed):
    """The seed the variants count from: --seed, else the template's, else 0 (a scenario built on a
    template's fixed weights has no seed of its own)."""
    if seed is not None:
        return seed
    if sc.seed is not None:
        return sc.seed
    return read_template(find_template(sc.template)).get("seed", 0) if sc.template else 0


def variant(sc, seed):
    """The scenario with random weights drawn from `seed`: the same word, vocabulary, hidden size,
    model and settings, never a template's fixed weights."""
    return replace(sc, params=sc.cell.init(sc.V, sc.H, seed), seed=seed, template=None, description="",
                   weights_from="seed")


def write_class_set(sc, formats, out, exercise, n, seed, progress=None, text_file=None):
    """Variant k (1..n, its weights from seed + k) as NAME-vKK-exercise and NAME-vKK-answers in each
    format, and NAME-variants.csv listing them (NAME as a single build's: a text file's stem, not its
    first chunk); returns the paths written."""
    stem, folder = default_stem(sc, out=out, text_file=text_file), Path(out or "output")
    width, written, rows = len(str(n)), [], []
    with Staged() as staged:        # the whole set, or nothing
        for k in range(1, n + 1):
            built = build(variant(sc, seed + k))
            done = [write(job, staged) for job in jobs(built, formats, output_paths(
                f"{stem}-v{k:0{width}d}", formats, folder), exercise)]
            written += done
            rows.append([f"{k:0{width}d}", seed + k, ";".join(p.name for p in done[0::2]),
                         ";".join(p.name for p in done[1::2]), fingerprint(built.context.sc)])
            if progress:
                progress(k, n)
        import csv      # only for a class set: not at every start-up
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(
            [["variant", "seed", "exercise_file", "answer_file", "fingerprint"], *rows])
        text = buf.getvalue()
        written.append(staged.add(folder / f"{stem}-variants.csv",
                                  lambda tmp: Path(tmp).write_text(text, encoding="utf-8")))
    return written


def write(job, staged, progress=None):
    """Write a Job's file into `staged` (a Staged: it takes its place when the Staged is left)."""
    with _no_cycle_collection():
        return staged.add(job.path, lambda tmp: WRITERS[job.format](job.book, tmp, progress=progress))


@contextlib.contextmanager
def _no_cycle_collection():
    """A large workbook is millions of cell objects made and dropped sheet by sheet, none of them in
    a reference cycle; CPython's cycle collector would walk them again and again while they are
    made (a fifth of a 500-letter build's time). Reference counting frees them all the same."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def write_atomically(path, write_to):
    """write_to(tmp_path) fills a temporary file beside path, which then replaces path in one step."""
    with Staged() as staged:
        staged.add(path, write_to)
    return Path(path)


class Staged:
    """Files written in full before any of them takes its place: each is filled under a temporary
    name beside its destination (short, so that a valid destination name never makes it too long),
    with the permissions the user's umask gives a new file or those of the file it replaces; on
    leaving the `with` without an exception they are all moved into place, else all removed, with
    the folders made for them. A failed build, a full disk or a stop (Ctrl-C, SIGTERM: cli.run makes
    them exceptions) leaves nothing half-written, a class set included."""

    def __init__(self):
        self.done, self.made, self.tmp = [], [], None

    def add(self, path, write_to):
        path = Path(path)
        self.made += reversed([p for p in [path.parent, *path.parent.parents] if not p.exists()])
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, self.tmp = tempfile.mkstemp(prefix=".rnn-sheet-", suffix=".tmp", dir=path.parent)
            os.close(fd)
        except OSError as e:
            raise InputError(f"cannot write to {path.parent}: {e.strerror}") from None
        try:
            write_to(self.tmp)
            os.chmod(self.tmp, _mode_for(path))
        except OSError as e:
            raise InputError(f"cannot write {path}: {e.strerror}") from None
        self.done.append((self.tmp, path))
        self.tmp = None
        return path

    def __enter__(self):
        return self

    def __exit__(self, kind, *exc):
        if kind is not None:
            self._discard()
            return
        for k, (tmp, path) in enumerate(self.done):
            try:
                os.replace(tmp, path)
            except OSError as e:
                del self.done[:k + 1]
                self._discard()
                raise InputError(f"cannot write {path}: {e.strerror}") from None

    def _discard(self):
        for tmp in [self.tmp, *(t for t, _ in self.done)]:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        for folder in reversed(self.made):      # innermost first; only if left empty
            with contextlib.suppress(OSError):
                folder.rmdir()


def _mode_for(path):
    """The permissions of the file `path` replaces, else those a new file gets under the umask."""
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


# --- PDF ------------------------------------------------------------------------------------------

def require_libreoffice():
    """Before anything is written: a missing LibreOffice is a one-line error, not half a build."""
    from .checking import recalc
    try:
        recalc.find_soffice()
    except recalc.LibreOfficeMissing as e:
        raise InputError(f"--pdf needs LibreOffice: {e}") from None


def export_pdf(paths):
    """One PDF beside each workbook (same name, .pdf; of the first file where a name comes in two
    formats), one LibreOffice call per folder, with the page setup each sheet carries. LibreOffice
    recalculates on loading, so the pages show computed values."""
    import subprocess
    from .checking import recalc
    first, by_folder, out = {}, {}, []
    for p in map(Path, paths):
        first.setdefault(p.with_suffix(""), p)
    for p in first.values():
        by_folder.setdefault(p.parent, []).append(p)
    for folder, files in by_folder.items():
        try:
            out += recalc.convert(files, folder, to="pdf")
        except recalc.LibreOfficeMissing as e:
            raise InputError(f"--pdf needs LibreOffice: {e}") from None
        except subprocess.TimeoutExpired:
            raise InputError("--pdf: LibreOffice did not finish printing in time") from None
        except (RuntimeError, OSError) as e:
            raise InputError(f"--pdf: {str(e).splitlines()[0]}") from None
    return out


__all__ = ["FORMATS", "MAX_VARIANTS", "Job", "build", "check_variants", "default_stem", "export_pdf", "first_seed",
           "jobs", "output_paths", "parse_formats", "require_libreoffice", "safe_stem", "stem_of", "variant", "write",
           "write_atomically", "write_class_set", "Staged"]
