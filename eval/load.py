"""`rammeaftale load`: many users at once against the page's named API endpoint "/ask".

Each simulated user is a thread with its own gradio_client Client (its own session, like a
browser tab) that asks its questions one after the other, the next as soon as the previous
answer has come; all users start together. Questions come from eval/questions.jsonl.

Bounded on purpose: users and questions are capped, every answer has a time limit, and the
whole run has a hard deadline after which it stops and counts what never came back as errors.
It talks only to this machine: without --url it starts its own server in this process on
127.0.0.1; a --url must point at 127.0.0.1, ::1 or localhost.

    rammeaftale load --users 20 --questions 10

Prints errors, p50/p95/max latency (as the client sees it: queue wait + answer + transport)
and throughput; exit code 0 when there were no errors, 1 otherwise."""
from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from .metrics import percentile

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

HERE = Path(__file__).resolve().parent
DEFAULT_QUESTIONS = HERE / "questions.jsonl"
MAX_USERS = 200
MAX_QUESTIONS = 100
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
# answers that mean the service failed, not that the material lacks an answer
FAILURE_CODES = {"internal", "index_unavailable", "index_building"}
RESULT_KEYS = {"question", "answer", "refused", "citations", "latency_ms"}


class LoadError(ValueError):
    """Bad arguments (too many users, a URL that is not this machine)."""


@dataclass
class LoadReport:
    users: int
    questions_per_user: int
    requests: int = 0
    completed: int = 0
    errors: int = 0
    error_kinds: dict = field(default_factory=dict)
    latencies_ms: list = field(default_factory=list)
    answer_ms: list = field(default_factory=list)  # the server's own latency_ms (no queue, no transport)
    wall_s: float = 0.0
    timed_out: bool = False
    samples: list = field(default_factory=list)  # (question, result) of the first answers, for checks

    def add_error(self, kind: str):
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1

    def figures(self) -> dict:
        lat = self.latencies_ms
        return {
            "users": self.users, "questions_per_user": self.questions_per_user,
            "requests": self.requests, "completed": self.completed, "errors": self.errors,
            "error_kinds": dict(self.error_kinds),
            "p50_ms": round(percentile(lat, 0.5), 1), "p95_ms": round(percentile(lat, 0.95), 1),
            "max_ms": round(max(lat), 1) if lat else 0.0,
            "answer_p50_ms": round(percentile(self.answer_ms, 0.5), 1),
            "answer_p95_ms": round(percentile(self.answer_ms, 0.95), 1),
            "throughput_per_s": round(self.completed / self.wall_s, 2) if self.wall_s else 0.0,
            "wall_s": round(self.wall_s, 2), "timed_out": self.timed_out,
        }


