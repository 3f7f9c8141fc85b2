"""The typed answer structure, the refusal rule, the knobs file and the meeting filter, on small
fake records (no model)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from assistant import answer as A
from ingest.manifest import Meeting

MEETINGS = {"dialogforum_2017": Meeting("dialogforum_2017", "Brugerworkshop med Dialogforum og handicapråd",
                                        "2017-01-18", "18. januar 2017", "Solrød", "", "", ()),
            "politikermoede_2017": Meeting("politikermoede_2017", "Politikertemamøde", "2017-04-07",
                                           "7. april 2017", "", "", "", ())}
MANIFEST = SimpleNamespace(meetings=MEETINGS, voices={"users": {"label": "Brugere"},
                                                      "politicians": {"label": "Politikere"}},
                           file=lambda name: SimpleNamespace(title=f"Fil {name}"))
LINES = {("a.txt", 3): 40, ("b.txt", 9): 55}


def line_length(file, line):
    return LINES.get((file, line), 0)


def rec(**kw):
    base = {"id": "r1", "text": "Vi ønsker at blive inddraget tidligt.", "file": "a.txt", "line_start": 3,
            "line_end": 3, "voice": "users", "meeting": "dialogforum_2017", "heading": "", "also_in": []}
    return {**base, **kw}


KNOBS = {"refuse_dense": 0.8, "min_dense": 0.85, "min_coverage": 0.3, "english_min_dense": 0.8,
         "max_ordinary_answer": 0}


def support(**kw):
    return {"dense": 0.9, "coverage": 0.8, "missing": [], "ordinary": [], "english": False, **kw}


def test_decide_answers_when_close_and_covered():
    assert A.decide(support(), KNOBS) == "answer"


def test_decide_refuses_on_a_specific_missing_word_or_far_meaning():
    assert A.decide(support(missing=["gladsaxe"]), KNOBS) == "refused"
    assert A.decide(support(dense=0.7), KNOBS) == "refused"


def test_decide_is_unsure_on_an_ordinary_missing_word_or_thin_support():
    assert A.decide(support(ordinary=["mennesker"]), KNOBS) == "unsure"
    assert A.decide(support(coverage=0.1), KNOBS) == "unsure"
    assert A.decide(support(dense=0.82), KNOBS) == "unsure"


def test_citation_without_columns_spans_whole_lines_and_labels_the_meeting():
    c = A.citation(1, rec(), MANIFEST, "inddraget", line_length)
    assert (c["col_start"], c["col_end"]) == (0, 40)
    assert c["recorded_in"] == {"id": "dialogforum_2017", "title": "Brugerworkshop med Dialogforum og handicapråd"}
    assert c["label"] == "Brugere – Brugerworkshop med Dialogforum og handicapråd, 18. januar 2017"


def test_citation_of_an_unknown_meeting_says_where_it_is_recorded():
    c = A.citation(1, rec(meeting="", recorded_in="politikermoede_2017", col_start=5, col_end=30),
                   MANIFEST, "", line_length)
    assert c["meeting"] == "" and c["meeting_id"] == ""
    assert (c["col_start"], c["col_end"]) == (5, 30)
    assert c["label"] == "Brugere – gengivet i Politikertemamøde"


def test_also_in_lists_each_place_once_and_not_the_cited_place():
    place = {"file": "b.txt", "line_start": 9, "line_end": 9, "voice": "users", "meeting": "dialogforum_2017"}
    same_as_cited = {"file": "a.txt", "line_start": 3, "line_end": 3, "voice": "users", "meeting": "dialogforum_2017"}
    c = A.citation(1, rec(also_in=[place, dict(place), same_as_cited]), MANIFEST, "", line_length)
    assert len(c["also_in"]) == 1
    assert c["also_in"][0]["col_end"] == 55 and c["also_in"][0]["recorded_in"]["id"] == "dialogforum_2017"


def test_groups_put_the_lead_first_and_the_text_is_rendered_from_them():
    cites = [A.citation(n, rec(id=f"r{n}", voice=v, text=f"Udsagn {n}."), MANIFEST, "", line_length)
             for n, v in [(1, "users"), (2, "politicians"), (3, "users"), (4, "politicians")]]
    groups = A.groups(cites)
    assert [len(g["items"]) for g in groups] == [1, 2, 1]
    assert groups[0]["items"][0]["n"] == 1 and groups[0]["voice_label"] == "Brugere"
    text = A.render(groups)
    assert text.startswith("«Udsagn 1.» [1]") and A.MORE in text
    assert text.index("[3]") > text.index("[2]")
    assert A.render(groups, A.UNSURE).startswith(A.UNSURE)
    assert A.render(groups, A.CLAIM_YES).startswith("Ja – «Udsagn 1.»")


def test_knobs_come_from_the_file_and_the_environment_overrides(tmp_path, monkeypatch):
    from assistant.config import Settings
    knobs = tmp_path / "knobs.toml"
    knobs.write_text("min_dense = 0.91\nvoice_boost = 0.5\n", encoding="utf-8")
    monkeypatch.setenv("RAMMEAFTALE_KNOBS", str(knobs))
    monkeypatch.setenv("RAMMEAFTALE_VOICE_BOOST", "0.7")
    s = Settings()
    assert s.min_dense == 0.91 and s.voice_boost == 0.7
    assert s.knobs()["min_dense"] == 0.91


def test_calibrate_writes_the_knobs_file_keeping_comments(tmp_path):
    from eval.calibrate import write_knobs
    knobs = tmp_path / "knobs.toml"
    knobs.write_text("# the best cosine\nmin_dense = 0.8\nquote_chars = 300\n", encoding="utf-8")
    write_knobs({"min_dense": 0.8612, "max_ordinary_answer": 1}, knobs)
    text = knobs.read_text(encoding="utf-8")
    assert "# the best cosine" in text and "min_dense = 0.8612" in text and "quote_chars = 300" in text
    assert "max_ordinary_answer = 1\n" in text


class _Store:
    """A vector store double that ranks every record (the real Chroma needs the model)."""
    def __init__(self, records):
        self.records = records

    def query(self, q):
        return SimpleNamespace(ids=[r["id"] for r in self.records], similarities=[0.9] * len(self.records))


class _Embedder:
    def get_query_embedding(self, text):
        return [0.0]


@pytest.fixture()
def retriever():
    from ingest.lexical import build_bm25
    from assistant.retrieve import HybridRetriever
    records = [
        rec(id="a", text="Overgange mellem tilbud skal styrkes.", meeting="", recorded_in="politikermoede_2017"),
        rec(id="b", text="Overgange fra barn til voksen.", meeting="dialogforum_2017", recorded_in="dialogforum_2017",
            also_in=[{"file": "b.txt", "line_start": 9, "line_end": 9, "voice": "users",
                      "meeting": "politikermoede_2017", "recorded_in": "politikermoede_2017"}]),
        rec(id="c", text="Overgange og pladser.", meeting="kickoff_2016", recorded_in="kickoff_2016"),
    ]
    index = SimpleNamespace(records=records, by_id={r["id"]: r for r in records},
                            bm25=build_bm25([r["text"] for r in records]), vector_store=_Store(records))
    return HybridRetriever(index, _Embedder())


def test_meeting_filter_matches_where_said_recorded_or_also_recorded(retriever):
    from assistant.query import Query
    hits = retriever.search(Query(text="overgange"), meetings=["politikermoede_2017"])
    assert {h.record["id"] for h in hits} == {"a", "b"}


def _ev(cov, dense, agrees=True, voiced=True, unit=0.0, unit_agrees=True, facts=True, conflicts=False):
    from assistant.claims import Evidence
    return Evidence(cov, dense, agrees, voiced, unit, unit_agrees, facts, conflicts)


def test_claim_calibration_weighs_a_false_no_three_times_and_prices_the_unsure_band():
    from eval.calibrate import claim_cost, search_claims
    knobs = {"claim_min_coverage": 0.6, "claim_min_dense": 0.85, "claim_unsure_coverage": 0.3}
    recorded_in_other_words = {"unanswerable": False, "candidates": [_ev(0.35, 0.88)]}
    unrecorded_close = {"unanswerable": True, "candidates": [_ev(0.4, 0.88)]}
    cost, counts = claim_cost([recorded_in_other_words, unrecorded_close], knobs)
    assert counts == {"false_no": 0, "false_yes": 0, "unsure_recorded": 1, "unsure_unrecorded": 1} and cost == 1
    cost, counts = claim_cost([recorded_in_other_words], {**knobs, "claim_unsure_coverage": 1.0})
    assert counts["false_no"] == 1 and cost == 3
    # three recorded claims in other words against one unrecorded: the band pays
    best, _ = search_claims([recorded_in_other_words] * 3 + [unrecorded_close])
    assert best["claim_unsure_coverage"] <= 0.35 < best["claim_min_coverage"]
    # a passage covering the claim's words with the other polarity is a «Nej», not the band
    opposite = {"unanswerable": True, "candidates": [_ev(0.9, 0.88, agrees=False)]}
    cost, counts = claim_cost([opposite], knobs)
    assert cost == 0 and counts["unsure_unrecorded"] == 0


def test_a_passage_with_the_claims_words_whose_closest_line_says_the_opposite_is_no_yes():
    from assistant.claims import Evidence, verdict
    knobs = {"claim_min_coverage": 0.6, "claim_min_dense": 0.85, "claim_unsure_coverage": 0.2,
             "claim_unit_yes": 0.9, "claim_unit_no": 0.86}
    # "… antallet af børn … er steget": the passage has «steget» about costs, «faldet» in the line
    # closest to the claim
    reversed_line = Evidence(1.0, 0.88, True, True, unit=0.92, unit_reversed=True)
    assert verdict([reversed_line], knobs) == ("opposite", [0])
    assert verdict([Evidence(1.0, 0.88, True, True, unit=0.92)], knobs) == ("yes", [0])


def test_another_meetings_passage_or_one_without_the_claims_name_states_nothing():
    from assistant.claims import Evidence, verdict
    knobs = {"claim_min_coverage": 0.6, "claim_min_dense": 0.85, "claim_unsure_coverage": 0.2,
             "claim_unit_yes": 0.9, "claim_unit_no": 0.86}
    assert verdict([Evidence(1.0, 0.88, True, True, unit=0.92)], knobs)[0] == "yes"
    assert verdict([Evidence(1.0, 0.88, True, True, unit=0.92, placed=False)], knobs)[0] != "yes"
    assert verdict([Evidence(0.4, 0.88, True, True, unit=0.95, named=False)], knobs)[0] != "yes"


def test_claim_in_other_words_is_decided_by_its_closest_sentence():
    from assistant.claims import verdict
    knobs = {"claim_min_coverage": 0.6, "claim_min_dense": 0.85, "claim_unsure_coverage": 0.2,
             "claim_unit_yes": 0.9, "claim_unit_no": 0.86}
    # few shared words, but one line says it in other words: «Ja», citing that passage
    assert verdict([_ev(0.2, 0.86, unit=0.84), _ev(0.3, 0.87, unit=0.92)], knobs) == ("yes", [1])
    # the close line, or its passage, says the opposite: «Nej – … det modsatte» with it
    assert verdict([_ev(0.3, 0.87, unit=0.92, unit_agrees=False)], knobs) == ("opposite", [0])
    assert verdict([_ev(0.3, 0.87, agrees=False, unit=0.92)], knobs) == ("opposite", [0])
    # a negated claim against a plain line may be a hedge said otherwise: unsure, not «Nej»
    assert verdict([_ev(0.3, 0.87, agrees=False, unit=0.92)], knobs, negative=True) == ("unsure", [0])
    # the close line is another group's: not theirs to confirm
    assert verdict([_ev(0.3, 0.87, voiced=False, unit=0.95)], knobs)[0] == "no"
    # words in common but no sentence anywhere near the claim: «Nej» rather than unsure
    assert verdict([_ev(0.4, 0.87, unit=0.85)], knobs) == ("no", [])
    # in between: unsure, with the passages for the user to judge
    assert verdict([_ev(0.4, 0.87, unit=0.88)], knobs) == ("unsure", [0])
    # a named thing the corpus lacks ("80 procent") is a «Nej» however close the sentence
    assert verdict([_ev(0.4, 0.87, unit=0.95)], knobs, specific=True) == ("no", [])
    # a passage too short to have a line of its own («Koordinerende sagsbehandler.») is its own
    # line: close in meaning, it leaves the claim open instead of denying it
    assert verdict([_ev(0.46, 0.905), _ev(0.25, 0.84, unit=0.84)], knobs) == ("unsure", [0])
    assert verdict([_ev(0.46, 0.80), _ev(0.25, 0.84, unit=0.84)], knobs) == ("no", [])
    # without unit vectors (an old index) the word rule decides as before
    assert verdict([_ev(0.7, 0.87)], knobs) == ("yes", [0])
    assert verdict([_ev(0.4, 0.87)], knobs) == ("unsure", [0])


def test_a_claim_with_another_date_or_number_than_the_material_is_denied_with_that_passage():
    from assistant.claims import verdict
    knobs = {"claim_min_coverage": 0.6, "claim_min_dense": 0.85, "claim_unsure_coverage": 0.2,
             "claim_unit_yes": 0.9, "claim_unit_no": 0.86}
    other = {"facts": False, "conflicts": True}
    # the passage that would confirm it gives another number: «Nej – … et andet tal», with it
    assert verdict([_ev(0.9, 0.9, unit=0.93, **other)], knobs) == ("other", [0])
    assert verdict([_ev(0.3, 0.87, unit=0.84), _ev(0.3, 0.87, unit=0.95, **other)], knobs) == ("other", [1])
    # another passage states it with the claim's own number: «Ja»
    assert verdict([_ev(0.9, 0.9, unit=0.93, **other), _ev(0.3, 0.87, unit=0.92)], knobs) == ("yes", [1])
    # close, but the passage gives no number at all: neither «Ja» nor «Nej»
    assert verdict([_ev(0.9, 0.9, unit=0.93, facts=False)], knobs) == ("unsure", [0])
    assert verdict([_ev(0.3, 0.87, unit=0.95, facts=False)], knobs) == ("unsure", [0])
    # every word of the claim and a line near it, though the passage as a whole is less close:
    # unsure, never «Nej»
    assert verdict([_ev(1.0, 0.84, unit=0.875)], knobs) == ("unsure", [0])


def test_a_claims_dates_and_numbers_are_checked_against_the_passage():
    from assistant.claims import facts_check
    kickoff = "Program for kick-off møde om rammeaftale 2018 Afholdes: fredag den 25. november 2016 8.00-13.00"
    assert facts_check("mødet blev holdt 25 oktober 2016", kickoff) == (False, True)
    assert facts_check("mødet blev holdt den 25. november 2016", kickoff) == (True, False)
    assert facts_check("mødet blev holdt om fredagen", kickoff) == (True, False)  # nothing to check
    assert facts_check("mødet handlede om rammeaftale 2018", kickoff) == (True, False)  # the name's year
    solrod = "Mødet blev afholdt på Solrød Rådhus og der var ca. 26 deltagere – heraf 10 til 12 direkte brugerrepræsentanter."
    assert facts_check("der var omkring 40 deltagere", solrod) == (False, True)
    assert facts_check("der kom ca. 26 deltagere", solrod) == (True, False)
    vision = "Der etableres 3-4 klynger med 4-5 kommuner hver. Inden for hver klynge er der et tæt samarbejde."
    assert facts_check("klyngerne skal have 4-5 kommuner", vision) == (True, False)
    assert facts_check("der skal være 6-7 klynger", vision) == (False, True)
    # the number stands in the passage, but in a line about something else: not stated, and no
    # other number for it either
    prices = "Udgifterne på voksenområdet steg med 5 procent.\nBord 2: samarbejde om botilbud"
    assert facts_check("bord 5 ville samarbejde om botilbud", prices) == (False, True)
    assert facts_check("der skal spares 5 procent på tolkning", "Tolkning drøftes.") == (False, False)
    # a meeting's date counts as the passage's own
    assert facts_check("brugerne mødtes i januar 2017", "Brugerne drøftede overgange.", "18. januar 2017 2017-01-18") == (True, False)
    assert facts_check("brugerne mødtes i marts", "Brugerne drøftede overgange.", "18. januar 2017 2017-01-18") == (False, True)


def test_not_only_is_no_negation():
    from assistant.claims import negated
    assert not negated("Samarbejde om indsatsen – ikke blot om de meget højt specialiserede indsatser.")
    assert negated("Konkurrenceudsættelse er ikke en god vej")


def test_a_passage_is_also_ranked_by_its_closest_line():
    # three passages the dense and lexical rankings cannot tell apart; one line of "c" is what
    # the question means: with the unit ranking on, "c" comes first, and its closest line is found
    import numpy as np
    from ingest.lexical import build_bm25
    from ingest.units import statement_units
    from assistant.query import Query
    from assistant.retrieve import HybridRetriever
    records = [rec(id="a", text="Mål for året\nFælles tilbud i regionen"),
               rec(id="b", text="Mål og opfølgning på møderne"),
               rec(id="c", text="Mål for alle\nEn fast koordinerende sagsbehandler for borgeren")]
    units = sorted({u for r in records for u in statement_units(r["text"])})
    target = "En fast koordinerende sagsbehandler for borgeren"
    vectors = np.array([[1.0, 0.0] if u == target else [0.0, 1.0] for u in units], dtype=np.float32)

    class Embedder:
        def get_query_embedding(self, text):
            return [1.0, 0.0]
    index = SimpleNamespace(records=records, by_id={r["id"]: r for r in records}, units=units, unit_vectors=vectors,
                            bm25=build_bm25([r["text"] for r in records]), vector_store=_Store(records))
    on = HybridRetriever(index, Embedder(), knobs={"unit_weight": 3.0, "coverage_boost": 0.0})
    assert on.search(Query(text="mål"))[0].record["id"] == "c"
    assert on.best_unit("hvem koordinerer", records[2]) == (1.0, target)
    off = HybridRetriever(index, Embedder(), knobs={"unit_weight": 0.0, "coverage_boost": 0.0})
    assert off.search(Query(text="mål"))[0].record["id"] != "c"


def test_a_statement_is_shown_under_its_own_topic_but_not_under_a_write_up_label():
    vision = {"kind": "statement", "text": "Derfor skal de specialiserede opgaver løses i kommunen.",
              "heading": "Kick-off møde: tre visioner – Forøget kommunal selvforsyning (95%) – 1. BESKRIVELSE:"}
    boxed = {"kind": "statement", "text": "Vi ønsker mere dialog om udviklingen",
             "heading": "Politikertemamøde: rammer og fokusområder – Brugerinddragelse – Brugerne siger"}
    summary = {"kind": "statement", "text": "Der var enighed om at samarbejde mere.",
               "heading": "Kick-off møde: opsamling – OPSAMLING – Opsummering"}
    labels = frozenset({"OPSAMLING", "Opsummering", "Brugerne siger"})
    assert A.context(vision, labels) == "Forøget kommunal selvforsyning (95%)"
    assert A.context(boxed, labels) == "Brugerinddragelse"
    assert A.context(summary, labels) == ""
    # a note of the organisers has no topic heading of its own to show
    assert A.context({**vision, "kind": "note"}, labels) == ""


def test_a_claim_about_when_a_meeting_was_held_is_told_by_its_date():
    from assistant.claims import held_on
    assert held_on("kick off mødet blev holdt 25 oktober 2016", "25. november 2016") == "other"
    assert held_on("kick-off mødet blev holdt den 25. november 2016", "25. november 2016") == "same"
    # no day given, or no word of holding the meeting: nothing to check against the manifest
    assert held_on("mødet blev holdt på Comwell", "25. november 2016") == ""
    assert held_on("bord 6 ville mødes igen 5. december", "25. november 2016") == ""
    # the day of the week, from the meeting's date (25 November 2016 was a Friday)
    assert held_on("kick off mødet blev holdt en fredag", "25. november 2016", "2016-11-25") == "same"
    assert held_on("kick off mødet blev holdt en mandag", "25. november 2016", "2016-11-25") == "other"
    assert held_on("processen foregik om mandagen", "2016-2017", "2016-11-01") == ""


def test_a_claim_about_where_a_meeting_was_held_is_told_by_its_place():
    from assistant.claims import held_at
    places = ["Comwell", "Solrød Rådhus", "Ikke angivet i materialet", "Sørup Herregaard, Ringsted", "Ringsted Kongrescenter"]
    assert held_at("politikertemamødet blev holdt på comwell", "Sørup Herregaard, Ringsted", places) == "other"
    assert held_at("politikertemamødet blev holdt på sørup herregaard", "Sørup Herregaard, Ringsted", places) == "same"
    assert held_at("dialogmødet blev holdt online", "Ringsted Kongrescenter", places) == "other"
    # a place the material does not give for that meeting, or no place the manifest knows: nothing to tell
    assert held_at("mødet blev holdt på comwell", "Ikke angivet i materialet", places) == ""
    assert held_at("mødet blev holdt i kantinen", "Comwell", places) == ""


def test_an_answer_led_by_another_groups_words_says_so():
    from assistant.answer import voice_note
    labels = {"users": "Brugere", "professionals": "Fagpersoner", "politicians": "Politikere"}
    users, prof = {"voice": "users", "also_in": []}, {"voice": "professionals", "also_in": []}
    assert voice_note([users, prof], "users", labels) == ""
    assert voice_note([prof, users], "users", labels) == \
        "Det nærmeste svar er fagpersonernes ord, ikke brugernes; brugernes egne står længere nede."
    assert voice_note([prof], "politicians", labels) == \
        "Ingen af de viste steder er politikernes egne ord; de viste ligger nærmest."
    # a statement recorded in the asked group's box elsewhere is theirs
    assert voice_note([{"voice": "organisers", "also_in": [{"voice": "users"}]}], "users", labels) == ""


def test_a_meeting_held_on_one_day_is_named_by_its_month_in_danish_and_english():
    assert MEETINGS["dialogforum_2017"].month_cues == ("januar", "january")
    assert MEETINGS["politikermoede_2017"].month_cues == ("april",)
    stretch = Meeting("proces", "Processen", "2016-11-01", "2016-2017", "", "", "", ())
    assert stretch.month_cues == ()


def test_an_answer_cites_within_its_reading_budget_a_long_passage_past_it_gives_way_to_a_short_one():
    from assistant.retrieve import Hit
    long_, short = {"id": "b", "text": "x" * 900}, {"id": "c", "text": "Kort udsagn."}
    hits = [Hit({"id": "a", "text": "y" * 500}, 1.0, 0.9), Hit(long_, 0.9, 0.9), Hit(short, 0.8, 0.9)]
    index = SimpleNamespace(following=lambda rec: [])
    assert [r["id"] for r in A.select(hits, 10, index, 0.35, max_chars=1000)] == ["a", "c"]
    assert [r["id"] for r in A.select(hits, 10, index, 0.35)] == ["a", "b", "c"]  # no budget
    # the best passage is cited even when it alone is longer than the budget
    assert [r["id"] for r in A.select(hits[1:], 10, index, 0.35, max_chars=100)] == ["b"]


def test_citations_are_numbered_in_the_order_the_answer_shows_them():
    cites = [{"n": i, "label": label, "quote": f"q{i}", "voice": "", "voice_label": "", "meeting_id": ""}
             for i, label in enumerate(["A", "B", "B", "C", "B"], 1)]
    ordered = A.in_reading_order(cites)
    assert [c["quote"] for c in ordered] == ["q1", "q2", "q3", "q5", "q4"]
    groups = A.groups(ordered)
    assert [i["n"] for g in groups for i in g["items"]] == [1, 2, 3, 4, 5]
