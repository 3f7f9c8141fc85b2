"""Writes the index: passages, vectors in Chroma, the lexical index. The only ingest module
that touches disk. A new index is built in a fresh folder and swapped in (an atomic symlink
replace) only when complete, so a failed or killed ingest leaves the previous index answering."""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable

from .lexical import build_bm25
from .manifest import Manifest, ManifestError, load_manifest
from .passages import Passage, heading_like
from .pipeline import build_passages

log = logging.getLogger("rammeaftale.ingest")
Progress = Callable[[str, int, int], None]  # (stage, done, total)

COMPLETE_MARK = "meta.json"
# the ingest code that decides what a passage is: an index built by other code is rebuilt
_PIPELINE_MODULES = ("clean", "sentences", "sections", "passages", "dedup", "pipeline", "manifest", "index", "lexical", "units")


def _pipeline_version() -> str:
    h = hashlib.sha1()
    for name in _PIPELINE_MODULES:
        path = Path(__file__).with_name(f"{name}.py")
        if path.exists():
            h.update(path.read_bytes())
    return h.hexdigest()[:12]


INDEX_FORMAT = _pipeline_version()


def passage_id(p: Passage) -> str:
    return hashlib.sha1(f"{p.file}:{p.line_start}:{p.col_start}:{p.line_end}:{p.text}".encode()).hexdigest()[:16]


def retrieval_text(p: Passage, manifest: Manifest) -> str:
    """What is embedded and indexed: who speaks and the heading as context, then the passage's
    own text (quoted alone), the organisers' additions in parentheses after it (shown with it as
    theirs: «Større videndeling mellem kommuner.» is explained by «(… både være fagligt eller i
    forhold til arbejdstilrettelæggelse mv.)», which a question may ask about) and its other titles."""
    voice = manifest.voices.get(p.voice, {}).get("label", "")
    added = "".join(f" ({a['text']})" for a in p.additions if a.get("text"))
    return f"{voice}. {p.heading}: {p.text}{added}" + "".join(f" ({a})" for a in aliases(p))


def aliases(p: Passage) -> list[str]:
    """Other titles of the same statement or list where it was recorded elsewhere ("Bord 3:
    Prioriterede fokuspunkter" for the list first recorded as "Gruppe 3")."""
    own = p.text.split("\n")[0]
    out: list[str] = []
    for place in p.also_in:
        first = place["text"].split("\n")[0]
        if first != own and heading_like(first) and first not in out:
            out.append(first)
    return out


def read_corpus(corpus_dir: Path, manifest: Manifest) -> dict[str, str]:
    texts = {}
    for entry in manifest.files:
        path = Path(corpus_dir) / entry.name
        if not path.is_file():
            raise ManifestError(f"{entry.name}: file named in the manifest is missing from {corpus_dir}")
        texts[entry.name] = path.read_text(encoding="utf-8")
    return texts


def corpus_fingerprint(corpus_dir: Path, manifest: Manifest) -> str:
    h = hashlib.sha1((Path(corpus_dir) / "manifest.toml").read_bytes())
    for entry in manifest.files:
        h.update((Path(corpus_dir) / entry.name).read_bytes())
    return h.hexdigest()[:16]


def chroma_client(chroma_url: str, folder: Path):
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    opts = ChromaSettings(anonymized_telemetry=False)
    if chroma_url:
        from urllib.parse import urlparse
        url = urlparse(chroma_url)
        return chromadb.HttpClient(host=url.hostname, port=url.port or 8000,
                                   ssl=url.scheme == "https", settings=opts)
    return chromadb.PersistentClient(path=str(folder / "chroma"), settings=opts)


def is_stale(folder: Path, corpus_dir: Path) -> bool:
    """Whether the index in folder was built from another corpus or manifest, or by older
    ingest code. A corpus that cannot be read now (a broken manifest) does not make it stale:
    the index keeps answering until a build succeeds."""
    try:
        meta = json.loads((Path(folder) / COMPLETE_MARK).read_text(encoding="utf-8"))
        if not isinstance(meta, dict) or "collection" not in meta or "corpus" not in meta:
            return False  # a damaged index, not an old one: opening it gives the clear message
        manifest = load_manifest(corpus_dir)
        return (meta.get("format") != INDEX_FORMAT
                or meta.get("corpus") != corpus_fingerprint(corpus_dir, manifest))
    except (OSError, ValueError, ManifestError):
        return False


def current_index(data_dir: Path) -> Path | None:
    link = Path(data_dir) / "index"
    if link.exists() and (link / COMPLETE_MARK).exists():
        return link.resolve()
    return None


