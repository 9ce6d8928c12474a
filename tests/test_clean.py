from __future__ import annotations

import pytest

from synth.clean import block_spans, clean_sources
from synth.load import load_sources
from synth.models import Source
from tests.conftest import QUAKE, TROOPS


def source(source_id: str, text: str, outlet: str | None = None) -> Source:
    return Source(
        id=source_id,
        path=f"{source_id}.txt",
        text=text,
        content_hash="-",
        format="txt",
        encoding="utf-8",
        outlet=outlet,
    )


def kept(document) -> list[str]:
    return [document.source.text[b.start : b.end] for b in document.blocks]


def clean_one(text: str, outlet: str | None = None):
    [document] = clean_sources([source("S1", text, outlet)]).documents
    return document


def reasons(document) -> dict[str, str]:
    text = document.source.text
    return {text[d.start : d.end]: d.reason for d in document.dropped}


# Body sentences of an invented story, used around the furniture in the tests below.
LEDE = (
    "Floodwater from the River Teme cut off three villages near Ludford on Tuesday, and "
    "about 400 residents spent the night in a school hall, the county council said."
)
SECOND = (
    "Crews from four fire stations used boats to reach homes where the water had risen "
    "above the windowsills, a fire service spokeswoman told reporters."
)
THIRD = (
    "The council said the main road into Ludford would stay closed until engineers had "
    "inspected the bridge over the river on Wednesday morning."
)


def test_page_furniture_is_dropped_whatever_the_story():
    text = "\n".join(
        [
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
        ]
    )
    assert kept(clean_one(text)) == ["Officials said 3,000 troops had arrived in the region on Monday."]


def test_lists_under_a_related_or_most_read_header_are_dropped():
    text = (
        "Troops were moved to the border, officials said on Monday.\n\nMost read\n"
        "Heatwave: 41C expected\nStocks fall 3% as banks merge\nStar signs record deal\n\n"
        "The deployment continued on Tuesday, the ministry said."
    )
    assert kept(clean_one(text)) == [
        "Troops were moved to the border, officials said on Monday.",
        "The deployment continued on Tuesday, the ministry said.",
    ]


def test_no_sentence_is_dropped_for_sharing_few_words_with_the_other_articles():
    # One article's own angle: a cause under investigation, a charity's statement, a
    # neighbouring government's reaction. None of their words is in the other articles.
    own_angle = [
        "Investigators are examining whether a blocked culvert upstream made it worse.",
        "A housing charity called on landlords to waive this month's rent for tenants.",
        "Neighbouring Powys offered pumps and sandbags, its cabinet member confirmed.",
    ]
    result = clean_sources(
        [
            source("S1", "\n\n".join([LEDE, *own_angle])),
            source("S2", SECOND + "\n\nAbout 400 residents left Ludford."),
            source("S3", "Residents of Ludford spent the night in a school hall."),
        ]
    )
    assert kept(result.documents[0]) == [LEDE, *own_angle]
    assert {"ludford", "residents"} <= result.story_words


def test_bylines_are_dropped_but_a_sentence_opening_with_by_is_kept():
    by_tuesday = "By Tuesday evening, the water had fallen by almost a metre, the council said."
    document = clean_one(
        "\n".join(
            ["By Ana Lima and Tom Reyes", LEDE, by_tuesday, "Reporting by Kai Moreno; editing by Ruth Olsen"]
        )
    )
    assert kept(document) == [LEDE, by_tuesday]
    assert set(reasons(document).values()) == {"byline"}


@pytest.mark.parametrize(
    "caption",
    [
        "Volunteers stack sandbags outside the village shop on Tuesday. Credit Ana Lima/Agency Press",
        "A resident wades through the flooded high street in Ludford [AGENCY/PHOTOS]",
        "Firefighter Sam Oduya (left) and a colleague carry a neighbour to a boat",
        "The county's flood officer (C) briefs volunteers at the school hall",
        "Image copyright Ana Lima Image caption The bridge was closed as a precaution",
        "Getty Images",
        "Rescue boats on the River Teme (Photo: Ana Lima)",
    ],
)
def test_photo_captions_and_credits_are_dropped(caption):
    document = clean_one("\n".join([LEDE, caption, SECOND]))
    assert kept(document) == [LEDE, SECOND]


