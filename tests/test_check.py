"""rnn-sheet check: good workbooks pass, tampered ones fail naming the cell, LibreOffice round trips
pass, unusable input exits 2 with one line. Workbooks are checked in batches (one soffice call each)."""
import copy
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from rnn_sheet.checking import recalc
from rnn_sheet.checking.check import check_many
from rnn_sheet.checking.read import xlsx_names
from rnn_sheet.cli import run as cli_run
from rnn_sheet.model.scenario import make_scenario
from rnn_sheet.sheets import build
from rnn_sheet.workbook.grid import a1
from rnn_sheet.writers.ods import write_ods
from rnn_sheet.writers.xlsx import write_xlsx

WRITERS = {"xlsx": write_xlsx, "ods": write_ods}
FORWARD = ("x_1", "h_1", "y_1", "p_1", "loss_1", "loss")


def scenarios():
    return {
        "a_hello": make_scenario("hello", use_template=False),
        "s_abcab": make_scenario("abcab", use_template=False, model="standard", hidden=2,
                                 epochs=2, clip=1.0),
        "a_last": make_scenario("banana", use_template=False, hidden=4, loss_mode="last"),
    }


def tamper(built):
    """Scale one hidden unit of step 2 by 1.5 in its formula; the cached value stays the engine's.
    Returns the tampered Book and the cell, named as reports name it ('Step 2'!F12)."""
    book = copy.deepcopy(built.book)
    block = built.layout[("h", 2)]
    cell = book.sheet(block.sheet).cells[(block.row + 1, block.col)]
    assert built.book.sheet(block.sheet).cells[(block.row + 1, block.col)].formula == cell.formula
    cell.formula = f"({cell.formula})*1.5"
    return book, block.ref(1, 0)


def tamper_xlsx_xml(path, built, key=("y", 1), i=0):
    """Edit one formula inside the written xlsx's XML (as a user's stray keystroke would)."""
    block = built.layout[key]
    sheet_no = [s.name for s in built.book.sheets].index(block.sheet) + 1
    ref = a1(block.row + i, block.col)
    member = f"xl/worksheets/sheet{sheet_no}.xml"
    with zipfile.ZipFile(path) as z:
        files = {n: z.read(n) for n in z.namelist()}
    xml, count = re.subn(rf'(<c r="{ref}"[^>]*><f>)(.*?)(</f>)', r"\1\2+1\3", files[member].decode())
    assert count == 1
    files[member] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return block.ref(i, 0)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("check")


@pytest.fixture(scope="module")
def files(folder):
    """Good and tampered workbooks in both formats, plus LibreOffice-saved copies of the good ones."""
    out, expect = {}, {}
    for key, sc in scenarios().items():
        built = build(sc)
        for fmt, write in WRITERS.items():
            out[f"{key}.{fmt}"] = path = folder / f"{key}.{fmt}"
            write(built.book, path)
            bad, cell = tamper(built)
            out[f"{key}_bad.{fmt}"] = path = folder / f"{key}_bad.{fmt}"
            write(bad, path)
            expect[f"{key}_bad.{fmt}"] = cell
        out[f"{key}_xml.xlsx"] = path = folder / f"{key}_xml.xlsx"
        write_xlsx(built.book, path)
        expect[f"{key}_xml.xlsx"] = tamper_xlsx_xml(path, built)
    # Saved by openpyxl, which stores no cached values: only the engine can be compared.
    for key, change in (("a_hello_openpyxl.xlsx", False), ("a_hello_openpyxl_bad.xlsx", True)):
        wb = openpyxl.load_workbook(out["a_hello.xlsx"])
        if change:      # h_2's first cell, one more than its formula says
            block = xlsx_names(wb)["h_2"]
            cell = wb[block.sheet].cell(block.row + 1, block.col + 1)
            cell.value = "=1+" + cell.value.lstrip("=")
        wb.save(folder / key)
        out[key] = folder / key
    # Round trip: LibreOffice opens our file and saves it in the same format (one call per format).
    for fmt in WRITERS:
        goods = [p for k, p in out.items() if k.endswith(f".{fmt}") and "_" not in k.split(".")[0][2:]]
        for path in recalc.convert(goods, folder / f"saved_{fmt}", to=fmt):
            out[f"saved_{path.name}"] = path
    return out, expect


@pytest.fixture(scope="module")
def reports(files):
    paths, _ = files
    return dict(zip(paths, check_many(list(paths.values()))))


@pytest.mark.libreoffice
def test_every_kind_of_file_was_made(files):
    paths, expect = files
    assert len([k for k in paths if k.startswith("saved_")]) == 2 * len(scenarios())
    assert len(expect) == 3 * len(scenarios())


