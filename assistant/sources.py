"""Pure helpers for the sources panel: citation cards and the original text around a passage,
as escaped HTML. Every piece of text from the corpus or from users goes through html.escape.

Cards are a list of articles, each with a heading ("[1] Brugere – <meeting>, <date>", or
"… – gengivet i <material>" when the material does not say where it was said), the quote, the
file and lines, a button that opens the original text, and each other place where the same
statement was recorded ("Også registreret i"), listed once, each a button of its own. A button's
`data-place` is a place key: "1" for citation 1, "1.2" for its second other place.

`source_view` only ever opens files that the corpus manifest lists: the file name must be exactly
one of the manifest's names (no folders, no "..", no absolute paths, no URL-encoded variants),
and the resolved path must lie inside the corpus folder. It marks exactly the chosen passage:
from `col_start` in `line_start` to `col_end` in `line_end` when the place carries them, else the
cited text found verbatim in those lines, else the whole lines."""
from __future__ import annotations

import logging
import re
from html import escape
from pathlib import Path

log = logging.getLogger("rammeaftale.sources")

MSG_NOT_ALLOWED = "Den fil kan ikke vises: kun dokumenterne i materialet kan åbnes."
MSG_NOT_FOUND = "Dokumentet kunne ikke læses. Kontakt en administrator, hvis det bliver ved."
MSG_BAD_LINES = "Linjenumrene passer ikke til dokumentet."
MSG_EMPTY = ("Kilderne til svaret vises her: hvem der sagde det, på hvilket møde, og hvor det står i "
             "dokumenterne.")
LONG_LINE = 600  # context lines longer than this are shortened (slides: one per very long line)
NOTE_GENERATED = ("Svaret er skrevet af en sprogmodel og kontrolleret mod kilderne: hver sætning er "
                  "holdt op mod de kilder, den henviser til. Læs citaterne for de præcise ord.")

_SAFE_CLASS = re.compile(r"[^a-z0-9_-]")
_SAFE_KEY = re.compile(r"[^A-Za-z0-9_-]")


def _e(value) -> str:
    return escape("" if value is None else str(value), quote=True)


def _lines_label(start, end) -> str:
    return f"linje {start}" if start == end else f"linje {start}–{end}"


def voice_class(voice: str) -> str:
    return "ra-voice-" + (_SAFE_CLASS.sub("", str(voice).lower()) or "unknown")


def _title(value) -> str:
    """A meeting or material given as {"id", "title"} or as a plain title."""
    if isinstance(value, dict):
        return str(value.get("title") or value.get("id") or "")
    return "" if value is None else str(value)


def label(c: dict) -> str:
    """The contract's label rule: "<voice> – <meeting>, <date>" when the meeting where it was
    said is known, else "<voice> – gengivet i <material that records it>"."""
    voice = c.get("voice_label") or c.get("voice") or "Ukendt stemme"
    meeting = _title(c.get("meeting"))
    if meeting:
        when = f", {c['date_label']}" if c.get("date_label") else ""
        return f"{voice} – {meeting}{when}"
    recorded = _title(c.get("recorded_in"))
    return f"{voice} – gengivet i {recorded}" if recorded else str(voice)


def _place_id(p: dict) -> tuple:
    return (p.get("file"), p.get("line_start"), p.get("line_end"), p.get("col_start"), p.get("col_end"))


def other_places(c: dict) -> list[dict]:
    """The citation's other places ("også registreret i"), each once, never the citation's own."""
    seen = {_place_id(c)}
    out = []
    for p in c.get("also_in") or []:
        if not isinstance(p, dict) or _place_id(p) in seen:
            continue
        seen.add(_place_id(p))
        out.append(p)
    return out


def place_key(n, fallback: int = 0) -> str:
    """A citation's key for the page: its number, reduced to safe characters."""
    return _SAFE_KEY.sub("", str(n))[:20] or str(fallback)


def places(result: dict | None) -> dict[str, dict]:
    """Place key -> the place to show: each cited (or "måske relevant") passage and each of its
    other places, with the cited text to find in the original when no columns are given."""
    out: dict[str, dict] = {}
    for i, c in enumerate(shown_citations(result), 1):
        n = place_key(c.get("n", i), i)
        out[n] = {**_place_fields(c), "text": c.get("text", ""), "label": label(c), "n": c.get("n")}
        for k, p in enumerate(other_places(c), 1):
            out[f"{n}.{k}"] = {**_place_fields(p), "text": p.get("text") or c.get("text", ""),
                               "label": label({**c, **p}) if p.get("meeting") or p.get("recorded_in") else label(c),
                               "n": c.get("n")}
    return out


def _place_fields(p: dict) -> dict:
    return {k: p.get(k) for k in ("file", "line_start", "line_end", "col_start", "col_end")}


