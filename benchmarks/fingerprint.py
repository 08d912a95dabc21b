"""Fingerprints of varied workbooks: did a change of the code change any workbook?

    python benchmarks/fingerprint.py record     # write benchmarks/fingerprints.json
    python benchmarks/fingerprint.py compare    # build again and compare (exit 1 on a difference)
    python benchmarks/fingerprint.py compare --dump DIR   # also write each file's readable dump

Each build runs through the command line, as a user would, into a temporary folder. A workbook's
fingerprint is the SHA-256 of its bytes (builds are byte-deterministic) and of a readable dump made
by reading the file back: sheet order; every cell's formula, cached value and style (fill, number
format, font, border); notes; outline groups; merged ranges; conditional formats; charts' ranges;
defined names. The
bytes say whether anything changed; the dump, where.
"""
import argparse
import contextlib
import hashlib
import io
import json
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STORE = Path(__file__).with_name("fingerprints.json")

LONG = "recurrent networks read letters one at a time, and remember"      # 60 letters: auto compact
BUILDS = {
    "hello": ["hello"],
    "hello_ods": ["hello", "--format", "ods"],
    "hello_std": ["hello", "--model", "standard", "--hidden", "4", "--seed", "3"],
    "hello_last_epochs": ["hello", "--loss", "last", "--epochs", "3"],
    "abcab_std_last_clip": ["abcab", "--model", "standard", "--hidden", "3", "--loss", "last",
                            "--epochs", "4", "--clip", "0.5", "--seed", "2"],
    "miss_gen": ["mississippi", "--hidden", "5", "--epochs", "2", "--generate", "5", "--start", "s"],
    "miss_gen_ods": ["mississippi", "--model", "standard", "--hidden", "2", "--epochs", "2",
                     "--generate", "4", "--start", "i", "--format", "ods"],
    "vanishing": ["vanishing"],
    "exploding": ["exploding", "--format", "xlsx,ods"],
    "hello_train_gen": ["hello", "--epochs", "50", "--generate", "8", "--start", "h"],
    "hostile": ['=1+1 "hi" @x', "--model", "standard", "--hidden", "2", "--epochs", "1"],
    "unicode": ["héllo 你好🙂", "--epochs", "1", "--generate", "3", "--format", "all"],
    "compact_std": ["the quick brown fox", "--layout", "compact", "--model", "standard", "--hidden", "3",
                    "--epochs", "2", "--clip", "0.1", "--generate", "3"],
    "compact_auto": [LONG, "--model", "standard", "--hidden", "16"],
    "detailed_article_clip": ["hello", "--no-template", "--seed", "7", "--clip", "0.05", "--lr", "0.5",
                              "--epochs", "2"],
    "exercise": ["hello", "--exercise", "--epochs", "2"],
    "exercise_compact_ods": ["mississippi", "--exercise", "f1,b3,b10", "--layout", "compact",
                             "--model", "standard", "--format", "all"],
    "weights_file": ["abcab", "--hidden", "1", "--weights", "{weights}", "--epochs", "1"],
    "hello_world_adam": ["hello-world"],
    "sampled_momentum": ["mississippi", "--model", "standard", "--hidden", "3", "--epochs", "2", "--optimizer",
                         "momentum", "--momentum", "0.5", "--generate", "5", "--temperature", "0.8",
                         "--format", "xlsx,ods"],
    "adagrad_compact_clip": ["the quick brown fox", "--layout", "compact", "--optimizer", "adagrad", "--clip", "0.5",
                             "--epochs", "2"],
}
WEIGHTS = {"Wxh": [[0.1, 0.2, 0.3]], "Whh": 0.5, "bh": -0.2, "Why": [[1.0], [-1.0], [0.5]]}


def build_all(folder):
    """Run every build; returns {file name: path} of what was written."""
    sys.path.insert(0, str(ROOT))
    from rnn_sheet.cli import run
    weights = Path(folder, "w.json")
    weights.write_text(json.dumps(WEIGHTS))
    out = {}
    for key, args in BUILDS.items():
        dest = Path(folder, key)
        args = [a.replace("{weights}", str(weights)) for a in args]
        with contextlib.redirect_stdout(io.StringIO()):
            run(["build", *args, "--out", str(dest)])
        out.update({f"{key}/{p.name}": p for p in sorted(dest.iterdir())})
    return out


