from __future__ import annotations

import pytest

from synth.attribution import find_speaker, source_line_speaker, stance_of


@pytest.mark.parametrize("sentence, speaker", [
    ("South Korea's National Intelligence Service said on Friday that 1,500 had gone.",
     "South Korea's National Intelligence Service"),
    ("According to the Pentagon, about 10,000 soldiers are in Russia.", "the Pentagon"),
    ("“This is another fake,” said Kremlin spokesman Dmitry Peskov.",
     "Kremlin spokesman Dmitry Peskov"),
    ("Yonhap reported, citing the NIS, that 1,500 special forces had been sent.",
     "Yonhap, citing the NIS"),
    ("Lee Seong-kweun, a member of the intelligence committee, told reporters it was 3,000.",
     "Lee Seong-kweun"),
    ("The death toll rose to 2,012, the interior ministry said in a statement.",
     "the interior ministry"),
    ("In Washington, White House national security spokesman John Kirby said 3,000 had moved.",
     "White House national security spokesman John Kirby"),
    ("SEOUL — South Korean lawmakers said on Thursday that 3,000 had gone.",
     "South Korean lawmakers"),
    ("The toll stood at 2,946, according to the latest figures released by the interior "
     "ministry.", "the interior ministry"),
    ("The quake killed 2,946 people.", None),
    ("At least 41 people died, the disaster management agency said on Sunday.",
     "the disaster management agency"),
])
def test_speaker_is_the_agency_or_person(sentence, speaker):
    assert find_speaker(sentence) == speaker


def test_source_line_names_a_default_speaker():
    assert source_line_speaker("Body text.\nSource: Interior Ministry\n") == "Interior Ministry"


@pytest.mark.parametrize("sentence, stance", [
    ("Peskov dismissed the reports as “fake news”.", "denied"),
    ("A diplomat called them groundless rumours.", "denied"),
    ("The troops will likely be sent to Kursk, officials said.", "hedged"),
    ("If true, it would be the first deployment, analysts said.", "hedged"),
    ("It is almost certain the total will rise, analysts said.", "hedged"),
    ("NATO confirmed that troops had been sent.", "asserted"),
    ("The Pentagon said 10,000 troops were in Russia.", "reported"),
])
def test_stance(sentence, stance):
    assert stance_of(sentence, find_speaker(sentence)) == stance


def test_an_unattributed_statement_is_the_outlet_asserting_it():
    assert stance_of("The quake killed 2,946 people.", None) == "asserted"
