"""Hybrid retrieval: dense (Chroma) + lexical (bm25s), fused by reciprocal rank, with voice
and meeting cues as a boost (not a filter), and user-chosen filters as a filter."""
from __future__ import annotations

import difflib
import math
from dataclasses import dataclass

import numpy as np
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode
from llama_index.core.vector_stores.types import (FilterOperator, MetadataFilter, MetadataFilters,
                                                  VectorStoreQuery)

from ingest.clean import match_key
from ingest.lexical import tokens

from .query import Query, content_tokens, content_words, is_english, numbered_entities

RRF_K = 60
VOICE_BOOST = 0.3  # fused score x (1 + boost) when the passage has a voice the question names
MEETING_BOOST = 0.35
COVERAGE_BOOST = 2.0  # fused score x (1 + boost x idf-weighted share of the question's words in the passage)
MAX_FUZZY_WORDS = 12  # unknown words per question looked up fuzzily (bounds the cost of junk input)
LEXICAL_WEIGHT = 1.0  # weight of the lexical ranking in the fusion (dense has 1.0)


@dataclass
class Hit:
    record: dict
    score: float
    dense: float  # cosine similarity of question and passage


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


class HybridRetriever(BaseRetriever):
    """One job: the best passages for a question, as llama-index nodes."""

    def __init__(self, index, embedder, dense_k: int = 30, lexical_k: int = 30):
        super().__init__()
        self.index = index
        self.embedder = embedder
        self.dense_k = dense_k
        self.lexical_k = lexical_k
        vocab = index.bm25.vocab_dict
        self._vocab = set(vocab)
        self._vocab_list = sorted(v for v in vocab if len(v) > 3)
        self._vocab_by_start = _by_start(self._vocab_list)
        self._fuzzy: dict[str, str] = {}  # misspelt word -> closest corpus word ("" for none)
        self._doc_tokens = [set(tokens(f"{r['heading']} {r['text']}")) for r in index.records]
        self._row = {r["id"]: i for i, r in enumerate(index.records)}
        df: dict[str, int] = {}
        for doc in self._doc_tokens:
            for tok in doc:
                df[tok] = df.get(tok, 0) + 1
        n = len(self._doc_tokens)
        self._idf = {tok: math.log((n + 1) / (c + 0.5)) for tok, c in df.items()}
        self._idf_unknown = math.log((n + 1) / 0.5)
        self._keys_text = " | ".join(match_key(r["text"]) for r in index.records)
        # word pairs written as one word in questions ("kick off" -> "kickoff", misspelt "kikoff")
        self._joined = _by_start({a + b for r in index.records for a, b in _pairs(match_key(r["text"]))
                                  if min(len(a), len(b)) <= 4 and len(a + b) >= 5})

    def known_word(self, tok: str) -> bool:
        """Whether the corpus has the word: as it is, misspelt (a close form) or as part of a
        compound ("mentimet" in "mentimetermål")."""
        if tok in self._vocab or self.query_tokens(tok):
            return True
        if len(tok) >= 6 and any(v.startswith(tok) or (len(v) >= 5 and tok.startswith(v))
                                 for v in self._vocab_list):
            return True
        return len(tok) >= 5 and bool(difflib.get_close_matches(tok, self._joined.get(tok[0], ()), n=1, cutoff=0.8))

    def support(self, text: str, hits: list["Hit"], top: int = 3) -> dict:
        """Signals of whether the best passages can answer the question: the best cosine
        similarity; the idf-weighted share of the question's content words found in the top
        passages; the content words the whole corpus lacks; numbered things the question names
        ("Bord 2") that no passage names."""
        english = is_english(text)
        words, missing = set(), []
        for tok in content_tokens(text):
            if tok in self._vocab:
                words.add(tok)
            else:
                fixed = self.query_tokens(tok)
                words.add(fixed[0] if fixed else tok)
                if not english and len(tok) >= 4 and not self.known_word(tok):
                    missing.append(tok)
        found = set().union(*(self._doc_tokens[self._row[h.record["id"]]] for h in hits[:top])) if hits else set()
        total = sum(self._idf.get(w, self._idf_unknown) for w in words)
        covered = sum(self._idf.get(w, self._idf_unknown) for w in words if w in found)
        unnamed = [e for e in numbered_entities(text) if e not in self._keys_text]
        return {"dense": max((h.dense for h in hits), default=0.0),
                "coverage": covered / total if total else 0.0,
                "missing": missing + unnamed, "english": english}

    # -- the parts -------------------------------------------------------------------------
    def query_tokens(self, text: str) -> list[str]:
        """Stemmed question words; a misspelt word not in the corpus takes its closest form
        (not in an English question, whose words would be "corrected" into Danish ones)."""
        out = []
        fuzzy_left = MAX_FUZZY_WORDS if not is_english(text) else 0
        for tok in tokens(text):
            if tok in self._vocab:
                out.append(tok)
            elif fuzzy_left and len(tok) > 3:
                fuzzy_left -= 1
                if tok not in self._fuzzy:
                    close = difflib.get_close_matches(tok, self._vocab_by_start.get(tok[0], ()), n=1, cutoff=0.8)
                    if len(self._fuzzy) > 50_000:
                        self._fuzzy.clear()
                    self._fuzzy[tok] = close[0] if close else ""
                if self._fuzzy[tok]:
                    out.append(self._fuzzy[tok])
        return out

    def dense(self, text: str, filters: MetadataFilters | None) -> list[tuple[str, float]]:
        vec = self.embedder.get_query_embedding(text)
        result = self.index.vector_store.query(VectorStoreQuery(
            query_embedding=vec, similarity_top_k=self.dense_k, filters=filters))
        return list(zip(result.ids or [], result.similarities or []))

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
        filters, allowed = self._filters(voices, meetings)
        # an English question is matched by meaning only: its words would only meet Danish
        # words by accident in the lexical index
        english = is_english(query.text)
        qtokens = [] if english else self.query_tokens(query.text)
        dense = self.dense(query.text, filters)
        lexical = self.lexical(qtokens, allowed)
        fused: dict[str, float] = {}
        for ranking, weight in ((dense, 1.0), (lexical, LEXICAL_WEIGHT)):
            for rank, (rid, _) in enumerate(ranking):
                fused[rid] = fused.get(rid, 0.0) + weight / (RRF_K + rank + 1)
        sims = dict(dense)
        qidf = {} if english else {t: self._idf.get(t, self._idf_unknown) for t in set(self.query_tokens(
            " ".join(content_words(query.text))))}
        hits = []
        for rid, score in fused.items():
            rec = self.index.by_id.get(rid)
            if rec is None:
                continue
            rec_voices = {rec["voice"], *(p["voice"] for p in rec["also_in"])}
            rec_meetings = {rec["meeting"], *(p["meeting"] for p in rec["also_in"])}
            if query.voices and rec_voices & set(query.voices):
                score *= 1 + VOICE_BOOST
            if query.meetings and rec_meetings & set(query.meetings):
                score *= 1 + MEETING_BOOST
            doc = self._doc_tokens[self._row[rid]]
            if qidf:
                score *= 1 + COVERAGE_BOOST * sum(w for t, w in qidf.items() if t in doc) / sum(qidf.values())
            hits.append(Hit(rec, score, float(sims.get(rid, 0.0))))
        hits.sort(key=lambda h: -h.score)
        return hits

    def _filters(self, voices, meetings):
        if not voices and not meetings:
            return None, None
        parts = []
        if voices:
            parts.append(MetadataFilter(key="voice", value=list(voices), operator=FilterOperator.IN))
        if meetings:
            parts.append(MetadataFilter(key="meeting", value=list(meetings), operator=FilterOperator.IN))
        allowed = {r["id"] for r in self.index.records
                   if (not voices or r["voice"] in voices) and (not meetings or r["meeting"] in meetings)}
        return MetadataFilters(filters=parts), allowed

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        hits = self.search(Query(text=query_bundle.query_str))
        return [NodeWithScore(node=TextNode(id_=h.record["id"], text=h.record["text"],
                                            metadata={k: h.record[k] for k in ("file", "voice", "meeting")}),
                              score=h.score) for h in hits]
