"""Shared fixtures: one real index, built once per test session from the real corpus."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> Path:
    """Vector cache shared by every index the tests build (the first build pays the embedding).
    A developer's own cache in data/vector_cache seeds it, so local runs are quick."""
    path = tmp_path_factory.mktemp("vector_cache")
    own = REPO / "data" / "vector_cache"
    if own.is_dir():
        for f in own.glob("*.npz"):
            shutil.copy(f, path / f.name)
    return path


@pytest.fixture(scope="session")
def settings_factory(cache_dir, tmp_path_factory):
    from assistant.config import Settings

    def make(**overrides) -> Settings:
        data_dir = overrides.pop("data_dir", None) or tmp_path_factory.mktemp("data")
        overrides.setdefault("cache_dir", str(cache_dir))
        return Settings(data_dir=Path(data_dir), corpus_dir=overrides.pop("corpus_dir", CORPUS), **overrides)
    return make


@pytest.fixture(scope="session")
def settings(settings_factory):
    """Settings of the session's index (built on first use)."""
    return settings_factory()


@pytest.fixture(scope="session")
def built_index(settings) -> Path:
    from ingest.index import build_index
    return build_index(settings)


@pytest.fixture(scope="session")
def assistant(settings, built_index):
    from assistant import Assistant
    return Assistant(settings, build_if_missing=False)


@pytest.fixture(scope="session")
def records(built_index) -> list[dict]:
    import json
    return json.loads((built_index / "passages.json").read_text(encoding="utf-8"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    """A real `chroma run` server on a free local port, stopped after the test."""
    port = free_port()
    chroma = Path(sys.executable).parent / "chroma"
    proc = subprocess.Popen([str(chroma), "run", "--path", str(tmp_path / "chroma"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import chromadb
    deadline = time.time() + 60
    while True:
        try:
            chromadb.HttpClient(host="127.0.0.1", port=port).heartbeat()
            break
        except Exception:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("chroma server did not start")
            time.sleep(0.5)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def serve_page(env: dict, log_path: Path, timeout_s: float = 240):
    """Starts `rammeaftale serve` in a subprocess with env on a free port and waits until the page
    answers. Returns (process, url); stop it with stop_page."""
    import urllib.request
    port = free_port()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "serve", "--port", str(port)],
                                cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + timeout_s
    while True:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}:\n{log_path.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            pass
        if time.time() > deadline:
            proc.kill()
            pytest.fail(f"server did not answer:\n{log_path.read_text(errors='replace')[-3000:]}")
        time.sleep(0.5)


def stop_page(proc) -> None:
    import signal
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
