"""The verifier of generated answers: checks what each sentence claims against the passages it
cites. Pure: text and citation dicts in, a verdict out; the only outside part is an optional
`similarity(sentences, passages) -> [[cosine]]` (the embedder), injected by the caller.

Rules (issue 13):
- No text unchecked: every sentence and every lead-in with content words needs support; the
  refusal phrase is exempt only on its own.
- Support per passage: at least one cited passage must support the sentence on its own, and every
  cited passage must support part of it (no stacked citations).
- Claims beside words: a group named in the sentence must be the passage's voice or be named in
  the passage's text; dates and months must match the passage or its meeting's date; counts must
  match the number beside the same noun; negation and polarity agree both ways, antonyms included;
  a reason («fordi …») must be found in the passage.
- Words are compared on lemmas (simplemma, "da"), compounds and ordinary synonyms included.
Data (word lists, thresholds): assistant/verify_data/.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Sequence

from ingest.sentences import MONTHS, sentence_spans

DATA = Path(__file__).resolve().parent / "verify_data"
REFUSAL = "Det fremgår ikke af materialet."
MAX_ANSWER_CHARS = 4000
PASSAGE_CHARS = 1500

Similarity = Callable[[Sequence[str], Sequence[str]], list[list[float]]]

_WORD_RE = re.compile(r"[0-9a-zæøåéü]+(?:[.,]\d+)?")
_CITE_RE = re.compile(r"\[\s*\d+(?:\s*(?:[,;]|og|–|-)\s*\d+)*\s*\]")
_THINK_RE = re.compile(r"<think>.*?</think>", re.S | re.I)
_NAME_YEAR_RE = re.compile(r"rammeaftale\w*\s+(?:for\s+)?(?:sjælland\s+)?(?:20\d\d\s*-\s*)?(20\d\d)", re.I)
_MONTH_SET = frozenset(MONTHS.split())
_DAY_MONTH_RE = re.compile(r"\b(\d{1,2})\.\s*(" + "|".join(MONTHS.split()) + r")\b", re.I)
_YEAR_RE = re.compile(r"\b(19\d\d|20\d\d)\b")
NEGATORS = frozenset("ikke ingen intet ingenting aldrig hverken ej næppe uden".split())
POLAR_WORDS = frozenset("nej imod modstand afvise afviste afvist modsætte modsatte fravælge fravalgte skeptisk".split())
NUMBER_WORDS = {"to": "2", "tre": "3", "fire": "4", "fem": "5", "seks": "6", "syv": "7", "otte": "8",
                "ni": "9", "ti": "10", "elleve": "11", "tolv": "12", "tyve": "20", "hundrede": "100"}
_GROUP_SUFFIX = r"(?:e|er|ere|erne|en|et|ne|s|es|ens|ernes|nes|ets|ene)?"


# -- data --------------------------------------------------------------------------------------
def _lines(name: str) -> list[str]:
    text = (DATA / name).read_text(encoding="utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


@lru_cache(maxsize=1)
def thresholds() -> dict:
    return tomllib.loads((DATA / "thresholds.toml").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from stop_words import get_stop_words
    return frozenset(get_stop_words("danish")) - NEGATORS


@lru_cache(maxsize=1)
def frame_words() -> frozenset[str]:
    words = {w for ln in _lines("frame_words.txt") for w in ln.lower().split()}
    return frozenset(words | {lemma(w) for w in words})


@lru_cache(maxsize=1)
def antonyms() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for ln in _lines("antonyms.txt"):
        a, b = ln.lower().split()[:2]
        out.setdefault(a, set()).add(b)
        out.setdefault(b, set()).add(a)
    return out


@lru_cache(maxsize=1)
def synonyms() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for ln in _lines("synonyms.txt"):
        words = {lemma(w) for w in ln.lower().split()}
        for w in words:
            out.setdefault(w, set()).update(words)
    return {k: frozenset(v) for k, v in out.items()}


def _group_pattern(ws: list[str]) -> re.Pattern:
    alts = "|".join(sorted((re.escape(w) for w in ws), key=len, reverse=True))
    return re.compile(rf"^[a-zæøåéü]*(?:{alts}){_GROUP_SUFFIX}$")


@lru_cache(maxsize=1)
def groups() -> dict[str, re.Pattern]:
    out = {}
    for ln in _lines("groups.txt"):
        voice, ws = ln.split(":", 1)
        out[voice.strip()] = _group_pattern(ws.replace("|", " ").lower().split())
    return out


@lru_cache(maxsize=1)
def roles() -> dict[str, re.Pattern]:
    """Particular roles (after "|" in groups.txt): each must be named by the passage itself."""
    out = {}
    for ln in _lines("groups.txt"):
        if "|" in ln:
            for w in ln.split("|", 1)[1].lower().split():
                out[w] = _group_pattern([w])
    return out


@lru_cache(maxsize=1)
def reason_markers() -> re.Pattern:
    ms = [m.lower() for m in _lines("reasons.txt")]
    words_ = "|".join(re.escape(m) for m in ms if not m.startswith(","))
    after_comma = "|".join(re.escape(m.lstrip(", ")) for m in ms if m.startswith(","))
    alts = [rf"(?:^|(?<=[\s,;–-]))(?:{words_})(?![\wæøå])"] + ([rf",\s*(?:{after_comma})\b"] if after_comma else [])
    return re.compile("|".join(alts), re.I)


# -- words -------------------------------------------------------------------------------------
@lru_cache(maxsize=50_000)
def lemma(word: str) -> str:
    import simplemma
    return simplemma.lemmatize(word, lang="da").lower()


def words(text: str) -> list[str]:
    return _WORD_RE.findall((text or "").lower())


def _is_number(w: str) -> bool:
    return w[0].isdigit()


def content(text: str) -> set[str]:
    """The lemmas of text that carry a claim: no stopwords, reporting words, group names,
    numbers, months, negations or polarity words (those have their own checks)."""
    stop, frame = _stopwords(), frame_words()
    out = set()
    for w in words(text):
        if _is_number(w) or w in stop or w in frame or w in _MONTH_SET or w in NEGATORS or w in POLAR_WORDS:
            continue
        if w in NUMBER_WORDS or len(w) < 2 or named_groups_of(w):
            continue
        lm = lemma(w)
        if lm in frame or lm in stop:
            continue
        out.add(lm)
    return out


def named_groups_of(word: str) -> set[str]:
    return {voice for voice, pat in groups().items() if pat.match(word) or pat.match(lemma(word))}


def named_groups(text: str) -> set[str]:
    return {g for w in words(text) if not _is_number(w) for g in named_groups_of(w)}


@dataclass
class Source:
    """A cited passage as the verifier sees it."""
    n: int
    text: str
    voice: str = ""
    date_text: str = ""   # the meeting's date label and date
    meeting_words: set[str] = field(default_factory=set)  # the meeting's title: word support only
    lemmas: set[str] = field(default_factory=set)
    raw: set[str] = field(default_factory=set)
    sentences: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, c: dict, limit: int | None = None) -> "Source":
        """limit: characters of the passage to check against (PASSAGE_CHARS by default)."""
        text = passage_text(c, PASSAGE_CHARS if limit is None else limit)
        raw = set(words(text))
        spans = [text[a:b] for a, b in sentence_spans(text)]
        # units of meaning: sentences, dash- and line-separated parts, and slide bullets run
        # together («… institutioner Socialpsykiatri er ikke …»)
        parts = [p for s in spans for p in re.split(r"\s+[–-]\s+|\n|(?<=[a-zæøå?!)])\s+(?=[A-ZÆØÅ][a-zæøå])", s)
                 if p.strip()]
        meeting = {w for w in words(str(c.get("meeting") or "")) if not _is_number(w)}
        return cls(n=int(c["n"]), text=text, voice=str(c.get("voice") or ""),
                   date_text=f"{c.get('date_label') or ''} {c.get('date') or ''}",
                   meeting_words=meeting | {lemma(w) for w in meeting},
                   lemmas={lemma(w) for w in raw} | raw, raw=raw, sentences=parts or [text])


def passage_text(c: dict, limit: int = PASSAGE_CHARS) -> str:
    text = re.sub(r"[ \t]+", " ", str(c.get("text") or c.get("quote") or "")).strip()
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + " …"
    return text


def found(w: str, src: Source) -> bool:
    """A sentence lemma occurs in the passage: as lemma or word, as an ordinary synonym, or as
    part of a compound (one contains the other, both long enough)."""
    if w in src.lemmas or w in src.meeting_words:
        return True
    if synonyms().get(w, frozenset()) & src.lemmas:
        return True
    if len(w) >= 5 and any(w in r for r in src.raw):
        return True
    if any(len(t) >= 5 and (w.startswith(t) or w.endswith(t)) for t in src.lemmas):
        return True
    return len(w) >= 7 and any(_common_prefix(w, t) >= max(6, 0.8 * min(len(w), len(t))) for t in src.lemmas)


def _common_prefix(a: str, b: str) -> int:
    """Length of the shared beginning: «konkurrenceudsat» and «konkurrenceudsættelse» are one word."""
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def overlap(text: str, src: Source) -> float:
    cw = content(text)
    if not cw:
        return 1.0
    return sum(found(w, src) for w in cw) / len(cw)


# -- claims beside words ----------------------------------------------------------------------
# contrast that negates what follows («kompetencer frem for institutioner»), not «vejen frem for»
_POLAR_PHRASE_RE = re.compile(r"(?<!vej )(?<!vejen )\b(?:frem for|fremfor|i stedet for|snarere end)\b", re.I)


_NOT_NEGATION_RE = re.compile(r"\bikke (?:mindst|kun|blot)\b", re.I)  # «ikke mindst» = especially


def _polarity(text: str) -> int:
    text = _NOT_NEGATION_RE.sub(" ", text or "")
    ws = words(text)
    n = sum(w in NEGATORS or w in POLAR_WORDS or lemma(w) in POLAR_WORDS for w in ws)
    return (n + len(_POLAR_PHRASE_RE.findall(text or ""))) % 2


def clauses(text: str) -> list[str]:
    """The clauses of a sentence (split at commas, colons, semicolons and dashes); a clause
    without content words («Brugerne mente ikke») is joined to the next."""
    out: list[str] = []
    carry = ""
    for part in re.split(r"[,;:]\s+|\s+[–-]\s+", text or ""):
        part = f"{carry} {part}".strip() if carry else part
        if content(part):
            out.append(part)
            carry = ""
        else:
            carry = part
    if carry:
        if out:
            out[-1] = f"{out[-1]} {carry}"
        else:
            out.append(carry)
    return out


def _closest_sentences(text: str, src: Source) -> list[str]:
    """The passage sentences sharing most content words with text."""
    cw = content(text)
    scored = [(sum(found(w, Source(0, s, lemmas={lemma(x) for x in words(s)} | set(words(s)),
                                       raw=set(words(s)))) for w in cw), s) for s in src.sentences]
    best = max((k for k, _ in scored), default=0)
    return [s for k, s in scored if k == best] if best else []


def polarity_ok(text: str, src: Source) -> bool:
    """Each clause's negation agrees, both ways, with the passage unit it comes from, antonyms
    counted as a flip: «er ikke en god vej» may become «er en dårlig vej», never «er en god vej»."""
    return all(_clause_polarity_ok(c, src) for c in clauses(text))


def _forms(w: str) -> tuple[str, ...]:
    """A word, its lemma and its stem without a comparative or superlative ending («løsere»)."""
    stems = [w[:-len(e)] for e in ("este", "ere", "est") if w.endswith(e) and len(w) - len(e) >= 3]
    return (w, lemma(w), *stems)


def _clause_polarity_ok(text: str, src: Source) -> bool:
    near = _closest_sentences(text, src)
    if not near:
        return _polarity(text) == 0 or _polarity(src.text) == 1
    ant = antonyms()
    mine = {_forms(w) for w in words(text)}
    for s in near:
        theirs = {lemma(w) for w in words(s)} | set(words(s))
        swaps = sum(1 for forms in mine
                    if not set(forms) & theirs and not any(synonyms().get(f, frozenset()) & theirs for f in forms)
                    and any(ant.get(f, set()) & theirs for f in forms))
        if (int(_polarity(s) != _polarity(text)) + swaps) % 2 == 0:
            return True
    return False


def _dates(text: str) -> tuple[set[tuple[str, str]], set[str], set[str]]:
    low = _NAME_YEAR_RE.sub(" ", (text or "").lower())
    days = {(str(int(d)), m) for d, m in _DAY_MONTH_RE.findall(low)}
    months = {w for w in words(low) if w in _MONTH_SET}
    years = set(_YEAR_RE.findall(low))
    return days, months, years


WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")


def dates_ok(text: str, src: Source) -> bool:
    """Days, months, years and weekdays of the sentence occur in the passage or its meeting's date."""
    days, months, years = _dates(text)
    weekdays = {w for w in words(text) if w in WEEKDAYS}
    if not (days or months or years or weekdays):
        return True
    import datetime
    source = f"{src.text} {src.date_text}".lower()
    p_days, p_months, p_years = _dates(source)
    p_weekdays = {w for w in words(source) if w in WEEKDAYS}
    iso = re.findall(r"(20\d\d)-(\d\d)-(\d\d)", source)
    names = MONTHS.split()
    for y, m, d in iso:
        p_days.add((str(int(d)), names[int(m) - 1]))
        p_months.add(names[int(m) - 1])
        p_years.add(y)
        p_weekdays.add(WEEKDAYS[datetime.date(int(y), int(m), int(d)).weekday()])
    if not weekdays <= p_weekdays:
        return False
    for span in re.findall(r"(20\d\d)\s*[-–]\s*(\d\d(?:\d\d)?)\b", source):  # «2016-2017», «2021-22»
        p_years.update({span[0], span[1] if len(span[1]) == 4 else span[0][:2] + span[1]})
    return days <= p_days and months <= p_months and years <= p_years


