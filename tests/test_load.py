"""Many users at once, bounded: a few simultaneous gradio_client users against the page served
in this process on 127.0.0.1 with the project's own queue settings (eval/load.py). The full
20 × 10 run is `rammeaftale load --users 20 --questions 10` (figures in SECURITY.md)."""
from __future__ import annotations

import argparse
import json

import pytest

from eval.load import LoadError, check_url, run_load


@pytest.fixture(scope="module")
def page(assistant):
    from eval.load import serve_in_process
    demo, url = serve_in_process(assistant)
    yield url
    demo.close()


def test_simultaneous_users_get_answers_without_errors(page, assistant):
    report = run_load(page, users=5, questions=3, timeout_s=240, keep_samples=15)
    figures = report.figures()
    assert figures["errors"] == 0, figures["error_kinds"]
    assert figures["requests"] == figures["completed"] == 15 and not figures["timed_out"]
    assert figures["p50_ms"] > 0 and figures["p95_ms"] >= figures["p50_ms"] and figures["throughput_per_s"] > 0
    # answers given under load are the answers a single user gets (no mixed-up sessions or state)
    assert len(report.samples) == 15
    for question, result in report.samples:
        direct = assistant.ask(question)
        assert result["question"] == direct["question"]
        assert result["refused"] == direct["refused"]
        assert [c["text"] for c in result["citations"]] == [c["text"] for c in direct["citations"]]


def test_the_cli_entry_point_reports_figures(page, settings, monkeypatch, capsys):
    from eval.load import main
    monkeypatch.setenv("RAMMEAFTALE_DATA_DIR", str(settings.data_dir))
    args = argparse.Namespace(users=2, questions=2, url=page, timeout=120, questions_file=None, json=True)
    assert main(args) == 0
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures["completed"] == 4 and figures["errors"] == 0
    assert {"p50_ms", "p95_ms", "throughput_per_s", "answer_p50_ms"} <= set(figures)


def test_a_dead_server_is_counted_as_errors_within_the_time_limit():
    import time

    from .conftest import free_port
    started = time.monotonic()
    report = run_load(f"http://127.0.0.1:{free_port()}/", users=2, questions=2, timeout_s=20)
    assert report.errors == 4 and report.completed == 0  # nothing listens: every question fails
    assert time.monotonic() - started < 60


@pytest.mark.parametrize("url", ["http://example.com/", "http://10.0.0.1:7860/", "ftp://127.0.0.1/",
                                 "http://127.0.0.1.evil.com/", "http://user@evil.com/?127.0.0.1"])
def test_only_this_machine_is_loaded(url):
    with pytest.raises(LoadError):
        check_url(url)
    with pytest.raises(LoadError):
        run_load(url, users=1, questions=1, timeout_s=5)


def test_bounds(page):
    for users, questions in ((0, 1), (1, 0), (10_000, 1), (1, 10_000)):
        with pytest.raises(LoadError):
            run_load(page, users=users, questions=questions, timeout_s=5)


def test_cli_rejects_a_remote_url(settings, built_index):
    import os
    import subprocess
    import sys

    from .conftest import REPO
    env = {**os.environ, "RAMMEAFTALE_DATA_DIR": str(settings.data_dir)}
    proc = subprocess.run([sys.executable, "-m", "assistant.cli", "load", "--url", "http://example.com/"],
                          env=env, capture_output=True, text=True, timeout=120, cwd=REPO)
    assert proc.returncode == 2 and "127.0.0.1" in proc.stderr and "Traceback" not in proc.stderr


def test_the_page_uses_the_project_queue_settings(page, monkeypatch):
    """20 users fit in the queue with room to spare; answers run 2 at a time (CPU-bound)."""
    from assistant.ui import QUEUE_CONCURRENCY, QUEUE_MAX_SIZE, queue_options
    assert queue_options() == {"default_concurrency_limit": QUEUE_CONCURRENCY, "max_size": QUEUE_MAX_SIZE}
    assert QUEUE_MAX_SIZE >= 10 * 20 and 1 <= QUEUE_CONCURRENCY <= 4
    monkeypatch.setenv("RAMMEAFTALE_CONCURRENCY", "3")
    monkeypatch.setenv("RAMMEAFTALE_QUEUE_SIZE", "nonsense")
    assert queue_options() == {"default_concurrency_limit": 3, "max_size": QUEUE_MAX_SIZE}


def test_a_full_queue_turns_callers_away_at_once(assistant):
    """Past max_size the queue answers "full" (HTTP 503) instead of letting waits grow without
    bound; the callers that got in are answered."""
    from eval.load import serve_in_process
    demo, url = serve_in_process(assistant, queue={"default_concurrency_limit": 1, "max_size": 2})
    try:
        report = run_load(url, users=12, questions=2, timeout_s=120)
        figures = report.figures()
        assert figures["completed"] > 0 and figures["errors"] > 0  # some served, some turned away
        assert set(figures["error_kinds"]) == {"exception:QueueError"}, figures["error_kinds"]
        assert not figures["timed_out"]
    finally:
        demo.close()
