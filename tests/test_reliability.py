"""Reliability and safety: every bad input of docs/errors.md, through the CLI and the Python API.

The table `ROWS` is the issue's table. Each row builds its bad input in a temporary folder and is
checked twice: ``stancekit.cli.main`` must exit 2 with exactly one ``stancekit: error:`` line on
stderr naming the file / key / value at fault (no traceback, nothing on stdout), and the matching
Python call must raise the matching `StancekitError` subclass with a one-line message naming the
same thing. Rows that must *succeed* (encodings, huge inputs, unmentioned actors, OOM, network
cut off) have their own tests below. Interrupted corpus runs are covered in tests/test_corpus.py
(test_resume_after_crash_is_identical_to_clean_run, test_records_of_unmarked_document_are_not_duplicated).
"""
from __future__ import annotations

import codecs
import json
import pickle
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pytest

from stancekit.actors import Actor, load_actors_file, parse_actor_option
from stancekit.classifier import StanceClassifier
from stancekit.cli import main
from stancekit.config import load_config
from stancekit.errors import ConfigError, InputError, ModelError, StancekitError
from stancekit.finetune.config import load_finetune_config
from stancekit.nli import NLIScorer
from stancekit.output import render
from stancekit.segment import normalize_text, segment
from stancekit.textio import read_text

ROOT = Path(__file__).resolve().parents[1]
HUB_ID = "stancekit-tests/no-such-model"
PROXY_VARS = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")

SENTINEL_CODE = "import pathlib\npathlib.Path({path!r}).write_text('code ran')\n"


# ---------------------------------------------------------------------------- shared fixtures
@pytest.fixture(scope="module")
def clf(tiny_models) -> StanceClassifier:
    return StanceClassifier.from_pretrained(tiny_models["nli3"], device="cpu")


@dataclass
class Env:
    """What a row builder needs: a scratch folder, the tiny models, a good article + actors file."""

    tmp: Path
    models: dict[str, Path]
    monkeypatch: pytest.MonkeyPatch
    text: str  # the conftest article
    actors_text: str  # the conftest actors file
    article: Path = field(init=False)
    actors: Path = field(init=False)
    sentinel: Path = field(init=False)

    def __post_init__(self) -> None:
        self.article = self.write("article.txt", self.text)
        self.actors = self.write("actors.yaml", self.actors_text)
        self.sentinel = self.tmp / "SENTINEL"  # created only if untrusted code / pickle runs

    def write(self, name: str, data: str | bytes) -> Path:
        path = self.tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
        return path

    def label(self, file: Path | str | None = None, *extra: Any, actors: Path | None = None, model: Path | str | None = None):
        """argv of a `stancekit label` call that is good except for what the row changes."""
        return ["label", file or self.article, "--actors", actors or self.actors,
                "--model", model or self.models["nli3"], "--device", "cpu", "--no-progress", *extra]

    def model_copy(self, name: str, source: str = "nli3") -> Path:
        dst = self.tmp / name
        shutil.copytree(self.models[source], dst)
        return dst


@pytest.fixture
def env(tmp_path, tiny_models, monkeypatch, article_text, actors_yaml_text) -> Env:
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", *PROXY_VARS):
        monkeypatch.delenv(var, raising=False)
    return Env(tmp_path, tiny_models, monkeypatch, article_text, actors_yaml_text)


@dataclass
class Case:
    argv: list
    api: Callable[[], Any]
    needles: list[str]  # every one must be in the CLI line and in the API message
    api_needles: list[str] | None = None  # when the API words it differently from the CLI
    check: Callable[[], None] | None = None  # extra check after both calls (e.g. no code ran)


@dataclass(frozen=True)
class Row:
    id: str
    error: type[StancekitError]
    build: Callable[[Env], Case]


def _load_model(path) -> Callable[[], Any]:
    return lambda: StanceClassifier.from_pretrained(path, device="cpu")


# ---------------------------------------------------------------------------- row builders: text input
def _input_row(name: str, data: bytes | None, needles: list[str], encoding: str | None = None) -> Callable[[Env], Case]:
    def build(env: Env) -> Case:
        path = env.tmp / name
        if data is not None:
            env.write(name, data)
        extra = ["--encoding", encoding] if encoding else []
        return Case(env.label(path, *extra), lambda: read_text(path, encoding=encoding), [str(path), *needles])

    return build


