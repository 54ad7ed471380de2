"""Automatic discovery of the actors a news text names, with their aliases grouped.

Used by ``stancekit label FILE --actors auto`` and ``stancekit actors FILE`` (which writes the
result as an actors YAML for the user to review). The approach is a gazetteer plus capitalisation
rules, not a NER model: it must run offline and in milliseconds, and it must group surface forms
into actors ("Moscow", "the Kremlin", "Russian" -> Russia), which NER does not do. See
docs/discovery.md for the rules, their known failure modes and measured precision/recall.

Rules, in order:

1. Only prose paragraphs are read (``segment.is_content``): agency tags ("MNA") and bylines are
   skipped; datelines ("WASHINGTON (AP) --") and parenthesised agency tags are masked.
2. Gazetteer aliases (``stancekit/data/gazetteer``) are matched with the same matcher labelling uses
   (``mentions.MentionFinder``) and map to their canonical actor; places that are not actors
   ("Crimean Peninsula", "Luhansk") are matched too, so their words are not re-used below.
3. Runs of capitalised words the gazetteer does not cover become candidates: a title
   ("President", "Prime Minister", "Mr.") introduces a person; two to four name-like words are a
   full name; a run ending in an organisation word ("Committee", "Ministry") is an organisation;
   a single word is a person only if repeated, not only sentence-initial, and never written in
   lower case. Function words, sentence adverbs, months and weekdays are never candidates.
4. A bare surname ("Biden", "Mr. Steele") joins the full name it belongs to ("Joe Biden").
5. People stay separate from their countries unless ``merge_people_with_countries=True``.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .actors import Actor, alias_key, build_actors, is_acronym, normalize_alias
from .gazetteer import Entry, Gazetteer, load_gazetteer
from .mentions import Mention, MentionFinder
from .segment import segment

# Last words that make a capitalised run an organisation rather than a person.
ORG_HEADS = frozenset("""
Agency Alliance Army Assembly Association Authority Bank Board Bureau Cabinet Campaign Caucus
Center Centre Coalition Command Commission Committee Company Congress Corporation Corp Council
Court Department Division Federation Forces Foundation Front Fund Government Group Guard Inc
Institute League Ministry Movement Navy Network Office Organisation Organization Parliament Party
Police Secretariat Senate Service Services Union University
""".split())
# Last words that make a run a place or a thing (never an actor).
PLACE_HEADS = frozenset("""
Act Airport Avenue Basin Bay Beach Bill Boulevard Bridge Canal Canyon Cape Coast County Dam
Desert District Doctrine Gulf Harbor Harbour Highway Hill Hills Island Islands Lake Law Mountain
Mountains Ocean Oblast Park Peninsula Pipeline Plant Plaza Province Region River Road Sea Square
State Strait Street Territory Valley War Wars
""".split())
# Lower-case words allowed inside a name ("Bank of England", "Ursula von der Leyen").
CONNECTORS = frozenset("of de da di du del der von van bin al la le".split())
NAME_SUFFIXES = frozenset("Jr Jr. Sr Sr. II III IV".split())
SPEECH_VERBS = frozenset("said says told added wrote argued claimed stated tweeted noted explained "
                         "asked insisted warned replied recalled".split())

_TOKEN = re.compile(r"\S+")
_LEAD_PUNCT = "\"'([{“‘«-—–"
_TRAIL_PUNCT = "\"')]},;:!?”’»—–"
_INITIAL = re.compile(r"[A-Z]\.")
_DOTTED = re.compile(r"(?:[A-Za-z]\.){2,}")
_WORD = re.compile(r"\w+")
_LOWER_WORD = re.compile(r"(?<![\w.])[a-z][a-z'-]*\b")


@dataclass(frozen=True)
class _Token:
    text: str
    start: int
    end: int
    brk_before: bool  # punctuation separates it from the previous token
    brk_after: bool
    initial: bool  # first word of a sentence

    @property
    def capitalised(self) -> bool:
        return self.text[:1].isupper()


@dataclass
class _Doc:
    """Document-wide evidence: words seen in lower case, and token starts next to a speech verb."""

    lower_words: set[str]
    speakers: set[int]


@dataclass
class _Cand:
    """An actor being assembled from its occurrences in the document."""

    name: str
    kind: str  # an Entry kind, or "person" / "organisation" / "acronym" / "single" for unknowns
    entry: Entry | None = None
    first: tuple[int, int] = (1 << 30, 0)
    surfaces: dict[str, None] = field(default_factory=dict)
    count: int = 0
    non_initial: int = 0
    titled: bool = False

    def add(self, surface: str, pos: tuple[int, int], initial: bool = False) -> None:
        self.surfaces[normalize_alias(surface)] = None
        self.first = min(self.first, pos)
        self.count += 1
        self.non_initial += not initial


@dataclass(frozen=True)
class DiscoveredActor:
    """An actor with what discovery knows about it: ``kind`` ("country", "person", "alliance",
    "organisation", "region", "group", "party", "institution", "media"), ``count`` (mentions
    found) and ``known`` (True when it comes from the gazetteer rather than capitalisation rules)."""

    actor: Actor
    kind: str
    count: int
    known: bool


def discover_actors(
    text: str,
    *,
    merge_people_with_countries: bool = False,
    min_count: int = 1,
    include_unknown: bool = True,
) -> list[Actor]:
    """Actors named in ``text``, sorted by first appearance, each with its grouped aliases.

    ``min_count``: drop actors mentioned fewer times. ``include_unknown=False`` keeps only
    gazetteer actors (no capitalisation rules), for callers that prefer precision.
    Never raises on odd input: arbitrary text gives a (possibly empty) list.
    """
    found = discover(text, merge_people_with_countries=merge_people_with_countries,
                     min_count=min_count, include_unknown=include_unknown)
    return [d.actor for d in found]


def discover(
    text: str,
    *,
    merge_people_with_countries: bool = False,
    min_count: int = 1,
    include_unknown: bool = True,
) -> list[DiscoveredActor]:
    """Like ``discover_actors`` but also returns each actor's kind and mention count."""
    gaz = load_gazetteer()
    finder = _gazetteer_finder(text)
    cands: dict[str, _Cand] = {}
    unknown: dict[str, _Cand] = {}
    paragraphs = [p for p in segment(text) if p.is_content and not _is_byline(p.text)]
    doc = _Doc({w.lower() for p in paragraphs for w in _LOWER_WORD.findall(p.text)}, set())

    for para in paragraphs:
        ptext = _mask_tags(para.text, gaz)
        starts = [s.start for s in para.sentences]
        tokens = _tokens(ptext, starts)
        doc.speakers.update(_speakers(tokens))
        tokens = _drop_headlines(tokens, para.sentences)
        mentions = finder.find(ptext)
        covered = [(m.start, m.end) for m in mentions]
        cancelled: set[int] = set()
        if include_unknown:
            for span in _spans(tokens):
                _unknowns(span, mentions, covered, cancelled, unknown, para.index, gaz, doc)
        by_start = {t.start: t for t in tokens}
        for m in mentions:
            if m.start in cancelled:
                continue
            kind, _, key = m.actor.partition(":")
            if kind == "place":
                continue
            tok = by_start.get(m.start)
            initial = bool(tok and tok.initial)
            if kind == "agency":
                cand = cands.setdefault(key, _Cand(key, "media"))
            else:
                entry = gaz.entry(key)
                cand = cands.setdefault(key, _Cand(key, entry.kind, entry))
            cand.add(m.surface, (para.index, m.start), initial)

    return _finalise(cands, unknown, gaz, merge_people_with_countries, max(1, min_count))


