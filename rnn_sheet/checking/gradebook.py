"""The gradebook `rnn-sheet grade --csv` writes: a row per file, a column per block."""
import csv
import io

from .grade import Graded, by_step

COLUMNS = ["file", "blocks_right", "blocks_total", "score", "typed_numbers", "wrong", "carried", "flags",
           "notes", "reason"]


def csv_text(results):
    """One row per file: file, blocks_right, blocks_total, score (right / total), typed_numbers,
    wrong (each wrong block and why), carried, flags, notes (warnings), reason (why a file could not
    be graded), then 1 or 0 per block. Written with a BOM (cli), so that Excel reads it as UTF-8."""
    labels = list(dict.fromkeys(m.label for r in results if isinstance(r, Graded) for m in r.blocks))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([*COLUMNS, *map(_safe, labels)])        # labels hold the student's sheet names
    for r in results:
        if isinstance(r, Graded):
            marks = {m.label: m.right for m in r.blocks}
            notes = [text for text in (r.warning(), r.note) if text]
            row = [r.path, r.right, r.total, f"{r.right / r.total:.4f}", r.typed,
                   by_step([f"{m.label} ({m.why})" for m in r.blocks if not m.right]),
                   by_step([m.label for m in r.blocks if m.carried]), "; ".join(r.flags),
                   "; ".join(notes), "", *("" if lb not in marks else int(marks[lb]) for lb in labels)]
        else:
            row = [r.path, "", "", "", "", "", "", "", "", r.reason, *([""] * len(labels))]
        w.writerow([_safe(v) if isinstance(v, str) else v for v in row])
    return buf.getvalue()


def _safe(text):
    """A file or sheet name is text: one a spreadsheet would read as a formula gets a leading
    apostrophe."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
