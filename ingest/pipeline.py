"""From corpus texts and manifest to de-duplicated passages (pure: texts in, records out)."""
from __future__ import annotations

from functools import partial

from .dedup import align, covered, group_near_duplicates, known_keys, made_of, shingles_of, words_of
from .manifest import Manifest
from .passages import Passage, line_blocks, title_like, passages_from, slide_blocks
from .sections import resolve_sections, resolve_skips


def build_passages(manifest: Manifest, texts: dict[str, str]) -> list[Passage]:
    """Every statement once, canonical text from the cleanest file, with every place it was
    recorded. `texts` maps file name to its content. Files are read in manifest rank order so
    that later (less clean) copies are aligned onto statements already found."""
    found: list[Passage] = []
    # the slide titles and headings of the files read so far: a later copy of a slide repeats them
    # around statements already found (004's «Fra mødet den 17. marts 2017: Relevante temaer …»)
    titles: list[Passage] = []
    for entry in sorted(manifest.files, key=lambda e: e.rank):
        lines = texts[entry.name].split("\n")
        sections = resolve_sections(entry, lines)
        skipped = resolve_skips(entry, lines)
        if entry.layout == "slides":
            cut = slide_blocks
        else:
            cut = partial(line_blocks, markdown=entry.layout == "markdown")
        known = known_keys(found)
        known_shingles = shingles_of(found) | shingles_of(titles, headings=False)
        title_words = words_of(titles)
        # text another voice added to known statements (the organisers' parentheses), copied
        # along with them into later files: part of those places, not statements of their own
        added = shingles_of([Passage("", 0, 0, a["text"], "", "", "") for p in found for a in p.additions],
                            headings=False)
        for section in sections:
            if section.exclude:
                continue
            for block in cut(entry.name, lines, section, skipped, manifest.layout):
                matches, residue = align(block, known) if known else ([], None)
                for passage, a, b in matches:
                    pieces = passages_from(block, [(a, b)])
                    if pieces:  # one place per match, from its first to its last character
                        passage.also_in.append({**pieces[0].place(), "line_end": pieces[-1].line_end,
                                                "col_end": pieces[-1].col_end,
                                                "text": " ".join(p.text for p in pieces)})
                fresh = passages_from(block, residue)
                found.extend(p for p in fresh if not (known and covered(p.text, known_shingles))
                             and not covered(p.text, added)
                             and not (entry.layout == "slides" and (title_like(p.text) or made_of(p.text, title_words))))
        titles += [Passage("", 0, 0, ln.strip(), "", "", "") for ln in lines if ln.strip() and title_like(ln.strip())]
    rank = {e.name: e.rank for e in manifest.files}
    return group_near_duplicates(found, rank)
