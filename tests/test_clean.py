"""Unit tests of the pure text functions of ingest, on small strings."""
from ingest.clean import display_text, is_noise, is_rule, match_key, split_sentences
from ingest.dedup import align, group_near_duplicates, known_keys
from ingest.manifest import FileEntry, ManifestError, SectionSpec, SkipSpec
from ingest.passages import Block, Layout, Note, Passage, Template, line_blocks, passages_from, slide_blocks
from ingest.sections import Section, resolve_sections, resolve_skips

import pytest


def test_display_text_removes_bullets_and_mends_hyphenation_but_keeps_spelling():
    raw = "\uf0b7 Der er behov for et tættere samar-\n  bejde med brugerne i social- og\nundervisningsområdet, kn det"
    assert display_text(raw) == ("Der er behov for et tættere samarbejde med brugerne i "
                                 "social- og undervisningsområdet, kn det")


def test_display_text_strips_markdown_markup():
    assert display_text("*Hvordan kan vi sammen styrke samarbejdet?*<sup>1</sup>") == \
        "Hvordan kan vi sammen styrke samarbejdet?1"
    assert display_text("til [posko@slagelse.dk](mailto:posko@slagelse.dk) senest") == "til posko@slagelse.dk senest"


def test_match_key_ignores_punctuation_dashes_and_line_breaks():
    a = "Afspecialisering er en risiko – men det er\nvanskeligt at sige"
    b = "Afspecialisering er en risiko men det er vanskeligt at sige"
    assert match_key(a) == match_key(b) == "afspecialisering er en risiko men det er vanskeligt at sige"


def test_slide_numbers_are_noise():
    assert is_noise("1  2  ") and is_noise("   ") and not is_noise("2. Åbenhed (5)")
    assert is_rule("---") and is_rule(" ***  ") and not is_rule("– Visioner og temaer") and not is_rule("--- se side 2")


def test_split_sentences():
    text = "Første sætning. Anden sætning! Tredje"
    assert [text[a:b] for a, b in split_sentences(text)] == ["Første sætning.", "Anden sætning!", "Tredje"]


LINES = [
    "Opsamling",                        # 1 heading
    "",
    "\uf0b7 Konkurrenceudsættelse af opgaverne er ikke vejen frem. Dette blev sagt med reference til det",
    " Drøft ved bordene",              # 4 interleaved slide text
    "Spørgsmål fra sliden?",           # 5
    " seneste udviklingstiltag.",      # 6
    "",
    "Brugerne siger",                  # 8
    "\u2022 Vi ønsker fokus på overgange mellem myndighed og tilbud",
    "", "", "", "",
    "Almindelig tekst fra arrangørerne om noget helt andet end boksen.",  # 14
]
ENTRY = FileEntry(name="x.txt", title="", kind="", date="", place="", source="", rank=1, layout="lines",
                  sections=(SectionSpec(marker="Opsamling", heading="H", meeting="m", voice="organisers"),),
                  skips=(SkipSpec(start="Drøft ved bordene", end="Spørgsmål fra sliden?"),))
BOXES = (("Brugerne siger", "users"),)
LAYOUT = Layout(boxes=BOXES)


def test_sections_and_skips_are_found_by_marker_lines():
    sections = resolve_sections(ENTRY, LINES)
    assert [(s.start, s.end) for s in sections] == [(1, len(LINES))]
    assert resolve_skips(ENTRY, LINES) == {4, 5}


def test_a_marker_can_name_its_second_matching_line():
    """A title printed after a description and again on the table slide: the table is the second."""
    lines = ["Intro", "Vision A", "beskrivelse", "Vision A", "FORDELE ULEMPER"]
    specs = (SectionSpec(marker="Intro", heading="I", voice="organisers"),
             SectionSpec(marker="Vision A", heading="T", voice="politicians", occurrence=2))
    entry = FileEntry(**{**ENTRY.__dict__, "sections": specs, "skips": ()})
    assert [(s.start, s.end, s.voice) for s in resolve_sections(entry, lines)] == \
        [(1, 3, "organisers"), (4, 5, "politicians")]
    too_many = FileEntry(**{**entry.__dict__, "sections": (specs[0], SectionSpec(marker="Vision A", heading="T", occurrence=3))})
    with pytest.raises(ManifestError, match="3 times"):
        resolve_sections(too_many, lines)


def test_missing_marker_names_file_and_marker():
    bad = FileEntry(**{**ENTRY.__dict__, "sections": (SectionSpec(marker="Findes ikke", heading="H"),)})
    with pytest.raises(ManifestError, match=r"x\.txt.*Findes ikke"):
        resolve_sections(bad, LINES)


