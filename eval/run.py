"""`rammeaftale eval`: runs an eval set through the assistant (and the baseline), prints a
table, writes per-question JSON, a Markdown report and a PNG chart."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from .metrics import contains_gold, first_hit_rank, summarise
from .report import ROWS, chart, markdown

HERE = Path(__file__).resolve().parent
DEFAULT_QUESTIONS = HERE / "questions.jsonl"
DEFAULT_OUT = HERE / "reports"


class EvalSetError(ValueError):
    pass


def load_questions(path: Path) -> list[dict]:
    questions = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            q = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalSetError(f"{path}:{n}: not JSON ({exc})") from exc
        if not isinstance(q, dict) or not isinstance(q.get("question"), str):
            raise EvalSetError(f"{path}:{n}: needs a \"question\" string")
        q.setdefault("id", f"line{n}")
        q.setdefault("gold", [])
        q["unanswerable"] = bool(q.get("unanswerable", False))
        questions.append(q)
    if not questions:
        raise EvalSetError(f"{path}: no questions")
    return questions


def run_ours(assistant, questions: list[dict]) -> list[dict]:
    rows = []
    for q in questions:
        hits = assistant.search(q["question"])
        result = assistant.ask(q["question"])
        ranked = [h.record["text"] for h in hits[:10]]
        cited = cited_passages(result)
        support = assistant.ready().support(q["question"], hits)
        rows.append(_row(q, result, ranked, cited, signals={
            "dense_top": round(support["dense"], 4), "coverage": round(support["coverage"], 3),
            "unknown_words": support["missing"]}))
    return rows


def run_baseline(baseline, questions: list[dict]) -> list[dict]:
    rows = []
    for q in questions:
        result = baseline.ask(q["question"])
        rows.append(_row(q, result, result["ranked"], result["citations"]))
    return rows


def cited_passages(result: dict) -> list[dict]:
    """The passages the answer cites: all citations of an extractive answer, only the numbers a
    generated answer used ("cited", see assistant/llm.py)."""
    citations = result.get("citations", [])
    if "cited" in result:
        used = set(result["cited"])
        return [c for c in citations if c.get("n") in used]
    return citations


def citation_scores(result: dict, cited: list[dict], gold: list[str]) -> tuple[float | None, float | None]:
    """(precision, recall) of the cited passages against the passages that contain a gold string
    among those the answer was written from; None when undefined."""
    if not gold or result.get("refused") or not cited:
        return None, None
    relevant = {c["text"] for c in result.get("citations", []) if contains_gold(c["text"], gold)}
    hits = sum(1 for c in cited if c["text"] in relevant)
    return round(hits / len(cited), 3), (round(hits / len(relevant), 3) if relevant else None)


def _row(q: dict, result: dict, ranked: list[str], cited: list[dict], signals: dict | None = None) -> dict:
    gold = q.get("gold", [])
    precision, recall = citation_scores(result, cited, gold)
    answer_hit = any(contains_gold(c["text"], gold) for c in cited) if gold else False
    voice = q.get("voice")
    voice_ok = None
    if voice and cited:
        gold_cited = [c for c in cited if contains_gold(c["text"], gold)] or cited
        voice_ok = gold_cited[0].get("voice") == voice
    return {"id": q["id"], "question": q["question"], "unanswerable": q["unanswerable"],
            "category": q.get("category"), "gold": gold,
            "rank": first_hit_rank(ranked, gold) if gold else None, "answer_hit": answer_hit,
            "refused": bool(result["refused"]), "voice": voice, "voice_ok": voice_ok,
            "latency_ms": result["latency_ms"], "cited": [c["text"][:200] for c in cited],
            "cited_chars": sum(len(c["text"]) for c in cited),
            "cite_precision": precision, "cite_recall": recall,
            "generated": result.get("generated"), "fallback_reason": result.get("fallback_reason"),
            "llm_refused": bool(result.get("llm_refused")),
            **(signals or {})}


def print_table(ours: dict, baseline: dict | None) -> None:
    width = max(len(label) for _, label in ROWS)
    head = f"{'metric':<{width}}  {'ours':>9}" + (f"  {'baseline':>9}" if baseline else "")
    print(head)
    print("-" * len(head))
    for key, label in ROWS:
        line = f"{label:<{width}}  {ours.get(key)!s:>9}"
        if baseline:
            line += f"  {baseline.get(key)!s:>9}"
        print(line)


def main(args) -> int:
    from assistant import Assistant
    from assistant.config import Settings

    questions_path = Path(args.questions) if args.questions else DEFAULT_QUESTIONS
    out = Path(args.out) if args.out else DEFAULT_OUT
    try:
        questions = load_questions(questions_path)
    except (OSError, EvalSetError) as exc:
        print(f"Evalueringssættet kunne ikke læses: {exc}", file=sys.stderr)
        return 2
    settings = Settings()
    if getattr(args, "generator", None):
        settings.generator = args.generator
    assistant = Assistant(settings)
    assistant.ask("opvarmning")  # load the index and the model before timing
    started = time.time()
    rows = run_ours(assistant, questions)
    ours = summarise(rows)
    ours["seconds"] = round(time.time() - started, 1)
    base_rows, base = None, None
    if getattr(args, "baseline", False):
        from ingest.embed import make_embedder

        from .baseline import Baseline
        baseline = Baseline(settings.corpus_dir, make_embedder(settings.embedder))
        base_rows = run_baseline(baseline, questions)
        base = summarise(base_rows)
        base["chunks"] = baseline.chunks
    print_table(ours, base)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps({"summary": ours, "questions": rows}, ensure_ascii=False, indent=1),
                                      encoding="utf-8")
    if base_rows is not None:
        (out / "baseline_results.json").write_text(
            json.dumps({"summary": base, "questions": base_rows}, ensure_ascii=False, indent=1), encoding="utf-8")
    (out / "report.md").write_text(markdown(ours, base, f"Eval: {questions_path.name}") +
                                   "\n![hit@k](hitk.png)\n", encoding="utf-8")
    chart(ours, base, out / "hitk.png")
    print(f"\nRapport: {out / 'report.md'}, graf: {out / 'hitk.png'}")
    failed = []
    if args.min_answer_hit is not None and ours["answer_hit"] < args.min_answer_hit:
        failed.append(f"answer-hit {ours['answer_hit']} < {args.min_answer_hit}")
    if args.min_refusal_recall is not None and ours["refusal_recall"] < args.min_refusal_recall:
        failed.append(f"refusal recall {ours['refusal_recall']} < {args.min_refusal_recall}")
    if failed:
        print("Under tærsklen: " + "; ".join(failed), file=sys.stderr)
        return 1
    return 0
