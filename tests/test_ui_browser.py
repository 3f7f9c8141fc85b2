"""The served page in a real browser: `rammeaftale serve` in a subprocess, driven by Playwright
with Debian's Chromium. axe-core (npm, installed by scripts/test.sh into .cache/npm) checks
accessibility. Screenshots go to eval/reports/screenshots/."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from .conftest import serve_page, stop_page

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
SHOTS = REPO / "eval" / "reports" / "screenshots"
AXE_DIR = REPO / ".cache" / "npm"
AXE = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
QUESTION = "hvad sagde brugerne om overgange?"
XSS = "<img src=x onerror=alert(1)>"
AUTH = ("medarbejder", "hemmeligt-kodeord")
# words of Gradio's English interface that must not reach an accessible name
ENGLISH = re.compile(r"\b(chatbot|conversation|message|bot's|user's|liked?|disliked?|scroll|copy|copied|"
                     r"clear|loading|submit|login|log in|username|password|footer|navigation|more tabs|"
                     r"use via api|dropdown|remove|close|undo|retry|edit|recording|settings|built with)\b", re.I)

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium not installed at {CHROMIUM}")


def _serve(settings, log_path: Path, auth: str = ""):
    env = {**os.environ, "RAMMEAFTALE_DATA_DIR": str(settings.data_dir),
           "RAMMEAFTALE_CACHE_DIR": str(settings.cache_dir), "HF_HUB_OFFLINE": "1",
           "GRADIO_ANALYTICS_ENABLED": "False", "RAMMEAFTALE_AUTH": auth}
    return serve_page(env, log_path)


_stop = stop_page


@pytest.fixture(scope="module")
def server(settings, built_index, tmp_path_factory):
    proc, url = _serve(settings, tmp_path_factory.mktemp("serve") / "serve.log")
    yield url
    _stop(proc)


@pytest.fixture(scope="module")
def axe_source() -> str:
    """axe-core's script; the test setup installs it (npm), else this installs it the same way."""
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("axe-core is missing and npm is not installed: run scripts/test.sh")
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run([npm, "install", "--prefix", str(AXE_DIR), "--no-audit", "--no-fund", "axe-core@4"],
                       check=True, capture_output=True, timeout=300)
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"])
        yield b
        b.close()


def _open(browser, url, width=1280, height=900, ready=True, **kw):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="da-DK", **kw)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    if ready:
        page.wait_for_selector("#ra-question textarea")
        # the page opens the index in the background: wait until it says it is ready
        page.wait_for_selector("#ra-status .ra-status-ready", timeout=240_000)
    return page


def _ask(page, question):
    bots = page.locator("#ra-chat .bot").count()
    page.fill("#ra-question textarea", question)
    page.click("#ra-ask")
    # a new answer is there and the "Loading response" placeholder is gone
    page.wait_for_function(
        f"document.querySelectorAll('#ra-chat .bot').length > {bots} &&"
        " !document.querySelector('#ra-chat [aria-label=\"Loading response\"], #ra-chat [aria-label=\"Svaret hentes\"]')")
    page.wait_for_timeout(400)
    return page.locator("#ra-chat .bot").last


def _axe(page, source: str) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(content=source)
    found = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}));
    }""")
    return [v for v in found if v["impact"] in ("serious", "critical")]


def _english_names(page) -> list[str]:
    """Accessible names (and tooltips) on the page that use Gradio's English words."""
    names = page.evaluate("""() => [...document.querySelectorAll('*')].flatMap(e =>
        ['aria-label', 'title', 'placeholder', 'alt'].map(a => e.getAttribute(a)).filter(Boolean))""")
    snapshot = page.locator("body").aria_snapshot()
    roles = [line for line in snapshot.splitlines()
             if re.match(r"\s*- (button|tab|log|textbox|checkbox|combobox|link|navigation|region|img|group)\b", line)]
    return [n for n in names + roles if ENGLISH.search(n)]


def _feedback_rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _norm(text: str) -> str:
    return " ".join(text.replace("•", " ").replace("\uf0b7", " ").split())


def _open_place(page, key: str) -> list[str]:
    """Clicks the card button for a place key and returns the marked texts of the source view."""
    page.locator(f"#ra-cards [data-place='{key}']").click()
    page.wait_for_function(
        "(k) => { const h = document.querySelector('#ra-source-view .ra-source-head');"
        " return h && document.querySelector(`#ra-cards [data-place='${k}'][aria-current=true]`); }", arg=key)
    page.wait_for_timeout(700)
    return page.locator("#ra-source-view mark").all_inner_texts()


