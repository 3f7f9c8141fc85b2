"""The chat page (Gradio 6): questions in Danish, answers with citation numbers, a sources panel
with the original text around each cited passage, voice and meeting filters, an "Overblik" tab
with the process as a timeline, and "Godt svar"/"Dårligt svar" stored by feedback.py.

    from assistant.ui import serve
    serve(host="127.0.0.1", port=7860)          # blocking, like demo.launch

    demo = build_app(Assistant(...))            # the Blocks, for tests or an own launch
    demo.queue(...).launch(**launch_options(settings))

The index is opened (built when missing) in a background thread at startup (ui_status.py); until
it is ready the page shows progress and the chat says so instead of failing. A named API endpoint
"/ask" returns the same dict as `rammeaftale ask --json`.

What the page shows is rendered from the answer's typed structure (ui_render.py, sources.py);
its styles and script are static files (static/page.css, static/page.js). Handlers return dicts
keyed by component. Everything from the corpus and from users is escaped before it is shown:
the chat history holds escaped Markdown (our own escaping, then Gradio's sanitizer on top), the
sources panel and the timeline are built from html.escape'd pieces."""
from __future__ import annotations

import logging
import os
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import gradio as gr  # noqa: E402

from . import feedback  # noqa: E402
from .config import Settings  # noqa: E402
from .query import clean_question, has_words  # noqa: E402
from .sources import cards_html, document_view, places, source_view  # noqa: E402
from .ui_login import middleware as login_middleware  # noqa: E402
from .ui_render import (answer_markdown, load_process, md_escape, meeting_choices,  # noqa: E402,F401
                        no_autolink, overview_html, question_markdown)
from .ui_status import MSG_BUILDING, MSG_OPENING, STAGES, IndexStatus, start_index  # noqa: E402,F401

log = logging.getLogger("rammeaftale.ui")

TITLE = "Rammeaftale-assistenten"
STATIC = Path(__file__).resolve().parent / "static"
EXAMPLES = [
    "Hvad sagde brugerne om overgange?",
    "Hvor mange deltog i brugerworkshoppen på Solrød Rådhus?",
    "Hvor mange stemmer fik fokuspunkterne på tværs af bordene?",
    "Hvad er de tre visioner for fremtidigt samarbejde?",
    "Hvad sagde fagpersonerne om specialisering?",
    "Hvad kostede politikertemamødet?",  # not in the material: a refusal with its reason (no amounts)
]
MSG_FAILED = "Der opstod en fejl, så spørgsmålet kunne ikke besvares. Prøv igen om lidt."
MSG_THANKS = {True: "Tak! Din vurdering («godt svar») er gemt.", False: "Tak! Din vurdering («dårligt svar») er gemt."}
AUTH_MESSAGE = "Log ind for at bruge Rammeaftale-assistenten."
# a click on a button with data-place (source cards) or data-doc (Overblik) reaches Python
CLICK_PLACE = ("element.addEventListener('click', (e) => { const b = e.target.closest('[data-place]');"
               " if (b) { element.querySelectorAll('[data-place]').forEach(x => x.removeAttribute('aria-current'));"
               " b.setAttribute('aria-current', 'true'); trigger('click', {place: b.dataset.place}); } });")
CLICK_DOC = ("element.addEventListener('click', (e) => { const b = e.target.closest('[data-doc]');"
             " if (b) trigger('click', {doc: b.dataset.doc}); });")
JS_SHOW_SOURCE = "() => { window.raShowSource && window.raShowSource(); }"
JS_SHOW_DOCUMENT = "() => { document.querySelector('#ra-doc-view .ra-source')?.scrollIntoView({block: 'start'}); }"
JS_AFTER_ANSWER = "() => { window.raAfterAnswer && window.raAfterAnswer(); }"


def static_text(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


# -- answering ------------------------------------------------------------------------------
def _clean_filters(values) -> list[str]:
    if not values:
        return []
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, (list, tuple)):  # a number or an object from a hand-made API call
        return []
    return [str(v) for v in values if isinstance(v, str) and v]