@pytest.mark.libreoffice
@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
@pytest.mark.parametrize("key", list(scenarios()))
def test_our_workbooks_pass(reports, key, fmt):
    rep = reports[f"{key}.{fmt}"]
    assert rep.ok, "\n".join(rep.lines())
    assert rep.formulas > 100 and not rep.errors
    assert rep.max_cached_diff < 1e-9 and rep.max_engine_diff < 1e-9
    assert set(FORWARD) | {"dWxh", "Wxh_new", "loss_next"} <= set(rep.names_compared)
    assert rep.lines()[-1].startswith("OK")


@pytest.mark.libreoffice
def test_a_file_without_cached_values_is_compared_with_the_engine_only(reports):
    rep = reports["a_hello_openpyxl.xlsx"]
    assert rep.ok and rep.uncached, "\n".join(rep.lines())
    assert rep.names_compared == reports["a_hello.xlsx"].names_compared and rep.formulas == reports["a_hello.xlsx"].formulas
    lines = rep.lines()
    assert "holds no cached values" in lines[1] and lines[-1] == "OK: LibreOffice and the engine agree (no cached values to compare)"
    bad = reports["a_hello_openpyxl_bad.xlsx"]
    assert not bad.ok and bad.uncached and bad.engine_mismatches and not bad.mismatches
    assert bad.lines()[-1] == "FAILED: LibreOffice and the engine disagree"


@pytest.mark.libreoffice
@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
@pytest.mark.parametrize("key", list(scenarios()))
def test_libreoffice_round_trip_passes(reports, key, fmt):
    rep = reports[f"saved_{key}.{fmt}"]
    assert rep.ok, "\n".join(rep.lines())
    assert rep.formulas == reports[f"{key}.{fmt}"].formulas          # every formula kept
    assert rep.names_compared == reports[f"{key}.{fmt}"].names_compared   # every name kept


@pytest.mark.libreoffice
@pytest.mark.parametrize("kind", ["bad.xlsx", "bad.ods", "xml.xlsx"])
@pytest.mark.parametrize("key", list(scenarios()))
def test_tampered_workbooks_fail_and_name_the_cell(reports, files, key, kind):
    name = f"{key}_{kind}"
    rep, cell = reports[name], files[1][name]
    assert not rep.ok
    assert cell in [m[0] for m in rep.mismatches], "\n".join(rep.lines())
    assert cell in [m[0] for m in rep.engine_mismatches]
    text = "\n".join(rep.lines())
    assert cell in text and text.splitlines()[-1].startswith("FAILED")


# --- the command line --------------------------------------------------------------------------------

@pytest.mark.libreoffice
def test_cli_exit_codes(files, cli, folder):
    paths, expect = files
    good = cli("check", paths["a_hello.ods"])
    assert good.returncode == 0, good.stderr
    assert "OK" in good.stdout and not good.stderr
    bad = cli("check", paths["a_hello_bad.xlsx"])
    assert bad.returncode == 1, bad.stderr
    assert expect["a_hello_bad.xlsx"] in bad.stdout and "FAILED" in bad.stdout


def _unusable(folder):
    (folder / "notes.txt").write_text("hello")
    (folder / "fake.xlsx").write_text("not a zip")
    (folder / "fake.ods").write_bytes(b"PK\x03\x04 broken")
    wb = openpyxl.Workbook()
    wb.active["A1"] = "=1+1"
    wb.save(folder / "plain.xlsx")
    return ["missing.xlsx", "notes.txt", "fake.xlsx", "fake.ods", "plain.xlsx"]


def test_cli_unusable_input_exits_2_with_one_line(folder, cli):
    for name in _unusable(folder):
        result = cli("check", folder / name)
        assert result.returncode == 2, (name, result.stdout, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("rnn-sheet: error:"), (name, result.stderr)
        assert "Traceback" not in result.stderr


@pytest.mark.libreoffice
def test_cli_says_how_to_install_libreoffice(files, monkeypatch, capsys):
    def missing():
        raise recalc.LibreOfficeMissing(recalc.INSTALL_HINT)
    monkeypatch.setattr(recalc, "find_soffice", missing)
    with pytest.raises(SystemExit) as exit_info:
        cli_run(["check", str(files[0]["a_hello.xlsx"])])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "install" in err[0] and "libreoffice" in err[0].lower()


def test_build_writes_ods(tmp_path, cli):
    result = cli("build", "hello", "--format", "xlsx,ods", "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    assert Path(tmp_path, "hello.ods").is_file() and Path(tmp_path, "hello.xlsx").is_file()
