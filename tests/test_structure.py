"""The documents' structure on the real corpus: tables, counted lists, columns, programmes and
the enquête come back as whole passages; no passage is a heading, a template or a glued scrap;
each passage says who said it, where it was said and where it is recorded; every passage and
place can be marked by exact lines and columns. Pure ingest (no model), so these run fast."""
from __future__ import annotations

from dataclasses import asdict

import pytest

from ingest.audit import audit
from ingest.clean import display_text, match_key
from ingest.index import read_corpus
from ingest.manifest import load_manifest
from ingest.pipeline import build_passages

from .conftest import CORPUS

FILE_001 = "001_44dd6fc1c6d66593.txt"


@pytest.fixture(scope="module")
def corpus():
    manifest = load_manifest(CORPUS)
    texts = read_corpus(CORPUS, manifest)
    return manifest, texts, [asdict(p) for p in build_passages(manifest, texts)]


def _places(records):
    for r in records:
        yield r
        yield from r["also_in"]


def _marked(texts: dict, place: dict) -> str:
    """The original text between (line_start, col_start) and (line_end, col_end)."""
    lines = texts[place["file"]].split("\n")
    a, b = place["line_start"], place["line_end"]
    if a == b:
        return lines[a - 1][place["col_start"]:place["col_end"]]
    return "\n".join([lines[a - 1][place["col_start"]:], *lines[a:b - 1], lines[b - 1][:place["col_end"]]])


def _holds(marked: str, text: str) -> bool:
    """Whether the marked original holds the text: it starts with the text's first word, ends
    with its last, and has all its words in order (interleaved slide text may stand between)."""
    want, have = match_key(text).split(), match_key(display_text(marked)).split()
    if not want or not have or have[0] != want[0] or have[-1] != want[-1]:
        return False
    it = iter(have)
    return all(w in it for w in want)


def test_every_passage_and_place_is_marked_exactly_by_lines_and_columns(corpus):
    manifest, texts, records = corpus
    files = {p["file"] for p in _places(records)}
    assert files == {e.name for e in manifest.files}  # all five files
    for p in _places(records):
        assert 0 <= p["col_start"] and p["col_end"] > 0, p
        assert _holds(_marked(texts, p), p["text"]), (p["file"], p["line_start"], p["col_start"], p["text"][:80])


def test_a_statement_inside_a_long_004_slide_is_marked_without_the_rest_of_the_slide(corpus):
    _, texts, records = corpus
    slide_places = [p for p in _places(records) if p["file"].startswith("004")]
    lines = texts["004_5feb06474a4bded0.txt"].split("\n")
    inner = [p for p in slide_places if len(lines[p["line_start"] - 1]) > 1500
             and p["col_end"] - p["col_start"] < 400]
    assert len(inner) >= 20
    for p in inner:
        assert len(_marked(texts, p)) < len(lines[p["line_start"] - 1]) / 2


def test_each_place_is_listed_once(corpus):
    _, _, records = corpus
    for r in records:
        ids = [(p["file"], p["line_start"], p["line_end"], p["col_start"], p["col_end"]) for p in r["also_in"]]
        own = (r["file"], r["line_start"], r["line_end"], r["col_start"], r["col_end"])
        assert len(ids) == len(set(ids)) and own not in ids, r["text"][:60]


@pytest.mark.parametrize("table", [1, 3, 4, 5, 6, 7, 8, 9, 10])
def test_each_bord_table_is_one_passage_with_its_content(corpus, table):
    manifest, _, records = corpus
    found = [r for r in records if r["kind"] == "table" and r["text"].startswith(f"Bord {table}: Prioriteret fokuspunkt")]
    assert len(found) == 1
    t = found[0]
    items = t["text"].split("\n")
    assert len(items) >= 4  # the focus point and what it is important for / achieves
    assert t["voice"] == "politicians" and t["meeting"] == "politikermoede_2017"
    for template in manifest.templates:
        assert match_key(template.text) not in match_key(t["text"])


