"""The rnn-sheet command: argument parsing and messages only."""
import contextlib
import math
import signal
import sys
import time
from pathlib import Path

import click

from . import __version__
from . import build as building
from .model import cells
from .model.optimizers import DEFAULT as DEFAULT_OPTIMIZER, OPTIMIZERS
from .model.scenario import InputError, list_templates
from .model.text import smoothed
from .model.textinput import make_any_scenario


PROGRESS_AFTER = 1.0       # seconds: quicker builds show no bar


class LazyBar:
    """A progress bar for builds that take more than PROGRESS_AFTER seconds, shown only on a
    terminal. Called as progress(done, total) by the builder and the writers."""

    def __init__(self, label, started):
        self.label, self.started, self.after = label, started, PROGRESS_AFTER
        self.bar = None
        self.enabled = sys.stdout.isatty()

    def __call__(self, done, total):
        if self.bar is None:
            if not self.enabled or time.monotonic() - self.started < self.after:
                return
            self.bar = click.progressbar(length=total, label=self.label)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rnn-sheet")
def main():
    """Build spreadsheets of live formulas that teach recurrent neural networks."""


@main.command()
@click.argument("word", required=False)
@click.option("--text", "text_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Train on a UTF-8 text file instead of WORD, chunk by chunk as min-char-rnn does.")
@click.option("--seq-length", type=int, help="With --text: letters per chunk (default 25).")
@click.option("--iterations", type=int, help="With --text: chunks trained on, one update each (default 100).")
@click.option("--vocab", help="Vocabulary characters, in order (default: the word's distinct letters).")
@click.option("--hidden", type=int, help="Hidden size, 1..64 (default 3).")
@click.option("--model", type=click.Choice(list(cells.CELLS)),
              help=f"The network cell (default {cells.DEFAULT}): " + "; ".join(
                  f"{c.name}: {c.summary.removeprefix(c.name + ': ')}" for c in cells.CELLS.values()) + ".")
@click.option("--seed", type=int, help="Seed for random weights (default 0).")
@click.option("--weights", type=click.Path(dir_okay=False), help="JSON file with the weights.")
@click.option("--lr", type=float, help="Learning rate of the update (default 0.1).")
@click.option("--optimizer", type=click.Choice(list(OPTIMIZERS)),
              help=f"The update rule (default {DEFAULT_OPTIMIZER}): " + "; ".join(
                  f"{o.name}: {o.summary}" for o in OPTIMIZERS.values()) + ".")
@click.option("--momentum", type=float, help="μ of --optimizer momentum, 0 <= MU < 1 (default 0.9).")
@click.option("--epochs", type=int, help="Training epochs shown on a Training sheet (default 0).")
@click.option("--clip", type=float, help="Clip every gradient entry to [-CLIP, CLIP] before updates.")
@click.option("--loss", "loss_mode", type=click.Choice(["all", "last"]),
              help="all: every step's prediction counts (default); last: only the final one.")
@click.option("--generate", type=int, help="Add a Generate sheet writing N letters, greedily unless --temperature (default 0).")
@click.option("--start", help="The letter generation starts from (default: the word's first).")
@click.option("--temperature", type=float,
              help="With --generate: draw each letter from softmax(y / T) instead of taking the most probable.")
@click.option("--layout", type=click.Choice(["auto", "detailed", "compact"]),
              help="detailed: every step sheet shows its matrices and gradient contributions; compact: "
                   "vectors only (auto: compact for big inputs).")
@click.option("--format", "fmt", default="xlsx", show_default=True, help="xlsx, ods, xlsx,ods or all.")
@click.option("--out", type=click.Path(), help="Output file or folder (default output/WORD.FORMAT, WORD followed by the settings that "
                   "differ from its template's, as output/hello-feedforward.xlsx).")
