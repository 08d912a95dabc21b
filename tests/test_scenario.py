"""Input validation: templates, flags over templates, weights JSON, word and vocabulary checks."""
import json
import math
import tomllib

import numpy as np
import pytest

from rnn_sheet.model import cells
from rnn_sheet.model import scenario as scenario_module
from rnn_sheet.model.scenario import (InputError, find_template, list_templates, make_scenario,
                                      parse_weights, read_template)


def init_params(model, V, H, seed):
    return cells.get(model).init(V, H, seed)


def hello_toml():
    return tomllib.loads(find_template("hello").read_text(encoding="utf-8"))


# --- templates ------------------------------------------------------------------------------------

def test_hello_template_is_found_and_listed():
    path = find_template("hello")
    assert path is not None and path.name == "hello.toml"
    listed = list_templates()
    assert "hello" in listed
    assert listed["hello"] == hello_toml()["description"] != ""
    assert find_template("no-such-template-xyz") is None


def test_hello_template_values_are_used():
    tpl = hello_toml()
    sc = make_scenario("hello")
    assert sc.template == "hello"
    assert (sc.word, sc.vocab, sc.hidden, sc.model, sc.lr) == (
        tpl["word"], tpl["vocab"], tpl["hidden"], tpl["model"], tpl["lr"])
    assert sc.description == tpl["description"]
    np.testing.assert_array_equal(sc.params.Wxh, np.array(tpl["weights"]["Wxh"]))
    np.testing.assert_array_equal(sc.params.Why, np.array(tpl["weights"]["Why"]))
    assert float(sc.params.Whh) == tpl["weights"]["Whh"]
    assert float(sc.params.bh) == tpl["weights"]["bh"]
    assert "by" not in sc.params and sc.cell is cells.get("article")
    assert sc.seed is None                      # weights came from the template, not a seed
    assert sc.T == len(tpl["word"]) - 1
    assert [sc.vocab[i] for i in sc.inputs] == list(tpl["word"][:-1])
    assert [sc.vocab[i] for i in sc.targets] == list(tpl["word"][1:])


def test_flags_override_template_values():
    tpl = hello_toml()
    sc = make_scenario("hello", lr=0.5, epochs=3, clip=1.0, loss_mode="last")
    assert (sc.lr, sc.epochs, sc.clip, sc.loss_mode) == (0.5, 3, 1.0, "last")
    np.testing.assert_array_equal(sc.params.Wxh, np.array(tpl["weights"]["Wxh"]))   # weights still fit

    sc = make_scenario("hello", hidden=2)
    assert sc.hidden == 2 and sc.params.Wxh.shape == (2, 4)
    np.testing.assert_array_equal(sc.params.Wxh, init_params("article", 4, 2, 0).Wxh)

    sc = make_scenario("hello", model="standard", seed=5)
    assert sc.model == "standard" and sc.params.Whh.shape == (3, 3) and sc.params.by.shape == (4,)
    np.testing.assert_array_equal(sc.params.Why, init_params("standard", 4, 3, 5).Why)

    sc = make_scenario("hello", vocab="oleh")
    assert sc.vocab == "oleh"
    assert not np.array_equal(sc.params.Wxh, np.array(tpl["weights"]["Wxh"]))


def test_no_template_ignores_the_template():
    sc = make_scenario("hello", use_template=False)
    assert sc.template is None and sc.word == "hello" and sc.vocab == "helo"
    np.testing.assert_array_equal(sc.params.Wxh, init_params("article", 4, 3, 0).Wxh)


def test_defaults_for_a_plain_word():
    sc = make_scenario("abcab")
    assert (sc.vocab, sc.hidden, sc.model, sc.lr, sc.epochs, sc.clip, sc.loss_mode, sc.seed) == (
        "abc", 3, "article", 0.1, 0, None, "all", 0)
    assert sc.inputs == [0, 1, 2, 0] and sc.targets == [1, 2, 0, 1]


