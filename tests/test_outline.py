"""Detail that folds away: the matrix copies, intermediate products and per-step contributions of the
Step and Back sheets sit in outline row groups (expanded), in .xlsx and .ods alike; folded, a sheet
keeps its band titles and its equations' results. Read back from the files."""
import re
import xml.etree.ElementTree as ET
import zipfile

import openpyxl
import pytest

from rnn_sheet.model.scenario import make_scenario
from rnn_sheet.sheets import build
from rnn_sheet.sheets.quantity import Role
from rnn_sheet.writers.ods import write_ods
from rnn_sheet.writers.xlsx import write_xlsx

T_NS = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
# Per cell: what a folded Step and Back sheet still shows, and what folds away besides the matrix
# copies, each step's gradient contributions (d..._t) and dh_next.
MODELS = {
    "article": dict(word="hello"),
    "standard": dict(word="abcab", model="standard", hidden=2, use_template=False),
    "lstm": dict(word="abcab", model="lstm", hidden=2, use_template=False),
    "gru": dict(word="abcab", model="gru", hidden=2, use_template=False),
    "feedforward": dict(word="abcab", model="feedforward", hidden=2, use_template=False),
}
RESULTS = {"forward": {"h", "y", "p", "loss_t"}, "backward": {"dy", "dh"}}
OWN_RESULTS = {"article": ({"a"}, {"da"}), "standard": ({"a"}, {"da"}), "feedforward": ({"a"}, {"da"}),
               "lstm": ({"c", "i", "f", "o", "g"}, {"dc"}), "gru": ({"z", "r", "n"}, set())}
DETAIL = {"article": {"wx", "wh"}, "standard": {"wx", "wh"}, "feedforward": {"wx"},
          "lstm": {"x", "h_prev", "c_prev", "dc_next"}, "gru": {"x", "h_prev", "rh"}}


def xlsx_groups(path):
    """{sheet: set of 0-based rows at outline level 1}, and whether summary rows sit above."""
    wb = openpyxl.load_workbook(path)
    rows = {ws.title: {r - 1 for r, d in ws.row_dimensions.items() if d.outline_level == 1}
            for ws in wb.worksheets}
    above = {ws.title: ws.sheet_properties.outlinePr is not None and
             ws.sheet_properties.outlinePr.summaryBelow is False for ws in wb.worksheets}
    return rows, above


def ods_groups(path):
    """{sheet: set of 0-based rows inside a table:table-row-group}, and whether any is folded."""
    root = ET.fromstring(zipfile.ZipFile(path).read("content.xml"))
    out, folded = {}, False
    for tbl in root.iter(T_NS + "table"):
        grouped, row = set(), 0

        def walk(el, inside):
            nonlocal row, folded
            for child in el:
                if child.tag == T_NS + "table-row-group":
                    folded |= child.get(T_NS + "display") == "false"
                    walk(child, True)
                elif child.tag == T_NS + "table-row":
                    n = int(child.get(T_NS + "number-rows-repeated", "1"))
                    if inside:
                        grouped.update(range(row, row + n))
                    row += n
        walk(tbl, False)
        out[tbl.get(T_NS + "name")] = grouped
    return out, folded


@pytest.fixture(scope="module", params=list(MODELS))
def written(request, tmp_path_factory):
    built = build(make_scenario(**MODELS[request.param]))
    folder = tmp_path_factory.mktemp("outline")
    write_xlsx(built.book, folder / "w.xlsx")
    if request.param in ("article", "lstm"):       # the writer knows no cells: two suffice
        write_ods(built.book, folder / "w.ods")
    return request.param, built, folder


def test_xlsx_and_ods_hold_the_same_groups_expanded(written):
    _, built, folder = written
    xlsx, above = xlsx_groups(folder / "w.xlsx")
    ods, folded = ods_groups(folder / "w.ods") if (folder / "w.ods").exists() else (xlsx, False)
    assert not folded
    for sheet in built.book.sheets:
        want = {r for a, b in sheet.outline for r in range(a, b + 1)}
        assert xlsx[sheet.name] == ods[sheet.name] == want, sheet.name
        assert bool(want) == sheet.name.startswith(("Step ", "Back ")), sheet.name
        assert above[sheet.name] == bool(want)


def test_folded_sheets_keep_titles_and_results_and_hide_the_detail(written):
    model, built, folder = written
    grouped, _ = xlsx_groups(folder / "w.xlsx")
    L = built.layout
    for plan_sheet, sheet in zip(L.sheets, built.book.sheets):
        if not sheet.outline:
            continue
        hidden = grouped[sheet.name]
        titles = [r for (r, c), cell in sheet.cells.items() if cell.style in ("band", "title")]
        assert titles and not hidden & set(titles)
        for first, _ in sheet.outline:      # the summary row above each group is a band title
            assert sheet.cells[(first - 1, 0)].style == "band"
        rows = {key: {b.row + i for i in range(b.nrows)} for key, b in plan_sheet.blocks.items()}
        forward = plan_sheet.kind == "forward"
        want = RESULTS[plan_sheet.kind] | OWN_RESULTS[model][0 if forward else 1]
        results = {key for key in rows if key[0].kind in want or (not forward and key[0].kind.startswith("da"))}
        assert want <= {q.kind for q, _ in results}, (sheet.name, want)
        for key in results:
            assert not rows[key] & hidden, (sheet.name, key)
        beside_results = set().union(*(rows[key] for key in results))
        for key, q in plan_sheet.quantities.items():
            # A matrix copy folds away unless it shares its band with a result (Why beside y_t, dh_t;
            # a gate's weights beside the gate, or on the line above it where the band wraps).
            band = next((set(range(a, b + 1)) for a, b in sheet.bands if min(rows[key]) in range(a, b + 1)), rows[key])
            copy = q.role is Role.LINK and q.copy_of and not band & beside_results
            contribution = not forward and re.fullmatch(r"d\w+_t", key[0].kind)
            if key[0].kind in DETAIL[model] | {"dh_next"} or copy or contribution:
                assert rows[key] <= hidden, (sheet.name, key)
