"""The house rules of the code, checked: every quantity a workbook places is declared once with all it
needs (where, formula, engine value, note, role); data flows one way between the layers, without
import circles; model names are compared nowhere but in the registry of cells."""
import ast
import re
from pathlib import Path

import numpy as np
import pytest

import rnn_sheet
from rnn_sheet.model import cells
from rnn_sheet.model.scenario import make_scenario
from rnn_sheet.sheets import Context, build, plan
from rnn_sheet.sheets.quantity import Quantity, Role
from rnn_sheet.workbook.book import Kind

PACKAGE = Path(rnn_sheet.__file__).resolve().parent

SCENARIOS = {
    "article": dict(word="hello", epochs=2, generate=3, clip=0.5),
    "standard": dict(word="abcab", model="standard", hidden=2, epochs=1, loss_mode="last", generate=2),
    "compact": dict(word="mississippi", model="standard", layout="compact", epochs=1),
    "compact_article": dict(word="banana", layout="compact", hidden=2, generate=2),
    "adam_sampled": dict(word="hello", epochs=2, optimizer="adam", clip=0.5, generate=3, temperature=0.5),
    "momentum_compact": dict(word="banana", layout="compact", model="standard", optimizer="momentum", epochs=2),
    "lstm": dict(word="hello", model="lstm", epochs=2, generate=3, clip=0.5, optimizer="adam", temperature=0.8),
    "gru_compact": dict(word="mississippi", model="gru", layout="compact", epochs=1, loss_mode="last", generate=2,
                        temperature=1.3,
                        optimizer="adagrad"),
    "feedforward": dict(word="abcab", model="feedforward", hidden=2, epochs=1, generate=2, optimizer="momentum"),
}


@pytest.fixture(scope="module", params=list(SCENARIOS))
def planned(request):
    sc = make_scenario(**SCENARIOS[request.param], use_template=False)
    return sc, plan(sc), Context(sc)


def test_every_placed_quantity_has_all_five(planned):
    sc, L, ctx = planned
    seen = 0
    for sheet in L.sheets:
        for key, q in sheet.quantities.items():
            seen += 1
            block = sheet.blocks[key]
            assert isinstance(q, Quantity) and key == (q, key[1])
            assert L.where[key] == block and block.sheet == sheet.name                  # where
            assert isinstance(q.role, Role)                                              # role
            if q.role in (Role.COMPUTED, Role.LINK):                                     # formula
                assert callable(q.formula), q.kind
            else:
                assert q.formula is None, q.kind
            value = np.asarray(q.value(ctx, key[1]), dtype=object)                      # engine value
            assert value.size == block.nrows * block.ncols, (q.kind, value.shape, block)
            note = q.note_for(L)                                                         # plain maths
            assert isinstance(note, str) and note.strip(), q.kind
    assert seen > 50


def test_a_kind_is_declared_once(planned):
    """One Quantity object per kind: no two declarations answer to the same name."""
    sc, L, ctx = planned
    by_kind = {}
    for key, q in L.placed.items():
        by_kind.setdefault(q.kind, set()).add(id(q))
    assert {k: len(v) for k, v in by_kind.items() if len(v) > 1} == {}


def test_formula_cells_come_from_computed_and_link_roles(planned):
    sc, L, ctx = planned
    book = build(sc).book
    by_quantity = {}
    for sheet_plan, sheet in zip(L.sheets, book.sheets):
        for key, block in sheet_plan.blocks.items():
            q = sheet_plan.quantities[key]
            by_quantity.setdefault(q, set()).update(sheet.cells[pos].kind for pos in block.positions())
    for q, kinds in by_quantity.items():
        if q.role is Role.INPUT:
            assert kinds == {Kind.INPUT}, q.kind
        elif q.role is Role.CONSTANT:
            assert kinds == {Kind.CONST}, q.kind
        else:   # formulas, and constants where the formula declares none (h_0 = 0, an uncounted loss)
            assert Kind.FORMULA in kinds and kinds <= {Kind.FORMULA, Kind.CONST}, q.kind


def test_names_point_at_placed_quantities(planned):
    sc, L, ctx = planned
    assert {"loss", "vocab", "word", "lr", "loss_next", "grad_norms"} <= set(L.names)
    for name, key in L.names.items():
        assert L.key(key) in L.placed, name
    for name in sc.cell.param_names:
        assert {name, f"d{name}", f"{name}_new"} <= set(L.names)


