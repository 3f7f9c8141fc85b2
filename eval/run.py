"""`rammeaftale eval`: runs an eval set through the assistant (and the baseline), prints a
table, writes per-question JSON, a Markdown report and a PNG chart.

The project's own set (eval/questions.jsonl) is split by a fixed rule on the id (eval/split.py):
`--half test` (the default) scores the test half, `--half tune` the tuning half, `--half all`
both, side by side with the gap. Any other JSONL in the design.md format (`--questions PATH`) is
one set unless `--half` is given and every line has an id.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from .metrics import by_category, contains_gold, first_hit_rank, gap, judge, summarise
from .report import chart, markdown, table_rows
from .split import HALVES, half

HERE = Path(__file__).resolve().parent
DEFAULT_QUESTIONS = HERE / "questions.jsonl"
DEFAULT_OUT = HERE / "reports"
SINGLE = "all"  # the label of a set that is not split


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
        if q.get("previous") is not None and not isinstance(q["previous"], str):
            raise EvalSetError(f"{path}:{n}: \"previous\" must be a string")
        if not isinstance(q.get("gold", []), list):
            raise EvalSetError(f"{path}:{n}: \"gold\" must be a list of strings")
        q["has_id"] = isinstance(q.get("id"), str) and bool(q["id"])
        if not q["has_id"]:
            q["id"] = f"line{n}"
        q.setdefault("gold", [])
        q["unanswerable"] = bool(q.get("unanswerable", False))
        questions.append(q)
    if not questions:
        raise EvalSetError(f"{path}: no questions")
    return questions


def halves_of(questions: list[dict], which: str | None, own_set: bool) -> dict[str, list[dict]]:
    """{label: questions}. The own set defaults to the test half; a foreign set, or any set whose
    lines lack ids, is one set ("all") unless a half is asked for and every line has an id."""
    if which is None:
        which = "test" if own_set else SINGLE
    if which == SINGLE or not all(q["has_id"] for q in questions):
        return {SINGLE: list(questions)}
    if which not in (*HALVES, "both"):
        raise EvalSetError(f"unknown half {which!r}: use tune, test or all")
    wanted = HALVES if which == "both" else (which,)
    return {h: [q for q in questions if half(q["id"]) == h] for h in wanted}


def _previous(q: dict) -> str | None:
    p = q.get("previous")
    return p if isinstance(p, str) and p.strip() else None


def _signals(assistant, q: dict, hits) -> dict:
    """The support signals of the best passages (for calibration), when the retriever has them."""
    try:
        support = assistant.ready().support(q["question"], hits)
        return {"dense_top": round(support["dense"], 4), "coverage": round(support["coverage"], 3),
                "unknown_words": support["missing"]}
    except Exception:  # noqa: BLE001 - a figure for the per-question file only, never fatal
        return {}


def run_ours(assistant, questions: list[dict]) -> list[dict]:
    rows = []
    for q in questions:
        previous = _previous(q)
        hits = assistant.search(q["question"], previous=previous)
        result = assistant.ask(q["question"], previous=previous)
        ranked = [h.record["text"] for h in hits[:10]]
        rows.append(_row(q, result, ranked, cited_passages(result), signals=_signals(assistant, q, hits)))
    return rows


def run_baseline(baseline, questions: list[dict]) -> list[dict]:
    """The baseline has no conversation: a follow-up is sent with the previous question in front,
    as a naive chat window would."""
    rows = []
    for q in questions:
        previous = _previous(q)
        result = baseline.ask(f"{previous} {q['question']}" if previous else q["question"])
        row = _row(q, result, result["ranked"], result["citations"])
        row["voice_ok"] = None  # its chunks carry no voice: the figure is n/a, not 0
        row["right"] = row["refused"] if row["unanswerable"] else row["answer_hit"]
        rows.append(row)
    return rows


def cited_passages(result: dict) -> list[dict]:
    """The passages the answer cites: all citations of an extractive answer, only the numbers a
    generated answer used ("cited", see assistant/llm.py)."""
    citations = result.get("citations", []) or []
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
    verdict = judge(q, result, cited)
    precision, recall = citation_scores(result, cited, gold)
    return {"id": q["id"], "half": half(q["id"]) if q.get("has_id", True) else SINGLE,
            "question": q["question"], "previous": _previous(q), "unanswerable": q["unanswerable"],
            "category": q.get("category"), "gold": gold,
            "rank": first_hit_rank(ranked, gold) if gold else None, "answer_hit": verdict["answer_hit"],
            "refused": verdict["absent"], "unsure": verdict["unsure"], "kind": result.get("kind"),
            "right": verdict["right"], "claim_ok": verdict["claim_ok"],
            "voice": q.get("voice"), "voice_ok": verdict["voice_ok"],
            "latency_ms": result.get("latency_ms", 0.0), "cited": [c.get("text", "")[:200] for c in cited],
            "cited_chars": sum(len(c.get("text", "")) for c in cited),
            "cite_precision": precision, "cite_recall": recall,
            "generated": result.get("generated"), "fallback_reason": result.get("fallback_reason"),
            "llm_refused": bool(result.get("llm_refused")), "rewritten": result.get("rewritten"),
            "cause": result.get("cause") or (result.get("kind") if verdict["absent"] else None),
            **(signals or {})}


def _cell(value) -> str:
    return "n/a" if value is None else str(value)


def print_table(columns: dict[str, dict]) -> None:
    labels = [label for _, label in table_rows()]
    width = max(len(label) for label in labels)
    names = list(columns)
    head = f"{'metric':<{width}}" + "".join(f"  {n:>12}" for n in names)
    print(head)
    print("-" * len(head))
    for key, label in table_rows():
        if all(key not in c for c in columns.values()):
            continue
        print(f"{label:<{width}}" + "".join(f"  {_cell(columns[n].get(key)):>12}" for n in names))


def summarise_halves(rows_by_half: dict[str, list[dict]]) -> dict[str, dict]:
    out = {}
    for h, rows in rows_by_half.items():
        out[h] = summarise(rows)
        out[h]["categories"] = by_category(rows)
    return out


def main(args) -> int:
    from assistant import Assistant
    from assistant.config import Settings

    questions_path = Path(args.questions) if args.questions else DEFAULT_QUESTIONS
    own_set = questions_path.resolve() == DEFAULT_QUESTIONS.resolve()
    out = Path(args.out) if args.out else DEFAULT_OUT
    which = getattr(args, "half", None)
    try:
        questions = load_questions(questions_path)
        sets = halves_of(questions, "both" if which == "all" else which, own_set)
    except (OSError, EvalSetError) as exc:
        print(f"Evalueringssættet kunne ikke læses: {exc}", file=sys.stderr)
        return 2
    if which in HALVES and SINGLE in sets:
        print("Bemærk: sættet har ikke id'er på alle linjer og deles derfor ikke i halvdele.", file=sys.stderr)
    settings = Settings()
    if getattr(args, "generator", None):
        settings.generator = args.generator
    assistant = Assistant(settings)
    assistant.ask("opvarmning")  # load the index and the model before timing
    started = time.time()
    ours_rows = {h: run_ours(assistant, qs) for h, qs in sets.items()}
    ours = summarise_halves(ours_rows)
    seconds = round(time.time() - started, 1)
    base_rows, base = None, None
    if getattr(args, "baseline", False):
        from ingest.embed import make_embedder

        from .baseline import Baseline
        baseline = Baseline(settings.corpus_dir, make_embedder(settings.embedder))
        base_rows = {h: run_baseline(baseline, qs) for h, qs in sets.items()}
        base = summarise_halves(base_rows)
        for s in base.values():
            s["chunks"] = baseline.chunks
    columns = {f"ours {h}" if len(sets) > 1 else "ours": s for h, s in ours.items()}
    if len(sets) > 1:
        columns["gap tune-test"] = gap(ours["tune"], ours["test"])
    if base:
        columns.update({f"baseline {h}" if len(sets) > 1 else "baseline": s for h, s in base.items()})
    print_table(columns)
    out.mkdir(parents=True, exist_ok=True)
    summary = ours[next(iter(ours))] if len(ours) == 1 else {"halves": ours, "gap": gap(ours["tune"], ours["test"])}
    payload = {"summary": summary, "seconds": seconds, "questions": [r for rows in ours_rows.values() for r in rows]}
    (out / "results.json").write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    if base_rows is not None:
        bsum = base[next(iter(base))] if len(base) == 1 else {"halves": base}
        (out / "baseline_results.json").write_text(json.dumps(
            {"summary": bsum, "questions": [r for rows in base_rows.values() for r in rows]},
            ensure_ascii=False, indent=1), encoding="utf-8")
    title = f"Eval: {questions_path.name}" + (f" ({', '.join(sets)})" if SINGLE not in sets else "")
    command = "rammeaftale eval" + (f" --questions {args.questions}" if args.questions else "") + \
        (f" --half {which}" if which else "") + (" --baseline" if getattr(args, "baseline", False) else "")
    (out / "report.md").write_text(markdown(ours, base, title, command.strip()) + "\n![hit@k](hitk.png)\n",
                                   encoding="utf-8")
    chart(ours, base, out / "hitk.png")
    print(f"\nRapport: {out / 'report.md'}, graf: {out / 'hitk.png'}")
    gated = ours.get("test") or ours[next(iter(ours))]
    failed = []
    if args.min_answer_hit is not None and (gated["answer_hit"] or 0) < args.min_answer_hit:
        failed.append(f"answer-hit {gated['answer_hit']} < {args.min_answer_hit}")
    if args.min_refusal_recall is not None and (gated["refusal_recall"] or 0) < args.min_refusal_recall:
        failed.append(f"refusal recall {gated['refusal_recall']} < {args.min_refusal_recall}")
    if failed:
        print("Under tærsklen: " + "; ".join(failed), file=sys.stderr)
        return 1
    return 0
