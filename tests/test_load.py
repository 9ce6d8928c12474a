from __future__ import annotations

from pathlib import Path

import pytest

from synth.errors import InputError
from synth.html import html_to_article
from synth.load import decode_article_bytes, load_sources
from synth.metadata import metadata_from_text, story_title
from synth.models import Source
from tests.conftest import QUAKE, TROOPS


def test_windows_1252_with_crlf_is_decoded_and_newlines_normalised():
    raw = "“Twelve thousand,” he said – café €1\r\nNext line\r\n".encode("cp1252")
    text, encoding = decode_article_bytes(raw)
    assert encoding == "cp1252"
    assert text == "“Twelve thousand,” he said – café €1\nNext line\n"


def test_utf8_bom_is_removed_and_zero_width_spaces_dropped_but_nbsp_kept():
    raw = "\ufeffMr\u00a0Peskov said twel\u200bve".encode("utf-8")
    text, encoding = decode_article_bytes(raw)
    assert encoding == "utf-8-sig"
    assert text == "Mr\u00a0Peskov said twelve"


def test_utf8_with_stray_cp1252_byte_keeps_both_halves_readable():
    raw = "Seoul’s agency".encode() + b" said \x93fake\x94"
    text, encoding = decode_article_bytes(raw)
    assert text == "Seoul’s agency said “fake”"
    assert encoding == "utf-8+cp1252"


def test_utf16_with_bom():
    text, encoding = decode_article_bytes("Troops: 3,000".encode("utf-16"))
    assert text == "Troops: 3,000" and encoding == "utf-16"


