"""Checks on the project's own eval question set (eval/questions.jsonl).

Pure stdlib + pytest (and eval/split.py, itself stdlib only): no index needed. It verifies that
the file parses, that the set is big enough and well formed, that every gold string really stands
in the corpus inside the line range(s) given in the question's `where`, that the blind questions
(ids b001, b002, ...) are there in every kind the test half needs, and that the split is stable.

Normalisation is the one the eval uses for matching: join lines with a space, collapse every
run of whitespace to one space, lowercase.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = REPO / "eval" / "questions.jsonl"
CORPUS = REPO / "corpus"
SHARED_CORPUS = REPO.parent / "shared" / "corpus"  # pristine copies, used only to follow renames

MIN_QUESTIONS = 80
MIN_UNANSWERABLE = 10
MIN_BLIND = 100  # questions written blind, before they were run through the system: ids b001...
BLIND_ID = re.compile(r"^b\d{3,4}$")  # b001 … b999, then b1000 …
CATEGORIES = {
    "who_said", "unanswerable", "numbers", "where_when", "lists", "colloquial", "definitions",
    "multi_document", "pros_cons", "english", "process", "paraphrase", "claim", "followup",
    "tables", "programme", "enquete", "themes",
}
VOICES = {"users", "professionals", "politicians", "organisers", None}
MEETINGS = {
    "kickoff_2016",
    "dialogforum_2017",
    "fagpersoner_2017",
    "politikermoede_2017",
    "dialogmoede_2022",
    "proces",
    None,
}
BULLETS = ("\u2022", "\uf0b7")
REQUIRED_FIELDS = ("id", "question", "gold", "unanswerable", "category", "where")  # voice, meeting optional


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


# --------------------------------------------------------------------------- loading


def _load_raw() -> list[tuple[int, str]]:
    assert QUESTIONS.is_file(), f"missing eval set: {QUESTIONS}"
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    return [(n, line) for n, line in enumerate(lines, 1) if line.strip()]


@lru_cache(maxsize=1)
def load_questions() -> tuple[dict, ...]:
    """The parsable question objects (broken lines are reported by test_every_line_parses)."""
    out = []
    for _, line in _load_raw():
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict):
            out.append(obj)
    return tuple(out)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@lru_cache(maxsize=1)
def corpus_files() -> dict[str, list[str]]:
    """name -> lines (1-based line n is lines[n-1]) for every .txt in corpus/."""
    assert CORPUS.is_dir(), f"missing corpus folder: {CORPUS}"
    files = {p.name: p.read_text(encoding="utf-8").splitlines() for p in sorted(CORPUS.glob("*.txt"))}
    assert files, f"no .txt files in {CORPUS}"
    return files


@lru_cache(maxsize=1)
def _corpus_by_hash() -> dict[str, str]:
    return {_sha((CORPUS / name).read_bytes()): name for name in corpus_files()}


def resolve(name: str) -> str | None:
    """Name of the corpus file a `where.file` refers to.

    Exact name first; if the corpus files were renamed, follow the byte-identical copy in
    ../shared/corpus/ with the original name.
    """
    if name in corpus_files():
        return name
    original = SHARED_CORPUS / name
    if original.is_file():
        return _corpus_by_hash().get(_sha(original.read_bytes()))
    return None


@lru_cache(maxsize=None)
def normalised_file(name: str) -> str:
    return norm(" ".join(corpus_files()[name]))


def normalised_range(name: str, start: int, end: int) -> str:
    return norm(" ".join(corpus_files()[name][start - 1 : end]))


def content_start(name: str) -> int:
    """First line that may be cited: after a 'Transkript:' line when the file has one
    (004 starts with a list of titles of unrelated documents that is not content)."""
    for n, line in enumerate(corpus_files()[name], 1):
        if line.strip() == "Transkript:":
            return n + 1
    return 1


def qid(q: dict) -> str:
    return str(q.get("id", "?"))


# --------------------------------------------------------------------------- whole-set checks


def test_every_line_parses():
    bad = []
    for n, line in _load_raw():
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            bad.append(f"line {n}: {exc}")
            continue
        if not isinstance(obj, dict):
            bad.append(f"line {n}: not a JSON object")
    assert not bad, "unparsable lines in eval/questions.jsonl:\n" + "\n".join(bad)


def test_required_fields_and_types():
    problems = []
    for q in load_questions():
        missing = [f for f in REQUIRED_FIELDS if f not in q]
        if missing:
            problems.append(f"{qid(q)}: missing fields {missing}")
            continue
        if not isinstance(q["id"], str) or not q["id"]:
            problems.append(f"{qid(q)}: id must be a non-empty string")
        if not isinstance(q["question"], str) or not q["question"].strip():
            problems.append(f"{qid(q)}: empty question")
        if not isinstance(q["gold"], list) or not all(isinstance(g, str) for g in q["gold"]):
            problems.append(f"{qid(q)}: gold must be a list of strings")
        if not isinstance(q["unanswerable"], bool):
            problems.append(f"{qid(q)}: unanswerable must be true/false")
        if q["category"] not in CATEGORIES:
            problems.append(f"{qid(q)}: unknown category {q['category']!r}")
        if q.get("voice") not in VOICES:
            problems.append(f"{qid(q)}: unknown voice {q['voice']!r}")
        if q.get("meeting") not in MEETINGS:
            problems.append(f"{qid(q)}: unknown meeting {q['meeting']!r}")
        if "previous" in q and (not isinstance(q["previous"], str) or not q["previous"].strip()):
            problems.append(f"{qid(q)}: previous must be a non-empty string")
        if not isinstance(q["where"], list):
            problems.append(f"{qid(q)}: where must be a list")
    assert not problems, "\n".join(problems)


def test_ids_are_unique():
    seen: dict[str, int] = {}
    for q in load_questions():
        seen[qid(q)] = seen.get(qid(q), 0) + 1
    dupes = sorted(k for k, v in seen.items() if v > 1)
    assert not dupes, f"duplicate question ids: {dupes}"


def test_questions_are_unique():
    seen: dict[str, str] = {}
    dupes = []
    for q in load_questions():
        # a follow-up is its question with the one before it ("og fagfolkene?" after two topics)
        key = (norm(str(q.get("question", ""))), norm(str(q.get("previous") or "")))
        if key in seen:
            dupes.append(f"{qid(q)} repeats {seen[key]}: {q['question']!r}")
        seen[key] = qid(q)
    assert not dupes, "\n".join(dupes)


def test_enough_questions():
    n = len(load_questions())
    assert n >= MIN_QUESTIONS, f"only {n} questions, need at least {MIN_QUESTIONS}"


def test_enough_unanswerable():
    n = sum(1 for q in load_questions() if q.get("unanswerable") is True)
    assert n >= MIN_UNANSWERABLE, f"only {n} unanswerable questions, need at least {MIN_UNANSWERABLE}"


# --------------------------------------------------------------------------- per-question checks


def _questions_for_parametrize() -> list[dict]:
    # A missing file must not break collection: the whole-set tests above report it.
    try:
        return list(load_questions())
    except AssertionError:
        return []


QUESTION_LIST = _questions_for_parametrize()
ANSWERABLE = [q for q in QUESTION_LIST if not q.get("unanswerable")]


@pytest.mark.parametrize("q", [q for q in QUESTION_LIST if q.get("unanswerable")], ids=qid)
def test_unanswerable_has_no_gold(q):
    assert (q.get("gold") or []) == [], f"{qid(q)} is unanswerable but has gold {q['gold']!r}"
    assert (q.get("where") or []) == [], f"{qid(q)} is unanswerable but has where {q['where']!r}"


@pytest.mark.parametrize("q", ANSWERABLE, ids=qid)
def test_gold_strings_are_well_formed(q):
    gold = q.get("gold") or []
    assert 1 <= len(gold) <= 4, f"{qid(q)}: answerable questions need 1-4 gold strings, has {len(gold)}"
    for g in gold:
        assert g == g.strip() and g, f"{qid(q)}: gold {g!r} is empty or has surrounding whitespace"
        assert not any(b in g for b in BULLETS), f"{qid(q)}: gold {g!r} contains a bullet character"
        limit = 10 if qid(q).startswith("b") else 8
        assert len(g.split()) <= limit, f"{qid(q)}: gold {g!r} is longer than {limit} words"
        if qid(q).startswith("b"):
            assert len(g.split()) >= 2, f"{qid(q)}: gold {g!r} is too short to mean anything"


@pytest.mark.parametrize("q", ANSWERABLE, ids=qid)
def test_where_entries_are_valid(q):
    assert (q.get("where") or []), f"{qid(q)}: answerable question without a where"
    for w in (q.get("where") or []):
        name = resolve(w.get("file", ""))
        assert name, f"{qid(q)}: where.file {w.get('file')!r} is not a corpus file"
        start, end = w.get("line_start"), w.get("line_end")
        n_lines = len(corpus_files()[name])
        assert isinstance(start, int) and isinstance(end, int), f"{qid(q)}: where {w} needs integer lines"
        assert 1 <= start <= end <= n_lines, f"{qid(q)}: where {w} is outside 1..{n_lines} of {name}"
        first = content_start(name)
        assert start >= first, (
            f"{qid(q)}: where {w} points before line {first} of {name} (not content)"
        )


@pytest.mark.parametrize("q", ANSWERABLE, ids=qid)
def test_gold_stands_in_corpus(q):
    for g in (q.get("gold") or []):
        ng = norm(g)
        hits = [name for name in corpus_files() if ng in normalised_file(name)]
        assert hits, f"{qid(q)}: gold string {g!r} does not stand in any corpus file"


@pytest.mark.parametrize("q", ANSWERABLE, ids=qid)
def test_gold_stands_in_where_range(q):
    ranges = []
    for w in (q.get("where") or []):
        name = resolve(str(w.get("file", "")))
        start, end = w.get("line_start"), w.get("line_end")
        if name and isinstance(start, int) and isinstance(end, int):  # else test_where_entries_are_valid fails
            ranges.append((w, normalised_range(name, start, end)))
    for g in (q.get("gold") or []):
        ng = norm(g)
        assert any(ng in text for _, text in ranges), (
            f"{qid(q)}: gold string {g!r} is not within any of its where ranges "
            f"{[(w['file'], w['line_start'], w['line_end']) for w, _ in ranges]}"
        )
    # and no where entry is stray: each one holds at least one of the gold strings
    for w, text in ranges:
        assert any(norm(g) in text for g in (q.get("gold") or [])), (
            f"{qid(q)}: where {w['file']}:{w['line_start']}-{w['line_end']} holds none of the gold strings {q['gold']!r}"
        )


# --------------------------------------------------------------------------- blind questions and the split


def _blind() -> list[dict]:
    return [q for q in load_questions() if qid(q).startswith("b")]


def test_blind_questions_are_many_and_numbered():
    blind = _blind()
    assert len(blind) >= MIN_BLIND, f"only {len(blind)} blind (b...) questions, need at least {MIN_BLIND}"
    bad = [qid(q) for q in blind if not BLIND_ID.match(qid(q))]
    assert not bad, f"blind ids must be b001, b002, ...: {bad}"
    numbers = sorted(int(qid(q)[1:]) for q in blind)
    assert numbers == list(range(1, len(blind) + 1)), "blind ids must run b001, b002, ... without gaps"


def test_blind_questions_cover_the_kinds_users_ask():
    blind = _blind()

    def count(pred):
        return sum(1 for q in blind if pred(q))

    claims = [q for q in blind if q.get("category") == "claim"]
    unrecorded = sum(1 for q in claims if q.get("unanswerable"))
    assert len(claims) >= 16, f"only {len(claims)} claim questions"
    assert 0.4 <= unrecorded / len(claims) <= 0.6, f"{unrecorded} of {len(claims)} claims unrecorded: about half should be"
    assert count(lambda q: q.get("category") == "paraphrase") >= 15
    assert count(lambda q: "previous" in q) >= 10
    assert count(lambda q: q.get("category") == "english") >= 6
    assert count(lambda q: q.get("unanswerable") and q.get("category") != "claim") >= 15
    assert count(lambda q: q.get("voice")) >= 30, "who-said questions (with a voice) are too few"


def test_claim_questions_ask_whether_something_was_said_or_recorded():
    cues = ("står det", "står der", "blev det", "sagde", "sagt", "nævnt", "noteret", "skrevet", "skrev", "er det", "mente", "mener",
            "syntes", "synes", "written down", "recorded")
    odd = [qid(q) for q in _blind() if q.get("category") == "claim"
           and not any(c in q["question"].lower() for c in cues)]
    assert not odd, f"claim questions that do not ask whether something was said or recorded: {odd}"


def test_split_rule_is_stable():
    from eval.split import half, select
    # pinned: the rule may never change once questions have been tuned on one half
    assert [half(i) for i in ("q001", "q002", "q003", "q004", "q005", "q010", "q111")] == \
        ["tune", "tune", "tune", "test", "test", "test", "tune"]
    assert half("b001") == half("b999") == "test"
    ids = [qid(q) for q in load_questions()]
    tune, test = select(list(load_questions()), "tune"), select(list(load_questions()), "test")
    assert len(tune) + len(test) == len(ids) and {qid(q) for q in tune}.isdisjoint({qid(q) for q in test})
    assert all(qid(q) in {qid(t) for t in test} for q in _blind()), "every blind question is in the test half"
    assert half("t001") == half("t999") == "tune"
    older = [i for i in ids if not i.startswith(("b", "t"))]  # the questions split by their CRC-32
    share = sum(1 for i in older if half(i) == "tune") / len(older)
    assert 0.35 <= share <= 0.65, f"the older questions split {share:.2f} / {1 - share:.2f}"
    assert any(q.get("unanswerable") for q in tune), "the tuning half needs unanswerable questions to calibrate on"
