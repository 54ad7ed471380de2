"""scripts/behaviour.py: the probe file, the seeded generator, the vocabulary rule, and a run end to end with a
tiny real NLI model (conftest's ``tiny_models``)."""
from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# The training-data generator's vocabulary, written out independently of probes.yaml: no probe text may use it.
# Exceptions that belong to the probes: "signed off on", "refused to sign", "met to discuss", "voiced approval
# of", "the rollback of". "The withdrawal from" is out too: the curriculum uses it as an opposite-of-target noun.
FORBIDDEN = [
    r"endors", r"\bback(s|ed|ing)?\b", r"\bhail", r"welcom", r"ratif", r"champion", r"prais", r"applau",
    r"\bapprov(e|es|ed|ing)\b", r"embrac", r"push(es|ed|ing)? for", r"vot(e|es|ed|ing) for", r"lobb\w* for",
    r"defen[cdsz]", r"reject", r"denounc", r"condemn", r"veto", r"block", r"vow\w* to fight",
    r"withdr(aw|aws|awing|awn|ew) from", r"withdrawal", r"oppos", r"\bslam", r"critici[sz]", r"vot(e|es|ed|ing) against",
    r"boycott", r"challeng\w* in court", r"attack", r"\b(take|takes|took|taken|taking) note of", r"examin",
    r"remain\w* silent", r"ask\w* questions", r"briefed", r"\b(hold|holds|holding|held) talks", r"repeal",
    r"delay", r"cancel", r"suspen",
    # actors of the evaluation article
    r"\b(germany|france|britain|united states|russia|ukraine|nato|trump|putin|zelensky)\b",
]
ALLOWED_SIGN = re.compile(r"\b(refused to sign\b|sign(ed|s|ing)? off on\b)", re.I)
ALLOWED_DISCUSS = re.compile(r"\bmet to discuss\b", re.I)


