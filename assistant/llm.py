"""Optional generated answers: a short Danish summary written by an LLM from the numbered
passages only, every sentence cited and checked against the passages it cites (assistant/verify.py);
the extractive answer stays the default and is the fallback whenever anything goes wrong.

Generators (RAMMEAFTALE_GENERATOR): "extractive" (default, no LLM) or a name in
assistant.generators.FACTORIES ("openai", "ollama", "llamacpp"). Prompts: assistant/prompts/*.txt.
"""
from __future__ import annotations

import logging
import math
import os
import queue
import re
import threading
import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from . import verify as V
from .generators import GENERATORS, LOCAL, LLMConfigError, deadline, kind, make_llm  # noqa: F401

log = logging.getLogger("rammeaftale.llm")

REFUSAL = V.REFUSAL
MAX_ANSWER_CHARS = V.MAX_ANSWER_CHARS
PROMPTS = Path(__file__).resolve().parent / "prompts"

NOTICE_GENERATED = "Skrevet af en sprogmodel og kontrolleret mod kilderne."
NOTICE_UNVERIFIED = "Det genererede svar kunne ikke verificeres; her er det udtrukne svar i stedet."
NOTICE_UNAVAILABLE = "Sprogmodellen svarede ikke i tide; her er det udtrukne svar i stedet."
NOTICES = {
    "uncited_sentence": NOTICE_UNVERIFIED,
    "unknown_citation": NOTICE_UNVERIFIED,
    "unsupported_sentence": NOTICE_UNVERIFIED,
    "empty": NOTICE_UNVERIFIED,
    "llm_refused_supported": "Sprogmodellen fandt intet svar, men materialet indeholder relevante steder; "
                             "her er det udtrukne svar i stedet.",
    "timeout": NOTICE_UNAVAILABLE,
    "llm_error": "Sprogmodellen er ikke tilgængelig lige nu; her er det udtrukne svar i stedet.",
}

# re-exported for callers and tests
clean_output, is_refusal, split_answer = V.clean_output, V.is_refusal, V.split_answer


class LLMTimeout(Exception):
    pass


@lru_cache(maxsize=None)
def prompt(name: str) -> str:
    """A prompt template from assistant/prompts/<name>.txt, read once."""
    return (PROMPTS / f"{name}.txt").read_text(encoding="utf-8").strip()


# -- the LLM --------------------------------------------------------------------------------
_LLM_CACHE: dict[tuple, Any] = {}
_LLM_CACHE_LOCK = threading.Lock()
_LOCAL_LOCK = threading.Lock()  # an in-process GGUF model answers one question at a time


def _llm(settings):
    """make_llm, cached per configuration (a GGUF model loads once; HTTP clients are reused)."""
    key = (kind(settings), settings.llm_url, settings.llm_model, settings.llm_api_key_env,
           os.environ.get(settings.llm_api_key_env, ""), float(settings.llm_timeout_s), settings.gguf_path)
    with _LLM_CACHE_LOCK:
        llm = _LLM_CACHE.get(key)
        if llm is None:
            llm = _LLM_CACHE[key] = make_llm(settings)
        return llm


def _reason_of(exc: BaseException) -> str:
    if isinstance(exc, (LLMTimeout, TimeoutError)):
        return "timeout"
    names = {c.__name__ for c in type(exc).__mro__}
    if names & {"APITimeoutError", "TimeoutException", "ReadTimeout", "ConnectTimeout", "Timeout", "WriteTimeout"}:
        return "timeout"
    if "timed out" in str(exc).lower() or "deadline passed" in str(exc).lower():
        return "timeout"
    return "llm_error"