def _follow_index(assistant, status: IndexStatus | None, result: dict) -> None:
    """The status banner follows what answering finds: the index gone (deleted, Chroma server
    down) or back again (after `rammeaftale ingest --rebuild`), so a page loaded later does not
    show a stale "ready" or "failed"."""
    if status is None or not status.finished:
        return
    try:
        if result.get("error") == "index_unavailable" and status.state != "failed":
            status.set_failed("index unavailable while answering")
        elif status.state == "failed" and "error" not in result:
            status.set_ready(len(assistant.ready().index.records))
    except Exception as exc:
        log.warning("status not updated: %s", exc)


def answer(assistant, status: IndexStatus | None, question, voices=None, meetings=None,
           previous=None) -> dict:
    """The same dict as `rammeaftale ask --json`; while the index is being built, a result
    that says so (refused, error "index_building"). Never raises."""
    raw = question if isinstance(question, str) else ""
    voices, meetings = _clean_filters(voices), _clean_filters(meetings)
    previous = previous if isinstance(previous, str) else ""
    base = {"question": raw, "answer": "", "refused": True, "citations": [], "maybe_relevant": [],
            "latency_ms": 0.0}
    try:
        text, _ = clean_question(raw, assistant.settings.max_question_chars)
        if status is not None and not status.finished and text and has_words(text):
            if status.state == "starting":
                return {**base, "question": text, "answer": MSG_OPENING, "error": "index_building"}
            return {**base, "question": text, "answer": MSG_BUILDING, "error": "index_building",
                    "notice": status.progress_text()}
        result = assistant.ask(raw, voices=voices, meetings=meetings, previous=previous)
        _follow_index(assistant, status, result)
        return result
    except Exception as exc:  # the page shows a message, never a traceback
        log.exception("answering failed: %s", exc)
        return {**base, "answer": MSG_FAILED, "error": "internal"}


def stream_answer(assistant, status: IndexStatus | None, question, voices=None, meetings=None,
                  previous=None):
    """Draft texts (str) while a generator writes, then the result dict as the last item;
    without an LLM (or while the index is built) just the result. Never raises."""
    if assistant.settings.generator == "extractive" or status is None or not status.ready:
        yield answer(assistant, status, question, voices, meetings, previous)
        return
    try:
        yield from assistant.ask_stream(question if isinstance(question, str) else "",
                                        voices=_clean_filters(voices), meetings=_clean_filters(meetings),
                                        previous=previous if isinstance(previous, str) else "")
    except Exception as exc:  # the page shows a message, never a traceback
        log.exception("streaming answer failed: %s", exc)
        yield {"question": question if isinstance(question, str) else "", "answer": MSG_FAILED,
               "refused": True, "citations": [], "maybe_relevant": [], "latency_ms": 0.0, "error": "internal"}




# -- the page ------------------------------------------------------------------------------------
def _new_state() -> dict:
    return {"history": [], "questions": [], "results": {}, "places": {}}


def _event_value(evt, key: str):
    data = getattr(evt, "_data", None)
    return data.get(key) if isinstance(data, dict) else None


def parse_place(value) -> tuple[str, int, int] | None:
    """An old-style place value "file:start:end" (kept for links and tests)."""
    if not isinstance(value, str) or value.count(":") < 2:
        return None
    file, start, end = value.rsplit(":", 2)
    try:
        return file, int(start), int(end)
    except ValueError:
        return None