def _date_free(text: str) -> str:
    low = _NAME_YEAR_RE.sub(" ", (text or "").lower())
    low = _DAY_MONTH_RE.sub(" ", low)
    low = re.sub(r"\b20\d\d\s*[-–]\s*\d\d(?:\d\d)?\b", " ", low)
    low = re.sub(r"\b\d{1,2}:\d\d\b|\b\d{1,2}\.\d\d\b", " ", low)  # times «8.45»
    return _YEAR_RE.sub(" ", low)


def _numbers(text: str) -> list[tuple[int, str]]:
    """(position, number) for every number of text, number words included."""
    out = []
    for i, w in enumerate(words(_date_free(text))):
        if _is_number(w):
            out.append((i, w.replace(",", ".").rstrip(".")))
        elif w in NUMBER_WORDS:
            out.append((i, NUMBER_WORDS[w]))
    return out


def _counted(ws: list[str], i: int) -> str | None:
    """The noun a number at ws[i] counts: the next content word within three words."""
    stop = _stopwords() | {"til", "ca", "cirka", "omkring", "over", "under", "knap", "godt", "direkte", "heraf"}
    for w in ws[i + 1:i + 4]:
        if _is_number(w) or w in NUMBER_WORDS or w in stop:
            continue
        return lemma(w)
    return None


