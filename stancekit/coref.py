"""Subject pronouns that continue the previous sentence's person (``resolve_pronouns`` in the label config).

News names a person once and goes on with "he" or "she": "In Kerrow, alliance spokeswoman Yara Kessel said the
HRA would honour the ceasefire. *She* accused the government of bombing two villages ...". Without a link the
second sentence, often the one that carries the position, is never read for Kessel: stancekit reads only the
sentences that name an actor. The annotation guidelines let a paragraph's label use such pronoun-linked
sentences (docs/annotation.md).

The rule is deliberately narrow, so that a link it makes is almost always right:

- only "He" or "She" opening a sentence, as its subject (not inside a quotation that opens the sentence);
- only when the sentence just before names exactly one actor that is a person (spaCy's recogniser tags its
  mentions in the document PERSON more often than anything else: organisations, countries and places are never
  "he" or "she"), or is itself such a linked sentence;
- never when the sentence before also names a person who is not an actor (the pronoun could be theirs), never
  when the pronoun's own sentence names that actor already, and never across paragraphs.

`with_names` writes the name the previous sentence used in place of each linked pronoun ("Yara Kessel accused
the government ..."), so every later step (mentions, windows, the parse, premises, hypotheses) reads the sentence
as naming the actor: the model is asked about a name it can see.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any

from .mentions import Mention
from .ner import Entity
from .ner import entities as ner_entities

#: A sentence-opening subject pronoun, He or She as a word (not "He's"). A closing quotation mark left over from
#: the sentence before may precede it ('..." She said'); an opening one may not: '"He is lying," she said' is the
#: speaker's word about somebody else.
_OPENING = re.compile(r"""\s*(?:["'”’]\s+)?(He|She)\b(?!['’])""")


@dataclasses.dataclass(frozen=True)
class PronounLink:
    """A sentence-opening pronoun (``start``/``end`` in the paragraph's text) taken as ``actor``, named ``name``."""

    start: int
    end: int
    pronoun: str
    actor: str
    name: str


def has_opening_pronoun(paragraph: Any) -> bool:
    """Whether any sentence after the first opens with "He" or "She" (cheap: no model needed)."""
    return any(_OPENING.match(s.text) for s in getattr(paragraph, "sentences", ())[1:])


def entities(paragraphs: Sequence[Any], ner: Any | None) -> list[list[Entity]]:
    """The recogniser's entities of each paragraph, every label (`stancekit.ner.entities`; offsets in the
    paragraph's text), or empty lists without a recogniser."""
    if ner is None:
        return [[] for _ in paragraphs]
    return ner_entities(ner, [p.text for p in paragraphs], labels=ner.get_pipe("ner").labels)


def person_actors(paragraphs: Sequence[Any], mentions: Sequence[Sequence[Mention]],
                  ents: Sequence[Sequence[Entity]]) -> dict[str, bool | None]:
    """Whether each actor of these paragraphs is a person: True, False, or None when nothing tells. An actor
    the gazetteer knows is a person only if it is listed as one (countries, alliances and organisations are
    not). Otherwise each mention votes: a title just before it ("Prime Minister Helene Tremblay", "spokeswoman
    Yara Kessel") or the recogniser's PERSON for it counts for a person, any other entity label against; more
    votes for than against make a person, more against an organisation or place, a tie leaves it open. One
    sentence alone can mislead the recogniser ("Brandt's sharpest words ..." comes out ORG, the same person's
    full name PERSON): the votes come from the whole document. ``mentions``: each paragraph's mentions, offsets
    in its text; ``ents``: each paragraph's entities (`entities`; empty: titles and the gazetteer only)."""
    from .gazetteer import load_gazetteer

    gaz = load_gazetteer()
    kinds: dict[str, set[str]] = {}
    for entry in gaz.entries:
        for alias in entry.all_aliases:
            kinds.setdefault(alias.lower(), set()).add(entry.kind)
    titles = re.compile(r"\b(?:" + "|".join(re.escape(t) for t in sorted({t.lower() for t in gaz.titles} | _ROLES))
                        + r")$")
    votes: dict[str, int] = {}
    known: dict[str, bool] = {}
    for para, ms, es in zip(paragraphs, mentions, ents):
        for m in ms:
            kind = kinds.get(_bare(m.surface).lower()) or kinds.get(m.actor.lower())
            if kind:
                known[m.actor] = known.get(m.actor, True) and kind == {"person"}
                continue
            before = para.text[max(0, m.start - 40):m.start].rstrip().lower()
            vote = 1 if titles.search(before) else 0  # a whole word: "chair", not "armchair"
            labels = {e.label for e in es if e.start < m.end and m.start < e.end}
            vote += 1 if "PERSON" in labels else -1 if labels else 0
            votes[m.actor] = votes.get(m.actor, 0) + vote
    status: dict[str, bool | None] = {a: (None if v == 0 else v > 0) for a, v in votes.items()}
    status.update(known)
    return status


#: Lower-case role nouns that introduce a person's name in news ("spokeswoman Yara Kessel"), besides the
#: gazetteer's titles.
_ROLES = frozenset("""spokesman spokeswoman spokesperson chairman chairwoman chair director secretary leader
    governor mayor senator minister president chief executive founder economist analyst lawyer judge envoy
    ambassador general commander negotiator adviser advisor official""".split())


def link_pronouns(paragraph: Any, mentions: Sequence[Mention], persons: Mapping[str, bool | None],
                  ents: Sequence[Entity] = ()) -> list[PronounLink]:
    """Links for the sentence-opening "He"/"She" of ``paragraph`` that continue the one person the sentence before
    names (the module docstring gives the rule). ``mentions``: the actors' mentions found in ``paragraph.text``;
    ``persons``: whether each actor is a person (`person_actors`; an actor that may be one makes the pronoun
    ambiguous); ``ents``: the paragraph's entities, so that a person the sentence before names who is not an
    actor ("Trump met envoy Steve Witkoff. He said ...") makes it ambiguous too: no link."""
    sents = getattr(paragraph, "sentences", ())
    openers = [i for i in range(1, len(sents)) if _OPENING.match(sents[i].text)]
    links: list[PronounLink] = []
    by_sentence: dict[int, PronounLink] = {}
    for i in openers:
        prev, here = sents[i - 1], sents[i]
        inside = [m for m in mentions if m.start >= prev.start and m.end <= prev.end]
        people: dict[str, str] = {}
        maybe = False
        for m in inside:
            if persons.get(m.actor):
                people.setdefault(m.actor, _bare(m.surface))
            maybe = maybe or persons.get(m.actor, None) is None
        if not inside and (i - 1) in by_sentence:  # "She ... . She ..."
            people = {by_sentence[i - 1].actor: by_sentence[i - 1].name}
        strangers = [e for e in ents if e.label == "PERSON" and e.start >= prev.start and e.end <= prev.end
                     and not any(m.start < e.end and e.start < m.end for m in inside)]
        if len(people) != 1 or strangers or maybe:
            continue
        actor, name = next(iter(people.items()))
        if any(m.actor == actor and m.start >= here.start and m.end <= here.end for m in mentions):
            continue  # the sentence names the actor itself
        match = _OPENING.match(here.text)
        assert match is not None
        link = PronounLink(here.start + match.start(1), here.start + match.end(1), match.group(1), actor, name)
        links.append(link)
        by_sentence[i] = link
    return links


def _bare(surface: str) -> str:
    """A mention's words without a possessive ending ("Brandt's" -> "Brandt")."""
    return re.sub(r"['’]s?$", "", surface)


def with_names(paragraph: Any, links: Sequence[PronounLink]) -> Any:
    """``paragraph`` (a `stancekit.segment.Paragraph`) with each linked pronoun replaced by its name, sentence
    offsets moved to match; the same object when there is no link."""
    if not links:
        return paragraph
    text = paragraph.text
    shifts: list[tuple[int, int]] = []  # (offset in the old text, length change there)
    for link in sorted(links, key=lambda k: -k.start):
        text = text[:link.start] + link.name + text[link.end:]
        shifts.append((link.start, len(link.name) - (link.end - link.start)))

    def moved(pos: int) -> int:  # a replacement moves what comes after its start
        return pos + sum(d for at, d in shifts if at < pos)

    sentences = tuple(
        dataclasses.replace(s, text=text[moved(s.start):moved(s.end)], start=moved(s.start), end=moved(s.end))
        for s in paragraph.sentences
    )
    return dataclasses.replace(paragraph, text=text, sentences=sentences)
