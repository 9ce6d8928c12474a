"""A saved article's bytes → text, and text made safe to show (pure).

Decoding never raises for text: UTF-8 with or without a BOM, UTF-16 and UTF-32 with a BOM,
UTF-16 without one, Windows-1252, and UTF-8 with stray Windows-1252 bytes are read as such;
a byte that none of these can read becomes U+FFFD. Each repair is counted and reported once
per file (`DecodedText.repairs`). Only a file that is not text (binary, or more unreadable
bytes than `MAX_REPLACED_SHARE` allows) is refused, with an InputError.

`clean_text` then normalises line breaks and removes what a reader cannot see but a
terminal, a model or a text renderer obeys: control characters, zero-width characters,
bidirectional overrides and Unicode tag characters.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from synth.errors import InputError

NOT_TEXT = "binary file, not text (an article must be .txt, .md or .html)"
# Control bytes that plain text does not hold (tab and the line breaks it does).
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13))
# Share of control bytes above which a file is binary rather than text with a few odd bytes.
_BINARY_CONTROL_SHARE = 0.05
# More unreadable bytes than this share of the text, and more than MAX_REPLACED_ANYWAY, and
# the file is not text in any encoding synth reads: it is refused rather than loaded as a
# page of U+FFFD.
MAX_REPLACED_SHARE = 0.01
MAX_REPLACED_ANYWAY = 4
# UTF-16 without a BOM: in text of a Latin script every other byte is zero.
_UTF16_ZERO_SHARE = 0.3
_UTF16_OTHER_SIDE_SHARE = 0.02
# ...and the text it decodes to has spaces between words.
_UTF16_MIN_SPACE_SHARE = 0.05
# (BOM, codec, the encoding a Source records); UTF-32's BOMs first: they begin like UTF-16's.
_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32-be", "utf-32"),
    (b"\xff\xfe\x00\x00", "utf-32-le", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8", "utf-8-sig"),
    (b"\xfe\xff", "utf-16-be", "utf-16"),
    (b"\xff\xfe", "utf-16-le", "utf-16"),
)
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
# Each byte a codec cannot read is kept as U+DC00 + the byte ("synth-escape" below). No
# codec used here decodes to a lone surrogate otherwise, so each is exactly one such byte.
_ESCAPED = re.compile("[\udc00-\udcff]+")

# Line breaks other than "\n": Windows and old Mac line ends, vertical tab, form feed, NEL
# and the Unicode line and paragraph separators.
_LINE_BREAKS = re.compile("\r\n?|[\x0b\x0c\x85\u2028\u2029]")
# Invisible characters that split words and numbers without meaning anything to a reader
# (a regex: str.translate with a mapping walks the text in Python-level steps, 10x slower).
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
# Controls a terminal obeys (escape sequences, bell, backspace) and NUL; tab and newline stay.
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f]")
# C1 controls: in a saved article, Windows-1252 punctuation stored as Latin-1 ("don\x92t").
_C1 = re.compile("[\x80-\x9f]")
# Characters that change what a reader sees without being seen: bidirectional embeddings,
# overrides and isolates (text shown in another order than it is read), deprecated format
# controls, interlinear annotations, and tag characters (invisible ASCII a model still reads).
_INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u206f\ufff9-\ufffb\U000e0000-\U000e007f]")


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str
    repairs: tuple[str, ...] = ()


def decode_article_bytes(data: bytes, name: str = "<bytes>") -> DecodedText:
    """Decode a saved article's bytes into clean text with "\\n" line breaks, saying which
    encoding was used and what was repaired; InputError when the bytes are not text."""
    if not data.strip():
        raise InputError(name, "file is empty")
    for bom, codec, recorded in _BOMS:
        if data.startswith(bom):
            return _decoded(data[len(bom) :], codec, recorded, name)
    wide = _utf16_without_bom(data)
    if wide:
        return _decoded(data, wide, wide, name)
    if _is_binary(data):
        raise InputError(name, NOT_TEXT)
    try:
        return _finish(data.decode("utf-8"), "utf-8", [])
    except UnicodeDecodeError:
        pass
    # Real UTF-8 sequences among bad bytes: a file edited in two encodings. Its bad bytes are
    # read as Windows-1252 and the rest as UTF-8, so that both halves stay readable.
    if _UTF8_MULTIBYTE.search(data):
        return _decoded(data, "utf-8", "utf-8+cp1252", name, cp1252_fallback=True)
    return _decoded(data, "cp1252", "cp1252", name)


def _decoded(
    data: bytes, codec: str, recorded: str, name: str, *, cp1252_fallback: bool = False
) -> DecodedText:
    """Decode with each unreadable byte read as Windows-1252 (`cp1252_fallback`) or as
    U+FFFD, counting both; refuse bytes that are mostly unreadable."""
    text = data.decode(codec, errors="synth-escape")
    read_as_cp1252 = replaced = 0

    def repair(match: re.Match[str]) -> str:
        nonlocal read_as_cp1252, replaced
        out = []
        for char in match.group():
            as_cp1252 = _cp1252(ord(char) - 0xDC00) if cp1252_fallback else ""
            out.append(as_cp1252 or "\ufffd")
            read_as_cp1252 += bool(as_cp1252)
            replaced += not as_cp1252
        return "".join(out)

    text = _ESCAPED.sub(repair, text)
    unreadable = (
        "neither UTF-8 nor Windows-1252" if codec in ("utf-8", "cp1252") else f"not {codec[:6].upper()}"
    )
    if replaced > MAX_REPLACED_ANYWAY and replaced > MAX_REPLACED_SHARE * len(text):
        as_what = "" if codec in ("utf-8", "cp1252") else f" as {codec[:6].upper()}"
        raise InputError(
            name,
            f"cannot decode{as_what}: {_count(replaced, 'byte')} of "
            f"{len(data):,} {_are(replaced)} {unreadable}",
        )
    if codec.startswith("utf-16") and _control_share(text) > _BINARY_CONTROL_SHARE:
        raise InputError(name, NOT_TEXT)
    repairs = []
    if read_as_cp1252:
        repairs.append(
            f"mixed encodings: {_count(read_as_cp1252, 'byte')} that "
            f"{_are(read_as_cp1252)} not UTF-8 read as Windows-1252"
        )
    if replaced:
        repairs.append(f"{_count(replaced, 'byte')} that {_are(replaced)} {unreadable} replaced with U+FFFD")
    return _finish(text, recorded, repairs)


def _escape_bytes(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    bad = error.object[error.start : error.end]
    return "".join(chr(0xDC00 + byte) for byte in bad), error.end


codecs.register_error("synth-escape", _escape_bytes)


def _cp1252(byte: int) -> str:
    """The Windows-1252 character of a byte, or '' for the five bytes it leaves undefined."""
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return ""


def _finish(text: str, encoding: str, repairs: list[str]) -> DecodedText:
    cleaned, removed = clean_text(text)
    return DecodedText(cleaned, encoding, tuple(repairs + removed))


def clean_text(text: str) -> tuple[str, list[str]]:
    """Text with "\\n" line breaks and nothing invisible in it, and what was removed or
    replaced (zero-width characters, common in saved pages, go without a word)."""
    text = _ZERO_WIDTH.sub("", _LINE_BREAKS.sub("\n", text))
    repairs = []
    text, controls = _CONTROLS.subn("", text)
    c1 = _C1.findall(text)
    if c1:
        text = _C1.sub(lambda match: _cp1252(ord(match.group())), text)
        punctuation = sum(1 for char in c1 if _cp1252(ord(char)))
        if punctuation:
            repairs.append(
                f"{_count(punctuation, 'control character')} read as the "
                "Windows-1252 punctuation they stand for"
            )
        controls += len(c1) - punctuation
    if controls:
        repairs.append(f"{_count(controls, 'control character')} removed")
    text, invisible = _INVISIBLE.subn("", text)
    if invisible:
        repairs.append(
            f"{_count(invisible, 'invisible formatting character')} removed "
            "(bidirectional overrides, tag characters)"
        )
    return text, repairs


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _are(number: int) -> str:
    return "is" if number == 1 else "are"


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when every other byte is zero and the rest read as words,
    as UTF-16 text of a Latin script saved without a byte-order mark does."""
    head = data[:8192]
    if len(head) < 8:
        return None
    even, odd = head[0::2], head[1::2]
    even_zero, odd_zero = even.count(0) / len(even), odd.count(0) / len(odd)
    if odd_zero >= _UTF16_ZERO_SHARE and even_zero <= _UTF16_OTHER_SIDE_SHARE:
        codec = "utf-16-le"
    elif even_zero >= _UTF16_ZERO_SHARE and odd_zero <= _UTF16_OTHER_SIDE_SHARE:
        codec = "utf-16-be"
    else:
        return None
    sample = head[: len(head) // 2 * 2].decode(codec, errors="replace")
    spaces = sum(1 for char in sample if char.isspace())
    return codec if spaces >= _UTF16_MIN_SPACE_SHARE * len(sample) else None


def _is_binary(data: bytes) -> bool:
    """More control bytes (NUL among them) than text holds, over the whole file."""
    controls = len(data) - len(data.translate(None, _CONTROL_BYTES))
    return controls > len(data) * _BINARY_CONTROL_SHARE


def _control_share(text: str) -> float:
    return len(_CONTROLS.findall(text)) / max(len(text), 1)


__all__ = ["NOT_TEXT", "DecodedText", "clean_text", "decode_article_bytes"]
