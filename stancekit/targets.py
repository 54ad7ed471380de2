"""The stance target and the phrases a text uses for it ("the trade agreement", "the deal", "the pact").

NLI models link a hypothesis to its premise by wording: "Germany supports the nuclear agreement." is much
harder to read off "Berlin hailed the deal" than "Germany supports the deal." is. A `Target` therefore carries
its aliases, and `Target.phrase_for` picks, for each premise, the phrase the text itself uses there (the
nearest alias occurrence to the actor wins; with none, the target's name). The record keeps the phrase that
was asked (``target_phrase``) so a reader can see the exact question.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from .errors import ConfigError


def _norm(text: str) -> str:
    return " ".join(str(text).split())


@dataclass(frozen=True)
class Target:
    """A stance target: ``name`` (asked when the text uses no alias) and ``aliases`` (other phrases for it)."""

    name: str
    aliases: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _norm(self.name):
            raise ConfigError(f"target: name must be a non-empty string, got {self.name!r}")
        aliases = self.aliases
        if isinstance(aliases, str) or not isinstance(aliases, (list, tuple)):
            raise ConfigError(f"target.aliases: must be a list of strings, got {type(aliases).__name__}")
        out: list[str] = []
        for i, alias in enumerate(aliases):
            if not isinstance(alias, str) or not _norm(alias):
                raise ConfigError(f"target.aliases[{i}]: must be a non-empty string, got {alias!r}")
            alias = _norm(alias)
            if alias.lower() != _norm(self.name).lower() and alias not in out:
                out.append(alias)
        object.__setattr__(self, "name", _norm(self.name))
        object.__setattr__(self, "aliases", tuple(out))

    @property
    def phrases(self) -> tuple[str, ...]:
        """The name and the aliases, name first."""
        return (self.name, *self.aliases)

    @cached_property
    def _regex(self) -> re.Pattern[str]:
        # Longest phrase first so "the trade deal" wins over "the deal" at one position. A leading article is
        # optional in the text ("the deal" also matches "this deal", "a deal" does not), case-insensitive.
        alts = []
        for phrase in sorted(self.phrases, key=len, reverse=True):
            words = phrase.split()
            head = words[0].lower()
            if head in _ARTICLES and len(words) > 1:
                body = r"\s+".join(re.escape(w) for w in words[1:])
                alts.append(rf"(?:\b(?:the|this|that|these|those|its|their|our|his|her)\s+)?{body}")
            else:
                alts.append(r"\s+".join(re.escape(w) for w in words))
        return re.compile(r"(?<!\w)(?:" + "|".join(alts) + r")(?!\w)", re.IGNORECASE)

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """Occurrences of the target's phrases in ``text``: (start, end, canonical phrase asked)."""
        out = []
        for m in self._regex.finditer(text):
            out.append((m.start(), m.end(), self.canonical(m.group())))
        return out

    def canonical(self, surface: str) -> str:
        """The name or alias that a matched surface stands for ("This Deal" -> "the deal")."""
        s = _norm(surface).lower()
        for phrase in sorted(self.phrases, key=len, reverse=True):
            p = phrase.lower()
            if s == p:
                return phrase
            words = p.split()
            if words[0] in _ARTICLES and len(words) > 1 and s.endswith(" ".join(words[1:])):
                return phrase
        return self.name

    def phrase_for(self, text: str, near: Sequence[tuple[int, int]] = ()) -> str:
        """The phrase to ask about for a premise ``text``: the alias occurring nearest to the spans ``near``
        (the actor's mentions), else the first occurrence, else the target's name."""
        hits = self.find(text)
        if not hits:
            return self.name
        if not near:
            return hits[0][2]

        def dist(hit: tuple[int, int, str]) -> int:
            return min(max(0, s - hit[1], hit[0] - e) for s, e in near)

        return min(hits, key=dist)[2]


_ARTICLES = {"the", "a", "an", "this", "that"}


def as_target(value: "str | Target | Mapping | None", where: str = "target") -> Target | None:
    """A `Target` from a string, a ``{name:, aliases:}`` mapping, or a Target (None stays None)."""
    if value is None or isinstance(value, Target):
        return value
    if isinstance(value, str):
        if not value.strip():
            raise ConfigError(f"{where}: must be a non-empty string")
        return Target(value)
    if isinstance(value, Mapping):
        unknown = sorted(set(value) - {"name", "aliases"})
        if unknown:
            raise ConfigError(f"{where}.{unknown[0]}: unknown key (allowed: name, aliases)")
        if "name" not in value:
            raise ConfigError(f"{where}.name: missing")
        aliases = value.get("aliases") or []
        if isinstance(aliases, str) or not isinstance(aliases, (list, tuple)):
            raise ConfigError(f"{where}.aliases: must be a list of strings, got {type(aliases).__name__}")
        for i, a in enumerate(aliases):
            if not isinstance(a, str):
                raise ConfigError(f"{where}.aliases[{i}]: must be a string, got {a!r}")
        try:
            return Target(value["name"], tuple(aliases))
        except ConfigError as exc:
            raise ConfigError(str(exc).replace("target", where, 1)) from None
    raise ConfigError(f"{where}: must be a string or a mapping with name and aliases, got {type(value).__name__}")


