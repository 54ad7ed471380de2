"""Paragraphs and sentences: the units stancekit labels and the premises it feeds the model.

``segment()`` normalises the text first (``normalize_text``), so paragraph and sentence offsets
always refer to normalised text and callers need not normalise themselves. Paragraphs are
blank-line-separated blocks numbered from 0 in input order, including non-prose blocks (agency
tags, bylines, separators), which are kept with ``is_content=False`` so indices match the source.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Character clean-up applied after NFC. Zero-width characters (and the soft hyphen) are removed
# because they silently break whole-word alias matching ("Rus\u00adsia").
_TRANSLATE = {
    **{cp: " " for cp in (0x00A0, 0x1680, 0x202F, 0x205F, 0x3000, *range(0x2000, 0x200B))},
    **{cp: None for cp in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD)},
    **{cp: "'" for cp in (0x2018, 0x2019, 0x201A, 0x201B)},
    **{cp: '"' for cp in (0x201C, 0x201D, 0x201E, 0x201F)},
    0x2028: "\n",  # line separator
    0x2029: "\n\n",  # paragraph separator
    0x0085: "\n",  # NEL (appears when Latin-1 text is decoded)
}
_NEWLINES = re.compile(r"\r\n?")


def normalize_text(text: str) -> str:
    """Canonical form used everywhere downstream (idempotent).

    CRLF/CR -> LF, Unicode NFC, NBSP and other space variants -> " ", zero-width characters and
    soft hyphens removed, curly quotes/apostrophes -> straight, trailing whitespace stripped per line.
    NFC runs again after removals, because removing a zero-width character can leave a
    composable pair ("e\u200b\u0301" -> "é").
    """
    text = unicodedata.normalize("NFC", text)
    text = text.translate(_TRANSLATE)
    text = unicodedata.normalize("NFC", text)
    text = _NEWLINES.sub("\n", text)
    return "\n".join(line.rstrip() for line in text.split("\n"))


@dataclass(frozen=True)
class Sentence:
    """A sentence; ``start``/``end`` are character offsets inside ``Paragraph.text``."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Paragraph:
    """One blank-line-separated block; lines are joined with single spaces."""

    index: int
    text: str
    sentences: tuple[Sentence, ...]
    is_content: bool


# Titles and other abbreviations that are (almost) never sentence-final. Lower-case, no dot.
# "etc", "Inc", "Ltd" are deliberately absent: they often end sentences.
ABBREVIATIONS: frozenset[str] = frozenset(
    """mr mrs ms dr prof st sr jr gen col lt capt sgt maj cmdr adm gov sen rep rev hon pres
    messrs mt ft vs cf fig approx dept est jan feb mar apr jun jul aug sep sept oct nov dec""".split()
)
# Words that open a new sentence after a dotted acronym: "... from the U.S. The EU said ...".
SENTENCE_STARTERS: frozenset[str] = frozenset(
    """The A An This That These Those It Its He She They We I You His Her Their Our But And
    However In On At For As If When While After Before Meanwhile Yet So There Then""".split()
)
_OPENERS = "\"'([‘“«"
_CLOSERS = ")]\"'’”»"
_BOUNDARY = re.compile(r"([.!?]+)([" + re.escape(_CLOSERS) + r"]*)\s+")
_DOTTED_ACRONYM = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")
_NEXT_WORD = re.compile(r"\w+")


def split_sentences(text: str) -> list[Sentence]:
    """Rule-based sentence split of one paragraph (offsets into ``text``).

    A boundary is ``.``/``!``/``?`` (plus closing quotes/brackets), whitespace, then a capital
    letter, digit, or opening quote/bracket. No split after titles/months (Mr., Dr., St., Jan.),
    e.g./i.e., single-letter initials (J. Smith), "No." before a number, or dotted acronyms
    (U.S., U.K.) unless the next word is a common sentence opener ("the U.S. The EU ...").
    Decimals never split because a boundary needs whitespace after the dot.
    """
    sentences: list[Sentence] = []
    cur = 0
    for m in _BOUNDARY.finditer(text):
        nxt = m.end()
        if nxt >= len(text) or not _starts_sentence(text[nxt]):
            continue
        if m.group(1) == "." and not m.group(2) and _is_abbreviation(text, m.start(1), nxt):
            continue
        _append(sentences, text, cur, m.end(2))
        cur = nxt
    _append(sentences, text, cur, len(text))
    return sentences


def _starts_sentence(c: str) -> bool:
    return c.isupper() or c.isdigit() or c in _OPENERS


def _is_abbreviation(text: str, dot: int, nxt: int) -> bool:
    """Is the ``.`` at ``dot`` part of an abbreviation rather than a sentence end?"""
    begin = dot
    while begin > 0 and (text[begin - 1].isalnum() or text[begin - 1] == "."):
        begin -= 1
    token = text[begin:dot]
    if not token:
        return False
    if len(token) == 1 and token.isupper():  # initial: "J. Smith"
        return True
    low = token.lower()
    if low in ABBREVIATIONS:
        return True
    if low == "no":  # "No. 5" but not "He said no. Then ..."
        return text[nxt].isdigit()
    if _DOTTED_ACRONYM.fullmatch(token):
        if low in ("e.g", "i.e"):
            return True
        word = _NEXT_WORD.match(text, nxt)
        return not (word and word.group() in SENTENCE_STARTERS)
    return False


def _append(out: list[Sentence], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        out.append(Sentence(text[start:end], start, end))


_SENTENCE_END = re.compile(r"[.!?][" + re.escape(_CLOSERS) + r"]*$")


def is_content_text(text: str) -> bool:
    """False for blocks that are not prose: agency tags ("MNA"), bylines, separators, numbers."""
    if not any(c.isalpha() for c in text):
        return False
    words = text.split()
    if len(words) <= 3 and not _SENTENCE_END.search(text):
        return False
    cased = [c for c in text if c.isalpha() and c.lower() != c.upper()]
    if cased and all(c.isupper() for c in cased) and len(words) <= 4:  # "WASHINGTON (AP) -", "MNA."
        return False
    return True


def segment(text: str) -> list[Paragraph]:
    """Normalise ``text`` and split it into numbered paragraphs with their sentences."""
    paragraphs: list[Paragraph] = []
    block: list[str] = []
    for line in normalize_text(text).split("\n") + [""]:
        if line.strip():
            block.append(line.strip())
        elif block:
            para_text = " ".join(block)
            paragraphs.append(
                Paragraph(
                    index=len(paragraphs),
                    text=para_text,
                    sentences=tuple(split_sentences(para_text)),
                    is_content=is_content_text(para_text),
                )
            )
            block = []
    return paragraphs