def test_a_caption_under_a_photo_label_is_dropped_with_its_label():
    document = clean_one("\n".join([LEDE, "Photo", "Residents watch the river rise in Ludford.", SECOND]))
    assert kept(document) == [LEDE, SECOND]


@pytest.mark.parametrize(
    "furniture",
    [
        [
            "Jump media player",
            "Media player help",
            "Out of media player. Press enter to return or tab to continue.",
            "Media caption Residents describe the night the river rose",
        ],
        ["Continue reading the main story"],
        ["Facebook Twitter Email", "Share", "Print"],
        ["Flood water reaches rooftops 01:42", "Flood water reaches rooftops"],
        ["Ludford under water 24 photos"],
        ["Residents sheltered at the school &lt;a href=&quot;https://example.org/gallery&quot;&gt;"],
        ["Source: County Press Agency"],
        [
            "- [Council approves new tram line](https://example.org/tram)",
            "[Ludford](https://example.org/tags/ludford) · [Floods](https://example.org/tags/floods)",
        ],
        ["* * *"],
        ["Agency writers Kai Moreno and Ruth Olsen contributed to this report."],
    ],
)
def test_media_player_video_gallery_and_markup_lines_are_dropped(furniture):
    document = clean_one("\n".join([LEDE, *furniture, SECOND]))
    assert kept(document) == [LEDE, SECOND]


def test_a_video_title_beside_its_link_is_dropped_in_either_order():
    text = "\n\n".join(
        [
            LEDE,
            "Drone footage shows flooded farms",
            "Drone footage shows flooded farms 02:10",
            "Drone footage shows flooded farms 02:10",
            SECOND,
        ]
    )
    assert kept(clean_one(text)) == [LEDE, SECOND]


@pytest.mark.parametrize(
    "subhead",
    [
        "Rescue through the night",  # short, no full stop
        "'A wall of water'",  # a quote as a subhead
        "Where the River Went Next",  # title case
        "Ludford residents fear more flooding",  # story words, still a subhead
        "Council promises review of river defences after second flood this winter",  # headline
        "Fire service boats in Ludford.",  # headline shape with a full stop
        "'We will rebuild', mayor on Ludford's flood.",
    ],
)
def test_a_subhead_or_headline_between_body_sentences_is_dropped(subhead):
    document = clean_one("\n".join([LEDE, subhead, SECOND, THIRD]))
    assert kept(document) == [LEDE, SECOND, THIRD]


@pytest.mark.parametrize(
    "sentence",
    [
        "Police arrested two men.",
        "The water was still rising.",
        "His neighbours rejected the offer.",
        "Nobody knew what to do next, she said.",
        # A long sentence that lost its full stop is still a sentence.
        "Engineers from the water company were checking the pumping station at the edge of the "
        "village on Tuesday night",
    ],
)
def test_short_sentences_and_a_sentence_without_its_full_stop_are_kept(sentence):
    document = clean_one("\n".join([LEDE, sentence, SECOND]))
    assert kept(document) == [LEDE, sentence, SECOND]


def test_a_run_of_short_lines_is_a_list_or_a_graphics_labels():
    labels = ["Areas Under Water", "Ludford", "RIVER TEME", "Flood depth 2 m.", "Main road", "Bridge"]
    document = clean_one("\n".join([LEDE, *labels, SECOND]))
    assert kept(document) == [LEDE, SECOND]


def test_an_articles_own_list_of_key_figures_is_kept():
    figures = [
        "Key figures:",
        "• 400 residents in the school hall",
        "• 3 villages cut off",
        "• 4 fire stations' boats",
    ]
    document = clean_one("\n".join([LEDE, *figures, SECOND]))
    assert kept(document) == [LEDE, *figures, SECOND]


