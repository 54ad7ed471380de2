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
from .config import LabelConfig, load_config
from .errors import ConfigError, ModelError
from .mentions import MentionFinder, mark_actor
from .nli import NLIScorer
from .records import DocumentResult, Record
from .segment import segment
from .windows import Unit, premise_units

#: Where the bundled default model lives (trained and shipped separately; may be absent).
DEFAULT_MODEL_DIR: Path = Path(__file__).resolve().parent / "models" / "nli-minilm"
MODEL_ENV = "STANCEKIT_MODEL"

ActorsArg = Mapping[str, Sequence[str] | None] | Sequence[Actor | str] | ActorsSpec


def resolve_model(model: str | os.PathLike | None = None) -> str:
    """Model to load: explicit argument > $STANCEKIT_MODEL > bundled DEFAULT_MODEL_DIR."""
    if model is not None and str(model).strip():
        return str(model)
    env = os.environ.get(MODEL_ENV, "").strip()
    if env:
        return env
    if (DEFAULT_MODEL_DIR / "config.json").is_file():
        return str(DEFAULT_MODEL_DIR)
    raise ModelError(
        "no NLI model: pass --model PATH_OR_HUB_ID, set STANCEKIT_MODEL, or install the bundled default model"
    )


@dataclass
class _Item:
    """One (paragraph, actor) awaiting scores: its units and, per unit, the pair ids per label."""

    paragraph: int
    actor: str
    mentions: list[str]
    units: list[Unit]
    stance_ids: list[dict[str, list[int]]] = field(default_factory=list)
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


class StanceClassifier:
    """Labels the stance of named actors toward a target, paragraph by paragraph."""

    def __init__(self, scorer: NLIScorer, config: LabelConfig | None = None, model_name: str | None = None) -> None:
        self.scorer = scorer
        self.config = config if config is not None else load_config()
        self.model_name = model_name or scorer.name

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
        return cls(scorer, cfg, model_name=name)

    # ------------------------------------------------------------------ public API
    def label(
        self,
        text: str,
        target: str | None = None,
        actors: ActorsArg | None = None,
        *,
        doc_id: str | None = None,
        progress: bool | None = None,
    ) -> DocumentResult:
        """Records for every (paragraph, mentioned actor) of one document."""
        return next(self.label_many([(doc_id, text)], target, actors, progress=progress))

    def label_many(
        self,
        docs: Iterable[tuple[str | None, str]],
        target: str | None = None,
        actors: ActorsArg | None = None,
        *,
        docs_per_batch: int = 16,
        progress: bool | None = None,
    ) -> Iterator[DocumentResult]:
        """Label many documents, scoring the pairs of ``docs_per_batch`` documents as one job list."""
        actor_list, spec_target = self._actors(actors)
        tgt = self._target(target, spec_target)
        finder = MentionFinder(actor_list)
        chunk: list[Prepared] = []
        for doc_id, text in docs:
            chunk.append(self.preprocess(text, tgt, actor_list, doc_id=doc_id, finder=finder))
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
        target: str,
        actors: Sequence[Actor],
        *,
        doc_id: str | None = None,
        finder: MentionFinder | None = None,
    ) -> Prepared:
        """Segment, find mentions, build premise units and the pairs they need (no model call
        except the tokenizer, which sizes the units)."""
        cfg = self.config
        finder = finder or MentionFinder(actors)
        marking = self.marks_mentions
        paragraphs = segment(text)
        order = [a.name for a in actors]
        mentioned: set[str] = set()
        pair_index: dict[tuple[str, str], int] = {}
        items: list[_Item] = []
        hyps = {
            a.name: (cfg.templates.stance_hypotheses(a.name, target), cfg.templates.sentiment_hypotheses(a.name))
            for a in actors
        }
        for para in paragraphs:
            if not para.is_content:
                continue
            by_actor: dict[str, list] = {}
            for m in finder.find(para.text):
                by_actor.setdefault(m.actor, []).append(m)
            for name in order:
                ms = by_actor.get(name)
                if not ms:
                    continue
                stance_h, sent_h = hyps[name]
                all_h = [h for hs in stance_h.values() for h in hs] + [h for hs in sent_h.values() for h in hs]
                count = self.scorer.count_tokens
                if marking:  # size the windows with their markers in, so a marked premise still fits
                    count = lambda t, _n=name: self.scorer.count_tokens(mark_actor(t, finder, _n))  # noqa: E731
                units = premise_units(
                    para,
                    ms,
                    max_tokens=self.scorer.max_premise_tokens(all_h),
                    count_tokens=count,
                    mode=cfg.premise,
                    context_sentences=cfg.context_sentences,
                )
                if not units:
                    continue
                mentioned.add(name)
                item = _Item(para.index, name, list(dict.fromkeys(m.surface for m in ms)), units)
                for unit in units:
                    premise = mark_actor(unit.text, finder, name) if marking else unit.text
                    item.stance_ids.append(
                        {lab: [pair_index.setdefault((premise, h), len(pair_index)) for h in hs] for lab, hs in stance_h.items()}
                    )
                    item.sentiment_ids.append(
                        {lab: [pair_index.setdefault((premise, h), len(pair_index)) for h in hs] for lab, hs in sent_h.items()}
                    )
                items.append(item)
        return Prepared(
            doc_id=doc_id,
            target=target,
            paragraphs=len(paragraphs),
            actors=order,
            not_mentioned=[n for n in order if n not in mentioned],
            items=items,
            pairs=list(pair_index),
        )

    def forward(self, pairs: Sequence[tuple[str, str]], progress: bool | None = None):
        """Score pairs (already de-duplicated or not) with the NLI model."""
        return self.scorer.score_full(pairs, batch_size=self.config.batch_size, progress=progress)

    def postprocess(self, prep: Prepared, probs: np.ndarray) -> DocumentResult:
        """Decision rule per unit, most decisive unit per (paragraph, actor), records."""
        two_way = self.scorer.two_way
        margin, gap = self.config.decision.thresholds("stance")
        sentiment_margin, sentiment_gap = self.config.decision.thresholds("sentiment")
        records: list[Record] = []
        for item in prep.items:
            stance = [_decide.stance_scores({k: probs[v] for k, v in ids.items()}, two_way=two_way) for ids in item.stance_ids]
            senti = [
                _decide.sentiment_scores({k: probs[v] for k, v in ids.items()}, two_way=two_way) for ids in item.sentiment_ids
            ]
            si = _decide.pick_unit(stance)
            ti = _decide.pick_unit(senti)
            records.append(
                Record(
                    paragraph=item.paragraph,
                    actor=item.actor,
                    mentions=item.mentions,
                    stance=_decide.decide(stance[si], margin, min_polar_gap=gap),
                    stance_scores=stance[si],
                    sentiment=_decide.decide(senti[ti], sentiment_margin, min_polar_gap=sentiment_gap),
                    sentiment_scores=senti[ti],
                    evidence=item.units[si].text,
                    windows=len(item.units),
                    split_windows=any(u.split for u in item.units),
                    doc_id=prep.doc_id,
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

    def _target(self, target: str | None, spec_target: str | None) -> str:
        if target is not None:
            if not isinstance(target, str) or not target.strip():
                raise ConfigError(f"target must be a non-empty string, got {target!r}")
            return " ".join(target.split())
        for candidate in (spec_target, self.config.target):
            if candidate and candidate.strip():
                return " ".join(candidate.split())
        raise ConfigError("no target: pass --target or set target: in the actors file or config")
