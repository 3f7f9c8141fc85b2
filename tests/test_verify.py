"""The pure verifier of generated answers (assistant/verify.py) and the shared Danish sentence
splitter (ingest/sentences.py): fast, no index, no embedder (lemmas and claim checks only)."""
from __future__ import annotations

from pathlib import Path

import pytest

from assistant.verify import Source, antonyms, counts_ok, dates_ok, groups_ok, lemma, polarity_ok, verify, words
from ingest.clean import split_sentences
from ingest.sentences import split

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

USERS_VEJ = {"n": 1, "voice": "users", "date_label": "18. januar 2017", "date": "2017-01-18",
             "text": "Konkurrenceudsættelse af opgaverne er ikke vejen frem. Dette blev sagt med reference til "
                     "det seneste udviklingstiltag med gennemførsel af et udbud af en række botilbudspladser."}
USERS_PAP = {"n": 2, "voice": "users", "date_label": "18. januar 2017", "date": "2017-01-18",
             "text": "Konkurrenceudsættelse er ikke en god vej!!! Fokus på recovery i et tæt samarbejd med brugerne"}
ORG_COUNT = {"n": 3, "voice": "organisers", "date_label": "18. januar 2017", "date": "2017-01-18",
             "text": "Mødet blev afholdt på Solrød Rådhus og der var ca. 26 deltagere – heraf 10 til 12 direkte "
                     "brugerrepræsentanter."}
POL_REC = {"n": 4, "voice": "politicians", "date_label": "25. november 2016", "date": "2016-11-25",
           "text": "Recovery= bedre økonomi for kommunerne, bedre kvalitet for borgerne."}
USERS_MYN = {"n": 5, "voice": "users", "date_label": "7. april 2017", "date": "2017-04-07",
             "meeting": "Politikertemamøde om rammeaftalen 2018",
             "text": "Vi ønsker fokus på overgange mellem myndighed og tilbud og mellem fx psykiatriske afdeling og "
                     "kommunale tilbud"}
CITES = [USERS_VEJ, USERS_PAP, ORG_COUNT, POL_REC, USERS_MYN]


def ok(text: str) -> bool:
    return verify(text, CITES)[0]


# -- sentences -----------------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("Der var ca. 26 deltagere. Heraf 10 til 12 brugere.", ["Der var ca. 26 deltagere.", "Heraf 10 til 12 brugere."]),
    ("De drøftede bl.a. Tomme pladser. Kl. 8.45 Oplæg. Nr. 3 blev valgt.",
     ["De drøftede bl.a. Tomme pladser.", "Kl. 8.45 Oplæg.", "Nr. 3 blev valgt."]),
    ("Fx. Recovery og jf. Rammeaftalen, evt. Klynger. Slut.", ["Fx. Recovery og jf. Rammeaftalen, evt. Klynger.", "Slut."]),
    ("Mødet den 18. Januar 2017 var godt. Næste møde.", ["Mødet den 18. Januar 2017 var godt.", "Næste møde."]),
    ("Tomme pladser mv. Det er dyrt osv. Men godt.", ["Tomme pladser mv.", "Det er dyrt osv.", "Men godt."]),
    ("Første sætning. Anden sætning! Tredje", ["Første sætning.", "Anden sætning!", "Tredje"]),
])
def test_danish_sentences_split_after_sentences_not_abbreviations(text, expected):
    assert split(text) == expected
    assert [text[a:b] for a, b in split_sentences(text)] == expected  # ingest uses the same splitter


def test_ca_before_a_count_does_not_break_a_generated_sentence():
    assert ok("Mødet blev holdt på Solrød Rådhus med ca. 26 deltagere, heraf 10 til 12 direkte "
              "brugerrepræsentanter [3].")


# -- claims ---------------------------------------------------------------------------------------
def test_negation_is_compared_both_ways():
    assert ok("Brugerne mente, at konkurrenceudsættelse af opgaverne ikke er vejen frem [1].")
    assert not ok("Brugerne mente, at konkurrenceudsættelse af opgaverne er vejen frem [1].")  # removed
    assert not ok("Brugerne ønskede ikke fokus på overgange mellem myndighed og tilbud [5].")  # added
    assert ok("Brugerne var imod konkurrenceudsættelse [2].")  # the same polarity in other words
    assert not ok("Brugerne støttede ikke, at man undgår konkurrenceudsættelse [2].")


def test_antonyms_reverse_the_meaning():
    src = Source.of(POL_REC)
    assert polarity_ok("Politikerne så recovery som bedre økonomi for kommunerne.", src)
    assert not polarity_ok("Politikerne så recovery som dårligere økonomi for kommunerne.", src)
    assert not ok("Politikerne mente, at recovery giver dårligere kvalitet for borgerne [4].")
    # a negation and an antonym together keep the meaning
    assert polarity_ok("Brugerne mente, at konkurrenceudsættelse er en dårlig vej.", Source.of(USERS_PAP))


def test_every_antonym_pair_occurs_in_the_corpus():
    corpus = set()
    for f in CORPUS.glob("*.txt"):
        ws = words(f.read_text(encoding="utf-8"))
        corpus |= set(ws) | {lemma(w) for w in ws}
    pairs = {tuple(sorted((a, b))) for a, bs in antonyms().items() for b in bs}
    assert len(pairs) >= 20
    missing = [p for p in pairs if not (set(p) & corpus)]
    assert not missing, missing


