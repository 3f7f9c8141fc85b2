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
    case: bool = False  # `holds` searched in the passage text as written (a name is capitalised)
    counted: re.Pattern | None = None  # group 1: the thing counted ("hvor mange medarbejdere")
    near: int = 40  # characters around the counted thing within which `holds` must match
    counted_people: re.Pattern | None = None  # "hvor mange kom …": the counted thing is people
    people: str = ""  # the word that stands for them ("deltagere")
    counted_min: int = 4  # shorter counted words are too short to find (an abbreviation may be 2)
    generic: frozenset = frozenset()  # counted words that name no one in particular ("personer")


def _compile(patterns, flags=re.I) -> tuple[re.Pattern, ...]:
    out = []
    for p in patterns or ():
        try:
            out.append(re.compile(p, flags))
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
        case = bool(t.get("case", False))
        counted = _compile([t["counted"]] if t.get("counted") else [])
        people = _compile([t["counted_people"]] if t.get("counted_people") else [])
        out.append(AnswerType(t.get("id", ""), _compile(t.get("asks")), _compile(t.get("not_asks")),
                              _compile(t.get("holds"), 0 if case else re.I),
                              then if then in ("refused", "unsure") else "unsure",
                              t.get("reason", ""), tuple(t.get("kinds", ())), case,
                              counted[0] if counted else None, int(t.get("near", 40)),
                              people[0] if people else None, str(t.get("people", "")),
                              int(t.get("counted_min", 4)), frozenset(t.get("generic", ()))))
    return tuple(out)


def _any(patterns, text: str) -> bool:
    return any(p.search(text) for p in patterns)


def expected(question: str) -> list[AnswerType]:
    """The kinds of answer the question asks for (an amount, ...)."""
    low = question.lower()
    return [t for t in answer_types() if _any(t.asks, low) and not _any(t.not_asks, low)]


def unmet(question: str, texts: list[str], kinds: list[str] = ()) -> AnswerType | None:
    """The first kind of answer the question asks for that none of the texts holds, a refused
    one before an unsure one (kinds: the passage kinds of the texts' passages, one of which may
    answer by its structure)."""
    for t in sorted(expected(question), key=lambda t: t.then != "refused"):
        if set(kinds) & set(t.kinds):
            continue
        looked = [text if t.case else text.lower() for text in texts]
        looked = _near_counted(_counted(t, question), looked, t.near) or looked
        if not any(_any(t.holds, text) for text in looked):
            return t
    return None


def _counted(t: AnswerType, question: str) -> str:
    """The thing the question counts for a type with `counted` ("hvor mange medarbejdere …" ->
    "medarbejdere"), or "" (none, or too short to find)."""
    low = question.lower()
    if t.counted_people and t.people and t.counted_people.search(low):
        return t.people
    m = t.counted.search(low) if t.counted else None
    return m.group(1) if m and len(m.group(1)) >= t.counted_min and m.group(1) not in t.generic else ""


def counted_word(question: str) -> str:
    """The thing a count question counts ("hvor mange medarbejdere …" -> "medarbejdere"), or ""."""
    return next((w for w in (_counted(t, question) for t in expected(question)) if w), "")


def _near_counted(word: str, texts: list[str], near: int) -> list[str]:
    """The stretches of the texts around the counted word (by its stem: "botilbudspladser" is
    not "botilbud"; as the head of a compound: "virksomhedsledere" are "ledere"), on its own line, where a number (or a name) has to stand; [] when no text names it (the passages may count
    it in other words: "26 deltagere" for "hvor mange mennesker")."""
    if not word:
        return []
    from ingest.lexical import _stemmer
    root = _stemmer().stemWord(word)
    stem = root if len(root) >= 4 else word[:5]
    key = re.escape(stem)
    # the word itself, or a compound it is the head of ("virksomhedsledere" for "ledere")
    pattern = rf"\b{key}\w*" + (rf"|\b\w+{key}(?:e|er|erne|ere|en|et|ne|s)?\b" if len(stem) >= 5 else "")
    out = []
    for text in texts:
        for w in re.finditer(pattern, text, re.I):  # within its own line: the next
            start = max(text.rfind("\n", 0, w.start()) + 1, w.start() - near)  # programme item's
            end = text.find("\n", w.end())  # speaker is not this one's
            out.append(text[start:min(w.end() + near, end if end >= 0 else len(text))])
    return out


@lru_cache(maxsize=1)
def _enumeration() -> tuple[tuple[re.Pattern, ...], int, str]:
    e = _data().get("enumeration", {})
    return _compile(e.get("asks", ())), int(e.get("min_items", 8)), e.get("reason", "")


def _items(text: str) -> int:
    """How many things a passage lists: its lines, or the most names one line separates by commas."""
    lines = [x for x in text.split("\n") if x.strip()]
    commas = max((len([p for p in re.split(r",| og ", x) if p.strip()]) for x in lines), default=0)
    return max(len(lines), commas)


def unlisted(question: str, texts: list[str]) -> str:
    """The reason a question asking for the members of a group of many things ("de 17 kommuner")
    cannot be answered when no text lists that many ([enumeration] in expect.toml); "" otherwise."""
    patterns, least, reason = _enumeration()
    m = next((m for p in patterns for m in [p.search(question.lower())] if m), None)
    n = int(m.group("n")) if m else 0
    if n < least:
        return ""
    return "" if any(_items(t) >= n for t in texts) else reason.format(n=n, what=m.group("what"))


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


