"""Premise units: the pieces of a paragraph shown to the NLI model for one actor.

NLI models are trained on sentence-length premises, and a stance toward a target is usually
stated in one sentence, so the default unit is each sentence that mentions the actor. Every unit
is sized to fit the model's token window next to the longest hypothesis; anything longer is split
into word-bounded chunks and flagged (``Unit.split``) rather than truncated silently by the
tokenizer, which would drop exactly the clause that may carry the stance.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from .errors import ConfigError

TokenCounter = Callable[[str], int]


@dataclass(frozen=True)
class Unit:
    """One premise: its text, the paragraph sentences it comes from, and whether it is a chunk
    of an over-long sentence (``split=True``)."""

    text: str
    sentence_ids: tuple[int, ...]
    split: bool = False


def _span(mention: object) -> tuple[int, int]:
    if isinstance(mention, tuple):
        return int(mention[0]), int(mention[1])
    return int(getattr(mention, "start")), int(getattr(mention, "end"))


def _sentences(paragraph: object) -> list[tuple[str, int, int]]:
    sents = [(s.text, s.start, s.end) for s in getattr(paragraph, "sentences", ())]
    text = getattr(paragraph, "text")
    if not sents and text.strip():
        sents = [(text, 0, len(text))]
    return sents


def premise_units(
    paragraph: object,
    mentions: Sequence[object],
    *,
    max_tokens: int,
    count_tokens: TokenCounter,
    mode: str = "sentences",
    context_sentences: int = 0,
) -> list[Unit]:
    """Premise units of one (paragraph, actor).

    ``mentions``: the actor's mentions in ``paragraph.text`` (objects with start/end or (start,
    end) tuples). ``max_tokens``: premise tokens that fit next to the hypotheses
    (`NLIScorer.max_premise_tokens`). ``count_tokens``: tokens of a text without special tokens.

    mode "sentences": each sentence containing a mention, widened by ``context_sentences`` on
    each side; widened windows that overlap or touch are merged (with 0 context each mention
    sentence stays its own unit, so the evidence is one sentence). mode "paragraph": the whole
    paragraph in consecutive sentence windows that fit. Either way a unit that does not fit is
    re-packed sentence by sentence, and a sentence that alone does not fit is split by words.
    """
    if max_tokens < 1:
        raise ConfigError(f"premise window of {max_tokens} tokens is too small")
    sents = _sentences(paragraph)
    if not sents:
        return []
    text = getattr(paragraph, "text")
    if mode == "paragraph":
        groups = [list(range(len(sents)))]
    elif mode == "sentences":
        hit: list[int] = []
        for m in mentions:
            start, end = _span(m)
            for i, (_, s, e) in enumerate(sents):
                if start < e and end > s and i not in hit:
                    hit.append(i)
        if not hit:
            return []
        hit.sort()
        windows = [
            (max(0, i - context_sentences), min(len(sents) - 1, i + context_sentences)) for i in hit
        ]
        groups = []
        lo, hi = windows[0]
        for a, b in windows[1:]:
            if context_sentences > 0 and a <= hi + 1:
                hi = max(hi, b)
            elif a <= hi:  # identical window (context 0, same sentence): already covered
                hi = max(hi, b)
            else:
                groups.append(list(range(lo, hi + 1)))
                lo, hi = a, b
        groups.append(list(range(lo, hi + 1)))
    else:
        raise ConfigError(f"premise must be 'sentences' or 'paragraph', got {mode!r}")

    units: list[Unit] = []
    for group in groups:
        units.extend(_fit_group(text, sents, group, max_tokens, count_tokens))
    return units


def _fit_group(
    text: str, sents: list[tuple[str, int, int]], group: list[int], max_tokens: int, count: TokenCounter
) -> list[Unit]:
    """Pack consecutive sentences of ``group`` into units under ``max_tokens``."""
    whole = text[sents[group[0]][1] : sents[group[-1]][2]]
    if count(whole) <= max_tokens:
        return [Unit(whole, tuple(group))]
    out: list[Unit] = []
    cur: list[int] = []
    for i in group:
        if count(sents[i][0]) > max_tokens:
            if cur:
                out.append(Unit(text[sents[cur[0]][1] : sents[cur[-1]][2]], tuple(cur)))
                cur = []
            out.extend(Unit(chunk, (i,), split=True) for chunk in split_by_words(sents[i][0], max_tokens, count))
            continue
        trial = cur + [i]
        if cur and count(text[sents[trial[0]][1] : sents[trial[-1]][2]]) > max_tokens:
            out.append(Unit(text[sents[cur[0]][1] : sents[cur[-1]][2]], tuple(cur)))
            trial = [i]
        cur = trial
    if cur:
        out.append(Unit(text[sents[cur[0]][1] : sents[cur[-1]][2]], tuple(cur)))
    return out


def split_by_words(text: str, max_tokens: int, count: TokenCounter) -> list[str]:
    """Split ``text`` into consecutive chunks of whole words, each at most ``max_tokens`` tokens.

    Every word lands in exactly one chunk (nothing is dropped); a single word longer than the
    window is cut into character pieces, the only case where a word is divided.

    >>> split_by_words("a b c d e", 2, lambda s: len(s.split()))
    ['a b', 'c d', 'e']
    """
    words = text.split()
    chunks: list[str] = []
    cur: list[str] = []
    cur_est = 0
    for word in words:
        w = count(word)
        if w > max_tokens:
            if cur:
                chunks.extend(_settle(cur, max_tokens, count))
                cur, cur_est = [], 0
            chunks.extend(_split_word(word, max_tokens, count))
            continue
        if cur and cur_est + w > max_tokens:
            chunks.extend(_settle(cur, max_tokens, count))
            cur, cur_est = [], 0
        cur.append(word)
        cur_est += w
    if cur:
        chunks.extend(_settle(cur, max_tokens, count))
    return chunks


def _settle(words: list[str], max_tokens: int, count: TokenCounter) -> list[str]:
    """Per-word counts are an estimate (subword merges differ in context); verify and re-split."""
    joined = " ".join(words)
    if count(joined) <= max_tokens or len(words) == 1:
        return [joined] if count(joined) <= max_tokens else _split_word(joined, max_tokens, count)
    half = len(words) // 2
    return _settle(words[:half], max_tokens, count) + _settle(words[half:], max_tokens, count)


def _split_word(word: str, max_tokens: int, count: TokenCounter) -> list[str]:
    if count(word) <= max_tokens or len(word) <= 1:
        return [word]
    half = len(word) // 2
    return _split_word(word[:half], max_tokens, count) + _split_word(word[half:], max_tokens, count)
