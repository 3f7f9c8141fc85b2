"""The eval's judgement of a cited passage: pure functions, no index."""
from __future__ import annotations

from eval.metrics import holds_gold, judge


CARD = {"text": "Større videndeling mellem kommuner.", "voice": "users",
        "also_in": [{"text": "Større videndeling mellem kommuner.", "file": "001_44dd6fc1c6d66593.txt"}],
        "additions": [{"text": "Videndeling forstås meget bredt og kn både være fagligt eller i forhold til "
                               "arbejdstilrettelæggelse mv.", "voice": "organisers"}]}


def test_a_gold_in_the_organisers_addition_shown_with_the_card_is_held():
    assert holds_gold(CARD, ["i forhold til arbejdstilrettelæggelse mv."])
    assert holds_gold(CARD, ["større videndeling  mellem\nkommuner"])  # whitespace and case do not matter
    assert not holds_gold({**CARD, "additions": []}, ["i forhold til arbejdstilrettelæggelse mv."])


def test_a_refusal_holds_no_answer_even_when_its_closest_passage_has_the_gold():
    q = {"gold": ["i forhold til arbejdstilrettelæggelse"], "unanswerable": False, "voice": "users"}
    answered = {"refused": False, "unsure": False, "answer": "«Større videndeling …» [1]"}
    refused = {"refused": True, "unsure": False, "answer": "Det fremgår ikke af materialet."}
    assert judge(q, answered, [CARD])["right"] is True
    assert judge(q, refused, [CARD])["answer_hit"] is False


def test_a_gold_in_the_topic_heading_the_answer_shows_before_the_quote_is_held():
    # «Forøget kommunal selvforsyning (95%): «Derfor skal …»»: the reader sees the vision's title
    vision = {"text": "Derfor skal de specialiserede opgaver i endnu højere grad løses inden for den enkelte kommune.",
              "context": "Forøget kommunal selvforsyning (95%)", "also_in": [], "additions": []}
    assert holds_gold(vision, ["Forøget kommunal selvforsyning (95%)"])
    assert not holds_gold({**vision, "context": ""}, ["Forøget kommunal selvforsyning (95%)"])