#: Head nouns of target-like noun phrases: what a stance in news is usually about.
TARGET_HEADS: frozenset[str] = frozenset(
    """plan deal agreement accord treaty pact proposal bill law act reform programme program package settlement
    contract merger takeover ceasefire truce tax levy measure policy scheme project initiative framework protocol
    convention budget sanctions resolution referendum line route""".split()
)
_DETERMINERS = ("the", "this", "that", "its", "their", "our", "his", "her")


#: What `propose_target` parses at most: the first paragraphs that hold a target-like word, up to this many
#: paragraphs and words. An article's target is set in its opening, and a 5 MB input must not cost a full parse.
MAX_TARGET_PARAGRAPHS = 40
MAX_TARGET_WORDS = 3000
_HEAD_STEMS = re.compile(
    r"\b(?:" + "|".join(sorted({h[:-1] if h.endswith("y") else h for h in TARGET_HEADS})) + r")", re.IGNORECASE)


def propose_target(text: str, parser: object | None = None, max_aliases: int = 6,
                   max_paragraphs: int = MAX_TARGET_PARAGRAPHS, max_words: int = MAX_TARGET_WORDS) -> Target | None:
    """The most salient plan/deal/agreement-like noun phrase of ``text``, with the other phrases the text uses
    for such things as aliases (most frequent first); None when there is none.

    Salience: how often the phrase's head noun heads a noun phrase, counted double in the first two
    paragraphs, and whether it is definite ("the deal"). The name is the fullest definite phrase with that
    head from the first mentions ("the nuclear agreement"); aliases are the other definite target-like phrases
    ("the deal", "the accord"). Uses the dependency parse's noun chunks (``parser``: a spaCy pipeline, by
    default `stancekit.attribution.load_parser`), else a plain pattern over the words. Only the first
    paragraphs that contain a target-like word are read (at most ``max_paragraphs`` of them and about
    ``max_words`` words, in one batched parse).
    """
    from collections import Counter

    from .segment import segment

    if parser is None:
        from .attribution import load_parser

        parser = load_parser()
    paragraphs = [p for p in segment(text) if p.is_content]
    # only paragraphs with a target-like word can add a phrase; parse the first ``max_paragraphs`` of them
    ranked: list = []
    words = 0
    for rank, p in enumerate(paragraphs):
        if len(ranked) >= max_paragraphs or (ranked and words >= max_words):
            break
        if _HEAD_STEMS.search(p.text):
            ranked.append((rank, p))
            words += len(p.text.split())
    docs = iter(parser.pipe([p.text for _, p in ranked]) if parser is not None and hasattr(parser, "pipe")
                else (parser(p.text) for _, p in ranked) if parser is not None else ())
    phrases: list[tuple[int, str, str]] = []  # (paragraph rank, phrase, head)
    for rank, para in ranked:
        if parser is not None:
            doc = next(docs)
            for chunk in doc.noun_chunks:
                head = chunk.root.lemma_.lower()
                if head not in TARGET_HEADS or chunk.root.pos_ not in ("NOUN", "PROPN"):
                    continue
                if chunk[0].lower_ not in _DETERMINERS or chunk.root.i == chunk[0].i:
                    continue
                start = chunk[1].idx
                end = chunk.root.idx + len(chunk.root.text)
                tail = " ".join(doc.text[start:end].split())
                if "'s " in tail or tail.startswith(("'", '"')) or tail.split()[0].lower() in _DETERMINERS:
                    continue  # a possessor, a quote, a stray second determiner ("the the plan")
                phrases.append((rank, "the " + tail, head))
        else:
            for m in re.finditer(r"\b(?:the|this|its)\s+((?:[a-z][\w-]*\s+){0,2}?(" + "|".join(sorted(TARGET_HEADS)) + r"))\b", para.text, re.I):
                phrases.append((rank, "the " + " ".join(m.group(1).lower().split()), m.group(2).lower()))
    if not phrases:
        return None
    score: Counter[str] = Counter()
    for rank, _, head in phrases:
        score[head] += 2 if rank < 2 else 1
    best_head = max(score, key=lambda h: (score[h], -min(r for r, _, hd in phrases if hd == h)))
    with_head = [p for _, p, h in phrases if h == best_head]
    # the fullest phrase among the first mentions names the target; the bare "the deal" is an alias
    early = with_head[:3]
    name = max(early, key=lambda p: (len(p.split()), -early.index(p)))
    counts = Counter(p for _, p, _ in phrases)
    aliases = [p for p, _ in counts.most_common() if p.lower() != name.lower()]
    return Target(name, tuple(aliases[:max_aliases]))