@lru_cache(maxsize=1)
def _speech_patterns() -> tuple[re.Pattern, ...]:
    return _compile(_data().get("speech", {}).get("asks", ()))


def asks_speech(question: str) -> bool:
    """Whether the question asks what someone said or told ("hvad fortalte Henning Olsen?")."""
    return _any(_speech_patterns(), question.lower())


def speakers(texts: list[str], names: dict[str, str]) -> dict[str, str]:
    """The names of people the texts write as a person (the `holds` of the [speech] section's
    `speaker_type`), with the names of their workplace on the same line: lower case -> as
    written. names: the corpus's proper names (assistant.lexicon.proper_names)."""
    kind = _data().get("speech", {}).get("speaker_type", "")
    person = next((t for t in answer_types() if t.id == kind), None)
    out: dict[str, str] = {}
    for text in texts if person else ():
        for pattern in person.holds:
            for m in pattern.finditer(text):
                line = m.group(0) + text[m.end():].split("\n", 1)[0][:60]
                for w in re.findall(r"[\wæøåöéüÆØÅÖÉÜ]+", line):
                    if w.lower() in names:
                        out.setdefault(w.lower(), names[w.lower()])
    return out


def listed_only(question: str, speaker_names: dict[str, str], kinds_of) -> str:
    """The speaker a question about what someone said names ("hvad fortalte Henning Olsen?"),
    when the material names that speaker only in a meeting programme, which says who spoke, not
    what was said: their name as written; "" otherwise. speaker_names: `speakers`;
    kinds_of(words): the kinds of the passages that hold all of the words."""
    if not asks_speech(question):
        return ""
    named = list(dict.fromkeys(w for w in re.findall(r"[\wæøåöéü]+", question.lower()) if w in speaker_names))
    if not named:
        return ""
    kinds = set(kinds_of(named))
    listing = set(_data().get("speech", {}).get("listing_kinds", ()))
    return " ".join(speaker_names[w] for w in named) if kinds and kinds <= listing else ""


def speech_reason(name: str) -> str:
    return _data().get("speech", {}).get("reason", "").format(name=name)


@lru_cache(maxsize=1)
def _overview_patterns() -> tuple[tuple[re.Pattern, ...], tuple[re.Pattern, ...]]:
    o = _data().get("overview", {})
    return _compile(o.get("asks", ())), _compile(o.get("not_asks", ()))


@lru_cache(maxsize=1)
def _results() -> tuple[tuple[re.Pattern, ...], frozenset]:
    r = _data().get("results", {})
    return _compile(r.get("asks", ())), frozenset(r.get("planned_kinds", ()))


def asks_results(question: str) -> bool:
    """Whether the question asks what came out of a meeting or of the process ([results])."""
    return _any(_results()[0], question.lower())


def planned_kinds() -> frozenset:
    """The passage kinds that say what was planned, not what came out (a meeting's programme)."""
    return _results()[1]


@lru_cache(maxsize=2)
def _heading_words_re(key: str) -> re.Pattern | None:
    """A pattern for the words of a [results] list ("planned_headings", "summary_headings")."""
    words = _data().get("results", {}).get(key, ())
    return re.compile(rf"\b(?:{'|'.join(re.escape(w) for w in words)})", re.I) if words else None


def planned(kind: str, heading: str) -> bool:
    """Whether a passage says what was planned, not what came out: a programme, or a passage
    under the invitation's heading."""
    pattern = _heading_words_re("planned_headings")
    return kind in planned_kinds() or bool(pattern and pattern.search(heading or ""))


def summary_heading(heading: str) -> bool:
    """Whether a passage's heading marks the write-up of what came out ("… – Opsamling")."""
    pattern = _heading_words_re("summary_headings")
    return bool(pattern and pattern.search(heading or ""))


def asks_overview(question: str) -> bool:
    """Whether the question asks about the process as a whole: which meetings there were, who met
    when, in what order ([overview] in expect.toml)."""
    asks, not_asks = _overview_patterns()
    low = question.lower()
    return _any(asks, low) and not _any(not_asks, low)


def vague(question: str, topic: list[str], named_cue: bool) -> bool:
    """A question that names nothing to look for: no topic word (topic: its words beside question
    words and stopwords, assistant/query.topic_words) other than greetings and fillers, and no
    voice or meeting."""
    v = _data().get("vague", {})
    fillers = set(v.get("words", ()))
    if len(re.findall(r"[\wæøå]+", question)) > int(v.get("max_words", 6)):
        return False  # "hvem ville have at det skulle være vi i stedet for os og dem": a quoted phrase
    # a word of one or two letters names no topic on its own ("aa", "å", "x"); a number does
    return not named_cue and not [w for w in topic if w not in fillers and (len(w) >= 3 or w.isdigit())]


def vague_message(claim: bool = False) -> str:
    v = _data().get("vague", {})
    return v.get("claim_message" if claim else "message", "")


def heading_only(words: list[str], empty_headings: list[str]) -> str:
    """The heading of a section without text that a question word is a word or the start of a
    compound of ("mentimeter" for «Mentimetermåling»), as written; "" when there is none.
    words: the question words no passage holds; empty_headings: the markers of such sections."""
    for heading in empty_headings:
        parts = re.findall(r"[\wæøåéü]+", heading.lower())
        if any(len(w) >= 4 and any(p.startswith(w) for p in parts) for w in words):
            return heading
    return ""


def heading_reason(heading: str) -> str:
    return _data().get("heading_only", {}).get("reason", "").format(heading=heading)
