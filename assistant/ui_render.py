"""What the page shows, as text: the chat's Markdown (escaped) rendered from the typed answer
structure (`groups`, `citations`), never by re-parsing the answer text, and the Overblik tab
(the process as a timeline, later meetings apart from it, documents that open in the source view).

Markdown for the chat is escaped so it renders as exactly the given text: no tag, no link, no
auto-linked URL (a generated answer may contain an address; it is shown as text)."""
from __future__ import annotations

import html
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .sources import label

DISPLAY_CHARS = 500  # a very long question is shown shortened in the chat
NOTE_GENERATED = "*Skrevet af en sprogmodel og kontrolleret mod kilderne.*"
NOTE_SOURCES = "*Kilderne står i panelet ved siden af (på mobil: nedenfor).*"

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~$<>&])")


def md_escape(text: str) -> str:
    """Plain text as Markdown that renders as exactly that text: Markdown punctuation is
    backslash-escaped; '<', '>' and '&' become entities, so no tag can be formed."""
    text = _MD_SPECIAL.sub(r"\\\1", str(text))
    # a backslash before an entity would show; entities need no Markdown escaping
    return (text.replace("\\&", "&amp;").replace("\\<", "&lt;").replace("\\>", "&gt;"))


def no_autolink(markdown: str) -> str:
    """Escaped Markdown in which no bare address becomes a link: the characters that Markdown's
    autolinker looks for (":" of "://", the dot after "www", "@") are written as entities, which
    render as the same characters."""
    markdown = re.sub(r":(?=//)", "&#58;", markdown)
    markdown = re.sub(r"(?i)\b(www)\.", r"\1&#46;", markdown)
    return markdown.replace("@", "&#64;")


def question_markdown(raw: str) -> str:
    text = re.sub(r"\s+", " ", raw).strip()
    if len(text) > DISPLAY_CHARS:
        text = text[:DISPLAY_CHARS] + " …"
    return md_escape(text)


def groups_of(result: dict) -> list[dict]:
    """The answer's groups; without them (an older result), the citations in order, consecutive
    citations with the same label (the contract's label rule) in one group."""
    groups = result.get("groups")
    if isinstance(groups, list) and groups:
        return [g for g in groups if isinstance(g, dict)]
    out: list[dict] = []
    for c in result.get("citations") or []:
        if not isinstance(c, dict):
            continue
        who = label(c)
        if not out or out[-1]["label"] != who:
            out.append({"label": who, "voice": c.get("voice", ""), "items": []})
        out[-1]["items"].append({"n": c.get("n"), "quote": c.get("quote") or c.get("text", "")})
    return out


def _group_markdown(groups: list[dict]) -> list[str]:
    out = []
    for g in groups:
        if out:
            out.append("")
        out.append(f"**{md_escape(g.get('label', ''))}**")
        out.append("")
        for item in g.get("items") or []:
            n = item.get("n")
            ref = f" \\[{md_escape(n)}\\]" if n not in (None, "") else ""
            head = f"{md_escape(item['context'])}: " if item.get("context") else ""
            added = "".join(f" *({md_escape(a.get('voice_label', 'Arrangører').lower())}nes tilføjelse: "
                            f"«{md_escape(a.get('text', ''))}»)*" for a in item.get("additions") or [])
            out.append(f"- {head}«{md_escape(item.get('quote', ''))}»{added}{ref}")
    return out


def _lead(result: dict) -> str:
    """The answer's own first paragraph for the kinds that say something before the quotes
    (refused, unsure, yes/no to a claim, errors)."""
    text = str(result.get("answer", "")).strip()
    return text.split("\n\n", 1)[0].split("\n", 1)[0] if text else ""


def answer_markdown(result: dict) -> str:
    """The answer as escaped Markdown for the chat: a generated text (with the note that a
    language model wrote it, no auto-linking), or the lead line and the groups with their
    labels in bold and the quotes as a list."""
    out = []
    if result.get("notice"):
        out += [f"*{md_escape(result['notice'])}*", ""]
    if result.get("rewritten"):
        lead = "Opfølgning – søgte efter" if result.get("followup", True) else "Søgte efter"
        out += [f"*{lead}: {md_escape(result['rewritten'])}*", ""]
    kind = result.get("kind") or ("refused" if result.get("refused") else "answer")
    if result.get("unsure"):
        kind = "unsure"
    if result.get("generated"):
        out += [NOTE_GENERATED, ""]
        out += [no_autolink(md_escape(line)) for line in str(result.get("answer", "")).split("\n")]
    elif kind == "answer" and (result.get("groups") or result.get("citations")):
        out += _group_markdown(groups_of(result))
    else:
        lead = _lead(result)
        if lead:
            out.append(f"**{md_escape(lead)}**" if kind == "unsure" else md_escape(lead))
        groups = groups_of(result) if kind != "refused" else []
        if groups:
            out.append("")
            out += _group_markdown(groups)
    if result.get("citations"):
        out += ["", NOTE_SOURCES]
    return "\n".join(out)


# -- the overview tab ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Process:
    """The process the material is about, from the manifest's optional [process] table: meetings
    dated after `end` are later meetings, outside it."""
    label: str = "Processen bag Rammeaftale 2018"
    start: str = ""
    end: str = ""

    def later(self, meeting) -> bool:
        return bool(self.end) and str(meeting.date) > self.end