@click.option("--no-template", is_flag=True, help="Ignore templates/WORD.toml even if it exists.")
@click.option("--exercise", is_flag=False, flag_value="", default=None, metavar="[STEPS]",
              help="Write NAME-exercise and NAME-answers instead: STEPS (e.g. f2,b4; default f2 and the "
                   "last Back step) left blank to fill in.")
@click.option("--variants", type=int, metavar="N",
              help="With --exercise: a class set of N exercises (1..200), variant k with random weights "
                   "from --seed + k, and NAME-variants.csv listing them.")
@click.option("--pdf", is_flag=True, help="Also print each workbook to PDF with LibreOffice.")
def build(word, text_file, seq_length, iterations, vocab, hidden, model, seed, weights, lr, optimizer, momentum,
          epochs, clip, loss_mode, generate, start, temperature, layout, fmt, out, no_template, exercise, variants,
          pdf):
    """Build the workbook for WORD (or for the template named WORD), or for --text FILE."""
    formats = building.parse_formats(fmt)
    if variants is not None:
        building.check_variants(variants, exercise, weights, out)
    sc = make_any_scenario(word, text_file=text_file, seq_length=seq_length, iterations=iterations, vocab=vocab,
                           hidden=hidden, model=model, seed=seed, weights=weights, lr=lr, epochs=epochs, clip=clip,
                           loss_mode=loss_mode, generate=generate, start=start, layout=layout, optimizer=optimizer,
                           momentum=momentum, temperature=temperature, use_template=not no_template)
    if pdf:
        building.require_libreoffice()
    if variants is not None:
        return class_set(sc, formats, out, exercise, variants, building.first_seed(sc, seed), pdf, text_file)
    paths = building.output_paths(building.default_stem(sc, no_template, out, text_file), formats, out)
    started = time.monotonic()
    with LazyBar("building", started) as bar:
        built = building.build(sc, progress=bar)
    jobs = building.jobs(built, formats, paths, exercise)
    with building.Staged() as staged:       # every file of the build, or none
        for job in jobs:
            with LazyBar(f"writing {job.path.name}", started) as bar:
                building.write(job, staged, progress=bar)
    for job in jobs:
        click.echo(f"wrote {job.path}")
    if pdf:
        for written in building.export_pdf([job.path for job in jobs]):
            click.echo(f"wrote {written}")
    click.echo(f"total loss {built.loss:.6f}")
    if sc.text is not None:
        losses = [r.fwd.loss for r in built.context.records[:sc.epochs]]
        click.echo(f"iteration {sc.epochs - 1}: loss {losses[-1]:.6f}, smooth loss "
                   f"{smoothed(losses, sc.V, sc.seq_length)[-1]:.6f}")


def class_set(sc, formats, out, exercise, n, seed, pdf, text_file=None):
    variants = f"{n} variant{'s' if n > 1 else ''}"
    with LazyBar(f"building {variants}", time.monotonic()) as bar:
        written = building.write_class_set(sc, formats, out, exercise, n, seed, progress=bar, text_file=text_file)
    for path in written:
        click.echo(f"wrote {path}")
    if pdf:
        for path in building.export_pdf([p for p in written if p.suffix != ".csv"]):
            click.echo(f"wrote {path}")
    click.echo(f"{variants}, seeds {seed + 1} to {seed + n}")


@main.command()
def templates():
    """List the scenario templates."""
    for name, description in list_templates().items():
        click.echo(f"{name:12} {description}")


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--tol", type=float, default=1e-9, show_default=True,
              help="Largest difference allowed (absolute below 1, relative above).")
@click.option("--engine", type=click.Choice(["libreoffice", "gnumeric", "formulas"]), default="libreoffice",
              show_default=True,
              help="The program that recomputes: Gnumeric is stricter about arrays in a plain cell, as "
                   "older Excel is; formulas (the Python package) computes as Excel does, with no office "
                   "suite (.xlsx only; pip install 'rnn-sheet[formulas]').")