def shown_citations(result: dict | None) -> list[dict]:
    """The passages the panel shows: the citations, or the closest passages when there are none."""
    if not result:
        return []
    return [c for c in (result.get("citations") or result.get("maybe_relevant") or []) if isinstance(c, dict)]


def _place_button(key: str, text: str, described: str = "") -> str:
    return (f"<button type='button' class='ra-open' data-place='{_e(key)}'"
            + (f" aria-describedby='{_e(described)}'" if described else "")
            + f">{_e(text)}</button>")


def citation_card(c: dict, titles: dict[str, str] | None = None, maybe: bool = False) -> str:
    """One cited passage as an article: heading with number, voice and meeting, the quote, file
    and lines, a button to the original text, and the other places where it was recorded."""
    titles = titles or {}
    n = c.get("n", "")
    key = place_key(n)
    head_id = f"ra-card-{key}"
    number = "" if maybe else f"<span class='ra-n'>[{_e(n)}]</span> "
    voice = (f"<span class='ra-voice {voice_class(c.get('voice', ''))}'>"
             f"{_e(c.get('voice_label') or c.get('voice'))}</span>")
    rest = label(c)
    voice_text = str(c.get("voice_label") or c.get("voice") or "")
    if voice_text and rest.startswith(voice_text + " – "):
        rest = rest[len(voice_text) + 3:]
    elif voice_text and rest == voice_text:  # neither meeting nor material known: the pill says it
        rest = ""
    rest_html = f"<span class='ra-sr'> – </span><span class='ra-who'>{_e(rest)}</span>" if rest else ""
    file_title = titles.get(c.get("file", ""), "")
    lines = _lines_label(c.get("line_start"), c.get("line_end"))
    parts = [
        f"<article class='ra-card{' ra-maybe' if maybe else ''}' data-n='{_e(n)}' aria-labelledby='{head_id}'>",
        f"<h3 class='ra-card-head' id='{head_id}'>{number}{voice}{rest_html}</h3>",
        f"<blockquote class='ra-quote'>«{_e(c.get('quote') or c.get('text'))}»</blockquote>",
        f"<p class='ra-file'><span class='ra-file-name'>{_e(c.get('file'))}</span>, {_e(lines)}",
        f"<br><span class='ra-file-title'>{_e(file_title)}</span>" if file_title else "",
        "</p>",
        _place_button(key, "Vis i originalteksten", head_id),
    ]
    also = other_places(c)
    if also:
        items = []
        for k, p in enumerate(also, 1):
            where = f"{p.get('file')}, {_lines_label(p.get('line_start'), p.get('line_end'))}"
            said = _title(p.get("meeting"))
            recorded = _title(p.get("recorded_in"))
            extra = said or (f"gengivet i {recorded}" if recorded else "")
            if extra and extra != _title(c.get("meeting")):
                where += f" ({extra})"
            items.append(f"<li>{_place_button(f'{key}.{k}', where)}</li>")
        parts.append(f"<div class='ra-also'><h4 class='ra-also-title'>Også registreret i</h4>"
                     f"<ul>{''.join(items)}</ul></div>")
    parts.append("</article>")
    return "".join(parts)


def _card_list(citations: list[dict], titles, maybe: bool = False) -> str:
    return ("<ol class='ra-cards' role='list'>"
            + "".join(f"<li>{citation_card(c, titles, maybe)}</li>" for c in citations) + "</ol>")


def cards_html(result: dict | None, titles: dict[str, str] | None = None) -> str:
    """The sources panel for one answer: a card per citation; for a generated answer the note
    that a language model wrote it, the cards it cites first and the others under a fold; the
    closest passages when the answer is unsure ("ligner mest") or refused ("måske relevant")."""
    if not result:
        return f"<p class='ra-empty'>{_e(MSG_EMPTY)}</p>"
    citations = [c for c in result.get("citations") or [] if isinstance(c, dict)]
    maybe = [c for c in result.get("maybe_relevant") or [] if isinstance(c, dict)]
    unsure = bool(result.get("unsure")) or result.get("kind") == "unsure"
    if citations and result.get("generated"):
        cited = {str(n) for n in result.get("cited") or []}
        first = [c for c in citations if str(c.get("n")) in cited] or citations
        others = [c for c in citations if c not in first]
        out = f"<p class='ra-note ra-generated'>{_e(NOTE_GENERATED)}</p>" + _card_list(first, titles)
        if others:
            out += (f"<details class='ra-uncited'><summary>Andre fundne kilder, som svaret ikke henviser "
                    f"til ({len(others)})</summary>{_card_list(others, titles)}</details>")
        return out
    if citations and unsure:
        return ("<p class='ra-maybe-title'>Ligner mest (ikke et sikkert svar):</p>"
                + _card_list(citations, titles))
    if citations:
        return _card_list(citations, titles)
    if maybe:
        title = "Ligner mest (ikke et sikkert svar):" if unsure else "Måske relevant (ikke et svar):"
        return f"<p class='ra-maybe-title'>{title}</p>" + _card_list(maybe, titles, maybe=True)
    return "<p class='ra-empty'>Ingen kilder til dette svar.</p>"


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
    return f"<div class='ra-source-msg' role='alert'>{_e(text)}</div>"


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


