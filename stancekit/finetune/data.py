"""Training data: local files → NLI pairs (premise, hypothesis, label) aligned to the model's label ids.

Three formats:

* ``nli`` — premise / hypothesis / label rows, used as they are.
* ``stance`` — (text, target, stance) examples turned into NLI pairs with stancekit's own stance templates,
  so fine-tuning trains exactly the question `StanceClassifier.label` asks. The text is framed as reported
  speech of a named speaker ('Germany said: "…"'), and two levers teach *per-actor attribution* (the hard
  part: a model that gives every actor of a paragraph the paragraph's polarity is wrong):
  composite premises where two speakers take different stances, and bystanders — a second actor
  mentioned without a position, whose hypothesis is labelled neutral.
* ``sentiment`` — (text, actor, polarity) examples turned into pairs with the sentiment templates.
* ``curriculum`` — generated stance records (`stancekit.finetune.curriculum`): texts naming several actors
  with a gold stance per actor. Each record is asked with both the "supports" and the "opposes" hypothesis
  about its own actor, through the same hypothesis and label code as ``stance`` (`stance_hypotheses`); the
  text is the premise as it is (actors are already named in it), or what ``premise_fn`` makes of it.

Label mapping for a hypothesis "X supports T." given X's gold stance: support → entailment,
oppose → contradiction, neutral → neutral (and symmetrically for "X opposes T."). This is the same
mapping the decision rule in `stancekit.decide` inverts.
"""
from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from ..actors import Actor
from ..errors import ConfigError, InputError
from ..mentions import find_mentions, mark_alias, mark_spans
from ..templates import TemplateSet, fill
from .config import DataSource
from .curriculum import PremiseFn

# Speakers for reported-speech framing: countries, leaders, organisations and generic people, so the model
# learns to attribute positions to whoever is named, not to a few names.
SPEAKERS: tuple[str, ...] = (
    "Germany", "France", "the United Kingdom", "Russia", "Ukraine", "the United States", "China", "India",
    "Japan", "Brazil", "Turkey", "Poland", "Italy", "Spain", "Canada", "Mexico", "Iran", "Israel", "Egypt",
    "South Africa", "NATO", "the European Union", "the United Nations", "the White House", "the Kremlin",
    "Moscow", "Washington", "Beijing", "Berlin", "Paris", "London", "Kyiv", "the government", "the opposition",
    "the senator", "the minister", "the president", "the prime minister", "the chancellor", "the envoy",
    "Maria Lopez", "John Carter", "Ahmed Hassan", "Li Wei", "Anna Kowalski", "Olga Petrenko", "James Miller",
    "Fatima Khan", "Pierre Dubois", "Hans Becker", "the union", "the company", "activists", "the committee",
    "Trump", "Putin", "Zelensky", "Macron", "Merz", "Starmer", "Erdogan", "Xi", "Modi", "the governor",
)
FRAMINGS: tuple[str, ...] = (
    '{speaker} said: "{text}"',
    '{speaker} wrote: "{text}"',
    'In a statement, {speaker} said: "{text}"',
    '"{text}", {speaker} said.',
    'According to {speaker}, "{text}"',
    '{speaker} posted: "{text}"',
)
BYSTANDER_FRAMINGS: tuple[str, ...] = (
    'After talks with {other}, {speaker} said: "{text}"',
    '{speaker} said at a meeting with {other}: "{text}"',
    'Asked about {other}, {speaker} said: "{text}"',
    '"{text}", {speaker} told reporters, with {other} present.',
)
JOINERS: tuple[str, ...] = (" ", " Meanwhile, ", " However, ", " In response, ")

# Pronoun targets (NewsMTSC annotates some) make ungrammatical hypotheses ("Her is portrayed …"): skipped.
_PRONOUNS = frozenset("i me my we us our you your he him his she her hers it its they them their".split())
NLI_LABELS = ("entailment", "neutral", "contradiction")
_POLAR = {"support": "oppose", "oppose": "support", "positive": "negative", "negative": "positive"}


@dataclass
class Pair:
    premise: str
    hypothesis: str
    label: str  # entailment | neutral | contradiction | not_entailment
    source: str
    texts: tuple[str, ...] = ()  # stance / sentiment: the examples' own texts before framing and marking (dedup)
    generated: bool = False  # curriculum pairs: training only (never carved into the validation split)


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", str(s)).strip().lower()