# --- the layers ------------------------------------------------------------------------------------

# What each part of the package may import (besides itself): data flows model -> sheets -> workbook
# -> writers -> build/cli; checking and the exercise sit beside build.
ALLOWED = {
    "model": set(),
    "workbook": set(),
    "sheets": {"model", "workbook", ""},
    "writers": {"workbook"},
    "checking": {"model", "sheets", "workbook"},
    "exercise": {"model", "workbook"},
    "build": {"model", "sheets", "writers", "checking", "exercise"},
    "cli": {"build", "model", "checking", ""},
}


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        yield ".".join(p for p in parts if p != "__init__"), path


def imports(name, path):
    """The rnn_sheet modules `name` imports, as dotted names below rnn_sheet ("" for the package)."""
    is_package = path.name == "__init__.py"
    here = name.split(".") if name else []
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = here if is_package else here[:-1]
            base = base[:len(base) - (node.level - 1)]
            target = ".".join(base + ([node.module] if node.module else []))
            names = [f"{target}.{a.name}".strip(".") for a in node.names]
            out |= {n for n in names if _exists(n)} or {target}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            mod = node.module if isinstance(node, ast.ImportFrom) else None
            for n in ([mod] if mod else [a.name for a in node.names]):
                if n == "rnn_sheet" or n.startswith("rnn_sheet."):
                    out.add(n[len("rnn_sheet."):] if n != "rnn_sheet" else "")
    return out


def _exists(dotted):
    return (PACKAGE / Path(*dotted.split("."))).with_suffix(".py").exists() or \
        (PACKAGE / Path(*dotted.split(".")) / "__init__.py").exists()


def test_imports_flow_one_way():
    wrong = []
    for name, path in modules():
        layer = name.split(".")[0]
        if layer not in ALLOWED:
            continue
        for target in imports(name, path):
            other = target.split(".")[0]
            if other != layer and other not in ALLOWED[layer]:
                wrong.append(f"{name} imports {target}")
    assert wrong == []


def test_no_import_circles():
    graph = {name: {t for t in imports(name, path) if t != name and not t.startswith(name + ".")}
             for name, path in modules()}
    circles = []

    def visit(node, stack):
        for nxt in sorted(graph.get(node, ())):
            if nxt in stack:
                circles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in done:
                visit(nxt, stack + [nxt])
        done.add(node)

    done = set()
    for name in sorted(graph):
        if name not in done:
            visit(name, [name])
    assert circles == []


def test_model_names_are_compared_only_in_the_registry():
    """Cells are objects: code asks the cell (output_bias, scalar_recurrence, ...), never its name."""
    pattern = re.compile(r"""(==|!=|\bin\b)\s*\(?\s*["'](article|standard)["']|["'](article|standard)["']\s*(==|!=)""")
    found = [f"{name}: {line.strip()}" for name, path in modules() if not name.startswith("model.cells")
             for line in path.read_text(encoding="utf-8").splitlines() if pattern.search(line)]
    assert found == []
    assert set(cells.CELLS) == {"article", "standard", "lstm", "gru", "feedforward", "relu", "gru-pytorch"}


def test_files_stay_readable():
    long = {name: n for name, path in modules() if (n := len(path.read_text().splitlines())) > 400}
    assert long == {}


def test_third_party_private_names_are_touched_in_one_module_only():
    """XlsxWriter's and odfpy's private names (obj._name) appear in writers/internals.py alone, which
    checks the installed releases against those the suite ran with (and setup.cfg bounds them)."""
    private = re.compile(r"\b(?!self\b)[a-z_]\w*\._[a-z]\w*")
    found = [f"{name}: {line.strip()}" for name, path in modules()
             if name.startswith("writers.") and name != "writers.internals"
             for line in path.read_text(encoding="utf-8").splitlines()
             if private.search(line.split("#")[0]) and '"""' not in line]
    assert found == []
    from rnn_sheet.writers import internals
    with pytest.warns(RuntimeWarning, match="XlsxWriter .* is not a release rnn-sheet was tested with"):
        saved = dict(internals.TESTED)
        try:
            internals.TESTED["XlsxWriter"] = ((0, 1), (0, 2))
            internals.check_versions()
        finally:
            internals.TESTED.update(saved)
