"""Adds documents to the corpus and takes them out again, as one transaction each.

add: read the document (readers.py) -> write its UTF-8 text into the corpus folder and keep the
original in corpus/originals/ -> append its entry (and a new meeting) to manifest.toml with
tomlkit, so comments and layout stay -> re-index with the atomic swap (index.py; the vector cache
by text hash means only the new passages are embedded). On any failure the manifest is restored,
the new files are removed and the previous index keeps answering.

Errors for the user are DocumentError with a Danish message."""
from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import tomlkit

from .clean import strip_bullet
from .manifest import DEFAULT_VOICE, ManifestError, load_manifest
from .readers import ReadError, normalise, read_document

log = logging.getLogger("rammeaftale.ingest")

ORIGINALS = "originals"
REMOVED = "removed"
MONTHS = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september",
          "oktober", "november", "december"]
SOURCES = {"PDF": "PDF (tilføjet)", "Word": "Word-dokument (tilføjet)", "Markdown": "Markdown (tilføjet)",
           "tekst": "Tekstfil (tilføjet)"}


class DocumentError(ValueError):
    """A document cannot be added or removed (message in Danish); nothing was changed."""


@dataclass
class Added:
    name: str  # the text file in the corpus folder
    original: str  # path of the kept original, relative to the corpus folder ("" for a loose file)
    source_name: str  # the file name the user gave
    title: str
    format: str
    pages: int
    passages: int = 0  # statements whose canonical place is this file
    recorded_elsewhere: list[dict] = field(default_factory=list)  # places in this file of statements found in other files


@dataclass
class Report:
    added: list[Added] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    meeting: dict | None = None  # {"id", "title", "new": bool}
    total_passages: int = 0
    embedded: int = 0  # passages whose vectors were computed (not in the cache)
    seconds: float = 0.0


# -- helpers ---------------------------------------------------------------------------------
def date_label(date: str) -> str:
    d = dt.date.fromisoformat(date)
    return f"{d.day}. {MONTHS[d.month - 1]} {d.year}"


def _check_date(date: str) -> str:
    date = (date or "").strip()
    if not date:
        return ""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
            raise ValueError
        dt.date.fromisoformat(date)
    except ValueError:
        raise DocumentError(f"Datoen «{date}» skal have formen ÅÅÅÅ-MM-DD, fx 2022-04-07.") from None
    return date


def meeting_slug(title: str, date: str, taken: set[str]) -> str:
    base = title.lower()
    for a, b in (("æ", "ae"), ("ø", "oe"), ("å", "aa")):
        base = base.replace(a, b)
    base = re.sub(r"[^a-z0-9]+", "_", base).strip("_")[:40].strip("_") or "moede"
    if date and not base.endswith(date[:4]):
        base += "_" + date[:4]
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}_{n}", n + 1
    return slug


def _text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _marker(text: str) -> str:
    """The section marker of a whole added document: the start of its first line with text."""
    for line in text.split("\n"):
        stripped = strip_bullet(line).strip()
        if stripped:
            return stripped[:60].rstrip()
    return ""


def _next_number(corpus_dir: Path) -> int:
    numbers = [int(m.group(1)) for p in corpus_dir.iterdir()
               if (m := re.match(r"^(\d{3,})_", p.name))]
    for p in (corpus_dir / ORIGINALS).glob("*") if (corpus_dir / ORIGINALS).is_dir() else []:
        if m := re.match(r"^(\d{3,})_", p.name):
            numbers.append(int(m.group(1)))
    return max(numbers, default=-1) + 1