def pair_key(premise: str, hypothesis: str) -> str:
    """Normalised key used for de-duplication against evaluation data."""
    return hashlib.sha1(f"{_norm(premise)}\x1f{_norm(hypothesis)}".encode()).hexdigest()


def premise_key(text: str) -> str:
    return hashlib.sha1(_norm(text).encode()).hexdigest()


def load_rows(src: DataSource) -> list[dict[str, Any]]:
    """Read one local file through `datasets.load_dataset` (json / csv / parquet by extension)."""
    import datasets

    path = Path(src.path)
    if not path.exists():
        raise InputError(f"{src.path}: data file not found")
    ext = path.suffix.lower().lstrip(".")
    builder = {"jsonl": "json", "json": "json", "csv": "csv", "tsv": "csv", "parquet": "parquet"}.get(ext)
    if builder is None:
        raise ConfigError(f"{src.path}: unsupported data file type .{ext} (use .jsonl, .json, .csv, .tsv, .parquet)")
    kwargs: dict[str, Any] = {"data_files": str(path), "split": "train"}
    if ext == "tsv":
        kwargs["delimiter"] = "\t"
        kwargs["quoting"] = 3  # csv.QUOTE_NONE: TSV corpora (e.g. CAD-SNLI) use bare quote characters in text
    datasets.disable_progress_bars()
    try:
        ds = datasets.load_dataset(builder, **kwargs)
    except Exception as exc:  # datasets raises many types for malformed files
        raise InputError(f"{src.path}: cannot read as {builder}: {str(exc).splitlines()[0][:200]}") from None
    finally:
        datasets.enable_progress_bars()
    rows = ds.to_list()
    for col, want in src.filter.items():
        rows = [r for r in rows if r.get(col) == want]
    return rows


def _col(src: DataSource, row: dict, field: str, where: int) -> Any:
    name = src.columns.get(field, field)
    if name not in row:
        raise ConfigError(
            f"{src.path}: row {where} has no column {name!r} for {field!r} (set columns.{field} in the config; "
            f"columns found: {', '.join(sorted(row))})"
        )
    return row[name]


def _map_label(src: DataSource, value: Any, allowed: tuple[str, ...]) -> str | None:
    key = str(value)
    if isinstance(value, float) and value.is_integer():
        key = str(value)  # keep "2.0" as written in NewsMTSC
    if src.labels:
        if key not in src.labels:
            raise ConfigError(f"{src.path}: label {key!r} is not in labels mapping ({', '.join(src.labels)})")
        mapped = src.labels[key]
    else:
        mapped = key.lower()
    if mapped is None:
        return None
    if mapped not in allowed:
        raise ConfigError(f"{src.path}: label {key!r} maps to {mapped!r}, expected one of {', '.join(allowed)}")
    return mapped


def nli_pairs(src: DataSource, rows: list[dict]) -> list[Pair]:
    out = []
    for i, row in enumerate(rows):
        label = _map_label(src, _col(src, row, "label", i), NLI_LABELS + ("not_entailment",))
        if label is None:
            continue
        p, h = _col(src, row, "premise", i), _col(src, row, "hypothesis", i)
        if not p or not h:
            continue
        out.append(Pair(str(p), str(h), label, src.name or src.path))
    return out


def _hyp_label(gold: str, hyp_label: str) -> str:
    """NLI label of a hypothesis asserting ``hyp_label`` when the truth is ``gold``."""
    if gold == hyp_label:
        return "entailment"
    if gold == "neutral":
        return "neutral"
    return "contradiction" if _POLAR.get(hyp_label) == gold else "neutral"


def stance_hypotheses(templates: TemplateSet, actor: str, target: str, gold: str, labels: Iterable[str],
                      rng: random.Random) -> list[tuple[str, str]]:
    """(hypothesis, NLI label) for each asked stance label: one of the label's templates (chosen with ``rng``)
    filled with the actor and target, labelled from the actor's gold stance (`_hyp_label`). Shared by natural
    stance data and the curriculum, so both train exactly the question `label` asks."""
    return [(fill(rng.choice(templates.stance[lab]), actor=actor, target=target), _hyp_label(gold, lab)) for lab in labels]


