"""Property tests: segment() and MentionFinder on arbitrary Unicode; bounded fuzz of decoding."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stancekit.actors import build_actors
from stancekit.errors import InputError
from stancekit.mentions import MentionFinder
from stancekit.segment import normalize_text, segment, split_sentences
from stancekit.textio import decode_bytes, read_text

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Arbitrary Unicode mixed with the characters the rules care about, so edge cases are common.
_special = st.sampled_from(list(
    "\n\n\r \t.!?'\"()[]\u2019\u201c\u201d\u00a0\u200b\u2029\u2028\u0085\u0301\u00ad\u2000\u2001\f\v"
) + ["U.S.", "Mr.", "NATO's", "the Kremlin", "United\nStates", " J. ", "No. 5", "\r\n \r\n"])
TEXT = st.lists(st.one_of(st.text(max_size=12), _special), max_size=40).map("".join)

ACTORS = build_actors({
    "United States": ["United States", "US", "U.S.", "American"],
    "Russia": ["Russia", "the Kremlin", "Russian", "Russians"],
    "NATO": ["NATO"],
    "Trump": ["Trump", "Donald Trump"],
    "CI": ["Côte d'Ivoire"],
})
FINDER = MentionFinder(ACTORS)
_words = st.sampled_from(["United States", "US", "us", "U.S.", "U.S.A.", "the Kremlin", "The Kremlin",
                          "Russians", "Russian's", "NATO\u2019s", "Donald  Trump", "Côte d\u2019Ivoire", "_US"])
MENTION_TEXT = st.lists(st.one_of(st.text(max_size=8), _words), max_size=30).map("".join)


def _blocks(text: str) -> int:
    """Independent count of blank-line-separated blocks in normalised text."""
    count, in_block = 0, False
    for line in normalize_text(text).split("\n"):
        blank = line.isspace() or line == ""
        if not blank and not in_block:
            count += 1
        in_block = not blank
    return count


@FAST
@given(TEXT)
def test_segment_invariants(text):
    paras = segment(text)
    assert [p.index for p in paras] == list(range(len(paras)))
    assert len(paras) == _blocks(text)
    for p in paras:
        assert p.text and p.text == p.text.strip() and "\n" not in p.text
        for s in p.sentences:
            assert 0 <= s.start < s.end <= len(p.text)
            assert p.text[s.start:s.end] == s.text
        starts = [s.start for s in p.sentences]
        assert starts == sorted(starts)
        assert all(a.end <= b.start for a, b in zip(p.sentences, p.sentences[1:]))
    assert segment(text) == paras
    assert segment(normalize_text(text)) == paras


@FAST
@given(TEXT)
def test_normalize_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert "\r" not in once


@FAST
@given(TEXT)
def test_split_sentences_cover_all_non_space(text):
    sents = split_sentences(text)
    covered = "".join(s.text for s in sents)
    assert "".join(c for c in covered if not c.isspace()) == "".join(c for c in text if not c.isspace())


@FAST
@given(MENTION_TEXT)
def test_mention_finder_invariants(text):
    found = FINDER.find(text)
    for m in found:
        assert 0 <= m.start < m.end <= len(text)
        assert text[m.start:m.end] == m.surface
        assert m.actor in {a.name for a in ACTORS}
    assert all(a.end <= b.start for a, b in zip(found, found[1:]))
    assert FINDER.find(text) == found


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=256), st.sampled_from([None, None, None, "utf-8", "latin-1", "utf-16", "cp1252"]))
def test_decode_bytes_fuzz(data, encoding):
    try:
        out = decode_bytes(data, encoding=encoding, source="fuzz.bin")
    except InputError as exc:
        assert "fuzz.bin" in str(exc) and "\n" not in str(exc)
    else:
        assert isinstance(out, str) and out.strip() and "\x00" not in out


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=128))
def test_read_text_fuzz(tmp_path, data):
    p = tmp_path / "fuzz.txt"
    p.write_bytes(data)
    try:
        out = read_text(p)
    except InputError as exc:
        assert str(p) in str(exc)
    else:
        assert isinstance(out, str) and out.strip()