def _directory(env: Env) -> Case:
    d = env.tmp / "a-folder"
    d.mkdir()
    return Case(env.label(d), lambda: read_text(d), [str(d), "is a directory"])


CYRILLIC = "Россия поддержала план. Украина против этого плана.\n".encode("cp1251") * 3
LATIN1 = "Russia welcomed the plan in Zürich; Kyiv was “against” it.\n".encode("cp1252")


# ---------------------------------------------------------------------------- row builders: YAML
def _actors_row(text: str, needles: list[str]) -> Callable[[Env], Case]:
    def build(env: Env) -> Case:
        path = env.write("bad-actors.yaml", text)
        return Case(env.label(actors=path), lambda: load_actors_file(path), [str(path), *needles],
                    check=lambda: _assert_no_code_ran(env))

    return build


def _config_row(text: str, needles: list[str]) -> Callable[[Env], Case]:
    def build(env: Env) -> Case:
        path = env.write("bad-config.yaml", text)
        return Case(env.label(None, "--config", path), lambda: load_config(path), [str(path), *needles],
                    check=lambda: _assert_no_code_ran(env))

    return build


def _python_tag(env_sentinel: str) -> str:
    return f'!!python/object/apply:os.system ["touch {env_sentinel}"]'


def _actors_python_tag(env: Env) -> Case:
    return _actors_row(f"target: the plan\nactors: {_python_tag(env.sentinel)}\n",
                       ["line 2", "python/object/apply:os.system"])(env)


def _config_python_tag(env: Env) -> Case:
    return _config_row(f"batch_size: {_python_tag(env.sentinel)}\n", ["line 1", "python/object/apply:os.system"])(env)


def _finetune_python_tag(env: Env) -> Case:
    path = env.write("finetune.yaml", f"model:\n  base: {_python_tag(env.sentinel)}\n")
    return Case(["finetune", path], lambda: load_finetune_config(path), [str(path), "python/object/apply:os.system"],
                check=lambda: _assert_no_code_ran(env))


def _actor_option_empty_alias(env: Env) -> Case:
    spec = "Russia=Russia,,Moscow"
    return Case(["label", env.article, "--actor", spec, "--target", "the plan", "--model", env.models["nli3"]],
                lambda: parse_actor_option(spec), [repr(spec), "empty alias at position 2"])


def _empty_target_option(env: Env) -> Case:
    return Case(env.label(None, "--target", "  "),
                lambda: StanceClassifier.from_pretrained(env.models["nli3"], device="cpu").label(
                    env.text, "  ", {"Russia": ["Russia"]}),
                ["--target", "empty value"], api_needles=["target must be a non-empty string", "'  '"])


def _template_row(body: str, needles: list[str]) -> Callable[[Env], Case]:
    return _config_row("templates:\n" + body, needles)


# ---------------------------------------------------------------------------- row builders: models
def _model_missing(env: Env) -> Case:
    path = env.tmp / "no-model"
    return Case(env.label(model=path), _load_model(path), [f"model not found: {path}"])


def _model_without_config(env: Env) -> Case:
    path = env.tmp / "empty-model"
    path.mkdir()
    return Case(env.label(model=path), _load_model(path), [str(path), "no config.json"])


def _model_garbage_weights(env: Env) -> Case:
    path = env.model_copy("garbage-weights")
    (path / "model.safetensors").write_bytes(b"\x00\x01 not a safetensors file " * 40)
    return Case(env.label(model=path), _load_model(path), [str(path), "weights"])


def _model_truncated_weights(env: Env) -> Case:
    path = env.model_copy("truncated-weights")
    weights = path / "model.safetensors"
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) // 2])  # an interrupted download
    return Case(env.label(model=path), _load_model(path), [str(path), "weights"])


def _model_masked_lm(env: Env) -> Case:
    from transformers import AutoConfig, AutoTokenizer, BertForMaskedLM

    path = env.tmp / "masked-lm"
    BertForMaskedLM(AutoConfig.from_pretrained(env.models["nli3"])).save_pretrained(path)
    AutoTokenizer.from_pretrained(env.models["nli3"]).save_pretrained(path)
    return Case(env.label(model=path), _load_model(path),
                [str(path), "not a sequence-classification model", "BertForMaskedLM"])