def test_the_headline_and_standfirst_at_the_top_are_kept_and_labels_dropped():
    text = "\n".join(
        [
            "Valley Courier",
            "News  |  Wales  |  Mid Wales  |  Weather  |  Sport",
            "Home > News > Mid Wales",
            "Floods cut off three villages",
            "Breaking news",
            "   Council warns of more rain this weekend",
            "Hundreds spend night in school hall as River Teme bursts its banks",
            LEDE,
            SECOND,
        ]
    )
    document = clean_one(text, outlet="Valley Courier")
    assert kept(document) == [
        "Floods cut off three villages",
        "Hundreds spend night in school hall as River Teme bursts its banks",
        LEDE,
        SECOND,
    ]
    assert document.headline is not None
    assert text[document.headline.start : document.headline.end] == "Floods cut off three villages"


def test_a_paragraph_printed_twice_is_kept_once():
    document = clean_one("\n\n".join([LEDE, SECOND, SECOND.replace("'", "’"), THIRD]))
    assert kept(document) == [LEDE, SECOND, THIRD]
    assert list(reasons(document).values()) == ["repeated in the page"]


def test_a_line_that_is_not_a_sentence_repeated_across_pages_is_the_sites():
    promo = "Download the Courier app for live flood alerts"
    result = clean_sources(
        [source("S1", "\n".join([LEDE, promo, SECOND])), source("S2", "\n".join([THIRD, promo]))]
    )
    assert all(promo not in kept(d) for d in result.documents)


@pytest.mark.parametrize(
    "text, blocks",
    [
        # A month's abbreviation before a day that slipped to the next line.
        (
            "The bridge reopened on the morning of Nov.\n22. Traffic was light.",
            ["The bridge reopened on the morning of Nov.\n22. Traffic was light."],
        ),
        # A title before the name it belongs to.
        (
            "The crew was led by Lt.\nMaria Okafor of the river rescue unit.",
            ["The crew was led by Lt.\nMaria Okafor of the river rescue unit."],
        ),
        # An initialism inside a noun phrase, and one that ends its sentence.
        (
            "Two U.S.\nCoast Guard boats joined the search.\nHelp came from the U.S.\nThe storm eased.",
            ["Two U.S.\nCoast Guard boats joined the search.", "Help came from the U.S.", "The storm eased."],
        ),
        # A full stop that slipped to a line of its own, and a hard-wrapped line.
        (
            "Names are withheld until families are told\n.\nThe river\nrose again.",
            ["Names are withheld until families are told\n.", "The river\nrose again."],
        ),
        # A sentence that ends a line stays apart from the next.
        (
            "The road closed on Monday.\nMr Lee said it would reopen.",
            ["The road closed on Monday.", "Mr Lee said it would reopen."],
        ),
    ],
)
def test_block_spans_join_lines_split_at_an_abbreviation(text, blocks):
    assert [text[b.start : b.end] for b in block_spans(text)] == blocks


def test_a_republished_wire_story_is_marked_as_a_copy_of_the_first():
    body = (
        "The Pentagon said 10,000 troops were in eastern Russia for training.\n\n"
        "Some of them appear to be moving toward the Kursk region, officials said.\n\n"
        "NATO said it had confirmed that units had been deployed to the border.\n\n"
        "The Kremlin dismissed the reports as fake news on Monday."
    )
    result = clean_sources(
        [
            source("S1", "First outlet\n\n" + body),
            source("S2", "Other piece about troops in Russia and Kursk."),
            source("S3", "Second outlet\n\n" + body),
        ]
    )
    assert [d.source.duplicate_of for d in result.documents] == [None, None, "S1"]


