"""normalize_text, split_sentences, segment: each rule, on the article's own sentences where possible."""
from __future__ import annotations

from pathlib import Path

import pytest

from stancekit.segment import Paragraph, Sentence, normalize_text, segment, split_sentences
from stancekit.textio import read_text

ARTICLE = Path(__file__).resolve().parents[1] / "stancekit" / "data" / "article" / "article.txt"


def texts(s: str) -> list[str]:
    return [x.text for x in split_sentences(s)]


# --- normalize_text ---------------------------------------------------------------------------

def test_normalize_newlines():
    assert normalize_text("a\r\nb\rc\nd") == "a\nb\nc\nd"


def test_normalize_nfc():
    assert normalize_text("Zelenskyi\u0301") == "Zelensky\u00ed"


def test_normalize_spaces():
    assert normalize_text("United\u00a0States\u2009and\u202fNATO") == "United States and NATO"


def test_normalize_removes_zero_width():
    assert normalize_text("Rus\u200bsia\u200d \ufeffNATO\u00ad") == "Russia NATO"


def test_normalize_quotes():
    assert normalize_text("Zelensky\u2019s \u201cplan\u201d \u2018no\u2019") == "Zelensky's \"plan\" 'no'"


def test_normalize_trailing_spaces_per_line():
    assert normalize_text("Trump  \t\nPutin \u00a0\n\nend ") == "Trump\nPutin\n\nend"


def test_normalize_keeps_leading_space_and_is_idempotent():
    raw = read_text(ARTICLE)
    once = normalize_text(raw)
    assert once.startswith(" date 2025-11-23")
    assert "Zelensky's acceptance" in once
    assert normalize_text(once) == once


def test_normalize_recomposes_after_removal():
    once = normalize_text("e\u200b\u0301")
    assert once == "\u00e9" and normalize_text(once) == once


# --- split_sentences --------------------------------------------------------------------------

def test_article_paragraph_one_sentences():
    para = segment(read_text(ARTICLE))[0]
    assert [s.text for s in para.sentences] == [
        "date 2025-11-23 Trump first entered into negotiations with Moscow and presented his plan "
        "after receiving the opinions of the Russian side.",
        "The reason for this is that Russia has managed to seize very important parts of Ukraine in "
        "recent months and practically gain the upper hand on the battlefield.",
        "For this reason, the plan presented by Trump is more in Russia's favor.",
    ]


def test_article_sentence_counts():
    paras = segment(read_text(ARTICLE))
    assert [len(p.sentences) for p in paras] == [3, 6, 2, 4, 1, 1]


def test_sentence_offsets_point_into_text():
    s = "  Russia agreed. Ukraine did not!  NATO? "
    out = split_sentences(s)
    assert [x.text for x in out] == ["Russia agreed.", "Ukraine did not!", "NATO?"]
    for x in out:
        assert s[x.start:x.end] == x.text


@pytest.mark.parametrize(
    "text",
    [
        "The U.S. envoy met Putin in Moscow.",
        "The U.K. and France object.",
        "Mr. Zelensky rejected it.",
        "Dr. Smith advised Kyiv.",
        "Some allies, e.g. Germany, hesitate.",
        "The main loser, i.e. Ukraine, has no say.",
        "Resolution No. 2202 was cited.",
        "They met on St. Patrick's Day.",
        "The talks began on Jan. 5 in Geneva.",
        "The letter was signed by J. Smith and others.",
        "Russia holds 19.5 percent of Ukraine.",
        "He said it. and then left.",
    ],
)
def test_no_split(text):
    assert texts(text) == [text]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Zelensky is against this plan. Even if he puts it to a referendum, it fails.",
         ["Zelensky is against this plan.", "Even if he puts it to a referendum, it fails."]),
        ('He said "No." Then he left.', ['He said "No."', "Then he left."]),
        ("Will NATO act? \"Never,\" said Moscow.", ["Will NATO act?", "\"Never,\" said Moscow."]),
        ("Russia won (for now.) Kyiv lost!", ["Russia won (for now.)", "Kyiv lost!"]),
        ("The deadline passed. 2025 was lost.", ["The deadline passed.", "2025 was lost."]),
        ("Aid came from the U.S. The EU hesitated.", ["Aid came from the U.S.", "The EU hesitated."]),
        ("He said no. No. 5 was next.", ["He said no.", "No. 5 was next."]),
        ("Wait... What happened?", ["Wait...", "What happened?"]),
        ("Curly \u201cquotes.\u201d Work too.", ["Curly \u201cquotes.\u201d", "Work too."]),
    ],
)
def test_split(text, expected):
    assert texts(text) == expected


def test_no_sentence_punctuation_is_one_sentence():
    assert texts("MNA") == ["MNA"]
    assert split_sentences("") == [] and split_sentences("   ") == []


# --- segment ----------------------------------------------------------------------------------

def test_article_paragraphs():
    paras = segment(read_text(ARTICLE))
    assert [p.index for p in paras] == [0, 1, 2, 3, 4, 5]
    assert [p.is_content for p in paras] == [True, True, True, True, True, False]
    assert paras[0].text.startswith("date 2025-11-23 Trump first entered")
    assert paras[5].text == "MNA" and paras[5].sentences == (Sentence("MNA", 0, 3),)
    assert paras[4].text == "Finally If Europe and Zelensky accept this plan, a major setback will be recorded in NATO's record."


def test_whitespace_only_line_is_blank_and_lines_are_joined():
    text = "Russia attacked\nKyiv again.\n \t \nNATO\nresponded.\r\n\r\n\r\nMNA\n"
    paras = segment(text)
    assert [p.text for p in paras] == ["Russia attacked Kyiv again.", "NATO responded.", "MNA"]
    assert [p.index for p in paras] == [0, 1, 2]


def test_non_content_blocks_keep_their_index():
    text = "MNA\n\nRussia opposes the plan, says the Kremlin.\n\n* * *\n\n2025-11-23\n\nBy John Smith\n\nWASHINGTON (AP) -\n\nUkraine rejects it."
    paras = segment(text)
    assert [(p.index, p.is_content) for p in paras] == [
        (0, False), (1, True), (2, False), (3, False), (4, False), (5, False), (6, True)
    ]
    assert paras[2].text == "* * *"


def test_short_sentence_is_content():
    assert segment("Kyiv refused.")[0].is_content


def test_segment_normalises_first():
    paras = segment("Zelensky\u2019s\u00a0plan.\r\n\r\nNext\u200b paragraph here.")
    assert paras[0].text == "Zelensky's plan."
    assert paras[1].text == "Next paragraph here."
    assert isinstance(paras[0], Paragraph)


def test_empty_text_has_no_paragraphs():
    assert segment("") == [] and segment("\n \n\t\n") == []
