"""The chat page (Gradio 6): questions in Danish, answers with citation numbers, a sources panel
with the original text around each cited passage, voice and meeting filters, an "Overblik" tab
with the process as a timeline, and thumbs up/down stored by feedback.py.

    from assistant.ui import serve
    serve(host="127.0.0.1", port=7860)          # blocking, like demo.launch

    demo = build_app(Assistant(...))            # the Blocks, for tests or an own launch
    demo.queue(...).launch(**launch_options(settings))

The index is opened (built when missing) in a background thread at startup; until it is ready
the page shows progress and the chat says so instead of failing. A named API endpoint "/ask"
returns the same dict as `rammeaftale ask --json`.

Everything from the corpus and from users is escaped before it is shown as HTML: the chat
history holds escaped Markdown (our own escaping, then Gradio's sanitizer on top), the
sources panel and the timeline are built from html.escape'd pieces (see sources.py)."""
from __future__ import annotations

import html
import logging
import os
import re
import threading
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import gradio as gr  # noqa: E402

from . import feedback  # noqa: E402
from .config import Settings  # noqa: E402
from .query import clean_question, has_words  # noqa: E402
from .sources import cards_html, source_view  # noqa: E402

log = logging.getLogger("rammeaftale.ui")

TITLE = "Rammeaftale-assistenten"
EXAMPLES = [
    "Hvad sagde brugerne om overgange?",
    "Hvor mange deltog i brugerworkshoppen på Solrød Rådhus?",
    "Hvor mange stemmer fik fokuspunkterne på tværs af bordene?",
    "Hvad er de tre visioner for fremtidigt samarbejde?",
    "Hvad sagde fagpersonerne om specialisering?",
    "Hvordan var vejret på dagen for politikertemamødet?",  # not in the material: a refusal
]
DISPLAY_CHARS = 500  # a very long question is shown shortened in the chat
MSG_BUILDING = "Indekset bygges, så jeg kan ikke svare endnu. Prøv igen om lidt – siden viser, hvor langt det er nået."
MSG_OPENING = "Søgeindekset åbnes lige nu. Prøv igen om et øjeblik."
MSG_FAILED = "Der opstod en fejl, så spørgsmålet kunne ikke besvares. Prøv igen om lidt."
STAGES = {
    "passager": "Dokumenterne deles op i passager",
    "indlejring": "Passagerne indlejres (vektorer beregnes)",
    "chroma": "Passagerne gemmes i søgeindekset",
}


# -- index status (built in the background) -----------------------------------------------------
class IndexStatus:
    """What the background start-up has reached: starting, building, ready or failed."""

    def __init__(self):
        self._lock = threading.Lock()
        self.state = "starting"
        self.stage = ""
        self.done = 0
        self.total = 0
        self.passages = 0
        self.error = ""

    def progress(self, stage: str, done: int, total: int):
        with self._lock:
            self.state = "building"
            self.stage, self.done, self.total = str(stage), int(done), int(total)

    def set_ready(self, passages: int):
        with self._lock:
            self.state, self.passages = "ready", passages

    def set_failed(self, error: str):
        with self._lock:
            self.state, self.error = "failed", error

    @property
    def ready(self) -> bool:
        return self.state == "ready"

    @property
    def finished(self) -> bool:
        return self.state in ("ready", "failed")

    def progress_text(self) -> str:
        with self._lock:
            if self.state == "starting":
                return "Søgeindekset åbnes …"
            label = STAGES.get(self.stage, self.stage)
            if self.total:
                return f"{label}: {self.done} af {self.total}"
            return label or "Søgeindekset bygges …"

    def html(self) -> str:
        e = html.escape
        if self.state == "ready":
            return (f"<div class='ra-status ra-status-ready' role='status'>Klar – {self.passages} passager "
                    "fra dokumenterne er søgbare.</div>")
        if self.state == "failed":
            return ("<div class='ra-status ra-status-failed' role='alert'>Søgeindekset kunne ikke åbnes. "
                    "Spørgsmål forsøger igen; en administrator kan genopbygge det med "
                    "«rammeaftale ingest --rebuild».</div>")
        if self.state == "starting":
            return ("<div class='ra-status ra-status-building' role='status'><b>Søgeindekset åbnes …</b> "
                    "Et øjeblik.</div>")
        bar = ""
        if self.total:
            bar = f"<progress max='{int(self.total)}' value='{int(self.done)}'></progress>"
        return ("<div class='ra-status ra-status-building' role='status'><b>Indekset bygges …</b> "
                "Første start tager et par minutter; siden kan bruges, så snart det er færdigt. "
                f"<span class='ra-status-stage'>{e(self.progress_text())}</span>{bar}</div>")