WIRE = [
    "A slow-moving storm dropped heavy snow across the northern plains on Sunday, closing "
    "highways and grounding flights at two regional airports.",
    "The weather service said 8 inches (20 centimeters) of snow fell in Granite Falls by "
    "early evening, with drifts of up to 3 feet (90 centimeters) in open country.",
    "State troopers said they had responded to dozens of crashes, most of them minor, and "
    "urged drivers to stay home unless their trip was essential.",
    "Airport officials said about 140 flights had been canceled by midafternoon, and crews "
    "were working to clear the runways before the evening rush.",
    '"We have not seen snow like this so early in the season," said forecaster Dana Whitfield.',
    "Power companies reported scattered outages as heavy, wet snow brought down branches and "
    "lines in several towns along the river valley.",
]
# The same agency story as a second site ran it: spelling edits, metric units only, and one
# sentence rewritten.
WIRE_EDITED = [
    WIRE[0],
    "The weather service said 20 centimetres of snow fell in Granite Falls by early evening, "
    "with drifts of up to 90 centimetres in open country.",
    WIRE[2],
    "About 140 flights had been cancelled by midafternoon, and airport crews were still "
    "clearing the runways as the evening rush began.",
    WIRE[4],
    WIRE[5].replace("river valley", "river valley, the utilities said"),
]
# Another outlet's own report of the same storm: the same places, names and quote.
INDEPENDENT = [
    "Drivers across the northern plains were stranded on Sunday as the season's first big "
    "storm buried Granite Falls under heavy snow.",
    "Forecaster Dana Whitfield told the Plains Herald the storm had stalled over the region "
    '"We have not seen snow like this so early in the season," she said.',
    "At the regional airport in Granite Falls, travellers slept on benches after their "
    "flights were canceled, and the state troopers closed two highways.",
    "The weather service warned that more snow could fall on Monday night, while power "
    "companies said they expected outages to last into the week.",
]


def test_a_wire_copy_with_edits_is_marked_and_an_independent_report_is_not():
    result = clean_sources(
        [
            source("S1", "\n\n".join(WIRE)),
            source("S2", "\n\n".join(INDEPENDENT)),
            source("S3", "\n\n".join(WIRE_EDITED)),
        ]
    )
    assert [d.source.duplicate_of for d in result.documents] == [None, None, "S1"]


def test_sidebars_in_the_examples_produce_no_kept_blocks():
    documents = clean_sources(load_sources([TROOPS, QUAKE]).sources).documents
    kept_text = "\n".join(t for d in documents for t in kept(d))
    for headline in (
        "barista",
        "KOSPI",
        "Hryvnia",
        "Weather:",
        "Subscribe",
        "Comments",
        "apartment prices",
        "Tigers take",
        "Source: GWS",
        "By Olena Marchuk",
    ):
        assert headline not in kept_text
    assert "About 11,000 North Korean soldiers are now in Russia" in kept_text
    assert "Kyiv’s intelligence puts the full contingent at 11,000–12,000" in kept_text


def test_the_examples_wire_copies_are_marked_and_nothing_else():
    documents = clean_sources(load_sources([TROOPS, QUAKE]).sources).documents
    marked = {
        d.source.path.rsplit("/", 1)[-1]: d.source.duplicate_of for d in documents if d.source.duplicate_of
    }
    assert marked == {
        "04-capital-post-gws-2024-10-29.html": "S3",
        "03-coastal-tribune-gws-2023-09-09-1432.txt": "S7",
    }


def test_a_caption_that_runs_into_the_articles_sentence_keeps_the_sentence():
    text = (
        "Storm hits the coast.\n\n"
        "Residents of the bay towns were moved to shelters overnight as the water rose.\n\n"
        "Volunteers help Maria Lund (left) and her son carry sandbags near the harbour wall "
        "A total of 14 pumps and 300 volunteers have been sent to the worst-hit streets by "
        "the county.\n\n"
        "The council said the harbour wall had held through the night.\n"
    )
    [document] = clean_sources([source("S1", text)]).documents
    kept = [text[b.start : b.end] for b in document.blocks]
    assert (
        "A total of 14 pumps and 300 volunteers have been sent to the worst-hit streets by the county."
    ) in kept
    assert not any("Maria Lund" in block for block in kept)
