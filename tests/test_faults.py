"""Faults while serving: the index removed or damaged, the Chroma server gone, the feedback
file unwritable. Each test builds its own index in a fresh data folder (the session's index is
untouched); the vector cache makes that a few seconds.

What is expected: a clear Danish message instead of a crash (refused, error
"index_unavailable"), later questions get the same message quickly (no crash loop, no
rebuild-on-every-question), `rammeaftale ingest --rebuild` restores the index, and the same
Assistant object and the same running page answer again without a restart."""
from __future__ import annotations

import inspect
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.core import MSG_UNAVAILABLE
from assistant.ui import named

from .conftest import REPO, free_port

QUESTION = "hvad sagde brugerne om overgange?"
QUICK_S = 5.0  # a question against a broken index is answered within this (no long retries)


def _ingest_rebuild(settings) -> subprocess.CompletedProcess:
    env = {**os.environ, "RAMMEAFTALE_DATA_DIR": str(settings.data_dir),
           "RAMMEAFTALE_CACHE_DIR": str(settings.cache_dir), "HF_HUB_OFFLINE": "1"}
    if settings.chroma_url:
        env["RAMMEAFTALE_CHROMA_URL"] = settings.chroma_url
    proc = subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", "--rebuild"], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    return proc


def _cli_ask(settings) -> dict:
    env = {**os.environ, "RAMMEAFTALE_DATA_DIR": str(settings.data_dir),
           "RAMMEAFTALE_CACHE_DIR": str(settings.cache_dir), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, "-m", "assistant.cli", "ask", QUESTION, "--json"], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def _unavailable(result: dict):
    assert result["refused"] is True and result["error"] == "index_unavailable", result
    assert result["answer"] == MSG_UNAVAILABLE and result["citations"] == []
    json.dumps(result, ensure_ascii=False).encode("utf-8")


def _answers(result: dict):
    assert result["refused"] is False and result["citations"] and "error" not in result, result


def _page(assistant):
    """The page for this assistant, served in this process, and a client for it."""
    from gradio_client import Client

    from eval.load import serve_in_process
    demo, url = serve_in_process(assistant)
    return demo, Client(url, verbose=False, analytics_enabled=False)


def _last(fn):
    """A page handler as a plain function: the chat streams drafts (with an LLM), then the answer."""
    def call(*args):
        out = fn(*args)
        if inspect.isgenerator(out):
            *_, out = out
        return out
    return call


def _chat(demo, question: str):
    """The page's own chat handler: what the user sees in the chat and the sources panel."""
    respond = _last(next(f.fn for f in demo.fns.values() if f.name == "respond"))
    out = named(demo, respond(question, None, [], []))
    return out["chatbot"][-1]["content"], out["cards"]


def _quick_messages(ask, n: int = 3):
    for _ in range(n):
        started = time.perf_counter()
        _unavailable(ask())
        assert time.perf_counter() - started < QUICK_S


@pytest.fixture
def own_index(settings_factory, tmp_path):
    from ingest.index import build_index
    settings = settings_factory(data_dir=tmp_path / "data")
    build_index(settings)
    return settings


def test_index_folder_removed_while_serving(own_index):
    from assistant import Assistant
    settings = own_index
    assistant = Assistant(settings, build_if_missing=False)
    demo, client = _page(assistant)
    try:
        _answers(client.predict(question=QUESTION, api_name="/ask"))
        shutil.rmtree((settings.data_dir / "index").resolve())  # the link now points nowhere

        _quick_messages(lambda: assistant.ask(QUESTION))
        _quick_messages(lambda: client.predict(question=QUESTION, api_name="/ask"))
        chat, cards = _chat(demo, QUESTION)
        assert "Søgeindekset er ikke tilgængeligt" in chat and "ingest --rebuild" in chat
        assert "ra-card" not in cards
        assert demo.rammeaftale_status.state == "failed"  # a page loaded now says so at the top
        assert "kunne ikke åbnes" in demo.rammeaftale_status.html()

        _ingest_rebuild(settings)
        _answers(assistant.ask(QUESTION))  # the same object, no restart
        _answers(client.predict(question=QUESTION, api_name="/ask"))
        chat, cards = _chat(demo, QUESTION)
        assert "ra-card" in cards and "«" in chat
        assert demo.rammeaftale_status.state == "ready"
    finally:
        client.close()
        demo.close()