def _model_sentiment_labels(env: Env) -> Case:
    path = env.models["sentiment"]
    return Case(env.label(model=path), _load_model(path), [str(path), "NEGATIVE, POSITIVE are not NLI labels"])


def _model_generic_labels(env: Env) -> Case:
    path = env.models["generic"]
    return Case(env.label(model=path), _load_model(path), [str(path), "LABEL_0", "label_mapping"])


class _Boom:
    """Pickles to a call of open(path, "w"): loading it with pickle would create the file."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def _model_pickle_only(env: Env) -> Case:
    path = env.model_copy("pickle-only")
    (path / "model.safetensors").unlink()
    with open(path / "pytorch_model.bin", "wb") as fh:
        pickle.dump({"bert.embeddings.word_embeddings.weight": _Boom(env.sentinel)}, fh)
    return Case(env.label(model=path), _load_model(path), [str(path), "pickle .bin weights are refused"],
                check=lambda: _assert_no_code_ran(env))


def _remote_code_folder(env: Env, name: str, model_type: str) -> Path:
    path = env.model_copy(name)
    (path / "evil.py").write_text(
        SENTINEL_CODE.format(path=str(env.sentinel))
        + "from transformers import BertConfig, BertForSequenceClassification\n"
        f"class EvilConfig(BertConfig):\n    model_type = {model_type!r}\n"
        "class EvilModel(BertForSequenceClassification):\n    config_class = EvilConfig\n",
        encoding="utf-8",
    )
    cfg = json.loads((path / "config.json").read_text(encoding="utf-8"))
    cfg["model_type"] = model_type
    cfg["auto_map"] = {"AutoConfig": "evil.EvilConfig", "AutoModelForSequenceClassification": "evil.EvilModel"}
    (path / "config.json").write_text(json.dumps(cfg), encoding="utf-8")
    return path


def _model_remote_code(env: Env) -> Case:
    path = _remote_code_folder(env, "remote-code", "evilbert")
    return Case(env.label(model=path), _load_model(path), [str(path), "auto_map", "--trust-remote-code"],
                check=lambda: _assert_no_code_ran(env))


class _NetworkLog:
    """Replaces socket entry points: every attempt is recorded and fails like a machine offline."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[str] = []

        def refuse(kind: str):
            def fn(*args, **kwargs):
                self.calls.append(kind)
                if kind == "getaddrinfo":
                    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
                raise OSError(101, "Network is unreachable")

            return fn

        monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
        monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
        monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
        monkeypatch.setattr(socket.socket, "connect_ex", refuse("connect_ex"))


def _hub_id_offline(var: str) -> Callable[[Env], Case]:
    def build(env: Env) -> Case:
        env.monkeypatch.setenv(var, "1")
        net = _NetworkLog(env.monkeypatch)

        def check() -> None:
            assert net.calls == [], f"{var}=1 but the network was tried: {net.calls}"

        return Case(env.label(model=HUB_ID), lambda: NLIScorer.from_pretrained(HUB_ID, device="cpu"),
                    [f"model not found: {HUB_ID}", f"{var} is set", "local model folder"], check=check)

    return build


def _hub_id_no_network(env: Env) -> Case:
    net = _NetworkLog(env.monkeypatch)

    def check() -> None:  # one DNS look-up per call, then a fast failure (no retry loop)
        assert net.calls == ["getaddrinfo", "getaddrinfo"], net.calls

    return Case(env.label(model=HUB_ID), lambda: NLIScorer.from_pretrained(HUB_ID, device="cpu"),
                [f"model not found: {HUB_ID}", "hub is unreachable", "cannot resolve", "local model folder"],
                check=check)


def _assert_no_code_ran(env: Env) -> None:
    assert not env.sentinel.exists(), "untrusted code or pickle ran"