def start_index(assistant, status: IndexStatus) -> threading.Thread:
    """Opens the index (building it when missing) in a background thread."""
    previous = assistant.progress

    def progress(stage, done, total):
        status.progress(stage, done, total)
        if previous:
            try:
                previous(stage, done, total)
            except Exception:  # someone else's progress bar must not stop the build
                pass

    def run():
        assistant.progress = progress
        try:
            retriever = assistant.ready()
            status.set_ready(len(retriever.index.records))
            log.info("index ready: %d passages", status.passages)
        except Exception as exc:
            log.exception("index could not be opened or built: %s", exc)
            status.set_failed(str(exc))
        finally:
            assistant.progress = previous

    thread = threading.Thread(target=run, name="rammeaftale-index", daemon=True)
    thread.start()
    return thread


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


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~$<>&])")


def md_escape(text: str) -> str:
    """Plain text as Markdown that renders as exactly that text: Markdown punctuation is
    backslash-escaped; '<', '>' and '&' become entities, so no tag can be formed."""
    text = _MD_SPECIAL.sub(r"\\\1", str(text))
    # a backslash before an entity would show; entities need no Markdown escaping
    return (text.replace("\\&", "&amp;").replace("\\<", "&lt;").replace("\\>", "&gt;"))


def answer_markdown(result: dict) -> str:
    """The answer text as escaped Markdown for the chat: headers of voice/meeting groups in
    bold, the 'who' line in italics, bullets kept as a list."""
    out = []
    if result.get("notice"):
        out.append(f"*{md_escape(result['notice'])}*")
        out.append("")
    if result.get("rewritten"):
        out.append(f"*Opfølgning – søgte efter: {md_escape(result['rewritten'])}*")
        out.append("")
    for line in str(result.get("answer", "")).split("\n"):
        stripped = line.strip()
        if stripped.startswith("- "):
            out.append("- " + md_escape(stripped[2:]))
        elif stripped.startswith("(") and stripped.endswith(")"):
            out.append(f"*{md_escape(stripped)}*")
        elif stripped == "Mere fra materialet:":
            out.append(md_escape(stripped))
        elif stripped.endswith(":") and not stripped.startswith("«"):
            if out and out[-1] != "":
                out.append("")  # a group header starts a new paragraph, not a list item's tail
            out.append(f"**{md_escape(stripped)}**")
        else:
            out.append(md_escape(line))
    if result.get("citations"):
        out.append("")
        out.append("*Kilderne står i panelet ved siden af (på mobil: nedenfor).*")
    return "\n".join(out)


def question_markdown(raw: str) -> str:
    text = re.sub(r"\s+", " ", raw).strip()
    if len(text) > DISPLAY_CHARS:
        text = text[:DISPLAY_CHARS] + " …"
    return md_escape(text)


def _place_key(file: str, start, end) -> str:
    return f"{file}:{start}:{end}"


