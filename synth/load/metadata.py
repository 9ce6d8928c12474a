"""Title, outlet and publication date from the top of a plain-text or Markdown article (pure).

A title is the page's headline: the first line at the top that is neither a header field, a
masthead, a menu nor page furniture, when it is shaped like a headline. A photo caption, a
copyright or weather line, or a sentence from the body is never a title; an article whose
text opens straight into its first paragraph has none. A publication date comes from a
header field or a dateline or byline, never from a caption or a sentence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from synth.dates import parse_date
from synth.furniture import (
    LIST_HEADER,
    count_sentences_marks,
    ends_like_sentence,
    line_furniture,
    shape_text,
    words_of,
)
from synth.load.decode import clean_text

# How many lines at the top of a text file may carry its header, or its front matter.
_HEADER_LINES = 12
_FRONT_MATTER_LINES = 40
HEADER_LINE_CHARS = 1_000
_FIELD = re.compile(
    r"^\s*(?:[-*]\s*)?(?:\*\*)?(?P<key>title|headline|outlet|publisher|publication|site|source|"
    r"date|published|updated|posted)(?:\*\*)?\s*:\s*(?:\*\*)?\s*(?P<value>.+?)\s*$",
    re.IGNORECASE,
)


_MENU = re.compile(r"(?:\s[|·•]\s.*){2,}")
_BYLINE = re.compile(r"^by\s", re.IGNORECASE)
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
        if (
            len(parts) >= 2
            and parse_date(line)
            and not parse_date(parts[0])
            and not _BYLINE.match(parts[0])
            and 1 <= len(parts[0].split()) <= 6
        ):
            return parts[0].strip("*# ")
    if len(lines) >= 2 and len(lines[0].split()) <= 5 and _MENU.search(lines[1]):
        return lines[0].lstrip("#").strip()
    return None


@dataclass(frozen=True)
class TextMetadata:
    title: str | None = None
    outlet: str | None = None
    published: str | None = None

    def cleaned(self) -> TextMetadata:
        """Title and outlet on one line, without controls or invisible characters (a page's
        entities can hold them), and an outlet only when it reads as a name: it is sent to a
        model outside the article's delimited block."""

        def one_line(value: str | None) -> str | None:
            return " ".join(clean_text(value)[0].split()) or None if value else None

        outlet = one_line(self.outlet)
        if outlet and (len(outlet) > OUTLET_MAX_CHARS or _MARKUP.search(outlet)):
            outlet = None
        return TextMetadata(one_line(self.title), outlet, self.published)


def metadata_from_text(text: str) -> TextMetadata:
    """Read a header the way a saved article carries one: front matter, 'Key: value' lines,
    a Markdown '# heading', a dateline. Anything absent stays None."""
    # Only the top lines are read, and only so far: no header line is that long, and a page
    # saved as one line would cost seconds per rule.
    lines = [line[:HEADER_LINE_CHARS] for line in text.split("\n", _FRONT_MATTER_LINES + _HEADER_LINES + 1)]
    top = lines[:_HEADER_LINES]
    if top and top[0].strip() == "---":
        end = next(
            (i for i, line in enumerate(lines[1:_FRONT_MATTER_LINES], 1) if line.strip() == "---"), None
        )
        if end:
            top = lines[1:end] + lines[end + 1 : end + 1 + _HEADER_LINES]
    title = outlet = published = None
    for line in top:
        match = _FIELD.match(line)
        if not match:
            continue
        key, value = match["key"].lower(), match["value"].strip().strip('"').strip()
        if key in ("title", "headline") and not title and len(value) <= TITLE_MAX_CHARS:
            title = value
        elif key in ("outlet", "publisher", "publication", "site") and not outlet:
            outlet = value
        elif key in ("date", "published", "updated", "posted") and not published:
            published = parse_date(value)
    if outlet is None:
        outlet = _outlet_from_header(top)
    if title is None:
        title = headline(top, outlet)
    if published is None:
        published = next(
            (parse_date(line) for line in top if _is_dateline(line, outlet) and parse_date(line)), None
        )
    return TextMetadata(title=title, outlet=outlet, published=published)


# A headline is one sentence at most, this many words at most, and a line that ends like a
# sentence is a headline only up to HEADLINE_SENTENCE_WORDS (longer, it is the first paragraph).
HEADLINE_MAX_WORDS = 25
HEADLINE_SENTENCE_WORDS = 16
# Shorter lines at the top are a kicker, a section's or an outlet's name, not the headline.
HEADLINE_MIN_WORDS = 4
# An outlet's name is this long at most, and holds no markup.
OUTLET_MAX_CHARS = 80
_MARKUP = re.compile(r"[<>{}\[\]]")
# A page title longer than this is not a headline (a page can put anything in <title>).
TITLE_MAX_CHARS = 300
# "ATHENS — …", "MARRAKESH, Sept 9 (GWS) – …": a dateline opens the first paragraph.
_DATELINE = re.compile(r"^[A-Z][A-Z .'/-]{2,}(?:,[^–—]{0,40})?\s(?:—|–|--|-)\s")


def headline(lines: Sequence[str], outlet: str | None = None) -> str | None:
    """The headline among the top lines of a text, or None when the text opens without one."""
    for line in lines:
        stripped = line.strip()
        if not stripped or stripped == "---" or _FIELD.match(stripped):
            continue
        shape = shape_text(stripped)
        if (
            not shape
            or line_furniture(stripped, outlet)
            or _MENU.search(shape)
            or LIST_HEADER.match(shape)
            or shape == outlet
        ):
            continue
        if len(words_of(shape)) < HEADLINE_MIN_WORDS:
            continue
        return shape if is_headline_shaped(shape) else None
    return None


def is_headline_shaped(text: str) -> bool:
    """One short line that is not a paragraph's opening sentence."""
    words = len(words_of(text))
    if words > HEADLINE_MAX_WORDS or len(text) > 200 or count_sentences_marks(text):
        return False
    if ends_like_sentence(text) and words > HEADLINE_SENTENCE_WORDS:
        return False
    return not _DATELINE.match(text)


def is_plausible_title(title: str, outlet: str | None = None) -> bool:
    """Whether a page's title (HTML metadata) can stand as its headline: not a caption, a
    credit, a copyright or weather line."""
    if len(title) > TITLE_MAX_CHARS:
        return False
    shape = shape_text(title)
    return bool(shape) and line_furniture(title, outlet) is None and len(words_of(shape)) >= 2


def _is_dateline(line: str, outlet: str | None) -> bool:
    """A header line that dates the page ("Outlet | 9 Sept 2023", "By Jane Roe · 24 October
    2024, 07:30"), as opposed to a caption or a sentence that mentions a date."""
    return line_furniture(line.strip(), outlet) in ("dateline or byline", "byline")
