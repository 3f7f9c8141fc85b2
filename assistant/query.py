"""Query analysis: clean the question, find voice and meeting cues, rewrite follow-ups."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from dataclasses import dataclass, field

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_WORD_RE = re.compile(r"[0-9a-zæøåéü]+(?:-[0-9a-zæøåéü]+)*")
_FOLLOWUP_RE = re.compile(r"^(og|men|hvad med|hvad så med|and|what about)\b", re.I)
DOCUMENT_VOICES = frozenset({"organisers"})  # the voice of programmes, invitations, the theme paper
_MEETING_WITH_RE = re.compile(r"\bmøde\w*\s+med\s+(de\s+|det\s+)?$", re.I)


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
ENGLISH_WORDS = frozenset("""the what who where when which how did does is are was were of about and for at to in be that this
there anything anyone any do say said we they it with from has an a on""".split())


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


# words both languages use ("at", "for", "to" = two, "i") say nothing about the language
_SHARED = frozenset("at for to in".split())
DANISH_WORDS = frozenset("""er og det at der en et til på med om de vi ikke har var som af i hvad hvem hvor hvornår
hvilke hvordan hvorfor blev den skal kan vil mente sagde står""".split())


def is_english(text: str) -> bool:
    """By the question words of both languages, or else by how common each word is in English
    and in Danish (wordfreq): "what political risks did people see in letting two
    municipalities run services" names few of the listed words."""
    words = _WORD_RE.findall(text.lower())
    english = sum(w in ENGLISH_WORDS and w not in _SHARED for w in words)
    danish = sum(w in DANISH_WORDS and w not in _SHARED for w in words)
    if len(words) >= 3 and english > danish and english / len(words) >= 0.15:
        return True
    if len(words) < 3 or danish:
        return False
    english = sum(_leans(w, "en", "da") for w in words)
    return english >= 3 and english > sum(_leans(w, "da", "en") for w in words) and english / len(words) >= 0.4


@lru_cache(maxsize=20_000)
def _leans(word: str, lang: str, other: str) -> bool:
    """A common word of `lang` that is far more common there than in `other`."""
    from wordfreq import zipf_frequency
    ours = zipf_frequency(word, lang)
    return ours >= 3 and ours > zipf_frequency(word, other) + 1


@dataclass
class Query:
    text: str  # the cleaned question, as retrieval sees it
    voices: list[str] = field(default_factory=list)
    meetings: list[str] = field(default_factory=list)
    truncated: bool = False
    voice_boost: float | None = None  # instead of the knob: the voice a follow-up names weighs more
    overview: bool = False  # the question asks for the process as a whole ("hvem mødtes hvornår?")
    results: bool = False  # the question asks what came out of a meeting or the process


def clean_question(raw: str, max_chars: int) -> tuple[str, bool]:
    """Strips control characters and bidi overrides, folds whitespace, caps the length."""
    text = unicodedata.normalize("NFC", raw or "")
    text = _CONTROL_RE.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) > max_chars:
        return text[:max_chars].rsplit(" ", 1)[0] or text[:max_chars], True
    return text, False


def _matches(text: str, cues: tuple[str, ...] | list[str]) -> bool:
    return bool(cues) and bool(_cue_re(tuple(cues)).search(text.lower()))


@lru_cache(maxsize=512)
def _cue_re(cues: tuple[str, ...]) -> re.Pattern:
    """One expression for a group's cues, each a whole word or phrase."""
    from .lexicon import alternation
    return re.compile(rf"(?<![0-9a-zæøå])(?:{alternation(c.lower() for c in cues)})(?![0-9a-zæøå])")


def analyse(text: str, voice_cues: dict[str, list[str]], meeting_cues: dict[str, list[str]]) -> Query:
    return Query(
        text=text,
        voices=[v for v, cues in voice_cues.items() if _matches(text, cues)],
        meetings=[m for m, cues in meeting_cues.items() if _matches(text, cues)],
    )


def by_year(text: str, meetings: list[str], years: dict[str, str]) -> list[str]:
    """The meetings a question names, narrowed to those of the year it names ("mødet i Ringsted
    2022": the dialogue meeting of 2022, not the theme meeting of 2017 in Ringsted); unchanged when
    it names no year of theirs. years: meeting id -> its year."""
    named = years_named(text)
    kept = [m for m in meetings if years.get(m) in named]
    return kept or meetings


YEAR_RE = re.compile(r"\b(?:19|20)\d\d\b")


def years_named(text: str) -> set[str]:
    return set(YEAR_RE.findall(text))


def meetings_of_years(text: str, years: dict[str, str]) -> list[str]:
    """The meetings held in the years a text names ("formand for KKR i 2022"). years: meeting id ->
    its year."""
    named = years_named(text)
    return [m for m, year in years.items() if year in named]


_DATE_LABEL_RE = re.compile(r"(\d{1,2})\.\s*([a-zæøå]+)\s+(\d{4})")


def dates_named(text: str, date_labels: dict[str, str]) -> set[str]:
    """The meetings whose date a text gives, by day and month ("25. november") or by month and
    year ("i januar 2017"). date_labels: meeting id -> its date as the manifest writes it
    ("25. november 2016"); meetings without a day are never named."""
    low = text.lower()
    out = set()
    for mid, label in date_labels.items():
        m = _DATE_LABEL_RE.search(label.lower())
        if m and (re.search(rf"\b{m.group(1)}\.?\s*{m.group(2)}\b", low)
                  or re.search(rf"\b{m.group(2)}\s+{m.group(3)}\b", low)):
            out.add(mid)
    return out


def has_words(text: str) -> bool:
    return bool(_WORD_RE.search(text.lower()))