def counts_ok(text: str, src: Source) -> bool:
    mine = _numbers(text)
    if not mine:
        return True
    theirs = _numbers(f"{src.text}")
    pool = {n for _, n in theirs}
    if not {n for _, n in mine} <= pool:
        return False
    ws_src = words(_date_free(src.text))
    beside: dict[str, set[str]] = {}
    for j, w in enumerate(ws_src):
        if _is_number(w) or w in NUMBER_WORDS:
            continue
        lm = lemma(w)
        for k, n in theirs:
            if 0 < j - k <= 4:
                beside.setdefault(lm, set()).add(n)
    ws = words(_date_free(text))
    for i, n in mine:
        noun = _counted(ws, i)
        if noun and noun in beside and n not in beside[noun]:
            return False
    return True


def count_agreement(text: str, src: Source) -> str:
    """How the numbers of a claim fare in one passage: "none" (the claim has no number), "stated"
    (each stands in a sentence or line of the passage that shares a word with the claim: "5
    procent på det specialiserede område" needs a 5 in a sentence about that, not a «5» in a
    list elsewhere), "other" (a sentence or line on the claim's topic gives another number:
    «ca. 26 deltagere» for "40 deltagere") or "missing"."""
    mine = {n for _, n in _numbers(text)}
    if not mine:
        return "none"
    stop = _stopwords()

    def lemmas(t: str) -> set[str]:  # frame words count here: "26 deltagere" is about «deltagere»
        return {lemma(w) for w in words(_date_free(t)) if not _is_number(w) and w not in NUMBER_WORDS
                and w not in stop and len(w) >= 2}
    topic = lemmas(text)
    units = [u for s in src.sentences for u in s.split("\n")] or [src.text]

    def on_topic(u: str) -> bool:
        return not topic or bool(lemmas(u) & topic) or any(found(w, Source.of({"n": 0, "text": u})) for w in topic)
    numbered = [(u, {m for _, m in _numbers(u)}) for u in units]
    numbered = [(u, ns) for u, ns in numbered if ns]
    if all(any(n in ns and on_topic(u) for u, ns in numbered) for n in mine):
        return "stated"
    return "other" if any(on_topic(u) for u, _ in numbered) else "missing"