def check(file, tol, engine):
    """Recompute FILE (.xlsx or .ods) with LibreOffice (or Gnumeric, or the formulas package); compare
    with its cached values and the engine.

    Exit status 0 when everything agrees, 1 when something does not, 2 when FILE cannot be checked."""
    _require_tolerance(tol)
    from .checking.check import check as check_workbook      # openpyxl and friends: only for this command
    report = check_workbook(file, tol, engine)
    for line in report.lines():
        click.echo(line)
    sys.exit(0 if report.ok else 1)


@main.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option("--csv", "csv_path", metavar="PATH", help="Also write the marks as CSV, one row per file.")
@click.option("--tol", type=float, default=1e-4, show_default=True,
              help="Largest difference from the engine a right cell may have.")
@click.option("--class", "class_csv", metavar="CSV",
              help="The class set's NAME-variants.csv: flag a file holding another variant's numbers than "
                   "the one its name names.")
def grade(files, csv_path, tol, class_csv):
    """Mark filled-in exercises (.xlsx or .ods): LibreOffice recomputes them, and each blank block is
    compared with the engine run on the file's own inputs and with the answer key's formulas on the
    student's own work (a mistake is carried forward: it costs one block).

    Exit status 0 when every file was graded, 2 when one could not be (named on stderr)."""
    from .checking.copies import read_class      # openpyxl: only for this command
    from .checking.grade import Graded, grade_many
    from .checking.gradebook import csv_text
    _require_tolerance(tol)
    if csv_path:
        _require_gradebook_path(csv_path, files)
    results = grade_many(files, tol, read_class(class_csv) if class_csv else None)
    for result in results:
        if isinstance(result, Graded):
            click.echo(result.line())
        else:
            click.echo(f"rnn-sheet: error: {result.line()}", err=True)
    if csv_path:
        text = csv_text(results)
        building.write_atomically(csv_path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8-sig"))
        click.echo(f"wrote {csv_path}")
    sys.exit(0 if all(isinstance(r, Graded) for r in results) else 2)


class Terminated(BaseException):
    """SIGTERM, raised where the program is (as Ctrl-C raises KeyboardInterrupt), so that what is
    being written is removed on the way out. A BaseException: no `except Exception` stops it."""


def _terminate(signum, frame):
    raise Terminated()


@contextlib.contextmanager
def _sigterm_raises():
    try:
        previous = signal.signal(signal.SIGTERM, _terminate)
    except ValueError:          # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _require_gradebook_path(csv_path, files):
    """--csv names the gradebook: never a workbook, and never one of the files being graded (a slip
    of the shell, `grade --csv sub.xlsx other.xlsx`, would write marks over a submission)."""
    if Path(csv_path).suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods"):
        raise InputError(f"--csv {csv_path} names a workbook; the gradebook is a .csv file (--csv marks.csv)")
    target = Path(csv_path).resolve()
    for f in files:
        if Path(f).resolve() == target or target.exists() and Path(f).exists() and Path(f).samefile(target):
            raise InputError(f"--csv {csv_path} is one of the files to grade; give the gradebook a name of its own")


def _require_tolerance(tol):
    """--tol of check and grade: NaN would pass every difference, 0 or less fail every one."""
    if not (math.isfinite(tol) and tol > 0):
        raise InputError(f"--tol must be a positive number (got {tol!r})")


def run(argv=None):
    """Entry point: one line on stderr and exit 2 for any bad input, never a traceback."""
    try:
        with _sigterm_raises():
            main.main(args=argv, prog_name="rnn-sheet", standalone_mode=False)
    except Terminated:
        click.echo("rnn-sheet: stopped (SIGTERM)", err=True)
        sys.exit(128 + signal.SIGTERM)
    except InputError as e:
        click.echo(f"rnn-sheet: error: {e}", err=True)
        sys.exit(2)
    except click.UsageError as e:
        click.echo(f"rnn-sheet: error: {e.format_message()}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("rnn-sheet: aborted", err=True)
        sys.exit(1)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)


if __name__ == "__main__":     # python -m rnn_sheet.cli, as the installed rnn-sheet
    run()
