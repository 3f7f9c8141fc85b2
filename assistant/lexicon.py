"""Word knowledge for matching questions to the documents: lemmas (simplemma), compounds split
against the corpus vocabulary, word frequencies (wordfreq), English->Danish words and
near-synonyms (assistant/lexicon.toml)."""
from __future__ import annotations

import bisect
import logging
import math
import re
import tomllib
from functools import lru_cache
from pathlib import Path

WORD_RE = re.compile(r"[0-9a-zæøåéü]+")
LEXICON_FILE = Path(__file__).resolve().parent / "lexicon.toml"
LINKS = ("", "s", "e")  # Danish compound linking letters ("handicap|s|område")
MIN_PART = 3
EVERYDAY_ZIPF = 3.0  # a compound's tail this frequent in Danish is an everyday word
COMPOUND_HEAD_MIN = 6  # a word must be this long to be looked up as the first part of corpus compounds
log = logging.getLogger("rammeaftale")


@lru_cache(maxsize=1)
def word_lists() -> dict:
    try:
        return tomllib.loads(LEXICON_FILE.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        log.error("word lists not loaded from %s: %s", LEXICON_FILE, exc)
        return {}


@lru_cache(maxsize=1)
def generic_heads() -> frozenset[str]:
    """Stems of compound heads that name a kind of arrangement (assistant/lexicon.toml [compounds])."""
    return frozenset(stem(w) for w in word_lists().get("compounds", {}).get("generic_heads", []))


@lru_cache(maxsize=50_000)
def lemma(word: str) -> str:
    import simplemma
    try:
        return simplemma.lemmatize(word, lang="da").lower()
    except Exception:  # noqa: BLE001 - an odd token must not break a question
        return word


@lru_cache(maxsize=50_000)
def dictionary_word(word: str) -> str:
    """'common' for a word of the Danish dictionary (simplemma's) with a lower-case lemma
    ("embedsfolkene", "bureaukratisk", "papirnusseri": everyday words wordfreq finds rare),
    'name' for one whose lemma is a proper noun ("gladsaxe" -> «Gladsaxe»), '' for neither
    ("mercado", "omraadet")."""
    import simplemma
    try:
        if not simplemma.is_known(word, lang="da"):
            return ""
        lem = simplemma.lemmatize(word, lang="da")
    except Exception:  # noqa: BLE001
        return ""
    return "name" if lem[:1].isupper() else "common"


@lru_cache(maxsize=50_000)
def zipf(word: str) -> float:
    from wordfreq import zipf_frequency
    try:
        return zipf_frequency(word, "da")
    except Exception:  # noqa: BLE001
        return 0.0


MIN_COMPOUND_PART = 3


def edit_distance(a: str, b: str) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) that turn a into b."""
    prev2, prev = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if prev2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def typo_edits(word: str) -> int:
    """How many edits a misspelling of a word this long may have: one in a short word, two in a
    long one ("konkurenceudsættelse"); more makes another word ("aflastning" is no «afslutning»)."""
    return 1 if len(word) < 9 else 2


MIN_MISSPELT = 6  # shorter words are one edit from too many others ("bord" / "bold")
ALPHABET = "abcdefghijklmnopqrstuvwxyzæøå"


@lru_cache(maxsize=5_000)
def misspelt_zipf(word: str) -> float:
    """The Zipf frequency of the most everyday word one edit (a letter left out, added, changed, or
    two neighbours swapped) after the first letter from a word of at least MIN_MISSPELT letters:
    "regnigner" -> «regninger» ("mentimeter" is no «centimeter»); 0.0 for a shorter word."""
    if len(word) < MIN_MISSPELT or not word.isalpha():
        return 0.0
    splits = [(word[:i], word[i:]) for i in range(1, len(word) + 1)]  # the first letter stands
    edits = {a + b[1:] for a, b in splits if b}
    edits |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    edits |= {a + c + b[1:] for a, b in splits if b for c in ALPHABET}
    edits |= {a + c + b for a, b in splits for c in ALPHABET}
    edits.discard(word)
    freqs = _danish_frequencies()  # a lookup per edit (zipf() would tokenise each of them)
    best = max((freqs.get(e, 0.0) for e in edits), default=0.0)
    return math.log10(best) + 9 if best > 0 else 0.0


@lru_cache(maxsize=1)
def _danish_frequencies() -> dict[str, float]:
    try:
        from wordfreq import get_frequency_dict
        return get_frequency_dict("da")
    except Exception:  # noqa: BLE001
        return {}


@lru_cache(maxsize=20_000)
def danish_zipf(word: str) -> float:
    """How everyday a Danish word is (wordfreq Zipf frequency of the word or its lemma). wordfreq
    lacks most compounds ("pengepulje", "plejeforældre"): a compound of two everyday words
    (linked by "", "s" or "e") is as everyday as its rarer part."""
    best = max(zipf(word), zipf(lemma(word)))
    if best > 0 or any(ch.isdigit() for ch in word):
        return best
    for i in range(MIN_COMPOUND_PART, len(word) - MIN_COMPOUND_PART + 1):
        head = word[:i]
        for link in LINKS:
            tail = word[i:]
            if not tail.startswith(link) or len(tail) - len(link) < MIN_COMPOUND_PART:
                continue
            tail = tail[len(link):]
            part = min(zipf(head), max(zipf(tail), zipf(lemma(tail))))
            best = max(best, part)
    return best


@lru_cache(maxsize=20_000)
def stem(word: str) -> str:
    from ingest.lexical import _stemmer
    return _stemmer().stemWord(word)


def english(word: str) -> list[str]:
    return list(word_lists().get("english", {}).get(word, []))


def english_phrases(text: str) -> str:
    """An English text with the phrases of the word list put in Danish ("theme meeting" ->
    "politikertemamødet"); other words stay."""
    pattern, table = _english_phrase_re()
    return pattern.sub(lambda m: table[m.group(0)], text.lower()) if table else text.lower()


@lru_cache(maxsize=1)
def _english_phrase_re() -> tuple[re.Pattern, dict[str, str]]:
    """One expression for all phrases, longest first (one pass instead of one per phrase)."""
    table = {k.lower(): v for k, v in word_lists().get("english_phrases", {}).items()}
    return re.compile(rf"(?<![a-z])(?:{alternation(table)})(?![a-z])" if table else r"(?!)"), table


def synonyms(word: str) -> list[str]:
    syn = word_lists().get("synonyms", {})
    return list(syn.get(word, []) or syn.get(lemma(word), []))


@lru_cache(maxsize=1)
def _places() -> frozenset[str]:
    return frozenset(word_lists().get("places", {}).get("names", []))


def alternation(phrases) -> str:
    """A regular-expression alternative of literal phrases, longest first (so "kick off mødet"
    wins over "kick off")."""
    return "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))


@lru_cache(maxsize=1)
def _numeral_re() -> re.Pattern:
    n = word_lists().get("numerals", {})
    if not n.get("words") or not n.get("units"):
        return re.compile(r"(?!)")
    return re.compile(rf"(?:{alternation(n['words'])})(?:{alternation(n['units'])})")


def is_numeral(word: str) -> bool:
    """A count written into a word ("toårige", "femdages"; assistant/lexicon.toml [numerals])."""
    return bool(_numeral_re().fullmatch(word))


def is_place(word: str) -> bool:
    """Whether a (lower-case) word is a Danish region, municipality, part of the country or a
    neighbouring country (assistant/lexicon.toml [places]), also in the genitive ("slagelses")."""
    places = _places()
    return word in places or (word.endswith("s") and word[:-1] in places)


def capitalised_words(text: str) -> set[str]:
    """Words written with a capital letter inside a sentence (names, places): not the first word
    of the question or of a sentence."""
    out = set()
    for m in re.finditer(r"[A-Za-zÆØÅæøåÉéÜü0-9][\wÆØÅæøåÉéÜü-]*", text):
        w = m.group(0)
        before = text[:m.start()].rstrip()
        if w[0].isupper() and before and before[-1] not in ".!?:«\"(":
            out.add(w.lower())
    return out


def proper_names(texts: list[str], stop: set[str] = frozenset()) -> dict[str, str]:
    """The names in the texts (people, places, organisations): words written with a capital
    letter inside a sentence and never in lower case, as lower case -> as first written."""
    lower: set[str] = set()
    for text in texts:
        lower.update(w for w in re.findall(r"[\wÆØÅæøåÉéÖöÜü-]+", text) if w[0].islower())
    out: dict[str, str] = {}
    for text in texts:
        for m in re.finditer(r"[A-ZÆØÅÉÖÜ][\wÆØÅæøåÉéÖöÜü]+", text):
            w = m.group(0)
            before = text[:m.start()].rstrip()
            low = w.lower()
            if before and before[-1] not in ".!?:«\"(" and low not in lower and low not in stop:
                out.setdefault(low, w)
    return out


class Vocabulary:
    """The corpus's words, their lemmas and stems: what a question word can be matched with."""

    def __init__(self, texts: list[str]):
        words: set[str] = set()
        for t in texts:
            words.update(WORD_RE.findall(t.lower()))
        self.words = words
        self.lemmas = {lemma(w) for w in words if not w.isdigit()}
        self.forms = self.words | self.lemmas
        self.stems = {stem(w) for w in words}
        self._split: dict[str, list[str]] = {}
        self._sorted: list[str] | None = None  # the words in order, for compounds_with

    def known(self, word: str) -> bool:
        return word in self.forms or lemma(word) in self.forms or stem(word) in self.stems

    def parts(self, word: str) -> list[str]:
        """A compound's parts that the corpus has ("hovedfokusområder" -> fokus, områder; the
        everyday "hoved" is dropped), fewest parts first; [] when it cannot be split so that
        its last part (the head of a Danish compound) is a corpus word."""
        return [p for p in self.split(word) if self.known(p)]

    def compounds_with(self, word: str, most: int = 5) -> list[str]:
        """Corpus compounds that begin with a word the corpus lacks on its own ("mentimeter" ->
        mentimetermåling, "underskud" -> underskudsgarantier): the word, a linking letter or none,
        and a corpus or everyday Danish word of at least 4 letters. Words shorter than COMPOUND_HEAD_MIN are left out
        (a short word begins too many compounds: "svar" is no "svarprocent")."""
        if len(word) < COMPOUND_HEAD_MIN:
            return []
        if self._sorted is None:
            self._sorted = sorted(self.words)
        out = []
        for w in self._sorted[bisect.bisect_left(self._sorted, word):]:
            if not w.startswith(word):
                break
            if len(w) >= len(word) + 4:
                rest = w[len(word):]
                if any(rest.startswith(link) and len(rest) - len(link) >= 4
                       and (self.known(rest[len(link):]) or danish_zipf(rest[len(link):]) >= EVERYDAY_ZIPF)
                       for link in LINKS):
                    out.append(w)
        return out[:most]

    def halves(self, word: str) -> list[str]:
        """A word's two parts when both are corpus words, even when the corpus has the whole word
        too ("pakkemodeller" -> pakke, modeller, for "pakke-modeller"); [] otherwise."""
        for i in range(len(word) - 4, 3, -1):
            for link in LINKS:
                tail = word[i + len(link):]
                if word[i:].startswith(link) and len(tail) >= 4 and self.known(word[:i]) and self.known(tail):
                    return [word[:i], tail]
        return []

    def split(self, word: str) -> list[str]:
        """All parts of a compound whose last part is a corpus word, [] when there is none."""
        if word in self._split:
            return self._split[word]
        best = self._parts(word, 0) if len(word) >= 2 * MIN_PART else None
        out = best if best and len(best) > 1 else []
        if len(self._split) > 20_000:
            self._split.clear()
        self._split[word] = out
        return out

    def _parts(self, word: str, depth: int) -> list[str] | None:
        if self.known(word) and len(word) >= MIN_PART:
            return [word]
        if depth > 3:
            return None
        best = None
        for i in range(len(word) - MIN_PART, MIN_PART - 1, -1):  # longest head first
            head = word[:i]
            # a modifier is a corpus word or an everyday Danish word; the last part must be a corpus word
            if head not in self.forms and (len(head) < 4 or zipf(head) < 4.0):
                continue
            for link in LINKS:
                if not word[i:].startswith(link) or len(word) - i - len(link) < MIN_PART:
                    continue
                rest = self._parts(word[i + len(link):], depth + 1)
                if rest and (best is None or len(rest) + 1 < len(best)):
                    best = [head, *rest]
            if best and len(best) == 2:
                break
        return best

    def status(self, word: str, capitalised: bool, common_zipf: float) -> str:
        """'known' (the corpus has it, its lemma or all its compound parts), 'ordinary' (an
        everyday Danish word the documents phrase otherwise) or 'specific' (a name, place,
        number, year or rare term the documents lack: a reason to refuse)."""
        if self.known(word) or self.parts(word):
            return "known"
        rarity = self.rarity(word, capitalised, common_zipf)
        if rarity == "specific" and self.misspelt(word, capitalised, common_zipf):
            return "ordinary"  # a misspelt everyday word ("regnigner", "frivilige") names nothing
        return rarity

    def misspelt(self, word: str, capitalised: bool, common_zipf: float) -> bool:
        """Whether a word is an everyday Danish word misspelt: one edit from one (misspelt_zipf),
        written in lower case, and not the start of a word of the corpus ("mentimeter" is the
        name in «Mentimetermåling», not a misspelt «centimeter»)."""
        if self.named(word, capitalised):
            return False
        if any(f.startswith(word) for f in self.forms):
            return False
        return misspelt_zipf(word) >= common_zipf

    @staticmethod
    def named(word: str, capitalised: bool) -> bool:
        """A name, a number (also one written into a word: "toårige") or a place: never an
        everyday word, however it is spelt."""
        return capitalised or any(ch.isdigit() for ch in word) or is_numeral(word) or is_place(word)

    @staticmethod
    def rarity(word: str, capitalised: bool, common_zipf: float, dictionary: bool = True) -> str:
        """'ordinary' for an everyday Danish word (common by wordfreq, or in the dictionary),
        'specific' for a name, number, place or a word of no dictionary. dictionary=False: by
        wordfreq alone (a compound whose parts no passage holds together: "folketingsvalget")."""
        if Vocabulary.named(word, capitalised):
            return "specific"
        kind = dictionary_word(word)  # a proper noun however common; a dictionary word however rare
        if kind == "name":
            return "specific"
        return "ordinary" if (dictionary and kind == "common") or danish_zipf(word) >= common_zipf else "specific"

    def expand(self, word: str) -> list[str]:
        """Corpus words a question word stands for: its lemma, its compound parts, its
        near-synonyms (as they stand in the corpus)."""
        out = []
        lem = lemma(word)
        if lem != word and lem in self.forms:
            out.append(lem)
        if not self.known(word):
            out.extend(self.parts(word))
        for s in synonyms(word):
            if self.known(s):
                out.append(s)
        return out
