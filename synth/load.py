"""Load articles from files and folders into Sources (reads the disk).

Decoding survives real saved pages: UTF-8 with or without a BOM, UTF-16 with a BOM,
Windows-1252, and UTF-8 files with stray Windows-1252 bytes. Newlines become "\\n" and
invisible zero-width characters are removed; every claim offset later points into the
text produced here. A file that cannot be an article becomes a Problem, never an exception.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from synth.errors import InputError
from synth.metadata import metadata_from_text
from synth.models import Problem, Source

ARTICLE_SUFFIXES = {".txt": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# Invisible characters that split words and numbers without meaning anything to a reader
# (a regex: str.translate with a mapping walks the text in Python-level steps, 10x slower).
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
# Control bytes that plain text does not hold (tab, newline, form feed and return it does).
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))
# Share of control bytes above which a file is binary rather than text with a few odd bytes.
_BINARY_CONTROL_SHARE = 0.05


@dataclass
class LoadResult:
    sources: list[Source] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def load_sources(paths: Sequence[str | os.PathLike[str]], *,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> LoadResult:
    """Read every article under `paths` (files or folders) into Sources S1…Sn, in input order."""
    result = LoadResult()
    for path in _expand(paths, result.problems):
        try:
            source = load_source(path, f"S{len(result.sources) + 1}", max_bytes=max_bytes)
        except InputError as error:
            result.problems.append(Problem(path=error.path, stage="load", reason=error.reason))
            continue
        result.sources.append(source)
    return result


def _expand(paths: Iterable[str | os.PathLike[str]], problems: list[Problem]) -> list[Path]:
    files: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES
                and not p.name.startswith(".") and p.name.lower() != "readme.md"
            )
            if not found:
                problems.append(Problem(
                    path=str(path), stage="load",
                    reason="folder has no articles (.txt, .md, .html or .htm files)"))
            candidates = found
        elif path.exists():
            candidates = [path]
        else:
            problems.append(Problem(path=str(path), stage="load", reason="no such file or folder"))
            continue
        for candidate in candidates:
            key = candidate.resolve()
            if key not in seen:
                seen.add(key)
                files.append(candidate)
    return files


def _size(count: int) -> str:
    """A byte count as a reader sees it: '2.0 MB', '500 KB', '12 bytes' (never '0 MB')."""
    if count >= 1_048_576:
        return f"{count / 1_048_576:.1f} MB"
    if count >= 1024:
        return f"{count / 1024:.0f} KB"
    return f"{count} bytes"


def load_source(path: Path, source_id: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Source:
    """Read one file into a Source, or raise InputError saying why it is not an article."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(name, f"file is {_size(size)}, over the {_size(max_bytes)} limit "
                                   "for one article (raise it with --max-bytes)")
        data = path.read_bytes()
    except OSError as error:
        raise InputError(name, f"cannot read file ({error.strerror or error})") from None
    fmt = ARTICLE_SUFFIXES.get(path.suffix.lower(), "txt")
    text, encoding = decode_article_bytes(data, name)
    if fmt == "html" or (fmt == "txt" and _looks_like_html(text)):
        from synth.html import html_to_article  # trafilatura is slow to import; only for HTML

        article = html_to_article(text)
        fmt = "html"
        body, meta = article.text, article.metadata
        if not body.strip():
            raise InputError(name, "HTML page has no article text")
    else:
        body = text
        meta = metadata_from_text(body)
    if not body.strip():
        raise InputError(name, "file is empty" if not data.strip() else "file has no text")
    return Source(
        id=source_id,
        path=name,
        title=meta.title,
        outlet=meta.outlet,
        published=meta.published,
        text=body,
        content_hash=hashlib.sha256(body.encode("utf-8")).hexdigest(),
        format=fmt,  # type: ignore[arg-type]
        encoding=encoding,
    )


def decode_article_bytes(data: bytes, name: str = "<bytes>") -> tuple[str, str]:
    """Decode a saved article's bytes, returning (text with "\\n" newlines, encoding used)."""
    if not data.strip():
        raise InputError(name, "file is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text, encoding = _strict(data, "utf-16", name), "utf-16"
    elif data.startswith(b"\xef\xbb\xbf"):
        text, encoding = _strict(data[3:], "utf-8", name), "utf-8-sig"
    else:
        if _is_binary(data):
            raise InputError(name, "binary file, not text (an article must be .txt, .md or .html)")
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = _decode_not_utf8(data, name)
    text = _ZERO_WIDTH.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return text, encoding


def _strict(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise InputError(name, f"cannot decode as {encoding} (byte 0x{data[error.start]:02x} at "
                               f"offset {error.start})") from None


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _decode_not_utf8(data: bytes, name: str) -> tuple[str, str]:
    # A file with real UTF-8 sequences and a few bad bytes was edited in two encodings;
    # decoding only the bad bytes as Windows-1252 keeps both halves readable.
    if _UTF8_MULTIBYTE.search(data):
        return data.decode("utf-8", errors="synth-cp1252"), "utf-8+cp1252"
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as error:
        raise InputError(name, f"cannot decode: neither UTF-8 nor Windows-1252 (byte "
                               f"0x{data[error.start]:02x} at offset {error.start})") from None


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    bad = error.object[error.start:error.end]
    try:
        return bad.decode("cp1252"), error.end
    except UnicodeDecodeError:
        raise error from None


codecs.register_error("synth-cp1252", _cp1252_fallback)


def _is_binary(data: bytes) -> bool:
    head = data[:8192]
    if b"\x00" in head:
        return True
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls > len(head) * _BINARY_CONTROL_SHARE


def _looks_like_html(text: str) -> bool:
    head = text[:2000].lstrip().lower()
    return head.startswith(("<!doctype html", "<html")) or "<body" in head


__all__ = ["LoadResult", "decode_article_bytes", "load_source", "load_sources"]