def counts_stated(text: str, src: Source) -> bool:
    """Stricter than counts_ok, for a claim checked against one passage (count_agreement)."""
    return count_agreement(text, src) in ("none", "stated")


def date_conflict(text: str, src: Source) -> bool:
    """Whether the passage, or its meeting's date, gives another day, month or year than the
    claim ("holdt i oktober" against «25. november 2016»); False when it gives none of that kind."""
    days, months, years = _dates(text)
    p_days, p_months, p_years = _dates(f"{src.text} {src.date_text}")
    return any(mine and theirs and not mine <= theirs
               for mine, theirs in ((days, p_days), (months, p_months), (years, p_years)))


def groups_ok(text: str, src: Source) -> bool:
    named = named_groups(text)
    if named and not named <= ({src.voice} | named_groups(src.text)):
        return False
    mine = [w for w in words(text) if not _is_number(w)]
    theirs = [w for w in words(src.text) if not _is_number(w)]
    for role, pat in roles().items():
        if any(pat.match(w) or pat.match(lemma(w)) for w in mine) and \
                not any(pat.match(w) or pat.match(lemma(w)) for w in theirs):
            return False
    return True


def reason_clause(text: str) -> str | None:
    m = reason_markers().search(text)
    return text[m.end():] if m else None


# -- sentences ---------------------------------------------------------------------------------
def clean_output(text: str) -> str:
    """The model's answer without reasoning blocks, code fences and surrounding whitespace."""
    text = _THINK_RE.sub("", text or "")
    text = re.sub(r"^```[a-z]*\s*|\s*```$", "", text.strip())
    text = re.sub(r"\*\*|__|^#+\s*", "", text, flags=re.M)  # bold and headings: the text is what counts
    return text.strip()


