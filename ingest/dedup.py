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
    keyed = [(k, p) for k, p in keyed if len(k.split()) >= MIN_ALIGN_WORDS]
    return sorted(keyed, key=lambda kp: -len(kp[0]))


def covered(text: str, known_shingles: set) -> bool:
    """Whether text only re-orders statements already known (004's slides interleave table
    columns differently from 001): most of its word triples stand in known passages."""
    sh = _shingles(match_key(text))
    return bool(sh) and len(sh & known_shingles) / len(sh) >= COVERED


def shingles_of(passages: list[Passage]) -> set:
    out: set = set()
    for p in passages:
        out |= _shingles(match_key(p.text))
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
    for i, sh in enumerate(shingles):
        if len(keys[i].split()) < MIN_NEAR_DUP_WORDS:
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
        seen = {(canonical.file, canonical.line_start, canonical.line_end)}
        canonical.also_in = []
        for place in sorted(places, key=lambda p: (rank.get(p["file"], 99), p["line_start"])):
            ident = (place["file"], place["line_start"], place["line_end"])
            if ident not in seen:
                seen.add(ident)
                canonical.also_in.append(place)
        groups.append(canonical)
    groups.sort(key=lambda p: (rank.get(p.file, 99), p.file, p.line_start))
    return groups