def _target(src: DataSource, target: str) -> str:
    t = str(target).strip().rstrip(".")
    if src.target_prefix:
        t = src.target_prefix + t[:1].lower() + t[1:]
    return t


def stance_pairs(src: DataSource, rows: list[dict], templates: TemplateSet, augment, rng: random.Random) -> list[Pair]:
    """Stance examples → stance-shaped NLI pairs (reported speech, composites, bystanders)."""
    examples = []
    for i, row in enumerate(rows):
        gold = _map_label(src, _col(src, row, "label", i), ("support", "oppose", "neutral"))
        text = str(_col(src, row, "text", i) or "").strip()
        if gold is None or not text:
            continue
        examples.append((text, _target(src, _col(src, row, "target", i)), gold))
    if getattr(augment, "balance_stance", False):
        examples = balance_polar(examples, rng)
    name = src.name or src.path
    out: list[Pair] = []
    mark = augment.mark_mentions

    def add(premise: str, who: str, h: str, lab: str, source: str, *texts: str) -> None:
        # With mention marking the premise is per hypothesis: only the asked actor is marked, so a
        # composite premise gives each speaker's hypothesis its own view of who is being asked about.
        out.append(Pair(mark_alias(premise, who) if mark else premise, h, lab, source, texts))

    def hyps(actor: str, target: str, gold: str) -> list[tuple[str, str]]:
        labels = ["support", "oppose"] if augment.both_hypotheses else [rng.choice(["support", "oppose"])]
        return stance_hypotheses(templates, actor, target, gold, labels, rng)

    by_target: dict[str, list[int]] = {}
    for idx, (_, target, _) in enumerate(examples):
        by_target.setdefault(target, []).append(idx)
    targets = sorted(by_target)
    for idx, (text, target, gold) in enumerate(examples):
        speaker = rng.choice(SPEAKERS)
        roll = rng.random()
        if len(targets) > 1 and rng.random() < augment.unrelated_fraction:
            # The speaker's text says nothing about an unrelated target: neutral. Without these, stance
            # data teaches that a speaker always takes a side (real articles mostly mention actors neutrally).
            other_t = rng.choice([t for t in targets if t != target])
            who = speaker if src.framing else "The author"
            premise_u = _cap(rng.choice(FRAMINGS).format(speaker=speaker, text=text)) if src.framing else text
            for h, _ in hyps(who, other_t, "neutral"):
                add(premise_u, who, h, "neutral", name + ":unrelated", text)
        if not src.framing:
            # Unframed text: the hypothesis is about the text's author.
            for h, lab in hyps("The author", target, gold):
                add(text, "The author", h, lab, name, text)
            continue
        if roll < augment.composite_fraction and len(by_target[target]) > 1:
            j = rng.choice(by_target[target])
            if j != idx and examples[j][2] != gold:
                other = rng.choice([s for s in SPEAKERS if s != speaker])
                text2, _, gold2 = examples[j]
                first = rng.choice(FRAMINGS).format(speaker=speaker, text=text)
                second = rng.choice(FRAMINGS).format(speaker=other, text=text2)
                premise = first + rng.choice(JOINERS) + second
                for who, g in ((speaker, gold), (other, gold2)):
                    for h, lab in hyps(who, target, g):
                        add(_cap(premise), who, h, lab, name + ":composite", text, text2)
                continue
        if roll > 1 - augment.bystander_fraction:
            other = rng.choice([s for s in SPEAKERS if s != speaker])
            premise = _cap(rng.choice(BYSTANDER_FRAMINGS).format(speaker=speaker, other=other, text=text))
            for h, lab in hyps(speaker, target, gold):
                add(premise, speaker, h, lab, name, text)
            for h, _ in hyps(other, target, "neutral"):
                add(premise, other, h, "neutral", name + ":bystander", text)
            continue
        premise = _cap(rng.choice(FRAMINGS).format(speaker=speaker, text=text))
        for h, lab in hyps(speaker, target, gold):
            add(premise, speaker, h, lab, name, text)
    return out


