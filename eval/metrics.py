"""Eval metrics (pure): gold matching, hit@k, MRR, refusals, claims, per-category figures.

A figure that cannot fail on the given rows is None ("n/a" in the report), never a number:
voice figures without who-said questions, refusal figures without unanswerable questions,
citation recall of extractive answers (they cite every passage they were written from), and so on.
"""
from __future__ import annotations

import re

K_VALUES = (1, 3, 5, 10)
ABSENT_KINDS = ("refused", "claim_no")  # the answer says "not in the material"


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


# --------------------------------------------------------------------------- one question


def says_absent(result: dict) -> bool:
    """The answer claims the material does not hold it: a refusal or a «Nej, det fremgår ikke»."""
    return bool(result.get("refused")) or result.get("kind") in ABSENT_KINDS


def is_unsure(result: dict) -> bool:
    """«Jeg fandt ikke et sikkert svar …» with the closest passages: neither an answer nor a refusal."""
    return bool(result.get("unsure")) or result.get("kind") == "unsure"


def passage_texts(citation: dict) -> list[str]:
    """The text of a cited statement and of every other place it was recorded, the organisers'
    additions shown with it (their parentheses after a user's card), and the topic heading the
    answer shows before its quote (`context`: «Forøget kommunal selvforsyning (95%): «Derfor …»»)."""
    return [citation.get("text", "")] + [p.get("text", "") for p in citation.get("also_in", []) or []
                                         if isinstance(p, dict)] + [
        a.get("text", "") for a in citation.get("additions", []) or [] if isinstance(a, dict)] + [
        str(citation.get("context") or "")]


def holds_gold(citation: dict, gold: list[str]) -> bool:
    return any(contains_gold(t, gold) for t in passage_texts(citation))


def judge(q: dict, result: dict, cited: list[dict]) -> dict:
    """Per-question verdicts. `cited` are the passages the answer cites."""
    gold = q.get("gold") or []
    unanswerable = bool(q.get("unanswerable"))
    absent, unsure = says_absent(result), is_unsure(result)
    answer_hit = bool(gold) and not absent and any(holds_gold(c, gold) for c in cited)
    voice_ok = None  # the voice of the passage that answers (else of the lead passage); n/a if none cited
    if q.get("voice") and not unanswerable and cited and not absent:
        lead = next((c for c in cited if holds_gold(c, gold)), cited[0])
        voice_ok = lead.get("voice") == q["voice"]
    if unanswerable:
        right = absent
    else:
        right = answer_hit and voice_ok is not False
    claim_ok = None
    if q.get("category") == "claim":
        claim_ok = absent if unanswerable else (answer_hit and not unsure)
    return {"absent": absent, "unsure": unsure, "answer_hit": answer_hit, "voice_ok": voice_ok,
            "right": right, "claim_ok": claim_ok}


# --------------------------------------------------------------------------- a set of questions


def _share(rows, pred):
    """Share of rows for which pred holds; None (n/a) without rows."""
    return round(sum(1 for r in rows if pred(r)) / len(rows), 3) if rows else None


def _causes(rows) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in rows:
        cause = r.get("cause") or "refused"
        out[cause] = out.get(cause, 0) + 1
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def _mean(values):
    return round(sum(values) / len(values), 3) if values else None


