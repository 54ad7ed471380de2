"""Attribution rules (stancekit.attribution), one test per rule, on sentences parsed by the real English
pipeline; and the classifier's use of them (clause premises, bystanders, the flip rule, target phrases)."""
from __future__ import annotations

import pytest

from stancekit.attribution import Clause, attribute, load_parser
from stancekit.errors import ConfigError
from stancekit.targets import Target

NLP = load_parser()
pytestmark = pytest.mark.skipif(NLP is None, reason="spaCy English pipeline not installed")  # a dependency: never skipped in CI


def clause(sentence: str, actor: str, target: Target | None = None, occurrence: int = 0) -> Clause:
    doc = NLP(sentence)
    start = -1
    for _ in range(occurrence + 1):
        start = sentence.index(actor, start + 1)
    tspans = [(a, b) for a, b, _ in target.find(sentence)] if target else []
    phrase = target.phrase_for(sentence) if target and tspans else None
    return attribute(doc, [(start, start + len(actor))], target_spans=tspans, target_phrase=phrase)


PLAN = Target("the plan", ("the deal", "the accord", "the treaty", "the bill"))


def test_subjects_of_coordinated_clauses_get_their_own_clause():
    s = "Norway praised the plan, but Chile rejected the plan."
    assert clause(s, "Norway") == Clause("Norway praised the plan.", "agent")
    assert clause(s, "Chile").text == "Chile rejected the plan."


def test_adverbial_clause_of_another_actor_is_removed():
    s = "Germany's foreign minister called the deal a historic success, while Britain and France said they would delay it."
    assert clause(s, "Germany").text == "Germany's foreign minister called the deal a historic success."
    assert clause(s, "France").text == "Britain and France have vowed to delay it."


def test_possessor_of_the_subject_is_the_agent():
    c = clause("Germany's foreign minister rejected the treaty.", "Germany")
    assert c.role == "agent" and c.text == "Germany's foreign minister rejected the treaty."


def test_conjoined_subjects_share_their_clause():
    s = "The United Kingdom, Germany, and France are against this plan."
    texts = {clause(s, a).text for a in ("United Kingdom", "Germany", "France")}
    assert texts == {s}
    assert clause(s, "France").role == "agent"


def test_reported_speech_complement_belongs_to_its_subject():
    s = "Chile said Norway had rejected the treaty."
    assert clause(s, "Norway") == Clause("Norway had rejected the treaty.", "agent")
    reporter = clause(s, "Chile")
    assert reporter.role == "reporter" and reporter.text == s  # the speaker's premise is the whole report


def test_a_reported_clause_is_a_report_only_when_its_subject_is_another_party():
    # a named party or a party noun: the speaker reports somebody else's position
    for s in ("Chile said Norway had rejected the treaty.", "Chile said officials had rejected the treaty.",
              "Chile said the government had rejected the treaty."):
        assert clause(s, "Chile", PLAN).role == "reporter", s
    # a thing or an act as the subject: the speaker's own claim, which the model reads
    s = "Chile said sanctions had cost Europe more than the treaty would save."
    assert clause(s, "Chile", PLAN) == Clause(s, "agent")
    s = "Archbishop Wanyika told worshippers that voting yes was a duty."
    assert clause(s, "Wanyika").role == "agent"
    # the speaker's own side ("his government") is the speaker: an own report, named by the speaker
    c = clause("Halmi said his government would veto the treaty.", "Halmi", PLAN)
    assert c == Clause("Halmi's government has vowed to veto the treaty.", "agent")
    # ... and its conjoined complement is not another actor's clause to cut away
    s = "Halmi told reporters that sanctions had failed and that his government would veto the treaty."
    assert clause(s, "Halmi", PLAN) == Clause(s, "agent")


def _spans(sentence: str, aliases: dict[str, list[str]]) -> dict[str, list[tuple[int, int]]]:
    out: dict[str, list[tuple[int, int]]] = {}
    for actor, names in aliases.items():
        for name in names:
            i = sentence.find(name)
            while i >= 0:
                out.setdefault(actor, []).append((i, i + len(name)))
                i = sentence.find(name, i + 1)
    return out


