"""Pure helpers for the sources panel: citation cards and the original text around a passage,
as escaped HTML. Every piece of text from the corpus or from users goes through html.escape.

`source_view` only ever opens files that the corpus manifest lists: the file name must be exactly
one of the manifest's names (no folders, no "..", no absolute paths, no URL-encoded variants),
and the resolved path must lie inside the corpus folder."""
from __future__ import annotations

import logging
import re
from html import escape
from pathlib import Path

log = logging.getLogger("rammeaftale.sources")

MSG_NOT_ALLOWED = "Den fil kan ikke vises: kun dokumenterne i materialet kan åbnes."
MSG_NOT_FOUND = "Dokumentet kunne ikke læses. Kontakt en administrator, hvis det bliver ved."
MSG_BAD_LINES = "Linjenumrene passer ikke til dokumentet."
LONG_LINE = 600  # context lines longer than this are shortened (slides: one per very long line)

_SAFE_CLASS = re.compile(r"[^a-z0-9_-]")


def _e(value) -> str:
    return escape("" if value is None else str(value), quote=True)


def _lines_label(start, end) -> str:
    return f"linje {start}" if start == end else f"linje {start}–{end}"


def voice_class(voice: str) -> str:
    return "ra-voice-" + (_SAFE_CLASS.sub("", str(voice).lower()) or "unknown")


def citation_card(c: dict, titles: dict[str, str] | None = None, maybe: bool = False) -> str:
    """One cited passage: number, voice, quote, meeting and date, file and lines, and the other
    places where the same statement was recorded ("Også registreret i")."""
    titles = titles or {}
    n = c.get("n", "")
    when = f" · {_e(c.get('date_label'))}" if c.get("date_label") else ""
    file_title = titles.get(c.get("file", ""), "")
    file_line = (f"<span class='ra-file-name'>{_e(c.get('file'))}</span>, "
                 f"{_e(_lines_label(c.get('line_start'), c.get('line_end')))}")
    if file_title:
        file_line += f"<br><span class='ra-file-title'>{_e(file_title)}</span>"
    parts = [
        f"<div class='ra-card{' ra-maybe' if maybe else ''}' data-n='{_e(n)}'>",
        "<div class='ra-card-head'>",
        f"<span class='ra-n'>[{_e(n)}]</span> " if not maybe else "",
        f"<span class='ra-voice {voice_class(c.get('voice', ''))}'>{_e(c.get('voice_label') or c.get('voice'))}</span>",
        "</div>",
        f"<div class='ra-quote'>«{_e(c.get('quote') or c.get('text'))}»</div>",
        f"<div class='ra-meta'>{_e(c.get('meeting'))}{when}</div>",
        f"<div class='ra-file'>{file_line}</div>",
    ]
    also = c.get("also_in") or []
    if also:
        items = "".join(
            f"<li><span class='ra-file-name'>{_e(p.get('file'))}</span>, "
            f"{_e(_lines_label(p.get('line_start'), p.get('line_end')))}"
            + (f" <span class='ra-also-meeting'>({_e(p.get('meeting'))})</span>"
               if p.get("meeting") and p.get("meeting") != c.get("meeting") else "")
            + "</li>" for p in also)
        parts.append(f"<div class='ra-also'><span class='ra-also-title'>Også registreret i:</span><ul>{items}</ul></div>")
    parts.append("</div>")
    return "".join(parts)


def cards_html(result: dict | None, titles: dict[str, str] | None = None) -> str:
    """The sources panel for one answer: a card per citation, or the closest passages as
    "måske relevant" when the answer was refused."""
    if not result:
        return ("<div class='ra-empty'>Kilderne til svaret vises her: hvem der sagde det, på hvilket "
                "møde, og hvor det står i dokumenterne.</div>")
    citations = result.get("citations") or []
    maybe = result.get("maybe_relevant") or []
    if citations:
        return "<div class='ra-cards'>" + "".join(citation_card(c, titles) for c in citations) + "</div>"
    if maybe:
        return ("<div class='ra-cards'><div class='ra-maybe-title'>Måske relevant (ikke et svar):</div>"
                + "".join(citation_card(c, titles, maybe=True) for c in maybe) + "</div>")
    return "<div class='ra-empty'>Ingen kilder til dette svar.</div>"


# -- the original file around a passage -------------------------------------------------------
def manifest_files(corpus_dir: Path) -> set[str]:
    from ingest.manifest import load_manifest
    return {f.name for f in load_manifest(Path(corpus_dir)).files}