def test_read_template_errors(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('word = "hello"\nhidden = \n', encoding="utf-8")
    with pytest.raises(InputError, match="not valid TOML"):
        read_template(bad)
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('word = "hello"\nhiden = 3\n', encoding="utf-8")
    with pytest.raises(InputError, match="unknown key 'hiden'"):
        read_template(unknown)
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"word = \"\xff\xfe\"\n")
    with pytest.raises(InputError, match="cannot read template"):
        read_template(binary)
    with pytest.raises(InputError, match="cannot read template"):
        read_template(tmp_path / "missing.toml")
    good = tmp_path / "good.toml"
    good.write_text('description = "d"\nword = "abc"\nhidden = 2\n', encoding="utf-8")
    assert read_template(good) == {"description": "d", "word": "abc", "hidden": 2}


@pytest.fixture
def template_dir(tmp_path, monkeypatch):
    """Templates in a tmp folder instead of the repository's templates/."""
    monkeypatch.setattr(scenario_module, "template_dirs", lambda: [tmp_path])
    return tmp_path


def test_template_from_another_folder(template_dir):
    (template_dir / "tiny.toml").write_text(
        'description = "tiny"\nword = "abab"\nhidden = 1\nmodel = "standard"\nlr = 0.25\n'
        '[weights]\nWxh = [[0.1, 0.2]]\nWhh = [[0.3]]\nbh = [0.4]\nWhy = [[0.5], [0.6]]\nby = [0.7, 0.8]\n',
        encoding="utf-8")
    assert list_templates() == {"tiny": "tiny"}
    sc = make_scenario("tiny")
    assert (sc.template, sc.word, sc.vocab, sc.hidden, sc.model, sc.lr) == ("tiny", "abab", "ab", 1, "standard", 0.25)
    np.testing.assert_array_equal(sc.params.by, [0.7, 0.8])


@pytest.mark.parametrize("body,words", [
    ('word = "abab"\nhidden = "three"\n', ["hidden", "three"]),
    ('word = "abab"\nmodel = "transformer"\n', ["model", "transformer"]),
    ('word = "abab"\nvocab = "a"\n', ["'b'", "vocabulary"]),
    ('word = "abab"\nhidden = 1\n[weights]\nWxh = [[0.1, 0.2]]\nWhh = 0.3\nbh = 0.4\nWhy = [[0.5]]\n',
     ["Why", "a list of 2 rows of 1 numbers"]),
])
def test_malformed_template_values(template_dir, body, words):
    (template_dir / "broken.toml").write_text(body, encoding="utf-8")
    with pytest.raises(InputError) as e:
        make_scenario("broken")
    for w in words:
        assert w in str(e.value)
    assert "\n" not in str(e.value)


# --- weights JSON ---------------------------------------------------------------------------------

def article_weights(V=4, H=3):
    return {"Wxh": [[0.1 * (i + j) for j in range(V)] for i in range(H)], "Whh": 0.4, "bh": 0.5,
            "Why": [[0.2 * (i - j) for j in range(H)] for i in range(V)]}


def standard_weights(V=4, H=3):
    w = article_weights(V, H)
    w["Whh"] = [[0.01 * (i * H + j) for j in range(H)] for i in range(H)]
    w["bh"] = [0.1] * H
    w["by"] = [-0.1] * V
    return w


def test_weights_are_parsed():
    P = parse_weights(article_weights(), cells.get("article"), 4, 3)
    assert P.Wxh.shape == (3, 4) and P.Why.shape == (4, 3) and P.Whh.shape == () and "by" not in P
    assert P.cell is cells.get("article")
    assert P.Wxh[2, 3] == pytest.approx(0.5)
    P = parse_weights(standard_weights(), cells.get("standard"), 4, 3)
    assert P.cell is cells.get("standard")
    assert P.Whh.shape == (3, 3) and P.bh.shape == (3,) and P.by.shape == (4,)
    assert P.Whh[1, 2] == pytest.approx(0.05)
    ints = article_weights()
    ints["Whh"] = 1
    assert float(parse_weights(ints, cells.get("article"), 4, 3).Whh) == 1.0