def test_title_sides_name_the_side_a_person_speaks_for():
    from stancekit.attribution import title_sides

    turkey = {"Karaoglu": ["Selim Karaoglu"], "Turkey": ["Turkish", "Turkey", "Ankara"]}
    for s in ("Turkish Foreign Minister Selim Karaoglu said Ankara saw some merit in it.",
              "Selim Karaoglu, Turkey's foreign minister, said the treaty was fine.",
              "The foreign minister of Turkey, Selim Karaoglu, said the treaty was fine."):
        assert title_sides(NLP(s), _spans(s, turkey)) == {("Karaoglu", "Turkey")}, s
    # no title noun, an opposition politician, a former office holder, two countries side by side: no side
    for s, actors in (
        ("Kestrel Dynamics, a Polish missile maker, said the limits would cost jobs.",
         {"Kestrel": ["Kestrel Dynamics"], "Poland": ["Polish"]}),
        ("Talvian opposition leader Mirela Vask said the treaty was bad.", {"Vask": ["Mirela Vask"], "Talvia": ["Talvian"]}),
        ("Martin Sala, a former Argentine foreign minister, said it was a mistake.",
         {"Sala": ["Martin Sala"], "Argentina": ["Argentine"]}),
        ("Norway and Chile signed the treaty.", {"Norway": ["Norway"], "Chile": ["Chile"]}),
    ):
        assert title_sides(NLP(s), _spans(s, actors)) == set(), s


def test_a_reported_clause_about_the_speakers_own_side_is_the_speakers_position():
    s = "Karaoglu said that Turkey no longer had any serious objection to the treaty."
    doc, start, side = NLP(s), s.index("Karaoglu"), s.index("Turkey")
    plain = attribute(doc, [(start, start + 8)])
    assert plain.role == "reporter"  # without knowing Karaoglu speaks for Turkey: his report about Turkey
    own = attribute(doc, [(start, start + 8)], own_side=[(side, side + 6)])
    assert own == Clause("Karaoglu no longer had any serious objection to the treaty.", "agent")


def test_pronoun_subject_of_a_complement_is_the_speaker_not_a_report():
    c = clause("Peru said it would ratify the accord next year.", "Peru")
    assert c.role == "agent" and c.text == "Peru has vowed to ratify the accord next year."


def test_own_report_drops_the_framing_and_names_the_speaker():
    s = "Becker, the bill's co-author, said on Friday that he still backed the legislation."
    assert clause(s, "Becker") == Clause("Becker still backed the legislation.", "agent")
    # the subject's core stands in for the pronoun: a possessor, conjoined speakers
    assert clause("Germany's foreign minister said she would sign the treaty.", "Germany").text == (
        "Germany's foreign minister has vowed to sign the treaty.")
    # an actor in apposition to the subject is named itself
    assert clause("The youth group Jovenes por el Clima said it would sue.", "Jovenes por el Clima").text == (
        "Jovenes por el Clima has vowed to sue.")
    # through a participle ("..., saying it ..."), unless the main clause names the target ("it" is the target)
    assert clause("Meridian rejected the claim, saying it fully supports the contract.", "Meridian").text == (
        "Meridian fully supports the contract.")
    kept = "Chile rejected the plan, saying it would hurt farmers."
    assert clause(kept, "Chile", PLAN).text == kept
    # a negated speech verb reports nothing of its own: the whole clause stays
    neg = "Peru did not say it would ratify the accord."
    assert clause(neg, "Peru").text == neg


def test_own_report_keeps_what_the_speaker_went_on_to_do():
    s = 'Prime Minister Helene Tremblay said she was "deeply disappointed" and urged Ruvalcaba to reverse course.'
    assert clause(s, "Helene Tremblay").text == (
        'Prime Minister Helene Tremblay was "deeply disappointed" and urged Ruvalcaba to reverse course.')
    # a conjunct that reports other words is another report: not added
    s = "Peru said it was disappointed and added that Chile would reject the accord."
    assert "Chile" not in clause(s, "Peru").text


