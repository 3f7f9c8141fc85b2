"""The page's security, tested where an attacker would stand:

- the source view opens corpus files only: through the page's own handler and through raw HTTP
  to the page's queue (the way a browser calls it, so also a hand-written client), and Gradio's
  file route serves none of the project's files;
- no markup from a question, a passage or feedback becomes live HTML: the chat's Markdown is
  rendered with a Markdown renderer that lets raw HTML through (stricter than the page, which
  also sanitizes) and only harmless tags may come out; the panels' HTML carries only our tags;
- the server binds 127.0.0.1 unless told otherwise;
- the feedback log is bounded (rotation at a cap, short fields) and stays one JSON line per vote.

tests/test_sources.py covers sources.py directly; tests/test_feedback.py covers feedback.py."""
from __future__ import annotations

import dataclasses
import inspect
import json
import re
import socket
import uuid
from html.parser import HTMLParser

import pytest

from assistant.sources import MSG_NOT_ALLOWED
from assistant.ui import named

from .conftest import REPO

FILE = "001_44dd6fc1c6d66593.txt"
QUESTION = "hvad sagde brugerne om overgange?"
SECRET_MARKERS = ["[build-system]", "root:x:0:0", "rammeaftale-assistenten", "[[files]]", '"vote"']

TRAVERSALS = [
    "../pyproject.toml:1:5",
    "../../../../etc/passwd:1:3",
    "/etc/passwd:1:3",
    str(REPO / "pyproject.toml") + ":1:3",
    "..%2fpyproject.toml:1:3",
    "%2e%2e%2fpyproject.toml:1:3",
    "%252e%252e%252fpyproject.toml:1:3",  # double-encoded
    "..%252fpyproject.toml:1:3",
    "%2e%2e%5cpyproject.toml:1:3",
    "..\\pyproject.toml:1:3",
    "．．／pyproject.toml:1:3",  # full-width dots and slash
    "manifest.toml:1:3",  # in the corpus folder, but not a document
    "corpus/" + FILE + ":1:3",
    "./" + FILE + ":1:3",
    FILE + "/../../pyproject.toml:1:3",
    FILE + "\x00.png:1:3",
    "file:///etc/passwd:1:3",
    "~/.bashrc:1:3",
    "../data/feedback.jsonl:1:3",
    "../data/index/passages.json:1:1",
]


def page_fn(demo, name: str):
    fn = next(f.fn for f in demo.fns.values() if f.name == name)

    def call(*args):
        out = fn(*args)
        if inspect.isgenerator(out):  # the chat streams drafts (with an LLM), then the answer
            *_, out = out
        return out
    return call


@pytest.fixture(scope="module")
def ready():
    from assistant.ui import IndexStatus
    status = IndexStatus()
    status.set_ready(1)
    return status


# -- the source view --------------------------------------------------------------------------------
def test_the_page_source_handler_opens_corpus_files_only(assistant, ready):
    from assistant.ui import build_app
    demo = build_app(assistant, status=ready)
    import gradio as gr
    show = page_fn(demo, "show_source")
    view = lambda value, state: named(demo, show(state, gr.EventData(None, {"place": value})))["view"]  # noqa: E731
    good = view(f"{FILE}:569:572", None)
    assert "ra-source-text" in good and "<mark>" in good  # the handler does open corpus files
    for value in TRAVERSALS:
        html = view(value, {"places": {}})
        assert "ra-line" not in html and "<mark>" not in html, value
        assert MSG_NOT_ALLOWED.split(":")[0] in html or html == "", value
        assert not any(m in html for m in SECRET_MARKERS), value
    for value in (None, 42, "", ":", "a:b", FILE, f"{FILE}:x:y", ["../x:1:2"], {"a": 1}):
        html = view(value, None)
        assert "ra-line" not in html


@pytest.fixture(scope="module")
def page(assistant):
    from eval.load import serve_in_process
    demo, url = serve_in_process(assistant)
    yield demo, url
    demo.close()