@pytest.mark.parametrize("raw, reason", [
    (b"", "empty"),
    (b"  \n\t\n", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    (b"plain ascii then \x81\x8d\x8f bytes no codec has", "cannot decode"),
])
def test_unusable_bytes_raise_input_error_naming_the_reason(raw, reason):
    with pytest.raises(InputError) as caught:
        decode_article_bytes(raw, "bad.txt")
    assert reason in caught.value.reason
    assert str(caught.value).startswith("bad.txt: ")


def test_bad_inputs_become_problems_and_good_ones_still_load(tmp_path: Path):
    good = tmp_path / "good.txt"
    good.write_text("Officials said 3,000 troops had arrived.\n", encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.html").write_bytes(b"\x00\x01\x02" * 100)
    (tmp_path / "bad.md").write_bytes(b"text \x81\x8d more")
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as handle:  # a sparse 50 MB file: nothing is read to refuse it
        handle.truncate(50 * 1024 * 1024)
    empty_folder = tmp_path / "nothing-here"
    empty_folder.mkdir()
    (empty_folder / "notes.csv").write_text("a,b\n")
    result = load_sources([good, tmp_path / "empty.txt", tmp_path / "binary.html",
                           tmp_path / "bad.md", huge, tmp_path / "missing.txt", empty_folder])
    assert [s.path for s in result.sources] == [str(good)]
    assert result.sources[0].id == "S1"
    reasons = {Path(p.path).name: p.reason for p in result.problems}
    assert reasons["empty.txt"] == "file is empty"
    assert "binary" in reasons["binary.html"]
    assert "cannot decode" in reasons["bad.md"]
    assert "50.0 MB" in reasons["huge.txt"] and "limit" in reasons["huge.txt"]
    assert reasons["missing.txt"] == "no such file or folder"
    assert "no articles" in reasons["nothing-here"]
    assert all("\n" not in p.line() for p in result.problems)


def test_folders_expand_in_sorted_order_with_ids_in_input_order():
    result = load_sources([TROOPS, QUAKE])
    assert [s.id for s in result.sources] == [f"S{i}" for i in range(1, 11)]
    paths = [Path(s.path) for s in result.sources]
    assert paths[:5] == sorted(paths[:5]) and all(p.parent == TROOPS for p in paths[:5])
    assert not result.problems


def test_the_same_file_given_twice_loads_once():
    path = TROOPS / "02-han-river-review-2024-10-24.md"
    assert len(load_sources([path, path]).sources) == 1


def test_html_page_is_reduced_to_its_article_with_metadata():
    source = load_sources([TROOPS / "01-seoul-morning-courier-2024-10-18.html"]).sources[0]
    assert source.format == "html"
    assert source.outlet == "Seoul Morning Courier"
    assert source.published and source.published.startswith("2024-10-18T14:20")
    assert "special forces" in source.text
    assert "<p>" not in source.text and "cookie" not in source.text.lower()


def test_text_files_give_title_outlet_and_date_from_their_header():
    txt = load_sources([TROOPS / "05-eastern-front-chronicle-2024-11-05.txt"]).sources[0]
    assert txt.encoding == "cp1252"
    assert txt.outlet == "Eastern Front Chronicle"
    assert txt.title and txt.title.startswith("Zelensky: 11,000")
    assert txt.published == "2024-11-05T09:40"
    assert "\r" not in txt.text
    md = load_sources([TROOPS / "02-han-river-review-2024-10-24.md"]).sources[0]
    assert md.encoding == "utf-8-sig" and md.outlet == "Han River Review"
    assert "\u200b" not in md.text


def test_content_hash_is_of_the_loaded_text():
    import hashlib

    source = load_sources([QUAKE]).sources[0]
    assert source.content_hash == hashlib.sha256(source.text.encode()).hexdigest()



def test_a_file_over_a_small_limit_names_both_sizes_readably(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("Floods hit the town. " * 100, encoding="utf-8")
    result = load_sources([article], max_bytes=500)
    assert "file is 2 KB, over the 500 bytes limit" in result.problems[0].reason


# Titles and dates, on an invented story.
LEDE = ("Floodwater from the River Teme cut off three villages near Ludford on Tuesday, and "
        "about 400 residents spent the night in a school hall, the county council said.")
SECOND = ("Crews from four fire stations used boats to reach homes where the water had risen "
          "above the windowsills, a fire service spokeswoman told reporters.")


@pytest.mark.parametrize("top, title", [
    (["Floods cut off three villages near Ludford"], "Floods cut off three villages near Ludford"),
    (["# Floods cut off three villages near Ludford", "", "**Valley Courier** | 4 May 2021"],
     "Floods cut off three villages near Ludford"),
    # Furniture above the headline is passed over, never taken for it.
    (["Image copyright Ana Lima/Agency Press", "Floods cut off three villages near Ludford"],
     "Floods cut off three villages near Ludford"),
    (["Weather: Rain, 9°C", "© 2021 Valley Courier", "Floods cut off three villages near Ludford"],
     "Floods cut off three villages near Ludford"),
    (["Volunteers fill sandbags in Ludford. Credit Ana Lima/Agency Press",
      "Floods cut off three villages near Ludford."], "Floods cut off three villages near Ludford."),
    # A text that opens with its first paragraph has no headline; a later, shorter sentence
    # from the body is not one.
    ([], None),
    (["Weather: Rain, 9°C"], None),
])
def test_a_title_is_the_headline_line_never_a_caption_credit_weather_or_body_sentence(top, title):
    text = "\n".join([*top, "", LEDE, SECOND, "The river fell on Wednesday.", "Roads reopened."])
    assert metadata_from_text(text).title == title


def test_a_captions_date_is_not_the_publication_date_and_a_dateline_is():
    caption = "Volunteers fill sandbags in Ludford on 3 May 2021. Credit Ana Lima/Agency Press"
    sentence = "The river first burst its banks on 2 May 2021."
    assert metadata_from_text("\n".join([caption, sentence, LEDE])).published is None
    dated = metadata_from_text("\n".join(["Valley Courier | 4 May 2021", caption, LEDE]))
    assert dated.published == "2021-05-04" and dated.outlet == "Valley Courier"
    bylined = metadata_from_text("\n".join(["Floods cut off Ludford", "By Ana Lima · 5 May 2021, 08:15",
                                            LEDE]))
    assert bylined.published == "2021-05-05T08:15"


def test_an_html_page_titled_by_its_picture_has_no_title():
    body = f"<article><p>{LEDE}</p><p>{SECOND}</p></article>"
    captioned = html_to_article(f"<html><head><title>Image copyright Ana Lima/Agency Press</title>"
                                f"</head><body>{body}</body></html>")
    titled = html_to_article(f"<html><head><title>Floods cut off Ludford</title></head>"
                             f"<body>{body}</body></html>")
    assert captioned.metadata.title is None
    assert titled.metadata.title == "Floods cut off Ludford"


def test_a_fact_sheets_title_is_the_first_originals_headline_else_the_folders_name():
    def src(source_id, path, title=None, duplicate_of=None):
        return Source(id=source_id, path=path, title=title, text=LEDE, content_hash="-",
                      format="txt", encoding="utf-8", duplicate_of=duplicate_of)

    assert story_title([src("S1", "floods/a.txt", "Copy's headline", duplicate_of="S2"),
                        src("S2", "floods/b.txt", "Original headline")]) == "Original headline"
    assert story_title([src("S1", "ludford-floods/a.txt"), src("S2", "ludford-floods/b.txt")]) \
        == "ludford-floods"
    assert story_title([src("S1", "one/a.txt"), src("S2", "two/b.txt")]) is None


def test_a_folder_of_articles_without_headlines_is_titled_by_the_folder(tmp_path):
    folder = tmp_path / "ludford-floods-2021"
    folder.mkdir()
    (folder / "a.txt").write_text(f"{LEDE}\n{SECOND}\n", encoding="utf-8")
    sources = load_sources([folder]).sources
    assert sources[0].title is None
    assert story_title(sources) == "ludford-floods-2021"