def test_a_quotation_cut_keeps_no_unpaired_quote_mark():
    c = clause('Harbourline said it would sign the contract, citing "the need for labour peace."', "Harbourline")
    assert c.text.count('"') % 2 == 0 and c.text.startswith("Harbourline has vowed to sign the contract")


def test_a_quotation_cut_out_drops_the_mark_it_leaves_behind():
    s = ('Albers urged companies not to abandon their ventures "just because Washington tells them to," calling the '
         'agreement "the only thing standing between us and a crisis."')
    # the cut quotation's marks go, not the closing mark of the quotation that stays
    assert clause(s, "Albers").text == ('Albers urged companies not to abandon their ventures, calling the agreement '
                                        '"the only thing standing between us and a crisis."')
    # the cut clause itself loses its closing mark and the comma before it
    assert clause(s, "Washington").text == "Just because Washington tells them to."


def test_passive_agent_is_the_agent():
    c = clause("The bill was vetoed by Kenya on Friday.", "Kenya")
    assert c.role == "agent" and c.text == "The bill was vetoed by Kenya on Friday."


def test_a_by_phrase_the_parser_hangs_on_a_noun_is_still_the_passive_agent():
    s = "The school funding bill was dismissed as a mistake by Senator Grace Wanjiru."
    assert clause(s, "Grace Wanjiru") == Clause(s, "agent")
    assert clause("The bill was praised by a panel of experts from Chile.", "Chile").role == "bystander"


@pytest.mark.parametrize(
    "sentence, actor, premise",
    [
        ("The ceasefire agreement signed on Saturday drew a cautious welcome abroad and open hostility from the Sabre "
         "Brigades, a militia that was not party to the talks.", "Sabre Brigades",
         "The ceasefire agreement drew open hostility from the Sabre Brigades."),
        ("The measure, drafted by the ministry, drew immediate fire from the Farmers Union, which called it a tax.",
         "Farmers Union", "The measure drew immediate fire from the Farmers Union."),
        ("The plan has drawn criticism from Germany and France.", "France", "The plan has drawn criticism from Germany and France."),
        ("The plan met with resistance from Hungary.", "Hungary", "The plan met with resistance from Hungary."),
    ],
)
def test_the_source_of_a_reaction_is_its_agent(sentence, actor, premise):
    """"X drew criticism from Y": Y holds the reaction toward X; the premise keeps that reaction only."""
    c = clause(sentence, actor)
    assert (c.role, c.text) == ("agent", premise)


def test_a_from_phrase_without_a_reaction_verb_is_a_bystander():
    assert clause("Norway imports gas from Russia.", "Russia").role == "bystander"


def test_a_name_the_parser_does_not_take_for_the_subject_is_still_the_agent():
    """The small parser reads an unknown name opening a sentence as an interjection ("Windhoek" INTJ): the verb has
    no subject, so the name before it is taken as one."""
    s = "Windhoek lauded the shipping-lane treaty as a fair deal."
    assert clause(s, "Windhoek") == Clause(s, "agent")
    assert clause("Yesterday, Chile signed the deal.", "Chile").role == "agent"


def test_reduced_relative_with_agent_keeps_its_noun():
    c = clause("For this reason, the plan presented by Trump is more in Russia's favor.", "Trump")
    assert c == Clause("The plan presented by Trump.", "agent")


def test_event_owner_gets_its_noun_phrase():
    c = clause("Macron criticised the US withdrawal from the accord.", "US")
    assert c == Clause("The US withdrawal from the accord.", "event")


def test_bystander_has_no_position():
    c = clause("Norway cheered the treaty at a summit in Chile's capital.", "Chile")
    assert c.role == "bystander"
    assert clause("Norway cheered the treaty at a summit in Chile's capital.", "Norway").role == "agent"


@pytest.mark.parametrize(
    "sentence, actor, undoes",
    [
        ("Macron criticised the US withdrawal from the accord.", "Macron", True),
        ("Kenya backed the repeal of the bill.", "Kenya", True),
        ("Peru said it would fight any attempt to scrap the deal.", "Peru", True),
        ("Kenya withdrew from the accord.", "Kenya", False),  # the undoing is the actor's own act: no flip
        ("Kenya backed the bill.", "Kenya", False),
    ],
)
def test_acting_on_an_undoing_of_the_target_is_flagged(sentence, actor, undoes):
    assert clause(sentence, actor, PLAN).undoes_target is undoes


