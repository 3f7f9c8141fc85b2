"""Query analysis: clean the question, find voice and meeting cues, rewrite follow-ups."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_WORD_RE = re.compile(r"[0-9a-zæøåéü]+(?:-[0-9a-zæøåéü]+)*")
_FOLLOWUP_RE = re.compile(r"^(og|men|hvad med|hvad så med|and|what about)\b", re.I)


# Words that ask rather than say what is asked about: left out when measuring whether the
# retrieved passages cover a question.
QUESTION_WORDS = frozenset("""
hvad hvem hvor hvornår hvilke hvilken hvilket hvordan hvorfor hvorledes mon
sagde sagt siger mente mener skrev skriver ønskede ønsker foreslog foreslår fortalte nævnte nævnt
blev bliver var er være har havde fik får gjorde står stod kom kommer gav giver syntes synes
stillede efterlyste advarede burde underskrev bød foregik sat satte holdt holdes afholdt mødtes mødte
om ifølge materialet dokumenterne dokumentet der egentlig præcist præcis ca cirka
dato datoen dag dagen ugedag tid tidspunkt klokken kl adresse adressen sted stedet navn navnet
antal mange meget en et to tre fire fem seks syv otte ni ti første anden tredje
""".split())
ENGLISH_WORDS = frozenset("the what who where when which how did does is are was were of about and for at to in".split())


def content_words(text: str) -> list[str]:
    """Words of a question that name what is asked about."""
    return [w for w in _WORD_RE.findall(text.lower()) if w not in QUESTION_WORDS]


def content_tokens(text: str) -> list[str]:
    """Stemmed content words of a question."""
    from ingest.lexical import tokens
    return tokens(" ".join(content_words(text)))


NUMBERED_RE = re.compile(r"\b(bord|gruppe|spørgsmål|mulighed|udfordring)\s+(\d+)\b", re.I)


def numbered_entities(text: str) -> list[str]:
    """"Bord 2", "spørgsmål 5": things the question names by number."""
    return [f"{m.group(1).lower()} {m.group(2)}" for m in NUMBERED_RE.finditer(text)]


def is_english(text: str) -> bool:
    words = _WORD_RE.findall(text.lower())
    return len(words) >= 3 and sum(w in ENGLISH_WORDS for w in words) / len(words) >= 0.25


@dataclass
class Query:
    text: str  # the cleaned question, as retrieval sees it
    voices: list[str] = field(default_factory=list)
    meetings: list[str] = field(default_factory=list)
    truncated: bool = False


def clean_question(raw: str, max_chars: int) -> tuple[str, bool]:
    """Strips control characters and bidi overrides, folds whitespace, caps the length."""
    text = unicodedata.normalize("NFC", raw or "")
    text = _CONTROL_RE.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) > max_chars:
        return text[:max_chars].rsplit(" ", 1)[0] or text[:max_chars], True
    return text, False


def _matches(text: str, cues: tuple[str, ...] | list[str]) -> bool:
    low = text.lower()
    for cue in cues:
        if re.search(rf"(?<![0-9a-zæøå]){re.escape(cue.lower())}(?![0-9a-zæøå])", low):
            return True
    return False


def analyse(text: str, voice_cues: dict[str, list[str]], meeting_cues: dict[str, list[str]]) -> Query:
    return Query(
        text=text,
        voices=[v for v, cues in voice_cues.items() if _matches(text, cues)],
        meetings=[m for m, cues in meeting_cues.items() if _matches(text, cues)],
    )


def has_words(text: str) -> bool:
    return bool(_WORD_RE.search(text.lower()))


def rewrite_followup(question: str, previous: str, voice_cues: dict[str, list[str]]) -> str:
    """"og hvad sagde fagpersonerne?" after "hvad sagde brugerne om overgange?" asks about
    overgange too: keep the previous question's topic, drop its voice words."""
    if not previous or not _FOLLOWUP_RE.match(question.strip()):
        return question
    all_cues = {c.lower() for cues in voice_cues.values() for c in cues}
    topic = [w for w in previous.split() if w.lower().strip("?.,!") not in all_cues]
    return f"{question.rstrip('?. ')} {' '.join(topic)}".strip()