# --------------------------------------------------------------------------------------------
# Tokens and capitalised spans


def _is_byline(text: str) -> bool:
    """"By Jane Doe, Reuters" style paragraphs (short, start with "By" + capitalised name)."""
    return bool(re.match(r"By\s+[A-Z]", text)) and len(text.split()) <= 10 and not text.rstrip().endswith(".")


def _mask_tags(text: str, gaz: Gazetteer) -> str:
    """Blank out datelines ("KYIV, Ukraine (AP) —") and "(Reuters)" tags, keeping offsets."""
    agencies = "|".join(re.escape(a) for a in sorted(gaz.agencies, key=len, reverse=True))
    out = text
    m = re.match(r"\s*([A-Z][A-Z.'\-]+)(?:[ ,]+[A-Z][\w.'\-]*){0,4}\s*(?:\([^()]{1,40}\))?\s*(?:—|–|--|-)\s", text)
    if m and not any(e for e in _acronym_aliases() if e == m.group(1).rstrip(".")):
        out = " " * m.end() + out[m.end():]
    m = re.match(rf"\s*(?:{agencies})\s*(?:—|–|--|-|:)\s", out)
    if m:
        out = " " * m.end() + out[m.end():]
    return re.sub(rf"\((?:{agencies})\)", lambda x: " " * len(x.group()), out)


