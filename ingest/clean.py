"""Pure text functions: bullets, noise lines, display text and match keys.

Nothing here touches disk. Every function takes text and returns text (or a verdict), so a
citation can always be traced back: the display text of a passage is the original text with
bullets and markup removed, hyphenation mended and whitespace collapsed, nothing else.
"""
from __future__ import annotations

import re

BULLETS = "•\uf0b7\uf0a7\u25aa\u25cf"
_BULLET_RE = re.compile(rf"^\s*(?:[{BULLETS}]|-(?=\s))\s*")
_INLINE_BULLET_RE = re.compile(rf"\s*[{BULLETS}]\s*")
_NOISE_RE = re.compile(r"^[\d\s]*$")  # slide numbers such as "1  2" or "3"
_RULE_RE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$")  # a web page's horizontal rule
# A word split over a line break: "bestræbel-\nserne". Not the Danish suspended hyphen
# "social- og undervisningsområde", which stays.
_HYPHEN_RE = re.compile(r"(?<=[a-zæøå])-\s*\n\s*(?!(?:og|eller|samt|til|som)\b)(?=[a-zæøå])")
_MARKUP_RES = [
    (re.compile(r"<sup>(.*?)</sup>"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\((?:mailto:|https?://)[^)]*\)"), r"\1"),
    (re.compile(r"^#+\s+", re.M), ""),
    (re.compile(r"\*"), ""),
]
_WS_RE = re.compile(r"\s+")


def is_bullet(line: str) -> bool:
    return bool(_BULLET_RE.match(line))


def strip_bullet(line: str) -> str:
    return _BULLET_RE.sub("", line, count=1)


def is_noise(line: str) -> bool:
    """Slide numbers and blank lines carry no content."""
    return bool(_NOISE_RE.match(line))


def is_rule(line: str) -> bool:
    """A horizontal rule ("---" before a web page's footnotes): it ends what stands above it and
    titles nothing."""
    return bool(_RULE_RE.match(line))


def display_text(raw: str) -> str:
    """The quotable text of a stretch of the original file (several lines joined by \\n)."""
    text = _HYPHEN_RE.sub("", raw)
    for pattern, repl in _MARKUP_RES:
        text = pattern.sub(repl, text)
    text = "\n".join(strip_bullet(line) for line in text.split("\n"))
    text = _INLINE_BULLET_RE.sub(" ", text)
    return _WS_RE.sub(" ", text).strip()


def match_key(text: str) -> str:
    """Lowercase letters and digits only, one space between words.

    Used to find the same statement in two files whatever their punctuation, bullets and line
    breaks (004 drops dashes, quotes and bullets that 000 and 001 keep)."""
    return key_with_offsets(text)[0]


def key_with_offsets(text: str) -> tuple[str, list[int]]:
    """match_key of text plus, for each character of the key, its offset in text."""
    out: list[str] = []
    offsets: list[int] = []
    pending_space = False
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        # mend "ord-\n  deling" into one word for matching purposes
        if ch == "-" and i > 0 and text[i - 1].isalpha():
            m = _HYPHEN_RE.match(text, i)
            if m and m.start() == i:
                i = m.end()
                continue
        if ch.isalnum():
            if pending_space and out:
                out.append(" ")
                offsets.append(i)
            pending_space = False
            out.append(ch.lower())
            offsets.append(i)
        else:
            pending_space = True
        i += 1
    return "".join(out), offsets


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of text (abbreviation-aware: ingest/sentences.py)."""
    from .sentences import sentence_spans
    return sentence_spans(text)


def group_spans(text: str, spans: list[tuple[int, int]], max_chars: int) -> list[tuple[int, int]]:
    """Merge consecutive sentence spans into groups of at most max_chars (one long sentence
    stays whole)."""
    groups: list[tuple[int, int]] = []
    for a, b in spans:
        if groups and b - groups[-1][0] <= max_chars:
            groups[-1] = (groups[-1][0], b)
        else:
            groups.append((a, b))
    return groups


def ends_sentence(line: str) -> bool:
    return line.rstrip().endswith((".", "!", "?", ":", "…", ")"))


def word_count(text: str) -> int:
    return len(match_key(text).split())
