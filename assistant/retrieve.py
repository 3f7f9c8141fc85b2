"""Hybrid retrieval: dense (Chroma) + lexical (bm25s), fused by reciprocal rank, with voice
and meeting cues as a boost (not a filter), and user-chosen filters as a filter. Question words
are matched by stem, lemma, compound parts, near-synonyms and (English) Danish equivalents."""
from __future__ import annotations

import difflib
import logging
import math
import re
from dataclasses import dataclass, field

import numpy as np
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode
from llama_index.core.vector_stores.types import VectorStoreQuery

from ingest.clean import match_key
from ingest.lexical import _stopwords, times, tokens
from ingest.units import statement_units

from .expect import expected, planned, speakers, summary_heading
from .ordinals import numbered_lists
from .lexicon import (WORD_RE, Vocabulary, capitalised_words, danish_zipf, edit_distance, english, english_phrases, generic_heads, lemma,
                      _danish_frequencies, proper_names, stem, synonyms, typo_edits)
from .query import ENGLISH_WORDS, QUESTION_WORDS, Query, dates_named, is_english, numbered_entities

log = logging.getLogger("rammeaftale")

DEFAULT_KNOBS = {"rrf_k": 60, "voice_boost": 0.3, "meeting_boost": 0.35, "coverage_boost": 2.0,
                 "max_fuzzy_words": 12, "unit_weight": 0.0, "lexical_weight": 1.0, "variant_weight": 1.0, "common_zipf": 3.5,
                 "compound_zipf": 3.5,
                 "fact_boost": 1.0}
# a question about where or when a meeting was ("hvor blev … holdt", "hvornår var …"), not "hvor mange"
# a question word at the start ("og hvor blev det holdt?", a follow-up, asks where too) or joined
# to another one ("hvornår og hvor …")
_LEAD = r"(?:^\s*(?:(?:og|men|and|but|so)\s+)?|\b(?:og|samt|and)\s+)"
_WHERE_RE = re.compile(_LEAD + r"(?:hvor(?!\s+(?:mange|meget|stor|store|længe|ofte|tit|melder|tilmelder|finder|står|læser|kan))\b|where\b)", re.I)
_WHEN_RE = re.compile(_LEAD + r"(?:hvornår|when)\b", re.I)


DERIVED_PREFIX = 6  # letters a word family shares at least ("bekymr")


@dataclass
class Hit:
    record: dict
    score: float
    dense: float  # cosine similarity of question and passage


@dataclass
class Term:
    """A content word of a question and the corpus stems that stand for it."""
    word: str
    alts: list[str] = field(default_factory=list)  # corpus stems: its own, lemma, parts, synonyms
    status: str = "known"  # known | ordinary | specific (see Vocabulary.status)
    weight: float = 0.0  # idf
    compound: bool = False  # the corpus lacks the word itself: all its parts (alts) must be there
    capitalised: bool = False
    share: float = 1.0  # of a compound: the share of its parts that the corpus has
    parts: list[str] = field(default_factory=list)  # a known compound's part stems: also found written apart ("pakke-modeller")
    rare: bool = False  # a word the corpus lacks that wordfreq finds rare, dictionary word or not ("aflastning")

    @property
    def value(self) -> float:
        return self.weight * self.share

    def covered_by(self, found: set[str]) -> bool:
        if self.compound:
            return bool(self.alts) and all(a in found for a in self.alts)
        return any(a in found for a in self.alts) or (bool(self.parts) and all(p in found for p in self.parts))


HEAD_MIN = 5  # letters of a compound's head that stands for the compound ("aftal" in "rammeaftal")
# prefixes that make another word, not a compound ("samarbejde" is no "arbejde")
PREFIXES = frozenset("sam til for mod med ind over under gen mis van bort frem".split())


def compound_heads(doc: set[str], vocab: set[str]) -> set[str]:
    """The heads of a passage's compounds that are corpus stems themselves ("aftal" for
    "rammeaftal", "inddrag" for "brugerinddrag"): a question saying "aftalen" for «rammeaftalen»
    asks about what the passage holds."""
    out = set()
    for tok in doc:
        for i in range(3, len(tok) - HEAD_MIN + 1):
            if tok[i:] in vocab and tok[:i] not in PREFIXES:
                out.add(tok[i:])
                break  # the longest head
    return out


def _by_start(words) -> dict[str, list[str]]:
    """Words by first letter: a misspelling rarely changes the first letter, and the fuzzy
    look-up then compares with a few hundred words instead of all."""
    out: dict[str, list[str]] = {}
    for w in sorted(words):
        out.setdefault(w[0], []).append(w)
    return out


