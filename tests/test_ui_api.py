"""The page's named API endpoint "/ask" (called with gradio_client), the optional login, and the
page's own pure functions (escaping, building state, source choices, timeline)."""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import free_port

REPO = Path(__file__).resolve().parent.parent
QUESTION = "hvad sagde brugerne om overgange?"


def _launch(demo, settings, port):
    from assistant.ui import launch_options
    demo.queue(default_concurrency_limit=2, max_size=16)
    demo.launch(**{**launch_options(settings, "127.0.0.1", port), "prevent_thread_lock": True, "quiet": True})
    status = demo.rammeaftale_status
    deadline = time.time() + 300
    while not status.finished and time.time() < deadline:
        time.sleep(0.2)
    assert status.ready, f"index did not open: {status.error}"


@pytest.fixture(scope="module")
def server(assistant, settings):
    from assistant.ui import build_app
    port = free_port()
    demo = build_app(assistant)
    _launch(demo, settings, port)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


@pytest.fixture(scope="module")
def client(server, settings):
    from gradio_client import Client
    from assistant.ui import parse_auth
    return Client(server, verbose=False, auth=parse_auth(settings.auth))


def _roundtrip(obj):
    return json.loads(json.dumps(obj, ensure_ascii=False))


def _without_latency(result: dict) -> dict:
    return {k: v for k, v in result.items() if k != "latency_ms"}


def test_named_endpoint_returns_what_the_assistant_returns(client, assistant):
    api = client.predict(QUESTION, api_name="/ask")
    direct = _roundtrip(assistant.ask(QUESTION))
    assert isinstance(api, dict)
    assert set(api) == set(direct)
    assert {"question", "answer", "refused", "citations", "latency_ms"} <= set(api)
    assert api["refused"] is False and api["citations"]
    assert _without_latency(api) == _without_latency(direct)
    for c in api["citations"]:
        assert {"n", "text", "file", "line_start", "line_end", "meeting", "date", "voice", "also_in"} <= set(c)