def test_index_folder_removed_with_build_if_missing_rebuilds_in_place(own_index):
    """The default Assistant (build_if_missing=True, as `rammeaftale serve` uses) builds a new
    index from the corpus on the next question instead of failing."""
    from assistant import Assistant
    settings = own_index
    assistant = Assistant(settings)
    _answers(assistant.ask(QUESTION))
    shutil.rmtree((settings.data_dir / "index").resolve())
    _answers(assistant.ask(QUESTION))
    assert (settings.data_dir / "index" / "meta.json").exists()


def test_two_builds_within_one_second_get_separate_folders(own_index, monkeypatch):
    """A rebuild in the same second as the previous build (a quick rebuild after the folder was
    removed) must not reuse the folder name: chromadb keeps one client per path and process, and
    the client of the deleted folder fails with "readonly database" on every later question."""
    import time as real_time

    import ingest.index as index_module
    from assistant import Assistant

    class FrozenClock:
        def __getattr__(self, name):
            return getattr(real_time, name)

        def strftime(self, *args):
            return "20260101120000"

    monkeypatch.setattr(index_module, "time", FrozenClock())
    settings = own_index
    first = index_module.build_index(settings)
    assistant = Assistant(settings)
    _answers(assistant.ask(QUESTION))
    shutil.rmtree(first)
    _answers(assistant.ask(QUESTION))  # builds again, in "the same second"
    assert (settings.data_dir / "index").resolve() != first
    _answers(assistant.ask(QUESTION))


@pytest.mark.parametrize("damage", ["passages_emptied", "passages_garbage", "chroma_deleted", "meta_emptied",
                                    "bm25_deleted", "everything_emptied"])
def test_damaged_index_files(own_index, damage):
    """Damage under a running assistant: it keeps answering from what it has loaded (or gives
    the message, never a traceback); an assistant that opens the damaged index - a restart, a
    new page - gives the message, quickly and repeatedly; `ingest --rebuild` restores both."""
    from assistant import Assistant
    from assistant.ui import IndexStatus, answer, build_app
    settings = own_index
    running = Assistant(settings, build_if_missing=False)
    _answers(running.ask(QUESTION))
    folder = (settings.data_dir / "index").resolve()
    if damage == "passages_emptied":
        (folder / "passages.json").write_text("", encoding="utf-8")
    elif damage == "passages_garbage":
        (folder / "passages.json").write_bytes(b"[{\"id\": \x00\xff")
    elif damage == "chroma_deleted":
        shutil.rmtree(folder / "chroma")
    elif damage == "meta_emptied":
        (folder / "meta.json").write_text("{}", encoding="utf-8")
    elif damage == "bm25_deleted":
        shutil.rmtree(folder / "bm25")
    else:
        for path in folder.rglob("*"):
            if path.is_file():
                path.write_bytes(b"")

    for _ in range(3):  # the running one: an answer from memory or the message, nothing else
        result = running.ask(QUESTION)
        assert result.get("error") in (None, "index_unavailable"), result
        json.dumps(result, ensure_ascii=False).encode("utf-8")

    restart = _cli_ask(settings)  # a real restart: a new process opens the damaged index
    _unavailable(restart)

    restarted = Assistant(settings, build_if_missing=False)  # a restart within this process
    if damage == "chroma_deleted":
        # chromadb keeps one client per path and process, which still holds the deleted files:
        # inside this process they answer on; the new process above showed the real restart
        _ingest_rebuild(settings)
        _answers(running.ask(QUESTION))
        _answers(restarted.ask(QUESTION))
        return
    _quick_messages(lambda: restarted.ask(QUESTION))
    status = IndexStatus()
    demo = build_app(restarted, status=status)  # a new page opens the index in the background
    deadline = time.monotonic() + 60
    while not status.finished and time.monotonic() < deadline:
        time.sleep(0.1)
    assert status.state == "failed" and "kunne ikke åbnes" in status.html()
    _quick_messages(lambda: answer(restarted, status, QUESTION))
    chat, _ = _chat(demo, QUESTION)
    assert "Søgeindekset er ikke tilgængeligt" in chat

    _ingest_rebuild(settings)
    _answers(running.ask(QUESTION))
    _answers(restarted.ask(QUESTION))
    _answers(answer(restarted, status, QUESTION))
    assert status.state == "ready"