def _pairs(key: str):
    words = key.split()
    return zip(words, words[1:])


def places(rec: dict) -> list[dict]:
    """Every place a statement stands: the record itself and its also_in entries."""
    return [rec, *rec.get("also_in", [])]


def linking_s_variants(word: str, shortest: int = 8) -> list[str]:
    """A compound written with or without the joining s inside it ("videndeling" <->
    "vidensdeling", "meningfuld" <-> "meningsfuld"): every form with one inner "s" taken out or put
    in, at least four letters from either end; the caller keeps those the corpus has."""
    if len(word) < shortest:
        return []
    out = [word[:i] + word[i + 1:] for i in range(4, len(word) - 3) if word[i] == "s"]
    out += [word[:i] + "s" + word[i:] for i in range(4, len(word) - 3) if word[i - 1] != "s" and word[i] != "s"]
    return out


def meetings_of(rec: dict) -> set[str]:
    """Meetings a statement belongs to: where it was said or recorded, in any of its places."""
    out = set()
    for p in places(rec):
        out.update(x for x in (p.get("meeting", ""), p.get("recorded_in", "")) if x)
    return out


def voice_meetings(records: list[dict]) -> dict[str, set[str]]:
    """Voice -> the meetings where it has a passage (said there, or recorded there)."""
    key = id(records)
    if _VOICE_MEETINGS.get("key") != key:
        out: dict[str, set[str]] = {}
        for rec in records:
            for p in places(rec):
                out.setdefault(p.get("voice", ""), set()).update(
                    x for x in (p.get("meeting", ""), p.get("recorded_in", "")) if x)
        _VOICE_MEETINGS.update(key=key, value=out)
    return _VOICE_MEETINGS["value"]


_VOICE_MEETINGS: dict = {}


