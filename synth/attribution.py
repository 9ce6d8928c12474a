"""Who asserts a sentence, and how firmly (pure).

Attribution is the agency or person speaking ("South Korea's National Intelligence
Service", "Kremlin spokesman Dmitry Peskov"), not the outlet that reports them.
"""

from __future__ import annotations

import re

from synth.models import Stance

_VERBS = (r"said|says|say|told|tells|reported|reports|estimated|estimates|estimate|believes|"
          r"believe|claimed|claims|claim|confirmed|confirms|confirm|announced|announces|added|"
          r"stated|states|warned|warns|wrote|writes|denied|denies|deny|dismissed|dismisses|"
          r"rejected|rejects|insisted|insists|noted|notes|assessed|assesses|briefed|"
          r"acknowledged|acknowledges|put the (?:figure|number|toll) at|puts the (?:figure|number|toll) at|"
          r"revised|updated|raised|recorded|measured|calculated|counted|declared|declares|"
          r"called|calls|described|describes|put|puts|placed|places|branded|brands")
_NAME = r"[A-Z][\w'’.-]*(?:\s+(?:of|for|and|the|de|al|bin|von|van|[A-Z][\w'’.-]*|\d+\w*))*"
_PHRASE = r"(?:[Tt]he\s+|[Aa]n?\s+)?(?:[\w'’.-]+\s+){0,6}?[\w'’.-]+"

_STOP = r"(?=\s*(?:[,.;:)]|$|\s+(?:as|who|which|that|on|in|and said|said)\b))"
_CITING = re.compile(rf"\b[Cc]iting\s+(?P<who>{_PHRASE}?){_STOP}")
_ACCORDING = re.compile(rf"\b[Aa]ccording to\s+(?P<who>{_PHRASE}?){_STOP}")
_VERB = re.compile(rf"\b(?P<verb>{_VERBS})\b")
# ", said X." / "“…,” said X" — the inverted order of quoted speech.
_VERB_SUBJECT = re.compile(
    r"(?:[,”\"]\s*)(?P<verb>said|says|told|added|wrote|warned|noted)\s+(?P<who>[^,.;“”\"]{2,80}?)"
    r"(?=\s*(?:[,.;]|$|\s+(?:on|in|at|during|after|before|to|who|when|adding)\b))")
# Lower-case words that belong to a speaker's name ("Kremlin spokesman Dmitry Peskov").
_ROLE_WORDS = frozenset("""
the a an of for and spokesman spokeswoman spokesperson minister ministry agency service official
officials lawmaker lawmakers president secretary general intelligence military defence defense
interior foreign deputy chief head spy state national news television media committee member
members parliament parliament's office council army forces command staff authorities authority
government prime department police institute survey centre center geological seismological
emergency civil protection health public prosecutor's spokespeople sources source diplomats
diplomat analysts analyst experts expert legislators legislator senior top local regional provincial
security affairs press communications house white staff joint chiefs general's in at
spokesmen representative envoy ambassador mission delegation observers monitors residents
""".split())
_PRONOUN_SUBJECTS = frozenset({"he", "she", "they"})
_ADVERBS = frozenset("also later previously earlier separately has have had publicly flatly quickly "
                     "firmly repeatedly first then".split())


def _subject_before(sentence: str, verb_start: int) -> str | None:
    """Walk back from a reporting verb over the words that can make up a speaker's name."""
    words = list(re.finditer(r"\(?[\w'’.-]+\)?|,", sentence[:verb_start]))
    taken: list[re.Match[str]] = []
    index = len(words) - 1
    while index >= 0 and words[index].group(0).lower() in _ADVERBS and not taken:
        index -= 1
    if index >= 0 and words[index].group(0).lower() in _PRONOUN_SUBJECTS:
        return words[index].group(0)
    while index >= 0:
        word = words[index].group(0)
        bare = word.strip("()")
        if word == "," and not taken:
            index -= 1  # "X, a member of the committee, told": the appositive's closing comma
            continue
        if word == ",":
            # "Lee Seong-kweun, a member of the committee, told" → the name before the comma.
            if taken and taken[0].group(0).lower() in ("a", "an", "the"):
                name = _subject_before(sentence, words[index].start())
                if name and name[0].isupper() and not name.lower().startswith(("the ", "a ")):
                    return name
            break
        if bare[:1].isupper() or bare.lower() in _ROLE_WORDS or word.startswith("("):
            taken.insert(0, words[index])
            index -= 1
            continue
        # "the disaster management agency": plain words between an article and a role word.
        if taken and taken[0].group(0).lower() in _ROLE_WORDS:
            lookback = words[max(0, index - 2):index + 1]
            article = next((i for i in range(len(lookback) - 1, -1, -1)
                            if lookback[i].group(0).lower() in ("the", "a", "an")), None)
            if article is not None and all(w.group(0).isalpha() and w.group(0).islower()
                                           for w in lookback[article:]):
                taken[:0] = lookback[article:]
                index -= len(lookback) - article
                continue
        break
    while taken and taken[0].group(0).lower() in ("of", "for", "and", "in", "at"):
        taken.pop(0)
    while taken and taken[-1].group(0).lower() in ("of", "for", "and", "in", "at", "the", "a"):
        taken.pop()
    if not taken:
        return None
    return sentence[taken[0].start():taken[-1].end()]