# Pronouns and ellipsis that point back at the previous question's topic.
ANAPHORA = frozenset("""det dette den denne de dem deres disse der dér han hun ham hende hans hendes dens dets
it that this they them those he she him her his""".split())
# a question with a pronoun pointing back and at most this many topic words of its own is a follow-up
FOLLOWUP_MAX_OWN = 2
# … not counting words this common in Danish (wordfreq Zipf: "ved", "sammen", "slags", "overhovedet")
FOLLOWUP_LIGHT_ZIPF = 5.0
# particles that place a question after another one and name no topic ("hvilke spørgsmål ville de
# så have svar på?", "hvad skete der bagefter?"); "så … ud" (looked) is a verb
FOLLOWUP_PARTICLES = frozenset("så bagefter derefter dengang ellers tilsammen".split())
_SAA_VERB_RE = re.compile(r"\bså\s+(?:\w+\s+){0,2}ud\b", re.I)


def _cue_spans(text: str, cues) -> list[tuple[int, int]]:
    low = text.lower()
    out = []
    for cue in cues:
        for m in re.finditer(rf"(?<![0-9a-zæøå]){re.escape(cue.lower())}(?![0-9a-zæøå])", low):
            out.append(m.span())
    return out


def _without(text: str, spans: list[tuple[int, int]]) -> str:
    """The text without the spans; spans that overlap or repeat (a word that is both a voice's and
    a meeting's cue: "papkortene", "fagpersonerne") are cut once."""
    merged: list[list[int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    for a, b in reversed(merged):
        text = text[:a] + " " + text[b:]
    return re.sub(r"\s+", " ", text).strip()


def topic_words(text: str) -> list[str]:
    """The words of a question that say what it is about (no question words, no stopwords)."""
    from ingest.lexical import _stopwords
    stop = _stopwords()
    return [w for w in content_words(text) if w not in stop and w not in ENGLISH_WORDS and w not in ANAPHORA]


def is_followup(question: str, previous: str, cue_words: set[str]) -> bool:
    """A question that leans on the one before: it starts like a follow-up ("og brugerne?",
    "hvad med ..."), or it names no topic of its own besides voices and meetings ("hvad kom
    der ud af det?", "hvad mente de om det?")."""
    if not previous:
        return False
    q = question.strip()
    if _FOLLOWUP_RE.match(q):
        return True
    particles = FOLLOWUP_PARTICLES - ({"så"} if _SAA_VERB_RE.search(q) else set())
    own = [w for w in topic_words(q) if w not in cue_words and w not in particles]
    words = _WORD_RE.findall(q.lower())
    if not own:
        return True
    # beside a pronoun pointing back, the very common words ("var der overhovedet noget positivt ved
    # den", "hvilke slags tilbud tænkte de på") name no topic of the question's own
    from .lexicon import danish_zipf
    # (a meeting is a topic; "så" left in by now is the verb: "hvordan så det ud")
    own = [w for w in own if danish_zipf(w) < FOLLOWUP_LIGHT_ZIPF or w.startswith("møde") or w == "så"]
    return len(own) <= FOLLOWUP_MAX_OWN and any(w in ANAPHORA for w in words if w != "der")


def own_meeting_cues(voice_cues: dict[str, list[str]], meeting_cues: dict[str, list[str]]) -> dict[str, list[str]]:
    """The meetings' cues without those that are a voice's cues too ("bordene" is the politicians'
    word and the theme meeting's, "fagpersonerne" the professionals' and the March meeting's):
    what names a meeting rather than a group."""
    voiced = {c.lower() for cues in voice_cues.values() for c in cues}
    return {m: [c for c in cues if c.lower() not in voiced] for m, cues in meeting_cues.items()}


def rewrite_followup(question: str, previous: str, voice_cues: dict[str, list[str]],
                     meeting_cues: dict[str, list[str]] | None = None) -> str:
    """"og hvad sagde fagpersonerne?" after "hvad sagde brugerne om overgange?" asks about
    overgange too: the follow-up gets the previous question's topic. A voice or meeting the
    follow-up names replaces the previous one (its words leave the search text)."""
    meeting_cues = meeting_cues or {}
    all_cues = {c.lower() for cues in [*voice_cues.values(), *meeting_cues.values()] for c in cues}
    # a word that names a group as well as a meeting ("bordene", "fagpersonerne") names the group:
    # "og hvad skulle bordene snakke ud fra?" after "… på kick-off mødet" keeps the kick-off
    meeting_cues = own_meeting_cues(voice_cues, meeting_cues)
    cue_words = {w for c in all_cues for w in _WORD_RE.findall(c)}
    if not is_followup(question, previous, cue_words):
        return question
    drop: list[tuple[int, int]] = []
    named_meetings = {k for k, cues in meeting_cues.items() if _matches(question, cues)}
    for cue_map in (voice_cues, meeting_cues):
        named = {k for k, cues in cue_map.items() if _matches(question, cues)}
        if named:  # the follow-up names its own voice / meeting: the old ones go
            keep = {c.lower() for k in named for c in cue_map[k]}
            spans = _cue_spans(previous, [c for k, cues in cue_map.items() if k not in named
                                          for c in cues if c.lower() not in keep])
            if cue_map is voice_cues and not named_meetings and named <= DOCUMENT_VOICES:
                # "mødet med fagpersonerne" names the meeting, which a document of it does not
                # replace ("og hvad stod der på programmet?": that meeting's programme); a group
                # asked about ("og hvad sagde brugerne?") does
                spans = [(a, b) for a, b in spans if not _MEETING_WITH_RE.search(previous[:a])]
            drop += spans
    topic = _without(previous, drop).strip(" ?.!,")
    return f"{question.rstrip('?. ')} {topic}".strip()
