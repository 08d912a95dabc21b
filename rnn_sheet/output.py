"""Choose output paths and write files atomically: a failed build never leaves half a file."""
import os
import re
import tempfile
from pathlib import Path

from .scenario import InputError

FORMATS = ("xlsx", "ods")


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


def write_atomically(path, write):
    """write(tmp_path) fills a temporary file beside path, which then replaces path in one step."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
        os.close(fd)
    except OSError as e:
        raise InputError(f"cannot write to {path.parent}: {e.strerror}") from None
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as e:
        raise InputError(f"cannot write {path}: {e.strerror}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
