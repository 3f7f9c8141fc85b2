"""Questions that ask whether the material states something ("står det nogen steder, at ...",
"sagde vi, at ..."): recognising them (patterns in assistant/claims.toml) and deciding whether a
passage states the claim's content."""
from __future__ import annotations

import datetime
import re
import tomllib
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

CLAIMS_FILE = Path(__file__).resolve().parent / "claims.toml"
# words that turn a statement around: "ikke", "imod" ("brugerne var imod udbud" says what
# «Konkurrenceudsættelse … er ikke vejen frem» says) and "forkert" ("det er forkert at sende
# opgaverne i licitation" says it too)
# "minus" and "mangel" say it too: «Tilbudsportal minus anvendelighed» is "tilbudsportalen er ikke
# til at bruge", «mangel på viden om, hvilke indsatser der virker» is "man ved ikke, hvad der virker"
NEGATIONS = frozenset("ikke ingen intet aldrig hverken imod forkert forkerte not no never against wrong"
                      " minus mangel manglen mangler manglede manglende lack lacks lacking".split())


@lru_cache(maxsize=1)
def patterns() -> tuple[re.Pattern, ...]:
    try:
        data = tomllib.loads(CLAIMS_FILE.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return ()
    out = []
    where, who = data.get("where", ""), data.get("who", "")
    for p in data.get("patterns", []):
        try:
            out.append(re.compile(rf"^\s*{p.replace('{where}', where).replace('{who}', who)}", re.I))
        except re.error:
            continue
    return tuple(out)


def claim_of(question: str) -> str | None:
    """What a claim question asks to be in the material, or None for another question."""
    text, found = question.strip(), None
    for _ in range(3):  # "står der, at vi sagde, at X" -> X
        for pat in patterns():
            m = pat.match(text)
            if m and m.group("claim").strip(" ?.!"):
                text = found = m.group("claim").strip(" ?.!")
                break
        else:
            break
    return found


def bare_claim_question(question: str) -> bool:
    """"står det nogen steder, at" with nothing after it: a claim question without its claim."""
    text = question.strip().rstrip(" ?.!,")
    if not text:
        return False
    for pat in patterns():
        m = pat.match(f"{text} \x00")
        if m and m.group("claim").strip(" ?.!") == "\x00":
            return True
    return False


# "ikke blot …", "ikke mindst …", "not only …": they add, they do not negate
NOT_NEGATING = re.compile(r"\b(?:ikke (?:blot|kun|bare|alene|mindst)|not (?:only|just|least))\b")


def negated(text: str) -> bool:
    return any(w in NEGATIONS for w in re.findall(r"[a-zæøå]+", NOT_NEGATING.sub(" ", text.lower())))


def states(claim: str, passage: str, coverage: float, dense: float, min_coverage: float, min_dense: float) -> bool:
    """Whether a passage states the claim: it covers the claim's key terms (coverage, idf-
    weighted, lemmas, compound parts and near-synonyms counted), is close in meaning (dense),
    and does not lack the claim's negation."""
    if coverage < min_coverage or dense < min_dense:
        return False
    return not opposes(claim, passage)


@dataclass
class Evidence:
    """What one candidate passage says about a claim."""
    coverage: float  # idf-weighted share of the claim's key terms the passage holds
    dense: float  # cosine similarity of claim and passage
    agrees: bool  # the passage does not state the claim with the other polarity (opposes)
    voiced: bool  # the passage is the named voice's, or reports what that voice said
    unit: float = 0.0  # cosine similarity of the claim and the passage's closest sentence or line
    unit_agrees: bool = True  # that sentence or line does not oppose the claim
    facts: bool = True  # the claim's dates and numbers stand in the passage (facts_check)
    conflicts: bool = False  # the passage gives another date or number for the same thing
    extra: bool = False  # found only by searching the named voice's own passages
    unit_reversed: bool = False  # that sentence or line uses an antonym of a claim word («faldet» for "steget")
    placed: bool = True  # the passage is of the meeting the question names (or it names none)
    named: bool = True  # the passage holds every name the claim gives (a place, a person, a firm)


def verdict(evidence: list[Evidence], knobs: dict, specific: str = "",
            negative: bool = False) -> tuple[str, list[int]]:
    """_verdict on the best passages; the named voice's own closest passages (Evidence.extra)
    only keep a «Nej» from standing where they would confirm the claim or leave it open: then the
    answer is unsure with them. (More candidates make a «Ja» likelier for any claim; the thresholds are set
    for the best passages.)"""
    kind, chosen = _voiced_verdict(evidence, knobs, specific, negative)
    if kind in ("no", "unsure"):
        # stated, but by another group or at another meeting than the claim names ("sagde
        # fagfolkene, at der skal være en udligningsordning …" for Bord 9's words): «Nej» with those
        # passages, whose labels say whose words and which meeting they are
        elsewhere = [replace(e, voiced=True, placed=True) if e.named else e for e in evidence]
        if any(not (e.voiced and e.placed) for e in evidence if e.named):
            other, shown = _voiced_verdict(elsewhere, knobs, specific, negative)
            shown = [i for i in shown if evidence[i].coverage >= knobs.get("claim_elsewhere_coverage", 1.01)]
            if other == "yes" and shown:
                return "elsewhere", shown
    return kind, chosen


def _voiced_verdict(evidence: list[Evidence], knobs: dict, specific: str, negative: bool) -> tuple[str, list[int]]:
    main = [i for i, e in enumerate(evidence) if not e.extra]
    kind, chosen = _verdict([evidence[i] for i in main], knobs, specific, negative)
    chosen = [main[i] for i in chosen]
    if kind != "no" or len(main) == len(evidence):
        return kind, chosen
    kind, chosen = _verdict(evidence, knobs, specific, negative)
    return ("unsure", chosen) if kind in ("yes", "unsure") else ("no", [])


def _verdict(evidence: list[Evidence], knobs: dict, specific: str = "",
             negative: bool = False) -> tuple[str, list[int]]:
    """The answer to a claim question and the candidates to cite: ("yes", stating), ("opposite",
    passages saying the opposite), ("unsure", the closest), or ("no", []). One rule for the
    assistant and its calibration (eval/calibrate.py):
    1. «Ja»: a voiced passage covers the claim's terms and is close in meaning, same polarity, and
       has a sentence or line at least near the claim (claim_unit_no);
    2. «Nej – … det modsatte»: such a passage has the other polarity;
    3. «Nej»: the claim names a number or name the corpus lacks in every form;
    4. «Ja»: a voiced passage has a sentence or line this close in meaning (the claim in other
       words: "frivillige og foreninger" for «civilsamfundet»), and neither that line nor the
       passage has the other polarity («… er ikke vejen frem. Dette blev sagt med reference til
       … udbud …» confirms no "udbud er en god ide": that is «Nej – … det modsatte»);
    5. «Nej»: the claim has a rare word the corpus lacks in every form (specific == "rare"), or no
       voiced passage has a sentence or line even this close;
    6. unsure: a voiced passage close in meaning covers part of the claim's terms, or one with a
       line near the claim covers them all;
    7. «Nej» otherwise.
    Dates and numbers (Evidence.facts, .conflicts): a passage confirms a claim only when it gives
    the claim's own; one that would confirm it (1), or holds the line closest to it (4), but gives
    another for the same thing ("holdt 25 oktober" against «25. november») makes it ("other",
    those passages): «Nej – … et andet tal eller en anden dato». One that gives none is no
    «Ja» and no «Nej»: unsure.
    negative: the claim itself is negated ("… ikke virker")."""
    min_cov, min_dense = knobs["claim_min_coverage"], knobs["claim_min_dense"]
    # a passage that holds the claim's words but has no sentence or line near it in meaning (a
    # list whose items share a word each with the claim) does not state it
    floor = knobs.get("claim_unit_no", 0.0)
    # what another meeting's passage says is no record of the meeting the question names
    # … and a passage without the name the claim gives is no record of it
    evidence = [e if e.placed and e.named else replace(e, voiced=False) for e in evidence]
    covered = [i for i, e in enumerate(evidence) if e.voiced and e.coverage >= min_cov and e.dense >= min_dense]
    close = [i for i in covered if evidence[i].unit == 0 or evidence[i].unit >= floor]
    # … and its line closest to the claim does not say the opposite («Antallet af børn … er faldet»
    # in a passage where other figures have «steget»)
    yes = [i for i in close if evidence[i].agrees and not evidence[i].unit_reversed and evidence[i].facts]
    if yes:
        return "yes", yes
    # another date or number than the claim's, unless a line says it with the claim's own
    off = [i for i in close if evidence[i].conflicts]
    opposed = [i for i in close if not evidence[i].agrees or evidence[i].unit_reversed]
    if opposed and not off:
        return "opposite", opposed
    if specific and specific != "rare":
        return "no", []
    said = [i for i, e in enumerate(evidence) if e.voiced and e.unit >= knobs.get("claim_unit_yes", 2.0)]
    unit_yes = [i for i in said if evidence[i].agrees and evidence[i].unit_agrees and evidence[i].facts]
    if unit_yes:
        return "yes", unit_yes
    if specific:  # a rare word the corpus lacks ("trimmes"): no «Ja» but from a line that close
        return "no", []
    if off:
        return "other", off
    said.sort(key=lambda i: -evidence[i].unit)
    if said and evidence[said[0]].conflicts:  # the line closest to the claim gives another number
        return "other", said[:1]
    opposed = [i for i in said if not (evidence[i].agrees and evidence[i].unit_agrees)]
    if opposed and not negative:  # that close, negated: the voice said the opposite. A negated
        # claim against a plain line is often a hedge said otherwise ("passer ikke til alle" for
        # «kan … anvendes på nogle målgrupper»): the unsure band decides
        return "opposite", opposed
    measured = any(e.unit > 0 for e in evidence)  # an index without unit vectors: words alone
    # a passage too short to have a sentence or line of its own («Koordinerende sagsbehandler.»)
    # is its own line: its closeness in meaning is the passage's
    if measured and not covered and not any(e.voiced and (e.unit or e.dense) >= floor for e in evidence):
        return "no", []  # (a passage with all the claim's words is no reason for «Nej»: unsure)
    band = knobs.get("claim_unsure_coverage", 1.0)
    near = [i for i, e in enumerate(evidence) if band < min_cov and e.voiced
            and e.coverage >= band and (e.dense >= min_dense or ((e.unit or e.dense) >= floor and e.coverage >= min_cov))]
    near += [i for i in said if i not in near]  # a line that close, without the claim's number
    return ("unsure", near) if near else ("no", [])


HELD_RE = re.compile(r"\b(?:holdt|afholdt|foregik|fandt sted|lå|var|held|took place)\b", re.I)
_DAY_MONTH_RE = re.compile(r"\b\d{1,2}\.?\s*(?:januar|februar|marts|april|maj|juni|juli|august|september|oktober"
                           r"|november|december|january|february|march|may|june|july|october)\b", re.I)


WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
_WEEKDAY_RE = re.compile(r"\b(%s)(?:en)?\b" % "|".join(WEEKDAYS), re.I)


def held_on(claim: str, date_label: str, date: str = "") -> str:
    """Whether a claim about when the meeting it names was held gives the manifest's day for it:
    "same" ("… holdt den 25. november 2016", "… holdt en fredag"), "other" ("kick off mødet blev
    holdt 25 oktober 2016" for «25. november 2016»; "… en mandag" for a Friday) or "" (the claim
    says no such thing). date: the meeting's ISO date, for the day of the week."""
    if not date_label or not HELD_RE.search(claim):
        return ""
    found = []
    if _DAY_MONTH_RE.search(claim):
        stated, conflicts = facts_check(claim, "", date_label)
        found.append("other" if conflicts else "same" if stated else "")
    weekday = _WEEKDAY_RE.search(claim)
    if weekday and re.match(r"\d{1,2}\.", date_label):  # a meeting held on one day
        try:
            held = WEEKDAYS[datetime.date.fromisoformat(date).weekday()]
        except ValueError:
            held = ""
        found.append("" if not held else "same" if weekday.group(1).lower() == held else "other")
    if "other" in found:
        return "other"
    return "same" if found and all(f == "same" for f in found) else ""


# a meeting held without a place: "online", "på teams"
ONLINE = frozenset("online virtuelt virtuel digitalt digital teams zoom skype videomøde onlinemøde".split())


def held_at(claim: str, place: str, places: list[str]) -> str:
    """Whether a claim about where the meeting it names was held gives the manifest's place for
    it: "same" ("… holdt på Sørup Herregaard"), "other" ("… holdt på Comwell", another meeting's
    place, or "online" for a meeting with a venue) or "" (no place the material knows, or a
    meeting whose place it does not give). places: every meeting's place in the manifest."""
    if not place or place.startswith("Ikke angivet") or not HELD_RE.search(claim):
        return ""
    known = {w for p in places for w in _place_words(p)} | ONLINE
    named = _place_words(claim) & known
    if not named:
        return ""
    return "same" if named <= _place_words(place) else "other"


def _place_words(text: str) -> set[str]:
    return set(re.findall(r"[a-zæøå]{4,}", text.lower()))


def facts_check(claim: str, passage: str, dates: str = "") -> tuple[bool, bool]:
    """(stated, conflicts) for the claim's days, months, years and counts against a passage and
    its meetings' dates (dates: their date labels). stated: each stands there ("50 deltagere" is
    not «ca. 26 deltagere»; a claim without any is stated). conflicts: the passage gives another
    one for the same thing («25. november 2016» for "holdt 25 oktober 2016"), as opposed to not
    giving one at all (the verifier's date and count rules, assistant/verify.py)."""
    from .verify import Source, count_agreement, counts_ok, date_conflict, dates_ok
    src = Source.of({"n": 0, "text": passage, "date_label": dates}, limit=len(passage))
    # a year the passage writes in any form counts («Rammeaftale 2018» is a name to the verifier);
    # a short date ("7/4") is not checked
    held = set(re.findall(r"\b(?:19|20)\d\d\b", f"{passage} {dates}"))
    claim = re.sub(r"\b(?:19|20)\d\d\b", lambda m: " " if m.group(0) in held else m.group(0), claim)
    claim = re.sub(r"\b\d{1,2}/\d{1,2}(?:[-/]\d{2,4})?\b", " ", claim)
    # "ingen af de tre fremtidsbilleder": the definite article points at things named before; the
    # number word counts nothing the passage has to give (a count in digits is still checked)
    claim = DEFINITE_COUNT.sub(r"\1", claim)
    counts = count_agreement(claim, src)
    if dates_ok(claim, src) and counts_ok(claim, src) and counts in ("none", "stated"):
        return True, False
    return False, date_conflict(claim, src) or counts == "other"


DEFINITE_COUNT = re.compile(r"\b((?:alle )?de|begge) (?:to|tre|fire|fem|seks|syv|otte|ni|ti)\b", re.I)


def names_missing_thing(terms) -> str:
    """Whether a claim's terms (retriever.terms) name a number or a name the corpus lacks in every
    form ("100 procent", "Holbæk"): "name", such a claim is not recorded in other words; or a word
    wordfreq finds rare ("ventelistegaranti", "trimmes"): "rare", only a line close in meaning to the
    whole claim can still state it (a colloquial verb for the documents' «driftsoptimering»); or ""."""
    if any(t.status == "specific" and not t.alts for t in terms):
        return "name"
    return "rare" if any(t.rare and not t.alts for t in terms) else ""


def opposes(claim: str, passage: str) -> bool:
    """Whether the passage has the other polarity: a claim without "ikke" against "… er ikke en
    god vej" (in a statement-sized passage; a long one may hold a negation elsewhere), or an
    antonym of one of the claim's words."""
    flipped = negated(claim) != negated(passage) if len(passage) <= SHORT_PASSAGE else negated(claim) and not negated(passage)
    return flipped or reversed_by_antonym(claim, passage)


SHORT_PASSAGE = 300


def reversed_by_antonym(claim: str, passage: str) -> bool:
    """Whether the claim uses a word whose antonym the passage uses instead ("mindre inddragelse"
    where the passage says "inddrage brugerne mere"), with the verifier's corpus antonym pairs."""
    from .verify import antonyms, lemma as lemma_of
    def forms(text: str) -> set[str]:
        words = re.findall(r"[a-zæøå]+", text.lower())
        return set(words) | {lemma_of(w) for w in words}
    claim_words, passage_words = forms(claim), forms(passage)
    pairs = antonyms()
    return any(w not in passage_words and pairs.get(w, set()) & passage_words for w in claim_words)


def bare_word(word: str) -> str:
    """A word without a Danish definite ending («temamødet» -> «temamøde»), to find it in a title."""
    return re.sub(r"(?:ene|et|en|ne|t)$", "", word) if len(word) > 5 else word


def without_scope(claim: str, scope: set[str]) -> str:
    """The claim without the words that name its meeting (and the preposition before them):
    "deltagerne fik frokost på mødet i Solrød" -> "deltagerne fik frokost"; the claim itself when
    too little would be left."""
    if not scope:
        return claim
    pattern = r"(?:\b(?:på|i|til|ved|under|fra|efter|før|om)\s+)?\b(?:%s)\b" % "|".join(
        map(re.escape, sorted(scope, key=len, reverse=True)))
    left = re.sub(r"\s+", " ", re.sub(pattern, " ", claim, flags=re.I)).strip(" ,.-")
    return left if len(left.split()) >= 2 else claim