def test_object_it_is_replaced_by_the_target_phrase():
    s = "Norway praised the deal, but Chile rejected it."
    assert clause(s, "Chile", PLAN).text == "Chile rejected the deal."


def test_a_clause_whose_subject_is_the_target_stays_with_the_actor():
    """"the deal is dead" is a statement about the target, not another actor's position: it stays in Karimi's
    premise, while a clause of another actor is still removed."""
    s = 'Karimi hardened his tone, declaring that Iran was no longer bound by the cap and that the deal was dead.'
    assert clause(s, "Karimi", PLAN).text.endswith("and that the deal was dead.")
    assert clause(s, "Karimi").text.endswith("the cap.")  # without the target's spans the clause is foreign
    s = "Norway praised the plan, but Chile rejected it."
    assert clause(s, "Norway", PLAN).text == "Norway praised the plan."


def complete(sentence: str, actor: str, name: str = "the accord") -> Clause:
    start = sentence.index(actor)
    return attribute(NLP(sentence), [(start, start + len(actor))], target_name=name)


def test_object_it_stands_for_the_target_the_paragraph_named_before():
    """A sentence that does not name the target: an object "it" is the target phrase the paragraph used before
    (``target_name``, which the classifier passes); a subject "it" is left alone."""
    assert complete("Oslo has been slower to warm to it.", "Oslo", "the interconnector").text == (
        "Oslo has been slower to warm to the interconnector.")
    assert complete("Ekdahl's party asked the court to halt it.", "Ekdahl", "the exchange").text == (
        "Ekdahl's party asked the court to halt the exchange.")
    assert complete("Oslo said it would decide in May.", "Oslo", "the interconnector").text == (
        "Oslo would decide in May.")  # the speaker, by the own-report rule, not the target
    assert complete("Oslo has been slower to warm to it.", "Oslo", None).text == "Oslo has been slower to warm to it."


def test_a_bare_undo_noun_is_completed_with_the_target():
    c = complete("Governor Pech hailed the withdrawal as the end of a colonial arrangement.", "Pech")
    assert c.text == "Governor Pech hailed the withdrawal from the accord as the end of a colonial arrangement."
    assert c.undoes_target
    assert complete("Kenya criticised the repeal.", "Kenya", "the bill").text == "Kenya criticised the repeal of the bill."


@pytest.mark.parametrize(
    "sentence, actor",
    [
        ("Kenya criticised the withdrawal from the treaty.", "Kenya"),  # says what is undone already
        ("Kenya joined a three-day walkout last October.", "Kenya"),  # a strike, not an undoing
        ("Whitaker said the mayors who had pressed for the veto should explain it.", "Whitaker"),  # the mayors' act
    ],
)
def test_an_undo_noun_is_not_completed_where_it_says_its_object_or_is_not_the_actors(sentence, actor):
    assert " of the accord" not in complete(sentence, actor).text and " from the accord" not in complete(sentence, actor).text


def test_the_actors_own_bare_undoing_is_completed_with_the_target():
    c = complete("Argentina's withdrawal drew sharp words from its neighbours.", "Argentina", "the treaty")
    assert c.role == "agent" and c.text == "Argentina's withdrawal from the treaty drew sharp words from its neighbours."
    assert complete("Macron criticised the US withdrawal.", "US").text == "The US withdrawal from the accord."
    assert complete("Macron criticised the US withdrawal.", "Macron").text == "Macron criticised the US withdrawal from the accord."
    # an undoing that says what it undoes, or a strike, stays as it is
    assert complete("Argentina's withdrawal from the pact drew sharp words.", "Argentina").text == (
        "Argentina's withdrawal from the pact drew sharp words.")
    assert complete("Kenya's walkout drew sharp words.", "Kenya").text == "Kenya's walkout drew sharp words."


