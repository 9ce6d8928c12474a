"""Page furniture told apart from story text by its shape (pure).

A saved page carries more than its article: captions and photo credits, bylines, media-player
text, video and gallery links, icon names, subheads, other stories' headlines and map labels.
None of them is a sentence of the story, and each has a shape that gives it away: a credit
after a slash at the end of the line, a position marker after a name, a running time after a
title, a short line with no sentence in it. The rules here read that shape and the words of
page software ("Media caption", "Continue reading"), never a story's own words, so that they
carry over to stories nobody here has seen.

`line_furniture` judges one line alone. `is_headline_like`, `is_title_case` and
`ends_like_sentence` describe a line for the rules in `synth.clean` that also need the lines
around it (a subhead is a short line between body sentences).
"""

from __future__ import annotations

import html
import re

from synth.dates import find_dates
from synth.text import ends_like_sentence

# Lines that are page furniture whatever the story. Matched against the line in lower case:
# without IGNORECASE the scan for the words anywhere in a line is three times faster.
_JUNK_LINE = re.compile(
    r"""^[\s*_#>-]*(?:
        (?:advertisement|advert|sponsored(?:\ content)?|promoted|ad)\W*$
      | leave\ a\ comment | join\ the\ conversation
      | \d+\ comments?$ | show\ comments
      | share\ (?:this|on|via)\b | share$ | follow\ us\b | tweet$ | email$ | print$
      | read\ (?:more|next|also)\b | see\ also\b | watch:|listen:|more\ on\ this\ story
      | related(?:\ (?:stories|articles|coverage|content|news|topics))?:?$
      | (?:most\ (?:read|popular|viewed|shared)|trending(?:\ now)?|top\ stories|more\ from|
         you\ may\ also\ like|recommended(?:\ for\ you)?|latest(?:\ news)?|editor'?s\ picks|
         in\ other\ news|more\ stories|around\ the\ web)\b.*
      | weather\s*(?:[:|–—-].*)?$ | ©.* | \(c\)\ \d{4}.*
      | (?:photo|image|picture|caption|credit|file\ photo)s?\s*[:|].*
      | tags?:.* | topics?:.* | click\ here\b.* | skip\ to\ (?:content|main).*
      | (?:home|news|world|sport|sports|business|opinion|culture|politics|tech|video)
        (?:\s*[|·•/»>]\s*\w+)+$
      # Anywhere in the line. One `.*` before them all, not one each: every `.*` is a scan of
      # the line, and with one each this pattern cost clean half its time. The second half is
      # the words of media players, galleries and "continue reading" links: page software
      # prints them, no reporter writes them.
      | .*\b(?:(?:subscribe|subscription|subscriber|newsletter|sign\ up|log\ in|register\ now)\b
            | support\ (?:our|us|independent|quality)\b | donate\b | become\ a\ (?:member|patron)
            | comments?\ (?:are|is)\ (?:closed|disabled|open)\b
            | \d{1,2}\s?°\s?[cf]\b | cookies?\b | all\ rights\ reserved\b
            | (?:(?:jump\ (?:to\ )?|out\ of\ |skip\ )media\ player | media\ player\ help
              | press\ enter\ to\ (?:return|continue|play) | tab\ to\ continue
              | (?:media|image|video)\ caption | image\ copyright | copyright\ holder
              | getty\ images | continue\ reading | play\ video | watch\ (?:the\ )?video
              | video\ (?:duration|player) | your\ browser\ does\ not\ support | enable\ javascript
              | (?:hide|show|toggle)\ caption | enlarge\ this\ image | view\ (?:gallery|slideshow)
              | photo\ gallery | (?:see|view)\ (?:all\ |more\ )?photos | slideshow
              | contributed\ (?:to\ this\ report|reporting) | listen\ to\ this\ article)\b)
    )""",
    re.VERBOSE,
)
# Headers after which short lines are a list of other stories, not this one.
LIST_HEADER = re.compile(
    r"^(?:related|most\ (?:read|popular|viewed)|trending|top\ stories|more\ from|you\ may\ also"
    r"|recommended|latest|editor'?s\ picks|in\ other\ news|more\ stories|read\ more|see\ also)",
    re.IGNORECASE | re.VERBOSE,
)
# A byline: "By" and a name of capitalised words, then nothing, a separator or "and".
_BYLINE = re.compile(
    r"^(?:by|written\ by|reporting\ by|words\ by|photographs?\ by|additional\ reporting\ by)\s+"
    r"(?-i:[A-Z][\w'’.-]*)(?:\s+(?-i:[A-Z][\w'’.-]*|de|van|von|bin|al|and)){0,4}\s*(?:$|[|,;·•(])",
    re.IGNORECASE | re.VERBOSE,
)
# A photo credit closing a caption: "… Credit Jane Roe/Agency", "… [AGENCY/AGENCY]",
# "… (Photo: Jane Roe)", "… Photograph: Jane Roe/Agency".
_CREDIT_AT_END = re.compile(
    r"""(?:\b(?:credits?|photo(?:graph)?|picture|image)\s*:?\s+
         (?-i:[A-Z])[^/\n]{0,40}/\s*(?-i:[A-Z])[\w\ .&'-]{0,40}
      | \[\s*(?-i:[A-Z])[\w.&'-]*(?:\s*[/ ]\s*(?-i:[A-Z])[\w.&'-]*){0,3}\s*\]
      | \((?:[^()]*\b(?:photo|photograph|pictures?|images?)\b[^()]*)\))\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
# "Jane Roe (left) and …", "The minister (C) makes …": a caption points at people in a picture.
_POSITION_MARKER = re.compile(
    r"\b[A-Z][\w'’-]+\s+\((?:left|right|centre|center|pictured|second\ (?:left|right)"
    r"|far\ (?:left|right)|front|rear|top|bottom|(?-i:[CLR]))\)",
    re.IGNORECASE | re.VERBOSE,
)
_REPORTING_VERB = re.compile(r"\b(?:said|says|told|according)\b", re.IGNORECASE)
# Markup a page leaked into the text: escaped tags, link and image attributes. A bare tag is
# left to the extractor, which escapes anything that looks like its own delimiters.
_MARKUP = re.compile(r"&lt;|&gt;|\b(?:href|src)\s*=\s*[\"'&]", re.IGNORECASE)
# A video link ends in its running time ("… new area for the plane 04:26"); a gallery link in
# its picture count ("… 48 photos").
_RUNNING_TIME = re.compile(r"\s\d{1,2}:[0-5]\d$")
_GALLERY_COUNT = re.compile(r"\b\d+\s+(?:photos|pictures|images|videos|slides)$", re.IGNORECASE)
# A line that only names a medium stands over a picture, video or map and its caption.
MEDIA_MARKER = re.compile(
    r"^(?:photos?|images?|pictures?|video|videos|gallery|graphic|map|audio|interactive)$", re.IGNORECASE
)
# "Source: Agency", "Map: Agency": a credit label, short.
_LABELLED_CREDIT = re.compile(
    r"^(?:sources?|credits?|graphic|map|illustration|video)\s*:\s*\S", re.IGNORECASE
)
# The names of a page's buttons and icons; a line made only of them is a toolbar.
_ICON_WORDS = frozenset(
    """
share shares facebook twitter x email e-mail print whatsapp linkedin pinterest reddit telegram
messenger sms copy link close menu search comment comments save bookmark expand collapse play
pause mute unmute volume fullscreen full screen next previous prev back top more less open app
toggle navigation icon arrow chevron caret home login logout account gift up down left right
""".split()
)
_MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_ONLY_LINKS = re.compile(r"^(?:[\s*+•·|-]*(?:!?\[[^\]]*\]\([^)]*\)|https?://\S+)[\s*+•·|-]*)+$")
_LEADING_MARKS = re.compile(r"^(?:[#>]+\s*|[-*+•]\s+)+")
_EMPHASIS = re.compile(r"(?<!\w)[*_]{1,3}|[*_]{1,3}(?!\w)")
_SEPARATORS = re.compile(r"\s[|·•]\s")
_MENU_SEPARATORS = re.compile(r"\s+[|·•»>/]\s+")
_WORD = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*\.?")
# Quoted speech, left out when asking whether a line is a sentence: "'We will act', X on Y."
# is a headline around a quote.
_QUOTED = re.compile(r"\"[^\"]*\"?|“[^”]*”?|‘[^’]*’|(?<!\w)'[^']*'(?!\w)")

# Words a sentence of running prose nearly always holds and a headline nearly never does:
# articles, auxiliaries, pronouns, reporting verbs ("this" is not one: "… this winter").
# Past tenses are found by their ending and, for irregular verbs, in _IRREGULAR_PAST.
_SENTENCE_WORDS = frozenset(
    """
a an the is are was were be been being am has have had having will would can could may might must
shall should do does did i he she it we they you me him her us them his its our their my your
that there who which said says told
isn aren wasn weren hasn haven hadn don doesn didn won wouldn couldn shouldn can cannot
""".split()
)
_IRREGULAR_PAST = frozenset(
    """
arose ate awoke became began bent bit bled blew bore bought bound brought broke built burnt
burst caught chose clung came crept cut dealt dug dove drew dreamt drank drove dwelt fell fed
felt fought found fled flung flew forbade forgot forgave froze got gave went ground grew hung
heard hid hit held hurt kept knelt knew laid led leapt learnt left lent let lay lit lost made
meant met paid put quit ran rang rode rose saw sought sold sent set shook shed shone shot shut
sang sank sat slept slid spoke sped spent spun split spread sprang stood stole stuck stung
struck strove swore swept swam swung took taught tore thought threw understood woke wore wove
wept won wound wrote
""".split()
)
# Words a title leaves in lower case.
_TITLE_SMALL_WORDS = frozenset(
    "a an the and or but nor of in on at to for from by with as vs via per into over up out".split()
)
_WEEKDAYS_AND_ZONES = re.compile(
    r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|\b(?:updated|published|posted|last|modified"
    r"|at|on|local|time|(?-i:[A-Z]{2,4})|GMT[+-]?\d*|UTC[+-]?\d*)\b|[(),|·•–—:-]",
    re.IGNORECASE,
)


def shape_text(line: str) -> str:
    """The line as a reader sees it on the page: entities decoded, Markdown links reduced to
    their text, list and quote marks and emphasis stripped. For judging shape only; the text
    itself is never rewritten."""
    text = html.unescape(line) if "&" in line else line
    if "](" in text:
        text = _MARKDOWN_LINK.sub(r"\1", text)
    text = _LEADING_MARKS.sub("", text.strip())
    if "*" in text or "_" in text:
        text = _EMPHASIS.sub("", text)
    return text.strip()


def words_of(text: str) -> list[str]:
    return _WORD.findall(text)


def line_furniture(line: str, outlet: str | None = None) -> str | None:
    """Why this line alone is page furniture, or None when it may be story text.

    `line` is the raw line; `outlet` the source's publication, whose name on a line of its
    own is a masthead.
    """
    shape = shape_text(line)
    return furniture_of_shape(line, shape, word_count(shape), ends_like_sentence(shape), outlet)


def word_count(shape: str) -> int:
    """Words of a line, counted by spaces: close enough for a length threshold, and cheap."""
    return len(shape.split())


def furniture_of_shape(
    line: str, shape: str, words: int, sentence_end: bool, outlet: str | None
) -> str | None:
    """`line_furniture` for a line whose shape (`shape_text`), word count and sentence end
    the caller has already found."""
    if not shape or not any(c.isalnum() for c in shape):
        return "rule or ornament"
    if ("&" in line or "=" in line) and _MARKUP.search(line):
        # Escaped markup is a page's leftovers; a sentence with a live tag in it is still the
        # article's sentence (its text is escaped wherever it is shown).
        outside_tags = re.sub(r"<[^>]*>", " ", line)
        if "&lt;" in line.lower() or "&gt;" in line.lower() or len(outside_tags.split()) < 8:
            return "markup left in the text"
    if "[" in line or "http" in line:
        if _ONLY_LINKS.match(line.strip()):
            return "link"
        if len(_MARKDOWN_LINK.findall(line)) >= 2 and not ends_like_sentence(line):
            return "links"
    # A long sentence is story text whatever words of page software it holds ("… said the
    # subscription service …"); only a caption's own marks give it away.
    if sentence_end and words > 25:
        return _caption(shape)
    if _JUNK_LINE.match(shape.lower()):
        return "page furniture"
    if _BYLINE.match(shape) and words <= 12 and not (sentence_end and words > 6):
        return "byline"
    caption = _caption(shape)
    if caption:
        return caption
    if not sentence_end and ":" in shape and _RUNNING_TIME.search(shape):
        return "video link"
    if _GALLERY_COUNT.search(shape):
        return "gallery link"
    if MEDIA_MARKER.match(shape):
        return "media label"
    if words <= 8 and _LABELLED_CREDIT.match(shape):
        return "credit line"
    if words <= 8 and all(w.lower().strip(".") in _ICON_WORDS for w in words_of(shape)):
        return "icon names"
    if outlet and shape.strip(" .:*#").casefold() == outlet.strip().casefold():
        return "outlet name"
    if not sentence_end and _is_menu(shape):
        return "navigation"
    if words <= 16 and _is_header_line(shape, words_of(shape), outlet):
        return "dateline or byline"
    return None


def _caption(shape: str) -> str | None:
    """A photo's caption, known by its credit or by a position marker after a name."""
    if ("/" in shape or shape.endswith((")", "]"))) and _CREDIT_AT_END.search(shape):
        return "photo caption or credit"
    if "(" in shape and _POSITION_MARKER.search(shape) and not _REPORTING_VERB.search(shape):
        return "photo caption"
    return None


def _is_menu(shape: str) -> bool:
    """'World | Africa | Middle East | Sport', 'Home > News > Europe': three or more short
    items between separators."""
    parts = _MENU_SEPARATORS.split(shape)
    return len(parts) >= 3 and all(1 <= len(part.split()) <= 3 for part in parts)


def _is_header_line(shape: str, words: list[str], outlet: str | None) -> bool:
    """'Outlet | 9 Sept 2023', 'By Jane Roe · 24 October 2024, 07:30', 'Saturday 9 September
    2023 – 14:32 BST': a line made of a date, a byline and the outlet's name."""
    if len(words) > 16 or (ends_like_sentence(shape) and len(words) > 8):
        return False
    dates = find_dates(shape)
    if dates:
        rest = shape
        for found in reversed(dates):
            rest = rest[: found.start] + " " + rest[found.end :]
        rest = _WEEKDAYS_AND_ZONES.sub(" ", rest)
        if len(words_of(rest)) <= 1:
            return True
    parts = [p.strip() for p in _SEPARATORS.split(shape) if p.strip()]
    if len(parts) < 2:
        return False
    outlet_name = (outlet or "").strip().casefold()
    return any(
        bool(_BYLINE.match(p)) or bool(find_dates(p)) or (outlet_name and p.casefold() == outlet_name)
        for p in parts
    )


def is_headline_like(line: str) -> bool:
    """Whether the words outside quotes read as a headline rather than a sentence: no article,
    auxiliary, pronoun or past tense ("Analysts predict strong year for exporters", "'We will
    act', minister on floods"). Sentences of running prose nearly always hold one of these."""
    outside = _QUOTED.sub(" ", shape_text(line))
    # "it's" is "it", "didn't" is "didn": the word before the apostrophe says what it is.
    words = [re.split(r"['’]", w.lower().rstrip("."))[0] for w in words_of(outside)]
    if len(words) < 2:
        return False
    for word in words:
        if word in _SENTENCE_WORDS or word in _IRREGULAR_PAST:
            return False
        if len(word) > 4 and word.endswith("ed") and word.isalpha():
            return False
    return True


def is_title_case(line: str) -> bool:
    """'Where the Searchers Have Looked': most words past the small ones are capitalised."""
    words = [w for w in words_of(shape_text(line)) if w.isalpha() or "-" in w]
    big = [w for w in words if w.lower() not in _TITLE_SMALL_WORDS]
    if len(big) < 3:
        return False
    return sum(1 for w in big if w[0].isupper()) >= 0.8 * len(big)


def count_sentences_marks(line: str) -> int:
    """How many sentence ends the line holds inside it (". X", "? X"), a rough count."""
    return len(re.findall(r"[.!?][\"'”’)\]]*\s+[\"'“‘(\[]?[A-Z]", line))


__all__ = [
    "LIST_HEADER",
    "MEDIA_MARKER",
    "count_sentences_marks",
    "ends_like_sentence",
    "furniture_of_shape",
    "is_headline_like",
    "is_title_case",
    "line_furniture",
    "shape_text",
    "word_count",
    "words_of",
]