@functools.lru_cache(maxsize=1)
def _acronym_aliases() -> frozenset[str]:
    return frozenset(a for e in load_gazetteer().entries for a in e.all_aliases if is_acronym(a))


def _tokens(text: str, sentence_starts: Sequence[int]) -> list[_Token]:
    """Whitespace tokens with surrounding punctuation stripped and recorded as breaks."""
    out: list[_Token] = []
    starts = sorted(sentence_starts)
    for m in _TOKEN.finditer(text):
        word, start = m.group(), m.start()
        lead = len(word) - len(word.lstrip(_LEAD_PUNCT))
        word, start = word[lead:], start + lead
        stripped = word.rstrip(_TRAIL_PUNCT)
        brk_after = len(stripped) < len(word)
        word = stripped
        for poss in ("'s", "’s"):
            if word.endswith(poss):
                word, brk_after = word[: -len(poss)], True
        if word.endswith(".") and not (_INITIAL.fullmatch(word) or _DOTTED.fullmatch(word)
                                       or word in _TITLE_ABBREVIATIONS or word in NAME_SUFFIXES):
            word, brk_after = word.rstrip("."), True
        if not word:
            continue
        initial = _is_sentence_initial(text, start, starts)
        out.append(_Token(word, start, start + len(word), lead > 0, brk_after, initial))
    return out


_TITLE_ABBREVIATIONS = frozenset(t for t in ("Mr.", "Mrs.", "Ms.", "Dr.", "Sen.", "Rep.", "Gov.",
                                             "Gen.", "Adm.", "Col.", "Rev.", "St."))


def _is_sentence_initial(text: str, start: int, starts: Sequence[int]) -> bool:
    """True if only punctuation/space lies between the last sentence start and ``start``."""
    prior = [s for s in starts if s <= start]
    s = prior[-1] if prior else 0
    return not any(c.isalnum() for c in text[s:start])


def _speakers(tokens: Sequence[_Token]) -> set[int]:
    """Starts of single capitalised words attributed speech: "Miller said", "said Kasich"."""
    out: set[int] = set()
    for i, tok in enumerate(tokens):
        if not tok.capitalised:
            continue
        prev = tokens[i - 1] if i else None
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if (nxt is not None and not tok.brk_after and nxt.text in SPEECH_VERBS
                and not (prev is not None and prev.capitalised and not prev.brk_after)):
            out.add(tok.start)
        if prev is not None and prev.text in SPEECH_VERBS and not prev.brk_after and (
                nxt is None or tok.brk_after or not nxt.capitalised):
            out.add(tok.start)
    return out


def _drop_headlines(tokens: list[_Token], sentences: Sequence) -> list[_Token]:
    """Remove tokens of Title Case sentences (headlines, captions): capitalisation means nothing
    there, so only gazetteer aliases are looked for in them."""
    out: list[_Token] = []
    for sent in sentences:
        toks = [t for t in tokens if sent.start <= t.start < sent.end]
        long = [t for t in toks if len(t.text) >= 4 and t.text[:1].isalpha()]
        if len(long) >= 5 and sum(t.capitalised for t in long) >= 0.85 * len(long):
            continue
        out.extend(toks)
    return out


