"""Opens the index (building it when there is none) and holds what answering needs."""
from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.index import COMPLETE_MARK, build_index, chroma_client, current_index, is_stale
from ingest.manifest import Manifest, load_manifest

log = logging.getLogger("rammeaftale.store")
_build_lock = threading.Lock()


class IndexUnavailable(RuntimeError):
    """The index cannot be opened or queried (missing, damaged, Chroma server down)."""


@dataclass
class Index:
    folder: Path
    meta: dict
    records: list[dict]
    manifest: Manifest
    bm25: Any
    vector_store: Any
    by_id: dict[str, dict] = field(default_factory=dict)
    collection: Any = None  # the Chroma collection behind vector_store (its stored vectors)
    units: list[str] = field(default_factory=list)  # statement units (ingest/units.py) …
    unit_vectors: Any = None  # … and their vectors, one row each

    def __post_init__(self):
        self.by_id = {r["id"]: r for r in self.records}
        self._in_file: dict[str, list[dict]] = {}
        for r in sorted(self.records, key=lambda r: r["line_start"]):
            self._in_file.setdefault(r["file"], []).append(r)

    def following(self, rec: dict, limit: int = 6, max_gap: int = 8) -> list[dict]:
        """The passages that continue rec in its file (the items of a list that rec introduces)."""
        out, end = [], rec["line_end"]
        for r in self._in_file.get(rec["file"], []):
            if r["line_start"] <= rec["line_start"]:
                continue
            if r["line_start"] - end > max_gap or r["meeting"] != rec["meeting"] or len(out) >= limit:
                break
            out.append(r)
            end = r["line_end"]
        return out


def open_index(settings, build_if_missing: bool = True, progress=None) -> Index:
    folder = current_index(settings.data_dir)
    if folder is not None and build_if_missing and is_stale(folder, settings.corpus_dir):
        with _build_lock:
            if is_stale(folder, settings.corpus_dir):
                log.warning("the index in %s was built from another corpus or older ingest code: rebuilding",
                            settings.data_dir)
                try:
                    folder = build_index(settings, progress=progress)
                except Exception as exc:  # the old index keeps answering
                    log.error("rebuilding the index failed, the old one stays in use: %s", exc)
    if folder is None:
        if not build_if_missing:
            raise IndexUnavailable("no index: run `rammeaftale ingest`")
        with _build_lock:
            folder = current_index(settings.data_dir)
            if folder is None:
                log.info("no index found in %s: building it", settings.data_dir)
                folder = build_index(settings, progress=progress)
    return load_index(folder, settings)


def load_index(folder: Path, settings) -> Index:
    import bm25s
    from llama_index.vector_stores.chroma import ChromaVectorStore

    try:
        meta = json.loads((folder / COMPLETE_MARK).read_text(encoding="utf-8"))
        records = json.loads((folder / "passages.json").read_text(encoding="utf-8"))
        bm25 = bm25s.BM25.load(str(folder / "bm25"))
        client = chroma_client(meta.get("chroma_url", ""), folder)
        collection = client.get_collection(meta["collection"])
    except Exception as exc:
        raise IndexUnavailable(f"index at {folder} cannot be opened: {exc}") from exc
    units, unit_vectors = _units(folder)
    return Index(folder, meta, records, load_manifest(settings.corpus_dir), bm25,
                 ChromaVectorStore(chroma_collection=collection), collection=collection,
                 units=units, unit_vectors=unit_vectors)


def _units(folder: Path) -> tuple[list[str], Any]:
    """The statement units and their vectors; none from a damaged file (claims are then checked
    by their words alone)."""
    import numpy as np
    try:
        units = json.loads((folder / "units.json").read_text(encoding="utf-8"))
        vectors = np.load(folder / "units.npy")
        if isinstance(units, list) and len(units) == len(vectors):
            return units, vectors
        log.warning("statement units of %s do not match their vectors: not used", folder)
    except (OSError, ValueError) as exc:
        log.warning("statement units of %s not readable: %s", folder, exc)
    return [], None