def build_app(assistant=None, settings: Settings | None = None,
              status: IndexStatus | None = None) -> gr.Blocks:
    """The Blocks of the page. Opens the index (building it when missing) in a background thread
    unless a status that is already finished is passed; `demo.rammeaftale_status` tells how far
    that has come and `demo.rammeaftale_parts` names the components (for tests)."""
    if assistant is None:
        from . import Assistant
        assistant = Assistant(settings=settings)
    settings = assistant.settings
    from ingest.manifest import load_manifest
    manifest = load_manifest(settings.corpus_dir)  # cheap; the page needs no index for it
    process = load_process(settings.corpus_dir)
    titles = {f.name: f.title for f in manifest.files}
    allowed = set(titles)
    status = status or IndexStatus()
    if not status.finished:
        start_index(assistant, status)
    voice_choices = [(v.get("label", vid), vid) for vid, v in manifest.voices.items()]

    def view_for(value, state) -> str:
        """The original text for a place key of the current answer ("2", "2.1"), or for an
        old-style "file:start:end"."""
        chosen = (state or {}).get("places", {}).get(value) if isinstance(state, dict) and isinstance(value, str) else None
        if chosen is None:
            place = parse_place(value)
            if place is None:
                return ""
            chosen = {"file": place[0], "line_start": place[1], "line_end": place[2]}
        heading = f"[{chosen['n']}] {chosen.get('label', '')}" if chosen.get("n") not in (None, "") else chosen.get("label", "")
        return source_view(settings.corpus_dir, chosen.get("file"), chosen.get("line_start"), chosen.get("line_end"),
                           allowed=allowed, title=titles.get(chosen.get("file"), ""), passage=chosen.get("text", ""),
                           col_start=chosen.get("col_start"), col_end=chosen.get("col_end"), heading=heading)

    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=(3600, 3600)) as demo:
        state = gr.State(_new_state())
        gr.HTML(f"<header class='ra-header'><h1>{TITLE}</h1><p>Spørg om dokumenterne fra processen bag "
                "Rammeaftale 2018 (Region Sjælland). Svarene citerer kilderne ordret.</p></header>")
        status_box = gr.HTML(status.html(), elem_id="ra-status")
        timer = gr.Timer(1.0, active=not status.finished)
        with gr.Tabs():  # one block per tab; a further tab (e.g. "Dokumenter") is one more `with gr.Tab`
            with gr.Tab("Spørg", id="chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=300, elem_id="ra-chat-col"):
                        with gr.Row(equal_height=True):
                            question = gr.Textbox(
                                label="Dit spørgsmål", show_label=False,
                                placeholder="Skriv dit spørgsmål, fx: Hvad sagde brugerne om overgange?",
                                lines=1, max_lines=4, max_length=5000, scale=5, min_width=180,
                                elem_id="ra-question", submit_btn=False)
                            ask_btn = gr.Button("Spørg", variant="primary", scale=1, min_width=80, elem_id="ra-ask")
                            clear_btn = gr.Button("Ny samtale", variant="secondary", scale=1, min_width=80,
                                                  elem_id="ra-clear")
                        with gr.Accordion("Eksempler på spørgsmål", open=True, elem_id="ra-examples") as examples_box:
                            examples = gr.Examples(examples=[[q] for q in EXAMPLES], inputs=[question],
                                                   label="Klik for at spørge", examples_per_page=10)
                        with gr.Accordion("Afgræns svarene (stemme og møde)", open=False, elem_id="ra-filters"):
                            voices = gr.CheckboxGroup(voice_choices, label="Hvem sagde det", elem_id="ra-voices",
                                                      info="Intet valgt: alle stemmer.")
                            meetings = gr.CheckboxGroup(meeting_choices(manifest, process), label="Møde",
                                                        elem_id="ra-meetings", info="Intet valgt: alle møder.")
                        chatbot = gr.Chatbot(
                            label="Samtale", show_label=False, elem_id="ra-chat", height="auto", layout="panel",
                            autoscroll=False, sanitize_html=True, render_markdown=True, latex_delimiters=[],
                            line_breaks=True, feedback_options=None, buttons=["copy"],
                            placeholder="Stil et spørgsmål om processen bag Rammeaftale 2018 – "
                                        "eller klik på et af eksemplerne ovenfor.")
                    with gr.Column(scale=2, min_width=300, elem_id="ra-sources-col"):
                        gr.HTML("<h2 class='ra-sources-title'>Kilder</h2>")
                        cards = gr.HTML(cards_html(None), elem_id="ra-cards", js_on_load=CLICK_PLACE)
                        with gr.Row(visible=False, elem_id="ra-feedback") as feedback_row:
                            good_btn = gr.Button("Godt svar", size="sm", variant="secondary", elem_id="ra-good")
                            bad_btn = gr.Button("Dårligt svar", size="sm", variant="secondary", elem_id="ra-bad")
                            feedback_msg = gr.HTML("", elem_id="ra-feedback-msg")
                        view = gr.HTML("", elem_id="ra-source-view")
            with gr.Tab("Overblik", id="overview"):
                overview = gr.HTML(overview_html(manifest, process), elem_id="ra-overview", js_on_load=CLICK_DOC)
                doc_view = gr.HTML("", elem_id="ra-doc-view")
            if settings.auth:  # adding documents only behind the login (assistant/ui_documents.py)
                from .ui_documents import documents_tab
                with gr.Tab("Dokumenter", id="documents"):
                    changes = documents_tab(settings, titles, allowed)

                def after_change():
                    """Overblik and the filters follow the manifest after an add or a remove."""
                    fresh = load_manifest(settings.corpus_dir)
                    return {overview: overview_html(fresh, process),
                            voices: gr.CheckboxGroup(choices=[(v.get("label", vid), vid) for vid, v in fresh.voices.items()]),
                            meetings: gr.CheckboxGroup(choices=meeting_choices(fresh, process))}

                for event in changes or ():
                    event.then(after_change, None, [overview, voices, meetings], api_visibility="private")

        parts = dict(chatbot=chatbot, question=question, state=state, cards=cards, view=view,
                     examples_box=examples_box, feedback_row=feedback_row, feedback_msg=feedback_msg,
                     status_box=status_box, timer=timer, doc_view=doc_view)

        def respond(question_text, state_value, voice_values, meeting_values):
            state_value = state_value if isinstance(state_value, dict) and "history" in state_value else _new_state()
            raw = question_text if isinstance(question_text, str) else ""
            previous = state_value["questions"][-1] if state_value["questions"] else ""
            asked = list(state_value["history"])
            if raw.strip():
                asked.append({"role": "user", "content": question_markdown(raw)})
            result = None
            for item in stream_answer(assistant, status, raw, voice_values, meeting_values, previous):
                if isinstance(item, dict):
                    result = item
                    break
                draft = {"role": "assistant", "content": "*Udkast, endnu ikke kontrolleret mod kilderne:*\n\n"
                                                         + no_autolink(md_escape(item))}
                yield {chatbot: asked + [draft], question: ""}
            history = asked + [{"role": "assistant", "content": answer_markdown(result)}]
            new = {"history": history, "questions": list(state_value["questions"]),
                   "results": dict(state_value["results"]), "places": places(result)}
            new["results"][len(history) - 1] = {"question": raw, "result": result}
            if not result.get("error"):
                new["questions"].append(result.get("question") or raw)
            first = next(iter(new["places"]), None)
            answered = bool(result.get("citations") or result.get("maybe_relevant"))
            yield {chatbot: history, question: "", state: new, cards: cards_html(result, titles),
                   view: view_for(first, new) if first else "", examples_box: gr.Accordion(open=False),
                   feedback_row: gr.Row(visible=answered and not result.get("error")), feedback_msg: ""}

        def show_source(state_value, evt: gr.EventData):
            return {view: view_for(_event_value(evt, "place"), state_value)}

        def open_document(evt: gr.EventData):
            name = _event_value(evt, "doc")
            return {doc_view: document_view(settings.corpus_dir, name, allowed=allowed, title=titles.get(name, ""))
                    if name else ""}

        def on_like(state_value, data):
            """A vote on the latest answer (the buttons pass True/False), or on the answer a
            gr.LikeData names."""
            try:
                results = (state_value or {}).get("results", {}) if isinstance(state_value, dict) else {}
                if isinstance(data, gr.LikeData):
                    index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
                    liked = data.liked
                else:
                    index, liked = (max(results) if results else None), bool(data)
                entry = results.get(int(index)) if index is not None else None
                if entry is None:
                    log.warning("feedback for an unknown message %r", index)
                    return {feedback_msg: ""}
                result = entry["result"]
                feedback.record(settings, question=entry["question"], answer=result.get("answer", ""),
                                citations=result.get("citations"), liked=liked,
                                refused=result.get("refused"), error=result.get("error"))
                return {feedback_msg: f"<p role='status'>{MSG_THANKS.get(liked, MSG_THANKS[True])}</p>"}
            except Exception as exc:  # feedback must never break the page
                log.error("feedback handler failed: %s", exc)
                return {feedback_msg: ""}

        def clear():
            return {chatbot: [], question: "", state: _new_state(), cards: cards_html(None), view: "",
                    feedback_row: gr.Row(visible=False), feedback_msg: "", examples_box: gr.Accordion(open=True)}

        def tick():
            return {status_box: status.html(), timer: gr.Timer(active=not status.finished)}

        def api_ask(question: str, voices: list[str] | None = None, meetings: list[str] | None = None,
                    previous: str | None = None) -> dict:
            """Answers one question about the Rammeaftale 2018 documents; returns the same JSON as
            `rammeaftale ask --json` (question, answer, refused, citations, maybe_relevant, latency_ms)."""
            return answer(assistant, status, question, voices, meetings, previous)

        answer_outputs = [chatbot, question, state, cards, view, examples_box, feedback_row, feedback_msg]
        inputs = [question, state, voices, meetings]
        common = dict(api_visibility="private", concurrency_id="ask")
        ask_btn.click(respond, inputs, answer_outputs, **common).then(None, js=JS_AFTER_ANSWER)
        question.submit(respond, inputs, answer_outputs, **common).then(None, js=JS_AFTER_ANSWER)
        examples.load_input_event.then(respond, inputs, answer_outputs, **common).then(None, js=JS_AFTER_ANSWER)
        cards.click(show_source, [state], [view], api_visibility="private", concurrency_id="view"
                    ).then(None, js=JS_SHOW_SOURCE)
        overview.click(open_document, None, [doc_view], api_visibility="private", concurrency_id="view"
                       ).then(None, js=JS_SHOW_DOCUMENT)
        for button, liked in ((good_btn, True), (bad_btn, False)):
            button.click(on_like, [state, gr.State(liked)], [feedback_msg], api_visibility="private",
                         concurrency_id="feedback")
        clear_btn.click(clear, None, answer_outputs, api_visibility="private", queue=False)
        chatbot.clear(clear, None, answer_outputs, api_visibility="private", queue=False)  # the bin icon
        timer.tick(tick, None, [status_box, timer], api_visibility="private", queue=False, show_progress="hidden")
        demo.load(tick, None, [status_box, timer], api_visibility="private", queue=False, show_progress="hidden")
        gr.api(api_ask, api_name="ask", concurrency_id="ask")

    demo.rammeaftale_status = status  # for tests and serve()
    demo.rammeaftale_parts = parts
    return demo


def named(demo, output: dict) -> dict:
    """A handler's output keyed by the component names of `demo.rammeaftale_parts` (for tests)."""
    names = {id(c): n for n, c in demo.rammeaftale_parts.items()}
    return {names.get(id(c), c): v for c, v in (output or {}).items()}


def parse_auth(value: str) -> tuple[str, str] | None:
    """"user:password" -> (user, password); empty -> None; anything else -> ValueError."""
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise ValueError("RAMMEAFTALE_AUTH must look like user:password")
    return user, password


def theme():
    """System fonts (nothing fetched from the internet; every weight available)."""
    return gr.themes.Default(
        primary_hue="blue",
        font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "DejaVu Sans Mono", "monospace"])


