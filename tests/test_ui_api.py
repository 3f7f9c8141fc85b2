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
    md = answer_markdown({"answer": "ignored", "kind": "answer", "notice": "<i>n</i>", "citations": [{"n": 1}],
                          "groups": [{"label": "<b>Brugere</b> – Møde", "items": [{"n": 1, "quote": "<script>x</script>"},
                                                                                   {"n": 2, "quote": "<b>y</b>"}]}]})
    assert "<script>" not in md and "<b>" not in md and "<i>" not in md
    assert "\n- «&lt;b&gt;y&lt;/b&gt;» \\[2\\]" in md and "**&lt;b&gt;Brugere&lt;/b&gt; – Møde**" in md


GROUPED = {"answer": "«A» [1]\n(Brugere – X)\n\nMere fra materialet:\nNoget andet:\n- «B» [2]", "kind": "answer",
           "refused": False, "citations": [{"n": 1}, {"n": 2}],
           "groups": [{"label": "Brugere – Workshop, 18. januar 2017", "items": [{"n": 1, "quote": "A"}]},
                      {"label": "Fagpersoner – gengivet i Politikertemamøde", "items": [{"n": 2, "quote": "B"}]}]}


def test_the_chat_renders_the_groups_not_the_answer_text():
    from assistant.ui import answer_markdown
    md = answer_markdown(GROUPED)
    assert "Mere fra materialet" not in md and "Noget andet" not in md  # the text is not re-parsed
    assert md.index("**Brugere – Workshop, 18. januar 2017**") < md.index("- «A» \\[1\\]")
    assert md.index("- «A»") < md.index("**Fagpersoner – gengivet i Politikertemamøde**") < md.index("- «B» \\[2\\]")


def test_without_groups_the_citations_are_rendered_in_order_with_the_label_rule():
    from assistant.ui import answer_markdown
    cite = lambda n, voice, meeting, quote: {"n": n, "voice_label": voice, "meeting": meeting, "quote": quote,
                                             "date_label": "7. april 2017" if meeting else "",
                                             "recorded_in": {"id": "p", "title": "Politikertemamøde"}}
    result = {"answer": "whatever", "refused": False, "citations": [
        cite(1, "Brugere", "", "første"), cite(2, "Brugere", "", "anden"), cite(3, "Politikere", "Temamøde", "tredje")]}
    md = answer_markdown(result)
    assert md.count("**Brugere – gengivet i Politikertemamøde**") == 1
    assert md.index("første") < md.index("anden") < md.index("**Politikere – Temamøde, 7. april 2017**") < md.index("tredje")
    assert "whatever" not in md


def test_generated_unsure_and_claim_answers():
    from assistant.ui import answer_markdown
    generated = answer_markdown({**GROUPED, "generated": True, "cited": [1],
                                 "answer": "Brugerne vil med fra start [1]. Se https://example.dk og www.example.dk."})
    assert "sprogmodel" in generated and "kontrolleret mod kilderne" in generated
    assert "https://" not in generated and "www." not in generated  # nothing a Markdown autolinker takes
    assert "https&#58;//example.dk" in generated and "Brugerne vil med fra start \\[1\\]" in generated
    unsure = answer_markdown({"kind": "unsure", "unsure": True, "refused": False, "citations": [{"n": 1}],
                              "answer": "Jeg fandt ikke et sikkert svar i materialet. Disse steder ligner mest:\n«A» [1]",
                              "groups": GROUPED["groups"][:1]})
    assert unsure.startswith("**Jeg fandt ikke et sikkert svar") and "Det fremgår ikke" not in unsure
    assert "- «A» \\[1\\]" in unsure
    claim = answer_markdown({**GROUPED, "kind": "claim_no", "answer": "Nej, det fremgår ikke af materialet.\n\n«A» [1]"})
    assert claim.startswith("Nej, det fremgår ikke af materialet.") and "- «A»" in claim
    refused = answer_markdown({"kind": "refused", "refused": True, "citations": [], "answer": "Det fremgår ikke af materialet."})
    assert refused == "Det fremgår ikke af materialet."


def test_handlers_return_dicts_keyed_by_component(assistant):
    from assistant.ui import IndexStatus, build_app, named
    status = IndexStatus()
    status.set_ready(1)
    demo = build_app(assistant, status=status)
    respond = next(f.fn for f in demo.fns.values() if f.name == "respond")
    *_, last = respond(QUESTION, None, [], [])
    out = named(demo, last)
    assert {"chatbot", "question", "state", "cards", "view"} <= set(out)
    assert out["question"] == "" and "«" in out["chatbot"][-1]["content"]
    assert "<article class='ra-card'" in out["cards"] and "<mark>" in out["view"]
    state = out["state"]
    assert set(state["places"]) >= {"1"}
    show = next(f.fn for f in demo.fns.values() if f.name == "show_source")
    import gradio as gr
    for key in state["places"]:
        view = named(demo, show(state, gr.EventData(None, {"place": key})))["view"]
        n = key.split(".")[0]
        assert view.count("<mark>") >= 1 and f"[{n}]" in view
    assert named(demo, show(state, gr.EventData(None, {"place": "../x:1:2"})))["view"] == "" or \
        "ra-line" not in named(demo, show(state, gr.EventData(None, {"place": "../x:1:2"})))["view"]