def build_index(settings, progress: Progress | None = None,
                check: Callable[[list[Passage]], None] | None = None) -> Path:
    """Builds a complete index and swaps it in. Returns the new index folder. `check` sees the
    passages before anything is written and may raise to stop the build (adding a document)."""
    from llama_index.core.schema import TextNode
    from llama_index.vector_stores.chroma import ChromaVectorStore

    import numpy as np

    from .embed import embed_cached, make_embedder
    from .units import statement_units

    say = progress or (lambda stage, done, total: None)
    started = time.time()
    manifest = load_manifest(settings.corpus_dir)  # errors raise before anything is written
    texts = read_corpus(settings.corpus_dir, manifest)
    passages = build_passages(manifest, texts)
    if check:
        check(passages)
    say("passager", len(passages), len(passages))

    data_dir = Path(settings.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale_builds(data_dir)
    # unique even for two builds in one second in one process: chromadb keeps one client per
    # path and process, so a reused folder name would meet the client of the deleted folder
    build_id = time.strftime("%Y%m%d%H%M%S") + f"{os.getpid() % 10000:04d}" + os.urandom(3).hex()
    folder = data_dir / f"index-{build_id}"
    folder.mkdir()

    records = []
    for p in passages:
        rec = asdict(p)
        rec["id"] = passage_id(p)
        records.append(rec)
    (folder / "passages.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")

    embedder = make_embedder(settings.embedder)
    docs = [retrieval_text(p, manifest) for p in passages]
    done = 0

    def tick(n, total):
        """Progress of the embedding: only passages not in the vector cache are embedded."""
        nonlocal done
        done += n
        say("indlejring", done, total)

    # the sentences and lines of every passage are embedded on their own too (one pass over the
    # vector cache): what a claim is checked against ("står det nogen steder, at …")
    units = sorted({u for rec in records for u in statement_units(rec["text"])})
    embedded = embed_cached(embedder, docs + units, settings.vector_cache, progress=tick)
    vectors, unit_vectors = embedded[:len(docs)], embedded[len(docs):]

    collection_name = f"rammeaftale_{build_id}"
    client = chroma_client(settings.chroma_url, folder)
    collection = client.get_or_create_collection(collection_name, metadata={"hnsw:space": "cosine", "hnsw:construction_ef": 200, "hnsw:search_ef": 200})
    store = ChromaVectorStore(chroma_collection=collection)
    nodes = [
        TextNode(id_=rec["id"], text=doc, embedding=vec.tolist(),
                 metadata={"file": rec["file"], "voice": rec["voice"], "meeting": rec["meeting"],
                           "recorded_in": rec["recorded_in"], "kind": rec["kind"]})
        for rec, doc, vec in zip(records, docs, vectors)
    ]
    for start in range(0, len(nodes), 500):
        store.add(nodes[start:start + 500])
    say("chroma", len(nodes), len(nodes))

    bm25 = build_bm25(docs)
    bm25.save(str(folder / "bm25"))

    (folder / "units.json").write_text(json.dumps(units, ensure_ascii=False), encoding="utf-8")
    np.save(folder / "units.npy", unit_vectors.astype(np.float32))
    say("udsagn", len(units), len(units))

    meta = {
        "build_id": build_id, "collection": collection_name, "chroma_url": settings.chroma_url,
        "embedder": embedder.model_name, "dim": int(vectors.shape[1]), "passages": len(records),
        "places": sum(1 + len(r["also_in"]) for r in records),
        "groups_with_duplicates": sum(1 for r in records if r["also_in"]),
        "corpus": corpus_fingerprint(settings.corpus_dir, manifest), "format": INDEX_FORMAT,
        "seconds": round(time.time() - started, 2),
    }
    (folder / COMPLETE_MARK).write_text(json.dumps(meta, indent=1), encoding="utf-8")
    old = current_index(data_dir)
    _swap(data_dir / "index", folder)
    if old and old != folder:
        _drop(old, settings.chroma_url)
    log.info("index %s built: %d passages in %.1fs", build_id, len(records), meta["seconds"])
    return folder


def _swap(link: Path, target: Path) -> None:
    tmp = link.with_name(f".index-link-{os.getpid()}")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(target.name)
    os.replace(tmp, link)


def _drop(folder: Path, chroma_url: str) -> None:
    try:
        meta = json.loads((folder / COMPLETE_MARK).read_text(encoding="utf-8"))
        if chroma_url and meta.get("chroma_url") == chroma_url:
            chroma_client(chroma_url, folder).delete_collection(meta["collection"])
    except Exception as exc:  # an old index that cannot be dropped is only wasted space
        log.warning("could not drop old collection of %s: %s", folder, exc)
    shutil.rmtree(folder, ignore_errors=True)


def _remove_stale_builds(data_dir: Path) -> None:
    """Folders of builds that never completed (killed ingests)."""
    current = current_index(data_dir)
    for folder in data_dir.glob("index-*"):
        if folder.is_dir() and folder != current and not (folder / COMPLETE_MARK).exists():
            shutil.rmtree(folder, ignore_errors=True)
