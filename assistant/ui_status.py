"""The page's status banner: how far the background start-up (opening or building the index)
has come, as escaped HTML, and the thread that does it."""
from __future__ import annotations

import html
import logging
import threading

log = logging.getLogger("rammeaftale.ui")

MSG_BUILDING = "Indekset bygges, så jeg kan ikke svare endnu. Prøv igen om lidt – siden viser, hvor langt det er nået."
MSG_OPENING = "Søgeindekset åbnes lige nu. Prøv igen om et øjeblik."
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