# Gradio ships no Danish; these cover the built-in strings this page shows (chat buttons, the
# login form, the queue). Keys as in Gradio's own English translation. Given for "en" too (the
# fallback for every browser language Gradio lacks), since the whole page is Danish.
DANISH = {
    "chatbot.like": "Godt svar", "chatbot.dislike": "Dårligt svar", "chatbot.clear": "Ryd samtalen",
    "chatbot.copy_message": "Kopiér", "chatbot.copied_message": "Kopieret",
    "chatbot.retry": "Prøv igen", "chatbot.undo": "Fortryd", "chatbot.edit": "Redigér",
    "chatbot.submit": "Send", "chatbot.cancel": "Annullér", "chatbot.complete": "Færdig",
    "login.login": "Log ind", "login.username": "brugernavn", "login.password": "adgangskode",
    "login.incorrect_credentials": "Forkert brugernavn eller adgangskode",
    "status.queue_position": "I kø: {position} af {size}",
    "common.loading": "Indlæser",
}


# The queue in front of the answering functions. Answers are CPU-bound (~20-50 ms, mostly under
# the GIL; the embedding runs in C outside it): throughput measured the same with 1, 2 or 4 at a
# time, and more only stretches each answer, so 2 (one answer's embedding overlaps another's
# Python). max_size bounds memory under a flood: past it Gradio answers "queue full" (HTTP 503)
# at once instead of letting waits grow. `rammeaftale load --users 20 --questions 10` (SECURITY.md).
QUEUE_CONCURRENCY = 2
QUEUE_MAX_SIZE = 256


