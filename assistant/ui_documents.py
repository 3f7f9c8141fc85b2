"""The page's "Dokumenter" tab: the corpus's documents and a form that adds one through the same
code path as `rammeaftale add` (ingest/documents.py). Only built when a login is configured
(RAMMEAFTALE_AUTH): without one, anybody who reaches the page could change the corpus."""
from __future__ import annotations

import html
import logging
from pathlib import Path

import gradio as gr

from ingest.documents import DocumentError, add_documents, describe, list_documents, remove_document
from ingest.manifest import DEFAULT_VOICE, load_manifest
from ingest.readers import FORMATS, MAX_BYTES

log = logging.getLogger("rammeaftale.ui")

NEW_MEETING = "__new__"
NO_MEETING = ""


def upload_limit(settings) -> int:
    """Gradio's max_file_size: documents may be uploaded only behind the login."""
    return MAX_BYTES if settings.auth else 0


def documents_html(corpus_dir: Path) -> str:
    e = html.escape
    try:
        docs = list_documents(corpus_dir)
    except Exception as exc:  # a broken manifest: say so, the rest of the page still works
        log.error("documents cannot be listed: %s", exc)
        return "<p>Dokumentlisten kan ikke vises: manifestet kan ikke læses.</p>"
    rows = "".join(
        f"<tr><td class='ra-file-name'>{e(d['name'])}</td><td>{e(d['title'])}</td>"
        f"<td>{e(d['kind'])}</td><td>{e(d['date'])}</td><td>{e(', '.join(d['meetings']) or '–')}</td>"
        f"<td>{'uden manifestpost' if d['loose'] else e(d['source'])}</td></tr>" for d in docs)
    return ("<table class='ra-documents'><thead><tr><th>Fil</th><th>Titel</th><th>Type</th><th>Dato</th>"
            f"<th>Møde</th><th>Kilde</th></tr></thead><tbody>{rows}</tbody></table>"
            f"<p>{len(docs)} dokumenter.</p>")


def _choices(corpus_dir: Path):
    manifest = load_manifest(corpus_dir)
    meetings = [("Intet møde (ikke angivet)", NO_MEETING)] + [
        (f"{m.title} ({m.date_label})" if m.date_label else m.title, m.id)
        for m in sorted(manifest.meetings.values(), key=lambda m: (m.date, m.id))
    ] + [("Nyt møde …", NEW_MEETING)]
    voices = {vid: v.get("label", vid) for vid, v in manifest.voices.items()}
    voices.setdefault(DEFAULT_VOICE["id"], DEFAULT_VOICE["label"])
    files = [(f"{f.name} – {f.title}", f.name) for f in manifest.files]
    return meetings, [(label, vid) for vid, label in voices.items()], files, manifest


