"""One Danish sentence splitter, aware of abbreviations, shared by ingest (long passages) and
the verifier of generated answers.

A sentence ends at ".", "!", "?" or "…" (optionally followed by a closing quote or bracket)
when whitespace and a capital letter, digit, opening quote or citation bracket follow, unless
the word before the full stop is an abbreviation (ca., bl.a., fx, kl., nr., mv., osv., jf.,
evt., ...) or the full stop belongs to an ordinal date («18. Januar» written with a capital).
"""
from __future__ import annotations

import re

# Lowercased, without the final full stop; inner dots kept ("bl.a", "f.eks").
ABBREVIATIONS = frozenset("""
ca cirka bl.a bla f.eks feks fx eks kl nr mv m.v m.m mm osv jf jfr evt dvs d.v.s mht m.h.t pga p.g.a
inkl ekskl ift i.f.t vedr ang iht i.h.t tlf stk pkt kap s side jan feb mar apr aug sep sept okt nov dec
hhv h.h.v o.l ol o.a m.fl mfl bl.andet gl ndr sdr st hr fr dr prof mio mia kr pct t.o.m f.o.m t.h t.v
""".split())
# Abbreviations that also end sentences («... tomme pladser mv. Det ...»): a capital letter
# after them starts a new sentence; a digit or lower-case word does not.
FINAL_ABBREVIATIONS = frozenset("mv m.v m.m mm osv o.l ol o.a m.fl mfl".split())
MONTHS = ("januar februar marts april maj juni juli august september oktober november december")
_MONTH_SET = frozenset(MONTHS.split())

_END_RE = re.compile(r"[.!?…]+[\"»”')\]]*(?=\s)")
_NEXT_RE = re.compile(r"\s+(?=[\"«„“(\[A-ZÆØÅÉÜ0-9])")
_WORD_BEFORE_RE = re.compile(r"([0-9A-Za-zæøåÆØÅéÉüÜ.]+)$")


def _abbreviation_before(text: str, dot: int) -> bool:
    """Whether the "." at text[dot] closes an abbreviation or an ordinal in a date."""
    m = _WORD_BEFORE_RE.search(text, 0, dot)
    if not m:
        return False
    word = m.group(1).lower().strip(".")
    nxt = re.match(r"\s+([A-Za-zæøåÆØÅ]+)", text[dot + 1:])
    if word in FINAL_ABBREVIATIONS:
        return not (nxt and nxt.group(1)[0].isupper())
    if word in ABBREVIATIONS:
        return True
    return word.isdigit() and bool(nxt) and nxt.group(1).lower() in _MONTH_SET


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans (start, end) of the sentences of text, whitespace between them left out."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _END_RE.finditer(text):
        gap = _NEXT_RE.match(text, m.end())
        if not gap:
            continue
        if m.group(0)[0] == "." and len(m.group(0).rstrip("\"»”')]")) == 1 and _abbreviation_before(text, m.start()):
            continue
        spans.append((start, m.end()))
        start = gap.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def split(text: str) -> list[str]:
    """The sentences of text, stripped."""
    return [text[a:b].strip() for a, b in sentence_spans(text)]
