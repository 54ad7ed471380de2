"""Premise units: one per mention sentence, windows that fit, nothing cut or dropped."""
from __future__ import annotations

import doctest
import re

from stancekit import windows
from stancekit.mentions import find_mentions
from stancekit.actors import build_actors
from stancekit.segment import segment
from stancekit.windows import premise_units, split_by_words


def words_count(text: str) -> int:
    return len(text.split())


def para(text: str):
    return segment(text)[0]


def test_doctests():
    result = doctest.testmod(windows)
    assert result.attempted >= 1 and result.failed == 0


def test_one_unit_per_mention_sentence():
    p = para("Russia welcomed the plan. The weather was fine. Moscow said it will vote. Kyiv said no.")
    actors = build_actors({"Russia": ["Russia", "Moscow"]})
    units = premise_units(p, find_mentions(p.text, actors), max_tokens=100, count_tokens=words_count)
    assert [u.text for u in units] == ["Russia welcomed the plan.", "Moscow said it will vote."]
    assert [u.sentence_ids for u in units] == [(0,), (2,)]
    assert not any(u.split for u in units)


def test_context_sentences_widen_and_merge():
    p = para("Russia welcomed the plan. The weather was fine. Moscow said it will vote. Kyiv said no.")
    ms = find_mentions(p.text, build_actors({"Russia": ["Russia", "Moscow"]}))
    units = premise_units(p, ms, max_tokens=100, count_tokens=words_count, context_sentences=1)
    assert [u.sentence_ids for u in units] == [(0, 1, 2, 3)]
    assert units[0].text == p.text


def test_paragraph_mode_packs_consecutive_sentences_into_windows():
    p = para("One two three four. Five six seven. Eight nine. Ten eleven twelve thirteen.")
    units = premise_units(p, [], max_tokens=7, count_tokens=words_count, mode="paragraph")
    assert [u.sentence_ids for u in units] == [(0, 1), (2, 3)]
    assert " ".join(u.text for u in units) == p.text


def test_long_paragraph_split_without_losing_words(tiny_models):
    from stancekit.nli import NLIScorer

    scorer = NLIScorer.from_pretrained(tiny_models["nli3"], device="cpu", max_length=40)
    sentence = "Russia said that " + " ".join(["the plan will not be accepted by the people"] * 6) + "."
    text = " ".join([sentence, "Moscow welcomed the deal.", sentence.replace("Russia", "The army")])
    p = para(text)
    hyps = ["Russia supports the plan.", "Russia opposes the plan.", "Russia is portrayed negatively."]
    budget = scorer.max_premise_tokens(hyps)
    assert scorer.count_tokens(text) > 3 * budget  # the paragraph really is too long for one window
    for mode in ("paragraph", "sentences"):
        ms = find_mentions(p.text, build_actors({"Russia": ["Russia", "Moscow"]}))
        units = premise_units(p, ms, max_tokens=budget, count_tokens=scorer.count_tokens, mode=mode)
        assert len(units) >= 3 and any(u.split for u in units)
        for u in units:  # every pair fits: the tokenizer's truncation never cuts anything
            for h in hyps:
                n = len(scorer.tokenizer(u.text, h)["input_ids"])
                assert n <= scorer.max_length
        covered = " ".join(u.text for u in units).split()
        if mode == "paragraph":
            assert covered == p.text.split()  # every word, in order, exactly once
        else:
            assert covered == (p.sentences[0].text + " " + p.sentences[1].text).split()
    scores = scorer.score_full([(u.text, h) for u in units for h in hyps])
    assert scores.truncated == 0


def test_split_by_words_handles_a_word_longer_than_the_window():
    count = lambda s: len(s)  # noqa: E731 - one token per character
    chunks = split_by_words("ab " + "x" * 25 + " cd", 10, count)
    assert all(count(c) <= 10 for c in chunks)
    assert "".join(re.sub(r"\s", "", c) for c in chunks) == "ab" + "x" * 25 + "cd"
