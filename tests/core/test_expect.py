"""What a question asks for (assistant/expect.toml): amounts the documents never give, and what was
said at a meeting the material holds only the invitation of, are refused; questions about the
topic of prices, or about the invitation itself, are not (no model, no index)."""
from __future__ import annotations

import pytest

from assistant import expect as E

RECORDS = {"dialogmoede_2022": "invitation", "dialogforum_2017": ""}


@pytest.mark.parametrize("question", [
    "Hvad kostede kick-off mødet?",
    "hvor meget koster en plads på et botilbud",
    "hvad var budgettet for workshoppen?",
    "How much did the theme meeting cost?",
    "hvor mange penge blev der brugt på konsulenterne",
])
def test_a_question_for_an_amount_is_unmet_without_an_amount(question):
    gap = E.unmet(question, ["Mødet blev afholdt på Solrød Rådhus og der var ca. 26 deltagere."])
    assert gap is not None and gap.then == "refused" and "beløb" in gap.reason


def test_an_amount_in_a_passage_meets_the_question():
    assert E.unmet("Hvad kostede mødet?", ["Mødet kostede 25.000 kr. i alt."]) is None


@pytest.mark.parametrize("question", [
    "hvad sagde brugerne om prisen?",
    "Hvad mente fagpersonerne om pris og kvalitet?",
    "hvor mange deltog i workshoppen?",
])
def test_questions_about_prices_as_a_topic_ask_for_no_amount(question):
    assert "amount" not in [t.id for t in E.expected(question)]


def test_what_was_said_at_an_invitation_only_meeting_is_unrecorded():
    assert E.unrecorded_meeting("Hvilke konklusioner kom der ud af dialogmødet i 2022?",
                                ["dialogmoede_2022"], RECORDS) == "dialogmoede_2022"
    assert E.unrecorded_meeting("hvad sagde brugerne på dialogmødet 2022", ["dialogmoede_2022"], RECORDS)
    assert "invitationen til dialogmødet 7. april 2022" in E.outcome_reason("dialogmødet 7. april 2022")


def test_the_invitation_itself_and_recorded_meetings_stay_answerable():
    assert E.unrecorded_meeting("hvor blev dialogmødet i 2022 holdt?", ["dialogmoede_2022"], RECORDS) is None
    assert E.unrecorded_meeting("hvad sagde brugerne i solrød?", ["dialogforum_2017"], RECORDS) is None
    # a question naming a recorded meeting beside the unrecorded one is answered from the record
    assert E.unrecorded_meeting("hvad sagde de i ringsted?", ["politikermoede_2017", "dialogmoede_2022"],
                                RECORDS) is None


@pytest.mark.parametrize("question", ["og?", "hvornår", "hvad?", "hej", "tak", "what?"])
def test_a_question_naming_nothing_is_vague(question):
    from assistant.query import topic_words
    assert E.vague(question, topic_words(question), named_cue=False)
    assert "Skriv lidt mere" in E.vague_message()


@pytest.mark.parametrize("question", ["hvad sagde de om overgange?", "hovedfokusområder?", "deltagere?"])
def test_a_question_with_a_topic_is_not_vague(question):
    from assistant.query import topic_words
    assert not E.vague(question, topic_words(question), named_cue=False)


def test_a_voice_or_meeting_alone_is_a_question():
    assert not E.vague("hvad sagde brugerne?", [], named_cue=True)


def test_a_claim_question_without_its_claim_is_bare():
    from assistant.claims import bare_claim_question, claim_of
    assert bare_claim_question("står det nogen steder, at")
    assert bare_claim_question("Blev det skrevet ned, at?")
    assert not bare_claim_question("står det nogen steder, at ventelisterne er for lange?")
    assert claim_of("står det nogen steder, at ventelisterne er for lange?") == "ventelisterne er for lange"


def test_the_shipped_expectations_file_loads_every_kind():
    assert [t.id for t in E.answer_types()] == ["amount", "quantity"]
    assert all(t.asks and t.holds and t.reason for t in E.answer_types())


@pytest.mark.parametrize("passage", ["der var ca. 26 deltagere", "Åbenhed/gennemsigtighed (5)",
                                     "steget med 30 procent", "Afprøve 2-3 nye samarbejdsmodeller",
                                     "tre klynger med fire kommuner"])
def test_a_count_question_is_met_by_a_number(passage):
    assert E.unmet("hvor mange var der?", [passage]) is None


def test_a_count_question_is_unmet_by_labels_and_years_but_met_by_a_list():
    texts = ["Udfordring 1: Økonomisk pres på det specialiserede socialområde frem mod 2021"]
    gap = E.unmet("hvor mange børn er anbragt uden for hjemmet lige nu", texts)
    assert gap is not None and gap.id == "quantity"
    assert E.unmet("hvor mange temaer var der?", texts, kinds=["list"]) is None
