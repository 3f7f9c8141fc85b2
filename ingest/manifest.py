"""Reads corpus/manifest.toml: the corpus's facts as data."""
from __future__ import annotations

import dataclasses
import logging
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path


log = logging.getLogger("rammeaftale.ingest")

# A text file in the corpus folder that the manifest does not name is indexed with these.
DEFAULT_VOICE = {"id": "unspecified", "label": "Ikke angivet",
                 "description": "Materialet siger ikke, hvem der taler", "cues": []}
LOOSE_SUFFIXES = (".txt", ".md")
_warned: set[str] = set()


class ManifestError(ValueError):
    """The manifest does not fit the corpus (missing file, marker not found, unknown id)."""


# each month's Danish and English name (once where they are the same: "april")
MONTHS = tuple(tuple(dict.fromkeys(pair.split("/"))) for pair in (
    "januar/january februar/february marts/march april/april maj/may juni/june juli/july august/august"
    " september/september oktober/october november/november december/december").split())


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
    # what the material holds of the meeting: "" (what was said there is written up) or
    # "invitation" (only the invitation or programme: what was said or decided is not recorded)
    record: str = ""

    @property
    def month_cues(self) -> tuple[str, ...]:
        """The month of a meeting held on one day, as users name it ("mødet i marts", "the march
        meeting"): Danish and English. Two meetings of the same month share it (the year narrows)."""
        if not self.held_on_a_day:
            return ()
        month = int(self.date[5:7]) if re.match(r"\d{4}-\d{2}", self.date) else 0
        return MONTHS[month - 1] if 1 <= month <= 12 else ()

    @property
    def held_on_a_day(self) -> bool:
        """A meeting held on one day ("7. april 2017"), not a stretch of the process ("2016-2017")."""
        return bool(re.search(r"\d{1,2}\.\s*[a-zæøå]+\s+\d{4}", self.date_label))


@dataclass(frozen=True)
class SectionSpec:
    marker: str
    heading: str
    meeting: str = ""
    voice: str = ""
    exclude: bool = False
    additions: str = ""  # voice of the text in parentheses: the organisers' own additions
    occurrence: int = 1  # the marker's nth matching line after the previous section's marker
    # the extraction put each slide's title after its text: a title line standing right before a
    # template line ("VISION FOR FREMTIDIGT SAMARBEJDE:") titles the slide before it
    titles_after: bool = False


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
    loose: tuple[str, ...] = ()  # corpus files without a manifest entry (default metadata)
    labels: tuple[str, ...] = ()  # headings of a write-up's parts that name no topic ("Opsamling")

    @property
    def layout(self):
        from .passages import Layout
        return Layout(self.voice_boxes, self.templates, self.notes)

    def file(self, name: str) -> FileEntry:
        for entry in self.files:
            if entry.name == name:
                return entry
        raise KeyError(name)


_TYPES = {"str": str, "bool": bool, "int": int}


def _spec(cls, raw, where: str):
    """A section or skip entry as its dataclass, with its keys and their types checked: a
    misspelt key or `titles_after = "ja"` is a clear ManifestError, not a silent default."""
    if not isinstance(raw, dict):
        raise ManifestError(f"{where}: expected a table, got {raw!r}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise ManifestError(f"{where}: unknown key(s) {', '.join(unknown)}")
    for key, value in raw.items():
        want = _TYPES.get(str(fields[key].type))
        if want and (type(value) is not want):  # bool is no int here, nor int a bool
            raise ManifestError(f"{where}: {key} must be {want.__name__}, got {value!r}")
    missing = [f.name for f in fields.values() if f.default is dataclasses.MISSING and f.name not in raw]
    if missing:
        raise ManifestError(f"{where}: missing key(s) {', '.join(missing)}")
    return cls(**raw)


def load_manifest(corpus_dir: Path) -> Manifest:
    try:
        return _load(corpus_dir)
    except ManifestError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise ManifestError(f"{Path(corpus_dir) / 'manifest.toml'}: bad entry: {exc!r}") from exc


def _load(corpus_dir: Path) -> Manifest:
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
            cues=tuple(m.get("cues", ())), record=m.get("record", ""),
        )
        for m in data.get("meetings", [])
    }
    voices = {v["id"]: v for v in data.get("voices", [])}
    files = []
    for f in data.get("files", []):
        sections = tuple(_spec(SectionSpec, s, f"{f['name']}: section") for s in f.get("sections", []))
        for s in sections:
            if s.exclude:
                continue
            if s.meeting and s.meeting not in meetings:  # "": the material does not say
                raise ManifestError(f"{f['name']}: section {s.marker!r} names unknown meeting {s.meeting!r}")
            if s.voice not in voices:
                raise ManifestError(f"{f['name']}: section {s.marker!r} names unknown voice {s.voice!r}")
        files.append(FileEntry(
            name=f["name"], title=f["title"], kind=f.get("kind", ""), date=f.get("date", ""),
            place=f.get("place", ""), source=f.get("source", ""), rank=int(f.get("rank", 9)),
            layout=f.get("layout", "lines"), sections=sections,
            skips=tuple(_spec(SkipSpec, s, f"{f['name']}: skip") for s in f.get("skips", [])),
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
    loose = loose_files(Path(corpus_dir), {f.name for f in files})
    if loose:
        voices.setdefault(DEFAULT_VOICE["id"], dict(DEFAULT_VOICE))
        rank = max((f.rank for f in files), default=0) + 1
        files.extend(loose_entry(name, rank) for name in loose)
    labels = layout.get("labels", [])
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise ManifestError(f"{path}: [layout] labels must be a list of strings")
    return Manifest(files=tuple(files), meetings=meetings, voices=voices, voice_boxes=boxes,
                    templates=templates, notes=notes, loose=tuple(loose), labels=tuple(labels))


def loose_files(corpus_dir: Path, named: set[str]) -> list[str]:
    """Text files in the corpus folder (not its subfolders) that the manifest does not name.
    Each is logged once per process, by name: nothing in the folder is skipped silently."""
    out = []
    for p in sorted(corpus_dir.iterdir()):
        if not (p.is_file() and p.suffix.lower() in LOOSE_SUFFIXES and p.name not in named
                and not p.name.startswith(".")):
            continue
        try:
            p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            if p.name not in _warned:
                _warned.add(p.name)
                log.warning("%s has no entry in manifest.toml and cannot be read as UTF-8 text (%s): "
                            "NOT indexed; add it with `rammeaftale add`", p.name, exc)
            continue
        out.append(p.name)
        if p.name not in _warned:
            _warned.add(p.name)
            log.warning("%s has no entry in manifest.toml: indexed with voice %r, no meeting "
                        "(add it with `rammeaftale add` to give it metadata)", p.name, DEFAULT_VOICE["label"])
    return out


def loose_entry(name: str, rank: int) -> FileEntry:
    """Default metadata: the whole file one section (the empty marker matches line 1)."""
    title = Path(name).stem
    return FileEntry(name=name, title=title, kind="ikke angivet", date="", place="", source="",
                     rank=rank, layout="lines",
                     sections=(SectionSpec(marker="", heading=title, voice=DEFAULT_VOICE["id"]),))
