"""Feedback as JSON lines: contents, rotation at the cap, and failures that never raise."""
from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant import feedback


@dataclass
class FakeSettings:
    data_dir: Path
    feedback_max_bytes: int = 5_000_000

    @property
    def feedback_file(self) -> Path:
        return self.data_dir / "feedback.jsonl"


CITATIONS = [{"n": 1, "text": "lang tekst", "quote": "Vi ønsker fokus på overgange", "file": "001.txt",
              "line_start": 426, "line_end": 428, "voice": "users", "meeting_id": "politikermoede_2017",
              "also_in": []}]


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_vote_is_appended_as_one_json_line(tmp_path):
    s = FakeSettings(tmp_path / "data")  # the folder does not exist yet
    assert feedback.record(s, "hvad sagde brugerne om overgange?", "«Vi ønsker …» [1]", CITATIONS, True)
    assert feedback.record(s, "og fagpersonerne?", "svar", [], False)
    rows = _read(s.feedback_file)
    assert [r["vote"] for r in rows] == ["up", "down"]
    first = rows[0]
    assert first["question"] == "hvad sagde brugerne om overgange?"
    assert first["answer"] == "«Vi ønsker …» [1]"
    assert first["citations"][0]["file"] == "001.txt" and first["citations"][0]["line_start"] == 426
    assert "T" in first["time"]  # ISO time
    # Danish letters are stored as text, not \u escapes
    assert "ønsker" in s.feedback_file.read_text(encoding="utf-8")


@pytest.mark.parametrize("liked,vote", [(True, "up"), (False, "down"), (None, "withdrawn"), ("", "withdrawn"),
                                        ("Forkert kilde", "Forkert kilde")])
def test_vote_names(liked, vote):
    assert feedback.vote_name(liked) == vote


def test_rotation_when_the_cap_is_reached(tmp_path):
    s = FakeSettings(tmp_path, feedback_max_bytes=1000)
    for i in range(12):
        assert feedback.record(s, f"spørgsmål {i}", "x" * 100, [], True)
    rotated = feedback.rotated_path(s.feedback_file)
    assert rotated.name == "feedback.jsonl.1" and rotated.exists()
    assert s.feedback_file.stat().st_size <= 1000
    assert rotated.stat().st_size <= 1000
    current, old = _read(s.feedback_file), _read(rotated)
    # the newest entry is in the current file, and the rotated file holds the ones just before it
    assert current[-1]["question"] == "spørgsmål 11"
    numbers = [int(r["question"].split()[-1]) for r in old + current]
    assert numbers == list(range(numbers[0], 12))


def test_rotation_replaces_an_older_rotated_file(tmp_path):
    s = FakeSettings(tmp_path, feedback_max_bytes=600)
    feedback.rotated_path(s.feedback_file).write_text("gammel\n", encoding="utf-8")
    for i in range(10):
        feedback.record(s, f"q{i}", "y" * 100, [], True)
    assert "gammel" not in feedback.rotated_path(s.feedback_file).read_text(encoding="utf-8")


def test_huge_fields_are_shortened(tmp_path):
    s = FakeSettings(tmp_path)
    feedback.record(s, "q" * 50_000, "a" * 50_000, [], True)
    row = _read(s.feedback_file)[0]
    assert len(row["question"]) <= feedback.MAX_FIELD_CHARS + 1


def test_an_unwritable_feedback_file_is_logged_and_does_not_raise(tmp_path, caplog):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where the data folder should be", encoding="utf-8")
    s = FakeSettings(blocker)  # feedback_file = <a file>/feedback.jsonl: cannot be created
    with caplog.at_level(logging.ERROR, logger="rammeaftale.feedback"):
        assert feedback.record(s, "q", "a", CITATIONS, True) is False
    assert any("could not write feedback" in r.getMessage() for r in caplog.records)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to read-only folders")
def test_a_read_only_folder_is_logged_and_does_not_raise(tmp_path, caplog):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with caplog.at_level(logging.ERROR, logger="rammeaftale.feedback"):
            assert feedback.record(FakeSettings(folder), "q", "a", [], True) is False
        assert caplog.records
    finally:
        folder.chmod(0o700)


def test_strange_input_does_not_raise(tmp_path):
    s = FakeSettings(tmp_path)
    assert feedback.record(s, None, None, [None, "x", {"n": 1}], True)
    assert feedback.record(s, "😀 <img src=x>", "\x00", None, False)
    assert len(_read(s.feedback_file)) == 2