def _int(value) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _marks(lines: list[str], start: int, end: int, col_start, col_end, passage) -> dict[int, tuple[int, int]]:
    """The marked span per line (offsets within that line): by columns when they fit the lines,
    else by the passage's words, else the whole lines."""
    a, b = _int(col_start), _int(col_end)
    if (a is not None and b is not None and 0 <= a <= len(lines[start - 1]) and 0 <= b <= len(lines[end - 1])
            and (start < end or a < b)):
        return {no: (a if no == start else 0, b if no == end else len(lines[no - 1]))
                for no in range(start, end + 1)}
    marks: dict[int, tuple[int, int]] = {}
    span = passage_span("\n".join(lines[start - 1:end]), passage) if isinstance(passage, str) else None
    offset = 0
    for no in range(start, end + 1):
        length = len(lines[no - 1])
        if span is None:
            marks[no] = (0, length)
        else:
            x, y = max(span[0], offset) - offset, min(span[1], offset + length) - offset
            if x < y:
                marks[no] = (x, y)
        offset += length + 1
    return marks


def source_view(corpus_dir: Path, file, line_start, line_end, context: int = 12,
                allowed: set[str] | None = None, title: str = "", passage: str = "",
                col_start=None, col_end=None, heading: str = "", mark: bool = True) -> str:
    """Escaped HTML of the original file's lines around a passage, with line numbers (out of the
    reading order) and exactly the passage in <mark> (see the module's note). Only files listed
    in the manifest are opened. `heading` names the chosen citation ("[2] Brugere – …")."""
    path = allowed_path(corpus_dir, file, allowed)
    if path is None:
        log.warning("source view refused for %r", file)
        return _message(MSG_NOT_ALLOWED)
    start, end = _int(line_start), _int(line_end)
    try:
        context = max(0, min(int(context), 3000))
    except (TypeError, ValueError):
        context = 12
    if start is None or end is None:
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
    marks = _marks(lines, start, end, col_start, col_end, passage) if mark else {}

    rows = []
    for no in range(first, last + 1):
        text = lines[no - 1]
        inside = start <= no <= end
        if not inside and mark and len(text) > LONG_LINE:
            text = text[:LONG_LINE].rstrip() + " …"
        if not text.strip():
            body = "&nbsp;"
        elif no in marks:
            a, b = marks[no]
            body = f"{_show(text[:a])}<mark>{_show(text[a:b])}</mark>{_show(text[b:])}"
        else:
            body = _show(text)
        cls = "ra-line ra-hit" if inside and mark else "ra-line"
        rows.append(f"<div class='{cls}'><span class='ra-ln' aria-hidden='true'>{no}</span>"
                    f"<span class='ra-lt'>{body}</span></div>")
    where = f"{path.name}, {_lines_label(start, end)}" if mark else path.name
    head = f"<span class='ra-file-name'>{_e(path.name)}</span>" + (f", {_e(_lines_label(start, end))}" if mark else "")
    if title:
        head += f" – {_e(title)}"
    if heading:
        head = f"<span class='ra-source-label'>{_e(heading)}</span><br>" + head
    more_before = "<div class='ra-line ra-more' aria-hidden='true'>…</div>" if first > 1 else ""
    more_after = "<div class='ra-line ra-more' aria-hidden='true'>…</div>" if last < len(lines) else ""
    return (f"<div class='ra-source'><h3 class='ra-source-head'>{head}</h3>"
            f"<div class='ra-source-text' tabindex='0' role='region' aria-label='Originaltekst: {_e(where)}'>"
            f"{more_before}{''.join(rows)}{more_after}</div></div>")


def document_view(corpus_dir: Path, file, allowed: set[str] | None = None, title: str = "") -> str:
    """A whole document (from the Overblik tab), nothing marked."""
    path = allowed_path(corpus_dir, file, allowed)
    if path is None:
        return _message(MSG_NOT_ALLOWED)
    try:
        count = len(path.read_text(encoding="utf-8", errors="replace").split("\n"))
    except OSError:
        return _message(MSG_NOT_FOUND)
    return source_view(corpus_dir, file, 1, 1, context=count, allowed=allowed, title=title, mark=False)


def _show(text: str) -> str:
    """Escaped original text; the PDF's private-use bullet glyph shown as a bullet."""
    return _e(text.replace("\uf0b7", "•"))