def _script():
    spec = importlib.util.spec_from_file_location("stancekit_behaviour_script", ROOT / "scripts" / "behaviour.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up while the class is built
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def mod():
    return _script()


@pytest.fixture(scope="module")
def spec(mod):
    return mod.load_probes()


def test_every_capability_yields_items_with_valid_gold(mod, spec):
    caps = list(spec["capabilities"])
    assert len(caps) >= 10
    items = mod.generate(spec, 20, seed=0)
    counts = Counter(it.capability for it in items)
    assert all(counts[c] == 20 for c in caps), counts
    for it in items:
        assert it.gold in ("support", "oppose", "neutral")
        assert it.text and it.actor and it.aliases and it.target
        assert "{" not in it.text and it.text[0].isupper()
        assert "\n\n" not in it.text  # one paragraph
        # the asked actor is written in the text through one of its aliases
        assert any(re.search(rf"\b{re.escape(a)}\b", it.text) for a in it.aliases), it
    # every gold rule is stated and each capability has the labels its rule says
    golds = {c: {it.gold for it in items if it.capability == c} for c in caps}
    assert golds["non_committal"] == {"neutral"} and golds["hedges"] == {"neutral"} and golds["bystander"] == {"neutral"}
    assert golds["two_actors"] == {"support", "oppose"} and golds["opposite_of_opposite"] == {"support", "oppose"}
    assert golds["reported_speech"] == {"support", "oppose", "neutral"}
    assert all(spec["capabilities"][c].get("gold_rule") for c in caps)
    # paraphrase probes never name the asked target; only target_alias passes the paraphrases as aliases
    for it in items:
        if it.capability in ("target_paraphrase", "target_alias"):
            assert it.target.lower() not in it.text.lower()
        assert bool(it.target_aliases) == (it.capability == "target_alias")


def test_target_alias_asks_the_target_paraphrase_texts_with_aliases(mod, spec):
    items = mod.generate(spec, 30, seed=2, capabilities=["target_paraphrase", "target_alias"])
    para = [it for it in items if it.capability == "target_paraphrase"]
    alias = [it for it in items if it.capability == "target_alias"]
    assert [(it.text, it.actor, it.target, it.gold) for it in para] == [(it.text, it.actor, it.target, it.gold) for it in alias]
    assert all(not it.target_aliases for it in para)
    assert all(any(a.lower() in it.text.lower() for a in it.target_aliases) for it in alias)


def test_two_actor_items_ask_each_actor_in_turn(mod, spec):
    items = mod.generate(spec, 40, seed=3, capabilities=["two_actors"])
    by_text: dict[str, list] = {}
    for it in items:
        by_text.setdefault(it.text, []).append(it)
    pairs = [v for v in by_text.values() if len(v) == 2]
    assert len(pairs) >= 15
    for a, b in pairs:
        assert a.actor != b.actor and {a.gold, b.gold} == {"support", "oppose"}
        assert a.actor in b.others and b.actor in a.others


def test_no_probe_uses_the_training_generator_vocabulary(mod, spec):
    texts = {it.text for seed in (0, 1, 2) for it in mod.generate(spec, 60, seed=seed)}
    assert len(texts) > 300
    for text in texts:
        for pat in FORBIDDEN:
            assert not re.search(pat, text, re.I), (pat, text)
        rest = ALLOWED_SIGN.sub("", text)
        assert not re.search(r"\bsign", rest, re.I), text
        assert not re.search(r"discuss", ALLOWED_DISCUSS.sub("", text), re.I), text
    # the probe file's own patterns (the generator's guard) catch the words and spare the probes' phrases
    guard = lambda t: mod.forbidden_hits(t, spec)  # noqa: E731
    for bad in ("Peru backed the pact.", "Peru signed the pact.", "Peru will sign it.", "Peru opposes it.",
                "They discussed it.", "Peru withdrew from the pact.", "Peru approved it.", "a cancellation"):
        assert guard(bad), bad
    for ok in ("Peru signed off on the pact.", "Peru refused to sign the pact.", "Peru met to discuss it.",
               "Peru lambasted the decision to pull out of the pact.", "Peru voiced approval of it.",
               "Peru lauded the rollback of the tax."):
        assert not guard(ok), ok


def test_generation_is_deterministic_per_seed(mod, spec):
    a = mod.generate(spec, 15, seed=7)
    b = mod.generate(mod.load_probes(), 15, seed=7)
    c = mod.generate(spec, 15, seed=8)
    assert a == b
    assert [it.text for it in a] != [it.text for it in c]
    # a subset of capabilities draws the same items as the full run
    sub = mod.generate(spec, 15, seed=7, capabilities=["hedges"])
    assert sub == [it for it in a if it.capability == "hedges"]


def test_bad_probe_files_are_refused(mod, tmp_path):
    from stancekit.errors import ConfigError

    text = (ROOT / "scripts" / "behaviour" / "probes.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace('{a} lauded {t} as a good outcome."', '{a} praised {t}."'), encoding="utf-8")
    with pytest.raises(ConfigError, match="forbidden"):
        mod.generate(mod.load_probes(bad), 50, seed=0, capabilities=["vocabulary_support"])
    bad.write_text(text.replace("gold: {a: neutral}}", "gold: {a: maybe}}", 1), encoding="utf-8")
    with pytest.raises(ConfigError, match="gold labels"):
        mod.load_probes(bad)
    with pytest.raises(ConfigError, match="unknown capabilities"):
        mod.generate(mod.load_probes(), 5, capabilities=["nope"])


def test_end_to_end_on_a_tiny_model(mod, tiny_models, tmp_path, capsys):
    out = tmp_path / "beh"
    caps = ["vocabulary_support", "negation", "two_actors", "target_alias", "bystander"]
    rc = mod.main(["--model", str(tiny_models["nli3"]), "--n-per-capability", "6", "--seed", "1",
                   "--capabilities", ",".join(caps), "-o", str(out)])
    printed = capsys.readouterr()
    assert rc == 0, printed.err
    data = json.loads((out / "nli3.json").read_text())
    md = (out / "nli3.md").read_text()
    assert [r["capability"] for r in data["capabilities"]] == caps
    assert len(data["items"]) == 6 * len(caps)
    assert data["target_passed_as"] in ("Target", "name")
    for row in data["capabilities"]:
        items = [it for it in data["items"] if it["capability"] == row["capability"]]
        assert row["n"] == len(items) == 6
        # correctness recomputed from the per-item output
        correct = [it["pred"] == it["gold"] for it in items]
        assert [it["correct"] for it in items] == correct
        assert row["accuracy"] == pytest.approx(sum(correct) / len(items))
        lo, hi = row["accuracy_ci95"]
        assert 0.0 <= lo <= row["accuracy"] <= hi <= 1.0
        assert sum(row["pred_counts"].values()) == len(items)
        assert sum(t["n"] for t in row["templates"].values()) == len(items)
        assert sum(t["correct"] for t in row["templates"].values()) == row["correct"] == sum(correct)
        assert f"| {row['capability']} | 6 | {row['accuracy']:.2f} | [{lo:.2f}, {hi:.2f}] |" in md
        assert f"| {row['capability']} | 6 | {row['accuracy']:.2f} |" in printed.out
    for it in data["items"]:
        assert it["pred"] in ("support", "oppose", "neutral")  # every asked actor got a record
        assert sum(it["stance_scores"].values()) == pytest.approx(1.0, abs=1e-3)
    # same seed, same items (and, the model being deterministic, the same predictions)
    rc = mod.main(["--model", str(tiny_models["nli3"]), "--n-per-capability", "6", "--seed", "1",
                   "--capabilities", ",".join(caps), "-o", str(out), "--name", "again"])
    assert rc == 0
    again = json.loads((out / "again.json").read_text())
    def key(items):
        return [(i["text"], i["actor"], i["pred"]) for i in items]

    assert key(again["items"]) == key(data["items"])


def test_unknown_capability_is_a_clean_error(mod, tiny_models, tmp_path, capsys):
    rc = mod.main(["--model", str(tiny_models["nli3"]), "--capabilities", "nope", "-o", str(tmp_path)])
    assert rc != 0
    assert "unknown capabilities" in capsys.readouterr().err


def test_output_stem_is_the_model_folder_or_hub_name(mod):
    assert mod._slug("bundled: nli-minilm") == "nli-minilm"
    assert mod._slug("/x/stancekit/models/nli-minilm/") == "nli-minilm"
    assert mod._slug("cross-encoder/nli-deberta-v3-small") == "nli-deberta-v3-small"


def test_probes_share_no_words_actors_or_targets_with_the_training_curriculum(mod, spec):
    """Cross-check against the attribution curriculum (the training-data generator) itself, so that a verb,
    actor or target added there later cannot leak into the probes unnoticed."""
    cur = pytest.importorskip("stancekit.finetune.curriculum")
    texts = {it.text for seed in (0, 1) for it in mod.generate(spec, 60, seed=seed)}
    allowed = re.compile(r"\b(sign(ed|s|ing)? off on|refused to sign|met to discuss)\b", re.I)
    forms = set()
    for verb in cur.VERBS.values():
        for attr in ("base", "pres", "past", "ing", "perf", "pp", "past_pl", "pres_pl"):
            form = getattr(verb, attr, None)
            if form:
                form = re.sub(r"^(has|have|had) ", "", form.split("{o}")[0].strip())
                forms.add(form.lower())
    assert {"endorsed", "backing", "withdrew from", "discuss"} <= forms
    forms |= {noun.split()[0].lower() for noun in cur.OPPOSITE_NOUNS}  # "withdrawal", "repeal", "veto", ...
    for text in texts:
        rest = allowed.sub(" ", text)
        for form in forms:
            assert not re.search(rf"\b{re.escape(form)}\b", rest, re.I), (form, text)
    # targets: no probe target or paraphrase is a curriculum target phrase, and no text contains one
    cur_targets = {p.lower() for _, phrases in cur.TARGETS for p in phrases}
    ours = {p.lower() for t in spec["fillers"]["targets"] for p in (t["name"], *t["paraphrases"])}
    assert not ours & cur_targets
    for text in texts:
        for phrase in cur_targets:
            assert not re.search(rf"\b{re.escape(phrase)}\b", text, re.I), (phrase, text)
    # actors: no probe actor name or alias is a curriculum actor or mention
    records = cur.generate(3000, seed=0)
    theirs = {w.lower() for r in records for w in (r["actor"], *r["mentions"])}
    theirs_words = {w for name in theirs for w in re.findall(r"[a-z]+", name) if w[:1].isalpha()}
    for a in spec["fillers"]["actors"]:
        for alias in (a["name"], *a["aliases"]):
            assert alias.lower() not in theirs, alias
        surname = a["aliases"][-1].lower()  # the shortest form: "Navarro", "Andina", a capital
        assert surname not in theirs_words, a["name"]
