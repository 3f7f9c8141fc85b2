"""Near-duplicate groups: one statement, every place it was recorded (pure functions).

Two steps. `align` finds statements already known from a cleaner file inside a block of a
later file (004 repeats 001 without bullets or line breaks, so its slides cannot be cut the same
way). `group_near_duplicates` then joins passages whose words overlap almost entirely.
"""
from __future__ import annotations

from .clean import key_with_offsets, match_key
from .passages import Block, Passage

MIN_ALIGN_WORDS = 4
NEAR_DUP_CONTAINMENT = 0.8
NEAR_DUP_SIZE_RATIO = 0.5  # a passage twice as long as another is not its duplicate
MIN_NEAR_DUP_WORDS = 5
COVERED = 0.8


def align(block: Block, known: list[tuple[str, Passage]]) -> tuple[list[tuple[Passage, int, int]], list[tuple[int, int]]]:
    """Known statements found in block, as (passage, raw_start, raw_end), and the raw spans
    of the block that matched nothing. `known` holds (match_key, passage), longest first."""
    key, offsets = key_with_offsets(block.raw)
    covered = [False] * len(key)
    found: list[tuple[Passage, int, int]] = []
    for pkey, passage in known:
        if len(pkey) > len(key):
            continue
        start = key.find(pkey)
        while start != -1:
            end = start + len(pkey)
            bounded = (start == 0 or key[start - 1] == " ") and (end == len(key) or key[end] == " ")
            if bounded and not any(covered[start:end]):
                covered[start:end] = [True] * (end - start)
                found.append((passage, offsets[start], offsets[end - 1] + 1))
                break
            start = key.find(pkey, start + 1)
    found.sort(key=lambda f: f[1])
    residue, pos = [], 0
    for _, a, b in found:
        if a > pos:
            residue.append((pos, a))
        pos = max(pos, b)
    if pos < len(block.raw):
        residue.append((pos, len(block.raw)))
    return found, residue


def known_keys(passages: list[Passage]) -> list[tuple[str, Passage]]:
    keyed = [(match_key(p.text), p) for p in passages]
    # a short card is found in later files together with the organisers' parentheses after it
    # ("Koordinerende sagsbehandler. (Primært myndighedsrettet)")
    keyed += [(match_key(" ".join([p.text, *(a["text"] for a in p.additions)])), p) for p in passages
              if p.additions and len(match_key(p.text).split()) < MIN_ALIGN_WORDS]
    keyed = [(k, p) for k, p in keyed if len(k.split()) >= MIN_ALIGN_WORDS]
    return sorted(keyed, key=lambda kp: -len(kp[0]))


def _words_key(text: str) -> str:
    """match_key without bare numbers (004 keeps slide and column numbers inside its slides)."""
    return " ".join(w for w in match_key(text).split() if not w.isdigit())


def covered(text: str, known_shingles: set) -> bool:
    """Whether text only re-orders statements and headings already known (004's slides
    interleave table columns differently from 001): most of its word triples stand in known
    passages."""
    sh = _shingles(_words_key(text))
    return bool(sh) and len(sh & known_shingles) / len(sh) >= COVERED


def made_of(text: str, words: set[str]) -> bool:
    """Whether every word of the text (bare numbers aside) is one of these words: a later copy's
    run of slide titles and labels («Fra mødet den 17. marts 2017: Relevante fokusområder for
    rammeaftalen 2018 FOKUSOMRÅDER Flerårige rammeaftaler Samarbejde UDDYBNING»)."""
    key = _words_key(text).split()
    return bool(key) and all(w in words for w in key)


def words_of(passages: list[Passage]) -> set[str]:
    return {w for p in passages for w in _words_key(p.text).split()}


def shingles_of(passages: list[Passage], headings: bool = True) -> set:
    """Word triples of known passages (and of their headings' own parts)."""
    out: set = set()
    for p in passages:
        out |= _shingles(_words_key(p.text))
        if headings:  # its parts, and the whole: a title with its subtitle ("PARADOKSER – Hvad vægter højest?")
            for part in [p.heading, *p.heading.split(" – ")]:
                out |= _shingles(_words_key(part))
    return out


