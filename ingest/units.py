"""Statement units: the sentences and lines of a passage, each short enough to state one thing.

A claim question ("står det nogen steder, at …") is checked against these, not against a whole
passage: a slide or a table row mixes several statements, and the one that says the claim in
other words is closer in meaning to it than the passage around it."""
from __future__ import annotations

from .clean import split_sentences, strip_bullet

MIN_WORDS = 3  # a heading or table cell of one or two words states nothing


def statement_units(text: str) -> list[str]:
    """The sentences of a passage, split further at line breaks (a slide's lines, a table's
    rows), without bullets; pieces under MIN_WORDS words are left out."""
    out: list[str] = []
    for a, b in split_sentences(text):
        for line in text[a:b].split("\n"):
            line = strip_bullet(line).strip()
            if len(line.split()) >= MIN_WORDS and line not in out:
                out.append(line)
    return out
