"""The eval set through the real assistant: quality may not drop below eval/thresholds.toml."""
import tomllib

from eval.metrics import summarise
from eval.run import DEFAULT_QUESTIONS, load_questions, run_ours

from .conftest import REPO


def test_eval_set_meets_the_quality_gate(assistant):
    gate = tomllib.loads((REPO / "eval" / "thresholds.toml").read_text(encoding="utf-8"))
    summary = summarise(run_ours(assistant, load_questions(DEFAULT_QUESTIONS)))
    assert summary["answer_hit"] >= gate["min_answer_hit"], summary
    assert summary["refusal_recall"] >= gate["min_refusal_recall"], summary
    assert summary["false_refusals"] <= gate["max_false_refusals"], summary
    assert summary["voice_correct"] >= gate["min_voice_correct"], summary


def test_eval_cli_writes_report_chart_and_per_question_results(settings, built_index, tmp_path):
    import json
    import os
    import subprocess
    import sys
    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in [
        {"id": "a", "question": "hvad sagde brugerne om overgange?", "gold": ["overgange"], "unanswerable": False},
        {"id": "b", "question": "Hvem vandt folketingsvalget i 2022?", "gold": [], "unanswerable": True},
    ]), encoding="utf-8")
    env = {**os.environ, "RAMMEAFTALE_DATA_DIR": str(settings.data_dir), "RAMMEAFTALE_CACHE_DIR": str(settings.cache_dir)}
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "assistant.cli", "eval", "--questions", str(questions),
                           "--out", str(out), "--baseline"], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "Answer-hit" in proc.stdout and "baseline" in proc.stdout
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert [r["id"] for r in results["questions"]] == ["a", "b"]
    assert results["summary"]["answer_hit"] == 1.0 and results["summary"]["refusal_recall"] == 1.0
    assert (out / "hitk.png").read_bytes()[:4] == b"\x89PNG"
    assert "| metric | ours | baseline | ratio |" in (out / "report.md").read_text(encoding="utf-8")


def test_eval_cli_rejects_a_broken_question_file(settings, tmp_path):
    import os
    import subprocess
    import sys
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n", encoding="utf-8")
    env = {**os.environ, "RAMMEAFTALE_DATA_DIR": str(settings.data_dir)}
    proc = subprocess.run([sys.executable, "-m", "assistant.cli", "eval", "--questions", str(bad)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "kunne ikke læses" in proc.stderr and "Traceback" not in proc.stderr
