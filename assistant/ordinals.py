"""Ordinal references to numbered things: "den tredje vision" is the third item of the corpus's
list «Tre forskellige visioner: 1. … 2. … 3. Øget selvforsyning», "den anden udfordring" is the
one the corpus labels «Udfordring 2». Pure functions; the lists come from the index's passages."""
from __future__ import annotations

import re

from .lexicon import lemma

ORDINALS = {"første": 1, "anden": 2, "andet": 2, "tredje": 3, "fjerde": 4, "femte": 5, "sjette": 6,
            "syvende": 7, "ottende": 8, "niende": 9, "tiende": 10,
            "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7}
# things the corpus numbers by a label ("Mulighed 3", "Udfordring 1", "Bord 7"): referred to by it
LABELLED = {"mulighed": "mulighed", "udfordring": "udfordring", "bord": "bord", "gruppe": "gruppe",
            "spørgsmål": "spørgsmål", "option": "mulighed", "challenge": "udfordring", "table": "bord"}
ENGLISH_NOUNS = {"vision": "vision", "visions": "vision", "statement": "udsagn"}
# the words the kick-off material itself uses for its three visions («FORDELE VED SCENARIET»,
# «Ingen af modellerne kan bruges» on the vision slides): "den tredje model" is the third vision
SAME_LIST = {"model": "vision", "scenarie": "vision", "scenarium": "vision", "scenario": "vision"}
# "anden"/"andet" is "other" as often as "second": only after the definite article ("den anden
# vision", not "en anden kommune"); the other ordinals also stand alone ("tredje vision")
_REF_RE = re.compile(r"\b(?:(den|det|the)\s+)?(første|anden|andet|tredje|fjerde|femte|sjette|syvende|ottende|niende"
                     r"|tiende|first|second|third|fourth|fifth|sixth|seventh)\s+([a-zæøå]+)")
_INTRO_RE = re.compile(r"([^:\n]{0,80}):\s*$")


def _noun(word: str) -> str:
    noun = ENGLISH_NOUNS.get(word) or lemma(word)
    return SAME_LIST.get(noun, noun)


def numbered_lists(texts: list[str]) -> dict[tuple[str, int], str]:
    """(noun lemma, n) -> the n-th item of a list introduced by a line with that noun ending in a
    colon ("Tre forskellige visioner:", "udsagn der var størst enighed om:") and numbered "1. ",
    "2. " … on the lines after it. The first list for a noun wins."""
    out: dict[tuple[str, int], str] = {}
    for text in texts:
        lines = text.split("\n")
        for i, line in enumerate(lines):
            m = _INTRO_RE.search(line.lower())
            if not m:
                continue
            nouns = {lemma(w) for w in re.findall(r"[a-zæøå]{4,}", m.group(1))}  # any word of the intro
            n = 1
            for nxt in lines[i + 1:]:
                item = re.match(rf"\s*{n}\.\s+(.+)", nxt)
                if not item:
                    break
                for noun in nouns:
                    out.setdefault((noun, n), item.group(1).strip())
                n += 1
    return out


def resolve(text: str, lists: dict[tuple[str, int], str]) -> str:
    """The text with what its ordinal references point at appended: "hvor stor en selvforsyning
    lægger den tredje vision op til" + «Øget selvforsyning»; "den anden udfordring" + "udfordring 2".
    Unchanged when nothing is referred to."""
    extra = []
    low = text.lower()
    for m in _REF_RE.finditer(low):
        article, ordinal, word = m.groups()
        if ordinal in ("anden", "andet") and not article:
            continue
        n, noun = ORDINALS[ordinal], _noun(word)
        label = LABELLED.get(noun) or LABELLED.get(word)
        if not label and (noun, n) not in lists and article and _function_word(word):
            # "hvad var fordelene ved den første?" after "hvad var de tre visioner …": the
            # ordinal stands alone and counts the numbered things the text names elsewhere
            noun = next((_noun(w) for w in re.findall(r"[a-zæøå]{4,}", low[:m.start()] + " " + low[m.end():])
                         if LABELLED.get(_noun(w)) or (_noun(w), n) in lists), "")
            label = LABELLED.get(noun)
        if label:
            extra.append(f"{label} {n}")
        elif (noun, n) in lists:
            extra.append(lists[(noun, n)])
    return f"{text} {' '.join(extra)}" if extra else text


def _function_word(word: str) -> bool:
    """A word that is no noun an ordinal could count ("den første hvad …", "den tredje og …")."""
    from ingest.lexical import _stopwords
    return word in _stopwords() or word in ("hvad", "hvem", "hvor", "hvordan", "hvilken", "hvilke", "what", "which")
