from __future__ import annotations

from synth.clean import clean_sources
from synth.load import load_sources
from synth.models import Source
from tests.conftest import QUAKE, TROOPS


def source(source_id: str, text: str) -> Source:
    return Source(id=source_id, path=f"{source_id}.txt", text=text, content_hash="-",
                  format="txt", encoding="utf-8")


def kept(document) -> list[str]:
    return [document.source.text[b.start:b.end] for b in document.blocks]


def test_page_furniture_is_dropped_whatever_the_story():
    text = "\n".join([
        "Home | World | Sport | Business",
        "Officials said 3,000 troops had arrived in the region on Monday.",
        "Advertisement",
        "Subscribe to our newsletter for $1 a month",
        "Support our journalism — become a member today.",
        "Comments are closed on this article.",
        "Weather: Sunny, 24°C",
        "Share this article",
        "Read more: Stocks fall 3% as banks merge",
        "© 2024 The Ledger. All rights reserved.",
    ])
    [document] = clean_sources([source("S1", text)]).documents
    assert kept(document) == ["Officials said 3,000 troops had arrived in the region on Monday."]


def test_lists_under_a_related_or_most_read_header_are_dropped():
    text = ("Troops were moved to the border, officials said on Monday.\n\nMost read\n"
            "Heatwave: 41C expected\nStocks fall 3% as banks merge\nStar signs record deal\n\n"
            "The deployment continued on Tuesday, the ministry said.")
    [document] = clean_sources([source("S1", text)]).documents
    assert kept(document) == ["Troops were moved to the border, officials said on Monday.",
                              "The deployment continued on Tuesday, the ministry said."]


def test_text_sharing_nothing_with_the_common_story_is_dropped():
    story = "North Korean troops were sent to Russia, South Korea's spy agency said."
    sidebar = "The central bank raised its main interest rate by half a point on Thursday."
    result = clean_sources([source("S1", f"{story}\n\n{sidebar}"),
                            source("S2", "Pyongyang sent troops to Russia, the agency said."),
                            source("S3", "Seoul's spy agency said troops went to Russia.")])
    assert kept(result.documents[0]) == [story]
    assert any(d.reason == "shares nothing with the common story"
               for d in result.documents[0].dropped)
    assert {"troops", "russia", "agency"} <= result.story_words


def test_a_republished_wire_story_is_marked_as_a_copy_of_the_first():
    body = ("The Pentagon said 10,000 troops were in eastern Russia for training.\n\n"
            "Some of them appear to be moving toward the Kursk region, officials said.\n\n"
            "NATO said it had confirmed that units had been deployed to the border.\n\n"
            "The Kremlin dismissed the reports as fake news on Monday.")
    result = clean_sources([source("S1", "First outlet\n\n" + body),
                            source("S2", "Other piece about troops in Russia and Kursk."),
                            source("S3", "Second outlet\n\n" + body)])
    assert [d.source.duplicate_of for d in result.documents] == [None, None, "S1"]


def test_sidebars_in_the_examples_produce_no_kept_blocks():
    documents = clean_sources(load_sources([TROOPS, QUAKE]).sources).documents
    kept_text = "\n".join(t for d in documents for t in kept(d))
    for headline in ("barista", "KOSPI", "Hryvnia", "Weather:", "Subscribe", "Comments"):
        assert headline not in kept_text
    assert "About 11,000 North Korean soldiers are now in Russia" in kept_text