# ---------------------------------------------------------------------------- the table
ROWS: list[Row] = [
    # missing file, a directory, an empty or whitespace-only file
    Row("missing-file", InputError, _input_row("missing.txt", None, ["no such file"])),
    Row("directory", InputError, _directory),
    Row("empty-file", InputError, _input_row("empty.txt", b"", ["file is empty"])),
    Row("whitespace-only", InputError, _input_row("blank.txt", b" \n\t\r\n  \n\f", ["only whitespace"])),
    Row("whitespace-only-utf16-bom", InputError,
        _input_row("blank16.txt", codecs.BOM_UTF16_LE + " \n \n".encode("utf-16-le"), ["only whitespace"])),
    # binary file
    Row("binary-nul", InputError,
        _input_row("model.bin", b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)) * 4, ["not a text file"])),
    Row("png-no-nul-in-header", InputError,
        _input_row("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), ["not a text file"])),
    # non-UTF-8 text that cannot be detected: exit 2 saying how to pass the encoding
    Row("utf16-without-bom", InputError,
        _input_row("utf16.txt", "Russia welcomed the plan.\n".encode("utf-16-le"), ["not a text file", "--encoding"])),
    Row("cp1251-undetectable", InputError, _input_row("cyrillic.txt", CYRILLIC, ["not valid UTF-8", "pass --encoding"])),
    Row("wrong-encoding-given", InputError,
        _input_row("latin1.txt", LATIN1, ["cannot decode as utf-8", "byte 29"], encoding="utf-8")),
    Row("unknown-encoding-name", InputError,
        _input_row("latin1b.txt", LATIN1, ["unknown encoding 'klingon'"], encoding="klingon")),
    # malformed YAML, wrong types, empty actors, shared alias, empty alias or target
    Row("actors-malformed-yaml", ConfigError,
        _actors_row("target: the plan\nactors:\n  Russia: [Russia, Moscow\n  Ukraine: [Ukraine]\n",
                    ["malformed YAML", "line 4"])),
    Row("actors-top-level-list", ConfigError, _actors_row("- Russia\n- Ukraine\n", ["expected a mapping", "list"])),
    Row("actors-aliases-wrong-type", ConfigError, _actors_row("actors:\n  Russia: 5\n", ["actors.Russia", "int"])),
    Row("actors-alias-not-string", ConfigError,
        _actors_row("actors:\n  Russia: [Russia, 1991]\n", ["actors.Russia[1]", "1991", "quote it"])),
    Row("actors-empty", ConfigError, _actors_row("target: the plan\nactors: {}\n", ["actors: at least one actor"])),
    Row("actors-empty-file", ConfigError, _actors_row("# nothing here\n", ["actors file is empty"])),
    Row("actors-shared-alias", ConfigError,
        _actors_row("actors:\n  Russia: [Russia, Moscow]\n  Kremlin: [Kremlin, moscow]\n",
                    ["actors.Kremlin", "'moscow'", "also an alias of Russia"])),
    Row("actors-empty-alias", ConfigError, _actors_row("actors:\n  Russia: [Russia, '  ']\n", ["actors.Russia[1]", "empty alias"])),
    Row("actors-empty-target", ConfigError, _actors_row("target: ''\nactors:\n  Russia: [Russia]\n", ["target: must be a non-empty"])),
    Row("actors-unknown-key", ConfigError, _actors_row("targets: the plan\nactors: [Russia]\n", ["targets: unknown key"])),
    Row("actor-option-empty-alias", ConfigError, _actor_option_empty_alias),
    Row("target-option-empty", ConfigError, _empty_target_option),
    Row("config-malformed-yaml", ConfigError, _config_row("batch_size: [4\npremise: sentences\n", ["invalid YAML", "line"])),
    Row("config-wrong-type", ConfigError, _config_row("batch_size: big\n", ["batch_size must be an integer", "'big'"])),
    Row("config-nested-wrong-type", ConfigError,
        _config_row("decision:\n  neutral_margin: lots\n", ["decision.neutral_margin must be a number", "'lots'"])),
    Row("config-unknown-key", ConfigError, _config_row("neutral_margn: 0.1\n", ["unknown key 'neutral_margn'"])),
    Row("config-empty-target", ConfigError, _config_row("target: ' '\n", ["target must be a non-empty string"])),
    # templates without {actor} or with an unknown slot (through --config)
    Row("template-without-actor", ConfigError,
        _template_row("  stance:\n    support: ['It supports {target}.']\n    oppose: ['{actor} opposes {target}.']\n",
                      ["templates.stance.support[0]", "has no {actor} slot"])),
    Row("template-unknown-slot", ConfigError,
        _template_row("  stance:\n    support: ['{actor} supports {country}.']\n    oppose: ['{actor} opposes {target}.']\n",
                      ["templates.stance.support[0]", "unknown slot(s) {country}"])),
    Row("template-target-in-sentiment", ConfigError,
        _template_row("  sentiment:\n    positive: ['{actor} is good for {target}.']\n",
                      ["templates.sentiment.positive[0]", "unknown slot(s) {target}"])),
    Row("template-unbalanced-brace", ConfigError,
        _template_row("  stance:\n    support: ['{actor} supports {target}.']\n    oppose: ['{actor opposes {target}.']\n",
                      ["templates.stance.oppose[0]", "'{actor opposes {target}.'"])),
    Row("template-empty", ConfigError,
        _template_row("  stance:\n    support: ['']\n    oppose: ['{actor} opposes {target}.']\n",
                      ["templates.stance.support[0]", "non-empty string"])),
    Row("template-unknown-label", ConfigError,
        _template_row("  stance:\n    favour: ['{actor} favours {target}.']\n", ["templates.stance.favour", "unknown label"])),
    # models: missing, corrupt, not sequence classification, labels that are not NLI
    Row("model-missing", ModelError, _model_missing),
    Row("model-without-config", ModelError, _model_without_config),
    Row("model-garbage-weights", ModelError, _model_garbage_weights),
    Row("model-truncated-weights", ModelError, _model_truncated_weights),
    Row("model-masked-lm", ModelError, _model_masked_lm),
    Row("model-sentiment-labels", ModelError, _model_sentiment_labels),
    Row("model-generic-labels", ModelError, _model_generic_labels),
    # safety: pickle weights, remote code, YAML tags, the hub when offline
    Row("model-pickle-only", ModelError, _model_pickle_only),
    Row("model-remote-code", ModelError, _model_remote_code),
    Row("actors-python-tag", ConfigError, _actors_python_tag),
    Row("config-python-tag", ConfigError, _config_python_tag),
    Row("finetune-python-tag", ConfigError, _finetune_python_tag),
    Row("hub-id-HF_HUB_OFFLINE", ModelError, _hub_id_offline("HF_HUB_OFFLINE")),
    Row("hub-id-TRANSFORMERS_OFFLINE", ModelError, _hub_id_offline("TRANSFORMERS_OFFLINE")),
    Row("hub-id-no-network", ModelError, _hub_id_no_network),
]


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_bad_input_is_one_line_exit_2_and_a_typed_error(row: Row, env: Env, capsys):
    case = row.build(env)
    code = main([str(a) for a in case.argv])
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert code == 2 and out == "", (code, out, err)
    assert len(lines) == 1 and lines[0].startswith("stancekit: error: "), err
    assert "Traceback" not in err
    for needle in case.needles:
        assert needle in lines[0], (needle, lines[0])

    with pytest.raises(row.error) as info:
        case.api()
    msg = str(info.value)
    assert "\n" not in msg.strip(), msg
    for needle in case.api_needles if case.api_needles is not None else case.needles:
        assert needle in msg, (needle, msg)
    if case.check is not None:
        case.check()


def test_every_error_class_is_exercised():
    assert {r.error for r in ROWS} == {InputError, ConfigError, ModelError}
    assert len({r.id for r in ROWS}) == len(ROWS)


# ---------------------------------------------------------------------------- encodings that must work
ENCODED = "Russia welcomed the plan in Zürich – “a good deal”.\n\nKyiv was against it.\n"


@pytest.mark.parametrize(
    "data, encoding",
    [
        (ENCODED.encode("cp1252"), None),  # Latin-1 / cp1252: detected
        (ENCODED.encode("latin-1", errors="replace").replace(b"?", b"-"), None),  # plain ISO-8859-1
        (codecs.BOM_UTF16_LE + ENCODED.encode("utf-16-le"), None),  # UTF-16 with BOM: detected
        (codecs.BOM_UTF16_BE + ENCODED.encode("utf-16-be"), None),
        (codecs.BOM_UTF8 + ENCODED.encode("utf-8"), None),  # BOM dropped
        (ENCODED.encode("utf-16-le"), "utf-16-le"),  # no BOM: decoded with --encoding
        ("Russia welcomed the plan in Москва.\n".encode("cp1251"), "cp1251"),
    ],
    ids=["cp1252", "latin-1", "utf16le-bom", "utf16be-bom", "utf8-bom", "utf16le-encoding", "cp1251-encoding"],
)
def test_non_utf8_text_is_decoded(data, encoding, tmp_path, tiny_models, capsys):
    path = tmp_path / "article.txt"
    path.write_bytes(data)
    text = read_text(path, encoding=encoding)
    expected_first = text.split("\n")[0]
    assert not text.startswith("\ufeff") and expected_first.startswith("Russia welcomed the plan in ")
    if encoding is None:
        assert "Zürich" in text
    config = tmp_path / "sentences.yaml"  # whole-sentence premises: the evidence is the decoded sentence itself
    config.write_text("premise: sentences\n", encoding="utf-8")
    argv = ["label", path, "--actor", "Russia", "--target", "the plan", "--model", tiny_models["nli3"],
            "--device", "cpu", "--format", "jsonl", "--config", config] + (["--encoding", encoding] if encoding else [])
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["evidence"] for r in rows] == [normalize_text(expected_first)]


