"""Load articles from files, folders, URLs and standard input into Sources (disk, network).

Only regular files are read, each through one bounded read: its size is checked before it
is opened, and at most `max_bytes` + 1 bytes are read, so that a device, a FIFO, a socket or
a file that grows cannot hang a run or fill memory. Folders are walked without following
links to folders, once each; hidden files and folders (".name") are passed over, and every
other file in a folder that is not an article is named with the reason. An http(s) URL is
downloaded (`synth.load.fetch`, bounded in time and size) and "-" is one article read from
standard input (bounded in size). Decoding (`synth.load.decode`) and HTML (`synth.load.html`) repair
what they can and say so; every claim offset later points into the text produced here. An
input that cannot be an article becomes a Problem naming it and the reason, never an
exception.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from synth.errors import InputError
from synth.inputs import STDIN, STDIN_NAME, is_url
from synth.limits import DEFAULT_MAX_BYTES, FETCH_TIMEOUT_SECONDS
from synth.load.decode import clean_text, decode_article_bytes
from synth.load.fetch import fetch_page
from synth.load.metadata import TextMetadata, metadata_from_text
from synth.load.sizes import over_the_limit, readable_size
from synth.models import Problem, Source
from synth.progress import Progress, ProgressCallback

ARTICLE_SUFFIXES = {".txt": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}
SAVE_AS_TEXT = "save the article as text or HTML"
# Files people keep with their articles that synth cannot read, and what to do instead.
UNSUPPORTED_FORMATS = {
    ".pdf": f"PDF is not supported; {SAVE_AS_TEXT}",
    ".doc": f"a Word document is not supported; {SAVE_AS_TEXT}",
    ".docx": f"a Word document is not supported; {SAVE_AS_TEXT}",
    ".odt": f"an OpenDocument text is not supported; {SAVE_AS_TEXT}",
    ".rtf": f"RTF is not supported; {SAVE_AS_TEXT}",
    ".pages": f"a Pages document is not supported; {SAVE_AS_TEXT}",
    ".epub": f"an e-book is not supported; {SAVE_AS_TEXT}",
    ".mhtml": "a web archive (MHTML) is not supported; save the page as HTML",
    ".mht": "a web archive (MHTML) is not supported; save the page as HTML",
    ".webarchive": "a Safari web archive is not supported; save the page as HTML",
    **{
        suffix: f"an image is not an article; {SAVE_AS_TEXT}"
        for suffix in (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".heic", ".tif", ".tiff")
    },
}
# Media types of a downloaded page, by the format it is read as.
_PAGE_FORMATS = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/markdown": "md",
    "text/x-markdown": "md",
    "text/plain": "txt",
}
_UNSUPPORTED_MEDIA = {
    "application/pdf": ".pdf",
    "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/rtf": ".rtf",
    "application/epub+zip": ".epub",
}
# Bytes asked of the operating system at a time: a read never holds more than the limit.
_READ_STEP = 1024 * 1024
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)

# One input to read: a file's path, a URL, or STDIN. URLs stay strings: a Path would fold
# "https://" into "https:/".
Input = Path | str


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


def load_sources(
    paths: Sequence[str | os.PathLike[str]],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    fetch_timeout: float = FETCH_TIMEOUT_SECONDS,
    stdin: BinaryIO | None = None,
    progress: ProgressCallback | None = None,
) -> LoadResult:
    """Read every article under `paths` (files, folders, http(s) URLs, "-" for `stdin`,
    by default this process's standard input) into Sources S1…Sn, in input order."""
    result = LoadResult()
    inputs = _expand(paths, result.problems)
    for number, item in enumerate(inputs):
        if progress:
            progress(Progress("read", number, len(inputs), item=input_name(item)))
        try:
            loaded = _load_input(
                item,
                f"S{len(result.sources) + 1}",
                max_bytes=max_bytes,
                fetch_timeout=fetch_timeout,
                stdin=stdin,
            )
        except InputError as error:
            result.problems.append(Problem(path=error.path, stage="load", reason=error.reason))
            continue
        result.sources.append(loaded.source)
        if loaded.repairs:
            result.problems.append(
                Problem(
                    path=loaded.source.path,
                    stage="load",
                    reason="loaded with repairs: " + "; ".join(loaded.repairs),
                )
            )
    if progress:
        progress(Progress("read", len(inputs), len(inputs)))
    return result


def input_name(item: Input) -> str:
    """How an input is named in problems and as its source's path."""
    return STDIN_NAME if item == STDIN else str(item)


def _load_input(
    item: Input, source_id: str, *, max_bytes: int, fetch_timeout: float, stdin: BinaryIO | None
) -> LoadedSource:
    if isinstance(item, Path):
        return load_source(item, source_id, max_bytes=max_bytes)
    if item == STDIN:
        stream = stdin if stdin is not None else getattr(sys.stdin, "buffer", None)
        return source_from_bytes(read_stdin(stream, max_bytes), STDIN_NAME, "txt", source_id)
    page = fetch_page(item, max_bytes=max_bytes, timeout=fetch_timeout)
    if not page.body.strip():
        raise InputError(item, "the page is empty")
    unsupported = _UNSUPPORTED_MEDIA.get(page.media_type)
    if unsupported:
        raise InputError(item, UNSUPPORTED_FORMATS[unsupported])
    if page.media_type.startswith(("image/", "audio/", "video/")):
        raise InputError(item, f"the page is {page.media_type}, not an article; {SAVE_AS_TEXT}")
    return source_from_bytes(page.body, item, _PAGE_FORMATS.get(page.media_type, "txt"), source_id)


def read_stdin(stream: BinaryIO | None, max_bytes: int) -> bytes:
    """At most `max_bytes` of standard input, or InputError saying why not."""
    if stream is None:
        raise InputError(STDIN_NAME, "there is no standard input to read")
    try:
        data = stream.read(max_bytes + 1)
    except OSError as error:
        raise InputError(STDIN_NAME, f"cannot read standard input ({error.strerror or error})") from None
    if len(data) > max_bytes:
        raise InputError(STDIN_NAME, f"standard input is {over_the_limit(max_bytes)}")
    if not data.strip():
        raise InputError(STDIN_NAME, "standard input is empty")
    return data


def _expand(paths: Iterable[str | os.PathLike[str]], problems: list[Problem]) -> list[Input]:
    inputs: list[Input] = []
    seen: set[str] = set()
    for raw in paths:
        if isinstance(raw, str) and (raw == STDIN or is_url(raw)):
            if raw not in seen:
                seen.add(raw)
                inputs.append(raw)
            continue
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
                problems.append(
                    Problem(
                        path=str(path),
                        stage="load",
                        reason="folder has no articles (.txt, .md, .html or .htm files)",
                    )
                )
            candidates = found
        else:
            candidates = [path]
        for candidate in candidates:
            key = os.path.realpath(candidate)
            if key not in seen:
                seen.add(key)
                inputs.append(candidate)
    return inputs


def skipped_reason(name: str) -> str | None:
    """Why a file found in a folder is not read as an article; None when it is one."""
    suffix = Path(name).suffix.lower()
    if name.lower() == "readme.md":
        return "a README is taken for notes on the folder, not an article; name it to read it"
    if suffix in ARTICLE_SUFFIXES:
        return None
    if suffix in UNSUPPORTED_FORMATS:
        return UNSUPPORTED_FORMATS[suffix]
    kind = f"a {suffix} file" if suffix else "a file without an extension"
    return f"{kind} is not read from a folder (.txt, .md, .html and .htm are); name it to read it as text"


def _articles_in(folder: Path, problems: list[Problem]) -> list[Path]:
    """Article files under `folder`, in sorted order. Links to folders are not followed and
    each folder is read once, so a loop of links or mounts ends; hidden files and folders are
    passed over. A folder that cannot be read, a file that is not an article, and an
    article's name on anything but a regular file are problems (in path order)."""
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
            unusable.append(
                Problem(
                    path=str(current), stage="load", reason=f"cannot read folder ({error.strerror or error})"
                )
            )
            continue
        for entry in listed:
            path = current / entry.name
            if entry.name.startswith("."):  # .git, .DS_Store: not the user's articles
                continue
            if _is_real_folder(entry):
                pending.append(path)
                continue
            try:
                mode = os.stat(path).st_mode
            except OSError as error:
                unusable.append(
                    Problem(
                        path=str(path),
                        stage="load",
                        reason=skipped_reason(entry.name) or _unreachable(path, error),
                    )
                )
                continue
            if stat.S_ISDIR(mode):  # a link to a folder is passed over, as rglob does
                continue
            reason = skipped_reason(entry.name)
            if reason is not None:
                unusable.append(Problem(path=str(path), stage="load", reason=reason))
            elif stat.S_ISREG(mode):
                found.append(path)
            else:
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


def read_bounded(path: Path, max_bytes: int) -> bytes:
    """A regular file's bytes, at most `max_bytes` of them, or InputError saying why not.

    The size is checked before anything is read, then at most max_bytes + 1 bytes are read
    (a file in /proc says it is empty, and any file can grow): one more is too many."""
    name = str(path)
    too_big = over_the_limit(max_bytes)
    try:
        status = os.stat(path)
        if not stat.S_ISREG(status.st_mode):
            raise InputError(name, _not_regular(status.st_mode))
        if status.st_size > max_bytes:
            raise InputError(name, f"file is {readable_size(status.st_size)}, {too_big}")
        # Non-blocking: if the path became a FIFO since the stat, opening it does not wait.
        flags = (
            os.O_RDONLY
            | getattr(os, "O_NONBLOCK", 0)
            | getattr(os, "O_NOCTTY", 0)
            | getattr(os, "O_BINARY", 0)
        )
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


def load_source(path: Path, source_id: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> LoadedSource:
    """Read one file into a Source, with what had to be repaired, or raise InputError saying
    why it is not an article."""
    name = str(path)
    unsupported = UNSUPPORTED_FORMATS.get(path.suffix.lower())
    if unsupported:
        raise InputError(name, unsupported)
    data = read_bounded(path, max_bytes)
    return source_from_bytes(data, name, ARTICLE_SUFFIXES.get(path.suffix.lower(), "txt"), source_id)


def source_from_bytes(data: bytes, name: str, fmt: str, source_id: str) -> LoadedSource:
    """An article's bytes, read as `fmt` (txt, md, html; a txt that is HTML is read as
    HTML), into a Source whose path is `name`, or InputError saying why it is not one."""
    decoded = decode_article_bytes(data, name)
    repairs = list(decoded.repairs)
    meta: TextMetadata
    if fmt == "html" or (fmt == "txt" and _looks_like_html(decoded.text)):
        from synth.load.html import html_to_article  # trafilatura is slow to import; only for HTML

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
    return LoadedSource(
        Source(
            id=source_id,
            path=name,
            title=meta.title,
            outlet=meta.outlet,
            published=meta.published,
            text=body,
            content_hash=hashlib.sha256(body.encode("utf-8")).hexdigest(),
            format=fmt,  # type: ignore[arg-type]
            encoding=decoded.encoding,
        ),
        tuple(repairs),
    )


def _looks_like_html(text: str) -> bool:
    head = text[:2000].lstrip().lower()
    return head.startswith(("<!doctype html", "<html")) or "<body" in head


__all__ = [
    "LoadResult",
    "LoadedSource",
    "load_source",
    "load_sources",
    "read_bounded",
    "read_stdin",
    "skipped_reason",
    "source_from_bytes",
]