def _spans(tokens: Sequence[_Token]) -> Iterable[list[_Token]]:
    """Maximal runs of capitalised tokens (connectors allowed inside), split at punctuation."""
    span: list[_Token] = []
    for i, tok in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        joins = tok.capitalised or (
            span and tok.text in CONNECTORS and nxt is not None and nxt.capitalised
            and not span[-1].brk_after and not tok.brk_after
        )
        if joins and span and (span[-1].brk_after or tok.brk_before):
            yield span
            span = []
        if joins:
            span.append(tok)
        elif span:
            yield span
            span = []
    if span:
        yield span


# --------------------------------------------------------------------------------------------
# Candidates the gazetteer does not know


def _unknowns(
    span: list[_Token],
    mentions: Sequence[Mention],
    covered: Sequence[tuple[int, int]],
    cancelled: set[int],
    unknown: dict[str, _Cand],
    para_index: int,
    gaz: Gazetteer,
    doc: _Doc,
) -> None:
    """Turn the parts of one capitalised span that no gazetteer alias covers into candidates."""
    runs: list[list[_Token]] = []
    run: list[_Token] = []
    for tok in span:
        if any(s < tok.end and tok.start < e for s, e in covered):
            if run:
                runs.append(run)
                run = []
        else:
            run.append(tok)
    if run:
        runs.append(run)
    for run in runs:
        before = _adjacent_mention(mentions, span, run[0], -1)
        if before is not None and _joins_previous(before, run, cancelled, unknown, para_index, gaz):
            continue
        after = _adjacent_mention(mentions, span, run[-1], +1)
        _classify_run(run, after, cancelled, unknown, para_index, gaz, doc)


def _adjacent_mention(mentions: Sequence[Mention], span: list[_Token], tok: _Token,
                      step: int) -> Mention | None:
    """The gazetteer mention touching ``tok`` on its left (step -1) or right (+1) in the span."""
    pos = span.index(tok) + step
    if not 0 <= pos < len(span):
        return None
    nxt = span[pos]
    if (step > 0 and tok.brk_after) or (step < 0 and nxt.brk_after):
        return None
    return next((m for m in mentions if m.start <= nxt.start < m.end), None)


def _joins_previous(before: Mention, run: list[_Token], cancelled: set[int],
                    unknown: dict[str, _Cand], para_index: int, gaz: Gazetteer) -> bool:
    """Handle a gazetteer alias directly followed by unknown capitalised words.

    "Republican National Committee" is one organisation, not the Republicans; "Russian Foreign
    Ministry" speaks for Russia (the residual words are dropped); "Jordan Peterson" is a person,
    not Jordan (only for weak aliases). Returns True when the run has been dealt with.
    """
    kind, _, key = before.actor.partition(":")
    if kind != "entry":
        return False
    entry = gaz.entry(key)
    words = [t.text for t in run]
    head = _Token(before.surface, before.start, before.end, False, False, False)
    if words[-1] in ORG_HEADS:
        if entry.kind != "country":
            cancelled.add(before.start)
            _add_unknown(unknown, "organisation", [head, *run], para_index)
        return True
    if before.surface in entry.weak and len(words) <= 2 and all(_name_like(w) for w in words):
        if words[-1] not in PLACE_HEADS:
            cancelled.add(before.start)
            _add_unknown(unknown, "person", [head, *run], para_index)
        return True
    return False


