"""Finds the manifest's sections and skips in a file's lines (pure: lines in, ranges out)."""
from __future__ import annotations

from dataclasses import dataclass

from .clean import strip_bullet
from .manifest import FileEntry, ManifestError


@dataclass(frozen=True)
class Section:
    start: int  # 1-based first line (the marker line)
    end: int  # 1-based last line
    heading: str
    meeting: str
    voice: str
    exclude: bool
    additions: str = ""  # voice of text in parentheses (the organisers marked their additions)
    titles_after: bool = False  # a slide's title stands after its text (manifest SectionSpec)


def _find(lines: list[str], marker: str, after: int, occurrence: int = 1) -> int | None:
    """0-based index of the first (or `occurrence`th) line at or after `after` whose text starts
    with marker."""
    seen = 0
    for i in range(after, len(lines)):
        if strip_bullet(lines[i]).strip().startswith(marker):
            seen += 1
            if seen >= occurrence:
                return i
    return None


def resolve_sections(entry: FileEntry, lines: list[str]) -> list[Section]:
    """The file's sections as line ranges. Lines before the first marker belong to no section
    and are left out. Raises ManifestError naming the file and the marker that is not found."""
    starts = []
    pos = 0
    for spec in entry.sections:
        idx = _find(lines, spec.marker, pos, max(1, int(spec.occurrence)))
        if idx is None:
            raise ManifestError(
                f"{entry.name}: section marker {spec.marker!r} not found"
                + (f" {spec.occurrence} times" if spec.occurrence > 1 else "")
                + (f" after line {pos}" if pos else "")
            )
        starts.append(idx)
        pos = idx + 1
    sections = []
    for k, (spec, idx) in enumerate(zip(entry.sections, starts)):
        end = starts[k + 1] - 1 if k + 1 < len(starts) else len(lines) - 1
        sections.append(Section(idx + 1, end + 1, spec.heading, spec.meeting, spec.voice, spec.exclude,
                                spec.additions, spec.titles_after))
    return sections


def resolve_skips(entry: FileEntry, lines: list[str]) -> set[int]:
    """1-based numbers of the lines that the manifest marks as interleaved text."""
    skipped: set[int] = set()
    for spec in entry.skips:
        start = _find(lines, spec.start, 0)
        if start is None:
            raise ManifestError(f"{entry.name}: skip start marker {spec.start!r} not found")
        end = _find(lines, spec.end, start)
        if end is None:
            raise ManifestError(f"{entry.name}: skip end marker {spec.end!r} not found after line {start + 1}")
        skipped.update(range(start + 1, end + 2))
    return skipped
