"""Load articles from files and folders into Sources (reads the disk).

Only regular files are read, each through one bounded read: its size is checked before it
is opened, and at most `max_bytes` + 1 bytes are read, so that a device, a FIFO, a socket or
a file that grows cannot hang a run or fill memory. Folders are walked without following
links to folders, once each. Decoding (`synth.decode`) and HTML (`synth.html`) repair what
they can and say so; every claim offset later points into the text produced here. A path
that cannot be an article becomes a Problem naming it and the reason, never an exception.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from synth.decode import clean_text, decode_article_bytes
from synth.errors import InputError
from synth.metadata import TextMetadata, metadata_from_text
from synth.models import Problem, Source

ARTICLE_SUFFIXES = {".txt": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# Bytes asked of the operating system at a time: a read never holds more than the limit.
_READ_STEP = 1024 * 1024
_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


@dataclass
class LoadResult:
    sources: list[Source] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class LoadedSource:
    source: Source
    # What was repaired on the way in (bytes no encoding reads, controls removed, an HTML
    # page flattened or read without article detection): reported once, as one Problem.
    repairs: tuple[str, ...] = ()


def load_sources(paths: Sequence[str | os.PathLike[str]], *,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> LoadResult:
    """Read every article under `paths` (files or folders) into Sources S1…Sn, in input order."""
    result = LoadResult()
    for path in _expand(paths, result.problems):
        try:
            loaded = load_source(path, f"S{len(result.sources) + 1}", max_bytes=max_bytes)
        except InputError as error:
            result.problems.append(Problem(path=error.path, stage="load", reason=error.reason))
            continue
        result.sources.append(loaded.source)
        if loaded.repairs:
            result.problems.append(Problem(path=str(path), stage="load",
                                           reason="loaded with repairs: " +
                                                  "; ".join(loaded.repairs)))
    return result


def _expand(paths: Iterable[str | os.PathLike[str]], problems: list[Problem]) -> list[Path]:
    files: list[Path] = []
    seen: set[str] = set()
    for raw in paths:
        path = Path(raw)
        if not os.fspath(raw):  # Path("") is the current folder; "" names nothing
            problems.append(Problem(path="", stage="load", reason="empty path"))
            continue
        try:
            is_folder = stat.S_ISDIR(path.stat().st_mode)
        except (OSError, ValueError) as error:
            problems.append(Problem(path=str(path), stage="load", reason=_unreachable(path, error)))
            continue
        if is_folder:
            found = _articles_in(path, problems)
            if not found:
                problems.append(Problem(
                    path=str(path), stage="load",
                    reason="folder has no articles (.txt, .md, .html or .htm files)"))
            candidates = found
        else:
            candidates = [path]
        for candidate in candidates:
            key = os.path.realpath(candidate)
            if key not in seen:
                seen.add(key)
                files.append(candidate)
    return files


def _articles_in(folder: Path, problems: list[Problem]) -> list[Path]:
    """Article files under `folder`, in sorted order. Links to folders are not followed and
    each folder is read once, so a loop of links or mounts ends; a folder that cannot be
    read, and an article's name on anything but a regular file, are problems (in path order)."""
    found: list[Path] = []
    unusable: list[Problem] = []
    pending = [folder]
    visited: set[tuple[int, int]] = set()
    while pending:
        current = pending.pop()
        try:
            status = current.stat()
            if (status.st_dev, status.st_ino) in visited:
                continue
            visited.add((status.st_dev, status.st_ino))
            with os.scandir(current) as entries:
                listed = list(entries)
        except OSError as error:
            unusable.append(Problem(path=str(current), stage="load",
                                    reason=f"cannot read folder ({error.strerror or error})"))
            continue
        for entry in listed:
            path = current / entry.name
            if _is_real_folder(entry):
                pending.append(path)
                continue
            if (path.suffix.lower() not in ARTICLE_SUFFIXES or entry.name.startswith(".")
                    or entry.name.lower() == "readme.md"):
                continue
            try:
                mode = os.stat(path).st_mode
            except OSError as error:
                unusable.append(Problem(path=str(path), stage="load",
                                        reason=_unreachable(path, error)))
                continue
            if stat.S_ISREG(mode):
                found.append(path)
            elif not stat.S_ISDIR(mode):  # a link to a folder is passed over, as rglob does
                unusable.append(Problem(path=str(path), stage="load", reason=_not_regular(mode)))
    problems.extend(sorted(unusable, key=lambda p: Path(p.path or "")))
    return sorted(found)