def _classify_run(
    run: list[_Token],
    after: Mention | None,
    cancelled: set[int],
    unknown: dict[str, _Cand],
    para_index: int,
    gaz: Gazetteer,
    doc: _Doc,
) -> None:
    # Leading function words / sentence adverbs ("Finally If", "Even", "The") are not names; nor is
    # a sentence-initial word that the text also uses in lower case ("Evidence ... evidence").
    while run and (run[0].text.lower() in gaz.common_words or run[0].text in CONNECTORS
                   or (run[0].initial and run[0].text.lower() in doc.lower_words)):
        run = run[1:]
    while run and (run[-1].text in CONNECTORS or run[-1].text.lower() in gaz.common_words):
        run = run[:-1]
    if not run:
        return
    words = [t.text for t in run]
    title_end = _last_title(words, gaz)
    person = after is not None and after.actor.startswith("entry:") and gaz.entry(
        after.actor.partition(":")[2]).kind == "person"
    if title_end is not None:
        name_toks = run[title_end:]
        if not name_toks:
            return  # "President" right before a known person, or a bare title
        _add_unknown(unknown, "person", name_toks[:4], para_index, titled=True)
        return
    if person and after is not None and all(_name_like(w) for w in words) and len(words) <= 3:
        entry = gaz.entry(after.actor.partition(":")[2])
        firsts = {a.split()[0] for a in entry.aliases if len(a.split()) > 1}
        if words[0] not in firsts:  # "Hunter Biden" is not Joe Biden; "Vladimir V. Putin" is Putin
            cancelled.add(after.start)
            full = [*run, _Token(after.surface, after.start, after.end, False, False, False)]
            _add_unknown(unknown, "person", full, para_index)
        return
    last = words[-1]
    if last in PLACE_HEADS or " ".join(words) in gaz.places or any(ch.isdigit() for w in words for ch in w):
        return
    if last in ORG_HEADS and len(words) > 1:
        _add_unknown(unknown, "organisation", run, para_index)
    elif len(words) == 1:
        kind = "acronym" if is_acronym(last) and 2 <= len(last.replace(".", "")) <= 6 else "single"
        if kind == "single" and not _name_like(last):
            return
        _add_unknown(unknown, kind, run, para_index, titled=run[0].start in doc.speakers)
    elif all(_name_like(w) or w in CONNECTORS or w in NAME_SUFFIXES for w in words) and len(words) <= 4:
        _add_unknown(unknown, "person", run, para_index)


def _last_title(words: Sequence[str], gaz: Gazetteer) -> int | None:
    """Index just after the last title in ``words`` ("Russian Foreign Minister" -> 3), or None."""
    titles = {tuple(t.split()) for t in gaz.titles}
    best: int | None = None
    for i in range(len(words)):
        for n in (3, 2, 1):
            if tuple(words[i:i + n]) in titles:
                best = i + n
                break
    return best


def _name_like(word: str) -> bool:
    """A capitalised word that could be part of a personal name ("O'Brien", "J.", "Al-Assad")."""
    if _INITIAL.fullmatch(word):
        return True
    core = word.replace("'", "").replace("-", "").replace("’", "")
    return bool(core) and core.isalpha() and word[0].isupper() and not word.isupper()


def _add_unknown(unknown: dict[str, _Cand], kind: str, toks: Sequence[_Token], para_index: int,
                 titled: bool = False) -> None:
    surface = " ".join(t.text for t in toks)
    if kind == "person" and len(toks) == 1:
        kind = "single"  # "Mr. Steele", "Steele said" and a repeated "Steele" are one candidate
    key = f"{kind}:{surface}"
    cand = unknown.setdefault(key, _Cand(surface, kind))
    cand.add(surface, (para_index, toks[0].start), toks[0].initial)
    cand.titled |= titled


# --------------------------------------------------------------------------------------------
# From candidates to actors