_SOURCE_LINE = re.compile(r"^\s*(?:source|sources|via)\s*:\s*(?P<who>.{2,80}?)\s*$", re.I | re.M)

_PRONOUNS = {"he", "she", "they", "it", "we", "i"}
_LEADING_NOISE = re.compile(r"^(?:and|but|while|as|that|which|who|however|meanwhile|also)\s+", re.I)
_TRAILING_NOISE = re.compile(
    r"\s+(?:on\s+\w+|in a statement|in an interview|last week|this week|late on \w+|earlier|"
    r"also|has|have|had|told reporters|on Wednesday|on Thursday)$", re.I)

_DENIAL = re.compile(
    r"\b(?:den(?:y|ied|ies|ying)|dismiss(?:ed|es|ing)?|reject(?:ed|s|ing)?|refut(?:ed|es|e)|"
    r"fake news|another fake|groundless|baseless|unfounded|no truth|not true|false reports?|"
    r"fabricat(?:ed|ion)|nonsense|propaganda)\b", re.I)
_HEDGE = re.compile(
    r"\b(?:likely|unlikely|reportedly|possibly|probably|perhaps|may|might|could|appears? to|"
    r"appeared to|seems? to|believed|thought to|suspected|allegedly|alleged|almost certain(?:ly)?|"
    r"if true|if confirmed|unconfirmed|unverified|could not be (?:independently )?verified|"
    r"estimated|estimate[sd]?|assess(?:ed|es)?|expected|rumou?rs?)\b", re.I)
_CONFIRM = re.compile(r"\b(?:confirm(?:ed|s)?|verified|official figures?)\b", re.I)


def find_speaker(sentence: str) -> str | None:
    """The agency or person a sentence attributes its content to, or a pronoun, or None."""
    speaker = None
    according = _ACCORDING.search(sentence)
    if according:
        speaker = _tidy(according["who"])
    if speaker is None:
        for match in _VERB_SUBJECT.finditer(sentence):
            speaker = _tidy(match["who"])
            if speaker:
                break
    if speaker is None:
        for match in _VERB.finditer(sentence):
            speaker = _subject_before(sentence, match.start())
            speaker = _tidy(speaker) if speaker else None
            if speaker:
                break
    citing = _CITING.search(sentence)
    if citing:
        cited = _tidy(citing["who"])
        if cited:
            if speaker and not is_pronoun(speaker):
                return f"{speaker}, citing {cited}"
            return cited
    return speaker


def source_line_speaker(text: str) -> str | None:
    """A 'Source: X' line gives the speaker for sentences that name none."""
    match = _SOURCE_LINE.search(text)
    return _tidy(match["who"]) if match else None


def is_pronoun(speaker: str | None) -> bool:
    return speaker is not None and speaker.lower() in _PRONOUNS


def stance_of(sentence: str, speaker: str | None) -> Stance:
    """denied > hedged > asserted (confirmed, or said by the outlet itself) > reported."""
    if _DENIAL.search(sentence):
        return "denied"
    if _HEDGE.search(sentence):
        return "hedged"
    if _CONFIRM.search(sentence) or speaker is None:
        return "asserted"
    return "reported"


_DATELINE = re.compile(r"^[A-Z][A-Z .,'’/-]+\s*[—–-]+\s*")


_LEADING_TIME = re.compile(
    r"^(?:(?:early|late|later)\s+)?(?:on\s+)?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|"
    r"Sunday|January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Today|Yesterday|Earlier|Later|Meanwhile|However)\b,?\s*", re.I)
_FIGURES_BY = re.compile(r"^.*?\b(?:figures?|data|numbers?|statement|update|count|tally|report)s?"
                         r"\s+(?:released|published|issued|given|provided|compiled)\s+by\s+", re.I)


def _tidy(who: str) -> str | None:
    who = _DATELINE.sub("", who.strip())
    who = _FIGURES_BY.sub("", who)
    who = _LEADING_TIME.sub("", who)
    who = who.strip(" ,.;:\"'“”‘’—–-")
    who = _LEADING_NOISE.sub("", who)
    previous = None
    while previous != who:
        previous = who
        who = _TRAILING_NOISE.sub("", who).strip(" ,")
    if not who or len(who) > 90:
        return None
    if who[0].islower() and not who.lower().startswith(("the ", "a ", "an ", "officials", "lawmakers")) \
            and who.lower() not in _PRONOUNS:
        return None
    if re.fullmatch(r"(?:the|a|an)\s+(?:report|reports|figure|figures|number|toll|statement)", who,
                    re.I):
        return None
    return who
