"""What an instructor should look at, beside the marks (no flag changes a mark): files whose filled-in
answers are the same as another file's, and, given the class set's CSV (`--variants` writes it), a
file that holds another variant's numbers than the one its name names."""
import csv
import re
from pathlib import Path

from ..model.scenario import InputError

CLASS_COLUMNS = ("variant", "exercise_file", "fingerprint")


def read_class(path):
    """[(variant, [exercise file stems], fingerprint)] of a class set's CSV; InputError if it is not one."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
    except FileNotFoundError:
        raise InputError(f"--class {path}: no such file") from None
    except (UnicodeDecodeError, csv.Error):
        rows = []
    except OSError as e:
        raise InputError(f"--class {path}: cannot read it ({e.strerror or type(e).__name__})") from None
    if not rows or any(c not in rows[0] for c in CLASS_COLUMNS):
        raise InputError(f"--class {path}: not the CSV of a class set (it needs the columns "
                         f"{', '.join(CLASS_COLUMNS)}, as 'rnn-sheet build WORD --exercise --variants N' writes)")
    return [(r["variant"], [Path(f.strip()).stem.lower() for f in (r["exercise_file"] or "").split(";") if f.strip()],
             r["fingerprint"]) for r in rows]


def flag_same_answers(graded):
    """Flag each file whose filled-in answers equal an earlier or later file's, naming it."""
    seen = {}
    for g in graded:
        if g.answers:
            seen.setdefault(g.answers, []).append(g)
    for same in seen.values():
        for g in same:
            others = [o.path for o in same if o is not g]
            if others:
                g.flags.append(f"the same answers as {', '.join(others)}")


def named_variant(path, variants):
    """The variant whose exercise file the file's name names (the longest such name within it); failing
    that, the variant whose number follows a lone "v" (ann-v2.xlsx, "Ann V2 rnn.xlsx"), as students rename
    their files."""
    stem = Path(path).stem.lower()
    found = [(len(s), v) for v in variants for s in v[1] if s and s in stem]
    if found:
        return max(found, key=lambda f: f[0])[1]
    numbers = set(re.findall(r"(?<![a-z0-9])v(\d+)(?![0-9])", stem))
    named = [v for v in variants if v[0] in numbers]
    return named[0] if len(named) == 1 else None


def flag_variants(graded, variants):
    """Flag a file whose numbers are not those of the variant its name names."""
    by_print = {fp: name for name, _, fp in variants}
    for g in graded:
        named = named_variant(g.path, variants)
        holds = by_print.get(g.inputs) or by_print.get(g.recorded)
        if named is None:
            g.flags.append("its name names no variant of the class"
                           + (f" (it holds variant {holds}'s numbers)" if holds else ""))
        elif holds is None:
            g.flags.append(f"it holds the numbers of no variant of the class (its name names variant {named[0]})")
        elif holds != named[0]:
            g.flags.append(f"it holds variant {holds}'s numbers, not variant {named[0]}'s, which its name names")