def is_refusal(text: str) -> bool:
    norm = re.sub(r"[\s\"'«»“”.]+", " ", text or "").strip().lower()
    return norm == REFUSAL.rstrip(".").lower()


def _numbers_in(marker: str) -> list[int]:
    nums = [int(x) for x in re.findall(r"\d+", marker)]
    if re.search(r"\d\s*[–-]\s*\d", marker) and len(nums) == 2 and 0 < nums[1] - nums[0] < 20:
        return list(range(nums[0], nums[1] + 1))
    return nums


def split_answer(text: str) -> list[dict]:
    """Sentences of an answer, each {"raw", "text" (without citation markers), "cites",
    "lead_in"}. Lines are split too (bullets); markers after the full stop («... overgange. [1]»)
    belong to the sentence before them."""
    pieces: list[str] = []
    for line in text.splitlines():
        line = re.sub(r"^\s*(?:[-*•]|\d+[.)])\s+", "", line).strip()
        if line:
            pieces.extend(line[a:b].strip() for a, b in sentence_spans(line))
    sentences: list[str] = []
    for p in pieces:
        lead = re.match(r"^(?:\s*" + _CITE_RE.pattern + r")+[.!?]?", p)
        if lead and sentences:
            sentences[-1] += " " + lead.group(0).strip()
            p = p[lead.end():].strip()
        if p:
            sentences.append(p)
    out = []
    for s in sentences:
        cites: list[int] = []
        for m in _CITE_RE.finditer(s):
            cites.extend(n for n in _numbers_in(m.group(0)) if n not in cites)
        plain = re.sub(r"\s+([.,;:!?])", r"\1", _CITE_RE.sub("", s))
        plain = re.sub(r"\s+", " ", plain).strip()
        out.append({"raw": s, "text": plain, "cites": cites, "lead_in": plain.endswith(":")})
    return out


