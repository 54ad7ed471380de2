"""The attribution curriculum (stancekit.finetune.curriculum) and its ``format: curriculum`` data source:
determinism, label balance, each pattern's gold rule read back from the generated wording, the probe
vocabulary never generated, and the conversion to NLI pairs through the stance templates."""
from __future__ import annotations

import collections
import json
import random
import re
from pathlib import Path

import pytest
import yaml

from stancekit.errors import ConfigError
from stancekit.finetune.config import AugmentArgs, DataSource, load_finetune_config
from stancekit.finetune.curriculum import (DEFAULT_PATTERNS, FLIP, FORBIDDEN, LEXICON, OPPOSITE_NOUNS, PATTERNS, STANCES, VERBS,
                                           generate)
from stancekit.finetune.data import build_pairs, curriculum_record_pairs
from stancekit.templates import TemplateSet

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return generate(6000, seed=11)


def _groups(recs: list[dict]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = collections.defaultdict(list)
    for r in recs:
        out[r["group"]].append(r)
    return out


def _has(r: dict, *tags: str) -> bool:
    return all(t in r["phenomena"] for t in tags)


# The lexicon's surface forms -> (polarity, verb key); the object slot ends the prefix ("challenged {o} in court").
_FORMS = sorted(
    {(form.split("{o}")[0].strip(), v.pol, v.key) for v in VERBS.values()
     for form in (v.base, v.pres, v.past, v.ing, v.perf, v.perf[4:], v.past_pl or v.past)},
    key=lambda x: -len(x[0]),
)


def _verb_after(text: str, prefix: str) -> tuple[str, str]:
    """Polarity and key of the first lexicon verb after ``prefix`` in ``text`` (earliest; longest form first)."""
    start = text.index(prefix) + len(prefix)
    hits = [(i, -len(form), pol, key) for form, pol, key in _FORMS if (i := text.find(f" {form} ", start - 1)) >= 0]
    if not hits:
        raise AssertionError(f"no lexicon verb after {prefix!r} in {text!r}")
    _, _, pol, key = min(hits)
    return pol, key


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _surface(r: dict) -> str:
    """The actor's first mention as written (capitalised at a sentence start; a title may precede a person)."""
    m = r["mentions"][0]
    return m if m in r["text"] else _cap(m)


# -------------------------------------------------------------------------------------------- basics
def test_deterministic_per_seed_and_exact_size():
    a, b, c = generate(400, seed=5), generate(400, seed=5), generate(400, seed=6)
    assert a == b and a != c
    assert len(a) == 400 and len(generate(0)) == 0
    assert generate(50, seed=5) == a[:50]  # a prefix of the same stream


def test_labels_balanced(records):
    for recs in (records, generate(3000, seed=99)):
        share = collections.Counter(r["stance"] for r in recs)
        for s in STANCES:
            assert 0.30 <= share[s] / len(recs) <= 0.37, share


def test_record_shape_and_every_named_actor_is_asked(records):
    groups = _groups(records)
    last = max(groups)
    pattern_counts = collections.Counter(r["pattern"] for r in records)
    assert set(pattern_counts) == set(DEFAULT_PATTERNS) == set(PATTERNS) - {"intent"}
    for g, recs in groups.items():
        text = recs[0]["text"]
        assert 1 <= len(re.findall(r"[.?!](?:\s|$)", text)) <= 3, text
        assert all(r["text"] == text for r in recs)
        assert len({r["actor"] for r in recs}) == len(recs)  # one record per actor
        if g != last:
            assert len(recs) == recs[0]["n_actors"]
        for r in recs:
            assert r["stance"] in STANCES and r["pattern"] in r["phenomena"]
            assert r["mentions"] and all(m in text or _cap(m) in text for m in r["mentions"]), r
            assert r["text_target"] in text or _cap(r["text_target"]) in text
    paraphrased = sum(r["target"] != r["text_target"] for r in records) / len(records)
    assert 0.25 <= paraphrased <= 0.6
    assert sum(_has(r, "multi_sentence") for r in records) > 300
    assert sum(_has(r, "alias") for r in records) > 300
    # 2-4 named actors in contrast texts
    assert {r["n_actors"] for r in records if r["pattern"] == "contrast"} == {2, 3, 4}


def test_probe_vocabulary_and_evaluation_names_never_generated():
    banned_names = ("Germany", "France", "Britain", "United States", "Russia", "Ukraine", "NATO", "Trump", "Putin",
                    "Zelensky", "United Kingdom", "Moscow", "Kremlin", "Kyiv", "Washington", "London", "Berlin",
                    "Paris", "European Union")
    stems = ("studi", "advocat", "dismiss", "cheer", "laud", "torpedo", "lambast", "campaign")
    recs = generate(2500, seed=1) + generate(2500, seed=2)
    for r in recs:
        blob = " ".join([r["text"], r["target"], r["actor"], *r["mentions"]])
        low = blob.lower()
        for phrase in FORBIDDEN + stems:  # at the start of a word: "scrapping", not "lauded" in "applauded"
            assert not re.search(rf"(?<![a-z]){re.escape(phrase)}", low), (phrase, blob)
        for name in banned_names:
            assert not re.search(rf"\b{re.escape(name)}\b", blob), (name, blob)
        assert "support" not in low and "favour" not in low  # the hypothesis words never cue the text


# ------------------------------------------------------------------------------------ gold per pattern
def test_contrast_each_actor_gets_its_own_verb(records):
    checked = 0
    for recs in _groups(records).values():
        if recs[0]["pattern"] != "contrast":
            continue
        for r in recs:
            pol, _ = _verb_after(r["text"], _surface(r))
            assert r["stance"] == pol, r
            checked += 1
        if _has(recs[0], "joiner:but") and len(recs) == 2:
            assert recs[0]["stance"] != recs[1]["stance"]
    assert checked > 500
    # the issue's own example shape: "A praised X, but B rejected it" -> A support, B oppose
    shaped = [g for g in _groups(records).values()
              if g[0]["pattern"] == "contrast" and ", but " in g[0]["text"] and [r["stance"] for r in g[:2]] == ["support", "oppose"]]
    assert shaped
    a, b = shaped[0][:2]
    first, second = a["text"].split(", but ", 1)
    assert _surface(a) in first and _surface(b) in second


def test_conjoined_subjects_share_the_position(records):
    for recs in _groups(records).values():
        if recs[0]["pattern"] == "conjoined":
            conj = [r for r in recs if _has(r, "conjunct")]
            assert len(conj) >= 2 and len({r["stance"] for r in conj}) == 1
            others = [r for r in recs if not _has(r, "conjunct")]
            assert all(o["stance"] != conj[0]["stance"] for o in others)


def test_apposition_head_and_appositive_actor(records):
    n = 0
    for r in records:
        if _has(r, "appositive_actor"):
            assert r["stance"] == "neutral"
            n += 1
        if _has(r, "appositive_head"):
            head = _surface(r)
            # "A, <apposition>, <verb> X": the verb after the apposition's closing comma is A's
            after = r["text"].split(head + ", ", 1)[1]
            pol, _ = _verb_after(after, after.split(", ")[0] + ",")
            assert r["stance"] == pol, r
    assert n > 20


def test_passive_agent_and_author(records):
    n = 0
    for r in records:
        if r["pattern"] != "passive":
            continue
        if _has(r, "author"):
            assert r["stance"] == "support"
        if _has(r, "agent"):
            before = r["text"][: r["text"].index(_surface(r))]
            phrase = before[: before.rindex(" by ")]
            participle = "challenged in court" if phrase.endswith(" in court") else phrase.split()[-1]
            pols = {v.pol for v in VERBS.values() if v.pp == participle}
            assert pols == {r["stance"]}, (participle, r)
            n += 1
    assert n > 50
    vetoed = [r for r in records if f"was vetoed by {_surface(r)}" in r["text"]]
    assert vetoed and all(r["stance"] == "oppose" for r in vetoed)


def test_reported_speech_reporters_are_neutral(records):
    for r in records:
        if _has(r, "reporter"):
            assert r["stance"] == "neutral", r
    # "A said B had rejected X": B oppose, A neutral
    said = [g for g in _groups(records).values() if g[0]["pattern"] == "reported" and _has(g[0], "style:said_had")]
    assert said
    for g in said:
        rep = next(r for r in g if _has(r, "reporter"))
        held = next(r for r in g if _has(r, "reported_actor"))
        pol, _ = _verb_after(held["text"], _surface(held) + " had")
        assert held["stance"] == pol and rep["stance"] == "neutral"
    # two levels deep: only the innermost actor holds the position
    deep = [g for g in _groups(records).values() if g[0]["pattern"] == "reported2"]
    assert deep
    for g in deep:
        assert sorted(r["stance"] == "neutral" for r in g if _has(r, "reporter")) == [True, True]
        inner = next(r for r in g if _has(r, "depth:2"))
        text = inner["text"]
        tail = text.split(_surface(inner), 1)[1]
        m = re.match(r" (?:had|would) ", tail)
        pol, _ = _verb_after(text, _surface(inner) + (m.group(0).rstrip() if m else ""))
        assert inner["stance"] == pol
    # an actor reporting its own intention holds it
    own = [r for r in records if _has(r, "self_report")]
    assert own and all(r["stance"] == _verb_after(r["text"], " would" if " would " in r["text"] else " had")[0] for r in own)


def test_negation_flips_polar_verbs(records):
    n = 0
    for r in records:
        if not _has(r, "negated"):
            continue
        text = r["text"]
        cue = next(c for c in (" did not ", " will not ", " would not ", " does not ", " no longer ", " refused to ", " nor ")
                   if c in text)
        pol, key = _verb_after(text, cue)
        assert r["stance"] == FLIP[pol], (key, r)
        n += 1
    assert n > 200
    examples = {"did not oppose": "support", "refused to back": "oppose", "did not discuss": "neutral"}
    for phrase, gold in examples.items():
        hits = [r for r in generate(8000, seed=4, patterns=["negation"]) if f"{_surface(r)} {phrase} " in r["text"]]
        assert hits and {r["stance"] for r in hits} == {gold}, phrase
    assert not any("refused to sign" in r["text"] for r in records)


def test_hedges_questions_conditionals_and_noncommittal_are_neutral(records):
    roles = ("hedged", "questioned", "asker", "in_condition", "uncommitted")
    polar_verbs = 0
    for r in records:
        if any(_has(r, role) for role in roles):
            assert r["stance"] == "neutral", r
            polar_verbs += any(t in r["phenomena"] for t in ("hedged_verb:support", "hedged_verb:oppose",
                                                             "questioned_verb:support", "conditional_verb:oppose"))
    assert polar_verbs > 100  # neutral although a polar verb is right there
    hedge = [r for r in records if "might consider" in r["text"] and _has(r, "hedged")]
    assert hedge and all(r["stance"] == "neutral" for r in hedge)
    cond = [r for r in records if re.search(rf"\bIf {re.escape(_surface(r))} ", r["text"])]
    assert cond and all(r["stance"] == "neutral" for r in cond)
    # the plain statement next to a hedged / conditional one keeps its polarity
    mixed = [r for r in records if r["pattern"] in ("hedge", "conditional") and _has(r, "holder")]
    assert mixed and all(r["stance"] in ("support", "oppose") for r in mixed)


def test_opposition_to_the_opposite_supports(records):
    n = 0
    for r in records:
        if not _has(r, "opposite_of_target"):
            continue
        if _has(r, "call_for"):
            assert r["stance"] == "oppose"
            continue
        pol, key = _verb_after(r["text"], _surface(r))
        assert r["stance"] == FLIP[pol], (key, r)
        n += 1
    assert n > 200
    for r in records:
        if _has(r, "opposite_agent"):
            assert r["stance"] == "oppose"
    recs = generate(5000, seed=8, patterns=["opposite"])
    crit = [r for r in recs if any(f"{_surface(r)} criticised the {noun} " in r["text"] for noun in OPPOSITE_NOUNS)]
    assert crit and {r["stance"] for r in crit} == {"support"}
    called = [r for r in recs if f"{_surface(r)} called for the " in r["text"]]
    assert called and {r["stance"] for r in called} == {"oppose"}
    assert {n for r in recs for n in OPPOSITE_NOUNS if f"the {n} " in r["text"] or f"'s {n} " in r["text"]} == set(OPPOSITE_NOUNS)


def test_bystanders_and_objects_of_the_action(records):
    for r in records:
        if _has(r, "bystander_actor") or _has(r, "urged") or _has(r, "warned"):
            assert r["stance"] == "neutral", r
    n = 0
    for g in _groups(records).values():
        if g[0]["pattern"] != "object" or len(g) < 2:
            continue
        subj, obj = g
        n += 1
        if _has(subj, "urger"):  # "A urged B to <verb> X": A holds the verb's position
            assert subj["stance"] == _verb_after(subj["text"], _surface(obj) + " to ")[0]
        elif _has(subj, "warner"):  # "A warned B against <verb>ing X": A holds the opposite
            assert subj["stance"] == FLIP[_verb_after(subj["text"], _surface(obj) + " against ")[0]]
        else:  # "A praised / criticised B for <verb>ing X": B holds the verb's position, A agrees / disagrees
            pol = _verb_after(obj["text"], _surface(obj) + " for ")[0]
            assert obj["stance"] == pol
            assert subj["stance"] == (pol if " praised " in subj["text"] else FLIP[pol])
    assert n > 100
    summit = [g for g in _groups(records).values() if " at a summit in " in g[0]["text"]]
    assert summit
    for g in summit:
        holder, by = g[0], g[1]
        assert by["stance"] == "neutral" and holder["stance"] == _verb_after(holder["text"], _surface(holder))[0]


def test_a_stated_intention_holds_its_verbs_polarity_and_a_hedged_second_actor_stays_neutral():
    recs = generate(3000, seed=5, patterns=["intent"])
    assert {r["pattern"] for r in recs} == {"intent"}
    for r in recs:
        if "stated_intent" in r["phenomena"]:
            assert r["stance"] == _verb_after(r["text"], _surface(r))[0], r
            assert not re.search(r"\b(may|might|could)\b", r["text"].split(",")[0]), r  # the intention is never hedged
        elif "hedged" in r["phenomena"]:
            assert r["stance"] == "neutral" and re.search(rf"{re.escape(_surface(r))} (may|might|could) ", r["text"]), r
    intents = [r for r in recs if "stated_intent" in r["phenomena"]]
    assert {r["stance"] for r in intents} == set(STANCES)
    assert sum(r["stance"] != "neutral" for r in intents) / len(intents) > 0.55  # mostly a position
    assert any(" will " in r["text"] for r in intents) and any(" would " in r["text"] for r in intents)
    # asking for the pattern by name leaves the default draws untouched
    assert generate(200, seed=5) == generate(200, seed=5, patterns=list(DEFAULT_PATTERNS))


def test_lexicon_is_the_issue_list():
    assert set(LEXICON["support"]) == {"endorse", "back", "hail", "welcome", "sign", "ratify", "champion", "praise",
                                       "applaud", "approve", "embrace", "push for", "vote for", "lobby for", "defend"}
    assert set(LEXICON["oppose"]) == {"reject", "denounce", "condemn", "veto", "block", "vow to fight", "withdraw from",
                                      "oppose", "slam", "criticise", "vote against", "boycott", "challenge in court",
                                      "attack"}
    assert set(LEXICON["neutral"]) == {"take note of", "examine", "remain silent on", "ask questions about",
                                       "be briefed on", "hold talks on", "discuss"}
    assert set(OPPOSITE_NOUNS) == {"withdrawal from", "repeal of", "veto of", "delay of", "cancellation of",
                                   "suspension of"}
    with pytest.raises(ValueError, match="unknown curriculum pattern 'nope'"):
        generate(3, patterns=["nope"])


# ---------------------------------------------------------------------------------- data source / pairs
def _jsonl(path: Path, rows: list[dict]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(path)


def test_curriculum_source_yields_template_pairs_with_the_right_labels():
    src = DataSource(path="generated", format="curriculum", name="cur", max_rows=300)
    tpl = TemplateSet(stance={"support": ["{actor} is in favour of {target}."], "oppose": ["{actor} is against {target}."]})
    pairs, counts = build_pairs([src], tpl, AugmentArgs(), seed=7)
    assert counts == {"cur": 600} and len(pairs) == 600
    recs = generate(300, seed=7)  # seeded from the training seed
    want = {"support": ("entailment", "contradiction"), "oppose": ("contradiction", "entailment"), "neutral": ("neutral", "neutral")}
    for rec, (pro, con) in zip(recs, zip(pairs[0::2], pairs[1::2])):
        assert pro.premise == con.premise == rec["text"]
        assert pro.hypothesis == f"{rec['actor'][:1].upper()}{rec['actor'][1:]} is in favour of {rec['target']}."
        assert con.hypothesis.endswith(f" is against {rec['target']}.")
        assert (pro.label, con.label) == want[rec["stance"]]
        assert pro.generated and pro.source == f"cur:{rec['pattern']}" and pro.texts == (rec["text"],)
    assert build_pairs([src], tpl, AugmentArgs(), seed=7)[0] == pairs
    assert build_pairs([src], tpl, AugmentArgs(), seed=8)[0] != pairs
    only = build_pairs([DataSource(path="generated", format="curriculum", max_rows=40, patterns=["question"])],
                       tpl, AugmentArgs(), seed=1)[0]
    assert {p.source for p in only} == {"curriculum:question"} and "neutral" in {p.label for p in only}


def test_premise_hook_and_mention_marking():
    recs = [{"text": "Oslo praised the deal, but Chile rejected it.", "actor": "Norway", "mentions": ["Oslo"],
             "target": "the deal", "stance": "support", "pattern": "contrast"}]
    clause = curriculum_record_pairs(recs, TemplateSet(), AugmentArgs(), random.Random(0),
                                     premise_fn=lambda text, actor, mentions, target=None: text.split(", but")[0] + ".")
    assert [p.premise for p in clause] == ["Oslo praised the deal."] * 2 and clause[0].texts == (recs[0]["text"],)
    kept = curriculum_record_pairs(recs, TemplateSet(), AugmentArgs(), random.Random(0), premise_fn=lambda *a: None)
    assert kept[0].premise == recs[0]["text"]
    marked = curriculum_record_pairs(recs, TemplateSet(), AugmentArgs(mark_mentions=True), random.Random(0))
    assert marked[0].premise == "[Oslo] praised the deal, but Chile rejected it."
    assert [p.hypothesis for p in marked] == ["Norway supports the deal.", "Norway opposes the deal."]
    assert [p.label for p in marked] == ["entailment", "contradiction"]


def _cfg(tmp_path: Path, train: list[dict], **data) -> Path:
    raw = {"model": {"base": "stancekit:default"}, "output_dir": str(tmp_path / "run"), "data": {"train": train, **data}}
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.mark.parametrize("source, key", [
    ({"path": "x.jsonl", "format": "curriculum", "max_rows": 10}, r"data\.train\[0\]\.path"),
    ({"path": "generated", "format": "curriculum"}, r"data\.train\[0\]\.max_rows"),
    ({"path": "generated", "format": "curriculum", "max_rows": 10, "columns": {"text": "t"}}, r"data\.train\[0\]\.columns"),
    ({"path": "generated", "format": "curriculum", "max_rows": 10, "patterns": ["contrast", "nope"]},
     r"data\.train\[0\]\.patterns\[1\]: unknown pattern 'nope'"),
    ({"path": "a.jsonl", "format": "stance", "patterns": ["contrast"]}, r"data\.train\[0\]\.patterns: only"),
])
def test_curriculum_config_errors_name_the_key(tmp_path, source, key):
    with pytest.raises(ConfigError, match=key) as err:
        load_finetune_config(_cfg(tmp_path, [source]))
    assert "\n" not in str(err.value)


def test_generated_data_is_never_evaluated(tmp_path):
    cur = {"path": "generated", "format": "curriculum", "max_rows": 10}
    for group in ("evaluate", "validation"):
        with pytest.raises(ConfigError, match=rf"data\.{group}\[0\]\.format: curriculum data is generated for training only"):
            load_finetune_config(_cfg(tmp_path, [cur], **{group: [cur]}))
    with pytest.raises(ConfigError, match=r"data\.dedup_against"):
        load_finetune_config(_cfg(tmp_path, [cur], dedup_against=["generated"]))


def test_validation_split_is_carved_from_natural_pairs_only(tmp_path):
    from stancekit.finetune.train import prepare_data

    nli = _jsonl(tmp_path / "nli.jsonl", [{"premise": f"p{i}", "hypothesis": f"h{i}", "label": "neutral"} for i in range(40)])
    cfg = load_finetune_config(_cfg(tmp_path, [{"path": "generated", "format": "curriculum", "max_rows": 100},
                                               {"path": nli, "name": "nli"}], validation_fraction=0.1))
    train, valid, _, counts, _ = prepare_data(cfg)
    assert counts == {"generated": 200, "nli": 40}
    assert len(valid) == 24 and not any(p.generated for p in valid)  # 10% of 240, all natural
    assert sum(p.generated for p in train) == 200


def test_attribution_config_mixes_curriculum_natural_stance_and_replay():
    cfg = load_finetune_config(ROOT / "configs" / "stance-attribution.yaml")
    assert cfg.model.base == "runs/stance-mix/model"
    cur = [s for s in cfg.data.train if s.format == "curriculum"]
    assert len(cur) == 1 and cur[0].max_rows * 2 == 12000
    mix = load_finetune_config(ROOT / "configs" / "stance-mix.yaml")
    natural = {s.name for s in mix.data.train}
    assert natural == {s.name for s in cfg.data.train if s.format != "curriculum"}
    assert [s.path for s in cfg.data.evaluate] == [s.path for s in mix.data.evaluate]
    assert cfg.data.dedup_against == mix.data.dedup_against