def test_line_blocks_rejoin_interleaved_sentence_and_label_voice_boxes():
    section = resolve_sections(ENTRY, LINES)[0]
    blocks = line_blocks("x.txt", LINES, section, resolve_skips(ENTRY, LINES), LAYOUT)
    texts = [(display_text(b.raw), b.voice, b.lines[0], b.lines[-1], b.meeting, b.recorded_in) for b in blocks]
    # the heading is context, not text; the interleaved slide text (lines 4-5) is left out
    assert ("Konkurrenceudsættelse af opgaverne er ikke vejen frem. Dette blev sagt med "
            "reference til det seneste udviklingstiltag.", "organisers", 3, 6, "m", "m") in texts
    assert all(b.heading == "H – Opsamling" for b in blocks if b.voice == "organisers" and b.lines[0] == 3)
    # a quoted box has the group's voice; where it was said is not known from the box itself
    assert ("Vi ønsker fokus på overgange mellem myndighed og tilbud", "users", 9, 9, "", "m") in texts
    # four blank lines end the box: the next paragraph is the section's own voice again
    assert texts[-1][1] == "organisers"


def test_slide_blocks_cut_at_voice_boxes_and_keep_columns():
    lines = ["Fokus Tekst om noget. Brugerne siger Vi ønsker dialog Fagpersonerne siger Det fungerer"]
    section = Section(1, 1, "H", "m", "organisers", False)
    layout = Layout(boxes=BOXES + (("Fagpersonerne siger", "professionals"),))
    blocks = slide_blocks("y.txt", lines, section, set(), layout)
    assert [(b.raw.strip(), b.voice) for b in blocks] == [
        ("Fokus Tekst om noget.", "organisers"), ("Vi ønsker dialog", "users"), ("Det fungerer", "professionals")]
    p = passages_from(blocks[1])[0]
    assert lines[0][p.col_start:p.col_end] == "Vi ønsker dialog"


def test_a_table_slide_is_one_passage_without_its_template_text():
    lines = ["Bord 2: Prioriteret fokuspunkt", "SKABELON DET ER VIGTIGT, FORDI…", "", "1 2", "",
             "Bedre overgange", "", "• Fordi borgerne mærker det", "", "• Færre brud i forløbet", ""]
    section = Section(1, len(lines), "H", "m", "politicians", False)
    layout = Layout(templates=(Template("SKABELON DET ER VIGTIGT, FORDI", table=True),))
    [p] = [p for b in line_blocks("z.txt", lines, section, set(), layout) for p in passages_from(b)]
    assert p.kind == "table" and p.text.split("\n") == [
        "Bord 2: Prioriteret fokuspunkt", "Bedre overgange", "Fordi borgerne mærker det", "Færre brud i forløbet"]
    assert (p.line_start, p.col_start, p.line_end, p.col_end) == (1, 0, 10, len(lines[9]))


def test_a_heading_is_context_and_never_glued_to_the_bullet_before_it():
    lines = ["Temaer", "", "• De tomme pladsers tyranni – bliver meget individuelt", "", " ", "",
             "3. OVERGANGE", "", "• Rammeaftalerne skal støtte overgange", "", "• Styrkelse af overgang fra barn til voksen"]
    section = Section(1, len(lines), "H", "m", "professionals", False)
    passages = [p for b in line_blocks("z.txt", lines, section, set(), Layout()) for p in passages_from(b)]
    first = next(p for p in passages if "tyranni" in p.text)
    assert "OVERGANGE" not in first.text
    rest = next(p for p in passages if "støtte overgange" in p.text)
    assert "tyranni" not in rest.text and "3. OVERGANGE" in (rest.text + rest.heading)


def test_parentheses_marked_as_additions_are_the_organisers():
    lines = ["Opsamling", "", "Opsamlingen her er en afskrivning. Det tilføjede står i (parentes)", "",
             "\u2022 Fælles evaluering af indsatser. (For at få bedre viden om hvad der virker.)"]
    section = Section(1, len(lines), "H", "m", "users", False, additions="organisers")
    layout = Layout(notes=(Note("Opsamlingen her er en afskrivning", "(parentes)", "organisers"),))
    passages = [p for b in line_blocks("z.txt", lines, section, set(), layout) for p in passages_from(b)]
    note = next(p for p in passages if p.text.startswith("Opsamlingen"))
    card = next(p for p in passages if p.text.startswith("Fælles"))
    assert note.voice == "organisers" and note.text.endswith("(parentes)")
    assert card.voice == "users" and card.text == "Fælles evaluering af indsatser."
    assert card.additions == [{"text": "For at få bedre viden om hvad der virker.", "voice": "organisers"}]