def test_a_named_group_must_be_the_voice_or_named_in_the_passage_text():
    assert groups_ok("Brugerrepræsentanterne mente, at konkurrenceudsættelse ikke er vejen frem.", Source.of(USERS_VEJ))
    assert not groups_ok("Politikerne mente, at konkurrenceudsættelse ikke er vejen frem.", Source.of(USERS_VEJ))
    # «borgerne» is in the politicians' passage's own text
    assert groups_ok("Politikerne så bedre kvalitet for borgerne.", Source.of(POL_REC))
    # a meeting title is no group: «Politikertemamøde» names no politicians, in sentence or passage
    assert groups_ok("På politikertemamødet ønskede brugerne fokus på overgange.", Source.of(USERS_MYN))
    assert not groups_ok("Politikerne ønskede fokus på overgange mellem myndighed og tilbud.", Source.of(USERS_MYN))


def test_dates_must_match_the_passage_or_its_meeting():
    src = Source.of(ORG_COUNT)
    assert dates_ok("Den 18. januar 2017 var der ca. 26 deltagere.", src)
    assert dates_ok("I januar 2017 var der ca. 26 deltagere.", src)
    assert not dates_ok("Den 18. februar 2017 var der ca. 26 deltagere.", src)
    assert not dates_ok("Den 19. januar 2017 var der ca. 26 deltagere.", src)
    assert not dates_ok("I januar 2016 var der ca. 26 deltagere.", src)
    assert dates_ok("Arbejdet med Rammeaftale 2018 samlede ca. 26 deltagere.", src)  # a name, not a date


def test_counts_must_match_the_number_beside_the_same_noun():
    src = Source.of(ORG_COUNT)
    assert counts_ok("Der var ca. 26 deltagere, heraf 10 til 12 direkte brugerrepræsentanter.", src)
    assert not counts_ok("Der var cirka 12 deltagere, heraf 10.", src)  # digits from elsewhere in the passage
    assert not counts_ok("Der var ca. 62 deltagere.", src)
    assert not counts_ok("Der var to deltagere.", src)


def test_an_added_reason_must_be_in_the_passage():
    assert not ok("Brugerne mente, at konkurrenceudsættelse ikke er vejen frem, fordi udbuddet gav dårligere "
                  "kvalitet for beboerne [1].")


# -- structure --------------------------------------------------------------------------------
def test_support_is_per_passage_and_every_citation_must_support_something():
    assert not ok("Brugerne ønskede, at alle kommuner bygger nye svømmehaller [1][2][3][4][5].")
    assert not ok("Brugerne ønskede fokus på overgange mellem myndighed og tilbud [5][3][4].")  # idle citations
    assert ok("Brugerne mente, at konkurrenceudsættelse ikke er vejen frem [1][2].")  # each supports it


def test_refusal_phrase_is_exempt_only_on_its_own():
    assert verify("Det fremgår ikke af materialet.", CITES)[1] == "refusal"
    ok_, reason, _ = verify("Brugerne mente, at konkurrenceudsættelse ikke er vejen frem [1]. Det fremgår ikke af "
                            "materialet, hvorfor de skiftede holdning, men i dag støtter de konkurrenceudsættelse.", CITES)
    assert (ok_, reason) == (False, "uncited_sentence")
    assert ok("Brugerne mente, at konkurrenceudsættelse ikke er vejen frem [1]. Det fremgår ikke af materialet.")


def test_lead_ins_with_content_words_are_checked_against_what_they_introduce():
    assert ok("Kort fortalt:\n- Konkurrenceudsættelse af opgaverne er ikke vejen frem [1].")
    assert not ok("Brugerne støtter konkurrenceudsættelse:\n- Konkurrenceudsættelse af opgaverne er ikke vejen frem [1].")
    assert verify("Brugerne støtter konkurrenceudsættelse:", CITES)[1] == "uncited_sentence"


def test_lemmas_let_inflected_paraphrases_pass():
    assert ok("Brugerne ønskede fokusset på overgangene mellem myndigheden og tilbuddene [5].")
    assert not ok("Brugerne ønskede nye svømmehaller og motorveje i regionen [5].")


def test_weekdays_must_match_the_meetings_date():
    src = Source.of(ORG_COUNT)  # 18 January 2017 was a Wednesday
    assert dates_ok("Onsdag den 18. januar 2017 var der ca. 26 deltagere.", src)
    assert not dates_ok("Tirsdag den 18. januar 2017 var der ca. 26 deltagere.", src)


def test_reasons_after_da_and_for_at_are_checked():
    assert not ok("Brugerne mente, at konkurrenceudsættelse ikke er vejen frem, da private firmaer snyder [1].")
    assert not ok("Brugerne ønskede fokus på overgange mellem myndighed og tilbud for at spare penge [5].")


def test_a_refusal_in_other_words_is_a_refusal_and_bold_lead_ins_are_checked():
    assert verify("Materialet siger ikke noget om det.", CITES)[1] == "refusal"
    assert not ok("**Brugerne støtter konkurrenceudsættelse:**\n- Konkurrenceudsættelse af opgaverne er ikke "
                  "vejen frem [1].")
    assert ok("**Kort fortalt:**\n- Konkurrenceudsættelse af opgaverne er ikke vejen frem [1].")


def test_comparatives_the_lemmatizer_misses_still_count_as_antonyms():
    users = {"n": 1, "voice": "users", "text": "Der er behov for et større og tættere samarbejde mellem det enkelte "
                                              "tilbud og de pårørende."}
    assert polarity_ok("Brugerne ønskede et tættere samarbejde med de pårørende.", Source.of(users))
    assert not polarity_ok("Brugerne ønskede et løsere samarbejde med de pårørende.", Source.of(users))