def load_process(corpus_dir: Path) -> Process:
    try:
        data = tomllib.loads((Path(corpus_dir) / "manifest.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return Process()
    table = data.get("process") if isinstance(data.get("process"), dict) else {}
    return Process(label=str(table.get("label") or Process.label), start=str(table.get("start", "")),
                   end=str(table.get("end", "")))


def ordered_meetings(manifest) -> list:
    return sorted(manifest.meetings.values(), key=lambda m: (m.date, m.id))


def meeting_choices(manifest, process: Process) -> list[tuple[str, str]]:
    """The meeting filter's choices: the process's meetings, then later meetings marked as such."""
    out = []
    for m in ordered_meetings(manifest):
        name = f"{m.title} ({m.date_label})" if m.date_label else m.title
        if process.later(m):
            name += " – senere møde, ikke en del af processen"
        out.append((name, m.id))
    return sorted(out, key=lambda c: process.later(manifest.meetings[c[1]]))


def _doc_button(name: str, title: str) -> str:
    e = html.escape
    return (f"<button type='button' class='ra-doc' data-doc='{e(name, quote=True)}'>"
            f"<span class='ra-file-name'>{e(name)}</span></button>" + (f" – {e(title)}" if title else ""))


def _timeline(meetings, titles) -> str:
    e = html.escape
    items = []
    for m in meetings:
        docs = "".join(f"<li>{_doc_button(d, titles.get(d, ''))}</li>" for d in m.documents)
        rows = []
        if m.place:
            rows.append(f"<dt>Sted</dt><dd>{e(m.place)}</dd>")
        if m.participants:
            rows.append(f"<dt>Deltagere</dt><dd>{e(m.participants)}</dd>")
        if m.outcome:
            rows.append(f"<dt>Resultat</dt><dd>{e(m.outcome)}</dd>")
        if docs:
            rows.append(f"<dt>Dokumenteret i</dt><dd><ul>{docs}</ul></dd>")
        items.append(
            f"<li class='ra-tl-item' data-meeting='{e(m.id, quote=True)}'><div class='ra-tl-date'>"
            f"{e(m.date_label or m.date)}</div><div class='ra-tl-body'><h4>{e(m.title)}</h4>"
            f"<dl>{''.join(rows)}</dl></div></li>")
    return "".join(items)


def overview_html(manifest, process: Process | None = None) -> str:
    """The process as a timeline from the manifest's meetings, sorted by date; meetings after
    the process stand apart under their own heading. Document names are buttons that open the
    document (`data-doc`)."""
    e = html.escape
    process = process or Process()
    titles = {f.name: f.title for f in manifest.files}
    meetings = ordered_meetings(manifest)
    inside = [m for m in meetings if not process.later(m)]
    later = [m for m in meetings if process.later(m)]
    voices = "".join(
        f"<li><span class='ra-voice ra-voice-{e(re.sub(r'[^a-z0-9_-]', '', vid))}'>{e(v.get('label', vid))}</span> "
        f"{e(v.get('description', ''))}</li>" for vid, v in manifest.voices.items())
    files = "".join(f"<li>{_doc_button(f.name, f.title)}"
                    + (f" <span class='ra-muted'>({e(f.kind)})</span>" if f.kind else "") + "</li>"
                    for f in sorted(manifest.files, key=lambda f: f.name))
    later_html = ""
    if later:
        later_html = ("<h3>Senere møder (ikke en del af processen)</h3>"
                      "<p>Materialet rummer også et møde fra en senere rammeaftale. Det hører ikke til "
                      f"processen ovenfor.</p><ol class='ra-timeline ra-timeline-later'>{_timeline(later, titles)}</ol>")
    return (
        "<div class='ra-overview'>"
        "<p>Rammeaftale 2018 for det specialiserede social- og undervisningsområde i Region Sjælland "
        "blev forberedt i en ny proces, hvor politikere, fagpersoner og brugere blev inddraget tidligt. "
        "Her er møderne i rækkefølge, og hvilke dokumenter der fortæller om dem. Klik på et dokuments "
        "navn for at se hele teksten.</p>"
        f"<h2>Tidslinje</h2><h3>{e(process.label)}</h3>"
        f"<ol class='ra-timeline'>{_timeline(inside, titles)}</ol>{later_html}"
        f"<h2>Hvem taler i materialet</h2><ul class='ra-voices'>{voices}</ul>"
        f"<h2>Dokumenterne</h2><ul class='ra-files'>{files}</ul>"
        "<h2>Sådan bruger du assistenten</h2><ul>"
        "<li>Stil spørgsmål på dansk, fx «Hvad sagde brugerne om overgange?». Svaret citerer dokumenterne "
        "ordret med kildenumre [1], [2] …</li>"
        "<li>Kildepanelet viser, hvem der sagde det (Brugere, Fagpersoner, Politikere, Arrangører), på hvilket "
        "møde, og hvor det står. «Vis i originalteksten» viser passagen markeret i dokumentet.</li>"
        "<li>Et opfølgende spørgsmål som «og hvad sagde fagpersonerne?» bygger videre på det forrige.</li>"
        "<li>Står svaret ikke i materialet, siger assistenten det og viser de nærmeste steder som «måske relevant».</li>"
        "</ul></div>")
