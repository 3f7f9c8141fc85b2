"""Cuts a file into statement-sized blocks of original text (pure: lines in, blocks out).

A block keeps, for every character of its raw text, the 1-based line of the original file it
comes from, so any part of it can be cited by exact lines.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .clean import (display_text, ends_sentence, group_spans, is_bullet, is_noise,
                    split_sentences, strip_bullet, word_count)
from .sections import Section

MAX_CHARS = 420  # a passage is a bullet, a sentence group or a short paragraph
SHORT_WORDS = 8  # blocks shorter than this are list items or headings
SLIDE_BREAK = 4
MIN_WORDS = 4  # shorter leftovers ("Programoplæg", "Fordeling spørgsmål 5:") are not statements  # this many blank lines end a slide (and a voice box)


@dataclass
class Block:
    raw: str
    lines: list[int]  # original line of each character of raw
    voice: str
    meeting: str
    heading: str
    file: str = ""
    new_slide: bool = False  # the block opens a slide (after a run of blank lines)

    def span(self, a: int, b: int) -> tuple[int, int]:
        return self.lines[a], self.lines[max(a, b - 1)]


@dataclass
class Passage:
    file: str
    line_start: int
    line_end: int
    text: str
    voice: str
    meeting: str
    heading: str
    also_in: list[dict] = field(default_factory=list)

    def place(self) -> dict:
        return {"file": self.file, "line_start": self.line_start, "line_end": self.line_end,
                "text": self.text, "voice": self.voice, "meeting": self.meeting}


def _join(units: list[tuple[int, str]]) -> tuple[str, list[int]]:
    raw, lines = [], []
    for k, (line_no, text) in enumerate(units):
        if k:
            raw.append("\n")
            lines.append(line_no)
        raw.append(text)
        lines.extend([line_no] * len(text))
    return "".join(raw), lines


def _box_at(text: str, boxes: tuple[tuple[str, str], ...]) -> tuple[str, str] | None:
    stripped = strip_bullet(text).strip()
    for marker, voice in boxes:
        if stripped.startswith(marker):
            return marker, voice
    return None


def repeated_headings(lines: list[str]) -> set[str]:
    """Short heading lines that stand more than once in a file (repeated on every slide)."""
    counts: dict[str, int] = {}
    for line in lines:
        text = line.strip()
        if (text[:1].isalpha() and text[:1].isupper() and not is_bullet(line)
                and (len(text.split()) >= 2 or text.isupper())
                and word_count(text) < SHORT_WORDS and not ends_sentence(text)):
            counts[text] = counts.get(text, 0) + 1
    return {text for text, n in counts.items() if n > 1}


def line_blocks(file: str, lines: list[str], section: Section, skipped: set[int],
                boxes: tuple[tuple[str, str], ...] = ()) -> list[Block]:
    """Blocks of a section laid out in ordinary lines (bullets, wrapped sentences). A heading
    repeated on several slides is context for what follows, not part of a passage."""
    repeated = repeated_headings(lines)
    units_list: list[tuple[list[tuple[int, str]], str, str, bool]] = []
    units: list[tuple[int, str]] = []
    box_voice = ""
    heading = ""
    blank_run = 0
    slide_start = True

    def close():
        nonlocal units, slide_start
        if units:
            units_list.append((units, box_voice or section.voice, heading, slide_start))
            slide_start = False
        units = []

    for line_no in range(section.start, section.end + 1):
        if line_no in skipped:
            continue
        text = lines[line_no - 1].rstrip()
        if is_noise(text):
            blank_run += 1
            if blank_run >= SLIDE_BREAK:
                close()
                box_voice = ""
                slide_start = True
            continue
        box = _box_at(text, boxes)
        if not box and text.strip() in repeated:
            close()
            heading, slide_start, blank_run = text.strip(), True, 0
            continue
        if box:
            close()
            slide_start = True
            box_voice, heading = box[1], box[0]
            blank_run = 0
            continue
        starts_new = (
            not units
            or is_bullet(text)
            or blank_run >= 2
            or (ends_sentence(units[-1][1]) and text.strip()[:1].isupper())
            or (text.strip()[:1].isdigit() and re.match(r"^\s*\d+[.:]?\s", text))
            or (len(units) == 1 and word_count(units[0][1]) < SHORT_WORDS and blank_run >= 1
                and text.strip()[:1].isupper())
        )
        if starts_new:
            close()
            if (not box_voice and not is_bullet(text) and word_count(text) < SHORT_WORDS
                    and not ends_sentence(text)):
                heading = strip_bullet(text).strip()
        units.append((line_no, text))
        blank_run = 0
    close()

    blocks = []
    for units, voice, local, new_slide in units_list:
        raw, line_map = _join(units)
        context = section.heading if not local or local in section.heading else f"{section.heading} – {local}"
        blocks.append(Block(raw, line_map, voice, section.meeting, context, file, new_slide))
    return _merge_short(blocks)


def _merge_short(blocks: list[Block]) -> list[Block]:
    """Short blocks (headings, list items, table cells) are joined to what follows them, so a
    heading travels with its content and a list stays one passage: "1 BUDGETSIKKERHED" + "At
    sikre budgetsikkerhed ..." is one statement."""
    merged: list[Block] = []
    pending: Block | None = None
    for block in blocks:
        short = word_count(block.raw) < SHORT_WORDS
        if (pending and pending.voice == block.voice and not block.new_slide
                and len(pending.raw) + len(block.raw) < MAX_CHARS):
            pending.raw += "\n" + block.raw
            pending.lines += [block.lines[0]] + block.lines
            if not short:
                merged.append(pending)
                pending = None
            continue
        if pending:
            merged.append(pending)
            pending = None
        if short:
            pending = block
        else:
            merged.append(block)
    if pending:
        merged.append(pending)
    return merged


def slide_blocks(file: str, lines: list[str], section: Section, skipped: set[int],
                 boxes: tuple[tuple[str, str], ...] = ()) -> list[Block]:
    """Blocks of a section with one slide per line (004): each line, cut at voice boxes."""
    blocks = []
    for line_no in range(section.start, section.end + 1):
        text = lines[line_no - 1].rstrip()
        if line_no in skipped or is_noise(text):
            continue
        cuts = sorted((m.start(), m.end(), voice) for marker, voice in boxes
                      for m in re.finditer(re.escape(marker), text))
        pos, voice = 0, section.voice
        for start, end, box_voice in cuts + [(len(text), len(text), "")]:
            if text[pos:start].strip():
                blocks.append(Block(text[pos:start], [line_no] * (start - pos), voice,
                                    section.meeting, section.heading, file))
            pos, voice = end, box_voice
    return blocks


def passages_from(block: Block, spans: list[tuple[int, int]] | None = None) -> list[Passage]:
    """Passages of the given raw spans of a block (the whole block when None), each cut into
    sentence groups of at most MAX_CHARS."""
    out = []
    for a, b in spans if spans is not None else [(0, len(block.raw))]:
        piece = block.raw[a:b]
        sentence_spans = split_sentences(piece) if len(piece) > MAX_CHARS else [(0, len(piece))]
        for sa, sb in group_spans(piece, sentence_spans, MAX_CHARS):
            # trim whitespace so the line range is exact
            while sa < sb and not piece[sa].isalnum():
                sa += 1
            while sb > sa and piece[sb - 1].isspace():
                sb -= 1
            text = display_text(piece[sa:sb])
            if word_count(text) < MIN_WORDS:
                continue
            first, last = block.span(a + sa, a + sb)
            out.append(Passage(block.file, first, last, text, block.voice, block.meeting, block.heading))
    return out
