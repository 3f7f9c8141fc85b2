"""Reads corpus/manifest.toml: the corpus's facts as data."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path


class ManifestError(ValueError):
    """The manifest does not fit the corpus (missing file, marker not found, unknown id)."""


@dataclass(frozen=True)
class Meeting:
    id: str
    title: str
    date: str
    date_label: str
    place: str
    participants: str
    outcome: str
    documents: tuple[str, ...]
    cues: tuple[str, ...] = ()


@dataclass(frozen=True)
class SectionSpec:
    marker: str
    heading: str
    meeting: str = ""
    voice: str = ""
    exclude: bool = False
    additions: str = ""  # voice of the text in parentheses: the organisers' own additions


@dataclass(frozen=True)
class SkipSpec:
    start: str
    end: str
    reason: str = ""


@dataclass(frozen=True)
class FileEntry:
    name: str
    title: str
    kind: str
    date: str
    place: str
    source: str
    rank: int
    layout: str
    sections: tuple[SectionSpec, ...]
    skips: tuple[SkipSpec, ...] = ()


@dataclass(frozen=True)
class Manifest:
    files: tuple[FileEntry, ...]
    meetings: dict[str, Meeting]
    voices: dict[str, dict]
    voice_boxes: tuple[tuple[str, str], ...] = field(default=())
    templates: tuple = ()  # passages.Template: tables' column headers and template text
    notes: tuple = ()  # passages.Note: stretches of another voice inside a section

    @property
    def layout(self):
        from .passages import Layout
        return Layout(self.voice_boxes, self.templates, self.notes)

    def file(self, name: str) -> FileEntry:
        for entry in self.files:
            if entry.name == name:
                return entry
        raise KeyError(name)


def load_manifest(corpus_dir: Path) -> Manifest:
    path = Path(corpus_dir) / "manifest.toml"
    if not path.exists():
        raise ManifestError(f"manifest not found: {path}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{path}: invalid TOML: {exc}") from exc
    meetings = {
        m["id"]: Meeting(
            id=m["id"], title=m["title"], date=m["date"], date_label=m["date_label"],
            place=m.get("place", ""), participants=m.get("participants", ""),
            outcome=m.get("outcome", ""), documents=tuple(m.get("documents", ())),
            cues=tuple(m.get("cues", ())),
        )
        for m in data.get("meetings", [])
    }
    voices = {v["id"]: v for v in data.get("voices", [])}
    files = []
    for f in data.get("files", []):
        sections = tuple(SectionSpec(**s) for s in f.get("sections", []))
        for s in sections:
            if s.exclude:
                continue
            if s.meeting not in meetings:
                raise ManifestError(f"{f['name']}: section {s.marker!r} names unknown meeting {s.meeting!r}")
            if s.voice not in voices:
                raise ManifestError(f"{f['name']}: section {s.marker!r} names unknown voice {s.voice!r}")
        files.append(FileEntry(
            name=f["name"], title=f["title"], kind=f.get("kind", ""), date=f.get("date", ""),
            place=f.get("place", ""), source=f.get("source", ""), rank=int(f.get("rank", 9)),
            layout=f.get("layout", "lines"), sections=sections,
            skips=tuple(SkipSpec(**s) for s in f.get("skips", [])),
        ))
        if files[-1].layout not in ("lines", "slides", "markdown"):
            raise ManifestError(f"{f['name']}: unknown layout {files[-1].layout!r}")
    boxes = tuple((b["marker"], b["voice"]) for b in data.get("voice_boxes", []))
    from .passages import Note, Template
    layout = data.get("layout", {})
    try:
        templates = tuple(Template(t["text"], bool(t.get("table", False)), tuple(t.get("columns", ())),
                                   int(t.get("column_gap", 3))) for t in layout.get("templates", []))
        notes = tuple(Note(n["start"], n["end"], n["voice"]) for n in data.get("notes", []))
    except (KeyError, TypeError, ValueError) as exc:
        raise ManifestError(f"{path}: bad [layout] or [[notes]] entry: {exc}") from exc
    for n in notes:
        if n.voice not in voices:
            raise ManifestError(f"{path}: note {n.start!r} names unknown voice {n.voice!r}")
    return Manifest(files=tuple(files), meetings=meetings, voices=voices, voice_boxes=boxes,
                    templates=templates, notes=notes)
