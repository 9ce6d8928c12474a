"""Who asserts a parsed sentence, and how firmly (synth/extract/rules/speakers.py).

Sentences written for these tests. A place, an event or a date never speaks; titles and
surnames resolve to the full name given earlier; a quotation that runs on keeps its speaker.
"""

from __future__ import annotations

from synth.extract.rules.nlp import english_model
from synth.extract.rules.speakers import Attribution, SpeakerMemory, attribute, speaker_clauses


def attribute_all(*sentences: str) -> list[Attribution]:
    memory = SpeakerMemory()
    found = []
    for text in sentences:
        for sentence in english_model().nlp(text).sents:
            found.append(attribute(sentence, memory))
    return found


def speaker(text: str) -> str | None:
    return attribute_all(text)[-1].speaker


def test_the_subject_of_a_reporting_verb_speaks():
    assert speaker("The coastguard said 12 boats had been recovered.") == "coastguard"


def test_the_inverted_order_of_quoted_speech():
    assert speaker('"We have never seen water this high," said Tomas Ferreira.') == "Tomas Ferreira"


def test_according_to():
    assert speaker("According to the Harbour Authority, the pier will stay shut.") == "Harbour Authority"


def test_a_named_person_in_an_apposition():
    assert speaker("The health minister, Amara Diallo, said the clinic would reopen.") == "Amara Diallo"


def test_a_title_and_surname_resolve_to_the_full_name():
    found = attribute_all(
        "Ngozi Okafor runs the regional health service.", "Ms Okafor said 45 patients had been moved."
    )
    assert found[-1].speaker == "Ngozi Okafor"


def test_he_said_resolves_to_the_person_named_before():
    found = attribute_all(
        "Deputy mayor Lars Holm toured the site on Monday.",
        "He said the bridge would be rebuilt within a year.",
    )
    assert found[-1].speaker == "Lars Holm"


def test_a_place_is_never_a_speaker():
    assert speaker("London said the roads would reopen.") is None


def test_a_report_belongs_to_whoever_issued_it():
    assert speaker("Figures released by the transport ministry show 300 crashes.") == "transport ministry"


def test_evidence_verbs_need_a_document_or_a_name():
    assert speaker("Video from the scene showed smoke rising over the port.") is None


def test_an_act_is_not_a_statement():
    assert speaker("The governor declared a state of emergency after the storm.") is None


def test_a_quotation_that_runs_on_keeps_its_speaker():
    found = attribute_all('"The roof came down in seconds," said Petra Lind.', '"Nobody could have got out."')
    assert found[-1].speaker == "Petra Lind"


def test_citing_names_the_origin_relayed():
    found = attribute_all("The newspaper said 40 staff would go, citing the Daily Courier.")
    assert found[-1].cited == "Daily Courier"


def test_the_institution_named_before():
    found = attribute_all(
        "The interior ministry said 20 people had died.", "Later the ministry said the toll had risen."
    )
    assert found[-1].speaker == "interior ministry"


def test_denials_however_phrased():
    assert attribute_all("The company rejected the allegations as baseless.")[-1].stance == "denied"
    assert attribute_all("A spokesman dismissed the report as fabricated.")[-1].stance == "denied"


def test_hedges_and_the_outlets_own_voice():
    assert attribute_all("The toll is likely to rise.")[-1].stance == "hedged"
    assert attribute_all("The bridge reopened on Friday.")[-1].stance == "asserted"
    assert attribute_all("Police said the bridge reopened.")[-1].stance == "reported"


def test_two_speakers_in_one_sentence_are_two_clauses():
    doc = english_model().nlp(
        "The observatory measured the tremor at 5.1, while the university put it at 5.4."
    )
    clauses = speaker_clauses(next(doc.sents))
    assert [c.text for c in clauses] == [
        "The observatory measured the tremor at 5.1",
        "the university put it at 5.4.",
    ]


def test_a_semicolon_joins_two_claims():
    doc = english_model().nlp("The survey gives a depth of 12 km; the institute measured 9 km.")
    assert len(speaker_clauses(next(doc.sents))) == 2
