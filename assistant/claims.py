"""Questions that ask whether the material states something ("står det nogen steder, at ...",
"sagde vi, at ..."): recognising them (patterns in assistant/claims.toml) and deciding whether a
passage states the claim's content."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

CLAIMS_FILE = Path(__file__).resolve().parent / "claims.toml"
# words that turn a statement around: "ikke", and "imod" ("brugerne var imod udbud" says what
# «Konkurrenceudsættelse … er ikke vejen frem» says)
NEGATIONS = frozenset("ikke ingen intet aldrig hverken imod not no never against".split())


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


def negated(text: str) -> bool:
    return any(w in NEGATIONS for w in re.findall(r"[a-zæøå]+", text.lower()))


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


def verdict(evidence: list[Evidence], knobs: dict, specific: bool = False,
            negative: bool = False) -> tuple[str, list[int]]:
    """The answer to a claim question and the candidates to cite: ("yes", stating), ("opposite",
    passages saying the opposite), ("unsure", the closest), or ("no", []). One rule for the
    assistant and its calibration (eval/calibrate.py):
    1. «Ja»: a voiced passage covers the claim's terms and is close in meaning, same polarity;
    2. «Nej – … det modsatte»: such a passage has the other polarity;
    3. «Nej»: the claim names a number, name or rare term the corpus lacks in every form;
    4. «Ja»: a voiced passage has a sentence or line this close in meaning (the claim in other
       words: "frivillige og foreninger" for «civilsamfundet»), and neither that line nor the
       passage has the other polarity («… er ikke vejen frem. Dette blev sagt med reference til
       … udbud …» confirms no "udbud er en god ide": that is «Nej – … det modsatte»);
    5. «Nej»: no voiced passage has a sentence or line even this close;
    6. unsure: a voiced passage close in meaning covers part of the claim's terms;
    7. «Nej» otherwise.
    negative: the claim itself is negated ("… ikke virker")."""
    min_cov, min_dense = knobs["claim_min_coverage"], knobs["claim_min_dense"]
    close = [i for i, e in enumerate(evidence) if e.voiced and e.coverage >= min_cov and e.dense >= min_dense]
    yes = [i for i in close if evidence[i].agrees]
    if yes:
        return "yes", yes
    if close:
        return "opposite", close
    if specific:
        return "no", []
    said = [i for i, e in enumerate(evidence) if e.voiced and e.unit >= knobs.get("claim_unit_yes", 2.0)]
    unit_yes = [i for i in said if evidence[i].agrees and evidence[i].unit_agrees]
    if unit_yes:
        return "yes", unit_yes
    if said and not negative:  # that close, negated: the voice said the opposite. A negated
        # claim against a plain line is often a hedge said otherwise ("passer ikke til alle" for
        # «kan … anvendes på nogle målgrupper»): the unsure band decides
        return "opposite", said
    measured = any(e.unit > 0 for e in evidence)  # an index without unit vectors: words alone
    if measured and not any(e.voiced and e.unit >= knobs.get("claim_unit_no", 0.0) for e in evidence):
        return "no", []
    band = knobs.get("claim_unsure_coverage", 1.0)
    near = [i for i, e in enumerate(evidence) if band < min_cov and e.voiced
            and e.coverage >= band and e.dense >= min_dense]
    return ("unsure", near) if near else ("no", [])


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
