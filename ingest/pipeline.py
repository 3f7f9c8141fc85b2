"""From corpus texts and manifest to de-duplicated passages (pure: texts in, records out)."""
from __future__ import annotations

from .dedup import align, covered, group_near_duplicates, known_keys, shingles_of
from .manifest import Manifest
from .passages import Passage, line_blocks, passages_from, slide_blocks
from .sections import resolve_sections, resolve_skips


def build_passages(manifest: Manifest, texts: dict[str, str]) -> list[Passage]:
    """Every statement once, canonical text from the cleanest file, with every place it was
    recorded. `texts` maps file name to its content. Files are read in manifest rank order so
    that later (less clean) copies are aligned onto statements already found."""
    found: list[Passage] = []
    for entry in sorted(manifest.files, key=lambda e: e.rank):
        lines = texts[entry.name].split("\n")
        sections = resolve_sections(entry, lines)
        skipped = resolve_skips(entry, lines)
        cut = slide_blocks if entry.layout == "slides" else line_blocks
        known = known_keys(found)
        known_shingles = shingles_of(found)
        for section in sections:
            if section.exclude:
                continue
            for block in cut(entry.name, lines, section, skipped, manifest.voice_boxes):
                matches, residue = align(block, known) if known else ([], None)
                for passage, a, b in matches:
                    first, last = block.span(a, b)
                    for place in passages_from(block, [(a, b)]):
                        passage.also_in.append({**place.place(), "line_start": first, "line_end": last})
                fresh = passages_from(block, residue)
                found.extend(p for p in fresh if not (known and covered(p.text, known_shingles)))
    rank = {e.name: e.rank for e in manifest.files}
    return group_near_duplicates(found, rank)