def balance_polar(examples: list[tuple[str, str, str]], rng: random.Random) -> list[tuple[str, str, str]]:
    """As many support as oppose examples: the larger side is sampled down (order kept; neutral untouched).

    >>> ex = [("a", "t", "oppose"), ("b", "t", "oppose"), ("c", "t", "support"), ("d", "t", "neutral")]
    >>> sorted(g for _, _, g in balance_polar(ex, random.Random(0)))
    ['neutral', 'oppose', 'support']
    """
    sup = [i for i, e in enumerate(examples) if e[2] == "support"]
    opp = [i for i, e in enumerate(examples) if e[2] == "oppose"]
    if not sup or not opp or len(sup) == len(opp):
        return examples
    big, small = (sup, opp) if len(sup) > len(opp) else (opp, sup)
    drop = set(big) - set(rng.sample(big, len(small)))
    return [e for i, e in enumerate(examples) if i not in drop]


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def sentiment_pairs(src: DataSource, rows: list[dict], templates: TemplateSet, augment, rng: random.Random) -> list[Pair]:
    """(text, actor, polarity) → pairs with the sentiment templates. A row may hold a list of targets
    (NewsMTSC: ``targets: [{mention, polarity}]``) — set ``columns.targets`` for that layout."""
    out = []
    name = src.name or src.path
    for i, row in enumerate(rows):
        text = str(_col(src, row, "text", i) or "").strip()
        if not text:
            continue
        if "targets" in src.columns:
            items = [(t[src.columns.get("actor", "mention")], t[src.columns.get("label", "polarity")]) for t in row[src.columns["targets"]]]
        else:
            items = [(_col(src, row, "actor", i), _col(src, row, "label", i))]
        for actor, raw in items:
            gold = _map_label(src, raw, ("positive", "negative", "neutral"))
            actor = str(actor or "").strip(" \"'“”‘’.,;:()[]")
            if gold is None or not actor or actor.lower() in _PRONOUNS:
                continue
            labels = ["positive", "negative"] if augment.both_hypotheses else [rng.choice(["positive", "negative"])]
            premise = mark_alias(text, actor) if augment.mark_mentions else text
            for lab in labels:
                h = _cap(rng.choice(templates.sentiment[lab]).format(actor=actor))
                out.append(Pair(premise, h, _hyp_label(gold, lab), name, (text,)))
    return out


def mark_mentions(text: str, actor: str, mentions: Iterable[str]) -> str:
    """Mark every mention of one actor (its name and the given surface forms; longest first, as `label`
    does) in ``text``."""
    found = find_mentions(text, [Actor(actor, tuple(dict.fromkeys([actor, *mentions])))])
    return mark_spans(text, [(m.start, m.end) for m in found])


def curriculum_record_pairs(records: Iterable[dict], templates: TemplateSet, augment, rng: random.Random,
                            name: str = "curriculum", premise_fn: PremiseFn | None = None) -> list[Pair]:
    """Curriculum records → NLI pairs: per record the "supports" and the "opposes" hypothesis about the
    record's actor (support → entailment / contradiction, oppose → contradiction / entailment, neutral →
    neutral / neutral), and for a share ``augment.unrelated_fraction`` of records the premise asked about another
    record's target (neutral). ``premise_fn(text, actor, mentions, text_target)`` may replace the text by the part that
    concerns the actor (e.g. the clause it governs); a falsy result keeps the text. It may also return
    ``(premise, flip)``: with ``flip`` the clause acts on an undoing of the target, which `label` answers by
    swapping support and oppose (``flip_opposite``), so the pair is labelled with the swapped label and model
    and rule together give the gold. ``augment.mark_mentions`` marks
    the actor's mentions in the premise as for stance data."""
    out = []
    records = list(records)
    group = _target_groups(records)
    targets = sorted(group)
    for rec in records:
        text, actor = rec["text"], rec["actor"]
        mentions = tuple(rec.get("mentions") or (actor,))
        made = premise_fn(text, actor, mentions, rec.get("text_target")) if premise_fn is not None else None
        flip = False
        if isinstance(made, tuple):  # (premise, flip): the label config's flip rule will swap the answer back
            made, flip = made
        premise = made or text
        if augment.mark_mentions:
            premise = mark_mentions(premise, actor, mentions)
        source = f"{name}:{rec.get('pattern', 'curriculum')}"
        gold = rec["stance"]
        if flip and gold in ("support", "oppose"):
            gold = "oppose" if gold == "support" else "support"
        for h, lab in stance_hypotheses(templates, actor, rec["target"], gold, ("support", "oppose"), rng):
            out.append(Pair(premise, h, lab, source, (text,), generated=True))
        others = [t for t in targets if group[t] != group[rec["target"]] and t.lower() not in text.lower()]
        if others and rng.random() < augment.unrelated_fraction:
            # The same premise asked about a target it does not concern: neutral. Without these the model
            # learns that a named actor doing anything supports whatever target is asked about.
            other = rng.choice(others)
            for h, _ in stance_hypotheses(templates, actor, other, "neutral", [rng.choice(["support", "oppose"])], rng):
                out.append(Pair(premise, h, "neutral", source + ":unrelated", (text,), generated=True))
    return out


