"""read_text / decode_bytes: every error row and every decoding path."""
from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from stancekit.errors import InputError
from stancekit.textio import decode_bytes, read_text

ARTICLE = Path(__file__).resolve().parents[1] / "stancekit" / "data" / "article" / "article.txt"


def _one_line(exc: pytest.ExceptionInfo) -> str:
    msg = str(exc.value)
    assert "\n" not in msg
    return msg


def test_reads_bundled_article():
    text = read_text(ARTICLE)
    assert text.startswith(" date 2025-11-23 Trump")
    assert "Zelensky\u2019s acceptance" in text
    assert text.rstrip().endswith("MNA")


def test_accepts_str_path(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("Russia opposes the plan.\n", encoding="utf-8")
    assert read_text(str(p)) == "Russia opposes the plan.\n"


def test_missing_file(tmp_path):
    p = tmp_path / "nope.txt"
    with pytest.raises(InputError) as exc:
        read_text(p)
    msg = _one_line(exc)
    assert str(p) in msg and "no such file" in msg


def test_directory(tmp_path):
    with pytest.raises(InputError) as exc:
        read_text(tmp_path)
    msg = _one_line(exc)
    assert str(tmp_path) in msg and "directory" in msg


def test_empty_file(tmp_path):
    p = tmp_path / "empty.txt"
    p.write_bytes(b"")
    with pytest.raises(InputError) as exc:
        read_text(p)
    msg = _one_line(exc)
    assert str(p) in msg and "empty" in msg


@pytest.mark.parametrize("data", [b"   \n\n\t \r\n", b"\xef\xbb\xbf \n", "\u00a0\u3000\n".encode("utf-8")])
def test_whitespace_only_file(tmp_path, data):
    p = tmp_path / "ws.txt"
    p.write_bytes(data)
    with pytest.raises(InputError) as exc:
        read_text(p)
    msg = _one_line(exc)
    assert str(p) in msg and "whitespace" in msg


def test_nul_bytes_are_not_text(tmp_path):
    p = tmp_path / "blob.bin"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(InputError) as exc:
        read_text(p)
    msg = _one_line(exc)
    assert str(p) in msg and "not a text file" in msg


def test_nul_inside_otherwise_ascii_text():
    with pytest.raises(InputError, match="not a text file"):
        decode_bytes(b"Russia opposes\x00 the plan.", source="x.txt")


def test_latin1_fallback(tmp_path):
    p = tmp_path / "latin1.txt"
    p.write_bytes("Le président français a rencontré Zelensky à Paris.".encode("latin-1"))
    assert read_text(p) == "Le président français a rencontré Zelensky à Paris."


def test_cp1252_smart_quotes_fallback():
    data = "Zelensky\u2019s \u201cpeace\u201d plan \u2013 rejected.".encode("cp1252")
    assert decode_bytes(data) == "Zelensky\u2019s \u201cpeace\u201d plan \u2013 rejected."


def test_binary_without_nul_is_rejected_with_hint():
    data = bytes([0xC3, 0x28, 0x01, 0x02, 0x9D, 0xFF] * 20)
    with pytest.raises(InputError) as exc:
        decode_bytes(data, source="junk.dat")
    msg = _one_line(exc)
    assert "junk.dat" in msg and "pass --encoding" in msg


def test_mostly_high_bytes_are_not_guessed_as_cp1252():
    # Cyrillic in cp1251: 8-bit text, but guessing cp1252 would give mojibake -> ask for --encoding.
    data = "Россия против плана Трампа".encode("cp1251")
    with pytest.raises(InputError, match="pass --encoding"):
        decode_bytes(data)
    assert decode_bytes(data, encoding="cp1251") == "Россия против плана Трампа"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32", "utf-32-be", "utf-8-sig"])
def test_bom_sniffing(tmp_path, codec):
    text = "Zelensky\u2019s plan: Україна\nsecond line"
    data = text.encode(codec)
    if codec == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    if codec == "utf-32-be":
        data = codecs.BOM_UTF32_BE + data
    p = tmp_path / "bom.txt"
    p.write_bytes(data)
    assert read_text(p) == text  # BOM removed, content intact


def test_utf16_with_bom_but_truncated():
    data = codecs.BOM_UTF16_LE + "Ukraine".encode("utf-16-le") + b"\x00"  # odd byte count
    with pytest.raises(InputError, match="byte-order mark"):
        decode_bytes(data, source="t.txt")


def test_utf16_without_bom_needs_explicit_encoding(tmp_path):
    p = tmp_path / "u16.txt"
    p.write_bytes("NATO and Ukraine".encode("utf-16-le"))
    with pytest.raises(InputError, match="not a text file"):
        read_text(p)
    assert read_text(p, encoding="utf-16-le") == "NATO and Ukraine"


def test_explicit_encoding_is_used_instead_of_guessing(tmp_path):
    p = tmp_path / "x.txt"
    p.write_bytes("Größe".encode("utf-8"))
    # Valid UTF-8, but the user says latin-1: we obey.
    assert read_text(p, encoding="latin-1") == "Größe".encode("utf-8").decode("latin-1")


def test_explicit_encoding_that_does_not_fit(tmp_path):
    p = tmp_path / "x.txt"
    p.write_bytes("Größe".encode("latin-1"))
    with pytest.raises(InputError) as exc:
        read_text(p, encoding="utf-8")
    msg = _one_line(exc)
    assert str(p) in msg and "utf-8" in msg


def test_unknown_encoding_name(tmp_path):
    p = tmp_path / "x.txt"
    p.write_text("hello", encoding="utf-8")
    with pytest.raises(InputError, match="unknown encoding 'klingon-8'"):
        read_text(p, encoding="klingon-8")


def test_explicit_utf8_drops_bom():
    assert decode_bytes(codecs.BOM_UTF8 + b"NATO", encoding="utf-8") == "NATO"


def test_large_file(tmp_path):
    para = ("Russia and Ukraine discussed the plan in Moscow; NATO's position is unchanged. " * 20 + "\n\n")
    data = (para * (5_000_000 // len(para) + 1)).encode("utf-8")
    assert len(data) >= 5_000_000
    p = tmp_path / "big.txt"
    p.write_bytes(data)
    assert len(read_text(p)) == len(data)
    # A large Latin-1 file goes through the fallback check too.
    latin = data.replace(b"plan", "pl\u00e4n".encode("latin-1"))
    assert "pl\u00e4n" in decode_bytes(latin)[:2000]
