"""Sources panel helpers: citation cards and the original text around a passage."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.sources import (MSG_BAD_LINES, MSG_NOT_ALLOWED, NOTE_GENERATED, allowed_path, cards_html,
                               citation_card, document_view, label, other_places, places, source_view)

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
FILE = "001_44dd6fc1c6d66593.txt"


def _lines(name: str) -> list[str]:
    return (CORPUS / name).read_text(encoding="utf-8").split("\n")


@pytest.mark.parametrize("name", [
    "../pyproject.toml",
    "/etc/passwd",
    "%2e%2e%2fpyproject.toml",
    "%2e%2e/pyproject.toml",
    "..%2fpyproject.toml",
    "manifest.toml",  # in the corpus folder, but not a document of the manifest
    "corpus/" + FILE,
    "./" + FILE,
    FILE + "/../" + FILE,
    "..\\pyproject.toml",
    "",
    None,
    42,
])
def test_only_manifest_files_are_opened(name):
    assert allowed_path(CORPUS, name) is None
    html = source_view(CORPUS, name, 1, 1)
    assert MSG_NOT_ALLOWED.split(":")[0] in html
    assert "<mark>" not in html
    assert "ra-line" not in html  # no file content at all


def test_a_file_outside_the_manifest_is_rejected_even_when_it_exists(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for f in CORPUS.iterdir():
        (corpus / f.name).write_bytes(f.read_bytes())
    # a loose .txt beside the texts is part of the corpus (indexed with a warning); anything else
    # in the folder or below it is not a source
    (corpus / "secret.key").write_text("hemmelig\n", encoding="utf-8")
    (corpus / "originals").mkdir()
    (corpus / "originals" / "secret.txt").write_text("hemmelig\n", encoding="utf-8")
    for name in ("secret.key", "originals/secret.txt"):
        assert allowed_path(corpus, name) is None
        assert "hemmelig" not in source_view(corpus, name, 1, 1)
    assert allowed_path(corpus, FILE) == (corpus / FILE).resolve()


def test_passage_lines_are_highlighted_with_context_and_line_numbers():
    lines = _lines(FILE)
    start, end = 569, 572
    html = source_view(CORPUS, FILE, start, end, context=3)
    numbers = [int(n) for n in re.findall(r"<span class='ra-ln' aria-hidden='true'>(\d+)</span>", html)]
    assert numbers == list(range(start - 3, end + 4))
    marked = re.findall(r"<div class='ra-line ra-hit'><span class='ra-ln' aria-hidden='true'>(\d+)</span>", html)
    assert [int(n) for n in marked] == list(range(start, end + 1))
    assert html.count("<mark>") == sum(1 for n in range(start, end + 1) if lines[n - 1].strip())
    assert "Prioriterede fokuspunkter talt sammen" in html
    # a context line is shown but not marked
    before = lines[start - 2].strip()
    if before:
        assert f"<mark>{before}" not in html


def test_view_at_the_start_and_end_of_a_file():
    n = len(_lines(FILE))
    first = source_view(CORPUS, FILE, 1, 1, context=2)
    assert re.findall(r"<span class='ra-ln' aria-hidden='true'>(\d+)</span>", first)[:3] == ["1", "2", "3"]
    last = source_view(CORPUS, FILE, n, n, context=2)
    assert re.findall(r"<span class='ra-ln' aria-hidden='true'>(\d+)</span>", last)[-1] == str(n)


@pytest.mark.parametrize("start,end", [(0, 1), (5, 2), (10 ** 6, 10 ** 6), ("x", 3), (None, None)])
def test_bad_line_numbers_give_a_message(start, end):
    html = source_view(CORPUS, FILE, start, end)
    assert MSG_BAD_LINES in html
    assert "<mark>" not in html


def test_corpus_text_is_escaped(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "doc.txt").write_text("før\n<script>alert(1)</script> & <b>fed</b>\nefter\n", encoding="utf-8")
    html = source_view(corpus, "doc.txt", 2, 2, allowed={"doc.txt"}, title="<i>titel</i>")
    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;fed&lt;/b&gt;" in html
    assert "<mark>&lt;script&gt;" in html


CITATION = {
    "n": 2, "text": "Vi ønsker <script>alert('x')</script> fokus", "quote": "Vi ønsker <script>alert('x')</script> fokus",
    "file": FILE, "line_start": 426, "line_end": 428, "meeting": "Politikertemamøde <b>2018</b>",
    "meeting_id": "politikermoede_2017", "date": "2017-04-07", "date_label": "7. april 2017",
    "voice": "users\"><img src=x onerror=alert(1)>", "voice_label": "Brugere", "heading": "h",
    "also_in": [{"file": "004_5feb06474a4bded0.txt", "line_start": 228, "line_end": 228,
                 "meeting": "Et andet møde", "voice": "users"}],
}


def test_citation_card_shows_voice_meeting_file_lines_and_other_places():
    html = citation_card(CITATION, titles={FILE: "Bilag 11"})
    assert "[2]" in html and "Brugere" in html and "7. april 2017" in html
    assert FILE in html and "linje 426–428" in html and "Bilag 11" in html
    assert "Også registreret i" in html and "004_5feb06474a4bded0.txt" in html and "linje 228" in html
    assert "Et andet møde" in html


def test_citation_card_escapes_everything():
    html = citation_card(CITATION)
    assert "<script>" not in html and "<b>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;2018&lt;/b&gt;" in html
    # the voice only ever becomes a safe class name
    assert re.search(r"class='ra-voice ra-voice-[a-z0-9_-]+'", html)


def test_cards_for_answer_refusal_and_nothing():
    assert "ra-card" not in cards_html(None)
    answered = cards_html({"citations": [CITATION], "maybe_relevant": []})
    assert answered.count("<article class='ra-card'") == 1
    refused = cards_html({"citations": [], "maybe_relevant": [CITATION, {**CITATION, "n": 3}]})
    assert "Måske relevant" in refused and refused.count("ra-card ra-maybe") == 2
    assert "ra-card" not in cards_html({"citations": [], "maybe_relevant": []})


def test_only_the_passage_words_are_marked_when_found(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "slides.txt").write_text(
        "titel\nSLIDE 3 Vi ønsker  fokus på overgange. Andet udsagn <her>.\nslut\n"
        "start Det bør være\n\uf0b7 et fokusområde. Resten\n", encoding="utf-8")
    one = source_view(corpus, "slides.txt", 2, 2, allowed={"slides.txt"},
                      passage="Vi ønsker fokus på overgange.")
    assert "SLIDE 3 <mark>Vi ønsker  fokus på overgange.</mark> Andet udsagn &lt;her&gt;." in one
    two = source_view(corpus, "slides.txt", 4, 5, allowed={"slides.txt"},
                      passage="Det bør være et fokusområde.")
    assert "start <mark>Det bør være</mark>" in two
    assert "<mark>• et fokusområde.</mark> Resten" in two
    missing = source_view(corpus, "slides.txt", 2, 2, allowed={"slides.txt"}, passage="ikke i teksten")
    assert "<mark>SLIDE 3 Vi ønsker  fokus på overgange. Andet udsagn &lt;her&gt;.</mark>" in missing


def _slides(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    line = "SLIDE 4 Brugerne siger: Vi vil med fra start. Vi vil med fra start. Andet <punkt> her."
    (corpus / "s.txt").write_text(f"før\n{line}\nefter\n", encoding="utf-8")
    return corpus, line


def test_columns_mark_exactly_the_chosen_passage_even_when_its_words_repeat(tmp_path):
    corpus, line = _slides(tmp_path)
    second = line.index("Vi vil", line.index("Vi vil") + 1)
    html = source_view(corpus, "s.txt", 2, 2, allowed={"s.txt"}, passage="Vi vil med fra start.",
                       col_start=second, col_end=second + len("Vi vil med fra start."))
    # the second of two identical sentences: found by text it would be the first
    assert "start. <mark>Vi vil med fra start.</mark> Andet &lt;punkt&gt; her." in html
    assert html.count("<mark>") == 1


def test_columns_across_lines_and_bad_columns_fall_back(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "d.txt").write_text("aaa Start her\nmidt\nslut her bbb\n", encoding="utf-8")
    html = source_view(corpus, "d.txt", 1, 3, allowed={"d.txt"}, col_start=4, col_end=8)
    assert "aaa <mark>Start her</mark>" in html and "<mark>midt</mark>" in html and "<mark>slut her</mark> bbb" in html
    # columns outside the lines: the cited words, else the whole lines
    by_text = source_view(corpus, "d.txt", 1, 1, allowed={"d.txt"}, passage="Start", col_start=99, col_end=3)
    assert "aaa <mark>Start</mark> her" in by_text
    whole = source_view(corpus, "d.txt", 1, 1, allowed={"d.txt"}, col_start="x", col_end=None)
    assert "<mark>aaa Start her</mark>" in whole


def test_label_rule_names_the_meeting_or_the_material_that_records_it():
    said = {"voice_label": "Brugere", "meeting": "Brugerworkshop", "date_label": "18. januar 2017",
            "recorded_in": {"id": "p", "title": "Politikertemamøde"}}
    assert label(said) == "Brugere – Brugerworkshop, 18. januar 2017"
    quoted = {**said, "meeting": "", "date_label": ""}
    assert label(quoted) == "Brugere – gengivet i Politikertemamøde"
    html = citation_card({**quoted, "n": 1, "file": FILE, "line_start": 1, "line_end": 1, "quote": "q"})
    assert "gengivet i Politikertemamøde" in html and "<h3" in html and "<article" in html


def test_each_other_place_is_listed_once_and_has_its_own_key():
    c = {**CITATION, "also_in": [
        {"file": "b.txt", "line_start": 9, "line_end": 9, "col_start": 3, "col_end": 20, "text": "x"},
        {"file": "b.txt", "line_start": 9, "line_end": 9, "col_start": 3, "col_end": 20, "text": "x"},
        {"file": "b.txt", "line_start": 9, "line_end": 9, "col_start": 30, "col_end": 40, "text": "y"},
        {"file": FILE, "line_start": 426, "line_end": 428},  # the citation's own place
    ]}
    assert len(other_places(c)) == 2
    html = citation_card(c)
    assert html.count("data-place='2.") == 2 and html.count("b.txt, linje 9") == 2
    keyed = places({"citations": [c, {**CITATION, "n": 3, "also_in": []}]})
    assert list(keyed) == ["2", "2.1", "2.2", "3"]
    assert (keyed["2.1"]["col_start"], keyed["2.2"]["col_start"]) == (3, 30)
    assert keyed["2.2"]["text"] == "y" and keyed["2"]["text"] == CITATION["text"]


def test_generated_answer_cards_cited_first_the_rest_folded():
    citations = [{**CITATION, "n": n} for n in (1, 2, 3)]
    html = cards_html({"citations": citations, "generated": True, "cited": [2]})
    assert NOTE_GENERATED in html
    shown, folded = html.split("<details", 1)
    assert "data-n='2'" in shown and "data-n='1'" not in shown and "data-n='3'" not in shown
    assert "data-n='1'" in folded and "data-n='3'" in folded
    assert "<details" not in cards_html({"citations": citations[:1], "generated": True, "cited": [1]})


def test_unsure_answers_are_not_shown_as_refusals():
    unsure = cards_html({"citations": [], "maybe_relevant": [CITATION], "unsure": True, "kind": "unsure"})
    assert "Ligner mest" in unsure and "Måske relevant" not in unsure
    refused = cards_html({"citations": [], "maybe_relevant": [CITATION], "kind": "refused"})
    assert "Måske relevant" in refused


def test_a_whole_document_has_nothing_marked():
    html = document_view(CORPUS, FILE)
    assert "<mark>" not in html and "ra-hit" not in html
    assert html.count("class='ra-line'") == len(_lines(FILE))
    assert MSG_NOT_ALLOWED.split(":")[0] in document_view(CORPUS, "../pyproject.toml")


def test_a_card_names_the_voice_once():
    html = citation_card({"n": 1, "voice": "users", "voice_label": "Brugere", "meeting": "", "file": FILE,
                          "line_start": 1, "line_end": 1, "quote": "q"})
    heading = re.search(r"<h3[^>]*>(.*?)</h3>", html).group(1)
    assert re.sub(r"<[^>]+>", "", heading).count("Brugere") == 1