@pytest.mark.parametrize("table", [1, 3, 4, 5, 6, 7, 8, 9, 10])
def test_each_table_list_of_prioritised_focus_points_is_one_passage(corpus, table):
    _, _, records = corpus
    # canonical, or a place of the same list recorded first as "Gruppe N"
    lists = [p for p in _places(records) if p["text"].startswith(f"Bord {table}: Prioriterede fokuspunkter\n1. ")]
    assert len(lists) == 1
    assert "\n2. " in lists[0]["text"] or table in (4, 10)  # Bord 4 and 10 named one point
    if table == 1:
        assert "Formel sikring af brugerinddragelse" in lists[0]["text"] and "Driftsikkerhed" in lists[0]["text"]


def test_votes_across_the_tables_come_with_their_counts(corpus):
    _, _, records = corpus
    counts = ["Samarbejdsmodeller (8)", "Åbenhed/gennemsigtighed (5)", "Brugerinddragelse (4)",
              "Vidensdeling (3)", "Specialiserede tilbud (3)", "Rejsehold (2)"]
    found = [r for r in records if all(c in r["text"] for c in counts)]
    assert len(found) == 1
    assert found[0]["text"].startswith("Prioriterede fokuspunkter talt sammen på tværs af bordene")


def test_vision_columns_know_their_vision_and_side(corpus):
    _, _, records = corpus
    cols = [r for r in records if r["kind"] == "table_column"]
    assert len(cols) >= 6
    ulempe = next(r for r in cols if "Driftsøkonomierne kan blive for små i klyngen" in r["text"])
    assert "Ulemper ved scenariet" in ulempe["heading"] and "Tættere klyngesamarbejde" in ulempe["heading"]
    fordel = next(r for r in cols if "Godt for de små kommuner" in r["text"])
    assert "Fordele ved scenariet" in fordel["heading"] and "Driftsøkonomierne" not in fordel["text"]
    question = next(r for r in cols if "Hvorfor skal der være en selvforsyning på 95%?" in r["text"])
    assert "Hvad skal vi undersøge" in question["heading"] and "selvforsyning" in question["heading"]


def test_the_visions_are_described_by_the_organisers_and_weighed_by_the_politicians(corpus):
    """001 prints each vision's title after its description; the politicians' pros and cons start
    at the first table, not at the second vision's title."""
    _, _, records = corpus
    for start in ("Der er et stadig større pres på kommunerne", "Kommunens øgede selvforsyning styrker",
                  "Der etableres 3-4 klynger"):
        places = [p for p in _places(records) if p["text"].startswith(start)]
        assert places and all(p["voice"] == "organisers" for p in places), start
    cols = [r for r in records if r["kind"] == "table_column"]
    assert cols and all(r["voice"] == "politicians" for r in cols)


def test_programme_is_kept_whole_and_item_by_item(corpus):
    _, _, records = corpus
    whole = [r for r in records if r["kind"] == "programme" and "09.30 Velkommen" in r["text"]]
    assert whole and "12.30 Frokost" in whole[0]["text"] and "11.00 Kaffe/The" in whole[0]["text"]
    item = next(r for r in records if r["kind"] == "programme_item" and r["text"].startswith("12.15"))
    assert "Implement" in item["text"] and "Knud Erik Hansen" in item["text"]


def test_the_enquete_challenges_are_one_passage(corpus):
    _, _, records = corpus
    challenges = ["BUDGETSIKKERHED", "NY FAGLIG TILGANG", "DIALOG", "SAMMENHÆNG", "TILBUDSVIFTE"]
    found = [r for r in records if r["file"].startswith("003") and all(c in r["text"] for c in challenges)]
    assert len(found) == 1 and "At sikre budgetsikkerhed" in found[0]["text"]


def test_no_passage_is_a_heading_template_or_glued_scrap(corpus):
    manifest, texts, records = corpus
    found = audit(records, manifest, texts)
    for kind in ("template", "heading_only", "glued", "mid_sentence"):
        assert found[kind] == [], (kind, [(r["file"], r["line_start"], r["text"][:60]) for r in found[kind]])