@pytest.mark.parametrize(
    "sentence, actor, premise",
    [
        ('Tomas Beltran, president of Local 1862, called the agreement "a betrayal" and vowed to fight it.', "Local 1862",
         'Local 1862\'s president called the agreement "a betrayal" and vowed to fight it.'),
        ("The head of the IMF, Kristalina Georgieva, praised the deal.", "IMF", "IMF's head praised the deal."),
        ("A spokeswoman for the Finance Ministry rejected the plan.", "Finance Ministry",
         "Finance Ministry's spokeswoman rejected the plan."),
    ],
)
def test_the_organisation_a_speaker_speaks_for_is_the_agent(sentence, actor, premise):
    """"X, president of Local 1862, said ..." is read as "Local 1862's president said ...", the form in which the
    model links the organisation to its speaker's words."""
    c = clause(sentence, actor)
    assert (c.role, c.text) == ("agent", premise)
    assert clause(sentence, "Tomas Beltran" if "Beltran" in sentence else actor).role == "agent"


def test_an_apposition_and_a_leading_relative_clause_speak_for_the_subject():
    # the apposition of a subject whose head the tagger calls an adjective ("director-general")
    s = "The WTO's director-general, Amara Kessy, gave the deal a cautious welcome."
    assert clause(s, "Amara Kessy") == Clause(s, "agent")
    # "X, who leads Y, ...": Y speaks through its leader, as "Y's leader" would
    s = "Magnus Ekdahl, who leads the opposition Citizens' Alliance, rejected the deal."
    assert clause(s, "Citizens' Alliance") == Clause(s, "agent")
    s = "Magnus Ekdahl, who met the Citizens' Alliance, rejected the deal."
    assert clause(s, "Citizens' Alliance").role == "bystander"


def test_an_expert_at_an_organisation_does_not_speak_for_it():
    assert clause("An analyst at Barclays called the deal a mistake.", "Barclays").role == "bystander"


def test_the_undoing_a_sentence_reports_is_found_as_a_verb_phrase():
    from stancekit.attribution import undo_event

    def event(sentence: str, target: str = "the accord") -> str | None:
        return undo_event(NLP(sentence), [(a, b) for a, b, _ in Target(target).find(sentence)])

    assert event("The president signed a decree pulling Mexico out of the accord.") == "pull out of the accord"
    assert event("Washington announced its withdrawal from the accord.") == "withdraw from the accord"
    assert event("The governor vetoed the bill on Friday.", "the bill") == "veto the bill"
    assert event("Mexico signed the accord.") is None  # no undoing
    assert event("The talks on the accord collapsed.") is None  # not an act against it


def test_a_bare_decision_is_read_as_the_undoing_reported_before():
    s = "The employers' group welcomed the move, saying the accord's targets had scared off investment."
    doc = NLP(s)
    start = s.index("The employers' group")
    spans = [(start, start + len("The employers' group"))]
    tspans = [(a, b) for a, b, _ in Target("the accord").find(s)]
    with_event = attribute(doc, spans, target_spans=tspans, target_phrase="the accord", prior_undoing="pull out of the accord")
    assert with_event.text.startswith("The employers' group welcomed the move to pull out of the accord,")
    assert "move to" not in attribute(doc, spans, target_spans=tspans, target_phrase="the accord").text
    # a decision that says what it is, or somebody else's, stays as it is
    s = "Peru welcomed the decision to sign the accord."
    assert attribute(NLP(s), [(0, 4)], prior_undoing="pull out of the accord").text == s
    s = "Peru criticised the mayors who had welcomed the move."
    assert attribute(NLP(s), [(0, 4)], prior_undoing="pull out of the accord").text == s


def test_leading_subordinator_of_an_inner_clause_is_kept():
    s = "Trump has threatened that if they do not accept it, the United States will take other measures."
    assert clause(s, "United States").text == "If they do not accept it, the United States will take other measures."


def test_explicit_parser_that_cannot_load_is_an_error_naming_the_key():
    with pytest.raises(ConfigError, match="^parser: cannot load spaCy pipeline 'no_such_pipeline'"):
        load_parser("no_such_pipeline")


def test_the_condition_of_a_conditional_states_no_position():
    s = "If Europe and Zelensky accept this plan, a major setback will be recorded."
    assert clause(s, "Zelensky").role == "conditional" and clause(s, "Europe").role == "conditional"
    # a condition inside someone's own statement is not: the speaker's predicate is not the condition
    assert clause("Kenya said it would sign the deal if Peru agreed.", "Kenya").role == "agent"


