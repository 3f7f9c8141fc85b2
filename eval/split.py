"""The fixed split of the eval set into a tuning half and a test half, by a rule on the id.

Thresholds, boosts and rules are tuned on the "tune" half only; the CI gate and the reported
figures use the "test" half. Questions written blind after the split (ids starting with "b")
all belong to the test half; questions written later for tuning (ids starting with "t": plausible
unanswerables, claims, follow-ups and paraphrases the first tuning half lacked) all belong to the
tuning half.
"""
from __future__ import annotations

import zlib

HALVES = ("tune", "test")


def half(qid: str) -> str:
    """'test' for blind questions (id starting with 'b'), 'tune' for tuning questions (id starting
    with 't'); otherwise 'test' when the id's CRC-32 is odd, else 'tune'."""
    if qid.startswith("b"):
        return "test"
    if qid.startswith("t"):
        return "tune"
    return "test" if zlib.crc32(qid.encode("utf-8")) % 2 else "tune"


def select(questions: list[dict], which: str | None) -> list[dict]:
    """The questions of one half ('tune' or 'test'), or all of them when `which` is None/'all'."""
    if which in (None, "", "all"):
        return list(questions)
    if which not in HALVES:
        raise ValueError(f"unknown half {which!r}: use tune, test or all")
    return [q for q in questions if half(q["id"]) == which]