def _queue_call(url: str, session: str, fn_index: int, data: list, timeout: float = 60.0,
                event_data: dict | None = None) -> dict:
    """One call through the page's queue, as the browser makes it (POST queue/join, then the
    server-sent events of queue/data). Returns the process_completed message."""
    import httpx
    joined = httpx.post(f"{url}gradio_api/queue/join", timeout=timeout, json={
        "data": data, "fn_index": fn_index, "session_hash": session, "event_data": event_data, "trigger_id": None})
    if joined.status_code != 200:
        return {"success": False, "status": joined.status_code, "output": joined.text}
    with httpx.stream("GET", f"{url}gradio_api/queue/data", params={"session_hash": session},
                      timeout=timeout) as stream:
        for line in stream.iter_lines():
            if line.startswith("data:"):
                msg = json.loads(line[5:])
                if msg.get("msg") == "process_completed":
                    return msg
    raise AssertionError("no answer from the queue")


def _fn_index(demo, name: str) -> int:
    return next(i for i, f in demo.fns.items() if f.name == name)


def test_the_source_view_over_http_opens_corpus_files_only(page):
    demo, url = page
    session = uuid.uuid4().hex
    asked = _queue_call(url, session, _fn_index(demo, "respond"), [QUESTION, None, [], []])
    assert asked["success"], asked
    view = _fn_index(demo, "show_source")
    shown = _queue_call(url, session, view, [None], event_data={"place": "1"})  # citation [1] of the answer
    assert shown["success"] and "ra-source-text" in shown["output"]["data"][0]  # the honest path works
    for value in TRAVERSALS:
        result = _queue_call(url, session, view, [None], event_data={"place": value})
        text = json.dumps(result, ensure_ascii=False)
        assert not any(m in text for m in SECRET_MARKERS), value
        if result.get("success"):
            html = result["output"]["data"][0]
            assert "ra-line" not in html and MSG_NOT_ALLOWED.split(":")[0] in html, value


@pytest.mark.parametrize("path", [
    "/etc/passwd", "pyproject.toml", str(REPO / "pyproject.toml"), "corpus/manifest.toml",
    f"corpus/{FILE}", str(REPO / "corpus" / FILE), "../../../../etc/passwd", "..%2f..%2fetc%2fpasswd",
    "%2e%2e/%2e%2e/etc/passwd", "%252e%252e%252fetc%252fpasswd", "data/feedback.jsonl",
    "data/index/passages.json", str(REPO / "assistant" / "config.py"),
])
def test_gradio_file_route_serves_no_project_file(page, path):
    import httpx
    _, url = page
    for route in ("gradio_api/file=", "file=", "gradio_api/file/"):
        response = httpx.get(url + route + path, timeout=30)
        assert response.status_code in (400, 403, 404, 405), (route, path, response.status_code)
        assert not any(m in response.text for m in SECRET_MARKERS)


# -- markup injection ---------------------------------------------------------------------------------
EVIL = ("<script>alert(1)</script> [klik](javascript:alert(1)) ![x](http://evil/x.png) "
        "<img src=x onerror=alert(1)> <a href='javascript:alert(2)'>a</a> <iframe src=//evil></iframe> "
        "<svg onload=alert(3)> `kode` **fed** <style>*{display:none}</style> &lt;b&gt; {{7*7}} $x$")