def source_choices(result: dict | None) -> list[tuple[str, str]]:
    """Dropdown choices: each cited passage and every other place it was recorded."""
    if not result:
        return []
    maybe = not result.get("citations")
    choices = []
    for c in result.get("citations") or result.get("maybe_relevant") or []:
        lines = c["line_start"] if c["line_start"] == c["line_end"] else f"{c['line_start']}–{c['line_end']}"
        prefix = "Måske relevant" if maybe else f"[{c['n']}]"
        choices.append((f"{prefix} · {c.get('voice_label', '')} · {c['file']}, linje {lines}",
                        _place_key(c["file"], c["line_start"], c["line_end"])))
        for p in c.get("also_in") or []:
            pl = p["line_start"] if p["line_start"] == p["line_end"] else f"{p['line_start']}–{p['line_end']}"
            label = f"[{c['n']}] også i" if not maybe else "  også i"
            choices.append((f"{label} {p['file']}, linje {pl}",
                            _place_key(p["file"], p["line_start"], p["line_end"])))
    return choices


def passage_texts(result: dict | None) -> dict[str, str]:
    """Place key -> the cited statement's text, to mark exactly its words in the original."""
    out = {}
    for c in (result or {}).get("citations") or (result or {}).get("maybe_relevant") or []:
        for p in [c, *(c.get("also_in") or [])]:
            out.setdefault(_place_key(p["file"], p["line_start"], p["line_end"]), c.get("text", ""))
    return out


def parse_place(value) -> tuple[str, int, int] | None:
    if not isinstance(value, str) or value.count(":") < 2:
        return None
    file, start, end = value.rsplit(":", 2)
    try:
        return file, int(start), int(end)
    except ValueError:
        return None


# -- the overview tab ----------------------------------------------------------------------------
def overview_html(manifest) -> str:
    """The process as a timeline from the manifest's meetings, sorted by date."""
    e = html.escape
    titles = {f.name: f.title for f in manifest.files}
    items = []
    for m in sorted(manifest.meetings.values(), key=lambda m: (m.date, m.id)):
        docs = "".join(
            f"<li><span class='ra-file-name'>{e(d)}</span>"
            + (f" – {e(titles[d])}" if d in titles else "") + "</li>" for d in m.documents)
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
            f"<li class='ra-tl-item'><div class='ra-tl-date'>{e(m.date_label or m.date)}</div>"
            f"<div class='ra-tl-body'><h3>{e(m.title)}</h3><dl>{''.join(rows)}</dl></div></li>")
    voices = "".join(
        f"<li><span class='ra-voice ra-voice-{e(re.sub(r'[^a-z0-9_-]', '', vid))}'>{e(v.get('label', vid))}</span> "
        f"{e(v.get('description', ''))}</li>" for vid, v in manifest.voices.items())
    files = "".join(f"<li><span class='ra-file-name'>{e(f.name)}</span> – {e(f.title)}"
                    + (f" <span class='ra-muted'>({e(f.kind)})</span>" if f.kind else "") + "</li>"
                    for f in sorted(manifest.files, key=lambda f: f.name))
    return (
        "<div class='ra-overview'>"
        "<p>Rammeaftale 2018 for det specialiserede social- og undervisningsområde i Region Sjælland "
        "blev forberedt i en ny proces, hvor politikere, fagpersoner og brugere blev inddraget tidligt. "
        "Her er møderne i rækkefølge, og hvilke dokumenter der fortæller om dem.</p>"
        f"<h2>Tidslinje</h2><ol class='ra-timeline'>{''.join(items)}</ol>"
        f"<h2>Hvem taler i materialet</h2><ul class='ra-voices'>{voices}</ul>"
        f"<h2>Dokumenterne</h2><ul class='ra-files'>{files}</ul>"
        "<h2>Sådan bruger du assistenten</h2><ul>"
        "<li>Stil spørgsmål på dansk, fx «Hvad sagde brugerne om overgange?». Svaret citerer dokumenterne "
        "ordret med kildenumre [1], [2] …</li>"
        "<li>Kildepanelet viser, hvem der sagde det (Brugere, Fagpersoner, Politikere, Arrangører), på hvilket "
        "møde, og hvor det står. Vælg en kilde for at se originalteksten med passagen markeret.</li>"
        "<li>Et opfølgende spørgsmål som «og hvad sagde fagpersonerne?» bygger videre på det forrige.</li>"
        "<li>Står svaret ikke i materialet, siger assistenten det og viser de nærmeste steder som «måske relevant».</li>"
        "</ul></div>")