def test_an_inverted_condition_states_no_position():
    assert clause("Should Chile ratify the pact, talks could collapse.", "Chile").role == "conditional"
    assert clause("Had Chile ratified the pact, talks would have collapsed.", "Chile").role == "conditional"
    assert clause("Chile had ratified the pact, talks collapsed.", "Chile").role != "conditional"


def test_a_condition_of_somebody_else_is_removed_unless_kept():
    s = "Norway will endorse the pact only if Chile ratifies it first."
    assert clause(s, "Norway") == Clause("Norway will endorse the pact.", "agent")  # another actor's clause, as before
    assert clause(s, "Chile").role == "conditional"
    doc = NLP(s)
    kept = attribute(doc, [(0, 6)], keep_conditions=True)
    assert kept == Clause(s, "agent")
    s = "Astor would pull out of the truce if the other side did not disarm by spring."
    assert attribute(NLP(s), [(0, 5)], keep_conditions=True).text == s
    # a concession is not a condition: removed either way
    s = "Norway backed the pact, even if Chile rejected it."
    assert attribute(NLP(s), [(0, 6)], keep_conditions=True).text == "Norway backed the pact."


def test_a_provision_of_the_target_states_no_position():
    assert clause("Under the accord, Iran must cut its stockpile.", "Iran", PLAN).role == "provision"
    s = "In this plan, NATO must agree not to expand its scope any further."
    assert clause(s, "NATO", Target("the plan")).role == "provision"
    s = "According to the plan, Russia would keep Crimea, and Ukraine will have no choice."
    assert clause(s, "Ukraine", Target("the plan")).role == "provision"  # the coordinated clause too
    # only a fronted phrase naming the target: staying in it, or another fronted phrase, is a position
    assert clause("Iran will stay in the accord.", "Iran", PLAN).role == "agent"
    assert clause("Under pressure, Iran accepted the accord.", "Iran", PLAN).role == "agent"
    assert clause("In the bill's first debate, Iran opposed it.", "Iran", PLAN).role == "agent"  # not the target
    s = "Under the accord, brokered over five months by Norway, both sides are to pull back."
    assert clause(s, "Norway", PLAN).role != "provision"  # the broker is the agent of a participle, not the subject
    assert clause("Under the accord, Iran must cut its stockpile.", "Iran").role == "agent"  # no target given


def test_being_affected_by_the_target_states_no_position():
    plan = Target("the plan")
    s = "Therefore, it seems that Ukraine will be the main loser of this plan, both on the ground and in prestige."
    assert clause(s, "Ukraine", plan).role == "affected"
    assert clause("Ukraine will suffer most under this plan, losing land.", "Ukraine", plan).role == "affected"
    assert clause("Germany will benefit from the plan.", "Germany", plan).role == "affected"
    # a coordinated position, a loser of something else, or no target: left to the model
    assert clause("Ukraine will be the main loser of this plan, and it will fight it.", "Ukraine", plan).role == "agent"
    assert clause("Germany, the big loser of the talks, now supports the plan.", "Germany", plan).role == "agent"
    assert clause("The United Kingdom and Germany are winners and also in favor of this plan.", "Germany",
                  plan).role == "agent"
    assert clause("Germany will benefit from the plan.", "Germany").role == "agent"


def test_a_threat_over_the_target_reveals_a_position():
    plan = Target("the plan")
    s = "Trump has threatened that if they do not accept the plan, the United States will take measures against them."
    assert clause(s, "Trump", plan).direction == "support"  # he threatens a refusal
    assert clause(s, "United States", plan).direction == "support"  # the punitive consequence is its own act
    s = "If Germany rejects this plan, Trump will take other measures against it."
    assert (clause(s, "Trump", plan).role, clause(s, "Trump", plan).direction) == ("pressure", "support")
    assert clause(s, "Germany", plan).role == "conditional"  # the condition's own actor: no position
    s = "Trump has threatened that if they accept the plan, the United States will take measures against them."
    assert clause(s, "Trump", plan).direction == "oppose"
    assert clause("Germany warned that unless Russia accepts the plan, sanctions will follow.", "Germany",
                  plan).direction == "support"  # "unless" is "if not"
    # a condition without a threat, or a threat without the target: no direction
    assert clause("Trump said that if Congress passes the plan, he will sign it.", "Trump", plan).direction is None
    assert clause(s, "Trump").direction is None


