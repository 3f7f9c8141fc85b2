"""Extractive answers: verbatim sentences from the best passages, grouped by who said them and
at which meeting, each with its citation number; a refusal when nothing supports an answer."""
from __future__ import annotations

from ingest.clean import split_sentences
from ingest.lexical import tokens

from .retrieve import Hit

REFUSAL = "Det fremgår ikke af materialet."
QUOTE_CHARS = 300
RELATIVE_CUTOFF = 0.55  # passages scoring below this share of the best one are left out


def supported(support: dict, min_dense: float, min_coverage: float, english_min_dense: float) -> bool:
    """Whether the best passages can answer: no content word of the question is unknown to the
    whole corpus, the best passage is close enough in meaning, and (for Danish questions) the
    top passages cover enough of the question's words. Thresholds: `python -m eval.calibrate`."""
    if support["missing"]:
        return False
    if support["english"]:
        return support["dense"] >= english_min_dense
    return support["dense"] >= min_dense and support["coverage"] >= min_coverage


def select(hits: list[Hit], k: int, index) -> list[dict]:
    """The passages to answer from: the best k within reach of the best one. A passage that
    introduces a list ("... (I prioriteret rækkefølge):") is cited together with the list's
    items, as one citation spanning their lines."""
    if not hits:
        return []
    top = hits[0].score
    chosen: list[dict] = []
    taken: set[str] = set()
    for h in hits[:k]:
        if h.score < RELATIVE_CUTOFF * top or h.record["id"] in taken:
            continue
        rec = h.record
        items = index.following(rec) if rec["text"].rstrip().endswith(":") else []
        items = [r for r in items if r["id"] not in taken]
        taken.update(r["id"] for r in [rec, *items])
        if items:
            rec = {**rec, "text": "\n".join(r["text"] for r in [rec, *items]),
                   "line_end": items[-1]["line_end"],
                   "also_in": [p for r in [rec, *items] for p in r["also_in"]]}
        chosen.append(rec)
    return chosen


def quote(text: str, question: str) -> str:
    """The passage itself when short, else its sentences that share most words with the
    question (verbatim, in their order, "…" where text is left out)."""
    if "\n" in text:  # a list: its intro and items
        items = text.split("\n")
        out = items[0]
        for item in items[1:]:
            if len(out) + len(item) > 2 * QUOTE_CHARS:
                return out + " · …"
            out += " · " + item
        return out
    if len(text) <= QUOTE_CHARS:
        return text
    qset = set(tokens(question))
    spans = split_sentences(text)
    scored = sorted(spans, key=lambda s: -len(qset & set(tokens(text[s[0]:s[1]]))))
    chosen, size = [], 0
    for a, b in scored:
        if chosen and size + (b - a) > QUOTE_CHARS:
            continue
        chosen.append((a, b))
        size += b - a
    chosen.sort()
    parts = []
    for k, (a, b) in enumerate(chosen):
        if k == 0 and a > 0 or k > 0 and a > chosen[k - 1][1] + 1:
            parts.append("…")
        parts.append(text[a:b].strip())
    if chosen[-1][1] < len(text.rstrip()):
        parts.append("…")
    return " ".join(parts)


def citation(n: int, rec: dict, manifest, question: str) -> dict:
    meeting = manifest.meetings.get(rec["meeting"])
    voices = manifest.voices
    return {
        "n": n, "text": rec["text"], "quote": quote(rec["text"], question),
        "file": rec["file"], "line_start": rec["line_start"], "line_end": rec["line_end"],
        "meeting": meeting.title if meeting else rec["meeting"], "meeting_id": rec["meeting"],
        "date": meeting.date if meeting else "", "date_label": meeting.date_label if meeting else "",
        "voice": rec["voice"], "voice_label": voices.get(rec["voice"], {}).get("label", rec["voice"]),
        "heading": rec["heading"],
        "also_in": [{"file": p["file"], "line_start": p["line_start"], "line_end": p["line_end"],
                     "meeting": manifest.meetings[p["meeting"]].title if p["meeting"] in manifest.meetings else p["meeting"],
                     "voice": p["voice"]} for p in rec["also_in"]],
    }


def _who(c: dict) -> str:
    when = f", {c['date_label']}" if c["date_label"] else ""
    return f"{c['voice_label']} – {c['meeting']}{when}"


def compose(citations: list[dict]) -> str:
    """The answer text: the best statement first (the gist), then the others grouped by voice
    and meeting."""
    first = citations[0]
    lines = [f"«{first['quote']}» [{first['n']}]", f"({_who(first)})"]
    rest = citations[1:]
    if rest:
        lines.append("")
        lines.append("Mere fra materialet:")
        groups: dict[str, list[dict]] = {}
        for c in rest:
            groups.setdefault(_who(c), []).append(c)
        for who, items in groups.items():
            lines.append(f"{who}:")
            lines.extend(f"- «{c['quote']}» [{c['n']}]" for c in items)
    return "\n".join(lines)


def refusal_text(closest: list[dict]) -> str:
    if not closest:
        return REFUSAL
    return REFUSAL + " De nærmeste steder i materialet er vist nedenfor som måske relevante."