def test_named_endpoint_matches_the_cli_json(client, settings, built_index):
    env = {**os.environ, "RAMMEAFTALE_DATA_DIR": str(settings.data_dir),
           "RAMMEAFTALE_CACHE_DIR": str(settings.cache_dir), "HF_HUB_OFFLINE": "1"}
    out = subprocess.run([sys.executable, "-m", "assistant.cli", "ask", QUESTION, "--json"], cwd=REPO,
                         env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    cli = json.loads(out.stdout)
    api = client.predict(question=QUESTION, api_name="/ask")
    # the same structure, key for key. (Values are compared with a direct ask in the server's
    # own process above: Chroma's approximate search can differ slightly between processes.)
    assert set(api) == set(cli)
    assert type(api["refused"]) is type(cli["refused"]) and api["refused"] == cli["refused"]
    assert api["citations"] and cli["citations"]
    for a, c in zip(api["citations"], cli["citations"]):
        assert set(a) == set(c)
        assert all(type(a[k]) is type(c[k]) for k in a)
    places = [frozenset(p) for r in (api, cli) for c in r["citations"] for p in c["also_in"]]
    assert places and len(set(places)) == 1  # every "også registreret i" entry has the same keys


def test_filters_and_followups_through_the_endpoint(client, assistant):
    only = client.predict(question="Hvad sagde fagpersonerne om overgange?", voices=["professionals"],
                          api_name="/ask")
    assert only["citations"] and {c["voice"] for c in only["citations"]} == {"professionals"}
    follow = client.predict(question="og hvad sagde fagpersonerne?", previous=QUESTION, api_name="/ask")
    direct = _roundtrip(assistant.ask("og hvad sagde fagpersonerne?", previous=QUESTION))
    assert follow.get("rewritten") and "overgange" in follow["rewritten"]
    assert follow["citations"] == direct["citations"]


@pytest.mark.parametrize("question,error", [
    ("", "empty"), ("   \n\t ", "empty"), ("😀🎉🙈", "no_words"),
])
def test_bad_input_through_the_endpoint_gives_a_danish_message(client, question, error):
    result = client.predict(question=question, api_name="/ask")
    assert result["error"] == error and result["refused"] is True and result["citations"] == []
    assert result["answer"] and "Traceback" not in result["answer"]


def test_huge_and_markup_questions_through_the_endpoint(client, settings):
    huge = client.predict(question="overgange " * 5000, api_name="/ask")
    assert huge.get("notice") and len(huge["question"]) <= settings.max_question_chars
    markup = client.predict(question="<img src=x onerror=alert(1)>", api_name="/ask")
    assert "answer" in markup and "Traceback" not in markup["answer"]
    bad = client.predict(question="overgange", voices=["<script>"], api_name="/ask")
    assert bad["error"] == "bad_filter"


def test_login_when_auth_is_configured(assistant, settings):
    from gradio_client import Client
    from assistant.ui import build_app
    secured = dataclasses.replace(settings, auth="medarbejder:hemmeligt-kodeord")
    port = free_port()
    demo = build_app(assistant)
    _launch(demo, secured, port)
    url = f"http://127.0.0.1:{port}/"
    try:
        with pytest.raises(Exception):
            Client(url, verbose=False).predict(QUESTION, api_name="/ask")
        with pytest.raises(Exception):
            Client(url, verbose=False, auth=("medarbejder", "forkert")).predict(QUESTION, api_name="/ask")
        ok = Client(url, verbose=False, auth=("medarbejder", "hemmeligt-kodeord")).predict(QUESTION, api_name="/ask")
        assert ok["citations"]
    finally:
        demo.close()


def test_parse_auth():
    from assistant.ui import parse_auth
    assert parse_auth("") is None
    assert parse_auth("anna:kode:med:kolon") == ("anna", "kode:med:kolon")
    for bad in ("anna", "anna:", ":kode"):
        with pytest.raises(ValueError):
            parse_auth(bad)


# -- the page's functions, without a server ---------------------------------------------------------
def test_while_the_index_is_built_the_answer_says_so(assistant):
    from assistant.ui import MSG_BUILDING, IndexStatus, answer
    status = IndexStatus()
    status.progress("indlejring", 120, 448)
    result = answer(assistant, status, QUESTION)
    assert result["answer"] == MSG_BUILDING and result["error"] == "index_building"
    assert "120 af 448" in result["notice"] and result["citations"] == []
    assert "Indekset bygges" in status.html() and "<progress" in status.html()
    # an empty question gets its own message even while building
    assert answer(assistant, status, "  ")["error"] == "empty"
    status.set_ready(10)
    assert answer(assistant, status, QUESTION)["citations"]


def test_answer_never_raises(assistant):
    from assistant.ui import answer

    class Broken:
        settings = assistant.settings

        def ask(self, *a, **k):
            raise RuntimeError("chroma is gone")

    result = answer(Broken(), None, QUESTION)
    assert result["error"] == "internal" and "Traceback" not in result["answer"]
    assert answer(assistant, None, None)["error"] == "empty"
    assert answer(assistant, None, QUESTION, voices="users", meetings=[None, 3])["citations"]


def test_chat_markdown_is_escaped():
    from assistant.ui import answer_markdown, md_escape, question_markdown
    q = question_markdown("<img src=x onerror=alert(1)> **fed** [link](javascript:alert(1))")
    assert "<" not in q and ">" not in q
    assert "&lt;img src=x onerror=alert\\(1\\)&gt;" in q
    assert "\\*\\*fed\\*\\*" in q and "\\[link\\]\\(javascript:alert\\(1\\)\\)" in q
    assert md_escape("a & b") == "a &amp; b"
    assert len(question_markdown("x" * 10_000)) < 600
    md = answer_markdown({"answer": "«<script>x</script>» [1]\n(Brugere – Møde)\n\nMere fra materialet:\n"
                                    "Brugere – Møde:\n- «<b>y</b>» [2]",
                          "citations": [{}], "notice": "<i>n</i>"})
    assert "<script>" not in md and "<b>" not in md and "<i>" not in md
    assert "\n- «&lt;b&gt;y&lt;/b&gt;» \\[2\\]" in md


def test_source_choices_cover_every_place():
    from assistant.ui import parse_place, source_choices
    result = {"citations": [{"n": 1, "file": "a.txt", "line_start": 3, "line_end": 5, "voice_label": "Brugere",
                             "also_in": [{"file": "b.txt", "line_start": 9, "line_end": 9}]}]}
    choices = source_choices(result)
    assert [v for _, v in choices] == ["a.txt:3:5", "b.txt:9:9"]
    assert "Brugere" in choices[0][0] and "også i b.txt" in choices[1][0]
    assert parse_place("a.txt:3:5") == ("a.txt", 3, 5)
    for bad in (None, "a.txt", "a.txt:x:5", 42):
        assert parse_place(bad) is None
    assert source_choices({"citations": [], "maybe_relevant": result["citations"]})[0][0].startswith("Måske relevant")


def test_overview_is_a_timeline_sorted_by_date():
    import re
    from ingest.manifest import load_manifest
    from assistant.ui import overview_html
    manifest = load_manifest(REPO / "corpus")
    html = overview_html(manifest)
    dates = re.findall(r"<div class='ra-tl-date'>([^<]+)</div>", html)
    ordered = sorted(manifest.meetings.values(), key=lambda m: m.date)
    assert dates == [m.date_label for m in ordered]
    for m in ordered:
        assert m.place in html or not m.place
        for doc in m.documents:
            assert doc in html


def test_overview_escapes_manifest_text():
    from ingest.manifest import Manifest, Meeting
    from assistant.ui import overview_html
    evil = Meeting(id="x", title="<script>alert(1)</script>", date="2017-01-01", date_label="<b>1</b>",
                   place="<img src=x>", participants="&", outcome="o", documents=("<d>",))
    html = overview_html(Manifest(files=(), meetings={"x": evil}, voices={"v": {"label": "<i>L</i>"}}))
    assert "<script>" not in html and "<img" not in html and "<b>1" not in html and "<i>L" not in html
    assert "&lt;script&gt;" in html


def test_the_example_the_page_offers_as_unanswerable_is_refused(assistant):
    from assistant.ui import EXAMPLES
    marked = [q for q in EXAMPLES if "vejret" in q]
    assert marked, "the page should offer one example the material cannot answer"
    assert all(assistant.ask(q)["refused"] for q in marked)
    assert not any(assistant.ask(q)["refused"] for q in EXAMPLES if q not in marked)
