"""Danish tokens for the lexical index (bm25s + Snowball stemmer + Danish stopwords)."""
from __future__ import annotations

import re
from functools import lru_cache

_WORD_RE = re.compile(r"[0-9a-zæøåéü]+")
# a time of day ("9.30", "09:30", "kl. 14.15"): one token, so that "kl 9.30" finds "09.30 Velkommen"
# and not "Bord 9"
_TIME_RE = re.compile(r"(?<![\d.,:])([01]?\d|2[0-3])[.:]([0-5]\d)(?![\d.,:]?\d)")


def times(text: str) -> str:
    """Text with each time of day written as one word: "9.30" -> "kl0930"."""
    return _TIME_RE.sub(lambda m: f"kl{int(m.group(1)):02d}{m.group(2)}", text)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer
    return Stemmer.Stemmer("danish")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from stop_words import get_stop_words
    return frozenset(get_stop_words("danish"))


def tokens(text: str) -> list[str]:
    """Stemmed content words of text."""
    words = [w for w in _WORD_RE.findall(times(text).lower()) if w not in _stopwords()]
    return _stemmer().stemWords(words)


def build_bm25(docs: list[str]):
    import logging

    import bm25s
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    model = bm25s.BM25()
    model.index([tokens(d) or ["_"] for d in docs], show_progress=False)
    return model