def test_weights_file_through_make_scenario(tmp_path):
    path = tmp_path / "w.json"
    path.write_text(json.dumps(standard_weights(V=3, H=2)), encoding="utf-8")
    sc = make_scenario("abcab", model="standard", hidden=2, weights=str(path))
    assert sc.seed is None
    np.testing.assert_array_equal(sc.params.Wxh, np.array(standard_weights(V=3, H=2)["Wxh"]))


def _with(base, **changes):
    out = dict(base)
    for k, v in changes.items():
        if v is KeyError:
            out.pop(k)
        else:
            out[k] = v
    return out


A, S = article_weights(), standard_weights()
WEIGHT_ERRORS = [
    # model, data, words the message must contain
    ("article", _with(A, Wxh=[[0.1, 0.2, 0.3, 0.4]] * 2), ["Wxh", "a list of 3 rows of 4 numbers"]),
    ("article", _with(A, Wxh=[[0.1, 0.2, 0.3]] * 3), ["Wxh", "a list of 3 rows of 4 numbers"]),
    ("article", _with(A, Wxh=[[0.1, 0.2, 0.3, 0.4], [0.1], [0.1, 0.2, 0.3, 0.4]]), ["Wxh", "3 rows of 4"]),
    ("article", _with(A, Why=[0.1, 0.2, 0.3, 0.4]), ["Why", "a list of 4 rows of 3 numbers"]),
    ("article", _with(A, Whh=[[0.4]]), ["Whh", "a number"]),
    ("article", _with(A, bh=[0.5, 0.5, 0.5]), ["bh", "a number"]),
    ("standard", _with(S, Whh=0.3), ["Whh", "a list of 3 rows of 3 numbers"]),
    ("standard", _with(S, bh=[0.1, 0.2]), ["bh", "a list of 3 numbers"]),
    ("standard", _with(S, by=[[0.1, 0.2, 0.3, 0.4]]), ["by", "a list of 4 numbers"]),
    ("article", _with(A, Whh=KeyError), ["missing Whh", "a number"]),
    ("article", _with(A, Why=KeyError), ["missing Why", "a list of 4 rows of 3 numbers"]),
    ("standard", _with(S, by=KeyError), ["missing by", "a list of 4 numbers"]),
    ("article", _with(A, by=[0.0] * 4), ["'by'", "article", "Wxh, Whh, bh, Why"]),
    ("article", _with(A, Wyh=[0.0]), ["'Wyh'", "Wxh, Whh, bh, Why"]),
    ("standard", _with(S, lr=0.1), ["'lr'", "Wxh, Whh, bh, Why, by"]),
    ("article", _with(A, Whh="0.4"), ["Whh", "a number"]),
    ("article", _with(A, Wxh=[["0.1", 0.2, 0.3, 0.4]] + A["Wxh"][1:]), ["Wxh", "3 rows of 4 numbers"]),
    ("article", _with(A, bh=True), ["bh", "a number"]),
    ("article", _with(A, bh=None), ["bh", "a number"]),
    ("standard", _with(S, bh={"a": 1}), ["bh", "a list of 3 numbers"]),
    ("article", _with(A, Whh=math.nan), ["Whh", "NaN or infinity"]),
    ("article", _with(A, Why=[[math.inf, 0, 0]] + A["Why"][1:]), ["Why", "NaN or infinity"]),
    ("article", [A], ["Wxh, Whh, bh, Why"]),
]


@pytest.mark.parametrize("model,data,words", WEIGHT_ERRORS)
def test_weights_errors(model, data, words):
    with pytest.raises(InputError) as e:
        parse_weights(data, cells.get(model), 4, 3)
    message = str(e.value)
    for w in words:
        assert w in message, message
    assert "\n" not in message