def test_a_threat_against_those_who_take_up_the_target_reveals_a_position():
    """A relative clause on the punished is the threat's condition: punishing those who accept is opposition,
    punishing those who refuse (or do not implement) is support; a punitive act someone else criticises is no threat."""
    plan = Target("the plan")
    cases = [
        ("Washington has vowed to take measures against anyone who accepts the plan.", "oppose"),
        ("The United States threatened sanctions on any country that signs the plan.", "oppose"),
        ("Brussels warned of consequences for governments that reject the plan.", "support"),
        ("Brussels will impose penalties on members that do not implement the plan.", "support"),
    ]
    for sentence, side in cases:
        actor = sentence.split()[0] if not sentence.startswith("The") else "United States"
        got = clause(sentence, actor, plan)
        assert (got.role, got.direction) == ("pressure", side), sentence
    assert clause("Washington criticised sanctions on countries that signed the plan.", "Washington", plan).direction is None
    assert clause("Washington will work with anyone who accepts the plan.", "Washington", plan).direction is None
    # another thing accepted: no direction
    assert clause("Washington has vowed to take measures against anyone who accepts the bribe.", "Washington",
                  plan).direction is None


def test_an_act_coordinated_with_its_opposite_leaves_the_position_open():
    plan = Target("the plan")
    s = "Zelensky's acceptance or rejection of this plan will not make a significant difference."
    assert clause(s, "Zelensky", plan).role == "open"
    assert clause("Germany will accept or reject the plan on Monday.", "Germany", plan).role == "open"
    # two acts on two things, or one side only: not open
    assert clause("Germany will accept the plan or leave the talks.", "Germany", plan).role == "agent"
    assert clause("Germany's acceptance of this plan will not make a difference.", "Germany", plan).role == "agent"


@pytest.mark.parametrize(
    "sentence, role",
    [
        ("Chile might come out in favour of the plan, or might not.", "open"),
        ("Chile may or may not back the plan.", "open"),
        ("Chile could back the plan or not.", "open"),
        ("Chile backed the plan or at least did not oppose it.", "agent"),  # two statements, one position
        ("Chile backed the plan, or so it seemed.", "agent"),
    ],
)
def test_an_act_or_its_negation_leaves_the_position_open(sentence, role):
    assert clause(sentence, "Chile").role == role


def test_a_stated_intention_reads_as_a_commitment():
    assert clause("Andina Mining will vote down the treaty.", "Andina Mining").text == (
        "Andina Mining has vowed to vote down the treaty.")
    assert clause("Peru said it would ratify the treaty next year.", "Peru").text == (
        "Peru has vowed to ratify the treaty next year.")  # reported "will"
    assert clause("Peru won't sign the treaty.", "Peru").text == "Peru has vowed not to sign the treaty."
    assert clause("Peru will not sign the treaty.", "Peru").text == "Peru has vowed not to sign the treaty."
    s = "Indonesia, Kenya and Brazil will sign the treaty in September."
    assert clause(s, "Kenya").text == "Indonesia, Kenya and Brazil have vowed to sign the treaty in September."
    # a decision to come, a hedge, a question, a passive, a condition, "would have": as they are
    for s in ("Peru will decide on the treaty next week.", "Peru will probably sign the treaty.",
              "Will Peru sign the treaty?", "The treaty will be signed by Peru.",
              "Peru would have preferred a shorter treaty."):
        assert "vowed" not in clause(s, "Peru").text
    assert clause("Peru would sign the treaty if Chile agreed.", "Peru").text == "Peru would sign the treaty."
    s = "Even Zelensky's acceptance or rejection of this plan will not make a difference."
    assert "vowed" not in clause(s, "Zelensky").text  # an act as the subject: a prediction, nobody's intention


