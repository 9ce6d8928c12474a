"""HTML page → main article text and metadata, with trafilatura (pure: takes a string).

trafilatura drops navigation, footers and most sidebars; what it keeps is split into
paragraphs with blank lines so that the clean stage sees block boundaries.

Pages are read within budgets. trafilatura's time grows faster than the number of elements
(20,000 take one to three seconds, a million take many minutes), and the parser stops at
2,048 levels of nesting and drops everything after. So a page of many elements is parsed
again with its inline formatting unwrapped (its text unchanged), and a page still over
MAX_ELEMENTS, or nested deeper than MAX_DEPTH, is read as plain text instead (`plain_text`:
every line of text but the page's head, scripts, media, navigation, header, footer and
asides), with a note saying so: nothing nested deep is lost. Text a reader never sees
(templates, hidden elements) and attribute values too long to be metadata are dropped first.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass, field

import trafilatura
from lxml import etree
from lxml import html as lxml_html

from synth.dates import parse_date
from synth.load.metadata import TextMetadata, is_plausible_title

# Nesting deeper than this is no news page (theirs is under 50); the parser gives up at 2,048.
MAX_DEPTH = 200
# Pages with more elements than this have their inline formatting unwrapped first.
UNWRAP_INLINE_ABOVE = 5_000
# Pages with more elements than this, after unwrapping, are read without trafilatura.
MAX_ELEMENTS = 20_000
# Attribute values longer than this (inline images as data: URLs, padded alt texts) are
# dropped before anything reads the page: no metadata is that long, and the date search
# reads the whole page.
MAX_ATTRIBUTE_CHARS = 10_000
# Formatting that holds text inside a paragraph; unwrapping keeps the text and its order.
_INLINE_TAG = re.compile(
    r"</?(?:b|i|em|strong|u|s|strike|small|big|span|font|mark|abbr|acronym|cite|dfn|kbd|samp|"
    r"var|tt|sup|sub|ins|bdi|bdo|nobr|data)\b[^<>]*>",
    re.IGNORECASE,
)
_PARSER_OPTIONS = {
    "collect_ids": False,
    "default_doctype": False,
    "encoding": "utf-8",
    "remove_comments": True,
    "remove_pis": True,
    "huge_tree": True,
}


@dataclass(frozen=True)
class HtmlArticle:
    text: str
    metadata: TextMetadata
    # What the budgets changed, for the load stage to report.
    notes: list[str] = field(default_factory=list)


def html_to_article(page: str) -> HtmlArticle:
    """The page's article text, one paragraph a block, with its title, outlet and date, and
    notes on what the budgets changed. A page whose only text is navigation, a header, a
    footer or asides has no article text."""
    plain = plain_text(page)
    tree = _parse(page) if plain else None
    if tree is None:
        return HtmlArticle(_paragraphs(plain), TextMetadata())
    elements = _count_elements(tree)
    if elements > UNWRAP_INLINE_ABOVE:
        # Unwrapped in the markup, then parsed again: unwrapping a parsed tree would leave
        # each piece of text a node of its own, and trafilatura takes minutes over text split
        # into 100,000 nodes.
        unwrapped = _parse(_INLINE_TAG.sub("", page))
        tree = tree if unwrapped is None else unwrapped
        elements = _count_elements(tree)
    _drop_long_attributes(tree)
    _drop_hidden(tree)
    stamped = _published_time(tree)
    if elements > MAX_ELEMENTS or _deeper_than(tree, MAX_DEPTH):
        reason = (
            f"has {elements:,} elements, over the budget of {MAX_ELEMENTS:,}"
            if elements > MAX_ELEMENTS
            else f"is nested over {MAX_DEPTH} elements deep"
        )
        note = f"HTML page {reason}: read as plain text, without article detection"
        return HtmlArticle(_paragraphs(plain), _metadata(_head_only(tree), stamped), [note])
    text = (
        trafilatura.extract(
            tree,
            output_format="txt",
            include_comments=False,
            include_tables=True,
            include_links=False,
            include_images=False,
            deduplicate=False,
        )
        or ""
    )
    text = html_lib.unescape(text) if text.strip() else plain
    # After extract: extract works on a copy, and reading metadata may change the tree.
    return HtmlArticle(_paragraphs(text), _metadata(tree, stamped))


def _paragraphs(text: str) -> str:
    """One paragraph a line in, a blank line between paragraphs out: clean sees blocks."""
    return "\n\n".join(p for p in (line.strip() for line in text.split("\n")) if p)


def _parse(page: str) -> lxml_html.HtmlElement | None:
    try:
        parser = lxml_html.HTMLParser(**_PARSER_OPTIONS)
        tree = lxml_html.document_fromstring(page.encode("utf-8", "surrogatepass"), parser=parser)
    except (ValueError, etree.ParserError):
        return None
    return tree if isinstance(tree, lxml_html.HtmlElement) else None


def _drop_long_attributes(tree: lxml_html.HtmlElement) -> None:
    for value in tree.xpath(f"//@*[string-length(.) > {MAX_ATTRIBUTE_CHARS}]"):
        owner = value.getparent()
        if owner is not None:
            del owner.attrib[value.attrname]


# Text a reader never sees: templates (inert until a script uses them), the hidden attribute,
# aria-hidden, an inline style that hides it. (Inside the body only: some pages hide the whole
# body until their scripts have run.)
_HIDDEN = (
    "//template | //body//*[@hidden or @aria-hidden='true' or "
    "contains(translate(@style, ' ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), "
    "'display:none') or "
    "contains(translate(@style, ' ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), "
    "'visibility:hidden')]"
)


def _drop_hidden(tree: lxml_html.HtmlElement) -> None:
    for element in tree.xpath(_HIDDEN):
        if element.getparent() is not None:  # not inside one already dropped
            element.drop_tree()


def _count_elements(tree: lxml_html.HtmlElement) -> int:
    return int(tree.xpath("count(//*)"))


def _deeper_than(tree: lxml_html.HtmlElement, depth: int) -> bool:
    """Whether any element has more than `depth` ancestors."""
    return bool(tree.xpath("count(/" + "/".join(["*"] * (depth + 1)) + ")"))


def _head_only(tree: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    """The page's head in a page of its own: where the title, outlet and date are read from
    when the body is over budget."""
    small = lxml_html.document_fromstring("<html><head></head><body><p></p></body></html>")
    head = tree.find("head")
    if head is not None:
        small.replace(small.find("head"), head)
    return small


def _metadata(tree: lxml_html.HtmlElement, stamped: str | None) -> TextMetadata:
    meta = trafilatura.extract_metadata(tree)
    title = outlet = published = None
    if meta is not None:
        outlet = meta.sitename or None
        # A page titled by its picture ("Image copyright …", a caption) has no usable title.
        title = meta.title if meta.title and is_plausible_title(meta.title, outlet) else None
        published = parse_date(meta.date) if meta.date else None
    # trafilatura keeps the day only; a page's own timestamp tells revisions within a day apart.
    if stamped and (published is None or stamped.startswith(published)):
        published = stamped
    return TextMetadata(title=title, outlet=outlet, published=published)


_TIME_META = (
    "article:published_time",
    "og:published_time",
    "datePublished",
    "pubdate",
    "date",
    "dc.date",
    "article:modified_time",
)


def _published_time(tree: lxml_html.HtmlElement) -> str | None:
    for name in _TIME_META:
        for value in tree.xpath(
            f'//meta[@property="{name}" or @name="{name}" or @itemprop="{name}"]/@content'
        ):
            iso = parse_date(value)
            if iso and "T" in iso:
                return iso
    for value in tree.xpath("//time/@datetime"):
        iso = parse_date(value)
        if iso and "T" in iso:
            return iso
    return None


# Elements whose text is never the article: the head (its title is metadata), code, embedded
# documents and media, and the page's furniture. Comments go too.
_NOT_ARTICLE = re.compile(
    r"<(head|script|style|noscript|template|svg|math|iframe|object|embed|video|audio|canvas|"
    r"select|button|textarea|nav|header|footer|aside|menu)\b[^<>]*>|<!--",
    re.IGNORECASE,
)
# Tags that end a line of text where a browser would.
_BLOCK_TAG = re.compile(
    r"</?(?:p|div|br|li|ul|ol|dl|dt|dd|h[1-6]|blockquote|section|article|main|table|tr|td|th|"
    r"pre|figure|figcaption|hr|address|center)\b[^<>]*>",
    re.IGNORECASE,
)
# Any other tag; a tag never spans a "<", so each "<" is looked at once.
_TAG = re.compile(r"<[/!?a-zA-Z][^<>]*>")


def plain_text(page: str) -> str:
    """Every line of text in a page but its head, scripts, media, navigation, header, footer
    and asides, with entities decoded: regular expressions over the markup, in time linear in
    its size whatever its depth or number of elements."""
    text = _TAG.sub("", _BLOCK_TAG.sub("\n", _without_furniture(page)))
    lines = (" ".join(html_lib.unescape(line).split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _without_furniture(page: str) -> str:
    """The page without its _NOT_ARTICLE elements, each cut from its opening tag to its
    first closing tag. A closing tag looked for and not found is not looked for again, so
    that a page of unclosed tags costs one pass."""
    kept: list[str] = []
    position = 0
    unclosed: set[str] = set()
    while (opening := _NOT_ARTICLE.search(page, position)) is not None:
        kept.append(page[position : opening.start()])
        name = (opening.group(1) or "--").lower()
        closing = None
        if name not in unclosed:
            end = "-->" if name == "--" else rf"</{name}\s*>"
            closing = re.compile(end, re.IGNORECASE).search(page, opening.end())
        if closing is None:
            unclosed.add(name)
            # An unclosed comment runs to the end of the page; an unclosed element is only
            # its tag.
            position = len(page) if name == "--" else opening.end()
        else:
            position = closing.end()
        kept.append(" ")
    kept.append(page[position:])
    return "".join(kept)
