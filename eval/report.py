"""Writes the eval report: a Markdown table and a PNG chart of hit@k (ours and the baseline)."""
from __future__ import annotations

from pathlib import Path

from .metrics import K_VALUES

ROWS = [("hit@1", "Retrieval hit@1"), ("hit@3", "Retrieval hit@3"), ("hit@5", "Retrieval hit@5"),
        ("hit@10", "Retrieval hit@10"), ("mrr", "MRR"), ("answer_hit", "Answer-hit (cited passage has gold)"),
        ("voice_correct", "Voice correct (who-said questions)"), ("refusal_recall", "Refusal recall"),
        ("refusal_precision", "Refusal precision"), ("false_refusals", "False refusals"),
        ("citation_precision", "Citation precision (cited passages with gold)"),
        ("citation_recall", "Citation recall (gold passages cited)"),
        ("fallback_share", "Generated answers falling back to extractive"),
        ("llm_refusals", "Refusals by the LLM"),
        ("cited_chars", "Text a user must read (cited chars/answer)"),
        ("latency_p50_ms", "Latency p50 (ms)"), ("latency_p95_ms", "Latency p95 (ms)")]


def markdown(ours: dict, baseline: dict | None, title: str) -> str:
    lines = [f"# {title}", "", f"{ours['questions']} questions ({ours['answerable']} answerable, "
             f"{ours['unanswerable']} unanswerable).", ""]
    if baseline:
        lines += [f"Baseline: llama-index `SentenceSplitter` defaults over the raw files "
                  f"({baseline.get('chunks', '?')} chunks of up to 1024 tokens), the same embedder, "
                  "vector-only top 10, five chunks cited, no refusal. Its chunks are about ten times "
                  "longer than our passages, so a cited chunk contains a gold string more easily: "
                  "compare the text a user must read.", ""]
        lines += ["| metric | ours | baseline | ratio |", "|---|---|---|---|"]
        for key, label in ROWS:
            a, b = ours.get(key), baseline.get(key)
            ratio = f"{a / b:.2f}×" if isinstance(a, (int, float)) and b else "–"
            lines.append(f"| {label} | {a} | {b} | {ratio} |")
    else:
        lines += ["| metric | ours |", "|---|---|"]
        lines += [f"| {label} | {ours.get(key)} |" for key, label in ROWS]
    return "\n".join(lines) + "\n"


def chart(ours: dict, baseline: dict | None, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=110)
    ks = list(K_VALUES)
    ax.plot(ks, [ours[f"hit@{k}"] for k in ks], marker="o", linewidth=2, label="Rammeaftale-assistenten")
    if baseline:
        ax.plot(ks, [baseline[f"hit@{k}"] for k in ks], marker="s", linewidth=2, linestyle="--",
                label="Baseline (llama-index, kun vektorer)")
    ax.set_xticks(ks)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("k (antal hentede passager)")
    ax.set_ylabel("Andel spørgsmål med en korrekt passage i top k")
    ax.set_title("Retrieval hit@k på projektets evalueringssæt")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
