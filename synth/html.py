"""HTML page → main article text and metadata, with trafilatura (pure: takes a string).

trafilatura drops navigation, footers and most sidebars; what it keeps is split into
paragraphs with blank lines so that the clean stage sees block boundaries.
"""

from __future__ import annotations

import html as html_lib
from dataclasses import dataclass

import trafilatura

from synth.dates import parse_date
from synth.metadata import TextMetadata, is_plausible_title


@dataclass(frozen=True)
class HtmlArticle:
    text: str
    metadata: TextMetadata


def html_to_article(page: str) -> HtmlArticle:
    text = trafilatura.extract(
        page, output_format="txt", include_comments=False, include_tables=True,
        include_links=False, include_images=False, deduplicate=False,
    ) or ""
    if not text.strip():
        text = _all_text(page)
    meta = trafilatura.extract_metadata(page)
    title = outlet = published = None
    if meta is not None:
        outlet = meta.sitename or None
        # A page titled by its picture ("Image copyright …", a caption) has no usable title.
        title = meta.title if meta.title and is_plausible_title(meta.title, outlet) else None
        published = parse_date(meta.date) if meta.date else None
    # trafilatura keeps the day only; a page's own timestamp tells revisions within a day apart.
    stamped = _published_time(page)
    if stamped and (published is None or stamped.startswith(published)):
        published = stamped
    # trafilatura puts one paragraph a line; a blank line between keeps blocks apart for clean.
    paragraphs = [html_lib.unescape(line).strip() for line in text.split("\n")]
    body = "\n\n".join(p for p in paragraphs if p)
    return HtmlArticle(body, TextMetadata(title=title, outlet=outlet, published=published))


_TIME_META = ("article:published_time", "og:published_time", "datePublished", "pubdate",
              "date", "dc.date", "article:modified_time")


def _published_time(page: str) -> str | None:
    from lxml import html as lxml_html

    try:
        tree = lxml_html.fromstring(page)
    except (ValueError, SyntaxError):
        return None
    for name in _TIME_META:
        for value in tree.xpath(f'//meta[@property="{name}" or @name="{name}" or '
                                f'@itemprop="{name}"]/@content'):
            iso = parse_date(value)
            if iso and "T" in iso:
                return iso
    for value in tree.xpath("//time/@datetime"):
        iso = parse_date(value)
        if iso and "T" in iso:
            return iso
    return None


def _all_text(page: str) -> str:
    from lxml import html as lxml_html

    try:
        tree = lxml_html.fromstring(page)
    except (ValueError, SyntaxError):
        return ""
    for bad in tree.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    return "\n".join(t.strip() for t in tree.itertext() if t.strip())
