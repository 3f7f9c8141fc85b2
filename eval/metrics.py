"""Eval metrics (pure): gold matching, hit@k, MRR, refusal precision/recall, percentiles."""
from __future__ import annotations

import re

K_VALUES = (1, 3, 5, 10)


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip().lower()


def contains_gold(text: str, gold: list[str]) -> bool:
    t = norm(text)
    return any(norm(g) in t for g in gold if norm(g))


def first_hit_rank(texts: list[str], gold: list[str]) -> int | None:
    """1-based rank of the first text that contains a gold string."""
    for rank, text in enumerate(texts, 1):
        if contains_gold(text, gold):
            return rank
    return None


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo, hi = int(pos), min(int(pos) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def summarise(rows: list[dict]) -> dict:
    """rows: per-question results with keys unanswerable, rank (retrieval), answer_hit, refused,
    voice_ok (None when the question names no voice), latency_ms."""
    answerable = [r for r in rows if not r["unanswerable"]]
    unanswerable = [r for r in rows if r["unanswerable"]]
    out: dict = {"questions": len(rows), "answerable": len(answerable), "unanswerable": len(unanswerable)}
    for k in K_VALUES:
        out[f"hit@{k}"] = _share(answerable, lambda r: r["rank"] is not None and r["rank"] <= k)
    out["mrr"] = round(sum(1 / r["rank"] for r in answerable if r["rank"]) / len(answerable), 3) if answerable else 0.0
    out["answer_hit"] = _share(answerable, lambda r: r["answer_hit"])
    voiced = [r for r in answerable if r.get("voice_ok") is not None]
    out["voice_correct"] = _share(voiced, lambda r: r["voice_ok"])
    refused_right = sum(1 for r in unanswerable if r["refused"])
    refused_all = sum(1 for r in rows if r["refused"])
    out["refusal_recall"] = round(refused_right / len(unanswerable), 3) if unanswerable else 0.0
    out["refusal_precision"] = round(refused_right / refused_all, 3) if refused_all else 0.0
    out["false_refusals"] = sum(1 for r in answerable if r["refused"])
    precisions = [r["cite_precision"] for r in answerable if r.get("cite_precision") is not None]
    recalls = [r["cite_recall"] for r in answerable if r.get("cite_recall") is not None]
    out["citation_precision"] = round(sum(precisions) / len(precisions), 3) if precisions else None
    out["citation_recall"] = round(sum(recalls) / len(recalls), 3) if recalls else None
    tried = [r for r in rows if r.get("generated") is not None]  # an LLM was asked (not refused before)
    if tried:
        out["generated_share"] = _share(tried, lambda r: r["generated"])
        out["fallback_share"] = _share(tried, lambda r: not r["generated"])
        reasons: dict[str, int] = {}
        for r in tried:
            if not r["generated"]:
                reasons[r.get("fallback_reason") or "?"] = reasons.get(r.get("fallback_reason") or "?", 0) + 1
        out["fallback_reasons"] = dict(sorted(reasons.items()))
        out["llm_refusals"] = sum(1 for r in tried if r.get("llm_refused"))
    answered = [r for r in answerable if not r["refused"]]
    out["cited_chars"] = round(sum(r.get("cited_chars", 0) for r in answered) / len(answered)) if answered else 0
    latencies = [r["latency_ms"] for r in rows]
    out["latency_p50_ms"] = round(percentile(latencies, 0.5), 1)
    out["latency_p95_ms"] = round(percentile(latencies, 0.95), 1)
    return out


def _share(rows, pred) -> float:
    return round(sum(1 for r in rows if pred(r)) / len(rows), 3) if rows else 0.0