def _finalise(
    cands: dict[str, _Cand],
    unknown: dict[str, _Cand],
    gaz: Gazetteer,
    merge: bool,
    min_count: int,
) -> list[DiscoveredActor]:
    chosen: list[_Cand] = []
    for cand in cands.values():
        if cand.entry is not None and cand.entry.weak and set(cand.surfaces) <= set(cand.entry.weak):
            continue  # only "Georgia" / "Jordan": probably not the country
        chosen.append(cand)
    chosen.extend(_group_unknown(unknown))
    if merge:
        chosen = _merge_people(chosen, gaz)
    chosen = [c for c in chosen if c.count >= min_count]
    chosen.sort(key=lambda c: c.first)

    out: dict[str, list[str]] = {}
    meta: dict[str, _Cand] = {}
    owner: set[str] = set()
    for cand in chosen:
        cand.name = normalize_alias(cand.name)
        usual = cand.entry.all_aliases if cand.entry is not None else ()
        weak = set(cand.entry.weak) if cand.entry is not None else set()
        aliases: list[str] = []
        for alias in (cand.name, *cand.surfaces, *usual):
            alias = normalize_alias(alias)
            if not alias or (alias in weak and alias not in cand.surfaces):
                continue
            key = alias_key(alias)
            if key in owner and alias not in aliases:
                if alias == cand.name:
                    break  # the name itself belongs to an earlier actor: drop this one
                continue
            if alias not in aliases:
                aliases.append(alias)
                owner.add(key)
        if aliases and aliases[0] == normalize_alias(cand.name) and cand.name not in out:
            out[cand.name] = aliases
            meta[cand.name] = cand
    kinds = {"acronym": "organisation", "single": "person"}
    return [
        DiscoveredActor(actor, kinds.get(meta[actor.name].kind, meta[actor.name].kind),
                        meta[actor.name].count, meta[actor.name].entry is not None)
        for actor in (build_actors(out) if out else [])
    ]


def _group_unknown(unknown: dict[str, _Cand]) -> list[_Cand]:
    """Attach bare surnames to full names, then keep the candidates the rules accept."""
    people = [c for c in unknown.values() if c.kind == "person" and len(c.name.split()) > 1]
    by_surname: dict[str, list[_Cand]] = {}
    for c in people:
        parts = [w for w in c.name.split() if w not in NAME_SUFFIXES]
        by_surname.setdefault(parts[-1], []).append(c)
    # Longer forms absorb shorter ones sharing first and last word ("George W. Bush" / "George Bush").
    merged: dict[str, _Cand] = {}
    for surname, group in by_surname.items():
        group.sort(key=lambda c: (-c.count, c.first))
        head = group[0]
        for other in group[1:]:
            if other.name.split()[0] == head.name.split()[0]:
                _absorb(head, other)
            else:
                merged[other.name] = other
        merged[head.name] = head
    accepted: dict[str, _Cand] = {}
    for c in merged.values():
        accepted[c.name] = c
    singles = [c for c in unknown.values() if len(c.name.split()) == 1 or c.kind != "person"]
    for c in singles:
        if c.kind == "person" and len(c.name.split()) > 1:
            continue
        heads = by_surname.get(c.name, [])
        owners = {h.name for h in heads if h.name in accepted}
        if c.kind in ("single", "person") and len(owners) == 1:
            host = accepted[owners.pop()]
            _absorb(host, c)
            continue
        if c.kind == "organisation":
            accepted[c.name] = c
        elif c.kind == "acronym" and c.count >= 2:
            accepted[c.name] = c
        elif c.kind == "person" and c.titled and not heads:
            accepted[c.name] = c
        elif c.kind == "single" and not heads and (c.titled or _repeated_name(c)):
            c.kind = "person"
            accepted[c.name] = c
    # A full name seen once, sentence-initial, with nothing else supporting it is too weak.
    return [c for c in accepted.values() if not (c.kind == "person" and c.count == 1 and c.non_initial == 0
                                                 and not c.titled and len(c.name.split()) < 2)]


def _repeated_name(c: _Cand) -> bool:
    """A bare capitalised word is a person when repeated, not only sentence-initial, and does not
    look like a plural thing ("Oreos")."""
    plural = c.name.endswith("s") and not c.name.endswith(("ss", "us", "is"))
    return c.count >= 2 and c.non_initial >= 1 and not plural