def documents_tab(settings, titles: dict | None = None, allowed: set | None = None):
    """Builds the tab's contents inside the caller's `with gr.Tab(...)`. `titles` and `allowed`
    (the page's file titles and source allow-list) are updated in place after a change, so the
    sources panel shows new files. Returns the add and remove events, for a caller that wants
    to refresh more (`.then(...)`)."""
    corpus_dir = Path(settings.corpus_dir)
    meetings, voices, files, _ = _choices(corpus_dir)

    def refresh():
        meetings, voices, files, manifest = _choices(corpus_dir)
        if titles is not None:
            titles.clear()
            titles.update({f.name: f.title for f in manifest.files})
        if allowed is not None:
            allowed.clear()
            allowed.update(f.name for f in manifest.files)
        return (documents_html(corpus_dir), gr.Dropdown(choices=meetings),
                gr.Dropdown(choices=files, value=None))

    def on_add(path, title, date, meeting, new_title, place, voice, kind):
        if not path:
            return ("Vælg først en fil.", *[gr.update()] * 3)
        if meeting == NEW_MEETING and not (new_title or "").strip():
            return ("Skriv det nye mødes titel (eller vælg et eksisterende møde).", *[gr.update()] * 3)
        try:
            report = add_documents(
                settings, [path], title=title or "", date=date or "",
                meeting="" if meeting in (NEW_MEETING, None) else meeting,
                new_meeting=(new_title or "") if meeting == NEW_MEETING else "",
                place=place or "", voice=voice or "", kind=kind or "")
        except DocumentError as exc:
            return (f"**Intet tilføjet:** {_md(str(exc))} Manifestet og indekset er uændrede.",
                    *[gr.update()] * 3)
        except Exception as exc:  # never a traceback on the page
            log.exception("adding a document failed: %s", exc)
            return ("**Intet tilføjet:** der opstod en uventet fejl.", *[gr.update()] * 3)
        return ("\n".join(["```", *describe(report), "```"]), *refresh())

    def on_remove(name):
        if not name:
            return ("Vælg først et dokument.", *[gr.update()] * 3)
        try:
            report = remove_document(settings, name)
        except DocumentError as exc:
            return (f"**Intet fjernet:** {_md(str(exc))}", *[gr.update()] * 3)
        except Exception as exc:
            log.exception("removing a document failed: %s", exc)
            return ("**Intet fjernet:** der opstod en uventet fejl.", *[gr.update()] * 3)
        return ("\n".join(["```", *describe(report), "```"]), *refresh())

    gr.HTML("<h2 style='margin:0;font-size:1.15rem'>Dokumenter i materialet</h2>")
    listing = gr.HTML(documents_html(corpus_dir), elem_id="ra-documents")
    with gr.Accordion("Tilføj et dokument", open=True, elem_id="ra-doc-add"):
        upload = gr.File(label="Dokument (PDF, Word, Markdown eller tekst)", type="filepath",
                         file_types=sorted(FORMATS), file_count="single", elem_id="ra-doc-file")
        with gr.Row():
            title = gr.Textbox(label="Titel", placeholder="tom: dokumentets egen titel", elem_id="ra-doc-title")
            date = gr.Textbox(label="Dato", placeholder="ÅÅÅÅ-MM-DD", elem_id="ra-doc-date")
            kind = gr.Textbox(label="Type", placeholder="fx mødereferat", elem_id="ra-doc-kind")
        with gr.Row():
            meeting = gr.Dropdown(meetings, value=NO_MEETING, label="Møde", elem_id="ra-doc-meeting")
            voice = gr.Dropdown(voices, value=DEFAULT_VOICE["id"], label="Hvem taler", elem_id="ra-doc-voice")
        with gr.Row():
            new_title = gr.Textbox(label="Nyt mødes titel", placeholder="kun ved «Nyt møde …»",
                                   elem_id="ra-doc-new-meeting")
            place = gr.Textbox(label="Sted", elem_id="ra-doc-place")
        add_btn = gr.Button("Tilføj dokument", variant="primary", elem_id="ra-doc-add-btn")
    with gr.Accordion("Fjern et dokument", open=False, elem_id="ra-doc-remove"):
        chosen = gr.Dropdown(files, value=None, label="Dokument", elem_id="ra-doc-chosen")
        remove_btn = gr.Button("Fjern dokument", variant="stop", elem_id="ra-doc-remove-btn")
    message = gr.Markdown("", elem_id="ra-doc-message")

    outputs = [message, listing, meeting, chosen]
    common = dict(api_visibility="private", concurrency_id="documents", concurrency_limit=1)
    added = add_btn.click(on_add, [upload, title, date, meeting, new_title, place, voice, kind],
                          outputs, **common)
    removed = remove_btn.click(on_remove, [chosen], outputs, **common)
    return added, removed


def _md(text: str) -> str:
    """A message as plain text in Markdown (file names may hold * or _)."""
    return "".join("\\" + ch if ch in "\\`*_{}[]<>()#+-.!|" else ch for ch in text)
