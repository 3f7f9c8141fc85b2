"""`rammeaftale bench`: warm answer latency (p50/p95) over the eval questions and the cold start
time to the first answer with an existing index. Figures, not assertions."""
from __future__ import annotations

import json
import subprocess
import sys
import time

from .metrics import percentile
from .run import DEFAULT_QUESTIONS, load_questions

COLD = ("import time; t0 = time.time(); from assistant import Assistant; "
        "r = Assistant(build_if_missing=False).ask('hvad sagde brugerne om overgange?'); "
        "import json; print(json.dumps({'in_process_s': time.time() - t0, 'refused': r['refused']}))")


def main(args) -> int:
    from assistant import Assistant
    questions = load_questions(args.questions or DEFAULT_QUESTIONS)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", COLD], capture_output=True, text=True, timeout=300)
    cold_wall = time.perf_counter() - started
    if proc.returncode != 0:
        print(f"Koldstart mislykkedes: {proc.stderr[-500:]}", file=sys.stderr)
        return 1
    cold = json.loads(proc.stdout.strip().splitlines()[-1])
    assistant = Assistant()
    assistant.ask("opvarmning")
    latencies = []
    for _ in range(max(1, args.repeat)):
        for q in questions:
            latencies.append(assistant.ask(q["question"])["latency_ms"])
    figures = {
        "questions": len(questions), "answers_timed": len(latencies),
        "warm_p50_ms": round(percentile(latencies, 0.5), 1), "warm_p95_ms": round(percentile(latencies, 0.95), 1),
        "warm_max_ms": round(max(latencies), 1),
        "cold_start_to_first_answer_s": round(cold_wall, 2),
        "cold_in_process_s": round(cold["in_process_s"], 2),
    }
    for key, value in figures.items():
        print(f"{key:32} {value}")
    return 0