def queue_options() -> dict:
    """Arguments for demo.queue(); RAMMEAFTALE_CONCURRENCY and RAMMEAFTALE_QUEUE_SIZE override."""
    def number(name: str, default: int) -> int:
        try:
            return max(1, int(os.environ.get(f"RAMMEAFTALE_{name}", default)))
        except ValueError:
            log.warning("RAMMEAFTALE_%s is not a number: using %d", name, default)
            return default
    return dict(default_concurrency_limit=number("CONCURRENCY", QUEUE_CONCURRENCY),
                max_size=number("QUEUE_SIZE", QUEUE_MAX_SIZE))


def launch_options(settings: Settings, host: str = "127.0.0.1", port: int = 7860) -> dict:
    """Arguments for demo.launch(). With RAMMEAFTALE_AUTH the login page is Danish (ui_login)."""
    from .ui_documents import upload_limit
    auth = parse_auth(settings.auth)
    options = dict(server_name=host, server_port=port, auth=auth, auth_message=AUTH_MESSAGE, share=False,
                   css=static_text("page.css"), theme=theme(), ssr_mode=False,
                   footer_links=[], show_error=False, quiet=False, i18n=gr.I18n(en=DANISH, da=DANISH),
                   js=static_text("page.js"),
                   # no uploads without a login (Gradio's upload route would take any size); with
                   # one, documents up to readers.MAX_BYTES for the Dokumenter tab
                   max_file_size=upload_limit(settings))
    if auth:
        options["app_kwargs"] = {"middleware": login_middleware(AUTH_MESSAGE)}
    return options


def serve(host: str = "127.0.0.1", port: int = 7860, assistant=None, settings: Settings | None = None):
    """Serves the page; blocks like demo.launch."""
    if assistant is None:
        from . import Assistant
        assistant = Assistant(settings=settings)
    try:
        options = launch_options(assistant.settings, host, port)
    except ValueError as exc:
        log.error("not starting: %s", exc)
        raise SystemExit("Kan ikke starte: RAMMEAFTALE_AUTH skal have formen «bruger:adgangskode».")
    demo = build_app(assistant)
    demo.queue(**queue_options())
    log.info("serving on http://%s:%d", host, port)
    demo.launch(**options)
