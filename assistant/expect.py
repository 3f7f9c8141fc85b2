"""What a question asks for and whether the material can hold it (patterns in
assistant/expect.toml): an amount of money needs a passage with an amount; what was said or
decided at a meeting needs a record of the meeting, not only its invitation. Pure functions."""
from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

EXPECT_FILE = Path(__file__).resolve().parent / "expect.toml"
log = logging.getLogger("rammeaftale")


@dataclass(frozen=True)
class AnswerType:
    id: str
    asks: tuple[re.Pattern, ...]
    not_asks: tuple[re.Pattern, ...]
    holds: tuple[re.Pattern, ...]
    then: str
    reason: str
    kinds: tuple[str, ...] = ()  # passage kinds that answer it by their structure (a list answers a count)


def _compile(patterns) -> tuple[re.Pattern, ...]:
    out = []
    for p in patterns or ():
        try:
            out.append(re.compile(p, re.I))
        except re.error as exc:
            log.error("bad pattern %r in %s: %s", p, EXPECT_FILE, exc)
            continue
    return tuple(out)


@lru_cache(maxsize=1)
def _data() -> dict:
    try:
        return tomllib.loads(EXPECT_FILE.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        log.error("answer expectations not loaded from %s: %s", EXPECT_FILE, exc)
        return {}


@lru_cache(maxsize=1)
def answer_types() -> tuple[AnswerType, ...]:
    out = []
    for t in _data().get("types", []):
        then = t.get("then", "unsure")
        out.append(AnswerType(t.get("id", ""), _compile(t.get("asks")), _compile(t.get("not_asks")),
                              _compile(t.get("holds")), then if then in ("refused", "unsure") else "unsure",
                              t.get("reason", ""), tuple(t.get("kinds", ()))))
    return tuple(out)


def _any(patterns, text: str) -> bool:
    return any(p.search(text) for p in patterns)


def expected(question: str) -> list[AnswerType]:
    """The kinds of answer the question asks for (an amount, ...)."""
    low = question.lower()
    return [t for t in answer_types() if _any(t.asks, low) and not _any(t.not_asks, low)]


def unmet(question: str, texts: list[str], kinds: list[str] = ()) -> AnswerType | None:
    """The first kind of answer the question asks for that none of the texts holds (kinds: the
    passage kinds of the texts' passages, one of which may answer by its structure)."""
    for t in expected(question):
        if set(kinds) & set(t.kinds):
            continue
        if not any(_any(t.holds, text.lower()) for text in texts):
            return t
    return None


@lru_cache(maxsize=1)
def _outcome_patterns() -> tuple[re.Pattern, ...]:
    return _compile(_data().get("outcome", {}).get("asks", ()))


def asks_outcome(question: str) -> bool:
    """Whether the question asks what was said, decided or concluded (at a meeting)."""
    return _any(_outcome_patterns(), question.lower())


def unrecorded_meeting(question: str, meetings: list[str], records: dict[str, str]) -> str | None:
    """The meeting a question about what was said or decided names, when every meeting it names
    has only an invitation in the material (records: meeting id -> manifest `record`)."""
    if not meetings or not all(records.get(m) == "invitation" for m in meetings):
        return None
    return meetings[0] if asks_outcome(question) else None


def outcome_reason(meeting_label: str) -> str:
    return _data().get("outcome", {}).get("reason", "").format(meeting=meeting_label)


def vague(question: str, topic: list[str], named_cue: bool) -> bool:
    """A question that names nothing to look for: no topic word (topic: its words beside question
    words and stopwords, assistant/query.topic_words) other than greetings and fillers, and no
    voice or meeting."""
    fillers = set(_data().get("vague", {}).get("words", ()))
    return not named_cue and not [w for w in topic if w not in fillers]


def vague_message(claim: bool = False) -> str:
    v = _data().get("vague", {})
    return v.get("claim_message" if claim else "message", "")
