"""Every cell with every feature builds without an exception (a crash is a release blocker).

Each cell runs four builds that between them cover greedy and sampled generation, the exercise and
its answer key, compact and detailed layouts, `--loss last`, every optimizer, clipping, training
epochs and both formats; each feature meets most others in at least one build. The word is short
and the fast tier builds one of the four per cell (a different one for each, in turn), the slow tier
all of them. A cell added to the registry is covered without a line here."""
import pytest

from rnn_sheet.cli import run as cli_run
from rnn_sheet.model import cells
from rnn_sheet.model.optimizers import OPTIMIZERS

WORD = "abcab"
FEATURES = [
    # (generation, layout/exercise, loss/clip, optimizer, epochs, format)
    ["--generate", "3", "--temperature", "1.3", "--layout", "compact", "--exercise", "--clip", "0.5",
     "--optimizer", "momentum", "--epochs", "2", "--format", "all"],
    ["--generate", "3", "--layout", "detailed", "--loss", "last", "--optimizer", "adam", "--epochs", "1",
     "--format", "ods"],
    ["--generate", "2", "--temperature", "0.7", "--layout", "detailed", "--exercise", "f1,b2", "--loss", "last",
     "--clip", "0.1", "--optimizer", "adagrad", "--epochs", "3", "--format", "xlsx"],
    ["--generate", "2", "--layout", "compact", "--optimizer", "sgd", "--format", "xlsx"],
]


def test_the_builds_cover_every_optimizer():
    named = {args[args.index("--optimizer") + 1] for args in FEATURES}
    assert named == set(OPTIMIZERS)


def _cases():
    for k, model in enumerate(sorted(cells.CELLS)):
        for features in range(len(FEATURES)):
            slow = () if features == k % len(FEATURES) else (pytest.mark.slow,)
            yield pytest.param(model, features, marks=slow, id=f"{model}-{features}")


@pytest.mark.parametrize("model,features", list(_cases()))
def test_every_cell_builds_with_every_feature(tmp_path, capsys, model, features):
    args = ["build", WORD, "--model", model, "--hidden", "2", "--out", str(tmp_path), *FEATURES[features]]
    cli_run(args)       # an error would exit (SystemExit), a crash raise: either fails the test
    written = sorted(p.name for p in tmp_path.iterdir())
    fmt = FEATURES[features][-1]
    exts = ("xlsx", "ods") if fmt == "all" else (fmt,)
    stems = ("abcab-exercise", "abcab-answers") if "--exercise" in FEATURES[features] else ("abcab",)
    assert written == sorted(f"{s}.{e}" for s in stems for e in exts)
    assert "Traceback" not in capsys.readouterr().err