@pytest.mark.parametrize("text,words", [
    ('{"Wxh": [[0.1, 0.2]', ["not valid JSON"]),
    ("", ["not valid JSON"]),
    ('{"Wxh": [[1,1,1,1],[1,1,1,1],[1,1,1,1]], "Whh": NaN, "bh": 0, "Why": [[0,0,0],[0,0,0],[0,0,0],[0,0,0]]}',
     ["Whh", "NaN or infinity"]),
    ('{"Wxh": [[1,1,1,1],[1,1,1,1],[1,1,1,1]], "Whh": 0, "bh": -Infinity, "Why": [[0,0,0],[0,0,0],[0,0,0],[0,0,0]]}',
     ["bh", "NaN or infinity"]),
    ('{"Wxh": [[1,1,1,1],[1,1,1,1],[1,1,1,1]], "Whh": 0, "bh": 0}', ["missing Why", "4 rows of 3 numbers"]),
])
def test_weights_file_errors_name_the_file(tmp_path, text, words):
    path = tmp_path / "weights.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as e:
        make_scenario("hello", weights=str(path))
    message = str(e.value)
    assert str(path) in message
    for w in words:
        assert w in message, message
    assert "\n" not in message


def test_unreadable_weights_file(tmp_path):
    with pytest.raises(InputError, match="cannot read weights file"):
        make_scenario("hello", weights=str(tmp_path / "nope.json"))
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00{")
    with pytest.raises(InputError, match="cannot read weights file"):
        make_scenario("hello", weights=str(binary))
    with pytest.raises(InputError, match="cannot read weights file"):
        make_scenario("hello", weights=str(tmp_path))        # a folder


# --- word, vocabulary and settings ----------------------------------------------------------------

@pytest.mark.parametrize("kwargs,words", [
    (dict(word="hellx", vocab="helo"), ["'x'", "not in the vocabulary"]),
    (dict(word="h"), ["at least 2 characters"]),
    (dict(word=""), ["at least 2 characters"]),
    (dict(word="abab", vocab="abca"), ["repeats 'a'"]),
    (dict(word="a\tb"), ["control character"]),
    (dict(word="ab", vocab="ab\n"), ["control character"]),
    (dict(word="ab" * 251), ["502 characters", "500"]),
    (dict(word="ab", vocab="".join(chr(0x100 + i) for i in range(99)) + "ab"), ["101 characters", "100"]),
    (dict(word="abab", hidden=0), ["hidden", "1 to 64", "0"]),
    (dict(word="abab", hidden=65), ["hidden", "1 to 64", "65"]),
    (dict(word="abab", hidden=True), ["hidden"]),
    (dict(word="abab", hidden=2.0), ["hidden"]),
    (dict(word="abab", model="transformer"), ["model", "article, standard, lstm, gru, feedforward"]),
    (dict(word="abab", loss_mode="first"), ["loss", "'all' or 'last'"]),
    (dict(word="abab", lr=math.nan), ["lr", "finite"]),
    (dict(word="abab", lr=math.inf), ["lr", "finite"]),
    (dict(word="abab", epochs=-1), ["epochs"]),
    (dict(word="abab", epochs=1001), ["epochs", "1000"]),
    (dict(word="abab", clip=0.0), ["clip", "positive"]),
    (dict(word="abab", clip=-1.0), ["clip", "positive"]),
    (dict(word="abab", seed=-1), ["seed"]),
])
def test_bad_inputs(kwargs, words):
    word = kwargs.pop("word")
    with pytest.raises(InputError) as e:
        make_scenario(word, **kwargs)
    message = str(e.value)
    for w in words:
        assert w in message, message
    assert "\n" not in message


def test_limits_are_inclusive():
    assert make_scenario("ab" * 250, hidden=1, use_template=False).T == 499
    assert make_scenario("abab", hidden=64).params.Wxh.shape == (64, 2)
    assert make_scenario("ab", vocab="".join(chr(0x100 + i) for i in range(98)) + "ab").params.Wxh.shape == (3, 100)


def test_longest_word_with_template_lookup():
    assert make_scenario("ab" * 250, hidden=1).T == 499


def test_space_and_symbols_are_ordinary_letters():
    sc = make_scenario('say "hi" =1+', model="standard")
    assert sc.vocab == 'say "hi=1+'
    assert sc.params.Wxh.shape == (3, len(sc.vocab))


def test_a_word_that_looks_like_a_path_is_a_word_not_a_template():
    sc = make_scenario("../templates/hello")
    assert sc.template is None
    assert sc.word == "../templates/hello"
