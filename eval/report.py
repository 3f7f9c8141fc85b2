"""Writes the eval report: Markdown tables (both halves and their gap, the baseline, per-category
figures) and a PNG chart of hit@k. A figure that cannot fail is shown as "n/a"."""
from __future__ import annotations

from pathlib import Path

from .metrics import GAP_KEYS, K_VALUES, gap, ratio

ROWS = [("hit@1", "Retrieval hit@1"), ("hit@3", "Retrieval hit@3"), ("hit@5", "Retrieval hit@5"),
        ("hit@10", "Retrieval hit@10"), ("mrr", "MRR"), ("answer_hit", "Answer-hit (cited passage has gold)"),
        ("false_refusals", "False refusals (answerable said absent)"),
        ("false_refusals_per_50", "False refusals per 50 answerable"),
        ("unsure", "Unsure answers (all questions)"), ("unsure_answerable", "Unsure on answerable"),
        ("refusal_recall", "Refusal recall (unanswerable refused)"),
        ("unanswerable_not_confident", "Unanswerable refused or unsure"), ("refusal_precision", "Refusal precision"),
        ("who_said", "Who-said questions"), ("voice_correct", "Voice correct (who-said questions)"),
        ("claims", "Claim questions"), ("claims_right", "Claim questions right"),
        ("claims_recorded_right", "… recorded claims right"), ("claims_unrecorded_right", "… unrecorded claims right"),
        ("english", "English questions"), ("english_right", "English right"),
        ("followups", "Follow-up questions"), ("followups_right", "Follow-ups right"),
        ("citation_precision", "Citation precision (cited passages with gold)"),
        ("citation_recall", "Citation recall (generated answers only)"),
        ("fallback_share", "Generated answers falling back to extractive"),
        ("llm_refusals", "Refusals by the LLM"),
        ("cited_chars", "Text a user must read (cited chars/answer)"),
        ("latency_p50_ms", "Latency p50 (ms)"), ("latency_p95_ms", "Latency p95 (ms)")]
# figures the baseline ratio is reported for (the targets)
RATIO_KEYS = ("answer_hit", "cited_chars")
CATEGORY_COLUMNS = [("questions", "n"), ("answer_hit", "answer-hit"), ("false_refusals", "false refusals"),
                    ("refusal_recall", "refusal recall"), ("unsure", "unsure"),
                    ("voice_correct", "voice"), ("right", "right")]


def table_rows():
    return ROWS