# ---------------------------------------------------------------------------- huge inputs
FILLER = "the people will vote against the plan and the army is at the border talks with the government".split()


def _sentence(n_words: int, actor_at: int | None = None, offset: int = 0) -> str:
    words = [FILLER[(offset + i) % len(FILLER)] for i in range(n_words)]
    if actor_at is not None:
        words[actor_at] = "Russia"
    s = " ".join(words) + "."
    return s[0].upper() + s[1:]


def _long_paragraph() -> tuple[str, list[str]]:
    """~50,000 words in one paragraph; Russia is in short sentences and in a few 1,500-word ones."""
    sents, long_ones, words, i = [], [], 0, 0
    while words < 50_000:
        if i % 200 == 17:
            s = _sentence(1500, actor_at=700 + i % 50, offset=i)
            long_ones.append(s)
        elif i % 25 == 3:
            s = _sentence(12, actor_at=0, offset=i)
        else:
            s = _sentence(24, offset=i)
        sents.append(s)
        words += len(s.split())
        i += 1
    return " ".join(sents), long_ones


class _BatchLog:
    """Forward pre-hook recording every batch shape (rows, tokens) the model sees."""

    def __init__(self, model) -> None:
        self.shapes: list[tuple[int, int]] = []
        self.handle = model.register_forward_pre_hook(self, with_kwargs=True)

    def __call__(self, module, args, kwargs):
        ids = kwargs.get("input_ids", args[0] if args else None)
        self.shapes.append(tuple(ids.shape))

    def remove(self) -> None:
        self.handle.remove()