def test_align_finds_known_statement_in_a_slide_and_leaves_the_rest():
    known = Passage("a.txt", 3, 4, "Konkurrenceudsættelse af opgaverne er ikke vejen frem.", "users", "m", "H")
    block = Block("Intro her. Konkurrenceudsættelse af opgaverne er ikke vejen frem. Resten.", [7] * 72, "users", "m", "H", "b.txt")
    found, residue = align(block, known_keys([known]))
    assert [(p is known, block.raw[a:b]) for p, a, b in found] == [(True, "Konkurrenceudsættelse af opgaverne er ikke vejen frem")]
    assert [block.raw[a:b].strip(" .") for a, b in residue] == ["Intro her", "Resten"]


def test_near_duplicates_are_grouped_with_the_best_ranked_file_canonical():
    p1 = Passage("004.txt", 5, 5, "Vi ønsker fokus på overgange mellem myndighed og tilbud", "users", "m", "H")
    p2 = Passage("001.txt", 9, 10, "Vi ønsker fokus på overgange mellem myndighed og tilbud", "users", "m", "H")
    p3 = Passage("001.txt", 20, 20, "Noget helt andet om økonomi og styring i kommunerne", "users", "m", "H")
    groups = group_near_duplicates([p1, p2, p3], {"001.txt": 1, "004.txt": 2})
    assert len(groups) == 2
    g = next(g for g in groups if "overgange" in g.text)
    assert g.file == "001.txt" and [p["file"] for p in g.also_in] == ["004.txt"]


def test_a_passage_left_after_a_known_statement_does_not_start_with_its_full_stop():
    known = Passage("a.txt", 3, 4, "Konkurrenceudsættelse af opgaverne er ikke vejen frem.", "users", "m", "H")
    raw = "Konkurrenceudsættelse af opgaverne er ikke vejen frem. Mere fokus på effekt på tværs af kommunerne."
    block = Block(raw, [7] * len(raw), "users", "m", "H", "b.txt")
    _, residue = align(block, known_keys([known]))
    texts = [p.text for p in passages_from(block, residue)]
    assert texts == ["Mere fokus på effekt på tværs af kommunerne."]


def _vision_slides(lines: list[str], titles_after: bool):
    section = Section(1, len(lines), "Visioner", "m", "organisers", False, titles_after=titles_after)
    layout = Layout(templates=(Template("VISION FOR FREMTIDIGT SAMARBEJDE"),))
    return [p for b in line_blocks("z.txt", lines, section, set(), layout) for p in passages_from(b)]


# 001's three visions as the PDF extraction laid them out: each description, then its title, then
# the slide's «VISION FOR …:» line (the title of the first stands again later, so it is a repeated heading)
VISIONS = ["1. BESKRIVELSE:", "", "Der etableres 3-4 klynger med 4-5 kommuner hver i hele regionen.", "", "", "", "",
           "Tættere klyngesamarbejde", "VISION FOR FREMTIDIGT SAMARBEJDE:", "", "1. BESKRIVELSE:", "",
           "To af kommunerne varetager opgaven på alles vegne i regionen.", "", "",
           "Tilbud til de 31 målgrupper", "", "VISION FOR FREMTIDIGT SAMARBEJDE:", "", "1. BESKRIVELSE:", "",
           "Derfor skal opgaverne løses inden for den enkelte kommune.", "", "",
           "Forøget kommunal selvforsyning (95%)", "", "VISION FOR FREMTIDIGT SAMARBEJDE:", "", "", "", "",
           "Tættere klyngesamarbejde", "Fordele ved scenariet"]


def _heading_of(passages, words: str) -> str:
    return next(p.heading for p in passages if words in p.text)


def test_a_title_the_extraction_put_after_its_slide_titles_the_text_before_it():
    passages = _vision_slides(VISIONS, titles_after=True)
    assert "Tættere klyngesamarbejde" in _heading_of(passages, "Der etableres")
    second = _heading_of(passages, "To af kommunerne")
    assert "Tilbud til de 31 målgrupper" in second and "Tættere" not in second
    third = _heading_of(passages, "Derfor skal")
    assert "Forøget kommunal selvforsyning (95%)" in third and "31 målgrupper" not in third
    # the titles are headings, not passages of their own
    assert not any(p.text.startswith(("Tilbud til de 31", "Forøget")) for p in _vision_slides(VISIONS, True))


def test_without_the_manifest_fact_a_title_still_titles_what_follows_it():
    # the mislabelling the manifest fact mends: the second vision under the first one's title
    passages = _vision_slides(VISIONS, titles_after=False)
    assert "Forøget kommunal selvforsyning" not in _heading_of(passages, "Derfor skal")
    assert "Tættere klyngesamarbejde" in _heading_of(passages, "To af kommunerne")