def test_the_danish_login_page_guards_only_the_page(assistant, settings):
    import httpx
    from assistant.ui import build_app
    secured = dataclasses.replace(settings, auth="medarbejder:hemmeligt-kodeord")
    port = free_port()
    demo = build_app(assistant)
    _launch(demo, secured, port)
    url = f"http://127.0.0.1:{port}/"
    try:
        page = httpx.get(url, timeout=30)
        assert page.status_code == 200 and '<html lang="da">' in page.text
        assert "Brugernavn" in page.text and "Adgangskode" in page.text and "Log ind" in page.text
        assert "gradio_config" not in page.text  # not Gradio's page
        assert httpx.get(f"{url}config", timeout=30).status_code == 401  # the rest stays guarded
        with httpx.Client(timeout=30) as browser:
            assert browser.post(f"{url}login", data={"username": "medarbejder", "password": "forkert"}).status_code == 400
            assert browser.post(f"{url}login", data={"username": "medarbejder",
                                                     "password": "hemmeligt-kodeord"}).status_code == 200
            after = browser.get(url)
            assert "gradio_config" in after.text and "Brugernavn" not in after.text
    finally:
        demo.close()


def test_overview_is_a_timeline_sorted_by_date():
    import re
    from ingest.manifest import load_manifest
    from assistant.ui import load_process, overview_html
    manifest = load_manifest(REPO / "corpus")
    html = overview_html(manifest, load_process(REPO / "corpus"))
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
    marked = [q for q in EXAMPLES if "kostede" in q]
    assert marked, "the page should offer one example the material cannot answer"
    assert all(assistant.ask(q)["refused"] and assistant.ask(q).get("reason") for q in marked)
    assert not any(assistant.ask(q)["refused"] for q in EXAMPLES if q not in marked)


def test_later_meetings_stand_apart_from_the_process():
    from ingest.manifest import load_manifest
    from assistant.ui import load_process, meeting_choices, overview_html
    manifest = load_manifest(REPO / "corpus")
    process = load_process(REPO / "corpus")
    later = [m for m in manifest.meetings.values() if process.later(m)]
    assert later and all(m.date > process.end for m in later)
    html = overview_html(manifest, process)
    inside, after = html.split("ra-timeline-later", 1)
    for m in manifest.meetings.values():
        assert (f"data-meeting='{m.id}'" in after) == (m in later)
        assert (f"data-meeting='{m.id}'" in inside) == (m not in later)
    choices = meeting_choices(manifest, process)
    assert [v for _, v in choices][-len(later):] == [m.id for m in later]
    assert all(("senere møde" in name) == (manifest.meetings[v] in later) for name, v in choices)
    # every document name is a button that opens it
    for f in manifest.files:
        assert f"data-doc='{f.name}'" in html


def test_a_generated_answer_is_marked_and_its_cited_cards_come_first(assistant, settings):
    from assistant import Assistant
    from assistant.ui import IndexStatus, build_app, named
    extractive = assistant.ask(QUESTION)
    cited = next(c for c in extractive["citations"] if len(c["quote"]) < 300 and "…" not in c["quote"])
    assert len(extractive["citations"]) >= 2
    from .test_llm import ScriptedServer
    llm = ScriptedServer()
    llm.reply = f"{cited['quote']} [{cited['n']}]"  # a verbatim quote: nothing to reject
    try:
        generating = Assistant(dataclasses.replace(settings, generator="openai", llm_url=llm.url,
                                                   llm_model="test", llm_timeout_s=10.0), build_if_missing=False)
        status = IndexStatus()
        status.set_ready(1)
        demo = build_app(generating, status=status)
        respond = next(f.fn for f in demo.fns.values() if f.name == "respond")
        outputs = [named(demo, out) for out in respond(QUESTION, None, [], [])]
    finally:
        llm.close()
    final = outputs[-1]
    result = final["state"]["results"][1]["result"]
    assert result.get("generated") is True, result.get("fallback_reason")
    chat = final["chatbot"][-1]["content"]
    assert "sprogmodel" in chat and "kontrolleret mod kilderne" in chat
    cards = final["cards"]
    assert "sprogmodel" in cards
    shown, folded = cards.split("<details", 1)
    assert f"data-n='{cited['n']}'" in shown
    others = [c["n"] for c in result["citations"] if c["n"] not in result["cited"]]
    assert others and all(f"data-n='{n}'" in folded and f"data-n='{n}'" not in shown for n in others)
