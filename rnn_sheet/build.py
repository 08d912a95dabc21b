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
from .model.scenario import InputError, find_template, read_template
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


def write_class_set(sc, formats, out, exercise, n, seed, progress=None):
    """Variant k (1..n, its weights from seed + k) as NAME-vKK-exercise and NAME-vKK-answers in each
    format, and NAME-variants.csv listing them; returns the paths written."""
    stem, folder = sc.template or safe_stem(sc.word), Path(out or "output")
    width, written, rows = len(str(n)), [], []
    for k in range(1, n + 1):
        built = build(variant(sc, seed + k))
        done = [write(job) for job in jobs(built, formats, output_paths(f"{stem}-v{k:0{width}d}", formats,
                                                                        folder), exercise)]
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
    written.append(write_atomically(folder / f"{stem}-variants.csv",
                                    lambda tmp: Path(tmp).write_text(text, encoding="utf-8")))
    return written


def write(job, progress=None):
    with _no_cycle_collection():
        return write_atomically(job.path, lambda tmp: WRITERS[job.format](job.book, tmp, progress=progress))


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
    path = Path(path)
    made = [p for p in [path.parent, *path.parent.parents] if not p.exists()]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
        os.close(fd)
    except OSError as e:
        raise InputError(f"cannot write to {path.parent}: {e.strerror}") from None
    done = False
    try:
        write_to(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        done = True
    except OSError as e:
        raise InputError(f"cannot write {path}: {e.strerror}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if not done:        # a refusal found while writing (sheets render then) leaves nothing behind
            for folder in made:
                with contextlib.suppress(OSError):
                    folder.rmdir()
    return path


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
        except (RuntimeError, OSError) as e:
            raise InputError(f"--pdf: {str(e).splitlines()[0]}") from None
    return out


__all__ = ["FORMATS", "MAX_VARIANTS", "Job", "build", "check_variants", "export_pdf", "first_seed", "jobs",
           "output_paths", "parse_formats", "require_libreoffice", "safe_stem", "variant", "write",
           "write_atomically", "write_class_set"]