def _with_deadline(fn, seconds: float, local: bool = False):
    """fn() in a daemon thread whose HTTP reads end at the deadline (generators.deadline);
    LLMTimeout when it has not returned after `seconds`."""
    box: dict[str, Any] = {}
    done = threading.Event()

    def work():
        try:
            with deadline(seconds):
                if local:
                    if not _LOCAL_LOCK.acquire(timeout=seconds):
                        raise LLMTimeout("local model busy")
                    try:
                        box["value"] = fn()
                    finally:
                        _LOCAL_LOCK.release()
                else:
                    box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=work, daemon=True, name="rammeaftale-llm").start()
    if not done.wait(seconds + 0.25):  # the transport ends the request at `seconds`
        raise LLMTimeout(f"no answer within {seconds:g} s")
    if "error" in box:
        raise box["error"]
    return box["value"]


def _message_text(response) -> str:
    msg = getattr(response, "message", None)
    text = getattr(msg, "content", None) if msg is not None else None
    if text is None:
        text = getattr(response, "text", "") or ""
    return str(text)


# -- the prompt -----------------------------------------------------------------------------
def _header(c: dict) -> str:
    recorded = (c.get("recorded_in") or {}).get("title", "")
    where = c.get("meeting") or (f"gengivet i {recorded}" if recorded else "")  # the label rule
    parts = [c.get("voice_label") or c.get("voice") or "", where,
             (c.get("date_label") or c.get("date") or "") if c.get("meeting") else ""]
    return " · ".join(p for p in parts if p)


def _passage(c: dict) -> str:
    return re.sub(r"\s+", " ", V.passage_text(c))


def build_prompt(question: str, citations: list[dict]):
    """The chat messages: Danish rules (system) and the numbered passages with voice, meeting
    and date, then the question (user). The model sees nothing else."""
    from llama_index.core.llms import ChatMessage, MessageRole
    blocks = "\n\n".join(f"[{c['n']}] {_header(c)}\n{_passage(c)}" for c in citations)
    system = prompt("system").replace("{refusal}", REFUSAL)
    user = (prompt("user").replace("{refusal}", REFUSAL).replace("{question}", question.strip())
            .replace("{passages}", blocks))
    return [ChatMessage(role=MessageRole.SYSTEM, content=system),
            ChatMessage(role=MessageRole.USER, content=user)]


# -- verification with the embedder -----------------------------------------------------------
def _cos(a, b) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(y * y for y in b))
    return dot / (na * nb) if na and nb else 0.0


_PVEC_CACHE: dict[tuple[int, str], list[float]] = {}
_PVEC_LOCK = threading.Lock()


def _passage_vectors(embedder, passages: list[str]) -> list:
    """Text embeddings of passages, cached (the same passages are cited again and again)."""
    with _PVEC_LOCK:
        known = {p: _PVEC_CACHE[(id(embedder), p)] for p in passages if (id(embedder), p) in _PVEC_CACHE}
    missing = [p for p in dict.fromkeys(passages) if p not in known]
    if missing:
        known.update(zip(missing, embedder.get_text_embedding_batch(missing)))
        with _PVEC_LOCK:
            if len(_PVEC_CACHE) > 2000:
                _PVEC_CACHE.clear()
            _PVEC_CACHE.update({(id(embedder), p): known[p] for p in missing})
    return [known[p] for p in passages]


def similarity_of(embedder):
    """verify.Similarity from a llama-index embedder (query embedding for the sentence, text
    embedding for the passage, as retrieval does); None without an embedder."""
    if embedder is None:
        return None

    def sim(sentences, passages):
        pvecs = _passage_vectors(embedder, list(passages))
        return [[_cos(embedder.get_query_embedding(s), p) for p in pvecs] for s in sentences]
    return sim


def verify(answer_text: str, citations: list[dict], embedder=None):
    """verify.verify with the embedder's similarity (see assistant/verify.py)."""
    return V.verify(answer_text, citations, similarity_of(embedder))


# -- generation -----------------------------------------------------------------------------
def _wants(settings, result: dict) -> bool:
    return (kind(settings) != "extractive" and isinstance(result, dict) and not result.get("refused", True)
            and bool(result.get("citations")))


