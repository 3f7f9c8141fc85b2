"""Calibrates the refusal thresholds on an eval set: prints, for each question, the support
signals of its best passages, and the thresholds that refuse the most unanswerable questions
with at most one false refusal. `python -m eval.calibrate [questions.jsonl]`"""
from __future__ import annotations

import itertools
import sys
from pathlib import Path

from assistant.answer import supported

from .run import DEFAULT_QUESTIONS, load_questions
from .split import select


def signals(assistant, questions):
    retriever = assistant.ready()
    rows = []
    for q in questions:
        hits = assistant.search(q["question"])
        rows.append({**retriever.support(q["question"], hits), "id": q["id"],
                     "unanswerable": q["unanswerable"], "question": q["question"]})
    return rows


def refused(row, min_dense, min_coverage, english_dense) -> bool:
    return not supported(row, min_dense, min_coverage, english_dense)


def search(rows, max_false: int = 1):
    best = None
    for d, c, e in itertools.product([x / 1000 for x in range(800, 900, 5)], [x / 100 for x in range(5, 95, 5)],
                                     [x / 1000 for x in range(700, 880, 5)]):
        tp = sum(1 for r in rows if r["unanswerable"] and refused(r, d, c, e))
        fp = sum(1 for r in rows if not r["unanswerable"] and refused(r, d, c, e))
        if fp <= max_false:
            # most right refusals, then fewest false ones, then the most lenient thresholds
            key = (tp, -fp, -c, -d, -e)
            if best is None or key > best[0]:
                best = (key, (d, c, e), tp, fp)
    return best


def main(argv=None) -> int:
    from assistant import Assistant
    path = Path(argv[0]) if argv else DEFAULT_QUESTIONS
    questions = load_questions(path)
    if path == DEFAULT_QUESTIONS:  # tune on the tuning half only; the test half stays unseen
        questions = select(questions, "tune")
    rows = signals(Assistant(), questions)
    for r in sorted(rows, key=lambda r: r["coverage"]):
        mark = "U" if r["unanswerable"] else " "
        print(f"{mark} dense={r['dense']:.3f} coverage={r['coverage']:.2f} en={int(r['english'])} missing={r['missing']} {r['id']} {r['question'][:70]}")
    best = search(rows)
    unanswerable = sum(r["unanswerable"] for r in rows)
    d, c, e = best[1]
    print("false refusals:", [r["id"] for r in rows if not r["unanswerable"] and refused(r, d, c, e)])
    print(f"\nthresholds (min_dense, min_coverage, english_dense) = {best[1]}: "
          f"{best[2]}/{unanswerable} unanswerable refused, {best[3]} false refusals")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