class EvilAssistant:
    """Returns an answer whose every field carries markup, as a poisoned corpus would."""

    def __init__(self, settings):
        self.settings = settings

    def ask(self, question, voices=None, meetings=None, previous=None):
        cite = {"n": 1, "text": EVIL, "quote": EVIL, "file": "<img src=x onerror=alert(1)>.txt",
                "line_start": 1, "line_end": 2, "meeting": "<b onmouseover=alert(1)>møde</b>",
                "date": "2017-01-18", "date_label": "<style>x</style>", "voice": "users\"><script>",
                "voice_label": "<svg onload=alert(1)>", "meeting_id": "x",
                "also_in": [{"file": "\"><script>alert(2)</script>", "line_start": 3, "line_end": 3,
                             "meeting": "<iframe src=//evil>", "voice": "x"}]}
        answer = (f"«{EVIL}» [1]\n(<svg onload=alert(1)> – <b>møde</b>)\n\nMere fra materialet:\n"
                  f"<b onclick=x>Brugere</b> – <i>møde</i>:\n- «{EVIL}» [2]\n{question}")
        return {"question": question, "answer": answer, "refused": False, "citations": [cite, {**cite, "n": 2}],
                "maybe_relevant": [], "latency_ms": 1.0, "notice": EVIL, "rewritten": EVIL}


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, list]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def tags_of(html: str) -> list[tuple[str, list]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def render_markdown(text: str) -> str:
    """Markdown as the chat renders it, but with raw HTML let through (the page sanitizes on top)."""
    from markdown_it import MarkdownIt
    md = MarkdownIt("commonmark", {"html": True, "breaks": True}).enable(["table", "strikethrough"])
    return md.render(text)


def shown_text(markdown: str) -> str:
    """What the reader sees: the rendered Markdown without tags, entities decoded."""
    import html
    import re
    return html.unescape(re.sub(r"<[^>]+>", "", render_markdown(markdown))).replace("\n", " ")


CHAT_TAGS = {"p", "em", "strong", "ul", "li", "br"}
PANEL_TAGS = {"div", "span", "br", "ul", "li", "mark", "b", "ol", "article", "h3", "h4", "blockquote", "p",
              "button", "details", "summary"}
PANEL_ATTRS = {"class", "data-n", "role", "id", "aria-labelledby", "aria-describedby", "type", "data-place",
               "tabindex", "aria-label", "aria-hidden"}


def _assert_inert_panel(html: str):
    for tag, attrs in tags_of(html):
        assert tag in PANEL_TAGS, (tag, attrs, html[:300])
        for name, value in attrs:
            assert name in PANEL_ATTRS, (tag, name, value)
            if name == "class":  # our class names only: a breakout would show as another attribute or tag
                assert re.fullmatch(r"[a-z0-9 _-]+", value or ""), (tag, name, value)
            if name in ("id", "aria-labelledby", "aria-describedby", "data-place"):  # our own keys only
                assert re.fullmatch(r"[A-Za-z0-9._-]+", value or ""), (tag, name, value)


def _assert_inert_chat(markdown: str):
    html = render_markdown(markdown)
    for tag, attrs in tags_of(html):
        assert tag in CHAT_TAGS and not attrs, (tag, attrs, html[:500])


def test_no_markup_from_the_question_or_passages_reaches_the_page(settings, ready):
    from assistant.ui import build_app
    demo = build_app(EvilAssistant(settings), status=ready)
    respond = page_fn(demo, "respond")
    out = named(demo, respond(EVIL, None, [], []))
    history, box, cards, view = out["chatbot"], out["question"], out["cards"], out["view"]
    assert box == "" and len(history) == 2
    for message in history:
        _assert_inert_chat(message["content"])
    assert EVIL in shown_text(history[0]["content"])  # shown exactly as typed, as text
    assert "<script>alert(1)</script>" in shown_text(history[1]["content"])
    _assert_inert_panel(cards)
    _assert_inert_panel(view)


def test_no_markup_from_a_real_answer_reaches_the_page(assistant, ready):
    """The same through the real assistant: a hostile question, its answer and its sources."""
    from assistant.ui import build_app
    demo = build_app(assistant, status=ready)
    respond = page_fn(demo, "respond")
    for question in (EVIL, f"{EVIL} hvad sagde brugerne om overgange?", "og " + EVIL):
        out = named(demo, respond(question, None, ["users"], []))
        history, cards, view = out["chatbot"], out["cards"], out["view"]
        for message in history:
            _assert_inert_chat(message["content"])
        _assert_inert_panel(cards)
        _assert_inert_panel(view)


def test_status_banner_never_shows_error_text(ready):
    from assistant.ui import IndexStatus
    status = IndexStatus()
    status.set_failed("<script>alert(1)</script>")
    assert "<script" not in status.html()
    status = IndexStatus()
    status.progress("<img src=x onerror=alert(1)>", 1, 2)
    assert "<img" not in status.html()


def test_feedback_with_markup_is_stored_as_one_json_line(settings_factory, ready, tmp_path):
    import gradio as gr

    from assistant.ui import build_app
    settings = settings_factory(data_dir=tmp_path / "data")
    demo = build_app(EvilAssistant(settings), status=ready)
    respond, like = page_fn(demo, "respond"), page_fn(demo, "on_like")
    question = EVIL + "\n\u2028\u2029\x85\x00 ende"
    state = named(demo, respond(question, None, [], []))["state"]
    like(state, gr.LikeData(None, {"index": 1, "value": "x", "liked": True}))
    like(state, gr.LikeData(None, {"index": 1, "value": "x", "liked": "<script>alert(1)</script>"}))
    text = settings.feedback_file.read_text(encoding="utf-8")
    lines = text.splitlines()  # the strictest reader: splits at U+2028 and friends too
    assert len(lines) == 2
    rows = [json.loads(line) for line in lines]
    assert rows[0]["question"] == question and rows[0]["vote"] == "up"
    assert rows[1]["vote"] == "<script>alert(1)</script>"  # stored as data; the page never shows it


# -- binding --------------------------------------------------------------------------------------------
def test_the_server_binds_localhost_by_default(settings):
    import inspect

    from assistant.cli import build_parser
    from assistant.ui import launch_options, serve
    assert launch_options(settings)["server_name"] == "127.0.0.1"
    assert launch_options(settings)["share"] is False
    assert inspect.signature(serve).parameters["host"].default == "127.0.0.1"
    assert build_parser().parse_args(["serve"]).host == "127.0.0.1"
    assert launch_options(settings)["show_error"] is False  # no exception text to the browser
    assert launch_options(settings)["auth"] is None
    secured = dataclasses.replace(settings, auth="anna:hemmelig")
    assert launch_options(secured)["auth"] == ("anna", "hemmelig")


def _outside_address() -> str | None:
    """This machine's own non-loopback address, when it has one (nothing is sent)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))
            address = s.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") else address


def test_the_running_page_is_not_reachable_from_outside(page):
    demo, url = page
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    assert demo.server_name == "127.0.0.1"
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass
    address = _outside_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address to try")
    with pytest.raises(OSError):
        socket.create_connection((address, port), timeout=5).close()


# -- the feedback log is bounded --------------------------------------------------------------------------
def test_feedback_through_the_page_stays_under_the_cap(settings_factory, ready, tmp_path):
    import gradio as gr

    from assistant import feedback
    from assistant.ui import build_app
    settings = settings_factory(data_dir=tmp_path / "data", feedback_max_bytes=20_000)
    demo = build_app(EvilAssistant(settings), status=ready)
    respond, like = page_fn(demo, "respond"), page_fn(demo, "on_like")
    state = named(demo, respond("x" * 1_000_000, None, [], []))["state"]  # a huge question: fields are cut
    for i in range(200):
        like(state, gr.LikeData(None, {"index": 1, "value": "x", "liked": i % 2 == 0}))
    files = sorted(p.name for p in settings.data_dir.iterdir())
    assert files == ["feedback.jsonl", "feedback.jsonl.1"]  # one current, one rotated, no more
    current, rotated = settings.feedback_file, feedback.rotated_path(settings.feedback_file)
    entry = len(current.read_text(encoding="utf-8").splitlines()[0].encode("utf-8"))
    assert entry < 3 * feedback.MAX_FIELD_CHARS * 4  # a vote is small whatever the question was
    assert current.stat().st_size <= 20_000 and rotated.stat().st_size <= 20_000


# -- Gradio's upload route ------------------------------------------------------------------------------
def test_uploads_are_refused(page, settings):
    """The page takes no files, but Gradio's upload route exists on every app: without a limit,
    anyone who reaches the page could fill the disk under the temp folder."""
    import httpx

    from assistant.ui import launch_options
    _, url = page
    assert launch_options(settings)["max_file_size"] == 0
    for size in (1, 1_000, 5_000_000):
        response = httpx.post(f"{url}gradio_api/upload", files={"files": ("x.bin", b"\x00" * size)}, timeout=60)
        assert response.status_code == 413, (size, response.status_code, response.text[:200])


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1.evil.example"])
def test_a_foreign_web_page_cannot_use_the_api_through_a_browser(page, origin):
    """A page on another site, open in the same browser, cannot drive the local API: the
    preflight grants no foreign origin, and the "simple" form a browser sends without preflight
    is not accepted as a call."""
    import httpx
    _, url = page
    preflight = httpx.options(f"{url}gradio_api/call/ask", timeout=30, headers={
        "Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
    assert preflight.headers.get("access-control-allow-origin") in (None, "")
    simple = httpx.post(f"{url}gradio_api/call/ask", content=b'{"data": ["overgange", null, null, null]}',
                        headers={"Origin": origin, "Content-Type": "text/plain"}, timeout=30)
    assert simple.status_code >= 400 and "event_id" not in simple.text