_RefusalLike = re.compile(r"\b(?:ikke|intet|ingen)\b[^.]{0,60}\b(?:materialet|passagerne|kilderne|dokumenterne)\b|"
                         r"\b(?:materialet|passagerne|kilderne|dokumenterne)\b[^.]{0,60}\b(?:ikke|intet|ingen)\b", re.I)


def _has_words(text: str) -> bool:
    return bool(re.search(r"[0-9a-zæøåéü]", (text or "").lower()))


def _claim_text(s: dict) -> str:
    """The text a sentence claims: without a leading refusal phrase («Det fremgår ikke af
    materialet, hvorfor …, men …» claims what follows)."""
    t = s["text"]
    low = t.lower()
    head = REFUSAL.rstrip(".").lower()
    if low.startswith(head):
        return t[len(head):].lstrip(" ,;:.–-")
    return t


def check(text: str, src: Source, dense: float | None) -> dict:
    """How one passage supports one sentence: word share, meaning, and the claim checks."""
    t = thresholds()
    ov = overlap(text, src)
    words_ok = (ov >= t["min_overlap"] and (dense is None or dense >= t["min_dense"])) or \
        (dense is not None and dense >= t["strong_dense"] and ov >= t["strong_min_overlap"])
    checks = {"words": words_ok, "group": groups_ok(text, src), "date": dates_ok(text, src),
              "count": counts_ok(text, src), "polarity": polarity_ok(text, src)}
    clause = reason_clause(text)
    checks["reason"] = clause is None or not content(clause) or overlap(clause, src) >= t["reason_overlap"]
    failed = [k for k, v in checks.items() if not v]
    return {"n": src.n, "overlap": round(ov, 3), "dense": None if dense is None else round(dense, 3),
            "ok": not failed, "failed": failed,
            # a further citation must support part of the sentence and contradict none of it
            "relevant": (ov >= t["relevant_overlap"] or (dense is not None and dense >= t["strong_dense"]))
            and not set(failed) & {"group", "date", "count", "polarity"}}


