"""Thumbs up/down on answers, appended as JSON lines to settings.feedback_file.

The file is capped at settings.feedback_max_bytes: when the next line would take it over the
cap, the file is moved to feedback.jsonl.1 (replacing an older one) and a new file is started.
A failure to write is logged and never reaches the user's answer."""
from __future__ import annotations

import json
import logging
import os
import threading
from datetime import datetime, timezone
from pathlib import Path

log = logging.getLogger("rammeaftale.feedback")
_lock = threading.Lock()

CITATION_KEYS = ("n", "file", "line_start", "line_end", "voice", "meeting_id", "quote")
MAX_FIELD_CHARS = 5000


def vote_name(liked) -> str:
    """gr.LikeData.liked: True (like), False (dislike), or another feedback string."""
    if liked is True:
        return "up"
    if liked is False:
        return "down"
    if liked in (None, ""):
        return "withdrawn"
    return str(liked)[:50]


def _short(text) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= MAX_FIELD_CHARS else text[:MAX_FIELD_CHARS] + "…"


def make_entry(question: str, answer: str, citations: list[dict] | None, vote: str,
               **extra) -> dict:
    entry = {
        "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "vote": vote,
        "question": _short(question),
        "answer": _short(answer),
        "citations": [{k: c.get(k) for k in CITATION_KEYS if k in c} for c in (citations or [])
                      if isinstance(c, dict)],
    }
    entry.update({k: v for k, v in extra.items() if v not in (None, "", [], {})})
    return entry


def rotated_path(path: Path) -> Path:
    return path.with_name(path.name + ".1")


def append(path: Path, entry: dict, max_bytes: int) -> bool:
    """Appends one JSON line, rotating first when the file would exceed max_bytes. Returns
    whether the line was written; errors are logged, never raised."""
    try:
        path = Path(path)
        text = json.dumps(entry, ensure_ascii=False)
        # line separators that json leaves raw would split the line for str.splitlines() readers
        for ch in ("\u2028", "\u2029", "\x85"):
            text = text.replace(ch, f"\\u{ord(ch):04x}")
        line = (text + "\n").encode("utf-8", "replace")
        with _lock:
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                size = path.stat().st_size
            except FileNotFoundError:
                size = 0
            if max_bytes and size > 0 and size + len(line) > max_bytes:
                os.replace(path, rotated_path(path))
                log.info("feedback file reached %d bytes: rotated to %s", size, rotated_path(path))
            with open(path, "ab") as fh:
                fh.write(line)
        return True
    except Exception as exc:  # disk full, read-only folder, bad entry: log, never break the answer
        log.error("could not write feedback to %s: %s", path, exc)
        return False


def record(settings, question: str, answer: str, citations: list[dict] | None, liked,
           **extra) -> bool:
    """Stores one vote on an answer in settings.feedback_file."""
    try:
        entry = make_entry(question, answer, citations, vote_name(liked), **extra)
        return append(settings.feedback_file, entry, settings.feedback_max_bytes)
    except Exception as exc:
        log.error("could not record feedback: %s", exc)
        return False