# -- the page ------------------------------------------------------------------------------------
CSS = """
.ra-header h1 { margin: 0 0 .2rem 0; font-size: 1.5rem; }
.ra-header p { margin: 0; color: var(--body-text-color-subdued); }
.ra-status { padding: .5rem .75rem; border-radius: 8px; font-size: .95rem; }
.ra-status progress { display: block; width: 100%; height: .6rem; margin-top: .35rem; accent-color: #b7791f; }
.ra-status-stage { display: block; font-size: .85rem; margin-top: .15rem; }
.ra-status-building { background: #fff7e0; border: 1px solid #f0c36d; color: #5c4400; }
.ra-status-ready { background: #ecf8f0; border: 1px solid #9bd3ad; color: #1d5e33; font-size: .85rem; padding: .3rem .75rem; }
.ra-status-failed { background: #fdecec; border: 1px solid #e59a9a; color: #7a1d1d; }
.ra-cards { display: flex; flex-direction: column; gap: .6rem; max-height: 34rem; overflow-y: auto; }
#ra-chat strong { font-size: inherit; }
#ra-place input { text-overflow: ellipsis; overflow: hidden; white-space: nowrap; padding-right: 1.5rem; }
.ra-card { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: .6rem .75rem;
           background: var(--background-fill-secondary); overflow-wrap: anywhere; }
.ra-card-head { display: flex; gap: .4rem; align-items: center; margin-bottom: .3rem; }
.ra-n { font-weight: 700; }
.ra-voice { display: inline-block; font-size: .8rem; font-weight: 600; padding: .05rem .5rem; border-radius: 999px;
            background: #e8e8e8; color: #222; }
.ra-voice-users { background: #dbeafe; color: #1e3a8a; }
.ra-voice-professionals { background: #dcfce7; color: #14532d; }
.ra-voice-politicians { background: #fde68a; color: #713f12; }
.ra-voice-organisers { background: #ede9fe; color: #4c1d95; }
.ra-quote { font-style: italic; margin: .2rem 0 .35rem 0; }
.ra-meta { font-size: .9rem; }
.ra-file, .ra-also { font-size: .85rem; color: var(--body-text-color-subdued); }
.ra-file-name { font-family: var(--font-mono); font-size: .85em; }
.ra-also ul { margin: .1rem 0 0 1.1rem; padding: 0; }
.ra-also-title { font-weight: 600; }
.ra-maybe { border-style: dashed; }
.ra-maybe-title { font-weight: 600; }
.ra-empty, .ra-muted { color: var(--body-text-color-subdued); font-size: .9rem; }
.ra-source { border: 1px solid var(--border-color-primary); border-radius: 10px; overflow: hidden; }
.ra-source-head { padding: .4rem .6rem; background: var(--background-fill-secondary); font-size: .9rem;
                  overflow-wrap: anywhere; }
.ra-source-text { max-height: 28rem; overflow-y: auto; font-size: .85rem; line-height: 1.35; padding: .25rem 0; }
.ra-line { display: flex; gap: .5rem; padding: 0 .5rem; }
.ra-ln { flex: 0 0 2.6rem; text-align: right; color: var(--body-text-color-subdued); font-family: var(--font-mono);
         user-select: none; }
.ra-lt { flex: 1 1 auto; min-width: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.ra-hit { background: #fffbea; }
.ra-hit mark { background: #ffe27a; color: inherit; border-radius: 2px; padding: 0 1px; }
.ra-more { color: var(--body-text-color-subdued); padding-left: 3.6rem; }
.ra-source-msg { padding: .5rem .75rem; border-radius: 8px; background: #fdecec; color: #7a1d1d; }
.ra-overview { max-width: 60rem; overflow-wrap: anywhere; }
.ra-timeline { list-style: none; margin: 0; padding: 0 0 0 .9rem; border-left: 3px solid #9bbad6; }
.ra-tl-item { position: relative; margin: 0 0 1rem 0; padding-left: .8rem; }
.ra-tl-item::before { content: ""; position: absolute; left: -1.45rem; top: .35rem; width: .8rem; height: .8rem;
                      border-radius: 50%; background: #2f6fa3; }
.ra-tl-date { font-weight: 700; color: #2f6fa3; }
.ra-tl-body h3 { margin: .1rem 0 .3rem 0; font-size: 1.05rem; }
.ra-tl-body dl { display: grid; grid-template-columns: minmax(6rem, max-content) 1fr; gap: .15rem .75rem; margin: 0; }
.ra-tl-body dt { font-weight: 600; }
.ra-tl-body dd { margin: 0; }
.ra-tl-body ul, .ra-files, .ra-voices { margin: 0; padding-left: 1.1rem; }
.ra-voices li { margin-bottom: .3rem; }
@media (max-width: 640px) {
  .ra-header h1 { font-size: 1.25rem; }
  .ra-tl-body dl { grid-template-columns: 1fr; }
  .ra-tl-body dt { margin-top: .3rem; }
  .ra-source-text { max-height: 20rem; }
  .ra-cards { max-height: none; overflow-y: visible; }
}
"""


