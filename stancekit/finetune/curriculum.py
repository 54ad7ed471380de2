"""Attribution curriculum: seeded, generated stance examples that teach *per-actor* reading.

A model that gives every actor of a sentence the sentence's dominant polarity is wrong whenever two
actors disagree, one actor reports another's position, a position is negated, hedged or hypothetical,
an actor only attends the scene, or an actor opposes the *opposite* of the target ("criticised the
repeal of the bill" supports the bill). `generate` writes short news-style texts (1–3 sentences)
that isolate these cases and returns one stance record per named actor of each text, with the gold
stance for *that* actor, so both actors of "A praised the deal, but B rejected it" are asked.

Record fields:

============  ===========================================================================================
``text``      the premise text (1–3 sentences)
``actor``     the actor's canonical name, used in the hypothesis ("Elena Varga", "Norway")
``mentions``  how the actor appears in the text ("Elena Varga", "Varga"; "Oslo" for Norway)
``target``    the target phrase the hypothesis uses; ``text_target`` is the wording in the text
              (a paraphrase in part of the records: text "the accord", hypothesis "the climate pact")
``stance``    support | oppose | neutral, gold for this actor
``phenomena`` tags: the pattern, the actor's role in it, and surface features
              (``pronoun_object``, ``target_paraphrase``, ``alias``, ``multi_sentence``, ...)
``pattern``   the generating pattern; ``group`` numbers the text (all records of one text share it)
============  ===========================================================================================

Patterns and their gold rules (role tags in brackets):

==============  ==============================================================  ===========================
pattern         example                                                         gold
==============  ==============================================================  ===========================
contrast        "A praised the deal, but B rejected it." 2–4 actors joined by     each actor: the polarity of
                while / but / whereas / although / ";" or a second sentence       its own verb [holder]
conjoined       "A, B and C rejected the deal" / "Both A and B ..." / "..., as    every conjunct: the shared
                did C" / "A and B backed it, while C ..."                         verb's polarity [holder]
apposition      "A, the region's largest economy, backed the deal";               A: its verb; an actor
                "A, a long-time rival of B, ..."                                  inside the apposition:
                                                                                  neutral [appositive]
passive         "The bill was vetoed by B" (B oppose); "the deal, negotiated by   agent: its verb's polarity
                A, was rejected by B" (A support, B oppose); "A rejected the      [agent]; author of the
                pact drafted by B"                                                target: support [author]
reported        "A said B had rejected the plan" / "According to A, ..." /        reported actor: its verb
                "..., A said" / "A told reporters that B would ..."               [reported]; reporter:
                "A said it would back the plan" (own position)                    neutral [reporter]; own
                                                                                  report: its verb [self_report]
reported2       "A said B had told reporters that C had endorsed the plan";       innermost actor: its verb;
                "According to A, B claimed that C ..."; "C backed it, B told A"   every reporter / listener:
                                                                                  neutral
negation        "A did not oppose the deal" / "A no longer backs it" / "A         a negated polar verb flips
                refused to back it" / "Neither A nor B endorsed it" / "A did      (oppose → support, support
                not reject it; instead she hailed it"                             → oppose); a negated
                                                                                  neutral verb: neutral
hedge           "A might consider backing the deal" / "A may reject it" / "A      neutral; a second actor's
                is weighing whether to ..." / "A has not ruled out ..."           plain statement: its verb
question        "Will A ratify the treaty?" / "It remains unclear whether A       neutral (no presupposing
                will ..." / "B asked whether A would ..."                         questions are generated)
conditional     "If A signs the pact, B will ..." / "A will back it only if B     every actor inside the
                ..." / "Unless A ..."                                             condition or consequence:
                                                                                  neutral
noncommittal    "A remained silent on the deal" / "A held talks on it" / "A       neutral (neutral lexicon
                would not say whether it would back it"                           or an unstated position)
opposite        "A criticised the withdrawal from / repeal of / veto of / delay   A: the flipped polarity of
                of / cancellation of / suspension of the deal" (support);         its verb (neutral verb:
                "A called for the cancellation of the deal" (oppose); "A          neutral); B, whose
                condemned B's withdrawal from the pact" (B oppose)                withdrawal / repeal / veto
                                                                                  / cancellation / suspension
                                                                                  it is: oppose [agent]
bystander       "A rejected the deal at a summit in B's capital" / "after talks   A: its verb; the place,
                with B" / "in a letter to B" / "B's state broadcaster reported"   host, addressee or
                                                                                  reporting medium: neutral
object          "A urged B to back the deal" (A support, B neutral); "A warned    urger: the urged verb's
                B against backing it" (A oppose); "A praised B for backing it"    polarity; warner: flipped;
                (both support); "A criticised B for backing it" (B support, A     the urged / warned actor:
                oppose)                                                           neutral; praised / blamed
                                                                                  actor: its own act
intent          "A will vote against the bill" / "A pledged to ratify it" / "A   A: its verb's polarity
                said it would back the plan", alone or beside "B may reject it"   [stated_intent]; a hedged
                (asked for by name: not in `DEFAULT_PATTERNS`)                    B: neutral
==============  ==============================================================  ===========================

Wording. Stance cues come only from ``LEXICON`` (support: endorse, back, hail, welcome, sign, ratify,
champion, praise, applaud, approve, embrace, push for, vote for, lobby for, defend; oppose: reject,
denounce, condemn, veto, block, vow to fight, withdraw from, oppose, slam, criticise, vote against,
boycott, challenge in court, attack; neutral: take note of, examine, remain silent on, ask questions
about, be briefed on, hold talks on, discuss) and the opposite-of-target nouns in ``OPPOSITE_NOUNS``,
plus the framing verbs that carry no stance of their own (said, told, urged, asked, called for, ...).
The words in ``FORBIDDEN`` belong to a held-out probe set that measures generalisation to other
vocabulary; they are never generated. Actor names avoid the actors of the bundled evaluation article
(and their aliases). Targets span trade, climate, corporate, labour, legal, municipal, pension,
security, budget and sanctions domains, each with paraphrases.

Balance. Every polarity that a pattern leaves free is drawn against the running label counts, so the
three stances come out at about a third each (checked in ``tests/test_curriculum.py``). The output is a
pure function of ``(n, seed, patterns)``.

Fine-tuning uses the records through a ``format: curriculum`` data source (see
`stancekit.finetune.data.curriculum_pairs` and docs/finetuning.md); generated data is for training only.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any, Callable, Sequence

STANCES: tuple[str, ...] = ("support", "oppose", "neutral")
FLIP = {"support": "oppose", "oppose": "support", "neutral": "neutral"}
KINDS: tuple[str, ...] = ("agreement", "deal", "bill")

#: Phrases reserved for a held-out probe vocabulary: never generated, at the start of a word (tested; "lauded"
#: inside the lexicon's "applauded" is another word).
FORBIDDEN: tuple[str, ...] = (
    "threw its weight behind", "signed off on", "came out in favour", "lauded", "blessing", "advocate",
    "voiced approval", "cheered", "spoke out against", "torpedoed", "refused to sign", "lambasted",
    "campaigned against", "scrap", "voted down", "dismissed", "declined to comment", "study", "reviewing",
    "has not taken a position", "met to discuss",
)


# ----------------------------------------------------------------------------------------------- lexicon
@dataclass(frozen=True)
class Verb:
    """A stance verb in every form the patterns need; ``{o}`` marks the object (appended when absent)."""

    key: str
    pol: str
    base: str
    pres: str
    past: str
    ing: str
    perf: str
    pp: str | None = None  # passive participle phrase ("vetoed", "challenged in court"); None: no passive
    kinds: tuple[str, ...] = KINDS  # target kinds the verb fits
    past_pl: str | None = None
    pres_pl: str | None = None

    def form(self, name: str, obj: str, plural: bool = False) -> str:
        if plural and name == "past":
            tpl = self.past_pl or self.past
        elif plural and name == "pres":
            tpl = self.pres_pl or self.base
        elif plural and name == "perf":
            tpl = "have " + self.perf[4:]
        elif name == "pluperf":
            tpl = "had " + self.perf[4:]
        else:
            tpl = getattr(self, name)
        return tpl.replace("{o}", obj) if "{o}" in tpl else f"{tpl} {obj}"


def _reg(key: str, pol: str, past: str, pres: str | None = None, ing: str | None = None, passive: bool = True,
         kinds: tuple[str, ...] = KINDS) -> Verb:
    """A regular one-word verb ("back": backs, backed, backing, has backed, was backed)."""
    return Verb(key, pol, key, pres or key + "s", past, ing or key + "ing", "has " + past,
                past if passive else None, kinds)


def _phr(key: str, pol: str, pres: str, past: str, ing: str, perf: str, pp: str | None = None,
         kinds: tuple[str, ...] = KINDS, **kw: str) -> Verb:
    return Verb(key, pol, key, pres, past, ing, perf, pp, kinds, **kw)


_VERBS: tuple[Verb, ...] = (
    # support
    _reg("endorse", "support", "endorsed", ing="endorsing"),
    _reg("back", "support", "backed"),
    _reg("hail", "support", "hailed"),
    _reg("welcome", "support", "welcomed", ing="welcoming"),
    _reg("sign", "support", "signed"),
    _reg("ratify", "support", "ratified", pres="ratifies", ing="ratifying", kinds=("agreement",)),
    _reg("champion", "support", "championed"),
    _reg("praise", "support", "praised", ing="praising"),
    _reg("applaud", "support", "applauded"),
    _reg("approve", "support", "approved", ing="approving"),
    _reg("embrace", "support", "embraced", ing="embracing"),
    _phr("push for", "support", "pushes for", "pushed for", "pushing for", "has pushed for"),
    _phr("vote for", "support", "votes for", "voted for", "voting for", "has voted for", kinds=("agreement", "bill")),
    _phr("lobby for", "support", "lobbies for", "lobbied for", "lobbying for", "has lobbied for"),
    _reg("defend", "support", "defended"),
    # oppose
    _reg("reject", "oppose", "rejected"),
    _reg("denounce", "oppose", "denounced", ing="denouncing"),
    _reg("condemn", "oppose", "condemned"),
    _reg("veto", "oppose", "vetoed", pres="vetoes", kinds=("deal", "bill")),
    _reg("block", "oppose", "blocked"),
    _phr("vow to fight", "oppose", "vows to fight", "vowed to fight", "vowing to fight", "has vowed to fight"),
    _phr("withdraw from", "oppose", "withdraws from", "withdrew from", "withdrawing from", "has withdrawn from",
         kinds=("agreement", "deal")),
    _reg("oppose", "oppose", "opposed", ing="opposing"),
    _reg("slam", "oppose", "slammed", ing="slamming"),
    _reg("criticise", "oppose", "criticised", ing="criticising"),
    _phr("vote against", "oppose", "votes against", "voted against", "voting against", "has voted against",
         kinds=("agreement", "bill")),
    _reg("boycott", "oppose", "boycotted", kinds=("agreement", "deal")),
    Verb("challenge in court", "oppose", "challenge {o} in court", "challenges {o} in court",
         "challenged {o} in court", "challenging {o} in court", "has challenged {o} in court", "challenged in court"),
    _reg("attack", "oppose", "attacked"),
    # neutral
    _phr("take note of", "neutral", "takes note of", "took note of", "taking note of", "has taken note of"),
    _reg("examine", "neutral", "examined", ing="examining"),
    _phr("remain silent on", "neutral", "remains silent on", "remained silent on", "remaining silent on",
         "has remained silent on"),
    _phr("ask questions about", "neutral", "asks questions about", "asked questions about", "asking questions about",
         "has asked questions about"),
    _phr("be briefed on", "neutral", "is briefed on", "was briefed on", "being briefed on", "has been briefed on",
         past_pl="were briefed on", pres_pl="are briefed on"),
    _phr("hold talks on", "neutral", "holds talks on", "held talks on", "holding talks on", "has held talks on"),
    _reg("discuss", "neutral", "discussed", pres="discusses"),
)
VERBS: dict[str, Verb] = {v.key: v for v in _VERBS}
#: polarity -> the lexicon keys (the only stance words the curriculum uses).
LEXICON: dict[str, tuple[str, ...]] = {p: tuple(v.key for v in _VERBS if v.pol == p) for p in STANCES}

#: Verbs that read naturally after an auxiliary ("did not", "might", "will"), "-ing" complements, or
#: "If A ...": everything but the two neutral verbs that are states.
_AUX_OK = tuple(k for k in VERBS if k not in ("be briefed on", "remain silent on"))
#: Oppose verbs whose negation reads as a position ("did not oppose", "will not block").
_NEG_OPPOSE = ("oppose", "reject", "block", "veto", "vote against", "challenge in court", "boycott", "withdraw from")
_NEG_NEUTRAL = ("discuss", "examine", "hold talks on", "take note of")
#: Verbs that can take an opposite-of-target object ("vetoed the repeal of the bill").
_OPP_VERBS = tuple(k for k in VERBS if k not in ("withdraw from", "boycott", "ratify"))
#: Courts only rule: the verbs a court can plausibly be the subject of.
_COURT_VERBS = ("approve", "back", "endorse", "reject", "block", "examine", "take note of", "defend")
#: Verbs a company or court cannot do (legislative / treaty acts).
_STATE_VERBS = ("ratify", "vote for", "vote against", "veto")

#: Opposite-of-target nouns: supporting one opposes the target. ``agent`` — "B's <noun> X" makes B its
#: agent (B opposes X); a delay has no agent here (delaying is not clearly a position).
OPPOSITE_NOUNS: dict[str, dict[str, Any]] = {
    "withdrawal from": {"kinds": ("agreement", "deal"), "agent": True},
    "repeal of": {"kinds": ("bill",), "agent": True},
    "veto of": {"kinds": ("bill", "deal"), "agent": True},
    "delay of": {"kinds": KINDS, "agent": False},
    "cancellation of": {"kinds": KINDS, "agent": True},
    "suspension of": {"kinds": KINDS, "agent": True},
}

# ----------------------------------------------------------------------------------------------- targets
#: (kind, phrases): the text uses one phrase, the hypothesis the same or (in part of the records) another.
TARGETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("agreement", ("the trade pact", "the trade deal", "the trade agreement", "the free-trade agreement")),
    ("agreement", ("the climate accord", "the climate agreement", "the climate pact", "the emissions accord")),
    ("agreement", ("the labour contract", "the wage agreement", "the new labour agreement", "the pay deal")),
    ("agreement", ("the settlement", "the legal settlement", "the proposed settlement", "the out-of-court settlement")),
    ("agreement", ("the ceasefire", "the truce", "the ceasefire agreement", "the ceasefire deal")),
    ("agreement", ("the border treaty", "the treaty", "the border agreement", "the boundary treaty")),
    ("agreement", ("the water-sharing agreement", "the water deal", "the river-sharing accord")),
    ("agreement", ("the arms-control treaty", "the arms-control pact", "the weapons treaty")),
    ("agreement", ("the fisheries agreement", "the fishing deal", "the fishing accord")),
    ("deal", ("the merger", "the proposed merger", "the merger deal", "the planned merger")),
    ("deal", ("the port concession", "the port deal", "the harbour concession")),
    ("deal", ("the gas supply deal", "the gas contract", "the gas deal")),
    ("deal", ("the takeover bid", "the takeover offer", "the acquisition")),
    ("bill", ("the zoning bill", "the zoning law", "the zoning reform", "the rezoning bill")),
    ("bill", ("the pension reform", "the pension overhaul", "the pension bill", "the retirement reform")),
    ("bill", ("the budget", "the spending plan", "the draft budget", "the budget bill")),
    ("bill", ("the sanctions package", "the sanctions plan", "the package of sanctions")),
    ("bill", ("the tax reform", "the tax overhaul", "the tax bill", "the tax plan")),
    ("bill", ("the health-care bill", "the health reform", "the hospital reform")),
    ("bill", ("the congestion charge", "the congestion fee", "the road toll plan")),
    ("bill", ("the data-privacy law", "the privacy bill", "the data-protection bill")),
    ("bill", ("the recovery plan", "the rescue plan", "the plan", "the economic recovery plan")),
    ("bill", ("the mining code", "the mining law", "the new mining rules")),
    ("bill", ("the stadium project", "the stadium proposal", "the stadium plan")),
    ("bill", ("the minimum-wage increase", "the wage rise", "the minimum-wage hike")),
)

# ------------------------------------------------------------------------------------------------ actors
# No actor of the bundled evaluation article (nor an alias of one) appears here.
_COUNTRIES: tuple[tuple[str, str], ...] = (  # (name, capital used as a metonym; "" for none)
    ("Norway", "Oslo"), ("Chile", "Santiago"), ("Kenya", "Nairobi"), ("Vietnam", "Hanoi"), ("Portugal", "Lisbon"),
    ("Argentina", "Buenos Aires"), ("Indonesia", "Jakarta"), ("Nigeria", "Abuja"), ("Sweden", "Stockholm"),
    ("Austria", "Vienna"), ("Peru", "Lima"), ("Ghana", "Accra"), ("Morocco", "Rabat"), ("Finland", "Helsinki"),
    ("Greece", "Athens"), ("Hungary", "Budapest"), ("Denmark", "Copenhagen"), ("Colombia", "Bogota"),
    ("Malaysia", "Kuala Lumpur"), ("Thailand", "Bangkok"), ("Ireland", "Dublin"), ("Romania", "Bucharest"),
    ("Senegal", "Dakar"), ("Uruguay", "Montevideo"), ("Jordan", "Amman"), ("Qatar", "Doha"),
    ("New Zealand", "Wellington"), ("Ecuador", "Quito"), ("Tunisia", "Tunis"), ("Slovenia", "Ljubljana"),
    ("Estonia", "Tallinn"), ("Mongolia", "Ulaanbaatar"), ("Zambia", "Lusaka"), ("Iceland", "Reykjavik"),
    ("Veridia", "Port Aster"), ("Norlund", "Valmo"), ("Kalmeria", "Sorrin"), ("Dravonia", "Ketzel"),
    ("Talvania", ""), ("Serenia", ""), ("Corvania", ""), ("Lumeria", ""), ("Ostrelia", ""),
)
_FIRST: tuple[tuple[str, str], ...] = (
    ("Elena", "she"), ("David", "he"), ("Amara", "she"), ("Kenji", "he"), ("Sofia", "she"), ("Omar", "he"),
    ("Priya", "she"), ("Lars", "he"), ("Ines", "she"), ("Tomas", "he"), ("Nadia", "she"), ("Rafael", "he"),
    ("Mei", "she"), ("Kwame", "he"), ("Hana", "she"), ("Lucas", "he"), ("Aisha", "she"), ("Mateo", "he"),
    ("Ingrid", "she"), ("Yusuf", "he"), ("Clara", "she"), ("Viktor", "he"), ("Leila", "she"), ("Diego", "he"),
    ("Freya", "she"), ("Samuel", "he"), ("Rosa", "she"), ("Anton", "he"), ("Zara", "she"), ("Felix", "he"),
)
_LAST: tuple[str, ...] = (
    "Varga", "Okafor", "Sato", "Diallo", "Novak", "Raman", "Nilsson", "Rossi", "Haddad", "Ferreira", "Mendes",
    "Tanaka", "Mensah", "Lindqvist", "Costa", "Eriksen", "Abara", "Halvorsen", "Marrow", "Vask", "Quintero",
    "Adeyemi", "Brandt", "Castell", "Rahimi", "Solberg", "Moreno", "Kimura", "Achebe", "Larsen", "Ortiz", "Falk",
)
_TITLES: tuple[str, ...] = (
    "President", "Prime Minister", "Finance Minister", "Foreign Minister", "Trade Minister", "Governor", "Mayor",
    "Senator", "party leader", "union leader", "chief executive",
)
_ORGS: tuple[tuple[str, str], ...] = (  # (name, kind)
    ("Norvik Energy", "company"), ("Halden Steel", "company"), ("Brightline Logistics", "company"),
    ("Corvus Pharma", "company"), ("Meridian Bank", "company"), ("Atlas Mining", "company"),
    ("Pinecrest Foods", "company"), ("Redwater Shipping", "company"), ("Solano Motors", "company"),
    ("Kestrel Airways", "company"), ("Bluefin Telecom", "company"), ("Orion Chemicals", "company"),
    ("the dockworkers' union", "union"), ("the nurses' union", "union"), ("the teachers' union", "union"),
    ("the transit workers' union", "union"), ("the miners' federation", "union"), ("the farmworkers' union", "union"),
    ("the Green Party", "party"), ("the People's Alliance", "party"), ("the Farmers' Party", "party"),
    ("the Progress Party", "party"), ("the Liberal Party", "party"), ("the Unity Party", "party"),
    ("the Reform Party", "party"), ("the Labour Party", "party"), ("the Centre Party", "party"),
    ("the Supreme Court", "court"), ("the constitutional court", "court"), ("the High Court", "court"),
    ("the appeals court", "court"),
    ("Porto", "city"), ("Gothenburg", "city"), ("Mombasa", "city"), ("Cordoba", "city"), ("Rotterdam", "city"),
    ("Riverton", "city"), ("Ashford", "city"), ("Dunmore", "city"), ("Kingsbridge", "city"),
    ("the central bank", "org"), ("the competition regulator", "org"), ("the employers' federation", "org"),
    ("the chamber of commerce", "org"), ("the farmers' association", "org"), ("the African Union", "org"),
    ("the Nordic Council", "org"), ("the city council", "org"), ("the World Trade Organization", "org"),
    ("the regional assembly", "org"),
)

ACTOR_KINDS: tuple[str, ...] = ("country", "person", "company", "union", "party", "court", "city", "org")
NON_COURT: tuple[str, ...] = tuple(k for k in ACTOR_KINDS if k != "court")

_APPOS: dict[str, tuple[str, ...]] = {  # "{B}" introduces a second actor (neutral)
    "country": ("the region's largest economy", "a founding member of the bloc", "the host of the talks",
                "a major exporter", "the bloc's newest member", "an ally of {B}", "a neighbour of {B}",
                "a long-time rival of {B}"),
    "person": ("a veteran negotiator", "the head of the delegation", "a former diplomat", "an ally of {B}",
               "a critic of {B}", "a close adviser to the cabinet"),
    "company": ("the country's largest employer", "a major shipping group", "a rival of {B}", "the market leader"),
    "union": ("which represents thousands of workers", "the country's largest union", "a long-time critic of {B}"),
    "party": ("the largest group in parliament", "a junior coalition partner", "a rival of {B}"),
    "court": ("the country's top court",),
    "city": ("the country's second-largest city", "a port city", "a neighbour of {B}"),
    "org": ("a powerful lobby", "an influential body", "a partner of {B}"),
}
_FILLERS: tuple[str, ...] = (
    "Talks on {t} have lasted more than a year.", "A vote on {t} is expected next week.",
    "{T} would run for ten years.", "Details of {t} were published on Tuesday.",
    "The talks are set to resume next month.", "Markets reacted calmly to the news.",
    "{T} has been debated for months.", "The debate over {t} is far from over.",
)

PATTERNS: tuple[str, ...] = (
    "contrast", "conjoined", "apposition", "passive", "reported", "reported2", "negation", "hedge", "question",
    "conditional", "noncommittal", "opposite", "bystander", "object", "intent",
)
#: The patterns `generate` draws from when none are named: every pattern but ``intent``, which came later and is
#: asked for by name (``patterns:`` in a curriculum source), so the draws behind the earlier configs stay the same.
DEFAULT_PATTERNS: tuple[str, ...] = tuple(p for p in PATTERNS if p != "intent")
_WEIGHTS: dict[str, float] = {
    "contrast": 1.4, "conjoined": 0.8, "apposition": 0.7, "passive": 0.9, "reported": 0.9, "reported2": 0.5,
    "negation": 1.1, "hedge": 0.55, "question": 0.45, "conditional": 0.45, "noncommittal": 0.6, "opposite": 1.3,
    "bystander": 0.7, "object": 0.8, "intent": 1.6,
}
#: Frames of a stated intention or commitment: the actor's own future act is its position ("will vote against
#: the bill" is opposition), unlike a hedge ("may", "might", "could") or a condition. ``{p}``: the actor's pronoun.
_INTENT_FRAMES: tuple[str, ...] = (
    "{s} will {v}", "{s} will {v}", "{s} would {v}", "{s} is going to {v}", "{s} plans to {v}",
    "{s} intends to {v}", "{s} is set to {v}", "{s} pledged to {v}", "{s} has promised to {v}",
    "{s} is preparing to {v}", "{s} will try to {v}", "{s} would seek to {v}", "{s} is determined to {v}",
    "{s} said {p} will {v}", "{s} announced that {p} would {v}", "{s} made clear that {p} would {v}",
    "{s} will {v} next week", "{s} would {v} when it comes to a vote",
)


@dataclass(frozen=True)
class _Actor:
    name: str  # canonical (the hypothesis uses it)
    kind: str  # country | person | company | union | party | court | city | org
    pronoun: str = "it"
    short: str = ""  # later mentions of a person (surname)
    title: str = ""
    metonym: str = ""


@dataclass(frozen=True)
class _Target:
    kind: str
    text: str  # the wording in the text
    hyp: str  # the wording in the hypothesis


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _poss(s: str) -> str:
    return s + ("'" if s.endswith("s") else "'s")


class _Text:
    """One text under construction: tracks how each actor was mentioned."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: dict[str, list[str]] = {}
        self.actors: dict[str, _Actor] = {}
        self.tags: set[str] = set()

    def m(self, a: _Actor, title: bool = True) -> str:
        """The actor's surface form here: a person by (title and) full name first, then by surname; a
        country now and then by its capital (an alias, as "Moscow" stands for Russia)."""
        first = a.name not in self.used
        if a.kind == "person":
            if first:
                surface = f"{a.title} {a.name}" if title and a.title and self.rng.random() < 0.5 else a.name
                mention = a.name
            else:
                surface = mention = a.short
                self.tags.add("alias")
        elif a.kind == "country" and a.metonym and self.rng.random() < 0.15:
            surface = mention = a.metonym
            self.tags.add("alias")
        else:
            surface = mention = a.name
        self.actors[a.name] = a
        seen = self.used.setdefault(a.name, [])
        if mention not in seen:
            seen.append(mention)
        return surface