class HybridRetriever(BaseRetriever):
    """One job: the best passages for a question, as llama-index nodes."""

    def __init__(self, index, embedder, dense_k: int = 30, lexical_k: int = 30, knobs: dict | None = None):
        super().__init__()
        self.index = index
        self.embedder = embedder
        self.dense_k = dense_k
        self.lexical_k = lexical_k
        self.knobs = {**DEFAULT_KNOBS, **(knobs or {})}
        vocab = index.bm25.vocab_dict
        self._vocab = set(vocab)
        self._vocab_list = sorted(v for v in vocab if len(v) > 3)
        self._vocab_by_start = _by_start(self._vocab_list)
        self._fuzzy: dict[str, str] = {}  # misspelt word -> closest corpus word ("" for none)
        # heading, text and the organisers' additions shown with it (ingest.index.retrieval_text)
        texts = [" ".join([r.get("heading", ""), r["text"], *(a.get("text", "") for a in r.get("additions") or [])])
                 for r in index.records]
        self.words = Vocabulary(texts)
        _danish_frequencies()  # read once at start, not at the first misspelt word of a question
        self._doc_tokens = [set(tokens(t)) for t in texts]
        if int(self.knobs.get("compound_heads", 0)):
            self._doc_tokens = [doc | compound_heads(doc, self._vocab) for doc in self._doc_tokens]
        # a passage's own words, without its heading: where a place or date has to stand for the
        # passage to say it (a heading "Kick-off møde den 25. november 2016" is over every item)
        self._text_tokens = [set(tokens(r["text"])) for r in index.records]
        self._row = {r["id"]: i for i, r in enumerate(index.records)}
        df: dict[str, int] = {}
        self._docs_of: dict[str, list[int]] = {}
        for i, doc in enumerate(self._doc_tokens):
            for tok in doc:
                df[tok] = df.get(tok, 0) + 1
                self._docs_of.setdefault(tok, []).append(i)
        n = len(self._doc_tokens)
        self._idf = {tok: math.log((n + 1) / (c + 0.5)) for tok, c in df.items()}
        self._idf_unknown = math.log((n + 1) / 0.5)
        self._keys_text = " | ".join(match_key(r["text"]) for r in index.records)
        # word pairs written as one word in questions ("kick off" -> "kickoff", misspelt "kikoff")
        self._joined = _by_start({a + b for r in index.records for a, b in _pairs(match_key(r["text"]))
                                  if min(len(a), len(b)) <= 4 and len(a + b) >= 5})
        manifest = getattr(index, "manifest", None)
        cues = [c for d in getattr(manifest, "voices", {}).values() for c in d.get("cues", [])]
        cues += [c for m in getattr(manifest, "meetings", {}).values() for c in m.cues]
        self._cue_words = {w for c in cues for w in WORD_RE.findall(c.lower())}
        # "den tredje vision": the numbered lists of the passages (assistant/ordinals.py)
        self.numbered = numbered_lists([r.get("text", "") for r in index.records])
        self._terms: dict[str, list[Term]] = {}
        self._neighbours: dict[str, list[str]] = {}
        self._vectors: dict[str, np.ndarray] | None = None  # stored passage vectors, loaded on first need
        self._overviews: dict[str, int] | None = None  # passage id -> meetings whose dates it gives
        self._qvecs: dict[str, np.ndarray] = {}  # query vectors of recent texts
        units = getattr(index, "units", None) or []
        self._unit_row = {u: i for i, u in enumerate(units)}
        self._unit_vectors = getattr(index, "unit_vectors", None)
        if self._unit_vectors is not None:
            norms = np.linalg.norm(self._unit_vectors, axis=1, keepdims=True)
            self._unit_vectors = self._unit_vectors / np.where(norms == 0, 1.0, norms)
        # passage row -> its unit rows: a passage's closest sentence, and the ranking by it
        self._unit_rows = [[self._unit_row[u] for u in statement_units(r["text"]) if u in self._unit_row]
                           for r in index.records] if self._unit_vectors is not None else []
        # the same flat, for one vectorised max per passage: unit rows of the passages that have units
        self._unit_owners = [i for i, rows in enumerate(self._unit_rows) if rows]
        self._unit_flat = np.array([u for i in self._unit_owners for u in self._unit_rows[i]], dtype=np.int64)
        self._unit_starts = np.cumsum([0] + [len(self._unit_rows[i]) for i in self._unit_owners])[:-1]
        # people the passages name (speakers in programmes, signatories), with their workplaces
        own = [r["text"] for r in index.records]
        self.speakers = speakers(own, proper_names(own, self._cue_words))
        # markers of the sections that gave no passage (a slide that was an image): their words
        # are in the material only as a heading
        headings = [p.get("heading", "") for r in index.records for p in places(r)]
        self.empty_headings = list(dict.fromkeys(
            s.marker for f in getattr(getattr(index, "manifest", None), "files", ()) for s in f.sections
            if not s.exclude and not any(h.startswith(s.heading) for h in headings)))

    # -- words -------------------------------------------------------------------------------
    def known_word(self, tok: str) -> bool:
        """Whether the corpus has the (stemmed) word: as it is, misspelt (a close form) or as
        part of a compound ("mentimet" in "mentimetermål")."""
        if tok in self._vocab or self.query_tokens(tok):
            return True
        if len(tok) >= 6 and any(v.startswith(tok) or (len(v) >= 5 and tok.startswith(v))
                                 for v in self._vocab_list):
            return True
        return len(tok) >= 5 and bool(difflib.get_close_matches(tok, self._joined.get(tok[0], ()), n=1, cutoff=0.8))

    def _fix(self, tok: str) -> str:
        """The closest corpus stem of a misspelt stem ("" for none), cached and bounded: a typo,
        a few edits away (lexicon.typo_edits), not merely a similar word."""
        if tok not in self._fuzzy:
            close = difflib.get_close_matches(tok, self._vocab_by_start.get(tok[0], ()), n=3, cutoff=0.8)
            close = [c for c in close if edit_distance(tok, c) <= typo_edits(tok)]
            if len(self._fuzzy) > 50_000:
                self._fuzzy.clear()
            self._fuzzy[tok] = close[0] if close else ""
        return self._fuzzy[tok]

    def _derived(self, tok: str) -> list[str]:
        """Corpus stems of the same word family ("bekymr(ede)" -> "bekymring"): sharing all but
        the last two letters of a long stem, at least DERIVED_PREFIX letters."""
        if len(tok) < DERIVED_PREFIX:
            return []
        head = tok[:max(DERIVED_PREFIX, len(tok) - 2)]
        return [v for v in self._vocab_by_start.get(tok[0], ()) if v.startswith(head) and abs(len(v) - len(tok)) <= 4]

    def terms(self, text: str) -> list[Term]:
        """The question's content words, each with the corpus stems that can stand for it."""
        if text in self._terms:
            return self._terms[text]
        en = is_english(text)
        key, text = text, english_phrases(text) if en else text
        caps = capitalised_words(text)
        stop = _stopwords()
        out: list[Term] = []
        seen: set[str] = set()
        fuzzy_left = int(self.knobs["max_fuzzy_words"])
        for word in WORD_RE.findall(times(text).lower()):
            if word in seen or word in QUESTION_WORDS or word in stop or (en and word in ENGLISH_WORDS):
                continue
            seen.add(word)
            alts: list[str] = []
            halves: list[str] = []  # a known compound's parts, for the word written apart
            status = "known"
            compound = False
            share = 1.0
            if en:
                danish = english(word)
                alts = [stem(d) for d in danish]
                if not danish and word in self._vocab:  # a name or Danish word in an English question
                    alts = [word]
                if not alts:
                    continue  # an English word without a Danish equivalent: matched by meaning only
            else:
                modern = self.modern(word)  # "omraadet" for «området»
                word = modern if modern and self.words.known(modern) else word
                st = stem(word)
                if st in self._vocab:
                    alts.append(st)
                parts = [] if self.words.known(word) else self.words.parts(word)
                share = 1.0
                if parts:
                    compound = True
                    share = len(parts) / len(self.words.split(word))
                    alts.extend(stem(p) for p in parts)
                else:
                    alts.extend(stem(w) for w in self.words.expand(word))
                if not parts and self.words.known(word):
                    halves = [h for h in (stem(p) for p in self.words.halves(word)) if h in self._vocab]
                    halves = halves if len(halves) == 2 else []
                if not alts:
                    alts.extend(self._derived(stem(lemma(word))))
                if not alts:  # "mentimeter" for «Mentimetermåling», "underskud" for «underskudsgarantier»
                    alts.extend(stem(w) for w in self.words.compounds_with(word))
                # a misspelling, not an everyday word the corpus lacks ("ansættes" is no «afsæt»)
                if not alts and len(st) >= 5 and fuzzy_left > 0 and danish_zipf(word) < self.knobs["common_zipf"]:
                    fuzzy_left -= 1
                    fixed = self._fix(st)
                    if fixed:
                        alts.append(fixed)
                status = self.words.status(word, word in caps, self.knobs["common_zipf"])
                if not alts and status != "known" and len(st) >= 4 and self.known_word(st):
                    status = "known"  # a misspelling or a joined word pair the corpus has
                if len(word) < 4 and not alts and not word.isdigit():
                    continue  # short leftovers ("ca", "fx") carry no topic
                # the same compound with or without the joining s ("videndeling" / «vidensdeling»)
                # (a form the corpus writes, not one that only shares a stem: "politiskerne")
                alts.extend(stem(v) for v in linking_s_variants(word) if v in self.words.forms)
            alts = [a for a in dict.fromkeys(alts) if a in self._vocab]
            weight = max((self._idf.get(a, 0.0) for a in alts), default=self._idf_unknown)
            rare = (not en and not alts and status != "known"
                    and self.words.rarity(word, word in caps, self.knobs["common_zipf"], dictionary=False) == "specific"
                    and not self.words.misspelt(word, word in caps, self.knobs["common_zipf"]))
            out.append(Term(word, alts, status, weight, compound, word in caps, share, halves, rare))
        if len(self._terms) > 5000:
            self._terms.clear()
        self._terms[key] = out
        return out

    def fact_tokens(self, query) -> list[tuple[str, set[str], set[str]]]:
        """For "where"/"when" questions about a meeting the question names: the words of its place
        or date in the manifest, which a passage that answers holds, as (meeting, all the words,
        the words of the first part): "Sørup Herregaard, Ringsted" is answered by a passage with
        both parts, or with "Sørup Herregaard" in that meeting's text, not by another meeting
        held in Ringsted."""
        where, when = _WHERE_RE.search(query.text), _WHEN_RE.search(query.text)
        if not (where or when) or not query.meetings:
            return []
        out = []
        for mid in query.meetings:
            m = self.index.manifest.meetings.get(mid)
            if m is None:
                continue
            for fact in ([m.place] if where else []) + ([m.date_label] if when else []):
                parts = [set(tokens(part)) for part in fact.split(",")]
                parts = [p for p in parts if p]
                if parts:
                    out.append((mid, set().union(*parts), parts[0]))
        return out

    def _states_fact(self, facts, rid: str, rec: dict) -> bool:
        doc = self._text_tokens[self._row[rid]]
        return any(whole <= doc or (first <= doc and mid in meetings_of(rec)) for mid, whole, first in facts)

    def query_tokens(self, text: str) -> list[str]:
        """Corpus stems for a text: for a single stem its fuzzy correction, else every stem
        that stands for the text's content words."""
        out = []
        fuzzy_left = int(self.knobs["max_fuzzy_words"]) if not is_english(text) else 0
        for tok in tokens(text):
            if tok in self._vocab:
                out.append(tok)
            elif fuzzy_left and len(tok) > 3:
                fuzzy_left -= 1
                if self._fix(tok):
                    out.append(self._fix(tok))
        return out

    def neighbours(self, st: str, most: int = 3) -> list[str]:
        """Corpus stems that occur in nearly the same passages as st (co-occurring words; a
        weak stand-in for a near-synonym)."""
        if st in self._neighbours:
            return self._neighbours[st]
        docs = set(self._docs_of.get(st, ()))
        out: list[str] = []
        if 2 <= len(docs) <= 40:
            counts: dict[str, int] = {}
            for i in docs:
                for tok in self._doc_tokens[i]:
                    if tok != st:
                        counts[tok] = counts.get(tok, 0) + 1
            scored = []
            for tok, c in counts.items():
                jac = c / (len(docs) + len(self._docs_of[tok]) - c)
                if jac >= 0.5:
                    scored.append((jac, tok))
            out = [t for _, t in sorted(scored, reverse=True)[:most]]
        self._neighbours[st] = out
        return out

    def kinds_holding(self, words: list[str]) -> list[str]:
        """The kinds of the passages whose own text holds every one of the words."""
        stems = [t for w in words for t in tokens(w)]
        return [r.get("kind", "") for r, toks in zip(self.index.records, self._text_tokens)
                if stems and all(s in toks for s in stems)]

    def doc_tokens(self, rec: dict) -> set[str]:
        row = self._row.get(rec.get("id"))
        return self._doc_tokens[row] if row is not None else set(tokens(rec.get("text", "")))

    def coverage(self, terms: list[Term], found: set[str], neighbours: bool = False) -> float:
        """idf-weighted share of the terms that the stems `found` cover (co-occurring
        neighbours count half when asked for)."""
        total = sum(t.weight for t in terms)
        if not total:
            return 0.0
        got = 0.0
        for t in terms:
            if t.covered_by(found):
                got += t.value
            elif neighbours and any(n in found for a in t.alts for n in self.neighbours(a)):
                got += 0.5 * t.value
        return got / total

    @staticmethod
    def _arrangement_of(term: Term, found: set[str]) -> bool:
        """"klyngemodellen" when a best passage speaks of «klynger»: a compound whose head names a
        kind of arrangement (lexicon.toml [compounds]) and whose other parts stand in the passages."""
        head, rest = term.alts[-1:], term.alts[:-1]
        return bool(head and rest) and head[0] in generic_heads() and all(a in found for a in rest)

    def support(self, text: str, hits: list["Hit"], top: int = 3) -> dict:
        """Signals of whether the best passages can answer the question: the best cosine
        similarity; the idf-weighted share of the question's content words found in the top
        passages; the content words the whole corpus lacks, as specific (names, places,
        numbers, rare words: a reason to refuse) or ordinary Danish; numbered things the
        question names ("Bord 2") that no passage names."""
        terms = self.terms(text)
        found = set().union(*(self.doc_tokens(h.record) for h in hits[:top])) if hits else set()
        unnamed = [e for e in numbered_entities(text) if e not in self._keys_text]
        status = {}
        for t in terms:
            status[t.word] = t.status if t.alts else t.status
            if t.compound and not t.covered_by(found) and not self._arrangement_of(t, found):
                # a compound whose parts no top passage holds together ("kommunalvalget"): judged
                # as a word the corpus lacks
                status[t.word] = self.words.rarity(t.word, t.capitalised, self.knobs["compound_zipf"], dictionary=False)
            elif t.alts:
                status[t.word] = "known"
        topic = [t for t in terms if t.word not in self._cue_words]
        return {"dense": max((h.dense for h in hits[:top]), default=0.0),
                "coverage": self.coverage(terms, found),
                # what the question asks about, beyond who and where, is nowhere in the corpus
                "topic_missing": bool(topic) and all(status[t.word] != "known" for t in topic),
                "missing": [w for w, st in status.items() if st == "specific"] + unnamed,
                "ordinary": [w for w, st in status.items() if st == "ordinary"],
                # words the corpus lacks, for recalibration: (word, Zipf frequency, name-like)
                "unknown": [(w, round(danish_zipf(w), 2), any(c.isdigit() for c in w)
                             or w in {t.word for t in terms if t.capitalised})
                            for w, st in status.items() if st != "known"],
                "english": is_english(text), "terms": len(terms)}

    def in_documents_words(self, text: str) -> str:
        """A Danish question with its words that the corpus lacks in every form put in the
        documents' words (their near-synonyms, assistant/lexicon.toml): "hvad sagde de om folk der
        bliver udskrevet fra hospitalet" -> "… fra sygehus"; "" when no word changes."""
        changed, out = False, []
        for m in re.finditer(r"\w+|\W+", text):
            word = m.group(0)
            low = word.lower()
            if word[0].isalpha() and not self.words.known(low):
                alts = [s for s in [self.modern(low)] + synonyms(low) if s and self.words.known(s)]
                if alts:
                    out.append(alts[0])
                    changed = True
                    continue
            out.append(word)
        return "".join(out) if changed else ""

    def modern(self, word: str) -> str:
        """A word the corpus lacks in the spelling with "aa" for «å» ("omraadet" -> «området»);
        "" when it has no "aa" or the corpus has it as written ("Aarhus" stays a name)."""
        return word.replace("aa", "å") if "aa" in word and not self.words.known(word) else ""

    def danish_variant(self, text: str) -> str:
        """An English question in the documents' Danish words ("" for a Danish question or an
        English one with too few known words)."""
        if not is_english(text):
            return ""
        words = []
        for word in WORD_RE.findall(english_phrases(text)):
            danish = english(word)
            if danish:
                words.append(danish[0])
            elif word in self.words.words and word not in ENGLISH_WORDS:
                words.append(word)  # names, numbers, Danish words in an English question
        return " ".join(words) if len(words) >= 2 else ""

    # -- the parts -------------------------------------------------------------------------
    def closest_of(self, text: str, voices: list[str], skip: set[str], n: int) -> list[Hit]:
        """The n passages of the voices (in any of their places) closest in meaning to the text,
        except those in skip: a cheap look among one group's own words (stored vectors only)."""
        ids = [r["id"] for r in self.index.records if r["id"] not in skip
               and {p.get("voice", "") for p in places(r)} & set(voices)]
        sims = self.similarities(self.query_vector(text), ids)
        best = sorted(sims.items(), key=lambda kv: -kv[1])[:n]
        return [Hit(self.index.by_id[rid], sim, sim) for rid, sim in best]

    def similarities(self, vec, ids) -> dict[str, float]:
        """Cosine similarity of the query vector to the stored vectors of the given passages
        (those the dense search did not rank, found by their words alone)."""
        if self._vectors is None:
            self._vectors = {}
            try:
                got = self.index.collection.get(include=["embeddings"])
                for rid, emb in zip(got["ids"], got["embeddings"]):
                    v = np.asarray(emb, dtype=np.float32)
                    self._vectors[rid] = v / (np.linalg.norm(v) or 1.0)
            except Exception as exc:  # no collection handle (a test double) or a server gone
                log.warning("stored vectors not available: %s", exc)
        q = np.asarray(vec, dtype=np.float32)
        q = q / (np.linalg.norm(q) or 1.0)
        # on the scale of the dense search's scores: llama-index's Chroma store reports a cosine
        # distance d as exp(-d)
        return {rid: math.exp(-(1.0 - float(self._vectors[rid] @ q))) for rid in ids if rid in self._vectors}

    def overviews(self) -> dict[str, int]:
        """The passages that give the dates of at least `overview_min_meetings` meetings («Der har
        været afholdt Kick-Off møde … i november 2016, i januar 2017 …»), with how many: the
        process told as a whole."""
        if self._overviews is None:
            labels = {mid: m.date_label for mid, m in self.index.manifest.meetings.items()}
            least = self.knobs.get("overview_min_meetings", 3)
            counts = {r["id"]: len(dates_named(r.get("text", ""), labels)) for r in self.index.records}
            self._overviews = {rid: n for rid, n in counts.items() if n >= least}
        return self._overviews

    def query_vector(self, text: str) -> np.ndarray:
        """The query embedding of a text (the last few are kept: a claim is searched, then checked)."""
        if text not in self._qvecs:
            if len(self._qvecs) > 64:
                self._qvecs.clear()
            v = np.asarray(self.embedder.get_query_embedding(text), dtype=np.float32)
            self._qvecs[text] = v / (np.linalg.norm(v) or 1.0)
        return self._qvecs[text]

    def best_unit(self, text: str, rec: dict) -> tuple[float, str]:
        """The statement unit of a passage (ingest/units.py: a sentence or line) closest in meaning
        to the text, with its cosine similarity; (0.0, "") when the index has no unit vectors."""
        if self._unit_vectors is None:
            return 0.0, ""
        row = self._row.get(rec.get("id", ""))
        rows = self._unit_rows[row] if row is not None else [
            self._unit_row[u] for u in statement_units(rec.get("text", "")) if u in self._unit_row]
        if not rows:
            return 0.0, ""
        sims = self._unit_vectors[rows] @ self.query_vector(text)
        best = int(np.argmax(sims))
        return float(sims[best]), self.index.units[rows[best]]

    def by_unit(self, vec, allowed: set[str] | None) -> list[tuple[str, float]]:
        """Passages ranked by their closest sentence or line to the question (a detail on one
        line of a long slide is found by that line)."""
        if not self._unit_rows or not self.knobs.get("unit_weight", 0):
            return []
        best = np.maximum.reduceat((self._unit_vectors @ vec)[self._unit_flat], self._unit_starts)
        records = self.index.records
        out = []
        for j in np.argsort(-best):
            rid = records[self._unit_owners[j]]["id"]
            if allowed is None or rid in allowed:
                out.append((rid, float(best[j])))
                if len(out) >= self.dense_k:
                    break
        return out

    def dense(self, text: str, allowed: set[str] | None, vec=None) -> list[tuple[str, float]]:
        vec = self.embedder.get_query_embedding(text) if vec is None else vec
        k = self.dense_k if allowed is None else len(self.index.records)
        result = self.index.vector_store.query(VectorStoreQuery(query_embedding=[float(x) for x in vec],
                                                                similarity_top_k=k))
        pairs = zip(result.ids or [], result.similarities or [])
        if allowed is not None:
            pairs = [(rid, s) for rid, s in pairs if rid in allowed][:self.dense_k]
        return list(pairs)

    def lexical(self, qtokens: list[str], allowed: set[str] | None) -> list[tuple[str, float]]:
        if not qtokens:
            return []
        scores = self.index.bm25.get_scores(qtokens)
        order = np.argsort(-scores)
        out = []
        for i in order:
            if scores[i] <= 0 or len(out) >= self.lexical_k:
                break
            rid = self.index.records[i]["id"]
            if allowed is None or rid in allowed:
                out.append((rid, float(scores[i])))
        return out

    # -- the whole -------------------------------------------------------------------------
    def search(self, query: Query, voices: list[str] | None = None,
               meetings: list[str] | None = None) -> list[Hit]:
        k = self.knobs
        allowed = self._allowed(voices, meetings)
        terms = self.terms(query.text)
        # the question's own stems (question words help too: "hvad tid" finds "kl.") and the
        # stems that stand for its content words
        variant = self.danish_variant(query.text)
        qtokens = self.query_tokens(variant) if variant else [] if is_english(query.text) else self.query_tokens(query.text)
        qtokens = list(dict.fromkeys([*qtokens, *(a for t in terms for a in t.alts)]))
        if query.meetings and not _WHERE_RE.search(query.text):
            # "hvem var med til mødet i solrød": the place names the meeting (boosted below); as a
            # word it finds other meetings' "Solrød Kommune"
            venue = {t for mid in query.meetings if mid in self.index.manifest.meetings
                     for t in tokens(self.index.manifest.meetings[mid].place)}
            qtokens = [t for t in qtokens if t not in venue] or qtokens
        vec = self.query_vector(query.text)
        dense = self.dense(query.text, allowed, vec)
        lexical = self.lexical(qtokens, allowed)
        rankings = [(dense, 1.0), (lexical, k["lexical_weight"]), (self.by_unit(vec, allowed), k.get("unit_weight", 0))]
        facts = self.fact_tokens(query)
        if facts:  # passages holding the named meeting's place or date: candidates whatever their wording
            holding = [rid for rid in self.index.by_id if (allowed is None or rid in allowed)
                       and self._states_fact(facts, rid, self.index.by_id[rid])]
            sims_f = self.similarities(vec, holding)
            rankings.append((sorted(sims_f.items(), key=lambda x: -x[1]), 1.0))
        overviews = self.overviews() if query.overview and k.get("overview_boost", 0) else {}
        if overviews:  # the passages that tell the process by its meetings' dates: candidates too
            held = [rid for rid in overviews if allowed is None or rid in allowed]
            rankings.append((sorted(self.similarities(vec, held).items(), key=lambda x: -x[1]), 1.0))
        if variant:  # an English question also searched as its Danish words
            variant_dense = self.dense(variant, allowed)
            rankings.append((variant_dense, k["variant_weight"]))
            dense = {**dict(variant_dense), **{r: s for r, s in dense}}.items()
        worded = "" if variant or is_english(query.text) else self.in_documents_words(query.text)
        best = max((sim for _, sim in dense), default=0.0)
        if worded and k.get("worded_weight", 0) and best < k.get("worded_below", 2.0):  # also searched in the documents' own words (by the
            # stored vectors: a second store query would add its cost to the second embedding's)
            ids = [r["id"] for r in self.index.records if allowed is None or r["id"] in allowed]
            ranked = sorted(self.similarities(self.query_vector(worded), ids).items(), key=lambda x: -x[1])
            rankings.append((ranked[:self.dense_k], k["worded_weight"]))
        fused: dict[str, float] = {}
        for ranking, weight in rankings:
            for rank, (rid, _) in enumerate(ranking):
                fused[rid] = fused.get(rid, 0.0) + weight / (k["rrf_k"] + rank + 1)
        sims = dict(dense)
        sims.update(self.similarities(vec, [rid for rid in fused if rid not in sims]))
        total = sum(t.weight for t in terms if t.alts)
        # "Bord 2", "udfordring 2" (also "den anden udfordring", assistant/ordinals.py): the passage
        # that names the numbered thing states a fact the question asks about
        named = [re.compile(rf"\b{re.escape(e)}(?!\d)", re.I) for e in numbered_entities(query.text)]
        counted = self._counted_patterns(query.text, terms) if k.get("count_boost", 0) else []
        hits = []
        for rid, score in fused.items():
            rec = self.index.by_id.get(rid)
            if rec is None:
                continue
            if (facts and self._states_fact(facts, rid, rec)) or any(p.search(rec.get("text", "")) for p in named):
                score *= 1 + k["fact_boost"]
            if counted and any(p.search(rec.get("text", "")) for p in counted):  # "Samarbejdsmodeller (8)"
                score *= 1 + k["count_boost"]
            rec_voices = {p.get("voice", "") for p in places(rec)}
            # "hvor holdt politikerne deres temamøde?": the group names the meeting; its place or
            # date stands in the organisers' programme, not in what the group said
            if query.voices and not facts and rec_voices & set(query.voices):
                score *= 1 + (k["voice_boost"] if query.voice_boost is None else query.voice_boost)
            if query.meetings and meetings_of(rec) & set(query.meetings):
                score *= 1 + k["meeting_boost"]
            if rid in overviews:
                score *= 1 + k["overview_boost"]
            if query.results and planned(rec.get("kind", ""), rec.get("heading", "")):  # what was planned, not what came out
                score *= k.get("result_programme_factor", 1.0)
            elif query.results and summary_heading(rec.get("heading", "")):  # the write-up of what came out
                score *= 1 + k.get("result_summary_boost", 0.0)
            if total:
                doc = self._doc_tokens[self._row[rid]]
                share = sum(t.weight for t in terms if t.alts and t.covered_by(doc)) / total
                score *= 1 + k["coverage_boost"] * share
            hits.append(Hit(rec, score, float(sims.get(rid, 0.0))))
        hits.sort(key=lambda h: -h.score)
        return hits

    @staticmethod
    def _counted_patterns(text: str, terms) -> list[re.Pattern]:
        """For "hvor mange …?": a number right beside one of the question's content words
        («Samarbejdsmodeller (8)», «ca. 26 deltagere», «de 31 målgrupper»), by the word's stem."""
        if not any(t.id == "quantity" for t in expected(text)):
            return []
        out = []
        for t in terms:
            for stem in dict.fromkeys(a for a in t.alts if len(a) >= 4):
                key = re.escape(stem)
                out.append(re.compile(rf"\b{key}\w*\s*\(\d+\)|\b\d+\s+{key}\w*", re.I))
        return out

    def _allowed(self, voices, meetings) -> set[str] | None:
        """The passages the user's filters let through: the chosen voices; a meeting matches
        where a statement was said or recorded, in any of its places."""
        if not voices and not meetings:
            return None
        return {r["id"] for r in self.index.records
                if (not voices or r.get("voice") in voices)
                and (not meetings or meetings_of(r) & set(meetings))}

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        hits = self.search(Query(text=query_bundle.query_str))
        return [NodeWithScore(node=TextNode(id_=h.record["id"], text=h.record["text"],
                                            metadata={k: h.record.get(k, "") for k in ("file", "voice", "meeting")}),
                              score=h.score) for h in hits]