# -- a Chroma server that goes away ------------------------------------------------------------------
class ChromaServer:
    """`chroma run` on 127.0.0.1 that a test can stop and start again on the same port and path."""

    def __init__(self, path: Path):
        self.path, self.port, self.proc = path, free_port(), None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90.0):
        import chromadb
        chroma = Path(sys.executable).parent / "chroma"
        self.proc = subprocess.Popen([str(chroma), "run", "--path", str(self.path), "--host", "127.0.0.1",
                                      "--port", str(self.port)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while True:
            try:
                chromadb.HttpClient(host="127.0.0.1", port=self.port).heartbeat()
                return
            except Exception:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.stop()
                    pytest.fail("chroma server did not start")
                time.sleep(0.5)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)
        self.proc = None


@pytest.fixture
def chroma(tmp_path):
    server = ChromaServer(tmp_path / "chroma")
    server.start()
    yield server
    server.stop()


def test_chroma_server_goes_away_and_comes_back(settings_factory, tmp_path, chroma):
    from assistant import Assistant
    from ingest.index import build_index
    settings = settings_factory(data_dir=tmp_path / "data", chroma_url=chroma.url)
    build_index(settings)
    assistant = Assistant(settings, build_if_missing=False)
    demo, client = _page(assistant)
    try:
        _answers(client.predict(question=QUESTION, api_name="/ask"))
        chroma.stop()

        _quick_messages(lambda: assistant.ask(QUESTION))
        _quick_messages(lambda: client.predict(question=QUESTION, api_name="/ask"))
        chat, _ = _chat(demo, QUESTION)
        assert "Søgeindekset er ikke tilgængeligt" in chat

        chroma.start()  # same port, same folder
        _answers(assistant.ask(QUESTION))  # the next question: no restart of the assistant
        _answers(client.predict(question=QUESTION, api_name="/ask"))
        assert demo.rammeaftale_status.state == "ready"
    finally:
        client.close()
        demo.close()


# -- the feedback file -----------------------------------------------------------------------------------
def _block_feedback(settings, how: str):
    path = settings.feedback_file
    path.parent.mkdir(parents=True, exist_ok=True)
    if how == "is_a_directory":
        path.mkdir()
    elif how == "dangling_symlink":
        path.symlink_to(settings.data_dir / "no" / "such" / "folder" / "feedback.jsonl")
    elif how == "rotation_blocked":  # the file is at the cap and its rotated name is taken by a folder
        path.write_text("x" * settings.feedback_max_bytes, encoding="utf-8")
        path.with_name(path.name + ".1").mkdir()
        (path.with_name(path.name + ".1") / "keep").write_text("", encoding="utf-8")


@pytest.mark.parametrize("how", ["is_a_directory", "dangling_symlink", "rotation_blocked"])
def test_unwritable_feedback_is_logged_and_the_answers_still_come(own_index, caplog, how):
    import gradio as gr

    from assistant import Assistant
    from assistant.ui import IndexStatus, build_app
    settings = own_index
    settings.feedback_max_bytes = 10_000
    _block_feedback(settings, how)
    status = IndexStatus()
    demo = build_app(Assistant(settings, build_if_missing=False), status=status)
    deadline = time.monotonic() + 60
    while not status.finished and time.monotonic() < deadline:
        time.sleep(0.1)
    respond = _last(next(f.fn for f in demo.fns.values() if f.name == "respond"))
    like = next(f.fn for f in demo.fns.values() if f.name == "on_like")
    with caplog.at_level(logging.ERROR, logger="rammeaftale"):
        out = named(demo, respond(QUESTION, None, [], []))
        history, state, cards = out["chatbot"], out["state"], out["cards"]
        assert "ra-card" in cards and "«" in history[-1]["content"]
        like(state, gr.LikeData(None, {"index": 1, "value": "x", "liked": True}))  # must not raise
        out = named(demo, respond("og hvad sagde fagpersonerne?", state, [], []))
        history, state, cards = out["chatbot"], out["state"], out["cards"]
        assert "ra-card" in cards  # the next answer still comes
    assert any("could not write feedback" in r.getMessage() for r in caplog.records), caplog.text