def cell(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _ratio_cell(a, b) -> str:
    r = ratio(a, b)
    return "n/a" if r is None else f"{r:.2f}×"


def _main_table(ours: dict[str, dict], base: dict[str, dict] | None) -> list[str]:
    halves = list(ours)
    split = len(halves) > 1
    head = ["metric"] + [f"ours {h}" if split else "ours" for h in halves]
    if split:
        head.append("gap (tune − test)")
    if base:
        head += [f"baseline {h}" if split else "baseline" for h in halves]
        head += [f"ratio {h}" if split else "ratio" for h in halves]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    diff = gap(ours["tune"], ours["test"]) if split else {}
    for key, label in ROWS:
        if not any(key in s for s in ours.values()):
            continue
        row = [label] + [cell(ours[h].get(key)) for h in halves]
        if split:
            row.append(cell(diff.get(key)) if key in GAP_KEYS else "")  # counts have no gap
        if base:
            row += [cell(base[h].get(key)) for h in halves]
            row += [_ratio_cell(ours[h].get(key), base[h].get(key)) if key in RATIO_KEYS or not split
                    else "" for h in halves]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def _category_table(summary: dict) -> list[str]:
    cats = summary.get("categories") or {}
    if not cats:
        return []
    lines = ["| category | " + " | ".join(label for _, label in CATEGORY_COLUMNS) + " |",
             "|---|" + "---|" * len(CATEGORY_COLUMNS)]
    for cat, s in cats.items():
        lines.append(f"| {cat} | " + " | ".join(cell(s.get(k)) for k, _ in CATEGORY_COLUMNS) + " |")
    return lines


CAUSES = {"expected": "asks for a kind of answer no passage holds (expect.toml)",
          "missing": "names a specific word the corpus lacks", "topic_missing": "no topic word in the corpus",
          "far": "no passage close in meaning", "none": "nothing found", "claim_no": "claim answered «Nej»"}


def _causes_table(ours: dict[str, dict]) -> list[str]:
    """Why questions were said absent: false refusals (answerable) and refusals (unanswerable), by cause."""
    halves = list(ours)
    keys = [k for k in ("false_refusal_causes", "refusal_causes") if any(ours[h].get(k) for h in halves)]
    causes = list(dict.fromkeys(c for h in halves for k in keys for c in (ours[h].get(k) or {})))
    if not causes:
        return []
    cols = [(h, k) for k in keys for h in halves]
    label = {"false_refusal_causes": "false refusals", "refusal_causes": "refusals of unanswerable"}
    head = ["cause"] + [f"{label[k]}{'' if h == 'all' else f' ({h})'}" for h, k in cols]
    lines = ["", "## Why questions were said absent", "", "| " + " | ".join(head) + " |",
             "|" + "---|" * len(head)]
    for c in causes:
        lines.append(f"| {CAUSES.get(c, c)} | " + " | ".join(str((ours[h].get(k) or {}).get(c, 0)) for h, k in cols) + " |")
    return lines


def markdown(ours: dict[str, dict], baseline: dict[str, dict] | None, title: str, command: str = "") -> str:
    """ours/baseline: {half label: summary}."""
    lines = [f"# {title}", ""]
    if command:
        lines += [f"Command: `{command}`", ""]
    for h, s in ours.items():
        label = "" if h == "all" else f"{h.capitalize()} half: "
        lines.append(f"- {label}{s['questions']} questions ({s['answerable']} answerable, "
                     f"{s['unanswerable']} unanswerable).")
    lines += ["", "Thresholds, boosts and rules are tuned on the tuning half only (`python -m eval.calibrate`); "
              "the test half holds the questions written blind (ids b…) and the odd-CRC-32 half of the rest "
              "(eval/split.py). \"n/a\" marks a figure that cannot fail on this set (no such questions, or "
              "citation recall of extractive answers, which cite every passage they were written from). "
              "\"Unsure\" answers («Jeg fandt ikke et sikkert svar …») are neither refusals nor answers; "
              "a claim question is right when a recorded claim is answered with a passage that states it "
              "(not unsure) and an unrecorded one is refused or answered «Nej».", ""]
    if baseline:
        chunks = next(iter(baseline.values())).get("chunks", "?")
        lines += [f"Baseline: llama-index `SentenceSplitter` defaults over the raw files ({chunks} chunks of up "
                  "to 1024 tokens), the same embedder, vector-only top 10, five chunks cited, no refusal; a "
                  "follow-up is sent with the previous question in front. Its chunks are about ten times "
                  "longer than our passages, so a cited chunk contains a gold string more easily: compare the "
                  "text a user must read.", ""]
    lines += _main_table(ours, baseline)
    lines += _causes_table(ours)
    for h, s in ours.items():
        table = _category_table(s)
        if table:
            lines += ["", f"## Per category ({'whole set' if h == 'all' else h + ' half'})", ""] + table
    return "\n".join(lines) + "\n"


def chart(ours: dict[str, dict], baseline: dict[str, dict] | None, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=110)
    ks = list(K_VALUES)
    for h, s in ours.items():
        label = "Rammeaftale-assistenten" + ("" if h == "all" else f" ({h})")
        ax.plot(ks, [s[f"hit@{k}"] or 0 for k in ks], marker="o", linewidth=2, label=label)
    for h, s in (baseline or {}).items():
        label = "Baseline (llama-index, kun vektorer)" + ("" if h == "all" else f" ({h})")
        ax.plot(ks, [s[f"hit@{k}"] or 0 for k in ks], marker="s", linewidth=2, linestyle="--", label=label)
    ax.set_xticks(ks)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("k (antal hentede passager)")
    ax.set_ylabel("Andel spørgsmål med en korrekt passage i top k")
    ax.set_title("Retrieval hit@k på projektets evalueringssæt")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
