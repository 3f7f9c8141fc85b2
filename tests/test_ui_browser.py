"""The served page in a real browser: `rammeaftale serve` in a subprocess, driven by Playwright
with Debian's Chromium. Screenshots go to eval/reports/screenshots/."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import free_port

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
SHOTS = REPO / "eval" / "reports" / "screenshots"
QUESTION = "hvad sagde brugerne om overgange?"
XSS = "<img src=x onerror=alert(1)>"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium not installed at {CHROMIUM}")




@pytest.fixture(scope="module")
def server(settings, built_index, tmp_path_factory):
    port = free_port()
    log_path = tmp_path_factory.mktemp("serve") / "serve.log"
    env = {**os.environ, "RAMMEAFTALE_DATA_DIR": str(settings.data_dir),
           "RAMMEAFTALE_CACHE_DIR": str(settings.cache_dir), "HF_HUB_OFFLINE": "1",
           "GRADIO_ANALYTICS_ENABLED": "False", "RAMMEAFTALE_AUTH": ""}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "serve", "--port", str(port)],
                                cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 240
    while True:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}:\n{log_path.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if time.time() > deadline:
            proc.kill()
            pytest.fail(f"server did not answer:\n{log_path.read_text(errors='replace')[-3000:]}")
        time.sleep(0.5)
    yield url
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"])
        yield b
        b.close()


def _open(browser, url, width=1280, height=900, **kw):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="da-DK", **kw)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.goto(url)
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
        " !document.querySelector('#ra-chat [aria-label=\"Loading response\"]')")
    page.wait_for_timeout(300)
    return page.locator("#ra-chat .bot").last


def _feedback_rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_chat_sources_original_text_and_feedback(server, browser, settings):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = _open(browser, server)
    assert "Rammeaftale-assistenten" in page.title()

    answer = _ask(page, QUESTION)
    assert "[1]" in answer.inner_text()
    cards = page.locator("#ra-cards .ra-card")
    assert cards.count() >= 1
    first = cards.first.inner_text()
    assert any(v in first for v in ("Brugere", "Fagpersoner", "Politikere", "Arrangører"))
    assert "linje" in first and ".txt" in first
    assert "Også registreret i" in page.locator("#ra-cards").inner_text()

    # open another source: the original text around it, the passage marked
    page.click("#ra-place input")
    options = page.locator("#ra-place [role=option]")
    assert options.count() >= 2
    label = options.nth(1).inner_text().strip()
    options.nth(1).click()
    page.wait_for_function(
        "(l) => document.querySelector('#ra-source-view .ra-source-head') &&"
        " l.includes(document.querySelector('#ra-source-view .ra-file-name').textContent)", arg=label)
    head = page.locator("#ra-source-view .ra-source-head").inner_text()
    file_name = page.locator("#ra-source-view .ra-file-name").first.inner_text()
    assert file_name in label
    marks = page.locator("#ra-source-view mark")
    assert marks.count() >= 1 and marks.first.inner_text().strip()
    # the marked text is the file's own text at the lines the option names
    lines = (REPO / "corpus" / file_name).read_text(encoding="utf-8").split("\n")
    first_marked_no = int(page.locator("#ra-source-view .ra-hit .ra-ln").first.inner_text())
    assert f"linje {first_marked_no}" in head
    assert marks.first.inner_text().strip().replace("•", "\uf0b7") in lines[first_marked_no - 1].replace("•", "\uf0b7")
    page.screenshot(path=str(SHOTS / "chat.png"), full_page=True)

    # thumbs up: one line in the data folder's feedback.jsonl
    before = len(_feedback_rows(settings.feedback_file))
    from assistant.ui import DANISH
    page.locator(f"#ra-chat button[aria-label='{DANISH['chatbot.like']}']").last.click()
    deadline = time.time() + 20
    while len(_feedback_rows(settings.feedback_file)) <= before and time.time() < deadline:
        time.sleep(0.2)
    rows = _feedback_rows(settings.feedback_file)
    assert len(rows) == before + 1
    assert rows[-1]["vote"] == "up" and rows[-1]["question"] == QUESTION
    assert rows[-1]["citations"] and rows[-1]["answer"]

    # a follow-up builds on the previous question
    follow = _ask(page, "og hvad sagde fagpersonerne?")
    assert "overgange" in follow.inner_text()  # "Opfølgning – søgte efter: … overgange"
    assert page.locator("#ra-cards .ra-card").count() >= 1
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
    page.click("#ra-filters button, #ra-filters .label-wrap")
    page.get_by_label("Fagpersoner", exact=True).check()
    _ask(page, "Hvad blev der sagt om overgange?")
    voices = page.locator("#ra-cards .ra-card .ra-voice").all_inner_texts()
    assert voices and set(voices) == {"Fagpersoner"}
    page.context.close()


def test_example_questions_are_clickable(server, browser):
    page = _open(browser, server)
    page.get_by_text("Hvad er de tre visioner for fremtidigt samarbejde?", exact=True).click()
    page.wait_for_selector("#ra-chat .bot")
    page.wait_for_selector("#ra-cards .ra-card, #ra-cards .ra-empty")
    assert "visioner" in page.locator("#ra-chat .user").last.inner_text().lower()
    page.context.close()


def test_overview_and_phone_width(server, browser, settings):
    from ingest.manifest import load_manifest
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = _open(browser, server)
    page.get_by_role("tab", name="Overblik").click()
    page.wait_for_selector("#ra-overview .ra-timeline")
    dates = page.locator("#ra-overview .ra-tl-date").all_inner_texts()
    manifest = load_manifest(settings.corpus_dir)
    assert dates == [m.date_label for m in sorted(manifest.meetings.values(), key=lambda m: m.date)]
    assert "Sørup Herregaard" in page.locator("#ra-overview").inner_text()
    page.screenshot(path=str(SHOTS / "overblik.png"), full_page=True)
    page.context.close()

    phone = _open(browser, server, width=390, height=844, is_mobile=True, has_touch=True)
    _ask(phone, QUESTION)
    phone.wait_for_selector("#ra-cards .ra-card")
    # nothing wider than the screen: no sideways scrolling
    assert phone.evaluate("document.documentElement.scrollWidth") <= 392
    phone.screenshot(path=str(SHOTS / "phone.png"), full_page=True)
    phone.context.close()