def _font(c):
    f = c.font
    return [f.b, f.i, f.sz, f.color.rgb if f.color is not None else None]


def dump_xlsx(path):
    import openpyxl
    wf = openpyxl.load_workbook(path)
    wv = openpyxl.load_workbook(path, data_only=True)
    lines = [f"sheets {wf.sheetnames}"]
    for ws in wf.worksheets:
        vs = wv[ws.title]
        lines.append(f"== {ws.title} freeze={ws.freeze_panes} print={ws.print_area} "
                     f"breaks={[b.id for b in ws.row_breaks.brk]} tab={ws.sheet_properties.tabColor.rgb if ws.sheet_properties.tabColor else None}")
        grouped = _outline(ws)
        if grouped:
            lines.append(f"outline rows {grouped}")
        for row in ws.iter_rows():
            for c in row:
                if c.value is None and not c.has_style:
                    continue
                cached = vs[c.coordinate].value
                style = [c.fill.fgColor.rgb, c.number_format, _font(c), c.border.left.style, c.alignment.horizontal]
                note = c.comment.text if c.comment else None
                lines.append(f"{c.coordinate}\t{c.data_type}\t{c.value!r}\t{cached!r}\t{style}\t{note!r}")
        lines.append(f"merged {sorted(str(m) for m in ws.merged_cells.ranges)}")
        for cf in ws.conditional_formatting:
            r = cf.rules[0]
            lines.append(f"cf {cf.sqref} {[(v.type, v.val) for v in r.colorScale.cfvo]}")
        for ch in ws._charts:
            s = ch.series[0]
            cat = s.cat.numRef or s.cat.strRef
            lines.append(f"chart {ch.tagname} {s.val.numRef.f} {cat.f} {ch.anchor._from.row},{ch.anchor._from.col}")
    for name, dn in sorted(wf.defined_names.items()):
        lines.append(f"name {name} {dn.attr_text}")
    return lines


def _outline(ws):
    """Row groups as (first, last, level) runs of 1-based rows."""
    runs = []
    for r in sorted(ws.row_dimensions):
        level = ws.row_dimensions[r].outline_level
        if not level:
            continue
        if runs and runs[-1][1] == r - 1 and runs[-1][2] == level:
            runs[-1][1] = r
        else:
            runs.append([r, r, level])
    return [tuple(x) for x in runs]


def dump_ods(path):
    with zipfile.ZipFile(path) as z:
        return [f"{n}\t{hashlib.sha256(z.read(n)).hexdigest()}" for n in sorted(z.namelist())] + \
               z.read("content.xml").decode().replace("><", ">\n<").splitlines()


def fingerprints(folder, dump_dir=None):
    out = {}
    for name, path in build_all(folder).items():
        lines = dump_xlsx(path) if path.suffix == ".xlsx" else dump_ods(path)
        text = "\n".join(lines)
        if dump_dir:
            target = Path(dump_dir, name.replace("/", "__") + ".txt")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        out[name] = {"bytes": hashlib.sha256(path.read_bytes()).hexdigest(),
                     "content": hashlib.sha256(text.encode()).hexdigest(),
                     "cells": sum(1 for line in lines if "\t" in line)}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=["record", "compare"])
    ap.add_argument("--dump", help="write each workbook's readable dump into this folder")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        now = fingerprints(tmp, a.dump)
    if a.action == "record":
        STORE.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n")
        print(f"recorded {len(now)} workbooks in {STORE.relative_to(ROOT)}")
        return
    then = json.loads(STORE.read_text())
    changed = 0
    for name in sorted(set(then) | set(now)):
        a_, b_ = then.get(name), now.get(name)
        if a_ == b_:
            continue
        changed += 1
        what = ("new" if a_ is None else "gone" if b_ is None else
                "content differs" if a_["content"] != b_["content"] else "bytes differ, content same")
        print(f"{name}: {what}")
    print(f"{len(now)} workbooks, {changed} changed")
    sys.exit(1 if changed else 0)


if __name__ == "__main__":
    main()