def _check_windows_and_batches(clf: StanceClassifier, prep, log: _BatchLog, scores) -> None:
    scorer = clf.scorer
    assert scores.truncated == 0
    lengths = [len(ids) for ids in scorer.tokenizer([p for p, _ in prep.pairs], [h for _, h in prep.pairs])["input_ids"]]
    assert max(lengths) <= scorer.max_length  # no pair is cut by the tokenizer
    assert log.shapes and sum(r for r, _ in log.shapes) == len(prep.pairs)
    for rows, tokens in log.shapes:  # memory bound: activations scale with rows * tokens
        assert tokens <= scorer.max_length and rows * tokens <= scorer.token_budget and rows <= clf.config.batch_size


def test_50000_word_paragraph_is_split_and_flagged_not_truncated(clf, tmp_path, capsys):
    para, long_ones = _long_paragraph()
    text = "Headline\n\n" + para + "\n"
    assert len(para.split()) >= 50_000 and len(long_ones) >= 3
    actors = [Actor("Russia", ("Russia",)), Actor("NATO", ("NATO",))]

    prep = clf.preprocess(text, "the plan", actors)
    (item,) = prep.items
    assert item.paragraph == 1 and prep.not_mentioned == ["NATO"]
    split_units = [u for u in item.units if u.split]
    assert split_units and all(len(u.text.split()) < 1500 for u in split_units)
    # every word of every long actor sentence is in exactly one of its chunks, in order
    sentences = segment(text)[1].sentences
    chunks: dict[int, list[str]] = {}
    for u in split_units:
        assert len(u.sentence_ids) == 1
        chunks.setdefault(u.sentence_ids[0], []).append(u.text)
    assert [sentences[i].text for i in sorted(chunks)] == long_ones
    for i, parts in chunks.items():
        assert len(parts) > 1 and " ".join(parts).split() == sentences[i].text.split()
    log = _BatchLog(clf.scorer.model)
    try:
        scores = clf.forward(prep.pairs, progress=False)
    finally:
        log.remove()
    _check_windows_and_batches(clf, prep, log, scores)
    (record,) = clf.postprocess(prep, scores.probs).records
    assert record.split_windows is True and record.windows == len(item.units)

    path = tmp_path / "long.txt"
    path.write_text(text, encoding="utf-8")
    code = main(["label", str(path), "--actor", "Russia", "--actor", "NATO", "--target", "the plan",
                 "--model", clf.scorer.name, "--device", "cpu", "--format", "jsonl", "--no-progress"])
    out, err = capsys.readouterr()
    assert code == 0, err
    (row,) = [json.loads(line) for line in out.splitlines()]
    assert row["split_windows"] is True and row["windows"] == record.windows and row["actor"] == "Russia"