# -- the chat --------------------------------------------------------------------------------------
def test_chat_sources_original_text_and_feedback(server, browser, settings):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = _open(browser, server)
    assert "Rammeaftale-assistenten" in page.title()
    assert page.evaluate("document.documentElement.lang") == "da"

    answer = _ask(page, QUESTION)
    assert "[1]" in answer.inner_text()
    cards = page.locator("#ra-cards article.ra-card")
    assert cards.count() >= 1
    assert page.locator("#ra-cards ol > li > article h3").count() == cards.count()  # a heading each
    first = cards.first.inner_text()
    assert any(v in first for v in ("Brugere", "Fagpersoner", "Politikere", "Arrangører"))
    assert "linje" in first and ".txt" in first
    # each "Også registreret i" place once
    for card in cards.all():
        places = [b.inner_text() for b in card.locator(".ra-also [data-place]").all()]
        assert len(places) == len(set(places))

    # open the second source: the original text around it, its passage marked
    key = "2" if page.locator("#ra-cards [data-place='2']").count() else "1"
    marks = _open_place(page, key)
    head = page.locator("#ra-source-view .ra-source-head").inner_text()
    assert head.startswith(f"[{key}]")
    file_name = page.locator("#ra-source-view .ra-file-name").first.inner_text()
    assert file_name in page.locator(f"#ra-cards article[data-n='{key}']").inner_text()
    assert marks and marks[0].strip()
    lines = (REPO / "corpus" / file_name).read_text(encoding="utf-8").split("\n")
    first_marked_no = int(page.locator("#ra-source-view .ra-hit .ra-ln").first.inner_text())
    assert f"linje {first_marked_no}" in head
    assert marks[0].strip().replace("•", "\uf0b7") in lines[first_marked_no - 1].replace("•", "\uf0b7")
    # the marked passage is scrolled into the source view, which is in sight and has the focus
    box = page.locator("#ra-source-view .ra-source-text").bounding_box()
    mark = page.locator("#ra-source-view mark").first.bounding_box()
    assert box["y"] <= mark["y"] <= box["y"] + box["height"]
    assert page.evaluate("() => document.activeElement.classList.contains('ra-source-text')")
    assert 0 <= page.evaluate("() => document.querySelector('#ra-source-view .ra-source').getBoundingClientRect().top") < 900
    page.screenshot(path=str(SHOTS / "chat.png"), full_page=True)

    # "Godt svar": one line in the data folder's feedback.jsonl
    before = len(_feedback_rows(settings.feedback_file))
    page.click("#ra-good")
    deadline = time.time() + 20
    while len(_feedback_rows(settings.feedback_file)) <= before and time.time() < deadline:
        time.sleep(0.2)
    rows = _feedback_rows(settings.feedback_file)
    assert len(rows) == before + 1
    assert rows[-1]["vote"] == "up" and rows[-1]["question"] == QUESTION
    assert rows[-1]["citations"] and rows[-1]["answer"]
    page.wait_for_selector("#ra-feedback-msg [role=status]")

    # a follow-up builds on the previous question
    follow = _ask(page, "og hvad sagde fagpersonerne?")
    assert "overgange" in follow.inner_text()  # "Opfølgning – søgte efter: … overgange"
    assert page.locator("#ra-cards .ra-card").count() >= 1
    page.context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_accessibility_of_chat_and_overview(server, browser, axe_source, scheme):
    """axe-core finds no serious or critical violation on the chat after an answer with sources
    (a source open) and on Overblik, in light and dark mode; no accessible name is English; the
    answer's accessible text has no Markdown escapes; the accordions announce whether they are open."""
    page = _open(browser, server, color_scheme=scheme)
    assert page.evaluate("document.body.classList.contains('dark')") == (scheme == "dark")
    assert _axe(page, axe_source) == []  # before any question, too
    _ask(page, QUESTION)
    page.wait_for_selector("#ra-cards .ra-card")
    _open_place(page, "1")
    violations = _axe(page, axe_source)
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)
    assert _english_names(page) == []
    names = page.evaluate("() => [...document.querySelectorAll('#ra-chat [aria-label]')].map(e => e.getAttribute('aria-label'))")
    answer_names = [n for n in names if n.startswith("Svar:")]
    assert answer_names and all("\\" not in n and "**" not in n for n in answer_names)
    assert page.get_by_role("textbox", name="Dit spørgsmål").count() == 1
    toggle = page.locator("#ra-filters .label-wrap")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert "▼" not in page.get_by_role("button", name=re.compile("Afgræns svarene")).evaluate(
        "e => [...e.childNodes].filter(n => !(n.getAttribute && n.getAttribute('aria-hidden'))).map(n => n.textContent).join('')")
    toggle.click()
    page.wait_for_function("() => document.querySelector('#ra-filters .label-wrap').getAttribute('aria-expanded') === 'true'")
    # line numbers are out of the reading order
    assert page.locator("#ra-source-view .ra-ln:not([aria-hidden=true])").count() == 0

    page.get_by_role("tab", name="Overblik").click()
    page.wait_for_selector("#ra-overview .ra-timeline")
    violations = _axe(page, axe_source)
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)
    assert _english_names(page) == []
    page.context.close()