def _target_groups(records: list[dict]) -> dict[str, int]:
    """Hypothesis target -> group id; targets that share a wording in some text ("the trade pact" / "the trade
    deal") are one group, so an "unrelated" target is never a paraphrase of the record's own."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for rec in records:
        a, b = find("h:" + rec["target"]), find("t:" + str(rec.get("text_target") or rec["target"]))
        parent[a] = b
    roots: dict[str, int] = {}
    return {rec["target"]: roots.setdefault(find("h:" + rec["target"]), len(roots)) for rec in records}


def curriculum_pairs(src: DataSource, templates: TemplateSet, augment, rng: random.Random, seed: int,
                     premise_fn: PremiseFn | None = None) -> list[Pair]:
    """A ``format: curriculum`` source: ``src.max_rows`` records generated with ``seed`` → pairs."""
    from .curriculum import generate

    if src.max_rows is None:
        raise ConfigError(f"{src.name or src.path}: max_rows is required for format curriculum")
    records = generate(src.max_rows, seed=seed, patterns=src.patterns or None)
    return curriculum_record_pairs(records, templates, augment, rng, src.name or "curriculum", premise_fn)


def build_pairs(sources: Iterable[DataSource], templates: TemplateSet, augment, seed: int,
                premise_fn: PremiseFn | None = None) -> tuple[list[Pair], dict[str, int]]:
    """All sources → pairs; returns the pairs and a pair count per source (for the model card).
    ``premise_fn`` applies to curriculum sources (see `curriculum_record_pairs`)."""
    rng = random.Random(seed)
    pairs: list[Pair] = []
    counts: dict[str, int] = {}
    for src in sources:
        if src.format == "curriculum":
            got = curriculum_pairs(src, templates, augment, rng, seed, premise_fn)
            counts[src.name or src.path] = len(got)
            pairs.extend(got)
            continue
        rows = load_rows(src)
        if src.max_rows is not None and len(rows) > src.max_rows:
            rows = random.Random(seed).sample(rows, src.max_rows)
        if src.format == "nli":
            got = nli_pairs(src, rows)
        elif src.format == "stance":
            got = stance_pairs(src, rows, templates, augment, rng)
        else:
            got = sentiment_pairs(src, rows, templates, augment, rng)
        counts[src.name or src.path] = len(got)
        pairs.extend(got)
    return pairs, counts


def dedup(train: list[Pair], against: list[Pair]) -> tuple[list[Pair], int]:
    """Drop training pairs that also appear in evaluation data (and duplicates within training)."""
    banned = {pair_key(p.premise, p.hypothesis) for p in against}
    seen: set[str] = set()
    kept = []
    for p in train:
        k = pair_key(p.premise, p.hypothesis)
        if k in banned or k in seen:
            continue
        seen.add(k)
        kept.append(p)
    return kept, len(train) - len(kept)


def align_labels(pairs: list[Pair], label2id: dict[str, int]) -> list[int]:
    """Map label strings onto the checkpoint's ids. A 2-way head folds neutral and contradiction into
    not_entailment; a 3-way head refuses 2-way rows (their neutral/contradiction split is unknown)."""
    ids = []
    two_way = set(label2id) == {"entailment", "not_entailment"}
    for p in pairs:
        lab = p.label
        if two_way and lab in ("neutral", "contradiction"):
            lab = "not_entailment"
        if lab not in label2id:
            raise ConfigError(f"{p.source}: label {lab!r} does not exist in the model's labels ({', '.join(label2id)})")
        ids.append(label2id[lab])
    return ids
