"""Finding actor mentions in text by alias.

Matching rules (one compiled regex per actor set):

- Whole words: an alias never matches inside a longer word ("Ukrainian" does not match in
  "Ukrainians"; list "Ukrainians" as its own alias). Hyphens are word breaks ("anti-Russian").
- Case: all-caps aliases (acronyms: "US", "NATO", "EU", "U.S.") match exactly, so "US" never
  matches "us". Other aliases match exactly except that a lower-case first letter may appear
  capitalised (alias "the Kremlin" matches "The Kremlin"). A capitalised alias does not match a
  lower-case word ("Trump" does not match "a trump card"; "Turkey" does not match "turkey").
- Possessives ("NATO's", "Zelensky's", "Zelensky’s" with a curly apostrophe) are mentions; the
  reported surface excludes the possessive.
- Dotted acronyms: "U.S." matches in "U.S. officials" and at sentence end "... the U.S.", but not
  inside "U.S.A.".
- Multi-word aliases match across any whitespace (including newlines and NBSP in raw text);
  apostrophes/quotes in aliases match straight or curly forms.
- Overlaps resolve leftmost first, then longest alias ("United States" over "States",
  "Donald Trump" over "Trump"); returned mentions never overlap and are sorted by start.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .actors import Actor, is_acronym, normalize_alias

_CHAR_CLASSES = {"'": "['\u2018\u2019]", '"': '["\u201c\u201d]'}


@dataclass(frozen=True)
class Mention:
    """One occurrence of an actor; ``start``/``end`` are offsets in the searched text."""

    actor: str
    surface: str
    start: int
    end: int


def alias_pattern(alias: str) -> str:
    """Regex (without group) for one alias under the rules in the module docstring."""
    words = alias.split()
    parts = ["".join(_CHAR_CLASSES.get(c) or re.escape(c) for c in w) for w in words]
    first = alias[0]
    if not is_acronym(alias) and first.islower() and len(first.upper()) == 1:
        parts[0] = f"[{re.escape(first)}{re.escape(first.upper())}]" + parts[0][len(re.escape(first)):]
    body = r"\s+".join(parts)
    left = r"(?<!\w)" if (alias[0].isalnum() or alias[0] == "_") else ""
    right = r"(?!\w)" if (alias[-1].isalnum() or alias[-1] in "._") else ""
    return left + body + right


def _first_chars(alias: str) -> set[str]:
    """Characters a match of ``alias`` can start with (kept in step with ``alias_pattern``)."""
    first = alias[0]
    chars = set(_CHAR_CLASSES[first][1:-1]) if first in _CHAR_CLASSES else {first}
    if not is_acronym(alias) and first.islower() and len(first.upper()) == 1:
        chars.add(first.upper())
    return chars


class MentionFinder:
    """Finds mentions of a fixed set of actors; the regex is compiled once, in ``__init__``."""

    def __init__(self, actors: Sequence[Actor]) -> None:
        entries: list[tuple[str, str]] = []  # (alias, actor name)
        seen: set[str] = set()
        for actor in actors:
            for alias in actor.aliases:
                alias = normalize_alias(alias)
                if alias and alias not in seen:
                    seen.add(alias)
                    entries.append((alias, actor.name))
        # Longest alias first so that, at one position, the longer alias wins (stable for ties).
        entries.sort(key=lambda e: -len(e[0]))
        self._actor_of_group = {f"a{i}": name for i, (_, name) in enumerate(entries)}
        self._regex: re.Pattern[str] | None = None
        if entries:
            alternation = "|".join(f"(?P<a{i}>{alias_pattern(a)})" for i, (a, _) in enumerate(entries))
            # Python's re tries every alternative at every position; a lookahead on the possible
            # first characters skips most positions at once (about 10x faster on long texts).
            firsts = sorted({c for a, _ in entries for c in _first_chars(a)})
            self._regex = re.compile(f"(?=[{''.join(re.escape(c) for c in firsts)}])(?:{alternation})")

    def find(self, text: str) -> list[Mention]:
        """All mentions in ``text``, sorted by start and non-overlapping."""
        if self._regex is None:
            return []
        return [
            Mention(self._actor_of_group[m.lastgroup], m.group(), m.start(), m.end())
            for m in self._regex.finditer(text)
            if m.lastgroup is not None
        ]


@functools.lru_cache(maxsize=32)
def _finder(actors: tuple[Actor, ...]) -> MentionFinder:
    return MentionFinder(actors)


def find_mentions(text: str, actors: Sequence[Actor]) -> list[Mention]:
    """Convenience wrapper; finders are cached per actor set so repeated calls do not recompile."""
    return _finder(tuple(actors)).find(text)


#: Marker put around the asked actor's mentions in a premise when mention marking is on
#: (``mark_mentions`` in the label config; ``augment.mark_mentions`` in a fine-tuning config). A model trained
#: with marked premises records it in its config (``stancekit_mark_mentions``) so `label` marks the same way.
MARK_OPEN, MARK_CLOSE = "[", "]"


def mark_spans(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """``text`` with each (start, end) span wrapped in the markers: "[Trump] backs the plan"."""
    out, last = [], 0
    for start, end in sorted(spans):
        if start < last:  # overlapping spans: keep the first
            continue
        out += [text[last:start], MARK_OPEN, text[start:end], MARK_CLOSE]
        last = end
    out.append(text[last:])
    return "".join(out)


@functools.lru_cache(maxsize=4096)
def _alias_regex(alias: str) -> re.Pattern[str]:
    return re.compile(alias_pattern(alias))


def mark_alias(text: str, alias: str) -> str:
    """Mark every whole-word occurrence of one alias (the matching rules of `MentionFinder`); used where
    the actor is a plain string (training pairs, benchmark items) rather than an `Actor`."""
    alias = normalize_alias(alias)
    if not alias:
        return text
    return mark_spans(text, [m.span() for m in _alias_regex(alias).finditer(text)])


def mark_actor(text: str, finder: MentionFinder, actor: str) -> str:
    """Mark the mentions of ``actor`` (by name) that ``finder`` finds in ``text``; other actors stay unmarked."""
    return mark_spans(text, [(m.start, m.end) for m in finder.find(text) if m.actor == actor])


#: Endings of the adjective aliases of places and peoples ("Russian", "Chinese", "British", "French", "Israeli"):
#: such an alias cannot stand for the actor in a hypothesis ("Russian supports the plan."). With a parse only the
#: unmistakable ones are checked (the part of speech does the rest); without one, all of them.
_DEMONYM_ENDINGS = ("ian", "ean", "ese", "ish")
_DEMONYM_ENDINGS_LOOSE = _DEMONYM_ENDINGS + ("an", "ch", "i")


def _names(text: str, phrase: str) -> bool:
    return re.search(alias_pattern(phrase), text) is not None


def actor_phrase(actor: str, premise: str, mentions: Sequence[Mention], doc=None, offset: int = 0) -> str:
    """How a stance hypothesis should name ``actor`` for ``premise``: its name when the premise uses it, else
    the first of its ``mentions`` whose surface the premise uses as a noun ("HRA", "Tallmadge", "Moscow"), else
    its name. An NLI model does not link an alias in the premise to a different name in the hypothesis ("The HRA
    would honour the ceasefire" -> "Highland Resistance Alliance supports the ceasefire": neutral; "HRA supports
    the ceasefire": entailed).

    ``doc``: the spaCy parse of the sentence the mentions lie in (their offsets minus ``offset`` are its
    character offsets); an alias used as an adjective there ("the Russian side") keeps the name. Without a parse,
    an alias with a demonym's ending keeps the name.

    >>> m = [Mention("Highland Resistance Alliance", "HRA", 4, 7)]
    >>> actor_phrase("Highland Resistance Alliance", "The HRA would honour the ceasefire.", m)
    'HRA'
    >>> actor_phrase("Russia", "The Russian side agreed.", [Mention("Russia", "Russian", 4, 11)])
    'Russia'
    """
    if not actor or _names(premise, actor):
        return actor
    for m in mentions:
        surface = m.surface
        if not surface or surface == actor or not _names(premise, surface):
            continue
        last = surface.split()[-1].lower()
        if doc is not None:
            if not 0 <= m.start - offset < m.end - offset <= len(doc.text):
                continue  # a mention in another sentence than the parsed one
            span = doc.char_span(m.start - offset, m.end - offset, alignment_mode="expand")
            if span is None or span.root.pos_ not in ("PROPN", "NOUN") or span.root.tag_.startswith("JJ"):
                continue
            if " " not in surface and last.endswith(_DEMONYM_ENDINGS):
                continue
        elif " " not in surface and last.endswith(_DEMONYM_ENDINGS_LOOSE):
            continue
        return surface
    return actor