@contextmanager
def _locked(settings):
    """One add or remove at a time per data folder (the page and the CLI may both try)."""
    data_dir = Path(settings.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / "documents.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DocumentError("Der tilføjes eller fjernes allerede et dokument. Prøv igen om lidt.") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _table(**values) -> tomlkit.items.Table:
    t = tomlkit.table()
    for key, value in values.items():
        t.add(key, value)
    return t


def _aot(doc, key: str):
    if key not in doc:
        doc.append(key, tomlkit.aot())
    return doc[key]


def _corpus_texts(corpus_dir: Path) -> dict[str, str]:
    """Hashes of what the corpus already holds -> the file holding it: each text file at the top
    of the corpus folder (as it is and as readers.normalise makes it) and each kept original."""
    out = {}
    for p in corpus_dir.iterdir():
        if p.is_file() and p.suffix.lower() in (".txt", ".md"):
            try:
                text = p.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            out[_text_hash(text)] = out[_text_hash(normalise(text))] = p.name
    if (corpus_dir / ORIGINALS).is_dir():
        for p in (corpus_dir / ORIGINALS).iterdir():
            if p.is_file():
                out[hashlib.sha1(p.read_bytes()).hexdigest()] = f"{ORIGINALS}/{p.name}"
    return out


# -- add -------------------------------------------------------------------------------------
def _read_manifest(corpus_dir: Path):
    """The parsed manifest and its text (kept to restore it when a change fails)."""
    try:
        return load_manifest(corpus_dir), (corpus_dir / "manifest.toml").read_text(encoding="utf-8")
    except (ManifestError, OSError) as exc:
        raise DocumentError(f"Manifestet kan ikke læses: {exc}") from exc


def add_documents(settings, paths, *, title: str = "", date: str = "", meeting: str = "",
                  new_meeting: str = "", place: str = "", voice: str = "", kind: str = "",
                  progress=None) -> Report:
    """Adds the documents at `paths` (one transaction) and re-indexes. Raises DocumentError."""
    from .index import build_index
    paths = [Path(p) for p in paths]
    if not paths:
        raise DocumentError("Angiv mindst én fil, der skal tilføjes.")
    if title and len(paths) > 1:
        raise DocumentError("--title kan kun bruges, når der tilføjes én fil ad gangen.")
    if meeting and new_meeting:
        raise DocumentError("Angiv enten et eksisterende møde (--meeting) eller et nyt (--new-meeting), ikke begge.")
    date = _check_date(date)
    title, new_meeting, place, kind = (" ".join((v or "").split()) for v in (title, new_meeting, place, kind))
    corpus_dir = Path(settings.corpus_dir)
    started = time.time()

    with _locked(settings):
        manifest_path = corpus_dir / "manifest.toml"
        manifest, before = _read_manifest(corpus_dir)
        if meeting and meeting not in manifest.meetings:
            known = ", ".join(sorted(manifest.meetings))
            raise DocumentError(f"Ukendt møde-id «{meeting}». Kendte møder: {known}.")
        voice = voice or DEFAULT_VOICE["id"]
        if voice not in manifest.voices and voice != DEFAULT_VOICE["id"]:
            known = ", ".join(sorted(set(manifest.voices) | {DEFAULT_VOICE["id"]}))
            raise DocumentError(f"Ukendt stemme «{voice}». Kendte stemmer: {known}.")

        # read everything first: a bad file stops the whole batch before anything is written
        existing = _corpus_texts(corpus_dir)
        named = {f.name for f in manifest.files if f.name not in manifest.loose}
        number = _next_number(corpus_dir)
        planned: list[tuple[Added, str | None, Path]] = []  # (entry, text to write or None, source path)
        seen: dict[str, str] = {}
        for path in paths:
            in_place = path.resolve().parent == corpus_dir.resolve()
            if in_place and path.name in named:
                raise DocumentError(f"«{path.name}» findes allerede i korpusset (det står i manifestet).")
            try:
                document = read_document(path)
            except ReadError as exc:
                raise DocumentError(str(exc)) from exc
            if in_place:  # a loose file already in the corpus folder: given metadata, left as it is
                try:
                    if path.suffix.lower() not in (".txt", ".md"):
                        raise ValueError
                    text_hash = _text_hash(path.read_text(encoding="utf-8"))
                except (ValueError, OSError):  # UnicodeDecodeError is a ValueError
                    raise DocumentError(f"«{path.name}» ligger i korpusmappen, men er ikke en UTF-8-tekstfil. "
                                        "Flyt den ud af mappen og tilføj den derfra.") from None
                entry = Added(path.name, "", path.name, title or document.title, document.format, 0)
                planned.append((entry, None, path))
            else:
                text_hash = _text_hash(document.text)
                same = existing.get(text_hash) or existing.get(hashlib.sha1(path.read_bytes()).hexdigest())
                if same:
                    raise DocumentError(f"«{path.name}» findes allerede i korpusset (samme indhold som {same}).")
                name = f"{number:03d}_{text_hash[:16]}.txt"
                original = f"{ORIGINALS}/{number:03d}_{_safe_name(path.name)}"
                number += 1
                entry = Added(name, original, path.name, title or document.title or path.stem,
                              document.format, document.pages)
                planned.append((entry, document.text, path))
            if text_hash in seen:
                raise DocumentError(f"«{path.name}» og «{seen[text_hash]}» har samme tekst; tilføj kun den ene.")
            seen[text_hash] = path.name

        doc = tomlkit.parse(before)
        report = Report(added=[p[0] for p in planned])
        meeting_id = meeting
        if new_meeting:
            meeting_id = meeting_slug(new_meeting, date, set(manifest.meetings))
            m = _table(id=meeting_id, title=new_meeting, date=date,
                       date_label=date_label(date) if date else "", place=place, participants="",
                       outcome="", documents=[a.name for a in report.added], added=True)
            m.add(tomlkit.nl())
            _aot(doc, "meetings").append(m)
            report.meeting = {"id": meeting_id, "title": new_meeting, "new": True}
        elif meeting:
            for m in doc.get("meetings", []):
                if m.get("id") == meeting:
                    docs = m.get("documents")
                    if docs is None:
                        m["documents"] = [a.name for a in report.added]
                    else:
                        docs.extend(a.name for a in report.added)
            report.meeting = {"id": meeting, "title": manifest.meetings[meeting].title, "new": False}
        if voice == DEFAULT_VOICE["id"] and not any(v.get("id") == voice for v in doc.get("voices", [])):
            v = _table(**{k: DEFAULT_VOICE[k] for k in ("id", "label", "description")})
            v.add(tomlkit.nl())
            _aot(doc, "voices").append(v)
        rank = max((f.rank for f in manifest.files if f.name not in manifest.loose), default=0) + 1
        for (entry, text, path) in planned:
            f = _table(name=entry.name, title=entry.title, kind=kind or "dokument", date=date,
                       place=place, source=SOURCES.get(entry.format, entry.format), rank=rank,
                       layout="lines")
            if entry.original:
                f.add("original", entry.original)
            f.add(tomlkit.nl())
            f.trivia.indent = "\n"
            text_now = text if text is not None else path.read_text(encoding="utf-8")
            section = _table(marker=_marker(text_now), heading=entry.title, meeting=meeting_id, voice=voice)
            section.indent(2)
            sections = tomlkit.aot()
            sections.append(section)
            f.add("sections", sections)
            _aot(doc, "files").append(f)
        after = tomlkit.dumps(doc)

        created: list[Path] = []
        try:
            if any(e.original for e, _, _ in planned) and not (corpus_dir / ORIGINALS).is_dir():
                (corpus_dir / ORIGINALS).mkdir()
                created.append(corpus_dir / ORIGINALS)
            for entry, text, path in planned:
                if text is None:
                    continue
                target = corpus_dir / entry.name
                target.write_text(text, encoding="utf-8")
                created.append(target)
                kept = corpus_dir / entry.original
                shutil.copyfile(path, kept)
                created.append(kept)
            _write_atomic(manifest_path, after)
            new_names = {a.name for a in report.added}

            def check(passages):
                _count(passages, report, new_names)
                empty = [a.source_name for a in report.added
                         if not a.passages and not a.recorded_elsewhere]
                if empty:
                    raise DocumentError(f"«{', '.join(empty)}» gav ingen passager at indeksere "
                                        "(for lidt sammenhængende tekst).")

            folder = build_index(settings, progress=_tracking(report, progress), check=check)
        except BaseException as exc:
            _write_atomic(manifest_path, before)
            for p in reversed(created):
                if p.is_dir():
                    p.rmdir()
                else:
                    p.unlink(missing_ok=True)
            log.warning("adding %s failed, manifest restored: %s", [str(p) for p in paths], exc)
            if isinstance(exc, DocumentError):
                raise
            if isinstance(exc, ManifestError):
                raise DocumentError(f"Dokumentet passer ikke ind i manifestet: {exc}") from exc
            if isinstance(exc, Exception):
                raise DocumentError(f"Indekseringen mislykkedes ({type(exc).__name__}: {exc}).") from exc
            raise
        _finish(report, folder, started)
        log.info("added %s", [a.name for a in report.added])
        return report


def _safe_name(name: str) -> str:
    """A file name for originals/: no folders, no control characters, not too long."""
    name = re.sub(r"[\x00-\x1f/\\]", "_", Path(name).name).strip(". ") or "dokument"
    stem, suffix = os.path.splitext(name)
    return stem[:80] + suffix[:10]


def _count(passages, report: Report, new_names: set[str]) -> None:
    by_name = {a.name: a for a in report.added}
    for a in report.added:
        a.passages, a.recorded_elsewhere = 0, []
    for p in passages:
        if p.file in by_name:
            by_name[p.file].passages += 1
            continue
        for place in p.also_in:
            if place.get("file") in by_name:
                by_name[place["file"]].recorded_elsewhere.append(
                    {"line_start": place.get("line_start"), "line_end": place.get("line_end"),
                     "file": p.file, "other_line_start": p.line_start, "other_line_end": p.line_end,
                     "text": p.text})


def _tracking(report: Report, progress):
    """The caller's progress, and the number of passages embedded (not found in the cache)."""
    def tracked(stage, done, total):
        if stage == "indlejring":
            report.embedded = total
        if progress:
            progress(stage, done, total)
    return tracked


def _finish(report: Report, folder: Path, started: float) -> None:
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        report.total_passages = int(meta.get("passages", 0))
    except (OSError, ValueError):
        pass
    report.seconds = round(time.time() - started, 2)


# -- remove ----------------------------------------------------------------------------------
def remove_document(settings, name: str, progress=None) -> Report:
    """Takes a document out: its manifest entry, its name in the meetings' document lists and a
    meeting that `add` created for it alone; the text and the original move to corpus/removed/.
    Then re-indexes. Raises DocumentError; on failure everything is put back."""
    from .index import build_index
    corpus_dir = Path(settings.corpus_dir)
    started = time.time()
    wanted = Path(str(name or "").strip()).name
    if not wanted:
        raise DocumentError("Angiv navnet på det dokument, der skal fjernes.")
    with _locked(settings):
        manifest_path = corpus_dir / "manifest.toml"
        manifest, before = _read_manifest(corpus_dir)
        doc = tomlkit.parse(before)
        files = doc.get("files", [])
        index = None
        for i, f in enumerate(files):
            original = str(f.get("original", ""))
            if wanted in (f.get("name"), Path(original).name) or (
                    original and re.sub(r"^\d{3,}_", "", Path(original).name) == wanted):
                index = i
                break
        loose = wanted in manifest.loose
        if index is None and not loose:
            known = ", ".join(f.name for f in manifest.files)
            raise DocumentError(f"«{wanted}» er ikke et dokument i korpusset. Dokumenterne er: {known}.")
        moves: list[tuple[Path, Path]] = []
        if index is not None:
            entry = files[index]
            text_name = str(entry["name"])
            if entry.get("original"):
                moves.append((corpus_dir / str(entry["original"]), corpus_dir / REMOVED / Path(str(entry["original"])).name))
            del files[index]
            referenced = {str(s.get("meeting", "")) for f in files for s in f.get("sections", [])}
            meetings = doc.get("meetings", [])
            for k in reversed(range(len(meetings))):
                m = meetings[k]
                docs = m.get("documents")
                if docs is not None and text_name in docs:
                    docs.remove(text_name)
                if m.get("added") and not m.get("documents") and m.get("id") not in referenced:
                    del meetings[k]
        else:
            text_name = wanted
        moves.insert(0, (corpus_dir / text_name, corpus_dir / REMOVED / text_name))
        after = tomlkit.dumps(doc).rstrip("\n") + "\n"  # no blank line left where the entry was
        report = Report(removed=[text_name])
        done: list[tuple[Path, Path]] = []
        made = not (corpus_dir / REMOVED).is_dir()
        try:
            (corpus_dir / REMOVED).mkdir(exist_ok=True)
            for src, dst in moves:
                if src.exists():
                    os.replace(src, dst)
                    done.append((src, dst))
            _write_atomic(manifest_path, after)
            folder = build_index(settings, progress=_tracking(report, progress))
        except BaseException as exc:
            _write_atomic(manifest_path, before)
            for src, dst in reversed(done):
                os.replace(dst, src)
            if made and not any((corpus_dir / REMOVED).iterdir()):
                (corpus_dir / REMOVED).rmdir()
            log.warning("removing %s failed, manifest restored: %s", text_name, exc)
            if isinstance(exc, Exception):
                raise DocumentError(f"Dokumentet kunne ikke fjernes ({type(exc).__name__}: {exc}).") from exc
            raise
        _finish(report, folder, started)
        log.info("removed %s", text_name)
        return report


# -- telling -------------------------------------------------------------------------------
def _n(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def describe(report: Report, examples: int = 5) -> list[str]:
    """What an add or remove did, in Danish lines (the CLI prints them, the page shows them)."""
    out = []
    for a in report.added:
        out.append(f"Tilføjet: {a.source_name} -> {a.name} «{a.title}» ({a.format}"
                   + (f", {_n(a.pages, 'side', 'sider')}" if a.pages else "") + ")")
        out.append(f"  {_n(a.passages, 'ny passage', 'nye passager')}; "
                   f"{_n(len(a.recorded_elsewhere), 'udsagn', 'udsagn')} var allerede registreret i andre "
                   "dokumenter" + (":" if a.recorded_elsewhere else "."))
        for place in a.recorded_elsewhere[:examples]:
            text = place["text"] if len(place["text"]) <= 80 else place["text"][:79] + "…"
            out.append(f"    linje {place['line_start']}-{place['line_end']} = {place['file']}, linje "
                       f"{place['other_line_start']}-{place['other_line_end']}: «{text}»")
        if len(a.recorded_elsewhere) > examples:
            out.append(f"    … og {len(a.recorded_elsewhere) - examples} til")
        if a.original:
            out.append(f"  Originalen er gemt som corpus/{a.original}")
    for name in report.removed:
        out.append(f"Fjernet: {name} (teksten og originalen er flyttet til corpus/{REMOVED}/)")
    if report.meeting:
        kind = "Nyt møde" if report.meeting["new"] else "Møde"
        out.append(f"  {kind}: {report.meeting['title']} (id {report.meeting['id']})")
    out.append(f"Indekset er opdateret: {_n(report.total_passages, 'passage', 'passager')} i alt, "
               f"{_n(report.embedded, 'ny vektor', 'nye vektorer')} beregnet, {report.seconds} s.")
    return out


# -- listing ---------------------------------------------------------------------------------
def list_documents(corpus_dir: Path) -> list[dict]:
    """Every document of the manifest (loose files included), with its meetings."""
    manifest = load_manifest(Path(corpus_dir))
    meetings_of: dict[str, list[str]] = {}
    for m in manifest.meetings.values():
        for d in m.documents:
            meetings_of.setdefault(d, []).append(m.title)
    for f in manifest.files:
        for s in f.sections:
            if s.meeting and s.meeting in manifest.meetings:
                title = manifest.meetings[s.meeting].title
                if title not in meetings_of.setdefault(f.name, []):
                    meetings_of[f.name].append(title)
    return [{"name": f.name, "title": f.title, "kind": f.kind, "date": f.date, "source": f.source,
             "meetings": meetings_of.get(f.name, []), "loose": f.name in manifest.loose}
            for f in manifest.files]