def test_the_end_of_a_bullet_is_not_glued_to_the_next_slides_heading(corpus):
    _, _, records = corpus
    tyranni = next(r for r in records if r["text"].startswith("De tomme pladsers tyranni"))
    assert "OVERGANGE" not in tyranni["text"]
    overgange = next(r for r in records if "Rammeaftalerne skal støtte overgange" in r["text"])
    assert "tyranni" not in overgange["text"]


def test_a_slides_repeated_section_title_is_neither_glued_to_a_statement_nor_a_passage(corpus):
    # 001 repeats «Fra mødet den 17. marts 2017:» under the last bullet of a slide; 004 runs the
    # slide titles («… Relevante fokusområder for rammeaftalen 2018 FOKUSOMRÅDER … UDDYBNING») together
    _, _, records = corpus
    assert not [r["text"] for r in records if "Fra mødet den 17. marts 2017" in r["text"]]
    statement = next(r for r in records if "Socialpsykiatri er ikke en specialisering" in r["text"])
    assert statement["voice"] == "professionals" and statement["file"] == FILE_001


def test_the_papkort_note_is_the_organisers(corpus):
    _, _, records = corpus
    notes = [p for p in _places(records) if p["text"].startswith("Opsamlingen på dette punkt er en afskrivning")]
    assert notes and all(p["voice"] == "organisers" for p in notes)


def test_text_the_organisers_added_in_parentheses_is_theirs_not_the_users(corpus):
    _, _, records = corpus
    card = next(r for r in records if r["text"].startswith("Fælles evaluering af udvalgte temaer/indsatser"))
    assert card["voice"] == "users" and "For at få en bedre viden" not in card["text"]
    assert card["additions"] == [{"text": "For at få en bedre viden om hvilke sociale indsatser der virker.",
                                  "voice": "organisers"}]
    for p in _places(records):  # nowhere quoted as a users' statement of its own
        if p["voice"] == "users":
            assert not p["text"].lstrip("(").startswith("For at få en bedre viden"), p


def test_a_short_card_with_the_organisers_addition_is_kept_with_every_place(corpus):
    """«Koordinerende sagsbehandler. (Primært myndighedsrettet)»: two words of the users and the
    organisers' note: a card of its own, not a sub-heading over the next card, in all three files."""
    _, _, records = corpus
    card = next((r for r in records if r["text"] == "Koordinerende sagsbehandler."), None)
    assert card is not None, "the users' card is missing from the index"
    assert card["voice"] == "users" and card["meeting"] == "dialogforum_2017"
    assert card["additions"] == [{"text": "Primært myndighedsrettet", "voice": "organisers"}]
    assert {p["file"] for p in _places([card])} == {"000_f15e62ccd6a82829.txt", FILE_001, "004_5feb06474a4bded0.txt"}
    assert not any("Koordinerende" in r["heading"] for r in records)


def test_a_brugerne_siger_statement_is_not_presented_as_said_at_the_7_april_meeting(corpus):
    _, _, records = corpus
    boxed = [r for r in records if r["heading"].endswith("Brugerne siger")]
    assert len(boxed) >= 5
    for r in boxed:
        assert r["voice"] == "users" and r["recorded_in"] == "politikermoede_2017"
        assert r["meeting"] != "politikermoede_2017", r["text"][:60]
    # where the same statement stands in the minutes of the meeting where it was said, it is named
    said = [r for r in records if r["heading"].endswith("Fagpersonerne siger") and r["meeting"]]
    assert said and all(r["meeting"] == "fagpersoner_2017" for r in said)