Gold = tuple[_Actor, str, tuple[str, ...]]  # actor, stance, role tags


class _Generator:
    def __init__(self, seed: int, patterns: Sequence[str]) -> None:
        self.rng = random.Random(seed)
        self.patterns = list(patterns)
        self.weights = [_WEIGHTS[p] for p in self.patterns]
        self.counts = {s: 0 for s in STANCES}
        self.group = 0

    # -- draws -------------------------------------------------------------------------------------------
    def pol(self, allowed: Sequence[str] = STANCES) -> str:
        """A free polarity, drawn against the running label counts (keeps the labels balanced)."""
        total = sum(self.counts.values())
        weights = [max(0.05, 1.0 + (total / 3 - self.counts[s]) / 4) for s in allowed]
        return self.rng.choices(list(allowed), weights)[0]

    def pols(self, k: int) -> list[str]:
        """k polarities; the first two differ (so a contrast joiner always joins a contrast)."""
        out = [self.pol()]
        out.append(self.pol([s for s in STANCES if s != out[0]]))
        return out + [self.pol() for _ in range(k - 2)]

    def target(self) -> _Target:
        kind, phrases = self.rng.choice(TARGETS)
        text = self.rng.choice(phrases)
        hyp = self.rng.choice([p for p in phrases if p != text]) if self.rng.random() < 0.45 else text
        return _Target(kind, text, hyp)

    def actors(self, k: int, kinds: Sequence[str] | None = None, taken: Sequence[_Actor] = ()) -> list[_Actor]:
        """k distinct actors (of ``kinds``, default any) whose names and aliases do not overlap with each
        other or with ``taken``."""
        out: list[_Actor] = []
        while len(out) < k:
            a = self._actor(kinds or ACTOR_KINDS)
            if not any(_clash(a, b) for b in (*taken, *out)):
                out.append(a)
        return out

    def _actor(self, kinds: Sequence[str]) -> _Actor:
        rng = self.rng
        orgs = [o for o in _ORGS if o[1] in kinds]
        cats = [c for c, ok in (("country", "country" in kinds), ("person", "person" in kinds), ("org", bool(orgs))) if ok]
        cat = rng.choices(cats, [{"country": 0.4, "person": 0.3, "org": 0.3}[c] for c in cats])[0]
        if cat == "country":
            name, capital = rng.choice(_COUNTRIES)
            return _Actor(name, "country", metonym=capital)
        if cat == "person":
            (first, pron), last = rng.choice(_FIRST), rng.choice(_LAST)
            title = rng.choice(_TITLES) if rng.random() < 0.6 else ""
            return _Actor(f"{first} {last}", "person", pron, short=last, title=title)
        name, okind = rng.choice(orgs)
        return _Actor(name, okind)

    def verb(self, pol: str, t: _Target | None, who: Sequence[_Actor] = (), among: Sequence[str] | None = None,
             avoid: Sequence[str] = ()) -> Verb:
        """A lexicon verb of polarity ``pol`` that fits the target's kind (``t`` None: any) and every actor
        in ``who`` (courts only rule; companies and cities do not ratify, vote or veto)."""
        keys = [k for k in (among or LEXICON[pol]) if VERBS[k].pol == pol and (t is None or t.kind in VERBS[k].kinds)]
        for a in who:
            if a.kind == "court":
                keys = [k for k in keys if k in _COURT_VERBS]
            elif a.kind in ("company", "city"):
                keys = [k for k in keys if k not in _STATE_VERBS]
        return VERBS[self.rng.choice([k for k in keys if k not in avoid] or keys)]

    # -- assembly ----------------------------------------------------------------------------------------
    def finish(self, pattern: str, tx: _Text, sentences: list[str], golds: list[Gold], t: _Target,
               tags: Sequence[str] = ()) -> list[dict]:
        rng = self.rng
        sentences = [_cap(s) for s in sentences]
        if _n_sentences(" ".join(sentences)) < 3 and rng.random() < 0.2:
            filler = rng.choice(_FILLERS).format(t=t.text, T=_cap(t.text))
            sentences = [filler] + sentences if rng.random() < 0.4 else sentences + [filler]
            tx.tags.add("filler")
        text = " ".join(sentences)
        named = set(tx.used)
        asked = [g[0].name for g in golds]
        assert sorted(named) == sorted(asked), (pattern, text, named, asked)  # every named actor is asked once
        common = [pattern, *tags, *sorted(tx.tags)]
        if _n_sentences(text) > 1:
            common.append("multi_sentence")
        if t.hyp != t.text:
            common.append("target_paraphrase")
        out = []
        for actor, stance, roles in golds:
            out.append({
                "text": text, "actor": actor.name, "mentions": list(tx.used[actor.name]), "target": t.hyp,
                "text_target": t.text, "stance": stance, "phenomena": common + list(roles), "pattern": pattern,
                "group": self.group, "n_actors": len(golds),
            })
            self.counts[stance] += 1
        self.group += 1
        return out

    def run(self, n: int) -> list[dict]:
        out: list[dict] = []
        while len(out) < n:
            pattern = self.rng.choices(self.patterns, self.weights)[0]
            out.extend(getattr(self, "p_" + pattern)())
        return out[:n]

    # -- patterns ----------------------------------------------------------------------------------------
    def p_contrast(self) -> list[dict]:
        rng = self.rng
        k = rng.choices([2, 3, 4], [0.55, 0.3, 0.15])[0]
        actors, pols, t, tx = self.actors(k), self.pols(k), self.target(), _Text(rng)
        tense = rng.choices(["past", "pres", "perf"], [0.7, 0.15, 0.15])[0]
        subj, vps, tags, used = [], [], [f"actors:{k}"], []
        for i, (a, p) in enumerate(zip(actors, pols)):
            v = self.verb(p, t, [a], avoid=used)
            used.append(v.key)
            obj = t.text if i == 0 or rng.random() < 0.3 else "it"
            if obj == "it":
                tx.tags.add("pronoun_object")
            subj.append(tx.m(a))
            vps.append(v.form(tense, obj))
        clauses = [f"{s} {vp}" for s, vp in zip(subj, vps)]
        joiner = rng.choice(["but", "while", "whereas", "although", ";", "sentence"])
        tags.append("joiner:" + joiner)
        if joiner == "although":
            first = f"although {clauses[0]}, {clauses[1]}"
        elif joiner == ";":
            first = f"{clauses[0]}; {clauses[1]}"
        elif joiner == "sentence":
            first = f"{clauses[0]}. {_cap(subj[1])}, however, {vps[1]}"
        else:
            first = f"{clauses[0]}, {joiner} {clauses[1]}"
        rest = clauses[2:]
        if not rest:
            sentences = [first + "."]
        elif rng.random() < 0.5 or joiner == "sentence":
            sentences = [first + ".", ("Meanwhile, " if rng.random() < 0.5 else "") + _and(rest) + "."]
        else:
            sentences = [first + ("; " if joiner == ";" else ", and ") + _and(rest) + "."]
        return self.finish("contrast", tx, sentences, [(a, p, ("holder",)) for a, p in zip(actors, pols)], t, tags)

    def p_conjoined(self) -> list[dict]:
        rng = self.rng
        k = rng.choices([2, 3, 4], [0.5, 0.35, 0.15])[0]
        actors, p, t, tx = self.actors(k), self.pol(), self.target(), _Text(rng)
        v = self.verb(p, t, actors)
        names = [tx.m(a) for a in actors]
        style = rng.choice(["list", "both", "along", "as_did"]) if k == 2 else rng.choice(["list", "as_did"])
        if style == "both":
            sent = f"both {names[0]} and {names[1]} {v.form('past', t.text, plural=True)}"
        elif style == "along":
            sent = f"{names[0]}, along with {names[1]}, {v.form('past', t.text)}"
        elif style == "as_did":
            head = names[:-1]
            subj = head[0] if len(head) == 1 else ", ".join(head[:-1]) + " and " + head[-1]
            sent = f"{subj} {v.form('past', t.text, plural=len(head) > 1)}, as did {names[-1]}"
        else:
            subj = ", ".join(names[:-1]) + " and " + names[-1]
            tense = rng.choice(["past", "perf"])
            sent = f"{subj} {v.form(tense, t.text, plural=True)}"
        golds: list[Gold] = [(a, p, ("holder", "conjunct")) for a in actors]
        if rng.random() < 0.4 and style != "as_did":
            (c,) = self._extra(actors)
            p2 = self.pol([s for s in STANCES if s != p])
            v2 = self.verb(p2, t, [c])
            sent += f", {rng.choice(['while', 'but', 'whereas'])} {tx.m(c)} {v2.form('past', 'it')}"
            tx.tags.add("pronoun_object")
            golds.append((c, p2, ("holder",)))
        return self.finish("conjoined", tx, [sent + "."], golds, t, [f"actors:{len(golds)}"])

    def _extra(self, taken: Sequence[_Actor], kinds: Sequence[str] | None = None) -> list[_Actor]:
        """One more actor that does not clash with ``taken``."""
        return self.actors(1, kinds, taken)

    def p_apposition(self) -> list[dict]:
        rng = self.rng
        (a,) = self.actors(1)
        p, t, tx = self.pol(), self.target(), _Text(rng)
        appos = rng.choice(_APPOS[a.kind])
        golds: list[Gold] = []
        subj = tx.m(a, title=False)
        b = None
        if "{B}" in appos:
            (b,) = self._extra([a])
            appos = appos.replace("{B}", tx.m(b))
        v = self.verb(p, t, [a])
        sent = f"{subj}, {appos}, {v.form(rng.choice(['past', 'past', 'perf']), t.text)}"
        golds.append((a, p, ("holder", "appositive_head")))
        if b is not None:
            golds.append((b, "neutral", ("appositive_actor",)))
        if rng.random() < 0.35:
            (c,) = self._extra([a] + ([b] if b else []))
            p2 = self.pol([s for s in STANCES if s != p])
            sent += f", while {tx.m(c)} {self.verb(p2, t, [c]).form('past', 'it')}"
            tx.tags.add("pronoun_object")
            golds.append((c, p2, ("holder",)))
        return self.finish("apposition", tx, [sent + "."], golds, t)

    def _passive_verb(self, pol: str, t: _Target, who: _Actor) -> Verb:
        keys = [k for k in LEXICON[pol] if VERBS[k].pp]
        return self.verb(pol, t, [who], among=keys)

    def p_passive(self) -> list[dict]:
        rng = self.rng
        t, tx = self.target(), _Text(rng)
        style = rng.choice(["simple", "two_agents", "author_agent", "object_author", "which_had"])
        author = rng.choice({"agreement": ["negotiated", "brokered", "proposed", "drafted"],
                             "deal": ["negotiated", "proposed", "put forward"],
                             "bill": ["drafted", "proposed", "put forward"]}[t.kind])
        if style == "simple":
            (a,) = self.actors(1)
            p = self.pol()
            sents = [f"{t.text} was {self._passive_verb(p, t, a).pp} by {tx.m(a)}."]
            golds: list[Gold] = [(a, p, ("agent",))]
        elif style == "two_agents":
            a, b = self.actors(2)
            p1, p2 = self.pols(2)
            sents = [f"{t.text} was {self._passive_verb(p1, t, a).pp} by {tx.m(a)} but "
                     f"{self._passive_verb(p2, t, b).pp} by {tx.m(b)}."]
            golds = [(a, p1, ("agent",)), (b, p2, ("agent",))]
        elif style == "author_agent":
            (a,) = self.actors(1, NON_COURT)
            (b,) = self._extra([a])
            p = self.pol()
            sents = [f"{t.text}, {author} by {tx.m(a)}, was {self._passive_verb(p, t, b).pp} by {tx.m(b)}."]
            golds = [(a, "support", ("author",)), (b, p, ("agent",))]
        elif style == "object_author":
            (a,) = self.actors(1)
            (b,) = self._extra([a], NON_COURT)
            p = self.pol()
            v = self.verb(p, t, [a])
            subj = tx.m(a)
            sents = [f"{subj} {v.form('past', f'{t.text} {author} by {tx.m(b)}')}."]
            golds = [(a, p, ("holder",)), (b, "support", ("author",))]
        else:
            a, b = self.actors(2)
            p1, p2 = self.pols(2)
            v = self.verb(p1, t, [a], among=[k for k in LEXICON[p1] if "{o}" not in VERBS[k].past])
            subj = tx.m(a)
            sents = [f"{subj} {v.form('past', t.text)}, which had been {self._passive_verb(p2, t, b).pp} by {tx.m(b)}."]
            golds = [(a, p1, ("holder",)), (b, p2, ("agent",))]
        return self.finish("passive", tx, sents, golds, t, ["style:" + style])

    def p_reported(self) -> list[dict]:
        rng = self.rng
        t, tx = self.target(), _Text(rng)
        style = rng.choice(["said_had", "according", "tail", "would", "claimed", "self", "own_and_reported",
                            "spokesperson", "promised"])
        rep_kinds = NON_COURT
        if style == "self":
            (s,) = self.actors(1, rep_kinds)
            p = self.pol()
            v = self.verb(p, t, [s], among=[k for k in LEXICON[p] if k in _AUX_OK])
            subj = tx.m(s)
            if rng.random() < 0.5:
                sent = f"{subj} said {s.pronoun} would {v.form('base', t.text)}"
            else:
                sent = f"{subj} announced that {s.pronoun} {v.form('pluperf', t.text)}"
            return self.finish("reported", tx, [sent + "."], [(s, p, ("self_report",))], t, ["style:self"])
        if style == "promised":
            r, s = self.actors(2, rep_kinds)
            p = self.pol()
            among = [k for k in LEXICON[p] if k in _AUX_OK and k not in ("vow to fight", "take note of", "ask questions about")]
            v = self.verb(p, t, [s], among=among)
            sent = f"{tx.m(r)} said {tx.m(s)} had promised to {v.form('base', t.text)}"
            return self.finish("reported", tx, [sent + "."], [(r, "neutral", ("reporter",)), (s, p, ("reported_actor", "promise"))],
                               t, ["style:promised"])
        if style == "own_and_reported":
            a, b = self.actors(2, rep_kinds)
            p1, p2 = self.pols(2)
            sent = (f"{tx.m(a)} {self.verb(p1, t, [a]).form('past', t.text)} and said {tx.m(b)} "
                    f"{self.verb(p2, t, [b]).form('pluperf', 'it')}")
            tx.tags.add("pronoun_object")
            return self.finish("reported", tx, [sent + "."], [(a, p1, ("holder",)), (b, p2, ("reported_actor",))], t,
                               ["style:own_and_reported"])
        (r,) = self.actors(1, rep_kinds)
        (s,) = self._extra([r])  # the reported actor may be of any kind (a court too)
        p = self.pol()
        v = self.verb(p, t, [s], among=[k for k in LEXICON[p] if k in _AUX_OK])
        if style == "said_had":
            sents = [f"{tx.m(r)} {rng.choice(['said', 'insisted', 'stated'])} {tx.m(s)} {v.form('pluperf', t.text)}."]
        elif style == "according":
            rr = tx.m(r)
            sents = [f"according to {rr}, {tx.m(s)} {v.form('past', t.text)}."]
        elif style == "tail":
            ss = tx.m(s)
            sents = [f"{ss} {v.form('past', t.text)}, {tx.m(r)} {rng.choice(['said', 'told reporters', 'reported'])}."]
        elif style == "would":
            sents = [f"{tx.m(r)} told reporters that {tx.m(s)} would {v.form('base', t.text)}."]
        elif style == "claimed":
            sents = [f"{tx.m(r)} claimed that {tx.m(s)} {v.form('past', t.text)}."]
        else:  # spokesperson
            sents = [f"a spokesperson for {tx.m(r)} said {tx.m(s)} {v.form('pluperf', t.text)}."]
        return self.finish("reported", tx, sents, [(r, "neutral", ("reporter",)), (s, p, ("reported_actor",))], t,
                           ["style:" + style])

    def p_reported2(self) -> list[dict]:
        rng = self.rng
        t, tx = self.target(), _Text(rng)
        r1, r2 = self.actors(2, NON_COURT)
        (s,) = self._extra([r1, r2])
        p = self.pol()
        v = self.verb(p, t, [s], among=[k for k in LEXICON[p] if k in _AUX_OK])
        style = rng.choice(["told_reporters", "according_claimed", "quoted", "told_listener"])
        if style == "told_reporters":
            sent = f"{tx.m(r1)} said {tx.m(r2)} had told reporters that {tx.m(s)} {v.form('pluperf', t.text)}"
        elif style == "according_claimed":
            sent = f"according to {tx.m(r1)}, {tx.m(r2)} claimed that {tx.m(s)} {v.form('pluperf', t.text)}"
        elif style == "quoted":
            sent = f"{tx.m(r1)} quoted {tx.m(r2)} as saying that {tx.m(s)} would {v.form('base', t.text)}"
        else:
            ss = tx.m(s)
            sent = f"{ss} {v.form('past', t.text)}, {tx.m(r2)} told {tx.m(r1)}"
        golds: list[Gold] = [(r1, "neutral", ("reporter", "outer")), (r2, "neutral", ("reporter", "inner")),
                             (s, p, ("reported_actor", "depth:2"))]
        return self.finish("reported2", tx, [sent + "."], golds, t, ["style:" + style])

    def p_negation(self) -> list[dict]:
        rng = self.rng
        t, tx = self.target(), _Text(rng)
        gold = self.pol()
        style = rng.choice(["did_not", "will_not", "no_longer", "refused", "neither", "instead", "contrast"])
        if gold == "neutral" and style in ("refused", "no_longer", "instead"):
            style = rng.choice(["did_not", "will_not"])
        if style in ("neither", "refused") and gold == "support":
            style = "did_not"
        if gold == "support":
            among = _NEG_OPPOSE
        elif gold == "oppose":
            among = [k for k in LEXICON["support"] if not (style == "refused" and k == "sign")]
        else:
            among = _NEG_NEUTRAL
        vpol = FLIP[gold]
        if style == "neither":
            a, b = self.actors(2)
            v = self.verb(vpol, t, [a, b], among=among)
            sent = f"neither {tx.m(a)} nor {tx.m(b)} {v.form('past', t.text)}"
            return self.finish("negation", tx, [sent + "."], [(a, gold, ("negated", "neither")), (b, gold, ("negated", "neither"))],
                               t, ["style:neither"])
        (a,) = self.actors(1)
        v = self.verb(vpol, t, [a], among=among)
        subj = tx.m(a)
        if style == "did_not":
            sent = f"{subj} did not {v.form('base', t.text)}"
        elif style == "will_not":
            sent = f"{subj} {rng.choice(['will not', 'would not', 'does not'])} {v.form('base', t.text)}"
        elif style == "no_longer":
            sent = f"{subj} no longer {v.form('pres', t.text)}"
        elif style == "refused":
            sent = f"{subj} refused to {v.form('base', t.text)}"
        elif style == "instead":
            v2 = self.verb(gold, t, [a])
            sent = f"{subj} did not {v.form('base', t.text)}; instead, {a.pronoun} {v2.form('past', 'it')}"
            tx.tags.add("pronoun_object")
        else:  # contrast: a negated actor next to a plain one
            sent = f"{subj} did not {v.form('base', t.text)}"
        golds: list[Gold] = [(a, gold, ("negated",))]
        if style == "contrast" or (style in ("did_not", "will_not") and rng.random() < 0.3):
            (b,) = self._extra([a])
            p2 = self.pol()
            sent += f", but {tx.m(b)} {self.verb(p2, t, [b]).form('past', 'it')}"
            tx.tags.add("pronoun_object")
            golds.append((b, p2, ("holder",)))
        return self.finish("negation", tx, [sent + "."], golds, t, ["style:" + style])

    def _aux_verb(self, t: _Target, who: _Actor) -> Verb:
        """Any verb (any polarity) fit for a modal or an -ing complement: for non-asserted contexts."""
        pol = self.rng.choice(["support", "oppose", "support", "oppose", "neutral"])
        return self.verb(pol, t, [who], among=[k for k in LEXICON[pol] if k in _AUX_OK])

    def _plain_other(self, tx: _Text, taken: Sequence[_Actor], t: _Target, obj: str) -> tuple[str, Gold]:
        (b,) = self._extra(taken)
        p = self.pol(["support", "oppose"])
        return f"{tx.m(b)} {self.verb(p, t, [b]).form('past', obj)}", (b, p, ("holder",))

    def p_hedge(self) -> list[dict]:
        rng = self.rng
        t, tx = self.target(), _Text(rng)
        (a,) = self.actors(1)
        v = self._aux_verb(t, a)
        mixed = rng.random() < 0.5
        golds: list[Gold] = []
        lead = ""
        if mixed:
            clause, g = self._plain_other(tx, [a], t, t.text)
            lead = clause + rng.choice([", while ", ", but ", "; "])
            golds.append(g)
        obj = "it" if mixed else t.text
        subj = tx.m(a)
        forms = [
            f"{subj} might consider {v.form('ing', obj)}", f"{subj} may {v.form('base', obj)}",
            f"{subj} could {v.form('base', obj)} later this year", f"{subj} is weighing whether to {v.form('base', obj)}",
            f"{subj} has not ruled out {v.form('ing', obj)}", f"{subj} signalled that {a.pronoun} might {v.form('base', obj)}",
            f"{subj} is said to be considering whether to {v.form('base', obj)}",
        ]
        sent = lead + rng.choice(forms)
        if mixed:
            tx.tags.add("pronoun_object")
        golds.append((a, "neutral", ("hedged",)))
        return self.finish("hedge", tx, [sent + "."], golds, t, ["hedged_verb:" + v.pol])

    def p_question(self) -> list[dict]:
        rng = self.rng
        t, tx = self.target(), _Text(rng)
        (a,) = self.actors(1)
        v = self._aux_verb(t, a)
        style = rng.choice(["will", "unclear", "reporters_asked", "actor_asked", "follow"])
        golds: list[Gold] = []
        if style == "follow":
            clause, g = self._plain_other(tx, [a], t, t.text)
            golds.append(g)
            sents = [clause + ".", f"but will {tx.m(a)} {v.form('base', 'it')}?"]
            tx.tags.add("pronoun_object")
        elif style == "will":
            sents = [f"{rng.choice(['will', 'could', 'would'])} {tx.m(a)} {v.form('base', t.text)}?"]
        elif style == "unclear":
            sents = [f"it remains unclear whether {tx.m(a)} will {v.form('base', t.text)}."]
        elif style == "reporters_asked":
            sents = [f"reporters asked whether {tx.m(a)} would {v.form('base', t.text)}."]
        else:
            (b,) = self._extra([a])
            bb = tx.m(b)
            sents = [f"{bb} asked whether {tx.m(a)} would {v.form('base', t.text)}."]
            golds.append((b, "neutral", ("asker",)))
        golds.append((a, "neutral", ("questioned",)))
        return self.finish("question", tx, sents, golds, t, ["style:" + style, "questioned_verb:" + v.pol])

    def p_conditional(self) -> list[dict]:
        rng = self.rng
        t, tx = self.target(), _Text(rng)
        (a,) = self.actors(1)
        v = self._aux_verb(t, a)
        style = rng.choice(["if_then", "only_if", "should", "unless", "stated_then_if"])
        golds: list[Gold]
        if style in ("if_then", "only_if"):
            (b,) = self._extra([a])
            v2 = self._aux_verb(t, b)
            if style == "if_then":
                sent = f"if {tx.m(a)} {v.form('pres', t.text)}, {tx.m(b)} will {v2.form('base', 'it')}"
            else:
                sent = f"{tx.m(b)} will {v2.form('base', t.text)} only if {tx.m(a)} {v.form('pres', 'it')} first"
            tx.tags.add("pronoun_object")
            golds = [(a, "neutral", ("in_condition",)), (b, "neutral", ("in_condition", "consequence"))]
        elif style == "should":
            sent = f"should {tx.m(a)} {v.form('base', t.text)}, {rng.choice(['talks could collapse', 'a vote could follow', 'markets may react'])}"
            golds = [(a, "neutral", ("in_condition",))]
        elif style == "unless":
            sent = f"unless {tx.m(a)} {v.form('pres', t.text)}, the vote will be postponed"
            golds = [(a, "neutral", ("in_condition",))]
        else:
            clause, g = self._plain_other(tx, [a], t, t.text)
            sent = f"{clause}; if {tx.m(a)} {v.form('pres', 'it')}, a vote could follow next month"
            tx.tags.add("pronoun_object")
            golds = [g, (a, "neutral", ("in_condition",))]
        return self.finish("conditional", tx, [sent + "."], golds, t, ["style:" + style, "conditional_verb:" + v.pol])

    def p_noncommittal(self) -> list[dict]:
        rng = self.rng
        t, tx = self.target(), _Text(rng)
        (a,) = self.actors(1)
        style = rng.choice(["neutral_verb", "neutral_verb", "would_not_say", "more_time", "no_indication",
                            "not_drawn", "talks_with", "plain_other"])
        golds: list[Gold] = [(a, "neutral", ("uncommitted",))]
        subj = tx.m(a)
        if style == "neutral_verb":
            sent = f"{subj} {self.verb('neutral', t, [a]).form(rng.choice(['past', 'perf']), t.text)}"
        elif style == "would_not_say":
            v = self._aux_verb(t, a)
            sent = f"{subj} would not say whether {a.pronoun} would {v.form('base', t.text)}"
        elif style == "more_time":
            sent = f"{subj} said {a.pronoun} needed more time to examine {t.text}"
        elif style == "no_indication":
            v = self._aux_verb(t, a)
            sent = f"{subj} gave no indication of whether {a.pronoun} would {v.form('base', t.text)}"
        elif style == "not_drawn":
            sent = f"{subj} refused to be drawn on {t.text}"
        elif style == "talks_with":
            (b,) = self._extra([a])
            sent = f"{subj} {rng.choice(['held talks on', 'discussed'])} {t.text} with {tx.m(b)}"
            golds.append((b, "neutral", ("uncommitted", "partner")))
        else:
            sent = f"{subj} {self.verb('neutral', t, [a]).form('past', t.text)}"
            clause, g = self._plain_other(tx, [a], t, "it")
            sent += f", {rng.choice(['whereas', 'while', 'but'])} {clause}"
            tx.tags.add("pronoun_object")
            golds.append(g)
        return self.finish("noncommittal", tx, [sent + "."], golds, t, ["style:" + style])

    def p_opposite(self) -> list[dict]:
        rng = self.rng
        t = self.target()
        tx = _Text(rng)
        gold = self.pol()
        nouns = [k for k, v in OPPOSITE_NOUNS.items() if t.kind in v["kinds"]]
        noun = rng.choice(nouns)
        (a,) = self.actors(1)
        style = rng.choice(["plain", "plain", "agent", "call_for", "mixed"])
        if style == "call_for" and gold != "oppose":
            style = "plain"
        if style == "agent" and not OPPOSITE_NOUNS[noun]["agent"]:
            style = "plain"
        golds: list[Gold] = []
        subj = tx.m(a)
        if style == "call_for":
            sent = f"{subj} {rng.choice(['called for', 'demanded'])} the {noun} {t.text}"
            golds.append((a, "oppose", ("opposite_of_target", "call_for")))
        else:
            # the verb's object is the withdrawal / repeal / ..., so the target kind does not restrict it
            v = self.verb(FLIP[gold], None, [a], among=[k for k in _OPP_VERBS if VERBS[k].pol == FLIP[gold]])
            if style == "agent":
                (b,) = self._extra([a], NON_COURT)
                obj = f"{_poss(tx.m(b))} {noun} {t.text}"
                sent = f"{subj} {v.form(rng.choice(['past', 'past', 'perf']), obj)}"
                golds.append((a, gold, ("opposite_of_target",)))
                golds.append((b, "oppose", ("agent", "opposite_agent")))
            else:
                sent = f"{subj} {v.form(rng.choice(['past', 'past', 'pres', 'perf']), f'the {noun} {t.text}')}"
                golds.append((a, gold, ("opposite_of_target",)))
        if style == "mixed" or (style == "plain" and rng.random() < 0.25):
            (c,) = self._extra([g[0] for g in golds])
            p2 = self.pol()
            again = t.text if rng.random() < 0.5 else t.hyp
            sent += f", {rng.choice(['while', 'whereas', 'but'])} {tx.m(c)} {self.verb(p2, t, [c]).form('past', again)}"
            golds.append((c, p2, ("holder",)))
        return self.finish("opposite", tx, [sent + "."], golds, t, ["opposite:" + noun, "style:" + style])

    def p_bystander(self) -> list[dict]:
        rng = self.rng
        t, tx = self.target(), _Text(rng)
        (a,) = self.actors(1, NON_COURT)
        p = self.pol(["support", "oppose", "neutral", "support", "oppose"])
        v = self.verb(p, t, [a])
        (b,) = self._extra([a], NON_COURT)
        style = rng.choice(["capital", "talks_with", "letter", "visit", "phone", "broadcaster", "hosted", "two"])
        if b.kind != "country" and style in ("capital", "broadcaster"):
            style = "hosted"
        if b.kind == "person" and style in ("visit", "hosted"):
            style = "phone"
        subj = tx.m(a)
        vp = v.form("past", t.text)
        golds: list[Gold] = [(a, p, ("holder",))]
        if style == "capital":
            if b.metonym and rng.random() < 0.5:
                place = b.metonym
                tx.used[b.name] = [b.metonym]
                tx.actors[b.name] = b
                tx.tags.add("alias")
            else:
                place = f"{_poss(tx.m(b))} capital"
            sent = f"{subj} {vp} at a summit in {place}"
        elif style == "talks_with":
            sent = f"{subj} {vp} after talks with {tx.m(b)}"
        elif style == "letter":
            sent = f"{subj} {vp} in a letter to {tx.m(b)}"
        elif style == "visit":
            sent = f"{subj} {vp} during a visit to {tx.m(b)}"
        elif style == "phone":
            sent = f"{subj} {vp} during a phone call with {tx.m(b)}"
        elif style == "broadcaster":
            sent = f"{subj} {vp}, {_poss(tx.m(b))} state broadcaster reported"
        elif style == "hosted":
            sent = f"{subj} {vp} at a meeting hosted by {tx.m(b)}"
        else:
            (c,) = self._extra([a, b], NON_COURT)
            sent = f"{subj} {vp} after talks with {tx.m(b)} and {tx.m(c)}"
            golds.append((c, "neutral", ("bystander_actor",)))
        golds.insert(1, (b, "neutral", ("bystander_actor",)))
        return self.finish("bystander", tx, [sent + "."], golds, t, ["style:" + style])

    def p_object(self) -> list[dict]:
        rng = self.rng
        t, tx = self.target(), _Text(rng)
        a, b = self.actors(2, NON_COURT)
        style = rng.choice(["urge", "urge", "warn", "praise", "blame"])
        if style == "urge":
            p = self.pol(["support", "oppose", "neutral", "support", "oppose"])
            v = self.verb(p, t, [b], among=[k for k in LEXICON[p] if k in _AUX_OK])
            how = rng.choice(["urged", "called on", "pressed", "asked", "lobbied"])
            sent = f"{tx.m(a)} {how} {tx.m(b)} to {v.form('base', t.text)}"
            golds: list[Gold] = [(a, p, ("urger",)), (b, "neutral", ("object", "urged"))]
        elif style == "warn":
            vpol = self.rng.choice(["support", "oppose"])
            v = self.verb(vpol, t, [b], among=[k for k in LEXICON[vpol] if k in _AUX_OK])
            sent = f"{tx.m(a)} warned {tx.m(b)} against {v.form('ing', t.text)}"
            golds = [(a, FLIP[vpol], ("warner",)), (b, "neutral", ("object", "warned"))]
        else:
            vpol = self.rng.choice(["support", "oppose"])
            judge = "praised" if style == "praise" else rng.choice(["criticised", "attacked", "slammed"])
            v = self.verb(vpol, t, [b], among=[k for k in LEXICON[vpol] if k in _AUX_OK and VERBS[k].past != judge])
            sent = f"{tx.m(a)} {judge} {tx.m(b)} for {v.form('ing', t.text)}"
            golds = [(a, vpol if style == "praise" else FLIP[vpol], ("judge",)), (b, vpol, ("judged", "holder"))]
        return self.finish("object", tx, [sent + "."], golds, t, ["style:" + style])

    def p_intent(self) -> list[dict]:
        """A stated intention or commitment ("A will vote against the bill", "A pledged to ratify it", "A said it
        would back the plan") holds the verb's polarity; next to it, half the time, a second actor whose hedge
        ("B may reject it") stays neutral or whose plain act holds its own polarity."""
        rng = self.rng
        t, tx = self.target(), _Text(rng)
        (a,) = self.actors(1)
        p = self.pol(["support", "oppose", "support", "oppose", "neutral"])
        among = [k for k in LEXICON[p] if k in _AUX_OK and k != "vow to fight"]
        v = self.verb(p, t, [a], among=among)
        frame = rng.choice(_INTENT_FRAMES)
        sent = frame.format(s=tx.m(a), p=a.pronoun, v=v.form("base", t.text))
        golds: list[Gold] = [(a, p, ("stated_intent",))]
        style = rng.choice(["alone", "alone", "hedged_other", "plain_other"])
        if style == "hedged_other":
            (b,) = self._extra([a])
            v2 = self._aux_verb(t, b)
            modal = rng.choice(["may", "might", "could"])
            sent += f", {rng.choice(['while', 'but', 'whereas'])} {tx.m(b)} {modal} {v2.form('base', 'it')}"
            golds.append((b, "neutral", ("hedged",)))
            tx.tags.add("pronoun_object")
        elif style == "plain_other":
            clause, g = self._plain_other(tx, [a], t, "it")
            sent += f", {rng.choice(['while', 'but', 'whereas'])} {clause}"
            golds.append(g)
            tx.tags.add("pronoun_object")
        return self.finish("intent", tx, [sent + "."], golds, t, ["style:" + style])


