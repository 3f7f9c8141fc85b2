"""Questions that ask whether the material states something ("står det nogen steder, at ...",
"sagde vi, at ..."): recognising them (patterns in assistant/claims.toml) and deciding whether a
passage states the claim's content."""
from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path

CLAIMS_FILE = Path(__file__).resolve().parent / "claims.toml"
NEGATIONS = frozenset("ikke ingen intet aldrig hverken not no never".split())


@lru_cache(maxsize=1)
def patterns() -> tuple[re.Pattern, ...]:
    try:
        data = tomllib.loads(CLAIMS_FILE.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return ()
    out = []
    where = data.get("where", "")
    for p in data.get("patterns", []):
        try:
            out.append(re.compile(rf"^\s*{p.replace('{where}', where)}", re.I))
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


def negated(text: str) -> bool:
    return any(w in NEGATIONS for w in re.findall(r"[a-zæøå]+", text.lower()))


def states(claim: str, passage: str, coverage: float, dense: float, min_coverage: float, min_dense: float) -> bool:
    """Whether a passage states the claim: it covers the claim's key terms (coverage, idf-
    weighted, lemmas, compound parts and near-synonyms counted), is close in meaning (dense),
    and does not lack the claim's negation."""
    if coverage < min_coverage or dense < min_dense:
        return False
    return not opposes(claim, passage)


def names_missing_thing(terms) -> bool:
    """Whether a claim's terms (retriever.terms) name a number, name or rare term the corpus lacks
    in every form ("100 procent", "ventelistegaranti"): such a claim is not recorded in other words."""
    return any(t.status == "specific" and not t.alts for t in terms)


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