@pytest.mark.parametrize("start, voice, area", [
    ("Solidariske samarbejdsmodeller på tværs af kommuner", "professionals", "Styring"),
    ("Vi ønsker at blive inddraget tidligt", "users", "Rammeaftalens form"),
])
def test_a_voice_box_on_the_theme_meeting_slides_is_titled_with_its_focus_area(corpus, start, voice, area):
    """«Fagpersonerne siger» under the slide "Styring" is what the professionals said about styring:
    "hvad sagde fagfolk om styring?" has to find it by its heading, and the label says so."""
    _, _, records = corpus
    places = [p for p in _places(records) if p["file"].startswith("001") and p["text"].startswith(start)]
    assert places and all(p["voice"] == voice for p in places)
    assert all(f"– {area}" in p["heading"] and p["heading"].endswith("siger") for p in places)


def test_each_vision_of_the_kick_off_is_titled_by_its_own_name_in_001(corpus):
    """001 has each vision's title after its description; every description passage is headed by
    its own vision, as in 004's slides, not by the vision before it."""
    _, _, records = corpus
    expected = {"Der etableres 3-4 klynger": "Tættere klyngesamarbejde om sikrer tilbudsviften",
                "Samtidig etableres der på tværs af de to driftskommuner": "Tilbud til de 31 målgrupper",
                "Derfor skal de specialiserede opgaver i endnu højere grad": "Forøget kommunal selvforsyning (95%)"}
    for start, title in expected.items():
        rec = next(r for r in records if r["text"].startswith(start))
        assert rec["file"] == FILE_001 and title in rec["heading"], (start, rec["heading"])
        others = [t for t in expected.values() if t != title]
        assert not any(t in rec["heading"] for t in others), rec["heading"]


def test_a_conjunction_between_the_sides_of_a_paradox_is_no_heading(corpus):
    _, _, records = corpus
    assert not any(part.strip() in {"OG", "ELLER"} for r in records for part in r["heading"].split(" – "))
    rec = next(r for r in records if r["text"].startswith("Kommunerne har først og fremmest en forpligtelse"))
    assert rec["heading"].endswith("Paradoks: Samarbejde OG Kommunalt selvstyre"), rec["heading"]


def test_no_passage_is_headed_by_a_rule_or_punctuation(corpus):
    """002's "---" before its footnote is a horizontal rule of the web page, not a heading."""
    _, _, records = corpus
    bad = [(r["file"], r["line_start"], r["heading"]) for r in records
           if any(part.strip() and not any(ch.isalnum() for ch in part) for part in r["heading"].split(" – "))]
    assert not bad, bad


def test_the_focus_areas_menu_does_not_head_the_first_focus_area(corpus):
    """001 line 317: the page lists the four focus areas under «Styrket samarbejde» before the first
    of them; the passages about styrket samarbejde are not headed by the three others."""
    _, _, records = corpus
    rec = next(r for r in records if r["text"].startswith("Det klassiske samarbejde om en borger"))
    assert rec["heading"].endswith("Styrket samarbejde"), rec["heading"]
    assert "Brugerinddragelse" not in rec["heading"] and "Styring" not in rec["heading"]


def test_the_paradox_slides_title_heads_it_and_is_never_quoted_as_a_statement(corpus):
    """001 line 252 «PARADOKSER – Hvad vægter højest?» is the slide's title, not something said."""
    _, _, records = corpus
    assert not any(r["text"].startswith("PARADOKSER") for r in records)
    rec = next(r for r in records if r["text"].startswith("Det ønskes, at give borgeren et tilbud tæt på"))
    assert rec["heading"].endswith("PARADOKSER – Hvad vægter højest?"), rec["heading"]


def test_a_title_page_heads_what_follows_and_is_not_quoted(corpus):
    """001 line 2158: «Temaoplæg til kick-off møde den 25. november 2016» stands alone on its page."""
    _, _, records = corpus
    assert not any(r["text"].startswith("Temaoplæg til kick-off møde") for r in records)
    rec = next(r for r in records if r["text"].startswith("Temaoplægget sætter fokus på tre fælles strategiske"))
    assert "Temaoplæg til kick-off møde den 25. november 2016" in rec["heading"], rec["heading"]
