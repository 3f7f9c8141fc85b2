"""Ordinal references ("den tredje vision") resolved against the numbered lists of the passages."""
from __future__ import annotations

from assistant.ordinals import numbered_lists, resolve

PROGRAMME = ("11.40 Rammeaftalen som redskab – Visioner og temaer Tre forskellige visioner:\n"
             "1. Tættere klyngesamarbejde om tilvejebringelse af tilbudsvifte\n"
             "2. Tilbud til de 31 målgrupper planlægges på tværs af de 17 kommuner\n3. Øget selvforsyning")


def test_the_nth_item_of_a_numbered_list_is_what_the_ordinal_points_at():
    lists = numbered_lists([PROGRAMME])
    assert resolve("hvor stor en selvforsyning lægger den tredje vision op til", lists).endswith("Øget selvforsyning")
    assert "31 målgrupper" in resolve("hvad gik den anden vision ud på", lists)
    assert "31 målgrupper" in resolve("what was the second vision about", lists)


def test_labelled_things_are_referred_to_by_their_label():
    assert resolve("hvad handler den fjerde udfordring om", {}).endswith("udfordring 4")
    assert resolve("what is the third option", {}).endswith("mulighed 3")


def test_other_is_not_second_and_unknown_lists_change_nothing():
    lists = numbered_lists([PROGRAMME])
    q = "hvad sagde fagfolkene om job når borgeren bor i en anden kommune"
    assert resolve(q, lists) == q
    assert resolve("hvad var den femte vision", lists) == "hvad var den femte vision"


def test_an_ordinal_standing_alone_counts_the_numbered_things_named_around_it():
    lists = numbered_lists([PROGRAMME])
    # "hvad var fordelene ved den første?" after "hvad var de tre visioner …?" (the follow-up's search text)
    asked = resolve("hvad var fordelene ved den første hvad var de tre visioner man diskuterede", lists)
    assert asked.endswith("Tættere klyngesamarbejde om tilvejebringelse af tilbudsvifte")
    # an ordinal with a noun of its own is not taken for another list's item
    assert resolve("hvad skete der på det første møde om visionerne", lists) == "hvad skete der på det første møde om visionerne"


def test_the_materials_own_words_for_the_visions_point_at_the_same_list():
    lists = numbered_lists([PROGRAMME])
    assert resolve("hvor stor en andel skulle kommunerne selv klare i den tredje model", lists).endswith("Øget selvforsyning")
    assert "31 målgrupper" in resolve("hvad var fordelene ved det andet scenarie", lists)