@pytest.mark.parametrize(
    "sentence, premise",
    [
        ("Peru plans to sign the treaty.", "Peru has vowed to sign the treaty."),
        ("Peru is poised to sign off on the treaty.", "Peru has vowed to sign off on the treaty."),
        ("Peru is planning to block the treaty.", "Peru has vowed to block the treaty."),
        ("Peru aims to ratify the treaty next month.", "Peru has vowed to ratify the treaty next month."),
        ("Britain and Peru intend to veto the treaty.", "Britain and Peru have vowed to veto the treaty."),
        # a past or negated plan, somebody else's expectation, a thing as subject: as they are
        ("Peru planned to sign the treaty.", "Peru planned to sign the treaty."),
        ("Peru does not intend to sign the treaty.", "Peru does not intend to sign the treaty."),
        ("Peru is expected to sign the treaty.", "Peru is expected to sign the treaty."),
        ("Peru's vote is set to take place on Monday.", "Peru's vote is set to take place on Monday."),
    ],
)
def test_a_stated_plan_reads_as_a_commitment(sentence, premise):
    assert clause(sentence, "Peru").text == premise


def test_an_embedded_question_keeps_its_frame():
    s = "Reporters asked whether Iceland would boycott the pact."
    assert clause(s, "Iceland") == Clause(s, "agent")  # not "Iceland would boycott the pact."
    s = "Asked on Tuesday whether Civic Union still backed the bill, Petrovic said only that the party would decide later."
    assert clause(s, "Civic Union").text == "Asked on Tuesday whether Civic Union still backed the bill."


def test_a_direct_question_keeps_its_question_mark():
    assert clause("But will Chile reject the pact?", "Chile").text == "Will Chile reject the pact?"
    assert clause("Norway backed the pact, but will Chile reject it?", "Norway").text == "Norway backed the pact."


def test_training_premises_keep_the_whole_text_for_an_actor_inside_a_condition():
    from stancekit.attribution import clause_premise

    s = "If Chile ratifies the pact, Norway will endorse it."
    assert clause_premise(s, "Chile", target_phrase="the pact") is None  # cut from its "if", it reads as a statement
    # the consequence too: "Norway will endorse it." with the record's neutral gold would teach a plain
    # commitment as neutral
    assert clause_premise(s, "Norway", target_phrase="the pact") is None
    assert clause_premise("Norway will endorse the pact.", "Norway", target_phrase="the pact") == (
        "Norway has vowed to endorse the pact.", False)  # a stated intention, written as a commitment


def test_an_impersonal_governor_stays_in_the_premise():
    c = clause("It is unlikely that the Ukrainian people will vote for it.", "Ukrainian")
    assert c == Clause("It is unlikely that the Ukrainian people will vote for it.", "agent")


def test_the_classifier_reads_a_report_on_the_speakers_side_as_its_own_later_in_the_document(tiny_models):
    """The title in paragraph 0 ("Turkish Foreign Minister Selim Karaoglu") makes "Karaoglu said that Turkey ..."
    in paragraph 1 Karaoglu's own position; labelled alone, paragraph 1 stays his report about Turkey."""
    from stancekit.actors import Actor
    from stancekit.classifier import StanceClassifier

    clf = StanceClassifier.from_pretrained(str(tiny_models["nli3"]), premise="clause")
    actors = [Actor("Selim Karaoglu", ("Selim Karaoglu", "Karaoglu")), Actor("Turkey", ("Turkey", "Turkish"))]
    p0 = "Turkish Foreign Minister Selim Karaoglu arrived in Oslo on Monday."
    p1 = "Karaoglu said that Turkey no longer had any serious objection to the treaty."

    def record(text: str, paragraph: int):
        result = clf.label(text, target="the treaty", actors=actors)
        return next(r for r in result.records if r.actor == "Selim Karaoglu" and r.paragraph == paragraph)

    whole = record(p0 + "\n\n" + p1, 1)
    assert whole.attribution == "agent"
    assert whole.evidence == "Karaoglu no longer had any serious objection to the treaty."
    alone = record(p1, 0)
    assert alone.attribution == "reporter"