def test_a_conjunction_between_the_sides_of_a_slide_heads_nothing():
    lines = ["Paradoks: Samarbejde OG Kommunalt selvstyre", "", "Samarbejde mellem kommunerne kan give fordele som",
             "bedre ressourceudnyttelse", "", "OG", "Kommunerne har først og fremmest en forpligtelse overfor egne",
             "borgere og en økonomi, der skal prioriteres", "", "", "", "", "Noget helt andet om sagen her", "", "OG",
             "Borgerne skal have et tilbud når der er behov herfor,", "men", "der er få tilbud i Sjælland"]
    section = Section(1, len(lines), "H", "m", "organisers", False)
    passages = [p for b in line_blocks("z.txt", lines, section, set(), Layout()) for p in passages_from(b)]
    second = next(p for p in passages if p.text.startswith("Kommunerne har"))
    assert "Paradoks: Samarbejde OG Kommunalt selvstyre" in second.heading
    assert not any(part == "OG" for p in passages for part in p.heading.split(" – "))
    # a "men" that a sentence wrapped onto a line of its own stays in its sentence
    assert any("herfor, men der er få tilbud" in p.text for p in passages)


def test_headings_under_a_repeated_heading_are_a_menu_not_the_next_slides_title():
    lines = ["Styrket samarbejde", "", "Brugerinddragelse", "", "Styring", "", "", "", "",
             "Styrket samarbejde", "Det klassiske samarbejde om en borger sker mellem to kommuner i regionen."]
    section = Section(1, len(lines), "H", "m", "organisers", False)
    passages = [p for b in line_blocks("z.txt", lines, section, set(), Layout()) for p in passages_from(b)]
    rec = next(p for p in passages if p.text.startswith("Det klassiske"))
    assert rec.heading == "H – Styrket samarbejde"


def _manifest_with(tmp_path, section: str):
    (tmp_path / "x.txt").write_text("Intro\n", encoding="utf-8")
    (tmp_path / "manifest.toml").write_text(
        '[[voices]]\nid = "organisers"\nlabel = "Arrangører"\n\n'
        '[[files]]\nname = "x.txt"\ntitle = "X"\n\n'
        f'[[files.sections]]\nmarker = "Intro"\nheading = "I"\nvoice = "organisers"\n{section}\n', encoding="utf-8")


@pytest.mark.parametrize("line, message", [
    ('titles_after = "ja"', "titles_after must be bool"),
    ("exclude = 1", "exclude must be bool"),
    ('occurrence = "2"', "occurrence must be int"),
    ("titel_after = true", "unknown key.*titel_after"),
])
def test_a_section_fact_of_the_wrong_type_or_name_is_a_clear_manifest_error(tmp_path, line, message):
    from ingest.manifest import load_manifest
    _manifest_with(tmp_path, line)
    with pytest.raises(ManifestError, match=rf"x\.txt: section: {message}"):
        load_manifest(tmp_path)
    _manifest_with(tmp_path, "titles_after = true")
    assert load_manifest(tmp_path).files[0].sections[0].titles_after is True


def test_a_file_entry_without_its_name_is_a_manifest_error_not_a_traceback(tmp_path):
    from ingest.manifest import load_manifest
    (tmp_path / "manifest.toml").write_text('[[files]]\ntitle = "X"\n', encoding="utf-8")
    with pytest.raises(ManifestError, match="bad entry.*name"):
        load_manifest(tmp_path)


def test_a_slide_title_in_capitals_with_its_question_heads_the_slide_and_is_no_statement():
    lines = ["Indledning om samarbejdet.", "PARADOKSER – Hvad vægter højest?", "",
             "Det ønskes, at give borgeren et tilbud tæt på borgerens lokale", "miljø, da dette er det mindst "
             "indgribende og muliggør fastholdelse", "af socialt netværk.", ""]
    section = Section(1, len(lines), "H", "m", "organisers", False)
    passages = [p for b in line_blocks("z.txt", lines, section, set(), Layout()) for p in passages_from(b)]
    assert not any(p.text.startswith("PARADOKSER") for p in passages)
    near = next(p for p in passages if p.text.startswith("Det ønskes"))
    assert near.heading == "H – PARADOKSER – Hvad vægter højest?"


def test_a_label_and_its_value_under_a_heading_is_kept_when_another_heading_follows():
    lines = ["Praktiske oplysninger", "Tid og sted", "Fredag den 7. april kl. 9.30.",
             "Tilmeldingsfrist: 5. april 2017", "", "", "Arrangør", "", "Sekretariatet inviterer."]
    section = Section(1, len(lines), "H", "m", "organisers", False)
    passages = [p for b in line_blocks("z.txt", lines, section, set(), Layout()) for p in passages_from(b)]
    assert any(p.text == "Tilmeldingsfrist: 5. april 2017" and p.line_start == 4 for p in passages), \
        [(p.text, p.heading) for p in passages]