# scrolls the source view (not the page) so that the marked passage is in sight
SCROLL_TO_MARK = """() => {
  const box = document.querySelector('#ra-source-view .ra-source-text');
  const hit = box && box.querySelector('.ra-hit');
  if (hit) { box.scrollTop += hit.getBoundingClientRect().top - box.getBoundingClientRect().top - 48; }
}"""
# after an answer: the chat shows the question and the start of the answer (not its end)
SCROLL_AFTER_ANSWER = """() => {
  setTimeout(() => {
    const log = document.querySelector('#ra-chat [role=log]');
    const rows = log ? log.querySelectorAll('.message-row') : [];
    if (rows.length) {
      const last = rows[rows.length - 1], prev = rows[rows.length - 2];
      const target = prev && prev.classList.contains('user-row') ? prev : last;
      log.scrollTop += target.getBoundingClientRect().top - log.getBoundingClientRect().top - 8;
    }
  }, 60);
  (""" + SCROLL_TO_MARK + """)();
}"""


def _new_state() -> dict:
    return {"history": [], "questions": [], "results": {}, "passages": {}}


def build_app(assistant=None, settings: Settings | None = None,
              status: IndexStatus | None = None) -> gr.Blocks:
    """The Blocks of the page. Opens the index (building it when missing) in a background thread
    unless a status that is already finished is passed; `demo.rammeaftale_status` tells how far
    that has come."""
    if assistant is None:
        from . import Assistant
        assistant = Assistant(settings=settings)
    settings = assistant.settings
    from ingest.manifest import load_manifest
    manifest = load_manifest(settings.corpus_dir)  # cheap; the page needs no index for it
    titles = {f.name: f.title for f in manifest.files}
    allowed = set(titles)
    status = status or IndexStatus()
    if not status.finished:
        start_index(assistant, status)

    voice_choices = [(v.get("label", vid), vid) for vid, v in manifest.voices.items()]
    meeting_choices = [(f"{m.title} ({m.date_label})" if m.date_label else m.title, m.id)
                       for m in sorted(manifest.meetings.values(), key=lambda m: (m.date, m.id))]

    def show_source(value, state=None):
        place = parse_place(value)
        if place is None:
            return ""
        file, start_line, end_line = place
        passage = (state or {}).get("passages", {}).get(value, "") if isinstance(state, dict) else ""
        return source_view(settings.corpus_dir, file, start_line, end_line, allowed=allowed,
                           title=titles.get(file, ""), passage=passage)

    def respond(question, state, voices, meetings):
        state = state if isinstance(state, dict) and "history" in state else _new_state()
        raw = question if isinstance(question, str) else ""
        previous = state["questions"][-1] if state["questions"] else ""
        asked = list(state["history"])
        if raw.strip():
            asked.append({"role": "user", "content": question_markdown(raw)})
        result = None
        for item in stream_answer(assistant, status, raw, voices, meetings, previous):
            if isinstance(item, dict):
                result = item
                break
            draft = {"role": "assistant", "content": "*Udkast, endnu ikke kontrolleret mod kilderne:*\n\n"
                                                     + md_escape(item)}
            yield (asked + [draft], "", state, gr.update(), gr.update(), gr.update())
        history = list(asked)
        history.append({"role": "assistant", "content": answer_markdown(result)})
        state = {"history": history, "questions": list(state["questions"]),
                 "results": dict(state["results"]), "passages": passage_texts(result)}
        state["results"][len(history) - 1] = {"question": raw, "result": result}
        if not result.get("error"):
            state["questions"].append(result.get("question") or raw)
        choices = source_choices(result)
        first = choices[0][1] if choices else None
        yield (history, "", state, cards_html(result, titles),
                gr.Dropdown(choices=choices, value=first, visible=bool(choices)),
                show_source(first, state) if first else "")

    def on_like(state, data: gr.LikeData):
        try:
            index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
            entry = (state or {}).get("results", {}).get(int(index)) if state else None
            if entry is None:
                log.warning("feedback for an unknown message %r", data.index)
                return
            result = entry["result"]
            feedback.record(settings, question=entry["question"], answer=result.get("answer", ""),
                            citations=result.get("citations"), liked=data.liked,
                            refused=result.get("refused"), error=result.get("error"))
        except Exception as exc:  # feedback must never break the page
            log.error("feedback handler failed: %s", exc)

    def clear():
        return [], "", _new_state(), cards_html(None), gr.Dropdown(choices=[], value=None, visible=False), ""

    def tick():
        return status.html(), gr.Timer(active=not status.finished)

    def api_ask(question: str, voices: list[str] | None = None, meetings: list[str] | None = None,
                previous: str | None = None) -> dict:
        """Answers one question about the Rammeaftale 2018 documents; returns the same JSON as
        `rammeaftale ask --json` (question, answer, refused, citations, maybe_relevant, latency_ms)."""
        return answer(assistant, status, question, voices, meetings, previous)

    # the page takes no files; whatever reaches Gradio's upload route anyway is removed hourly
    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=(3600, 3600)) as demo:
        state = gr.State(_new_state())
        gr.HTML(f"<div class='ra-header'><h1>{TITLE}</h1><p>Spørg om dokumenterne fra processen bag "
                "Rammeaftale 2018 (Region Sjælland). Svarene citerer kilderne ordret.</p></div>")
        status_box = gr.HTML(status.html(), elem_id="ra-status")
        timer = gr.Timer(1.0, active=not status.finished)
        with gr.Tabs():
            with gr.Tab("Spørg", id="chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=300):
                        chatbot = gr.Chatbot(
                            label="Samtale", show_label=False, elem_id="ra-chat", height=520,
                            autoscroll=False, sanitize_html=True,
                            render_markdown=True, latex_delimiters=[], line_breaks=True,
                            feedback_options=("Like", "Dislike"), buttons=["copy"],
                            placeholder="Stil et spørgsmål om processen bag Rammeaftale 2018 – "
                                        "eller klik på et af eksemplerne nedenfor.")
                        with gr.Row(equal_height=True):
                            question = gr.Textbox(
                                label="Dit spørgsmål", show_label=False,
                                placeholder="Skriv dit spørgsmål, fx: Hvad sagde brugerne om overgange?",
                                lines=1, max_lines=4, max_length=5000, scale=5, min_width=180,
                                elem_id="ra-question", submit_btn=False)
                            ask_btn = gr.Button("Spørg", variant="primary", scale=1, min_width=80,
                                                elem_id="ra-ask")
                        examples = gr.Examples(examples=[[q] for q in EXAMPLES], inputs=[question],
                                               label="Eksempler – klik for at spørge", examples_per_page=10)
                        with gr.Accordion("Afgræns svarene (stemme og møde)", open=False, elem_id="ra-filters"):
                            voices = gr.CheckboxGroup(voice_choices, label="Hvem sagde det", elem_id="ra-voices",
                                                      info="Intet valgt: alle stemmer.")
                            meetings = gr.CheckboxGroup(meeting_choices, label="Møde", elem_id="ra-meetings",
                                                        info="Intet valgt: alle møder.")
                        clear_btn = gr.Button("Ny samtale", size="sm", variant="secondary")
                    with gr.Column(scale=2, min_width=300, elem_id="ra-sources-col"):
                        gr.HTML("<h2 style='margin:0;font-size:1.15rem'>Kilder</h2>")
                        cards = gr.HTML(cards_html(None), elem_id="ra-cards")
                        place = gr.Dropdown(choices=[], value=None, label="Vis originalteksten for",
                                            visible=False, interactive=True, filterable=False,
                                            elem_id="ra-place")
                        view = gr.HTML("", elem_id="ra-source-view")
            with gr.Tab("Overblik", id="overview"):
                gr.HTML(overview_html(manifest), elem_id="ra-overview")
            if settings.auth:  # adding documents only behind the login (assistant/ui_documents.py)
                from .ui_documents import documents_tab
                with gr.Tab("Dokumenter", id="documents"):
                    documents_tab(settings, titles, allowed)

        outputs = [chatbot, question, state, cards, place, view]
        inputs = [question, state, voices, meetings]
        common = dict(api_visibility="private", concurrency_id="ask")
        ask_btn.click(respond, inputs, outputs, **common).then(None, js=SCROLL_AFTER_ANSWER)
        question.submit(respond, inputs, outputs, **common).then(None, js=SCROLL_AFTER_ANSWER)
        examples.load_input_event.then(respond, inputs, outputs, **common).then(None, js=SCROLL_AFTER_ANSWER)
        place.input(show_source, [place, state], view, api_visibility="private", concurrency_id="view"
                    ).then(None, js=SCROLL_TO_MARK)
        chatbot.like(on_like, [state], None, api_visibility="private", concurrency_id="feedback")
        clear_btn.click(clear, None, outputs, api_visibility="private", queue=False)
        chatbot.clear(clear, None, outputs, api_visibility="private", queue=False)  # the bin icon
        timer.tick(tick, None, [status_box, timer], api_visibility="private", queue=False,
                   show_progress="hidden")
        demo.load(tick, None, [status_box, timer], api_visibility="private", queue=False,
                  show_progress="hidden")
        gr.api(api_ask, api_name="ask", concurrency_id="ask")

    demo.rammeaftale_status = status  # for tests and serve()
    return demo


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
    from .ui_documents import upload_limit
    return dict(server_name=host, server_port=port, auth=parse_auth(settings.auth),
                auth_message="Log ind for at bruge Rammeaftale-assistenten.", share=False,
                css=CSS, theme=theme(), ssr_mode=False,
                footer_links=["api"], show_error=False, quiet=False, i18n=gr.I18n(en=DANISH, da=DANISH),
                js="() => { document.documentElement.lang = 'da'; }",
                # no uploads without a login (Gradio's upload route would take any size); with
                # one, documents up to readers.MAX_BYTES for the Dokumenter tab
                max_file_size=upload_limit(settings))


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