def _is_real_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _unreachable(path: Path, error: OSError | ValueError) -> str:
    """Why a path cannot be opened, in a reader's words."""
    if isinstance(error, ValueError):
        return "not a usable path (it holds a NUL character)"
    if error.errno == errno.ELOOP:
        return "symbolic link loop"
    if error.errno == errno.ENOENT:
        return "broken symbolic link" if path.is_symlink() else "no such file or folder"
    if error.errno == errno.ENOTDIR:
        return "no such file or folder (a part of the path is a file)"
    return f"cannot read file ({error.strerror or error})"


def _not_regular(mode: int) -> str:
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    return f"not a regular file but {kind}; an article must be a file"


def _size(count: int) -> str:
    """A byte count as a reader sees it: '2.0 MB', '500 KB', '12 bytes' (never '0 MB')."""
    if count >= 1_048_576:
        return f"{count / 1_048_576:.1f} MB"
    if count >= 1024:
        return f"{count / 1024:.0f} KB"
    return f"{count} bytes"


def read_bounded(path: Path, max_bytes: int) -> bytes:
    """A regular file's bytes, at most `max_bytes` of them, or InputError saying why not.

    The size is checked before anything is read, then at most max_bytes + 1 bytes are read
    (a file in /proc says it is empty, and any file can grow): one more is too many."""
    name = str(path)
    too_big = f"over the {_size(max_bytes)} limit for one article (raise it with --max-bytes)"
    try:
        status = os.stat(path)
        if not stat.S_ISREG(status.st_mode):
            raise InputError(name, _not_regular(status.st_mode))
        if status.st_size > max_bytes:
            raise InputError(name, f"file is {_size(status.st_size)}, {too_big}")
        # Non-blocking: if the path became a FIFO since the stat, opening it does not wait.
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | \
            getattr(os, "O_BINARY", 0)
        descriptor = os.open(path, flags)
    except (OSError, ValueError) as error:
        raise InputError(name, _unreachable(path, error)) from None
    try:
        opened = os.fstat(descriptor)
        if not stat.S_ISREG(opened.st_mode):
            raise InputError(name, _not_regular(opened.st_mode))
        chunks: list[bytes] = []
        remaining = max_bytes + 1
        while remaining > 0:
            chunk = os.read(descriptor, min(remaining, _READ_STEP))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    except OSError as error:
        raise InputError(name, f"cannot read file ({error.strerror or error})") from None
    finally:
        os.close(descriptor)
    if remaining <= 0:
        raise InputError(name, f"file is {too_big}")
    return b"".join(chunks)


def load_source(path: Path, source_id: str, *,
                max_bytes: int = DEFAULT_MAX_BYTES) -> LoadedSource:
    """Read one file into a Source, with what had to be repaired, or raise InputError saying
    why it is not an article."""
    name = str(path)
    data = read_bounded(path, max_bytes)
    fmt = ARTICLE_SUFFIXES.get(path.suffix.lower(), "txt")
    decoded = decode_article_bytes(data, name)
    repairs = list(decoded.repairs)
    meta: TextMetadata
    if fmt == "html" or (fmt == "txt" and _looks_like_html(decoded.text)):
        from synth.html import html_to_article  # trafilatura is slow to import; only for HTML

        article = html_to_article(decoded.text)
        fmt = "html"
        # Entities ("&#27;", "&#x202e;") become characters only now.
        body, removed = clean_text(article.text)
        meta = article.metadata.cleaned()
        repairs += article.notes + [r for r in removed if r not in repairs]
        if not body.strip():
            raise InputError(name, "HTML page has no article text")
    else:
        body = decoded.text
        meta = metadata_from_text(body).cleaned()
    if not body.strip():
        raise InputError(name, "file has no text")
    return LoadedSource(Source(
        id=source_id,
        path=name,
        title=meta.title,
        outlet=meta.outlet,
        published=meta.published,
        text=body,
        content_hash=hashlib.sha256(body.encode("utf-8")).hexdigest(),
        format=fmt,  # type: ignore[arg-type]
        encoding=decoded.encoding,
    ), tuple(repairs))


def _looks_like_html(text: str) -> bool:
    head = text[:2000].lstrip().lower()
    return head.startswith(("<!doctype html", "<html")) or "<body" in head


__all__ = ["LoadResult", "LoadedSource", "load_source", "load_sources", "read_bounded"]
