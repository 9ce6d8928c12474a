"""Title, outlet and publication date from the top of a plain-text or Markdown article (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from synth.dates import parse_date

# How many lines at the top of a text file may carry its header.
_HEADER_LINES = 12
_FIELD = re.compile(
    r"^\s*(?:[-*]\s*)?(?:\*\*)?(?P<key>title|headline|outlet|publisher|publication|site|source|"
    r"date|published|updated|posted)(?:\*\*)?\s*:\s*(?:\*\*)?\s*(?P<value>.+?)\s*$",
    re.IGNORECASE,
)


_MENU = re.compile(r"(?:\s[|·•]\s.*){2,}")
_BYLINE = re.compile(r"^by\s", re.IGNORECASE)
_JUNK = re.compile(r"\b(?:subscribe|newsletter|advertisement|cookie|share this)\b", re.IGNORECASE)
_BOLD_LEAD = re.compile(r"^\*\*(?P<name>[^*]{2,60})\*\*")


def _outlet_from_header(top: list[str]) -> str | None:
    """'**Han River Review** · 24 October 2024', 'Atlas Daily | 9 Sept 2023', or a short first
    line standing over a menu ('Eastern Front Chronicle' / 'Home | War | Politics')."""
    lines = [line.strip() for line in top if line.strip()]
    for line in lines:
        bold = _BOLD_LEAD.match(line)
        if bold:
            return bold["name"].strip()
        parts = [p.strip() for p in re.split(r"\s[|·•]\s", line)]
        if len(parts) >= 2 and parse_date(line) and not parse_date(parts[0]) \
                and not _BYLINE.match(parts[0]) and 1 <= len(parts[0].split()) <= 6:
            return parts[0].strip("*# ")
    if len(lines) >= 2 and len(lines[0].split()) <= 5 and _MENU.search(lines[1]):
        return lines[0].lstrip("#").strip()
    return None


@dataclass(frozen=True)
class TextMetadata:
    title: str | None = None
    outlet: str | None = None
    published: str | None = None


def metadata_from_text(text: str) -> TextMetadata:
    """Read a header the way a saved article carries one: front matter, 'Key: value' lines,
    a Markdown '# heading', a dateline. Anything absent stays None."""
    lines = text.split("\n")
    top = lines[:_HEADER_LINES]
    if top and top[0].strip() == "---":
        end = next((i for i, line in enumerate(lines[1:40], 1) if line.strip() == "---"), None)
        if end:
            top = lines[1:end] + lines[end + 1:end + 1 + _HEADER_LINES]
    title = outlet = published = None
    for line in top:
        match = _FIELD.match(line)
        if not match:
            continue
        key, value = match["key"].lower(), match["value"].strip().strip('"').strip()
        if key in ("title", "headline") and not title:
            title = value
        elif key in ("outlet", "publisher", "publication", "site") and not outlet:
            outlet = value
        elif key in ("date", "published", "updated", "posted") and not published:
            published = parse_date(value)
    if outlet is None:
        outlet = _outlet_from_header(top)
    if title is None:
        for line in top:
            stripped = line.strip().lstrip("#").strip().strip("*").strip()
            if (len(stripped.split()) >= 4 and len(stripped) < 200 and not _FIELD.match(line)
                    and not _MENU.search(stripped) and not _BYLINE.match(stripped)
                    and stripped != outlet and not _JUNK.search(stripped)):
                title = stripped
                break
    if published is None:
        for line in top:
            published = parse_date(line)
            if published:
                break
    return TextMetadata(title=title, outlet=outlet, published=published)