def _fallback(settings, result: dict, reason: str, started: float | None = None, **extra) -> dict:
    notice = NOTICES.get(reason, NOTICE_UNVERIFIED)
    out = {**result, "generated": False, "generator": kind(settings), "fallback_reason": reason,
           "cited": [c["n"] for c in result.get("citations", [])],  # the extractive answer cites all
           "notice": f"{result['notice']} {notice}" if result.get("notice") else notice, **extra}
    if started is not None:
        out["llm_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return out


def _accept(settings, result: dict, text: str, sentences: list[dict], started: float) -> dict:
    cited = sorted({n for s in sentences for n in (s.get("cites") or s.get("cites_inherited") or [])})
    return {**result, "answer": text, "generated": True, "generator": kind(settings), "fallback_reason": None,
            "llm_model": settings.llm_model, "extractive_answer": result.get("answer", ""),
            "cited": cited, "notice_generated": NOTICE_GENERATED,
            "llm_ms": round((time.perf_counter() - started) * 1000, 1),
            "verification": [{k: s.get(k) for k in ("text", "cites", "dense", "overlap", "supported_by")}
                             for s in sentences]}


def _finish(settings, question: str, result: dict, raw: str, embedder, started: float) -> dict:
    text = clean_output(raw)
    try:
        ok, reason, sentences = verify(text, result["citations"], embedder)
    except Exception as exc:  # noqa: BLE001 - a broken embedder must not break the answer
        log.exception("verification failed: %s", exc)
        return _fallback(settings, result, "llm_error", started)
    if reason == "refusal":
        # retrieval found support (else no LLM is asked): the passages answer, so show them
        log.info("model refused although retrieval found support")
        return _fallback(settings, result, "llm_refused_supported", started, rejected_answer=text[:MAX_ANSWER_CHARS])
    if not ok:
        bad = next((s for s in sentences if not s.get("ok", True)), None)
        log.info("generated answer rejected (%s): %r", reason, bad and bad.get("text"))
        return _fallback(settings, result, reason or "unsupported_sentence", started,
                         rejected_answer=text[:MAX_ANSWER_CHARS],
                         rejected_sentence=bad.get("text") if bad else None,
                         rejected_check=bad.get("check") if bad else None)
    return _accept(settings, result, text, sentences, started)


def generate(settings, question: str, result: dict, embedder) -> dict:
    """The answer with an LLM: the generated text when it passes `verify`, else the extractive
    result unchanged plus "generated": False, "fallback_reason" and a Danish "notice".

    Unchanged (same dict) when settings.generator is "extractive" or the result is a refusal.
    On success: "answer" is the generated text, "generated": True, "generator", "llm_model",
    "cited" (the citation numbers used), "notice_generated", "extractive_answer",
    "verification" (per sentence figures), "llm_ms". A model refusal, although retrieval found
    support, gives the extractive answer with fallback_reason "llm_refused_supported".
    Never raises; returns within settings.llm_timeout_s plus verification time."""
    if not _wants(settings, result):
        return result
    started = time.perf_counter()
    try:
        llm = _llm(settings)
        messages = build_prompt(question, result["citations"])
        response = _with_deadline(lambda: llm.chat(messages), float(settings.llm_timeout_s),
                                  local=kind(settings) in LOCAL)
        raw = _message_text(response)
    except LLMConfigError as exc:
        log.error("LLM not usable: %s", exc)
        return _fallback(settings, result, "llm_error", started)
    except Exception as exc:  # noqa: BLE001 - server down, timeout, garbage: the extractive answer
        reason = _reason_of(exc)
        log.warning("LLM call failed (%s): %s", reason, exc)
        return _fallback(settings, result, reason, started)
    return _finish(settings, question, result, raw, embedder, started)


def stream(settings, question: str, result: dict, embedder) -> Iterator[str | dict]:
    """Streams a generated answer for the page.

    Protocol: yields zero or more `str`, each the generated text so far (growing, not a delta;
    not yet verified: show it as a draft), then exactly one `dict` as the last item: the final
    result, the same as `generate` would return. The page must replace the draft with the
    dict's "answer". When no LLM is configured or the result is a refusal, the only item is the
    result itself. The whole stream ends within settings.llm_timeout_s plus verification time
    (the worker's HTTP reads end at the same deadline); it never raises."""
    if not _wants(settings, result):
        yield result
        return
    started = time.perf_counter()
    seconds = float(settings.llm_timeout_s)
    stop_at = started + seconds
    try:
        llm = _llm(settings)
        messages = build_prompt(question, result["citations"])
    except Exception as exc:  # noqa: BLE001
        log.error("LLM not usable: %s", exc)
        yield _fallback(settings, result, "llm_error", started)
        return
    chunks: queue.Queue = queue.Queue()
    stop = threading.Event()
    local = kind(settings) in LOCAL

    def work():
        got_lock = False
        try:
            with deadline(seconds):
                if local:
                    got_lock = _LOCAL_LOCK.acquire(timeout=max(0.0, stop_at - time.perf_counter()))
                    if not got_lock:
                        raise LLMTimeout("local model busy")
                gen = llm.stream_chat(messages)
                try:
                    for part in gen:
                        if stop.is_set():
                            break
                        chunks.put(("delta", getattr(part, "delta", None) or ""))
                finally:
                    close = getattr(gen, "close", None)
                    if close:
                        close()
            chunks.put(("end", None))
        except BaseException as exc:  # noqa: BLE001
            chunks.put(("error", exc))
        finally:
            if got_lock:
                _LOCAL_LOCK.release()

    threading.Thread(target=work, daemon=True, name="rammeaftale-llm-stream").start()
    text = ""
    while True:
        remaining = stop_at + 0.25 - time.perf_counter()
        try:
            if remaining <= 0:
                raise queue.Empty
            what, value = chunks.get(timeout=remaining)
        except queue.Empty:
            stop.set()
            log.warning("LLM stream timed out after %.1f s", seconds)
            yield _fallback(settings, result, "timeout", started)
            return
        if what == "error":
            reason = _reason_of(value)
            log.warning("LLM stream failed (%s): %s", reason, value)
            yield _fallback(settings, result, reason, started)
            return
        if what == "end":
            break
        if value:
            text += value
            shown = clean_output(text) if "<think>" in text.lower() else text
            if "<think>" in shown.lower():
                continue  # still reasoning: nothing to show yet
            yield shown
    yield _finish(settings, question, result, text, embedder, started)


# -- follow-up questions --------------------------------------------------------------------
def rewrite_followup_llm(settings, question: str, previous: str) -> str | None:
    """A follow-up («og fagpersonerne?») rewritten by the LLM into a stand-alone question, or
    None when no LLM is configured, there is no previous question, or anything fails."""
    if kind(settings) == "extractive" or not previous or not (question or "").strip():
        return None
    from llama_index.core.llms import ChatMessage, MessageRole
    user = prompt("rewrite_user").replace("{previous}", previous.strip()).replace("{question}", question.strip())
    messages = [ChatMessage(role=MessageRole.SYSTEM, content=prompt("rewrite")),
                ChatMessage(role=MessageRole.USER, content=user)]
    try:
        llm = _llm(settings)
        raw = _message_text(_with_deadline(lambda: llm.chat(messages), float(settings.llm_timeout_s),
                                           local=kind(settings) in LOCAL))
    except Exception as exc:  # noqa: BLE001
        log.warning("follow-up rewrite failed (%s): %s", _reason_of(exc), exc)
        return None
    lines = [ln.strip() for ln in clean_output(raw).splitlines() if ln.strip()]
    if not lines:
        return None
    text = re.sub(r"^(?:selvstændigt |nyt |omskrevet )?spørgsmål\s*:\s*", "", lines[0], flags=re.I)
    text = text.strip().strip("\"'«»“”").strip()
    limit = max(300, 2 * (len(question) + len(previous)))
    if not re.search(r"[0-9a-zæøåéü]", text.lower()) or len(text) > limit or is_refusal(text):
        return None
    return text