def _judge(s: dict, text: str, by_n: dict[int, Source], dense: dict[int, float] | None) -> None:
    results = [check(text, by_n[n], dense.get(n) if dense else None) for n in s["cites"]]
    s["passages"] = results
    good = [r for r in results if r["ok"]]
    idle = [r["n"] for r in results if not r["ok"] and not r["relevant"]]
    s["dense"] = max((r["dense"] for r in results if r["dense"] is not None), default=None)
    s["overlap"] = max((r["overlap"] for r in results), default=0.0)
    if not good:
        best = max(results, key=lambda r: (r["relevant"], r["overlap"]))
        s["ok"], s["reason"], s["check"] = False, "unsupported_sentence", ",".join(best["failed"]) or "words"
    elif idle:
        s["ok"], s["reason"], s["check"] = False, "unsupported_sentence", "idle_citation"
    else:
        s["supported_by"] = [r["n"] for r in good]


def verify(answer_text: str, citations: list[dict], similarity: Similarity | None = None
           ) -> tuple[bool, str | None, list[dict]]:
    """Checks a generated answer against the citations it was written from.

    Returns (ok, reason, sentences). reason is None when ok, else the first failure: "empty",
    "refusal" (the model refused: only the refusal phrase, or sentences starting with it and no
    citation at all), "unknown_citation", "uncited_sentence" (a claim or lead-in without [n]),
    "unsupported_sentence" (no cited passage supports it on its own, or a citation supports
    nothing; the sentence's "check" says which claim failed: words, group, date, count,
    polarity, reason, idle_citation). sentences: one dict per sentence with "text", "cites",
    "ok", "reason" and the per-passage figures."""
    text = clean_output(answer_text)
    if not _has_words(text):
        return False, "empty", []
    if len(text) > MAX_ANSWER_CHARS:
        return False, "unsupported_sentence", [{"text": text[:200] + "…", "cites": [], "ok": False,
                                                 "reason": "unsupported_sentence", "check": "too_long"}]
    sentences = split_answer(text)
    if not any(_has_words(s["text"]) for s in sentences):
        return False, "empty", []
    head = REFUSAL.rstrip(".").lower()
    if is_refusal(text) or (not any(s["cites"] for s in sentences)
                            and (sentences[0]["text"].lower().startswith(head) or _RefusalLike.search(text))):
        return False, "refusal", sentences
    by_n = {int(c["n"]): c for c in citations}
    todo: list[tuple[dict, str]] = []
    for i, s in enumerate(sentences):
        s["ok"], s["reason"] = True, None
        claim = _claim_text(s)
        if is_refusal(s["text"]) or not _has_words(claim):
            continue  # the bare refusal phrase, or only punctuation
        if s["lead_in"] and not s["cites"]:
            if not content(claim) and not named_groups(claim):
                continue  # «Kort fortalt:»
            nxt = next((t for t in sentences[i + 1:] if t["cites"]), None)
            if nxt is None:
                s["ok"], s["reason"], s["check"] = False, "uncited_sentence", "lead_in"
                continue
            s["cites_inherited"] = list(nxt["cites"])
        if any(n not in by_n for n in s["cites"]):
            s["ok"], s["reason"] = False, "unknown_citation"
        elif not (s["cites"] or s.get("cites_inherited")):
            s["ok"], s["reason"] = False, "uncited_sentence"
        else:
            todo.append((s, claim))
    structural = [s["reason"] for s in sentences if not s["ok"]]
    if structural:
        return False, "unknown_citation" if "unknown_citation" in structural else structural[0], sentences
    if not todo:
        return False, "uncited_sentence", sentences  # nothing but lead-ins
    sources = {n: Source.of(c) for n, c in by_n.items()}
    cited = sorted({n for s, _ in todo for n in (s["cites"] or s["cites_inherited"])})
    dense_rows: list[list[float]] | None = None
    if similarity is not None:
        dense_rows = similarity([c for _, c in todo], [sources[n].text for n in cited])
    first = None
    for k, (s, claim) in enumerate(todo):
        dense = dict(zip(cited, dense_rows[k])) if dense_rows is not None else None
        judged = {**s, "cites": s["cites"] or s["cites_inherited"]}
        _judge(judged, claim, sources, dense)
        s.update({key: judged[key] for key in judged if key != "cites"})
        if not s["ok"]:
            first = first or s["reason"]
    return first is None, first, sentences
