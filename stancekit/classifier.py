"""`StanceClassifier`: article text -> per-paragraph, per-actor stance and sentiment records.

Three stages, like transformers' pipelines, so each can be tested and reused on its own:

- `preprocess`: segment the text, find actor mentions, build premise units that fit the model
  window, and list the (premise, hypothesis) pairs they need;
- `forward`: score every pair of one or many documents in a single de-duplicated job list
  (`NLIScorer.score_full`), so batches are full even when documents are short;
- `postprocess`: apply the decision rule (`stancekit.decide`) and build `Record`s.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

import numpy as np

from . import decide as _decide
from .actors import Actor, ActorsSpec, build_actors
from .attribution import NO_POSITION
from .config import LabelConfig, load_config
from .coref import PronounLink, entities, has_opening_pronoun, link_pronouns, person_actors, with_names
from .errors import ConfigError, ModelError
from .mentions import MentionFinder, actor_phrase, mark_actor
from .nli import NLIScorer
from .records import DocumentResult, Record
from .segment import Paragraph, segment
from .targets import Target, as_target
from .windows import Unit, premise_units

#: Where the bundled default model lives (trained and shipped separately; may be absent).
DEFAULT_MODEL_DIR: Path = Path(__file__).resolve().parent / "models" / "nli-mpnet"
MODEL_ENV = "STANCEKIT_MODEL"

ActorsArg = Mapping[str, Sequence[str] | None] | Sequence[Actor | str] | ActorsSpec


def bundled_models() -> list[str]:
    """Names of the models shipped inside the package (``--model bundled:<name>``)."""
    root = DEFAULT_MODEL_DIR.parent
    return sorted(p.name for p in root.iterdir() if (p / "config.json").is_file()) if root.is_dir() else []


def resolve_model(model: str | os.PathLike | None = None) -> str:
    """Model to load: explicit argument > $STANCEKIT_MODEL > bundled DEFAULT_MODEL_DIR. ``bundled:<name>``
    names a model shipped in the package (`bundled_models`)."""
    if model is not None and str(model).strip().startswith("bundled:"):
        name = str(model).strip()[len("bundled:"):].strip()
        path = DEFAULT_MODEL_DIR.parent / name
        if not name or not (path / "config.json").is_file():
            raise ModelError(f"--model {model}: no such bundled model (bundled: {', '.join(bundled_models()) or 'none'})")
        return str(path)
    if model is not None and str(model).strip():
        return str(model)
    env = os.environ.get(MODEL_ENV, "").strip()
    if env:
        if _looks_like_path(env) and not Path(env).expanduser().exists():
            raise ModelError(
                f"${MODEL_ENV}={env}: model not found (no such folder); fix or unset ${MODEL_ENV}, or pass --model"
            )
        return str(Path(env).expanduser()) if env.startswith("~") else env
    if (DEFAULT_MODEL_DIR / "config.json").is_file():
        return str(DEFAULT_MODEL_DIR)
    raise ModelError(
        "no NLI model: pass --model PATH_OR_HUB_ID, set STANCEKIT_MODEL, or install the bundled default model"
    )


#: A text with more paragraphs than this gets a progress bar over its preparation (``progress=None``).
PROGRESS_PARAGRAPHS = 200

#: Parsed sentences kept per classifier (the oldest is dropped first).
_PARSE_CACHE_SIZE = 20_000



@dataclass(frozen=True)
class StancePremise:
    """What the stance question of one unit asks: the premise shown to the model (a sentence, or with
    ``premise: clause`` the clause the actor governs), the attribution role that chose it
    (`stancekit.attribution.Clause.role`), whether support and oppose are swapped (opposing an undoing of
    the target), the target phrase asked, the name the hypothesis gives the actor, and the direction a threat
    reveals (``direction``: the model's support and oppose mass both go to it)."""

    text: str
    role: str = "sentence"
    flip: bool = False
    target_phrase: str = ""
    #: How the stance hypothesis names the actor (`actor_phrase`): its name, or the alias the premise uses.
    actor_phrase: str = ""
    #: "support" / "oppose" for a threat over the target (`stancekit.attribution.Clause.direction`), else None.
    direction: str | None = None


def _looks_like_path(name: str) -> bool:
    """A local path rather than a hub id ("org/name" or "name")."""
    return os.path.isabs(name) or name.startswith((".", "~")) or "\\" in name or name.count("/") > 1


def display_model_name(name: str | os.PathLike) -> str:
    """How a model is named in tables, HTML, reports and corpus manifests: ``bundled: nli-minilm`` for a
    bundled model (never an absolute path into the installed package), else the name the user gave."""
    try:
        path = Path(name).expanduser().resolve()
        if path.parent == DEFAULT_MODEL_DIR.parent.resolve() and (path / "config.json").is_file():
            return f"bundled: {path.name}"
    except (OSError, ValueError, RuntimeError):
        pass
    return str(name)


@dataclass
class _Item:
    """One (paragraph, actor) awaiting scores: its units and, per unit, the pair ids per label.

    ``units`` are the sentiment premises; ``stance`` holds, per unit, the stance premise built from it.
    A ``None`` in ``stance_ids`` is a unit whose stance is neutral by rule (a bystander), not asked."""

    paragraph: int
    actor: str
    mentions: list[str]
    units: list[Unit]
    stance: list[StancePremise] = field(default_factory=list)
    stance_ids: list[dict[str, list[int]] | None] = field(default_factory=list)
    sentiment_ids: list[dict[str, list[int]]] = field(default_factory=list)


@dataclass
class Prepared:
    """Output of `preprocess` for one document: pending items and the pairs they need."""

    doc_id: str | None
    target: str
    paragraphs: int
    actors: list[str]
    not_mentioned: list[str]
    items: list[_Item]
    pairs: list[tuple[str, str]]


def _sentence_spans(mentions: Sequence[Any], sent: Any) -> list[tuple[int, int]]:
    """The (start, end) offsets, within sentence ``sent``, of the ``mentions`` (paragraph offsets) that overlap it:
    what `stancekit.attribution` takes for an actor's mentions in a parsed sentence."""
    return [(m.start - sent.start, m.end - sent.start) for m in mentions if m.start < sent.end and m.end > sent.start]


class StanceClassifier:
    """Labels the stance of named actors toward a target, paragraph by paragraph."""

    def __init__(self, scorer: NLIScorer, config: LabelConfig | None = None, model_name: str | None = None) -> None:
        self.scorer = scorer
        self.config = config if config is not None else load_config()
        self.model_name = model_name or display_model_name(scorer.name)
        #: (pipeline id, sentence) -> parsed sentence, for `_parse_sentences` (oldest dropped first).
        self._parse_cache: dict[tuple[int, str], Any] = {}

    @classmethod
    def from_pretrained(
        cls,
        model: str | os.PathLike | None = None,
        config: str | os.PathLike | LabelConfig | None = None,
        *,
        trust_remote_code: bool = False,
        **overrides: Any,
    ) -> "StanceClassifier":
        """Load the model (see `resolve_model`) and label config; ``overrides`` replace config
        keys (``batch_size=8``, ``device="cpu"``, ``neutral_margin=0.1``; None keeps the config)."""
        cfg = config if isinstance(config, LabelConfig) else load_config(config)
        if overrides:
            cfg = cfg.with_overrides(**overrides)
        name = resolve_model(model)
        scorer = NLIScorer.from_pretrained(
            name,
            label_mapping=cfg.label_mapping,
            device=cfg.device,
            dtype=cfg.dtype,
            trust_remote_code=trust_remote_code,
            max_length=cfg.max_length,
            batch_size=cfg.batch_size,
            token_budget=cfg.token_budget,
            backend=cfg.backend,
        )
        return cls(scorer, cfg, model_name=display_model_name(name))

    # ------------------------------------------------------------------ public API
    def label(
        self,
        text: str,
        target: str | Target | None = None,
        actors: ActorsArg | None = None,
        *,
        doc_id: str | None = None,
        progress: bool | None = None,
        parser: Any | None = None,
    ) -> DocumentResult:
        """Records for every (paragraph, mentioned actor) of one document.

        ``target``: a string, or a `Target` with the other phrases the text uses for it
        (``Target("the nuclear agreement", ("the deal", "the accord"))``); with ``target_linking`` on, each
        premise is asked about the phrase it uses itself (recorded as ``Record.target_phrase``).
        ``parser``: what parses sentences for ``premise: clause`` (anything with spaCy's ``pipe(texts)``);
        default `stancekit.attribution.load_parser`. The spaCy component passes the sentences its document
        already has parsed."""
        return next(self.label_many([(doc_id, text)], target, actors, progress=progress, parser=parser))

    def label_many(
        self,
        docs: Iterable[tuple[str | None, str]],
        target: str | Target | None = None,
        actors: ActorsArg | None = None,
        *,
        docs_per_batch: int = 16,
        progress: bool | None = None,
        parser: Any | None = None,
    ) -> Iterator[DocumentResult]:
        """Label many documents, scoring the pairs of ``docs_per_batch`` documents as one job list."""
        actor_list, spec_target = self._actors(actors)
        tgt = self._target(target, spec_target)
        finder = MentionFinder(actor_list)
        chunk: list[Prepared] = []
        for doc_id, text in docs:
            chunk.append(
                self.preprocess(text, tgt, actor_list, doc_id=doc_id, finder=finder, parser=parser, progress=progress)
            )
            if len(chunk) >= docs_per_batch:
                yield from self._finish(chunk, progress)
                chunk = []
        if chunk:
            yield from self._finish(chunk, progress)

    def _finish(self, chunk: list[Prepared], progress: bool | None) -> Iterator[DocumentResult]:
        index: dict[tuple[str, str], int] = {}
        offsets = []
        for prep in chunk:
            local = [index.setdefault(p, len(index)) for p in prep.pairs]
            offsets.append(np.asarray(local, dtype=np.int64))
        scores = self.forward(list(index), progress=progress)
        for prep, ids in zip(chunk, offsets):
            yield self.postprocess(prep, scores.probs[ids] if len(ids) else scores.probs[:0])

    @property
    def marks_mentions(self) -> bool:
        """Whether premises get the asked actor's mentions marked ("[Germany] said ..."): the config's
        ``mark_mentions``, or with "auto" whatever the model was trained with."""
        return self.config.marks(self.scorer.marks_mentions)

    # ------------------------------------------------------------------ stages
    def preprocess(
        self,
        text: str,
        target: str | Target,
        actors: Sequence[Actor],
        *,
        doc_id: str | None = None,
        finder: MentionFinder | None = None,
        parser: Any | None = None,
        progress: bool | None = False,
    ) -> Prepared:
        """Segment, find mentions, build premise units and the pairs they need (no model call
        except the tokenizer, which sizes the units, and the parser with ``premise: clause``: ``parser``,
        else `stancekit.attribution.load_parser`). ``progress``: a bar over paragraphs — True always,
        None for a long text (more than `PROGRESS_PARAGRAPHS` paragraphs), False never."""
        cfg = self.config
        tgt = as_target(target)
        finder = finder or MentionFinder(actors)
        marking = self.marks_mentions
        paragraphs = segment(text)
        order = [a.name for a in actors]
        mentioned: set[str] = set()
        pair_index: dict[tuple[str, str], int] = {}
        items: list[_Item] = []
        clause_mode = cfg.premise == "clause"
        own_parser = parser is None  # stancekit's own pipeline: its parses may be reused across documents
        parser = (parser if parser is not None else self._parser()) if clause_mode else None
        unit_mode = "sentences" if clause_mode else cfg.premise
        context = 0 if clause_mode else cfg.context_sentences
        phrases = tgt.phrases if cfg.target_linking else (tgt.name,)
        sent_h: dict[str, dict[str, list[str]]] = {}  # filled by sent_hyps, per name asked

        def sent_hyps(name: str) -> dict[str, list[str]]:
            if name not in sent_h:
                sent_h[name] = cfg.templates.sentiment_hypotheses(name)
            return sent_h[name]

        aliases = {a.name: [x for x in a.aliases if x != a.name] for a in actors}
        stance_h: dict[tuple[str, str], dict[str, list[str]]] = {}

        def stance_hyps(name: str, phrase: str) -> dict[str, list[str]]:
            key = (name, phrase)
            if key not in stance_h:
                stance_h[key] = cfg.templates.stance_hypotheses(name, phrase)
            return stance_h[key]

        def ids(premise: str, hyps: dict[str, list[str]]) -> dict[str, list[int]]:
            return {lab: [pair_index.setdefault((premise, h), len(pair_index)) for h in hs] for lab, hs in hyps.items()}

        bar = None
        if progress or (progress is None and len(paragraphs) > PROGRESS_PARAGRAPHS):
            from tqdm.auto import tqdm

            bar = tqdm(total=len(paragraphs), desc="paragraphs", unit="para", leave=False)
        room: dict[str, int] = {}

        def premise_room(name: str) -> int:
            """Premise tokens that fit next to the longest of the actor's hypotheses (every target phrase, both
            questions); computed once per actor, when it is first mentioned."""
            if name not in room:
                names = [name, *aliases.get(name, ())] if cfg.actor_linking else [name]
                room[name] = self.scorer.max_premise_tokens(
                    [h for n in names for ph in phrases for hs in stance_hyps(n, ph).values() for h in hs]
                    + [h for n in names for hs in sent_hyps(n).values() for h in hs]
                )
            return room[name]

        links = self._pronoun_links(paragraphs, finder) if cfg.resolve_pronouns else {}
        latest_undoing: str | None = None  # the latest undoing of the target reported so far (`undo_event`)
        sides: set[tuple[str, str]] = set()  # (person, the side its title names) so far (`title_sides`)
        for para in paragraphs:
            if bar is not None:
                bar.update(1)
            if not para.is_content:
                continue
            found = finder.find(para.text)
            if links.get(para.index):  # "... . She accused ...": read the pronoun as the name it stands for
                para = with_names(para, links[para.index])
                found = finder.find(para.text)
            by_actor: dict[str, list] = {}
            for m in found:
                by_actor.setdefault(m.actor, []).append(m)
            parsed = self._parse_sentences(parser, para, found, reuse=own_parser) if parser is not None else {}
            undo_before, latest_undoing = self._undo_events(parsed, para, tgt, latest_undoing)
            sides |= self._title_sides(parsed, para, found)
            for name in order:
                ms = by_actor.get(name)
                if not ms:
                    continue
                count = self.scorer.count_tokens
                if marking:  # size the windows with their markers in, so a marked premise still fits
                    count = lambda t, _n=name: self.scorer.count_tokens(mark_actor(t, finder, _n))  # noqa: E731
                units = premise_units(
                    para,
                    ms,
                    max_tokens=premise_room(name),
                    count_tokens=count,
                    mode=unit_mode,
                    context_sentences=context,
                )
                if not units:
                    continue
                mentioned.add(name)
                item = _Item(para.index, name, list(dict.fromkeys(m.surface for m in ms)), units)
                own_side = [m for m in found if (name, m.actor) in sides]
                for unit in units:
                    sp = self._stance_premise(para, unit, ms, tgt, parsed, name, undo_before, own_side)
                    item.stance.append(sp)
                    premise = mark_actor(sp.text, finder, name) if marking else sp.text
                    item.stance_ids.append(
                        None if sp.role in NO_POSITION else ids(premise, stance_hyps(sp.actor_phrase or name, sp.target_phrase))
                    )
                    upremise = mark_actor(unit.text, finder, name) if marking else unit.text
                    who = self._actor_phrase(name, unit.text, unit, para, ms, parsed)
                    item.sentiment_ids.append(ids(upremise, sent_hyps(who)))
                items.append(item)
        if bar is not None:
            bar.close()
        return Prepared(
            doc_id=doc_id,
            target=tgt.name,
            paragraphs=len(paragraphs),
            actors=order,
            not_mentioned=[n for n in order if n not in mentioned],
            items=items,
            pairs=list(pair_index),
        )

    # ------------------------------------------------------------------ premises
    @staticmethod
    def _pronoun_links(paragraphs: Sequence[Paragraph], finder: MentionFinder) -> dict[int, list[PronounLink]]:
        """Paragraph index -> its sentence-opening "He"/"She" linked to the person named just before
        (`stancekit.coref`). The recogniser is loaded only for a text that has such a sentence; without it, people
        are told by the gazetteer and the titles before their names."""
        content = [p for p in paragraphs if p.is_content]
        if not any(has_opening_pronoun(p) for p in content):
            return {}
        from .ner import load_ner

        mentions = [finder.find(p.text) for p in content]
        ents = entities(content, load_ner())
        persons = person_actors(content, mentions, ents)
        if not any(persons.values()):
            return {}
        return {p.index: ls for p, ms, es in zip(content, mentions, ents) if (ls := link_pronouns(p, ms, persons, es))}

    def _parser(self) -> Any | None:
        from .attribution import load_parser, warn_no_parser

        parser = load_parser(self.config.parser)
        if parser is None:
            warn_no_parser()
        return parser

    def _parse_sentences(
        self, parser: Any, para: Paragraph, mentions: Sequence[Any], reuse: bool = True
    ) -> dict[int, Any]:
        """Parse (in one batch) the sentences of ``para`` that mention an actor: sentence id -> Doc. With
        ``reuse``, a sentence parsed before by the same pipeline (boilerplate, a repeated quote, the same text in
        another document) is not parsed again."""
        want = [
            i for i, s in enumerate(para.sentences) if any(m.start < s.end and m.end > s.start for m in mentions)
        ]
        if not reuse:
            return dict(zip(want, parser.pipe([para.sentences[i].text for i in want]) if want else []))
        cache = self._parse_cache
        key = id(parser)
        texts = [para.sentences[i].text for i in want]
        todo = list(dict.fromkeys(t for t in texts if (key, t) not in cache))
        for text, doc in zip(todo, parser.pipe(todo) if todo else []):
            if len(cache) >= _PARSE_CACHE_SIZE:
                cache.pop(next(iter(cache)))  # oldest first
            cache[(key, text)] = doc
        return {i: cache[(key, t)] for i, t in zip(want, texts)}

    def _stance_premise(
        self,
        para: Paragraph,
        unit: Unit,
        mentions: Sequence[Any],
        target: Target,
        parsed: Mapping[int, Any],
        actor: str = "",
        undo_before: Mapping[int, str | None] | None = None,
        own_side: Sequence[Any] = (),
    ) -> StancePremise:
        """The stance premise of one unit: the unit itself, or with ``premise: clause`` the clause the actor
        governs in the unit's sentence; the target phrase to ask about; and the actor's name in the hypothesis
        (`actor_phrase`). ``own_side``: the paragraph's mentions of the sides the actor speaks for."""
        cfg = self.config
        text, role, flip, direction = unit.text, "sentence", False, None
        sid = unit.sentence_ids[0] if len(unit.sentence_ids) == 1 else None
        if sid is not None and not unit.split and sid in parsed:
            from .attribution import attribute

            sent = para.sentences[sid]
            spans = _sentence_spans(mentions, sent)
            tspans = [(a, b) for a, b, _ in target.find(sent.text)] if cfg.target_linking else []
            phrase = target.phrase_for(sent.text, spans) if cfg.target_linking else target.name
            fallback = None if tspans else self._phrase(target, unit.text, unit, para, mentions)
            clause = attribute(parsed[sid], spans, target_spans=tspans, target_phrase=phrase if tspans else None,
                               target_name=fallback, prior_undoing=(undo_before or {}).get(sid),
                               own_side=_sentence_spans(own_side, sent))
            text, role, flip = clause.text, clause.role, clause.undoes_target and cfg.flip_opposite
            direction = clause.direction
        who = self._actor_phrase(actor, text, unit, para, mentions, parsed)
        return StancePremise(text, role, flip, self._phrase(target, text, unit, para, mentions), who, direction)

    @staticmethod
    def _undo_events(
        parsed: Mapping[int, Any], para: Paragraph, target: Target, latest: str | None
    ) -> tuple[dict[int, str | None], str | None]:
        """Sentence id -> the latest undoing of the target reported before that sentence in the document
        (`stancekit.attribution.undo_event`, over the parsed sentences), starting from ``latest`` (the paragraphs
        before); and the latest one after this paragraph."""
        from .attribution import undo_event

        before: dict[int, str | None] = {}
        for sid in sorted(parsed):
            before[sid] = latest
            latest = undo_event(parsed[sid], [(a, b) for a, b, _ in target.find(para.sentences[sid].text)]) or latest
        return before, latest

    @staticmethod
    def _title_sides(parsed: Mapping[int, Any], para: Paragraph, found: Sequence[Any]) -> set[tuple[str, str]]:
        """(person, side) pairs whose title names the side in this paragraph's parsed sentences
        (`stancekit.attribution.title_sides`); kept for the rest of the document, so "Karaoglu said Turkey would
        ..." is read as Karaoglu's own position after "Turkish Foreign Minister Selim Karaoglu" anywhere before."""
        from .attribution import title_sides

        out: set[tuple[str, str]] = set()
        actors = {m.actor for m in found}
        for sid, doc in parsed.items():
            spans = {a: _sentence_spans([m for m in found if m.actor == a], para.sentences[sid]) for a in actors}
            spans = {a: sp for a, sp in spans.items() if sp}
            if len(spans) > 1:
                out |= title_sides(doc, spans)
        return out

    def _actor_phrase(
        self, actor: str, text: str, unit: Unit, para: Paragraph, mentions: Sequence[Any], parsed: Mapping[int, Any]
    ) -> str:
        """How a hypothesis about ``text`` names ``actor`` (`stancekit.mentions.actor_phrase`; with the unit's
        parse when there is one): its name unless ``actor_linking`` finds only an alias in the text."""
        if not (self.config.actor_linking and actor):
            return actor
        sid = unit.sentence_ids[0] if len(unit.sentence_ids) == 1 and not unit.split else None
        doc = parsed.get(sid) if sid is not None else None
        start = para.sentences[sid].start if doc is not None else 0
        return actor_phrase(actor, text, mentions, doc, start)

    def _phrase(self, target: Target, premise: str, unit: Unit, para: Paragraph, mentions: Sequence[Any]) -> str:
        """The target phrase to ask about: the one the premise uses, else the unit's sentence, else the last
        one used before it in the paragraph (a later "it" refers back to it), else the target's name."""
        if not self.config.target_linking or not target.aliases:
            return target.name
        for text in (premise, unit.text):
            if target.find(text):
                near = [(m.start, m.end) for m in mentions] if text is unit.text else ()
                return target.phrase_for(text, near)
        first = min(unit.sentence_ids) if unit.sentence_ids else 0
        start = para.sentences[first].start if para.sentences else 0
        before = [h for h in target.find(para.text) if h[1] <= start]
        if before:
            return before[-1][2]
        return target.name

    def forward(self, pairs: Sequence[tuple[str, str]], progress: bool | None = None):
        """Score pairs (already de-duplicated or not) with the NLI model."""
        return self.scorer.score_full(pairs, batch_size=self.config.batch_size, progress=progress)

    def postprocess(self, prep: Prepared, probs: np.ndarray) -> DocumentResult:
        """Decision rule per unit, most decisive unit per (paragraph, actor), records."""
        two_way = self.scorer.two_way
        margin, gap = self.config.decision.thresholds("stance")
        sentiment_margin, sentiment_gap = self.config.decision.thresholds("sentiment")
        stance_bias, sentiment_bias = self.config.decision.bias("stance"), self.config.decision.bias("sentiment")
        aligned_margin = self.config.decision.sentiment_aligned_margin
        records: list[Record] = []
        for item in prep.items:
            stance = []
            for ids, sp in zip(item.stance_ids, item.stance):
                if ids is None:  # a bystander or a condition: no position in this clause, by rule
                    stance.append({"support": 0.0, "oppose": 0.0, "neutral": 1.0})
                    continue
                sc = _decide.stance_scores({k: probs[v] for k, v in ids.items()}, two_way=two_way)
                if sp.flip:
                    sc = {"support": sc["oppose"], "oppose": sc["support"], "neutral": sc["neutral"]}
                if sp.direction in ("support", "oppose"):  # a threat: the rule gives the side, the model whether
                    other = "oppose" if sp.direction == "support" else "support"  # a position is stated at all
                    sc = {sp.direction: sc["support"] + sc["oppose"], other: 0.0, "neutral": sc["neutral"]}
                stance.append(_decide.apply_bias(sc, stance_bias))
            senti = [
                _decide.apply_bias(_decide.sentiment_scores({k: probs[v] for k, v in ids.items()}, two_way=two_way), sentiment_bias)
                for ids in item.sentiment_ids
            ]
            si = _decide.pick_unit(stance)
            ti = _decide.pick_unit(senti)
            stance_label = _decide.decide(stance[si], margin, min_polar_gap=gap)
            echo = _decide.echoed_stance(stance_label, item.stance[si].role)
            records.append(
                Record(
                    paragraph=item.paragraph,
                    actor=item.actor,
                    mentions=item.mentions,
                    stance=stance_label,
                    stance_scores=stance[si],
                    sentiment=_decide.decide_sentiment(senti[ti], sentiment_margin, sentiment_gap, echo, aligned_margin),
                    sentiment_scores=_decide.discount_echo(senti[ti], echo, sentiment_margin, aligned_margin),
                    evidence=item.stance[si].text,
                    windows=len(item.units),
                    split_windows=any(u.split for u in item.units),
                    doc_id=prep.doc_id,
                    target_phrase=item.stance[si].target_phrase,
                    attribution=item.stance[si].role,
                    target=prep.target,
                    actor_phrase=item.stance[si].actor_phrase or item.actor,
                )
            )
        return DocumentResult(
            records=records,
            paragraphs=prep.paragraphs,
            actors_not_mentioned=prep.not_mentioned,
            target=prep.target,
            model=self.model_name,
            doc_id=prep.doc_id,
            actors=prep.actors,
        )

    # ------------------------------------------------------------------ helpers
    def _actors(self, actors: ActorsArg | None) -> tuple[list[Actor], str | None]:
        if actors is None:
            raise ConfigError("no actors given: pass actors (name -> aliases, a list of Actor, or an ActorsSpec)")
        if isinstance(actors, ActorsSpec):
            return build_actors(actors.actors), actors.target
        return build_actors(actors), None

    def _target(self, target: str | Target | None, spec_target: str | Target | None) -> Target:
        if target is not None:
            if isinstance(target, str) and not target.strip():
                raise ConfigError(f"target must be a non-empty string, got {target!r}")
            if not isinstance(target, (str, Target, Mapping)):
                raise ConfigError(f"target must be a string or a Target, got {type(target).__name__}")
            return as_target(target)
        for candidate in (spec_target, self.config.target):
            if candidate is not None:
                return as_target(candidate)
        raise ConfigError("no target: pass --target or set target: in the actors file or config")