def test_5mb_article_completes_in_bounded_batches(clf, tmp_path):
    """The whole 5 MB article is labelled (file read, every paragraph segmented and searched, every
    actor sentence scored): only actor sentences become pairs, so the tiny model does it in seconds. The input is
    scripts/discovery_speed.py's stress text (filler sentences, "Russia" in every 250th, one 900-word sentence),
    which also times discovery on it."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("stancekit_discovery_speed", ROOT / "scripts" / "discovery_speed.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    big = script.stress_text()
    paras = big.rstrip("\n").split("\n\n")
    path = tmp_path / "big.txt"
    path.write_text(big, encoding="utf-8")
    assert path.stat().st_size >= 5_000_000
    text = read_text(path)

    prep = clf.preprocess(text, "the plan", [Actor("Russia", ("Russia",)), Actor("NATO", ("NATO",))])
    assert prep.paragraphs == len(paras) and prep.not_mentioned == ["NATO"]
    mentioned = {i for i, p in enumerate(paras) if "Russia" in p}
    assert {it.paragraph for it in prep.items} == mentioned
    log = _BatchLog(clf.scorer.model)
    try:
        scores = clf.forward(prep.pairs, progress=False)
    finally:
        log.remove()
    _check_windows_and_batches(clf, prep, log, scores)
    result = clf.postprocess(prep, scores.probs)
    assert len(result.records) == len(mentioned)
    assert sum(r.split_windows for r in result.records) == 1


# ---------------------------------------------------------------------------- unmentioned actors
def test_actor_never_mentioned_has_no_records_and_is_noted(env: Env, clf, capsys):
    code = main([str(a) for a in env.label(None, "--format", "jsonl")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "NATO" not in {json.loads(line)["actor"] for line in out.splitlines()}
    code = main([str(a) for a in env.label(None, "--format", "table")])
    out, _ = capsys.readouterr()
    assert code == 0 and out.rstrip().splitlines()[-1] == "not mentioned: NATO"

    result = clf.label(env.text, None, load_actors_file(env.actors))
    assert result.actors_not_mentioned == ["NATO"]
    assert all(r.actor != "NATO" for r in result.records) and "NATO" not in result.summary()
    assert "<p>Not mentioned: NATO</p>" in render(result, "html")


# ---------------------------------------------------------------------------- out of memory
def test_out_of_memory_halves_the_batch_and_carries_on(tiny_models, article_text):
    """End to end through StanceClassifier (tests/test_nli.py::test_out_of_memory_batch_is_halved
    checks the exact halving sequence on the scorer)."""
    clf = StanceClassifier.from_pretrained(tiny_models["nli3"], device="cpu", batch_size=16)
    actors = {"Trump": ["Trump"], "Russia": ["Russia", "Moscow"], "Ukraine": ["Ukrainian"], "Germany": ["Germany"]}
    expected = render(clf.label(article_text, "the plan", actors), "jsonl")
    seen: list[int] = []

    def oom_over_3(module, args, kwargs):
        n = kwargs["input_ids"].shape[0]
        seen.append(n)
        if n > 3:
            raise RuntimeError(f"CUDA out of memory. Tried to allocate 2.00 GiB (batch of {n})")

    handle = clf.scorer.model.register_forward_pre_hook(oom_over_3, with_kwargs=True)
    try:
        got = render(clf.label(article_text, "the plan", actors), "jsonl")
    finally:
        handle.remove()
    assert max(seen) > 3 and got == expected  # it did run out of memory, and the result is unchanged
    assert clf.scorer.batch_size <= 3  # later batches start small


def test_a_real_runtime_error_is_not_mistaken_for_oom(tiny_models):
    scorer = NLIScorer.from_pretrained(tiny_models["nli3"], device="cpu")

    def broken(module, args, kwargs):
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied")

    handle = scorer.model.register_forward_pre_hook(broken, with_kwargs=True)
    try:
        with pytest.raises(RuntimeError, match="shapes cannot be multiplied"):
            scorer.score([("Russia welcomed the plan.", "Russia supports the plan.")] * 3)
    finally:
        handle.remove()


def test_ctrl_c_in_label_is_one_line_exit_130(env: Env, capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(StanceClassifier, "label", interrupted)
    code = main([str(a) for a in env.label()])
    out, err = capsys.readouterr()
    assert code == 130 and out == "" and err == "stancekit: interrupted\n"


# ---------------------------------------------------------------------------- determinism
def test_jsonl_is_byte_identical_run_after_run(env: Env, capsys):
    para, _ = _long_paragraph()
    extra = " ".join(para.split()[:3000])  # a paragraph with long actor sentences: several batches
    article = env.write("det.txt", env.text + "\n" + extra + "\n")
    outs = []
    for i in range(2):
        out = env.tmp / f"run{i}.jsonl"
        code = main([str(a) for a in env.label(article, "--format", "jsonl", "-o", out)])
        assert code == 0, capsys.readouterr().err
        outs.append(out.read_bytes())
    out = env.tmp / "subprocess.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "stancekit", *map(str, env.label(article, "--format", "jsonl", "-o", out))],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    outs.append(out.read_bytes())
    assert outs[0] and outs[0] == outs[1] == outs[2]
    rows = [json.loads(line) for line in outs[0].decode("utf-8").splitlines()]
    assert any(r["split_windows"] for r in rows) and len(rows) >= 5


# ---------------------------------------------------------------------------- safety
def test_auto_map_with_a_known_model_type_does_not_run_its_code(env: Env, capsys):
    path = _remote_code_folder(env, "bert-with-auto-map", "bert")
    code = main([str(a) for a in env.label(None, "--format", "jsonl", model=path)])
    _, err = capsys.readouterr()
    assert code == 0, err
    scorer = NLIScorer.from_pretrained(path, device="cpu")
    assert type(scorer.model).__name__ == "BertForSequenceClassification"  # the built-in class
    _assert_no_code_ran(env)


def test_html_output_escapes_article_text_and_actor_names(env: Env, clf, capsys):
    name = "<img src=x onerror=alert(1)>"
    article = env.write("xss.txt", "Russia said <script>alert('x')</script> it welcomed the plan.\n\n"
                                   "Trump backs it <b onmouseover=alert(2)>strongly</b>.\n")
    actors = env.write("xss.yaml", f"target: the <i>plan</i>\nactors:\n  '{name}': [Russia]\n  Trump: [Trump]\n")
    code = main([str(a) for a in env.label(article, "--format", "html", actors=actors)])
    page, err = capsys.readouterr()
    assert code == 0, err
    result = clf.label(read_text(article), None, load_actors_file(actors))
    assert {r.actor for r in result.records} == {name, "Trump"}
    for html_page in (page, render(result, "html")):
        lowered = html_page.lower()
        for raw in ("<script", "<img", "<b ", "<i>"):
            assert raw not in lowered, raw
        assert "&lt;img src=x onerror=alert(1)&gt;" in html_page
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html_page
        assert "the &lt;i&gt;plan&lt;/i&gt;" in html_page


def test_local_model_makes_no_network_call(env: Env, capsys):
    net = _NetworkLog(env.monkeypatch)
    code = main([str(a) for a in env.label(None, "--format", "jsonl")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert len(out.splitlines()) == 4
    fresh = StanceClassifier.from_pretrained(env.models["nli3"], device="cpu")
    assert render(fresh.label(env.text, None, load_actors_file(env.actors)), "jsonl") == out
    assert net.calls == []
