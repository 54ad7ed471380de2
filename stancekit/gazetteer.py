"""The gazetteer behind actor discovery: countries, organisations, leaders, titles, non-actors.

The data lives in ``stancekit/data/gazetteer/`` as small tab-separated / one-per-line files so that
it can be reviewed and extended without touching code; this module only parses it (once, cached).
Discovery uses it to group surface forms into actors and name them ("Moscow", "the Kremlin" and
"Russian" are all Russia), to recognise role phrases that stand for an actor ("the White House"), and to
rule out places that are not actors; spaCy's named-entity recogniser proposes the names it does not list.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError

DATA_DIR = Path(__file__).parent / "data" / "gazetteer"

#: Kinds of gazetteer entry. People are kept apart from countries unless the caller merges them.
KINDS = ("country", "person", "alliance", "organisation", "region", "group", "party",
         "institution", "media")


@dataclass(frozen=True)
class Entry:
    """One known actor: canonical ``name``, its ``aliases`` (name excluded) and, for people, the
    ``country`` (or organisation) they lead or represent, used by ``merge_people_with_countries``.

    ``weak`` aliases are ambiguous on their own ("Georgia", "Jordan"): they only create the actor
    when a non-weak alias of the same entry also occurs in the text.
    """

    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    country: str | None = None
    weak: tuple[str, ...] = ()
    #: Seats of power and capitals used for a country's government ("Kremlin", "White House", "Moscow"):
    #: role phrases that name the actor without being a name of it (also in ``aliases``).
    metonyms: tuple[str, ...] = ()

    @property
    def all_aliases(self) -> tuple[str, ...]:
        """Name first, then the other aliases, without duplicates."""
        return tuple(dict.fromkeys((self.name, *self.aliases)))


@dataclass(frozen=True)
class Gazetteer:
    """All gazetteer data; ``places``, ``agencies`` and ``common_words`` are never actors as such."""

    entries: tuple[Entry, ...]
    titles: tuple[str, ...]
    places: tuple[str, ...]
    agencies: tuple[str, ...]
    common_words: frozenset[str]

    def entry(self, name: str) -> Entry:
        """The entry with canonical ``name`` (KeyError if unknown)."""
        return self._index[name]

    @functools.cached_property
    def _index(self) -> dict[str, Entry]:
        return {e.name: e for e in self.entries}


def _lines(filename: str) -> list[str]:
    """Non-comment, non-blank lines of a bundled gazetteer file (trailing whitespace kept for TSV)."""
    text = (DATA_DIR / filename).read_text(encoding="utf-8")
    return [ln.rstrip("\n") for ln in text.split("\n") if ln.strip() and not ln.startswith("#")]


def _split(field: str) -> tuple[str, ...]:
    return tuple(a.strip() for a in field.split("|") if a.strip())


def _columns(line: str, filename: str, n: int) -> list[str]:
    cols = line.split("\t")
    if len(cols) > n or not cols[0].strip():
        raise ConfigError(f"gazetteer/{filename}: malformed line {line!r}")
    return [c.strip() for c in cols] + [""] * (n - len(cols))


@functools.lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    """Parse the bundled gazetteer files (cached: discovery calls this on every document)."""
    entries: list[Entry] = []
    for line in _lines("countries.tsv"):
        name, others, metonyms, weak = _columns(line, "countries.tsv", 4)
        entries.append(Entry(name, "country", _split(others) + _split(metonyms), weak=_split(weak),
                             metonyms=_split(metonyms)))
    for line in _lines("organisations.tsv"):
        name, kind, aliases = _columns(line, "organisations.tsv", 3)
        if kind not in KINDS:
            raise ConfigError(f"gazetteer/organisations.tsv: {name}: unknown kind {kind!r}")
        entries.append(Entry(name, kind, _split(aliases)))
    for line in _lines("people.tsv"):
        name, country, aliases = _columns(line, "people.tsv", 3)
        entries.append(Entry(name, "person", _split(aliases), country=country or None))
    return Gazetteer(
        entries=tuple(entries),
        titles=tuple(ln.strip() for ln in _lines("titles.txt")),
        places=tuple(ln.strip() for ln in _lines("places.txt")),
        agencies=tuple(ln.strip() for ln in _lines("agencies.txt")),
        common_words=frozenset(ln.strip().lower() for ln in _lines("common_words.txt")),
    )
