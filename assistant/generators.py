"""The generator clients: a mapping from generator name to a factory of its llama-index LLM,
and an HTTP transport whose reads end at the caller's deadline.

A server that trickles one byte every two seconds never trips a per-read timeout; the transport
here clamps every socket read and write to the time left before the deadline set with
`deadline(seconds)` in the calling thread, so the request fails at the deadline, its connection
is closed and the thread ends.
"""
from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

MAX_TOKENS = 600          # an answer is at most a few sentences
CONTEXT_WINDOW = 8192


class LLMConfigError(ValueError):
    """The generator is configured incompletely (missing model, URL, GGUF file or extra)."""


# -- deadlines ----------------------------------------------------------------------------------
_local = threading.local()


@contextmanager
def deadline(seconds: float):
    """Every HTTP read and write in this thread, through `deadline_transport`, ends by
    `seconds` from now."""
    before = getattr(_local, "at", None)
    _local.at = time.monotonic() + float(seconds)
    try:
        yield
    finally:
        _local.at = before


def _clamp(timeout: float | None) -> float | None:
    at = getattr(_local, "at", None)
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        return 0.0
    return left if timeout is None else min(timeout, left)


def _deadline_backend():
    import httpcore
    from httpcore._backends.sync import SyncBackend, SyncStream

    class DeadlineStream(SyncStream):
        def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
            t = _clamp(timeout)
            if t == 0.0:
                raise httpcore.ReadTimeout("deadline passed")
            return super().read(max_bytes, t)

        def write(self, buffer: bytes, timeout: float | None = None) -> None:
            t = _clamp(timeout)
            if t == 0.0:
                raise httpcore.WriteTimeout("deadline passed")
            super().write(buffer, t)

        def start_tls(self, ssl_context, server_hostname=None, timeout=None):
            stream = super().start_tls(ssl_context, server_hostname, _clamp(timeout))
            return DeadlineStream(stream._sock) if isinstance(stream, SyncStream) else stream

    class DeadlineBackend(SyncBackend):
        def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
            stream = super().connect_tcp(host, port, _clamp(timeout), local_address, socket_options)
            return DeadlineStream(stream._sock)

    return DeadlineBackend()


def deadline_transport():
    """An httpx transport (HTTP/1.1, system proxies not used) whose socket operations obey
    `deadline`; a plain transport if this httpcore has no such backend."""
    import httpcore
    import httpx
    transport = httpx.HTTPTransport()
    try:
        transport._pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(),
                                                  network_backend=_deadline_backend())
    except Exception:  # noqa: BLE001 - an httpcore without the sync backend: per-read timeouts only
        pass
    return transport


# -- factories ----------------------------------------------------------------------------------
def _openai(settings):
    if not settings.llm_model:
        raise LLMConfigError("generator 'openai' needs RAMMEAFTALE_LLM_MODEL")
    import httpx
    from llama_index.llms.openai_like import OpenAILike
    timeout = float(settings.llm_timeout_s)
    return OpenAILike(
        api_base=settings.llm_url or None,  # None: the OpenAI API itself
        model=settings.llm_model,
        api_key=os.environ.get(settings.llm_api_key_env, "none") or "none",
        is_chat_model=True, is_function_calling_model=False,
        context_window=CONTEXT_WINDOW, max_tokens=MAX_TOKENS, temperature=0.1,
        timeout=timeout, max_retries=0,
        http_client=httpx.Client(transport=deadline_transport(), timeout=timeout),
    )


def _ollama(settings):
    if not settings.llm_model:
        raise LLMConfigError("generator 'ollama' needs RAMMEAFTALE_LLM_MODEL, e.g. qwen2.5:7b")
    from llama_index.llms.ollama import Ollama
    from ollama import Client
    timeout = float(settings.llm_timeout_s)
    base_url = (settings.llm_url or "http://localhost:11434").rstrip("/")
    return Ollama(
        model=settings.llm_model, base_url=base_url, request_timeout=timeout, temperature=0.1,
        context_window=CONTEXT_WINDOW,  # sent as num_ctx; also spares a /api/show round trip
        additional_kwargs={"num_predict": MAX_TOKENS}, is_function_calling_model=False,
        client=Client(host=base_url, timeout=timeout, transport=deadline_transport()),
    )


def _llamacpp(settings):
    try:
        from llama_index.llms.llama_cpp import LlamaCPP
    except ImportError as exc:
        raise LLMConfigError(
            "generator 'llamacpp' needs the optional extra: pip install llama-index-llms-llama-cpp "
            "llama-cpp-python (builds from source, about 9 minutes on 2 cores); or run "
            "`python -m llama_cpp.server --model FILE.gguf` and use generator 'openai'") from exc
    if not settings.gguf_path or not Path(settings.gguf_path).is_file():
        raise LLMConfigError(f"generator 'llamacpp' needs RAMMEAFTALE_GGUF_PATH to name a .gguf file "
                             f"(got {settings.gguf_path!r})")
    return LlamaCPP(model_path=str(settings.gguf_path), temperature=0.1, max_new_tokens=MAX_TOKENS,
                    context_window=CONTEXT_WINDOW, model_kwargs={"n_gpu_layers": 0}, verbose=False)


FACTORIES: dict[str, Callable] = {"openai": _openai, "ollama": _ollama, "llamacpp": _llamacpp}
GENERATORS = ("extractive", *FACTORIES)
LOCAL = frozenset({"llamacpp"})  # in-process models: one question at a time


def kind(settings) -> str:
    return (getattr(settings, "generator", "") or "extractive").strip().lower()


def make_llm(settings):
    """The llama-index LLM for settings.generator (a name in FACTORIES)."""
    factory = FACTORIES.get(kind(settings))
    if factory is None:
        raise LLMConfigError(f"unknown generator {settings.generator!r}; choose one of {', '.join(GENERATORS)}")
    return factory(settings)