def allowed_path(corpus_dir: Path, name, allowed: set[str] | None = None) -> Path | None:
    """The path of a corpus file named exactly as in the manifest, or None for anything else."""
    if not isinstance(name, str) or not name or len(name) > 255:
        return None
    if any(ch in name for ch in "/\\%\x00") or name.startswith(".") or ":" in name:
        return None
    try:
        names = allowed if allowed is not None else manifest_files(corpus_dir)
    except Exception as exc:  # a broken manifest: show nothing rather than guess
        log.error("manifest cannot be read: %s", exc)
        return None
    if name not in names:
        return None
    root = Path(corpus_dir).resolve()
    path = (root / name).resolve()
    if path.parent != root:
        return None
    return path


def _message(text: str) -> str:
    return f"<div class='ra-source-msg'>{_e(text)}</div>"


def passage_span(region: str, passage: str) -> tuple[int, int] | None:
    """Where the passage's words stand in the original text (any whitespace or bullets between
    them), or None when they are not found verbatim."""
    words = (passage or "").split()
    if not words or len(words) > 2000:
        return None
    pattern = r"[\s•\uf0b7]+".join(re.escape(w) for w in words)
    try:
        found = re.search(pattern, region)
    except re.error:
        return None
    return found.span() if found else None


def source_view(corpus_dir: Path, file, line_start, line_end, context: int = 12,
                allowed: set[str] | None = None, title: str = "", passage: str = "") -> str:
    """Escaped HTML of the original file's lines around a passage, with line numbers and the
    passage in <mark>: exactly its words when `passage` (the cited text) is found verbatim in
    those lines (a slide holds many statements on one line), else the whole lines. Only files
    listed in the manifest are opened."""
    path = allowed_path(corpus_dir, file, allowed)
    if path is None:
        log.warning("source view refused for %r", file)
        return _message(MSG_NOT_ALLOWED)
    try:
        start, end = int(line_start), int(line_end)
        context = max(0, min(int(context), 200))
    except (TypeError, ValueError):
        return _message(MSG_BAD_LINES)
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").split("\n")
    except OSError as exc:
        log.error("cannot read %s: %s", path, exc)
        return _message(MSG_NOT_FOUND)
    if start < 1 or end < start or start > len(lines):
        return _message(MSG_BAD_LINES)
    end = min(end, len(lines))
    first, last = max(1, start - context), min(len(lines), end + context)

    # the marked span per line: (a, b) offsets within that line
    marks: dict[int, tuple[int, int]] = {}
    span = passage_span("\n".join(lines[start - 1:end]), passage) if isinstance(passage, str) else None
    offset = 0
    for no in range(start, end + 1):
        length = len(lines[no - 1])
        if span is None:
            marks[no] = (0, length)
        else:
            a, b = max(span[0], offset) - offset, min(span[1], offset + length) - offset
            if a < b:
                marks[no] = (a, b)
        offset += length + 1

    rows = []
    for no in range(first, last + 1):
        text = lines[no - 1]
        inside = start <= no <= end
        if not inside and len(text) > LONG_LINE:
            text = text[:LONG_LINE].rstrip() + " …"
        if not text.strip():
            body = "&nbsp;"
        elif no in marks:
            a, b = marks[no]
            body = f"{_show(text[:a])}<mark>{_show(text[a:b])}</mark>{_show(text[b:])}"
        else:
            body = _show(text)
        cls = "ra-line ra-hit" if inside else "ra-line"
        rows.append(f"<div class='{cls}'><span class='ra-ln'>{no}</span><span class='ra-lt'>{body}</span></div>")
    head = f"<span class='ra-file-name'>{_e(path.name)}</span>, {_e(_lines_label(start, end))}"
    if title:
        head += f" – {_e(title)}"
    more_before = "<div class='ra-line ra-more'>…</div>" if first > 1 else ""
    more_after = "<div class='ra-line ra-more'>…</div>" if last < len(lines) else ""
    return (f"<div class='ra-source'><div class='ra-source-head'>{head}</div>"
            f"<div class='ra-source-text'>{more_before}{''.join(rows)}{more_after}</div></div>")


def _show(text: str) -> str:
    """Escaped original text; the PDF's private-use bullet glyph shown as a bullet."""
    return _e(text.replace("\uf0b7", "•"))