def _shingles(key: str) -> set[tuple[str, ...]]:
    words = key.split()
    if len(words) < 3:
        return {tuple(words)}
    return {tuple(words[i:i + 3]) for i in range(len(words) - 2)}


def group_near_duplicates(passages: list[Passage], rank: dict[str, int]) -> list[Passage]:
    """Joins passages that say the same thing. The member from the best-ranked file (then the
    earliest) is kept as canonical; the others, and their own places, go into its also_in."""
    keys = [match_key(p.text) for p in passages]
    shingles = [_shingles(k) for k in keys]
    parent = list(range(len(passages)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    postings: dict[tuple[str, ...], list[int]] = {}
    same_key: dict[str, int] = {}
    for i, sh in enumerate(shingles):
        if len(keys[i].split()) < MIN_NEAR_DUP_WORDS:  # a short statement joins only its exact copies
            if keys[i] in same_key:
                parent[find(i)] = find(same_key[keys[i]])
            same_key.setdefault(keys[i], i)
            continue
        candidates: dict[int, int] = {}
        for s in sh:
            for j in postings.get(s, ()):
                candidates[j] = candidates.get(j, 0) + 1
            postings.setdefault(s, []).append(i)
        for j, shared in candidates.items():
            small, large = sorted((len(sh), len(shingles[j])))
            if shared / small >= NEAR_DUP_CONTAINMENT and small / large >= NEAR_DUP_SIZE_RATIO:
                parent[find(i)] = find(j)

    members: dict[int, list[int]] = {}
    for i in range(len(passages)):
        members.setdefault(find(i), []).append(i)
    groups = []
    for idx in members.values():
        idx.sort(key=lambda i: (rank.get(passages[i].file, 99), passages[i].file, passages[i].line_start))
        canonical = passages[idx[0]]
        places = list(canonical.also_in)
        for i in idx[1:]:
            places.append(passages[i].place())
            places.extend(passages[i].also_in)
        said_at(canonical, places)
        seen = {_place_id(canonical.place())}
        canonical.also_in = []
        for place in sorted(places, key=lambda p: (rank.get(p["file"], 99), p["line_start"], p.get("col_start", 0))):
            ident = _place_id(place)
            if ident not in seen and not any(_inside(place, other) for other in [canonical.place(), *places]
                                             if other is not place and _place_id(other) != ident):
                seen.add(ident)
                canonical.also_in.append(place)
        groups.append(canonical)
    groups.sort(key=lambda p: (rank.get(p.file, 99), p.file, p.line_start))
    return groups


def _place_id(place: dict) -> tuple:
    return (place["file"], place["line_start"], place["line_end"], place.get("col_start", 0), place.get("col_end", 0))


def _pos(line: int, col: int) -> tuple[int, int]:
    return (line, col)


def _inside(place: dict, other: dict) -> bool:
    """Whether place lies within other (same file): a piece of a place already listed."""
    if place["file"] != other["file"]:
        return False
    start, end = _pos(place["line_start"], place.get("col_start", 0)), _pos(place["line_end"], place.get("col_end", 0))
    o_start, o_end = _pos(other["line_start"], other.get("col_start", 0)), _pos(other["line_end"], other.get("col_end", 0))
    return o_start <= start and end <= o_end and (start, end) != (o_start, o_end)


def said_at(canonical: Passage, places: list[dict]) -> None:
    """Where a statement was made. A quoted box ("Brugerne siger") does not say; when the same
    statement stands with the same voice in the write-up of a meeting, that meeting is named, for
    the statement and for the places that did not say."""
    if not canonical.meeting:
        canonical.meeting = next((p["meeting"] for p in places
                                  if p["meeting"] and p["voice"] == canonical.voice), "")
    for p in places:
        if not p["meeting"] and p["voice"] == canonical.voice:
            p["meeting"] = canonical.meeting
