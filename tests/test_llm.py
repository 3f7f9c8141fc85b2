"""Generated answers (issue #7): the real llama-index OpenAILike client against a small scripted
OpenAI-compatible HTTP server started here (the only test double), real citations from the
session's index, the real embedder for verification."""
from __future__ import annotations

import dataclasses
import json
import select
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import free_port

QUESTION = "Hvad sagde brugerne om overgange?"
SYG = "sygehus til kommune"           # users, brugerworkshop 18 January 2017
MYN = "mellem myndighed og tilbud"    # users, politikertemamøde 7 April 2017
WALL = 20.0                           # generous wall clock for calls that must time out after ~2 s


# -- the scripted OpenAI-compatible server --------------------------------------------------
class ScriptedServer:
    """POST /v1/chat/completions answers with `reply` (a string, or a function of the request
    body; plain JSON, or SSE chunks when the request asks for a stream). mode: "ok", "hang" (never answers), "garbage" (200 with
    non-JSON), "error" (HTTP 500), "trickle" (a 200 whose body comes one byte every 2 s; `closed_at`
    records when the client closed the connection)."""

    def __init__(self):
        self.reply = ""
        self.mode = "ok"
        self.requests: list[dict] = []
        self.release = threading.Event()
        self.closed_at: float | None = None
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                server.requests.append({"path": self.path, "body": body})
                if server.mode == "hang":
                    server.release.wait(60)
                    return
                if server.mode == "trickle":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", "100000")
                    self.end_headers()
                    self.wfile.flush()
                    self._trickle()
                    return
                if server.mode == "error":
                    self._send(500, b'{"error": {"message": "boom"}}', "application/json")
                    return
                if server.mode == "garbage":
                    self._send(200, b"<html>this is not json", "application/json")
                    return
                if not self.path.endswith("/chat/completions"):
                    self._send(404, b"{}", "application/json")
                    return
                text = server.reply(body) if callable(server.reply) else server.reply
                if body.get("stream"):
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.end_headers()
                    for i in range(0, len(text), 12):
                        self._event({"choices": [{"index": 0, "delta": {"content": text[i:i + 12]},
                                                  "finish_reason": None}]})
                    self._event({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
                    self.wfile.write(b"data: [DONE]\n\n")
                    self.wfile.flush()
                    return
                payload = {"id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": body.get("model"),
                           "choices": [{"index": 0, "finish_reason": "stop",
                                        "message": {"role": "assistant", "content": text}}],
                           "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
                self._send(200, json.dumps(payload).encode(), "application/json")

            def _trickle(self):
                conn = self.connection
                for _ in range(60):
                    try:
                        conn.sendall(b" ")
                    except OSError:
                        server.closed_at = server.closed_at or time.monotonic()
                        return
                    for _ in range(20):  # 2 s, watching for the client closing its end
                        if server.release.is_set():
                            return
                        readable, _, _ = select.select([conn], [], [], 0.1)
                        if readable and conn.recv(1, socket.MSG_PEEK) == b"":
                            server.closed_at = time.monotonic()
                            return

            def _event(self, chunk: dict):
                chunk = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 0, "model": "test", **chunk}
                self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
                self.wfile.flush()

            def _send(self, code: int, data: bytes, ctype: str):
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.port = free_port()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def close(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def server():
    s = ScriptedServer()
    yield s
    s.close()


@pytest.fixture(scope="module")
def embedder(assistant):
    assistant.ready()
    return assistant._embedder


@pytest.fixture(scope="module")
def extractive(assistant) -> dict:
    result = assistant.ask(QUESTION)
    assert not result["refused"] and result["citations"]
    return result


def _n(result: dict, anchor: str) -> int:
    found = [c["n"] for c in result["citations"] if anchor in c["text"]]
    assert found, f"retrieval no longer returns the passage with {anchor!r} for {QUESTION!r}"
    return found[0]


def _llm_settings(settings, srv: ScriptedServer | None = None, **kw):
    url = srv.url if srv else f"http://127.0.0.1:{free_port()}/v1"
    return dataclasses.replace(settings, generator="openai", llm_url=url, llm_model="test",
                               llm_timeout_s=kw.pop("llm_timeout_s", 10.0), **kw)


def _good(result: dict) -> str:
    a, b = _n(result, SYG), _n(result, MYN)
    return (f"Brugerne ved workshoppen i januar 2017 mente, at overgangene for psykisk syge bør være et "
            f"fokusområde, især overgangen fra sygehus til kommune [{a}]. På politikertemamødet ønskede "
            f"brugerne fokus på overgangene mellem myndighed og tilbud og mellem psykiatrien og de "
            f"kommunale tilbud [{b}].")


def _assert_fallback(out: dict, extractive: dict, reason: str | tuple):
    reasons = (reason,) if isinstance(reason, str) else reason
    assert out["generated"] is False
    assert out["fallback_reason"] in reasons
    assert out["answer"] == extractive["answer"]
    assert out["citations"] == extractive["citations"]
    assert out["refused"] is False
    assert "udtrukne svar" in out["notice"]


# -- make_llm, prompt ----------------------------------------------------------------------
def test_make_llm_builds_the_configured_clients(settings, monkeypatch):
    from llama_index.llms.ollama import Ollama
    from llama_index.llms.openai_like import OpenAILike

    from assistant.llm import LLMConfigError, make_llm
    monkeypatch.setenv("RAMMEAFTALE_TEST_KEY", "sk-test")
    llm = make_llm(dataclasses.replace(settings, generator="openai", llm_url="http://127.0.0.1:9/v1", llm_model="m",
                                       llm_api_key_env="RAMMEAFTALE_TEST_KEY", llm_timeout_s=3.0))
    assert isinstance(llm, OpenAILike)
    assert (llm.api_base, llm.model, llm.api_key, llm.timeout, llm.max_retries, llm.is_chat_model) == \
        ("http://127.0.0.1:9/v1", "m", "sk-test", 3.0, 0, True)
    llm = make_llm(dataclasses.replace(settings, generator="ollama", llm_url="http://127.0.0.1:9", llm_model="qwen",
                                       llm_timeout_s=4.0))
    assert isinstance(llm, Ollama)
    assert (llm.base_url, llm.model, llm.request_timeout) == ("http://127.0.0.1:9", "qwen", 4.0)
    with pytest.raises(LLMConfigError, match="llama"):  # optional extra not installed, or no GGUF file
        make_llm(dataclasses.replace(settings, generator="llamacpp", gguf_path="/nonexistent.gguf"))
    with pytest.raises(LLMConfigError):
        make_llm(dataclasses.replace(settings, generator="openai", llm_model=""))


def test_prompt_gives_only_numbered_passages_with_voice_meeting_date(extractive):
    from assistant.llm import REFUSAL, build_prompt
    messages = build_prompt(QUESTION, extractive["citations"])
    text = "\n".join(m.content for m in messages)
    assert messages[0].role.value == "system" and messages[1].role.value == "user"
    for c in extractive["citations"]:
        where = c["meeting"] or f"gengivet i {c['recorded_in']['title']}"  # a quoted box: where it is recorded
        assert f"[{c['n']}] {c['voice_label']} · {where}" in text
        assert " ".join(c["text"][:60].split()) in " ".join(text.split())
    assert extractive["citations"][0]["date_label"] in text
    assert REFUSAL in text and "[2]" in text and "dansk" in text
    assert QUESTION in text


# -- generate --------------------------------------------------------------------------------
def test_good_cited_answer_passes_and_is_returned(settings, extractive, embedder, server):
    from assistant.llm import generate
    server.reply = _good(extractive)
    out = generate(_llm_settings(settings, server), QUESTION, extractive, embedder)
    assert out["generated"] is True, out.get("fallback_reason")
    assert out["answer"] == server.reply
    assert out["generator"] == "openai" and out["fallback_reason"] is None
    assert "sprogmodel" in out["notice_generated"] and "kilder" in out["notice_generated"]
    assert out["cited"] == sorted({_n(extractive, SYG), _n(extractive, MYN)})
    assert out["citations"] == extractive["citations"] and out["extractive_answer"] == extractive["answer"]
    assert len(out["verification"]) == 2
    # the real client spoke the chat-completions API, with the passages in the prompt
    req = server.requests[-1]
    assert req["path"] == "/v1/chat/completions" and req["body"]["model"] == "test"
    assert not req["body"].get("stream")
    assert any(SYG in m["content"] for m in req["body"]["messages"])
    assert extractive["answer"] != out["answer"] and "generated" not in extractive  # input untouched


def test_citation_after_full_stop_is_accepted(settings, extractive, embedder, server):
    from assistant.llm import generate
    a, b = _n(extractive, SYG), _n(extractive, MYN)
    server.reply = _good(extractive).replace(f" [{a}].", f". [{a}]").replace(f" [{b}].", f". [{b}]")
    out = generate(_llm_settings(settings, server), QUESTION, extractive, embedder)
    assert out["generated"] is True, out.get("fallback_reason")


def test_unknown_citation_falls_back(settings, extractive, embedder, server):
    from assistant.llm import generate
    assert len(extractive["citations"]) < 9
    server.reply = _good(extractive).replace(f"[{_n(extractive, MYN)}]", "[9]")
    out = generate(_llm_settings(settings, server), QUESTION, extractive, embedder)
    _assert_fallback(out, extractive, "unknown_citation")


def test_uncited_sentence_falls_back(settings, extractive, embedder, server):
    from assistant.llm import generate
    server.reply = _good(extractive) + " Det er et vigtigt emne for alle kommuner i regionen."
    out = generate(_llm_settings(settings, server), QUESTION, extractive, embedder)
    _assert_fallback(out, extractive, "uncited_sentence")
    assert out["rejected_sentence"].startswith("Det er et vigtigt emne")


def test_unsupported_sentence_falls_back(settings, extractive, embedder, server):
    from assistant.llm import generate
    b = _n(extractive, MYN)
    server.reply = _good(extractive) + f" Brugerne krævede, at regionen overtager alle botilbud fra kommunerne [{b}]."
    out = generate(_llm_settings(settings, server), QUESTION, extractive, embedder)
    _assert_fallback(out, extractive, "unsupported_sentence")
    assert "regionen overtager" in out["rejected_sentence"]


def test_invented_number_falls_back(settings, extractive, embedder, server):
    from assistant.llm import generate
    a = _n(extractive, SYG)
    server.reply = f"Brugerne mente, at 40 procent af overgangene fra sygehus til kommune går galt [{a}]."
    out = generate(_llm_settings(settings, server), QUESTION, extractive, embedder)
    _assert_fallback(out, extractive, "unsupported_sentence")


def test_empty_and_garbage_and_server_errors_fall_back(settings, extractive, embedder, server):
    from assistant.llm import generate
    s = _llm_settings(settings, server)
    server.reply = "   "
    _assert_fallback(generate(s, QUESTION, extractive, embedder), extractive, "empty")
    server.mode = "garbage"
    _assert_fallback(generate(s, QUESTION, extractive, embedder), extractive, "llm_error")
    server.mode = "error"
    _assert_fallback(generate(s, QUESTION, extractive, embedder), extractive, "llm_error")


def test_server_down_falls_back_quickly(settings, extractive, embedder):
    from assistant.llm import generate
    started = time.monotonic()
    out = generate(_llm_settings(settings, None, llm_timeout_s=2.0), QUESTION, extractive, embedder)
    assert time.monotonic() - started < WALL
    _assert_fallback(out, extractive, ("llm_error", "timeout"))


def test_server_that_never_answers_falls_back_within_the_timeout(settings, extractive, embedder, server):
    from assistant.llm import generate
    server.mode = "hang"
    started = time.monotonic()
    out = generate(_llm_settings(settings, server, llm_timeout_s=2.0), QUESTION, extractive, embedder)
    elapsed = time.monotonic() - started
    assert 1.5 <= elapsed < WALL, elapsed
    _assert_fallback(out, extractive, ("timeout", "llm_error"))
    assert server.requests  # it really asked


@pytest.mark.parametrize("path", ["generate", "stream"])
def test_trickling_server_is_cut_off_at_the_deadline(settings, extractive, embedder, server, path):
    """A response trickling a byte every 2 s never trips a per-read timeout; the client's read
    deadline must end the request, close the socket and end the worker thread on time."""
    from assistant.llm import generate, stream
    s = _llm_settings(settings, server, llm_timeout_s=3.0)
    server.reply = _good(extractive)
    assert generate(s, QUESTION, extractive, embedder)["generated"] is True  # client built and warm
    server.mode = "trickle"
    started = time.monotonic()
    if path == "generate":
        out = generate(s, QUESTION, extractive, embedder)
    else:
        out = list(stream(s, QUESTION, extractive, embedder))[-1]
    returned = time.monotonic()
    assert 2.5 <= returned - started < 5.0, returned - started
    _assert_fallback(out, extractive, "timeout")
    while server.closed_at is None and time.monotonic() - started < 8.0:
        time.sleep(0.05)
    assert server.closed_at is not None, "the client left the connection open"
    assert server.closed_at - started < 4.0, server.closed_at - started  # at the deadline, not at the next byte
    deadline = time.monotonic() + 1.0
    while any(t.name.startswith("rammeaftale-llm") for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [t.name for t in threading.enumerate() if t.name.startswith("rammeaftale-llm")]


@pytest.mark.parametrize("reply", ["Det fremgår ikke af materialet.",
                                   "<think>Passagerne handler om overgange.</think>Det fremgår ikke af materialet, "
                                   "hvad enqueten viste."])
def test_model_refusal_when_retrieval_found_support_gives_the_extractive_answer(settings, extractive, embedder,
                                                                                 server, reply):
    from assistant.llm import generate
    server.reply = reply
    out = generate(_llm_settings(settings, server), QUESTION, extractive, embedder)
    _assert_fallback(out, extractive, "llm_refused_supported")
    assert out["cited"] == [c["n"] for c in extractive["citations"]]  # nothing demoted to "måske relevant"
    assert not out["maybe_relevant"]


def test_extractive_setting_and_refusals_are_left_alone(settings, extractive, embedder, server):
    from assistant.llm import generate
    assert generate(settings, QUESTION, extractive, embedder) is extractive  # default: extractive
    refused = {"question": "x", "answer": "Det fremgår ikke af materialet.", "refused": True,
               "citations": [], "maybe_relevant": []}
    assert generate(_llm_settings(settings, server), "x", refused, embedder) is refused
    assert server.requests == []  # no LLM call for either


# -- stream ----------------------------------------------------------------------------------
def test_stream_yields_growing_text_then_the_verified_result(settings, extractive, embedder, server):
    from assistant.llm import stream
    server.reply = _good(extractive)
    items = list(stream(_llm_settings(settings, server), QUESTION, extractive, embedder))
    drafts, final = items[:-1], items[-1]
    assert all(isinstance(d, str) for d in drafts) and len(drafts) >= 3
    assert all(b.startswith(a) for a, b in zip(drafts, drafts[1:]))  # growing, not deltas
    assert drafts[-1] == server.reply
    assert isinstance(final, dict) and final["generated"] is True and final["answer"] == server.reply
    assert server.requests[-1]["body"]["stream"] is True


def test_stream_of_an_unsupported_answer_ends_with_the_fallback(settings, extractive, embedder, server):
    from assistant.llm import stream
    server.reply = "Brugerne ønskede, at alle kommuner bygger nye svømmehaller [1]."
    items = list(stream(_llm_settings(settings, server), QUESTION, extractive, embedder))
    assert isinstance(items[-1], dict) and all(isinstance(i, str) for i in items[:-1])
    _assert_fallback(items[-1], extractive, "unsupported_sentence")


def test_stream_from_a_server_that_never_answers_ends_within_the_timeout(settings, extractive, embedder, server):
    from assistant.llm import stream
    server.mode = "hang"
    started = time.monotonic()
    items = list(stream(_llm_settings(settings, server, llm_timeout_s=2.0), QUESTION, extractive, embedder))
    assert time.monotonic() - started < WALL
    assert len(items) == 1
    _assert_fallback(items[0], extractive, ("timeout", "llm_error"))


def test_stream_without_llm_yields_only_the_result(settings, extractive, embedder):
    from assistant.llm import stream
    assert list(stream(settings, QUESTION, extractive, embedder)) == [extractive]


# -- follow-ups -------------------------------------------------------------------------------
def test_rewrite_followup_with_the_llm(settings, server):
    from assistant.llm import rewrite_followup_llm
    s = _llm_settings(settings, server)
    server.reply = "Spørgsmål: «Hvad sagde fagpersonerne om overgange?»\n"
    assert rewrite_followup_llm(s, "og fagpersonerne?", QUESTION) == "Hvad sagde fagpersonerne om overgange?"
    sent = server.requests[-1]["body"]["messages"][-1]["content"]
    assert QUESTION in sent and "og fagpersonerne?" in sent
    assert rewrite_followup_llm(settings, "og fagpersonerne?", QUESTION) is None   # no LLM configured
    assert rewrite_followup_llm(s, "og fagpersonerne?", "") is None                 # nothing to follow up
    server.mode = "error"
    assert rewrite_followup_llm(s, "og fagpersonerne?", QUESTION) is None


def test_rewrite_followup_gives_up_within_the_timeout(settings, server):
    from assistant.llm import rewrite_followup_llm
    server.mode = "hang"
    started = time.monotonic()
    assert rewrite_followup_llm(_llm_settings(settings, server, llm_timeout_s=2.0), "og fagpersonerne?", QUESTION) is None
    assert time.monotonic() - started < WALL


# -- verification on its own: split, and the calibration set --------------------------------
def test_split_answer_attaches_citations_to_their_sentence():
    from assistant.llm import split_answer
    parts = split_answer("Brugerne ønskede fokus på overgange [1]. Mødet den 17. marts 2017 drøftede "
                         "specialisering [2][3]. Klynger blev nævnt. [4]\n- Og recovery [1, 5].")
    assert [p["cites"] for p in parts] == [[1], [2, 3], [4], [1, 5]]
    assert parts[1]["text"] == "Mødet den 17. marts 2017 drøftede specialisering."


def test_verify_codes(extractive, embedder):
    from assistant.llm import verify
    cits = extractive["citations"]
    assert verify("", cits, embedder)[:2] == (False, "empty")
    assert verify("[1]", cits, embedder)[:2] == (False, "empty")
    assert verify("Det fremgår ikke af materialet.", cits, embedder)[:2] == (False, "refusal")
    assert verify("«Det fremgår ikke af materialet»", cits, embedder)[:2] == (False, "refusal")
    assert verify("Det fremgår ikke af materialet, hvad enqueten viste.", cits, embedder)[:2] == (False, "refusal")
    assert verify("Kort fortalt:", cits, embedder)[:2] == (False, "uncited_sentence")
    # the refusal phrase is exempt only on its own: what follows it is a claim
    a = _n(extractive, SYG)
    assert verify(f"Brugerne ønskede fokus på overgangen fra sygehus til kommune [{a}]. Det fremgår ikke af "
                  "materialet, hvorfor de ønsker det, men i dag er de imod al inddragelse.", cits, embedder)[:2] == \
        (False, "uncited_sentence")
    assert verify("Brugerne ønskede fokus på overgange [0].", cits, embedder)[:2] == (False, "unknown_citation")
    ok, reason, sentences = verify(_good(extractive), cits, embedder)
    assert (ok, reason) == (True, None)
    assert all(s["supported_by"] == s["cites"] for s in sentences)


def test_number_guard():
    from assistant.verify import Source, counts_ok
    src = Source.of({"n": 1, "text": "Der etableres 3-4 klynger med 4-5 kommuner hver.", "voice": "organisers",
                     "date_label": "25. november 2016"})
    assert counts_ok("Arrangørerne foreslog 3-4 klynger på kick-off mødet den 25. november 2016.", src)
    assert counts_ok("I arbejdet med Rammeaftale 2018 blev 3-4 klynger foreslået.", src)
    assert not counts_ok("Der etableres 6 klynger med 4-5 kommuner hver.", src)
    assert not counts_ok("Der etableres 4-5 klynger med 3-4 kommuner hver.", src)  # digits there, beside other nouns


# (anchor(s) of the cited passage(s), sentence, faithful?) — written against real passages; the
# thresholds in assistant/llm.py were chosen on a larger set of the same kind (docs/llm.md).
CALIBRATION = [
    ([SYG], "Brugerne ved workshoppen i januar 2017 mente, at samarbejdet om overgangene for psykisk syge "
            "bør være et fokusområde, især overgangen fra sygehus til kommune.", True),
    ([MYN], "Brugerne pegede især på overgangene mellem myndighed og tilbud.", True),
    ([SYG, MYN], "Brugerne pegede både på overgangen fra sygehus til kommune og mellem myndighed og tilbud, og krævede "
                 "at alle overgange flyttes til regionen.", False),  # pooled support is no support
    (["bare dyrt"], "De drøftede faglig specialisering over for miljøspecialisering.", True),
    (["Recovery som investering"], "Politikerne så recovery som en langsigtet investering, også økonomisk.", True),
    (["Mulighed 2"], "En rehabiliterende indsats kan ved succesfulde forløb gøre brugeren mere selvhjulpen og "
                     "mindske støttebehovet over tid.", True),
    (["3-4 klynger"], "I klyngevisionen skulle der etableres 3-4 klynger med 4-5 kommuner i hver.", True),
    (["tyranni"], "Fagpersonerne talte om de tomme pladsers tyranni og om at se på incitamenterne.", True),
    (["Gennemskuelig takster"], "Politikerne på kick-off mødet ønskede gennemskuelige takster og indsigt i tilbud på tværs.", True),
    (["to niveauer"], "Brugerinddragelsen foregår på to niveauer.", True),
    ([MYN], "Brugerne krævede, at regionen overtager alle botilbud fra kommunerne.", False),
    ([SYG], "Politikerne besluttede at bygge en ny motorvej mellem Roskilde og Køge.", False),
    ([SYG], "Brugerne ønskede fokus på recovery i tæt samarbejde med brugerne.", False),  # wrong passage cited
    (["bare dyrt"], "Fagpersonerne foreslog at nedlægge alle specialiserede tilbud inden 2019.", False),
    (["3-4 klynger"], "Der skulle etableres 10 klynger med 2 kommuner hver.", False),
    (["tyranni"], "Fagpersonerne mente, at staten skal betale for de tomme pladser.", False),
    (["den viden de pårørende"], "Brugerne ønskede ikke mere samarbejde med de pårørende.", False),
    (["Synlig sammenhæng"], "Politikerne mente, at kvalitet er ligegyldigt, så længe prisen er lav.", False),
    (["Bord 7"], "Politikerne vedtog at hæve skatten for at finansiere flere tilbud.", False),
]


def test_thresholds_separate_faithful_from_unfaithful_sentences(assistant, records, embedder):
    from assistant.answer import citation
    from assistant.llm import similarity_of
    from assistant.verify import Source, check, overlap
    manifest = assistant.manifest
    sim = similarity_of(embedder)
    wrong = []
    for anchors, sentence, faithful in CALIBRATION:
        verdicts = []
        for anchor in anchors:
            # of the passages holding the anchor, the one most favourable to the sentence: the
            # writer's intended passage for faithful ones, the strictest test for unfaithful ones
            found = [r for r in records if anchor in r["text"]]
            assert found, anchor
            rec = max(found, key=lambda r: overlap(sentence, Source.of({"n": 1, "text": r["text"]})))
            src = Source.of(citation(1, rec, manifest, ""))
            verdicts.append(check(sentence, src, sim([sentence], [src.text])[0][0]))
        if any(v["ok"] for v in verdicts) != faithful:  # support by one passage on its own
            wrong.append((sentence, verdicts))
    assert not wrong, wrong


# -- wired into the Assistant ---------------------------------------------------------------
def test_assistant_ask_uses_the_configured_generator_end_to_end(settings, built_index, extractive, server):
    from assistant import Assistant
    server.reply = _good(extractive)
    llm_assistant = Assistant(_llm_settings(settings, server), build_if_missing=False)
    out = llm_assistant.ask(QUESTION)
    assert out["generated"] is True and out["answer"] == server.reply
    assert [c["text"] for c in out["citations"]] == [c["text"] for c in extractive["citations"]]
    # a garbage reply: the same question gets the extractive answer with a notice
    server.reply = "Blablabla uden kilder."
    out = llm_assistant.ask(QUESTION)
    assert out["generated"] is False and out["fallback_reason"] == "uncited_sentence"
    assert out["answer"] == extractive["answer"] and "udtrukne svar" in out["notice"]
    # the page's streaming path ends with the same verified dict
    server.reply = _good(extractive)
    items = list(llm_assistant.ask_stream(QUESTION))
    assert isinstance(items[-1], dict) and items[-1]["generated"] is True
    assert any(isinstance(i, str) for i in items[:-1])


def test_page_streams_drafts_then_the_verified_answer(settings, built_index, extractive, server):
    from assistant import Assistant
    from assistant.ui import IndexStatus, answer_markdown, stream_answer
    server.reply = _good(extractive)
    status = IndexStatus()
    status.set_ready(len(extractive["citations"]))
    llm_assistant = Assistant(_llm_settings(settings, server), build_if_missing=False)
    items = list(stream_answer(llm_assistant, status, QUESTION))
    drafts, final = items[:-1], items[-1]
    assert drafts and all(isinstance(d, str) for d in drafts)
    assert len(drafts[-1]) >= len(drafts[0])  # the draft grows
    assert final["generated"] is True and final["answer"] == server.reply
    assert "[" in answer_markdown(final)
    # without an LLM the page gets the extractive answer in one piece
    plain = list(stream_answer(Assistant(settings, build_if_missing=False), status, QUESTION))
    assert len(plain) == 1 and plain[0]["answer"] == extractive["answer"]