def _absorb(host: _Cand, other: _Cand) -> None:
    for s in other.surfaces:
        host.surfaces[s] = None
    host.first = min(host.first, other.first)
    host.count += other.count
    host.non_initial += other.non_initial
    host.titled |= other.titled
    if len(other.name.split()) > len(host.name.split()):
        host.name = other.name  # name people by their fullest form


def _merge_people(chosen: list[_Cand], gaz: Gazetteer) -> list[_Cand]:
    """Fold each known leader into the actor for their country (created if not yet present)."""
    by_name = {c.name: c for c in chosen}
    out: list[_Cand] = []
    for c in chosen:
        country = c.entry.country if c.entry is not None and c.entry.kind == "person" else None
        if country is None:
            out.append(c)
            continue
        host = by_name.get(country)
        if host is None:
            entry = gaz.entry(country)
            host = by_name[country] = _Cand(country, entry.kind, entry)
            out.append(host)
        for s in (c.name, *c.surfaces, *c.entry.aliases):
            host.surfaces[normalize_alias(s)] = None
        host.first = min(host.first, c.first)
        host.count += c.count
        host.non_initial += c.non_initial
    return out


@functools.lru_cache(maxsize=1)
def _gazetteer_aliases() -> tuple[tuple[str, str, str], ...]:
    """(first word, actor key, alias) for every gazetteer alias, places and agencies included."""
    gaz = load_gazetteer()
    pairs = [(f"entry:{e.name}", a) for e in gaz.entries for a in e.all_aliases]
    pairs += [(f"place:{p}", p) for p in gaz.places]
    pairs += [(f"agency:{a}", a) for a in gaz.agencies]
    return tuple((_WORD.search(a).group(), key, a) for key, a in pairs if _WORD.search(a))


def _gazetteer_finder(text: str) -> MentionFinder:
    """A matcher over the gazetteer aliases whose first word occurs in ``text``.

    One regex over all ~1,000 aliases costs ~10 ms per paragraph (every alternative is tried at
    every position); restricting it to the aliases that can match keeps discovery at ~1 ms.
    Matching semantics are exactly ``mentions.MentionFinder``'s, as labelling uses.
    """
    words = set(_WORD.findall(text))
    keep = tuple(i for i, (first, _, _) in enumerate(_gazetteer_aliases())
                 if first in words or first[:1].upper() + first[1:] in words)
    return _subset_finder(keep)


@functools.lru_cache(maxsize=256)
def _subset_finder(indices: tuple[int, ...]) -> MentionFinder:
    grouped: dict[str, list[str]] = {}
    table = _gazetteer_aliases()
    for i in indices:
        _, key, alias = table[i]
        grouped.setdefault(key, []).append(alias)
    return MentionFinder([Actor(key, tuple(aliases)) for key, aliases in grouped.items()])


# --------------------------------------------------------------------------------------------
# YAML output

_PLAIN = re.compile(r"[A-Za-z\u00c0-\u024f][\w .'\-\u00c0-\u024f]*")
_YAML_WORDS = frozenset("y n yes no on off true false null".split())


def _yaml_scalar(value: str) -> str:
    """A YAML scalar that reads back as exactly ``value`` (plain when safe, else double-quoted)."""
    if _PLAIN.fullmatch(value) and value.lower() not in _YAML_WORDS and not value.endswith(" "):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def actors_to_yaml(actors: Sequence[Actor], target: str | None = None) -> str:
    """An actors file (see ``actors.load_actors_file``) for ``actors``, in the given order."""
    lines = [
        "# Actors discovered by `stancekit actors` (gazetteer + capitalisation rules).",
        "# Review before use: remove what is not an actor, merge or split alias groups.",
    ]
    if target is not None and target.strip():
        lines.append(f"target: {_yaml_scalar(' '.join(target.split()))}")
    if not actors:
        lines.append("actors: {}")
        return "\n".join(lines) + "\n"
    lines.append("actors:")
    for actor in actors:
        aliases = ", ".join(_yaml_scalar(a) for a in actor.aliases)
        lines.append(f"  {_yaml_scalar(actor.name)}: [{aliases}]")
    return "\n".join(lines) + "\n"