def _n_sentences(text: str) -> int:
    return len(re.findall(r"[.?!](?:\s|$)", text))


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _clash(a: _Actor, b: _Actor) -> bool:
    stop = {"the", "of", "party", "union", "court", "city", "council", "federation"}

    def words(x: _Actor) -> set[str]:
        return {w.lower() for s in (x.name, x.short, x.metonym) if s for w in s.replace("'", " ").split()} - stop

    return a.name == b.name or bool(words(a) & words(b))


def generate(n: int, seed: int = 0, patterns: Sequence[str] | None = None) -> list[dict]:
    """``n`` stance records (see the module docstring), a pure function of ``(n, seed, patterns)``.

    ``patterns`` restricts generation to some of `PATTERNS` (default: `DEFAULT_PATTERNS`, all but ``intent``).
    Records come in texts (one record per named actor of a text, consecutive, sharing ``group``); only the last
    text may lose some of its records so that exactly ``n`` come back.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    chosen = list(patterns) if patterns else list(DEFAULT_PATTERNS)
    unknown = [p for p in chosen if p not in PATTERNS]
    if unknown:
        raise ValueError(f"unknown curriculum pattern {unknown[0]!r} (known: {', '.join(PATTERNS)})")
    return _Generator(seed, chosen).run(n)


PremiseFn = Callable[[str, str, Sequence[str], "str | None"], "str | tuple[str, bool] | None"]
"""``premise_fn(text, actor, mentions, text_target) -> premise | (premise, flip)``: turns a record's text into
the premise for one actor (e.g. the clause that actor governs; `stancekit.attribution.clause_premise`); a falsy
return keeps the text; ``flip`` says `label` swaps support and oppose for that premise."""