def summarise(rows: list[dict]) -> dict:
    """rows: per-question results (see eval/run.py `_row`)."""
    answerable = [r for r in rows if not r["unanswerable"]]
    unanswerable = [r for r in rows if r["unanswerable"]]
    out: dict = {"questions": len(rows), "answerable": len(answerable), "unanswerable": len(unanswerable)}
    for k in K_VALUES:
        out[f"hit@{k}"] = _share(answerable, lambda r, k=k: r["rank"] is not None and r["rank"] <= k)
    out["mrr"] = round(sum(1 / r["rank"] for r in answerable if r["rank"]) / len(answerable), 3) if answerable else None
    out["answer_hit"] = _share(answerable, lambda r: r["answer_hit"])
    out["false_refusals"] = sum(1 for r in answerable if r["refused"]) if answerable else None
    out["false_refusals_per_50"] = (round(50 * out["false_refusals"] / len(answerable), 2)
                                    if answerable else None)
    # why answerable questions were said absent, and why unanswerable ones were refused (the
    # assistant's refusal cause, assistant/answer.refusal_cause; "claim_no" for a «Nej»)
    out["false_refusal_causes"] = _causes(r for r in answerable if r["refused"])
    out["refusal_causes"] = _causes(r for r in unanswerable if r["refused"])
    out["unsure"] = sum(1 for r in rows if r.get("unsure"))
    out["unsure_answerable"] = sum(1 for r in answerable if r.get("unsure"))
    out["unsure_unanswerable"] = sum(1 for r in unanswerable if r.get("unsure"))
    voiced = [r for r in answerable if r.get("voice_ok") is not None]
    out["who_said"] = len(voiced)
    out["voice_correct"] = _share(voiced, lambda r: r["voice_ok"])
    refused_all = [r for r in rows if r["refused"]]
    out["refusal_recall"] = _share(unanswerable, lambda r: r["refused"])
    # what the user sees of an unanswerable question: a refusal, or «Jeg fandt ikke et sikkert svar»
    # / «Jeg fandt ikke præcis det udsagn …» (no confident answer) rather than an answer
    out["unanswerable_not_confident"] = _share(unanswerable, lambda r: r["refused"] or r.get("unsure"))
    out["refusal_precision"] = (_share(refused_all, lambda r: r["unanswerable"])
                                if unanswerable and refused_all else None)
    claims = [r for r in rows if r.get("claim_ok") is not None]
    out["claims"] = len(claims)
    out["claims_right"] = _share(claims, lambda r: r["claim_ok"])
    out["claims_recorded_right"] = _share([r for r in claims if not r["unanswerable"]], lambda r: r["claim_ok"])
    out["claims_unrecorded_right"] = _share([r for r in claims if r["unanswerable"]], lambda r: r["claim_ok"])
    english = [r for r in rows if r.get("category") == "english"]
    out["english"] = len(english)
    out["english_right"] = _share(english, lambda r: r["right"])
    followups = [r for r in rows if r.get("previous")]
    out["followups"] = len(followups)
    out["followups_right"] = _share(followups, lambda r: r["right"])
    out["citation_precision"] = _mean([r["cite_precision"] for r in answerable if r.get("cite_precision") is not None])
    # An extractive answer cites every passage it was written from: its recall is 1.0 by
    # definition, so only generated answers (which choose what to cite) give a figure.
    out["citation_recall"] = _mean([r["cite_recall"] for r in answerable
                                    if r.get("generated") and r.get("cite_recall") is not None])
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
    out["cited_chars"] = round(sum(r.get("cited_chars", 0) for r in answered) / len(answered)) if answered else None
    latencies = [r["latency_ms"] for r in rows]
    out["latency_p50_ms"] = round(percentile(latencies, 0.5), 1)
    out["latency_p95_ms"] = round(percentile(latencies, 0.95), 1)
    return out


def by_category(rows: list[dict]) -> dict[str, dict]:
    """Per category: questions, answer-hit, false refusals, refusal recall, unsure, voice, right."""
    out = {}
    for cat in sorted({r.get("category") or "?" for r in rows}):
        sub = [r for r in rows if (r.get("category") or "?") == cat]
        ans = [r for r in sub if not r["unanswerable"]]
        una = [r for r in sub if r["unanswerable"]]
        voiced = [r for r in ans if r.get("voice_ok") is not None]
        out[cat] = {"questions": len(sub), "answerable": len(ans), "unanswerable": len(una),
                    "answer_hit": _share(ans, lambda r: r["answer_hit"]),
                    "false_refusals": sum(1 for r in ans if r["refused"]) if ans else None,
                    "refusal_recall": _share(una, lambda r: r["refused"]),
                    "unsure": sum(1 for r in sub if r.get("unsure")),
                    "voice_correct": _share(voiced, lambda r: r["voice_ok"]),
                    "right": _share(sub, lambda r: r["right"])}
    return out


def ratio(ours, base) -> float | None:
    """ours / baseline, None when either is n/a or the baseline is 0."""
    if isinstance(ours, (int, float)) and isinstance(base, (int, float)) and base:
        return round(ours / base, 2)
    return None


# figures whose tune − test gap means something: shares and rates, not counts
GAP_KEYS = (*(f"hit@{k}" for k in K_VALUES), "mrr", "answer_hit", "false_refusals_per_50", "refusal_recall", "unanswerable_not_confident",
            "refusal_precision", "voice_correct", "claims_right", "claims_recorded_right",
            "claims_unrecorded_right", "english_right", "followups_right", "citation_precision", "citation_recall")


def gap(tune: dict, test: dict) -> dict:
    """tune − test for every share or rate both halves have (positive on a higher-is-better figure:
    the tuning half looks better than the questions nothing was tuned on)."""
    return {k: round(tune[k] - test[k], 3) for k in GAP_KEYS
            if isinstance(tune.get(k), (int, float)) and isinstance(test.get(k), (int, float))}
