"""Label config loading: defaults, validation with key paths, and the packaged copy."""
from __future__ import annotations

from pathlib import Path

import pytest

from stancekit.config import LabelConfig, default_config_path, load_config
from stancekit.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "cfg.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_packaged_default_is_identical_to_top_level_copy():
    assert (ROOT / "configs" / "default.yaml").read_bytes() == default_config_path().read_bytes()


def test_default_file_spells_out_the_dataclass_defaults():
    """Every key is spelled out; only the decision thresholds differ (tuned on dev data for the bundled model)."""
    packaged, plain = load_config().to_dict(), LabelConfig().to_dict()
    assert packaged.keys() == plain.keys()
    assert {k: v for k, v in packaged.items() if k != "decision"} == {k: v for k, v in plain.items() if k != "decision"}
    assert packaged["decision"].keys() == plain["decision"].keys()
    assert plain["decision"] == {"neutral_margin": 0.0, "sentiment_neutral_margin": None, "min_polar_gap": 0.0,
                                 "sentiment_min_polar_gap": None, "stance_bias": 0.0, "sentiment_bias": 0.0,
                                 "sentiment_aligned_margin": None}
    assert packaged["decision"] != plain["decision"]  # the tuned values are what ships


def test_partial_file_keeps_other_defaults(tmp_path):
    cfg = load_config(write(tmp_path, "batch_size: 4\ndecision:\n  neutral_margin: -0.1\ntemplates:\n  stance:\n    support: ['{actor} backs {target}.']\n    oppose: ['{actor} rejects {target}.']\n"))
    assert cfg.batch_size == 4 and cfg.decision.neutral_margin == -0.1
    assert cfg.templates.stance["support"] == ["{actor} backs {target}."]
    assert cfg.templates.sentiment == LabelConfig().templates.sentiment
    assert cfg.max_length == 256 and cfg.premise == "clause"


@pytest.mark.parametrize(
    "text, needle",
    [
        ("batch_sise: 4\n", "batch_sise"),
        ("decision:\n  neutral_margn: 0.1\n", "decision.neutral_margn"),
        ("templates:\n  stanse: {}\n", "templates.stanse"),
        ("batch_size: '8'\n", "batch_size"),
        ("max_length: true\n", "max_length"),
        ("premise: document\n", "premise"),
        ("mark_mentions: sometimes\n", "mark_mentions"),
        ("decision:\n  neutral_margin: high\n", "neutral_margin"),
        ("label_mapping: {entailment: 0, maybe: 1}\n", "label_mapping.maybe"),
        ("templates:\n  stance:\n    support: ['supports {target}.']\n    oppose: ['{actor} opposes {target}.']\n", "templates.stance.support[0]"),
        ("templates:\n  sentiment:\n    positive: ['{actor} likes {target}.']\n    negative: ['{actor} is bad.']\n", "{target}"),
        ("templates:\n  stance:\n    support: ['{actor} supports {target}.']\n", "oppose"),
        ("- just\n- a list\n", "mapping"),
        ("!!python/object/apply:os.system ['true']\n", "invalid YAML"),
        ("batch_size: [1\n", "invalid YAML"),
    ],
)
def test_bad_config_is_refused_naming_the_key(tmp_path, text, needle):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    msg = str(info.value)
    assert needle in msg and "\n" not in msg
    assert str(path) in msg


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")


def test_overrides_validate_and_leave_original_alone():
    cfg = LabelConfig()
    new = cfg.with_overrides(batch_size=3, neutral_margin=0.2, device=None)
    assert (new.batch_size, new.decision.neutral_margin, new.device) == (3, 0.2, "auto")
    assert (cfg.batch_size, cfg.decision.neutral_margin) == (32, 0.0)
    with pytest.raises(ConfigError, match="batch_size"):
        cfg.with_overrides(batch_size=0)
    with pytest.raises(ConfigError, match="unknown config override"):
        cfg.with_overrides(bach_size=3)


def test_package_exports():
    import stancekit

    for name in ("StanceClassifier", "NLIScorer", "LabelConfig", "load_config", "Record", "DocumentResult",
                 "TemplateSet", "StancekitError"):
        assert getattr(stancekit, name).__name__ == name
    with pytest.raises(AttributeError):
        stancekit.no_such_thing  # noqa: B018