def test_tab_order_question_answer_sources_feedback(server, browser):
    page = _open(browser, server)
    _ask(page, QUESTION)
    page.wait_for_selector("#ra-good")
    page.focus("#ra-question textarea")
    seen = []
    for _ in range(60):
        page.keyboard.press("Tab")
        where = page.evaluate("""() => { const e = document.activeElement;
            if (e.closest('#ra-chat')) return 'answer';
            if (e.closest('#ra-cards')) return 'sources';
            if (e.closest('#ra-feedback')) return 'feedback';
            if (e.closest('#ra-question')) return 'question';
            return 'other'; }""")
        seen.append(where)
        if where == "feedback":
            break
    assert "feedback" in seen, seen
    order = [w for i, w in enumerate(seen) if w != "other" and (i == 0 or seen[i - 1] != w)]
    assert order == ["answer", "sources", "feedback"], seen
    page.context.close()


def _shared_line_question(assistant):
    """A question from the eval set whose answer has two places, from different citations, on
    the same line of the same file, each locatable there (by columns or verbatim)."""
    from assistant.sources import _marks, places
    for line in (REPO / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        question = json.loads(line)["question"]
        chosen = places(assistant.ask(question))
        by_line: dict = {}
        for key, p in chosen.items():
            for no in range(p["line_start"], p["line_end"] + 1):
                by_line.setdefault((p["file"], no), []).append(key)
        for (file, no), keys in by_line.items():
            lines = (REPO / "corpus" / file).read_text(encoding="utf-8").split("\n")
            located = {}
            for key in keys:
                p = chosen[key]
                marks = _marks(lines, p["line_start"], p["line_end"], p.get("col_start"), p.get("col_end"), p["text"])
                if no in marks and marks[no] != (0, len(lines[no - 1])):
                    located[key] = marks[no]
            distinct = {}
            for key, span in located.items():
                if key.split(".")[0] not in {k.split(".")[0] for k in distinct} and span not in distinct.values():
                    distinct[key] = span
            if len(distinct) >= 2:
                a, b = list(distinct)[:2]
                return question, file, no, a, b, lines[no - 1], distinct
    pytest.fail("no eval question cites two passages on one line")


def test_citations_sharing_a_line_each_mark_their_own_passage(server, browser, assistant):
    question, file, no, a, b, line, spans = _shared_line_question(assistant)
    page = _open(browser, server)
    _ask(page, question)
    page.wait_for_selector("#ra-cards .ra-card")
    shown = {}
    for key in (a, b):
        marks = _open_place(page, key)
        assert page.locator("#ra-source-view .ra-file-name").first.inner_text() == file
        row = page.locator("#ra-source-view .ra-line", has=page.locator(".ra-ln", has_text=re.compile(rf"^{no}$")))
        marked = _norm(" ".join(row.locator("mark").all_inner_texts()))
        x, y = spans[key]
        assert marked == _norm(line[x:y]), (key, marked[:200])
        assert marks and len(marked) < len(_norm(line))  # its own passage, not the whole line
        shown[key] = marked
    assert shown[a] != shown[b]
    page.context.close()


def test_a_statement_in_a_long_slide_line_is_marked_alone(server, browser, assistant):
    """A 004 (slides) statement: the mark holds the statement, not the rest of its slide."""
    from assistant.sources import places
    from ingest.manifest import load_manifest
    manifest = load_manifest(REPO / "corpus")
    slides = {f.name for f in manifest.files if f.layout == "slides"}
    for question in ("Hvad sagde brugerne om samarbejdet med de pårørende?", QUESTION,
                     "Hvad mente brugerne om at inddrage civilsamfundet?"):
        chosen = places(assistant.ask(question))
        keys = [k for k, p in chosen.items() if p["file"] in slides and p["line_start"] == p["line_end"]]
        if keys:
            break
    else:
        pytest.fail("no citation in a slide file")
    page = _open(browser, server)
    _ask(page, question)
    page.wait_for_selector("#ra-cards .ra-card")
    p = chosen[keys[0]]
    line = (REPO / "corpus" / p["file"]).read_text(encoding="utf-8").split("\n")[p["line_start"] - 1]
    marked = _norm(" ".join(_open_place(page, keys[0])))
    assert marked and len(marked) < 0.8 * len(_norm(line)), (len(marked), len(line))
    page.context.close()


def test_markup_in_a_question_is_shown_as_text(server, browser):
    page = _open(browser, server)
    _ask(page, XSS)
    user = page.locator("#ra-chat .user").last
    assert user.inner_text().strip() == XSS
    assert page.locator("#ra-chat img").count() == 0
    assert page.locator("img[src='x']").count() == 0
    page.wait_for_timeout(500)
    assert page.dialogs == []
    # and in the sources panel, nothing from the question became markup either
    assert page.locator("#ra-cards img, #ra-source-view img").count() == 0
    page.context.close()


def test_bad_input_gets_a_danish_message(server, browser):
    page = _open(browser, server)
    answer = _ask(page, "   ")
    assert "Skriv et spørgsmål" in answer.inner_text()
    answer = _ask(page, "😀🎉")
    assert "ingen ord" in answer.inner_text()
    answer = _ask(page, "overgange " * 300)
    assert "langt" in answer.inner_text()  # "Spørgsmålet var meget langt; kun begyndelsen er brugt."
    assert "Traceback" not in page.content()
    page.context.close()


def test_filters_apply_to_the_next_answer(server, browser):
    page = _open(browser, server)
    page.click("#ra-filters .label-wrap")
    page.get_by_label("Fagpersoner", exact=True).check()
    _ask(page, "Hvad blev der sagt om overgange?")
    voices = page.locator("#ra-cards .ra-card .ra-voice").all_inner_texts()
    assert voices and set(voices) == {"Fagpersoner"}
    page.context.close()


def test_example_questions_are_clickable_and_fold_away(server, browser):
    page = _open(browser, server)
    page.get_by_text("Hvad er de tre visioner for fremtidigt samarbejde?", exact=True).click()
    page.wait_for_selector("#ra-chat .bot")
    page.wait_for_selector("#ra-cards .ra-card, #ra-cards .ra-empty")
    assert "visioner" in page.locator("#ra-chat .user").last.inner_text().lower()
    page.wait_for_function("() => document.querySelector('#ra-examples .label-wrap').getAttribute('aria-expanded') === 'false'")
    page.context.close()


# -- Overblik and the phone ---------------------------------------------------------------------------
def test_overview_later_meeting_and_documents(server, browser, settings):
    from ingest.manifest import load_manifest
    from assistant.ui_render import load_process
    SHOTS.mkdir(parents=True, exist_ok=True)
    manifest = load_manifest(settings.corpus_dir)
    process = load_process(settings.corpus_dir)
    later = [m for m in manifest.meetings.values() if process.later(m)]
    assert [m.date[:4] for m in later] == ["2022"]  # the manifest's facts: one later meeting
    page = _open(browser, server)
    # the meeting filter: the 2022 meeting is named as a later meeting, after the process's own
    page.click("#ra-filters .label-wrap")
    page.wait_for_selector("#ra-meetings label")
    options = page.locator("#ra-meetings label").all_inner_texts()
    assert "senere møde" in options[-1] and later[0].title in options[-1]
    assert all("senere" not in o for o in options[:-1])

    page.get_by_role("tab", name="Overblik").click()
    page.wait_for_selector("#ra-overview .ra-timeline")
    process_ids = page.locator("#ra-overview .ra-timeline:not(.ra-timeline-later) > li").evaluate_all(
        "els => els.map(e => e.dataset.meeting)")
    later_ids = page.locator("#ra-overview .ra-timeline-later > li").evaluate_all("els => els.map(e => e.dataset.meeting)")
    assert later_ids == [later[0].id] and later[0].id not in process_ids and process_ids
    dates = page.locator("#ra-overview .ra-tl-date").all_inner_texts()
    assert dates == [m.date_label for m in sorted(manifest.meetings.values(), key=lambda m: m.date)]
    assert "Sørup Herregaard" in page.locator("#ra-overview").inner_text()
    assert "ikke en del af processen" in page.locator("#ra-overview").inner_text()

    # a document's name opens it in the source view
    doc = later[0].documents[0]
    page.locator(f"#ra-overview .ra-timeline-later [data-doc='{doc}']").click()
    page.wait_for_selector("#ra-doc-view .ra-source-text")
    assert page.locator("#ra-doc-view .ra-file-name").first.inner_text() == doc
    text = (REPO / "corpus" / doc).read_text(encoding="utf-8")
    first_words = next(line for line in text.split("\n") if len(line.split()) > 3).split()[:4]
    assert " ".join(first_words[1:]) in page.locator("#ra-doc-view").inner_text()
    page.screenshot(path=str(SHOTS / "overblik.png"), full_page=True)
    page.context.close()


def test_phone_width_sources_follow_the_answer(server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone = _open(browser, server, width=390, height=844, is_mobile=True, has_touch=True)
    answer = _ask(phone, QUESTION)
    phone.wait_for_selector("#ra-cards .ra-card")
    # nothing wider than the screen: no sideways scrolling
    assert phone.evaluate("document.documentElement.scrollWidth") <= 392
    end_of_answer = answer.bounding_box()
    card = phone.locator("#ra-cards .ra-card").first.bounding_box()
    gap = card["y"] - (end_of_answer["y"] + end_of_answer["height"])
    assert 0 <= gap <= 844, gap  # the first source within one screen height below the answer
    # the chat grows with the page: it does not scroll inside a box
    assert phone.evaluate("() => { const l = document.querySelector('#ra-chat [role=log]');"
                          " return l.scrollHeight <= l.clientHeight + 2; }")
    phone.screenshot(path=str(SHOTS / "phone.png"), full_page=True)
    # choosing a source brings its original text into sight, below the cards
    _open_place(phone, "1")
    top = phone.evaluate("() => document.querySelector('#ra-source-view .ra-source').getBoundingClientRect().top")
    assert 0 <= top < 844, top
    phone.context.close()


# -- login ----------------------------------------------------------------------------------------------
def test_login_page_is_danish(settings, browser, axe_source, tmp_path):
    proc, url = _serve(settings, tmp_path / "serve.log", auth=":".join(AUTH))
    try:
        page = _open(browser, url, ready=False)
        page.wait_for_selector("form#login")
        assert page.evaluate("document.documentElement.lang") == "da"
        assert page.get_by_role("heading", name="Log ind").count() == 1
        assert page.get_by_label("Brugernavn").count() == 1 and page.get_by_label("Adgangskode").count() == 1
        assert not ENGLISH.search(page.locator("body").inner_text())
        assert _english_names(page) == []
        assert _axe(page, axe_source) == []
        page.get_by_label("Brugernavn").fill(AUTH[0])
        page.get_by_label("Adgangskode").fill("forkert")
        page.get_by_role("button", name="Log ind").click()
        page.wait_for_selector("#fejl:not([hidden])")
        assert "Forkert brugernavn eller adgangskode" in page.locator("#fejl").inner_text()
        page.get_by_label("Adgangskode").fill(AUTH[1])
        page.get_by_role("button", name="Log ind").click()
        page.wait_for_selector("#ra-status .ra-status-ready", timeout=240_000)
        answer = _ask(page, QUESTION)
        assert "[1]" in answer.inner_text()
        page.context.close()
    finally:
        _stop(proc)


def test_the_page_says_when_another_groups_words_lead_the_answer(server, browser):
    page = _open(browser, server)
    answer = _ask(page, "hvad sagde politikerne om tomme pladser")
    text = answer.inner_text()
    assert "Det nærmeste svar er fagpersonernes ord, ikke politikernes" in text
    # the note comes before the quote, and the quote is labelled with the group that said it
    assert text.index("Det nærmeste svar") < text.index("Tomme pladser") and "Fagpersoner" in text
    page.screenshot(path=str(SHOTS / "voice_note.png"), full_page=False)
    page.context.close()
