"""Reading article text from files or bytes, with one-line errors for anything unreadable.

Decoding order (no guessing beyond this):

1. ``encoding`` given explicitly: decode strictly with it (a leading BOM is dropped).
2. A byte-order mark: UTF-32 LE/BE, UTF-8-sig, UTF-16 LE/BE (UTF-32 is checked before UTF-16
   because the UTF-32 LE BOM starts with the UTF-16 LE one).
3. Strict UTF-8.
4. cp1252 (a superset of printable Latin-1), but only when the bytes look like 8-bit text: no C0
   control characters other than tab, LF, CR and form feed, no DEL, at most 30% of non-space bytes
   above 0x7F, and every byte defined in cp1252. Anything else is an ``InputError`` asking for
   ``--encoding``; we never silently return mojibake from a binary or a non-Latin legacy encoding.

NUL bytes without a UTF-16/32 BOM (or explicit encoding) mean "not a text file".
"""
from __future__ import annotations

import codecs
import hashlib
import os
import re
from pathlib import Path

from .errors import InputError

FALLBACK_ENCODING = "cp1252"

# UTF-32 must come before UTF-16: b"\xff\xfe\x00\x00" also starts with the UTF-16 LE BOM.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# C0 controls other than \t \n \f \r, plus DEL: their presence means "not 8-bit text".
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_ASCII = bytes(range(0x80))
_SPACES = b" \t\r\n\f"
_MAX_HIGH_SHARE = 0.30


def read_text(path: str | os.PathLike, encoding: str | None = None) -> str:
    """Read a text file as ``str``; raise InputError (naming the path) if it is not usable text."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file")
    if p.is_dir():
        raise InputError(f"{p}: is a directory, not a text file")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{p}: cannot read file ({exc.strerror or exc})") from None
    return decode_bytes(data, encoding=encoding, source=str(p))


def decode_bytes(data: bytes, encoding: str | None = None, source: str = "<bytes>") -> str:
    """Decode raw bytes with the rules in the module docstring; ``source`` names the input in errors."""
    if not data:
        raise InputError(f"{source}: file is empty")
    if encoding is not None:
        text = _decode_explicit(data, encoding, source)
    else:
        text = _decode_sniffed(data, source)
    if "\x00" in text:
        raise InputError(f"{source}: not a text file (contains NUL characters)")
    if not text.strip():
        raise InputError(f"{source}: file contains only whitespace")
    return text


def _decode_explicit(data: bytes, encoding: str, source: str) -> str:
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        raise InputError(f"{source}: unknown encoding {encoding!r}") from None
    try:
        text = data.decode(codec.name)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{source}: cannot decode as {encoding} (byte {exc.start}: {exc.reason})"
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


def _decode_sniffed(data: bytes, source: str) -> str:
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(name)
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{source}: has a {name} byte-order mark but is not valid {name} "
                    f"(byte {exc.start + len(bom)}); pass --encoding"
                ) from None
    if b"\x00" in data:
        raise InputError(
            f"{source}: not a text file (contains NUL bytes; for UTF-16/32 without a BOM pass --encoding)"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    if _looks_like_8bit_text(data):
        try:
            return data.decode(FALLBACK_ENCODING)
        except UnicodeDecodeError:
            pass
    raise InputError(
        f"{source}: not valid UTF-8 (byte {utf8_error.start}) and does not look like "
        f"{FALLBACK_ENCODING}/Latin-1 text; pass --encoding"
    )


def _looks_like_8bit_text(data: bytes) -> bool:
    """True for bytes that plausibly are Western 8-bit prose (see module docstring)."""
    if _CONTROL_BYTES.search(data):
        return False
    visible = len(data.translate(None, _SPACES))
    high = len(data.translate(None, _ASCII))
    return visible > 0 and high <= _MAX_HIGH_SHARE * visible


def check_writable(path: str | os.PathLike, *, folder: bool = False, create_parents: bool = False) -> None:
    """Raise OutputError unless ``path`` can be written: called on ``-o``/``--output`` before any model
    work, so a typo costs a second, not a whole run.

    A file: not a directory; its folder exists (or, with ``create_parents``, its nearest existing
    ancestor is a writable directory) and is writable; an existing file is writable. ``folder``: the
    path is (or can be created as) a writable directory.
    """
    from .errors import OutputError

    p = Path(path)
    what = "output folder" if folder else "output file"
    if p.exists():
        if folder and not p.is_dir():
            raise OutputError(f"cannot write {what} {p}: it exists and is not a directory")
        if not folder and p.is_dir():
            raise OutputError(f"cannot write {what} {p}: it is a directory")
        if not os.access(p, os.W_OK | (os.X_OK if folder else 0)):
            raise OutputError(f"cannot write {what} {p}: permission denied")
        return
    parent = p.parent if str(p.parent) else Path(".")
    if not (folder or create_parents):
        if not parent.exists():
            raise OutputError(f"cannot write {what} {p}: no such directory {parent}")
        if not parent.is_dir():
            raise OutputError(f"cannot write {what} {p}: {parent} is not a directory")
    else:
        while not parent.exists():  # nearest existing ancestor: mkdir(parents=True) starts there
            if parent == parent.parent:
                break
            parent = parent.parent
        if parent.exists() and not parent.is_dir():
            raise OutputError(f"cannot write {what} {p}: {parent} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {what} {p}: permission denied in {parent}")


def file_sha256(path: str | Path) -> str:
    """sha256 of a file's bytes, read in 1 MiB blocks (weights and corpora of any size)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
