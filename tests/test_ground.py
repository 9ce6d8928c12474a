from __future__ import annotations

from synth.extract import ClaimDraft
from synth.ground import ground_claims, place_quote
from synth.models import Quantity, Source

TEXT = (
    "SEOUL — South Korea’s spy agency (NIS) said 12\u00a0000 troops were “ready”.\n"
    "Le ministère a confirmé: déjà 3 000 soldats. The Kremlin called it *fake* (again?)."
)


def test_exact_match():
    placement = place_quote("The Kremlin called it *fake* (again?).", TEXT)
    assert placement and placement.match == "exact"
    assert TEXT[placement.start : placement.end] == "The Kremlin called it *fake* (again?)."


def test_normalised_match_across_quote_marks_spaces_and_case_gives_source_offsets():
    quote = 'south korea\'s spy agency (NIS) said 12 000 troops were "ready"'
    placement = place_quote(quote, TEXT)
    assert placement and placement.match == "normalised"
    assert (
        TEXT[placement.start : placement.end]
        == "South Korea’s spy agency (NIS) said 12\u00a0000 troops were “ready”"
    )


def test_offsets_are_code_points_after_non_ascii_text():
    placement = place_quote("déjà 3 000 soldats", TEXT)
    assert placement and TEXT[placement.start : placement.end] == "déjà 3 000 soldats"


def test_fuzzy_match_snaps_to_whole_words():
    placement = place_quote("South Korea spy agency NIS said 12 000 troops were ready", TEXT)
    assert placement and placement.match == "fuzzy"
    assert TEXT[placement.start : placement.end].startswith("South Korea’s")


def test_invented_and_too_short_quotes_are_not_placed():
    assert place_quote("The Kremlin confirmed that 50,000 troops were sent", TEXT) is None
    assert place_quote("fake", TEXT) is None
    assert place_quote("(again?) [x] *+", TEXT) is None  # regex characters are plain text


def test_ground_claims_keeps_found_quotes_drops_invented_ones_and_numbers_claims():
    source = Source(id="S1", path="a.txt", text=TEXT, content_hash="-", format="txt", encoding="utf-8")
    drafts = {
        "S1": [
            ClaimDraft("S1", "ready", "spy agency (NIS) said 12 000 troops"),
            ClaimDraft("S1", "invented", "North Korea sent 50,000 troops to Moscow"),
            ClaimDraft("S1", "again", "spy agency (NIS) said 12\u00a0000 troops"),  # same span
        ]
    }
    result = ground_claims(drafts, [source])
    assert [c.id for c in result.claims] == ["C1"]
    claim = result.claims[0]
    assert claim.quote == TEXT[claim.start : claim.end]
    assert [d.statement for d in result.dropped] == ["invented"]
    assert result.repeats == 1


def test_a_placed_claim_keeps_only_the_figures_and_statement_its_quote_supports():
    source = Source(id="S1", path="a.txt", text=TEXT, content_hash="-", format="txt", encoding="utf-8")
    quote = "spy agency (NIS) said 12 000 troops were"
    stated = Quantity(value=12000, unit="troops", text="12 000")
    invented = Quantity(value=50000, unit="troops", scope="Moon", text="50,000")
    drafts = {
        "S1": [
            ClaimDraft(
                "S1", "The NIS said 50,000 troops went to the Moon.", quote, quantities=[invented, stated]
            ),
            ClaimDraft(
                "S1",
                "The ministry confirmed three thousand soldiers.",
                "Le ministère a confirmé: déjà 3 000 soldats",
                quantities=[Quantity(value=3000, unit="troops", text="3 000")],
            ),
        ]
    }
    pinned, supported = ground_claims(drafts, [source]).claims
    # The invented figure is dropped and the statement gives way to the source's own words.
    assert pinned.quantities == [stated]
    assert pinned.statement == pinned.quote == TEXT[pinned.start : pinned.end]
    # What the quote states stays, however it is written: "three thousand" is its "3 000".
    assert [q.value for q in supported.quantities] == [3000]
    assert supported.statement == "The ministry confirmed three thousand soldiers."


def test_a_model_figure_that_is_no_number_is_dropped_even_when_its_words_are_quoted():
    # A model's JSON can carry 1e400 (infinity), NaN or 1e300; a quote with 320 nines states
    # no figure at all (figures stop below 1e15), so none of them is "stated".
    nines = "9" * 320
    text = f"The ministry said {nines} troops were at 12:21 a.m. in the town."
    source = Source(id="S1", path="a.txt", text=text, content_hash="-", format="txt", encoding="utf-8")
    odd = [
        Quantity(value=float("inf"), unit="troops", text=nines),
        Quantity(value=float("nan"), unit="troops", text=nines),
        Quantity(value=1e300, unit="troops", text=nines),
        Quantity(value=float("inf"), unit="time of day", text="12:21 a.m."),
    ]
    drafts = {"S1": [ClaimDraft("S1", text, text, quantities=odd)]}
    [claim] = ground_claims(drafts, [source]).claims
    assert claim.quantities == []
    assert claim.statement == text


def folded_one_character_at_a_time(text: str) -> tuple[str, list[int]]:
    """The definition NormalisedText's folding must agree with, written the slow way."""
    from synth.folding import _fold

    chars: list[str] = []
    origin: list[int] = []
    previous_space = True
    for position, char in enumerate(text):
        folded = _fold(char)
        if folded == " ":
            if previous_space:
                continue
            previous_space = True
        else:
            previous_space = False
        for piece in folded:
            chars.append(piece)
            origin.append(position)
    return "".join(chars), origin


def test_folding_agrees_with_the_character_by_character_definition():
    import random

    from synth.folding import NormalisedText

    alphabet = [
        "a",
        "B",
        "7",
        " ",
        "\n",
        "\t",
        "\u00a0",
        "\u2009",
        "\u2019",
        "\u201c",
        "\u2014",
        "\u2026",
        "é",
        "Å",
        "ﬁ",
        "İ",
        "¨",
        "ß",
        "-",
        ".",
        "\u0301",
        "中",
    ]
    samples = [
        "",
        " ",
        "  lead and trail  ",
        "The mayor\u2019s \u201cfinal\u201d count\u2026",
        "Caf\u00e9\u00a0\u00a0opens \u2014 at 9",
        "ﬁre İstanbul ¨ end",
    ]
    chooser = random.Random(20261130)
    samples += [
        "".join(chooser.choice(alphabet) for _ in range(chooser.randrange(1, 60))) for _ in range(400)
    ]
    for sample in samples:
        index = NormalisedText(sample)
        assert (index.text, index.origin) == folded_one_character_at_a_time(sample), sample


def test_a_quote_in_the_article_as_it_is_is_in_it_folded():
    # The extraction schema accepts a quote found in the article as it is without folding
    # either (synth.extract.schema): that is sound only if folding keeps every such quote.
    import random

    from synth.folding import normalise_for_match

    alphabet = ["a", "B", "7", " ", "  ", "\n", "\t", "\u00a0", "\u2019", "\u201c", "\u2014", "\u2026"]
    alphabet += ["é", "Å", "ﬁ", "İ", "¨", "ß", "-", ".", "\u0301", "中", "Σ", "\ufdfa", "\u2474"]
    chooser = random.Random(20261130)
    for _ in range(300):
        article = "".join(chooser.choice(alphabet) for _ in range(chooser.randrange(1, 80)))
        folded = normalise_for_match(article)
        for _ in range(10):
            start = chooser.randrange(len(article))
            quote = article[start : chooser.randrange(start, len(article) + 1)]
            assert normalise_for_match(quote) in folded, (article, quote)