def check_url(url: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or parsed.hostname not in LOOPBACK:
        raise LoadError(f"--url skal pege på denne maskine (127.0.0.1), ikke {url!r}")
    return url if url.endswith("/") else url + "/"


def load_questions(path: Path | None = None) -> list[str]:
    lines = Path(path or DEFAULT_QUESTIONS).read_text(encoding="utf-8").splitlines()
    out = [json.loads(line)["question"] for line in lines if line.strip()]
    if not out:
        raise LoadError(f"ingen spørgsmål i {path}")
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_in_process(assistant, port: int | None = None, ready_timeout: float = 600.0,
                     queue: dict | None = None):
    """Starts the page (build_app + the project's queue settings) in this process on 127.0.0.1
    and waits until its index is open. Returns (demo, url); call demo.close() when done."""
    from assistant.ui import build_app, launch_options, queue_options
    port = port or free_port()
    demo = build_app(assistant)
    demo.queue(**(queue or queue_options()))
    options = launch_options(assistant.settings, "127.0.0.1", port)
    demo.launch(**{**options, "prevent_thread_lock": True, "quiet": True})
    status = demo.rammeaftale_status
    deadline = time.monotonic() + ready_timeout
    while not status.finished and time.monotonic() < deadline:
        time.sleep(0.2)
    if not status.ready:
        demo.close()
        raise RuntimeError(f"index did not open: {status.error or 'timeout'}")
    return demo, f"http://127.0.0.1:{port}/"


def _classify(result) -> str | None:
    """None for a proper answer or refusal; else the kind of error."""
    if not isinstance(result, dict) or not RESULT_KEYS <= set(result):
        return "malformed"
    if result.get("error") in FAILURE_CODES:
        return str(result["error"])
    if not isinstance(result["answer"], str) or not result["answer"]:
        return "empty_answer"
    return None


def run_load(url: str, users: int = 20, questions: int = 10, timeout_s: float = 300.0,
             answer_timeout_s: float = 60.0, auth: tuple[str, str] | None = None,
             question_list: list[str] | None = None, keep_samples: int = 0) -> LoadReport:
    """Runs `users` threads, each with its own Client, each asking `questions` questions."""
    from gradio_client import Client
    url = check_url(url)
    if not 1 <= users <= MAX_USERS or not 1 <= questions <= MAX_QUESTIONS:
        raise LoadError(f"--users skal være 1-{MAX_USERS} og --questions 1-{MAX_QUESTIONS}")
    pool = question_list or load_questions()
    report = LoadReport(users, questions)
    lock = threading.Lock()
    closed = threading.Event()  # set at the end: a straggler records nothing after that
    deadline = [0.0]
    start = threading.Barrier(users + 1, action=lambda: deadline.__setitem__(0, time.monotonic() + timeout_s))
    clients: list = []

    def record(kind: str | None, elapsed_ms: float = 0.0, sample=None):
        with lock:
            if closed.is_set():
                return
            report.requests += 1
            if kind:
                report.add_error(kind)
            else:
                report.completed += 1
                report.latencies_ms.append(elapsed_ms)
                try:
                    report.answer_ms.append(float(sample[1]["latency_ms"]))
                except (TypeError, KeyError, ValueError):
                    pass
                if sample and len(report.samples) < keep_samples:
                    report.samples.append(sample)

    def user(i: int):
        client = None
        try:
            client = Client(url, verbose=False, auth=auth, analytics_enabled=False, download_files=False)
            with lock:
                clients.append(client)
        except Exception as exc:  # every question of this user counts as an error
            for _ in range(questions):
                record(f"connect:{type(exc).__name__}")
        try:
            start.wait(timeout=timeout_s)
        except threading.BrokenBarrierError:
            return
        if client is None:
            return
        for j in range(questions):
            question = pool[(i * questions + j) % len(pool)]
            remaining = deadline[0] - time.monotonic()
            if remaining <= 0:
                record("deadline")
                continue
            t0 = time.perf_counter()
            try:
                job = client.submit(question, api_name="/ask")
                result = job.result(timeout=min(answer_timeout_s, remaining))
            except Exception as exc:
                record(f"exception:{type(exc).__name__}")
                continue
            record(_classify(result), (time.perf_counter() - t0) * 1000, (question, result))

    threads = [threading.Thread(target=user, args=(i,), name=f"load-user-{i}", daemon=True)
               for i in range(users)]
    for t in threads:
        t.start()
    try:
        start.wait(timeout=timeout_s)  # every client connected (or failed): the clock starts
    except threading.BrokenBarrierError:
        deadline[0] = time.monotonic()
    began = deadline[0] - timeout_s
    for t in threads:
        t.join(timeout=max(0.0, deadline[0] + answer_timeout_s - time.monotonic()))
    with lock:
        closed.set()
        report.wall_s = time.monotonic() - began
        unanswered = users * questions - report.requests
        if unanswered > 0 or any(t.is_alive() for t in threads):
            report.timed_out = True
        for _ in range(max(0, unanswered)):
            report.requests += 1
            report.add_error("deadline")
    for client in clients:
        try:
            client.close()
        except Exception:
            pass
    return report


def print_report(report: LoadReport, out=sys.stdout) -> None:
    for key, value in report.figures().items():
        print(f"{key:20} {value}", file=out)


def main(args) -> int:
    users = getattr(args, "users", 20)
    questions = getattr(args, "questions", 10)
    url = getattr(args, "url", None)
    timeout_s = float(getattr(args, "timeout", 300.0))
    demo = None
    try:
        from assistant.config import Settings
        from assistant.ui import parse_auth
        settings = Settings()
        auth = parse_auth(settings.auth)
        if not 1 <= users <= MAX_USERS or not 1 <= questions <= MAX_QUESTIONS:
            raise LoadError(f"--users skal være 1-{MAX_USERS} og --questions 1-{MAX_QUESTIONS}")
        pool = load_questions(getattr(args, "questions_file", None))
        if url:
            url = check_url(url)
        else:
            from assistant import Assistant
            print("Starter siden på 127.0.0.1 i denne proces …", file=sys.stderr)
            demo, url = serve_in_process(Assistant(settings))
        print(f"{users} brugere × {questions} spørgsmål mod {url}ask …", file=sys.stderr)
        report = run_load(url, users, questions, timeout_s=timeout_s, auth=auth, question_list=pool)
    except (LoadError, ValueError, RuntimeError) as exc:
        print(f"Belastningstest ikke kørt: {exc}", file=sys.stderr)
        return 2
    finally:
        if demo is not None:
            demo.close()
    if getattr(args, "json", False):
        print(json.dumps(report.figures(), ensure_ascii=False))
    else:
        print_report(report)
    return 0 if report.errors == 0 and not report.timed_out else 1
