"""Finds passages that are scraps: a heading or template text on its own, text glued across a
heading or a slide, a quote that starts mid-sentence, a place that lies outside its columns.
Pure functions over index records and the corpus texts; `python -m ingest.audit [passages.json]`
prints the counts (the figures in the closing notes of the structure work)."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from .clean import is_bullet, is_noise, match_key
from .manifest import Manifest, load_manifest
from .passages import SLIDE_BREAK, heading_like
from .sections import resolve_sections

_CAPS_HEADING_RE = re.compile(r"(?:^|\s)(?:\d{1,2}\.?\s+)?[A-ZÆØÅ]{3,}(?:\s+[A-ZÆØÅ/]{2,})+(?=\s|$)")


def _templates(manifest: Manifest) -> list[str]:
    return [match_key(t.text) for t in manifest.templates]


def is_template(rec: dict, manifest: Manifest) -> bool:
    key = match_key(rec["text"])
    return any(t and t in key for t in _templates(manifest))


def is_heading_only(rec: dict, lines: list[str]) -> bool:
    """A short line without a sentence end that is not a bullet or list item in the original."""
    if "\n" in rec["text"] or not heading_like(rec["text"]) or rec.get("kind") == "programme_item":
        return False
    first = lines[rec["line_start"] - 1]
    return not is_bullet(first) and not re.match(r"^\s*\d{1,2}[.)]?\s", first)


def is_glued(rec: dict, lines: list[str], layout: str, sections) -> bool:
    """Text that runs across a slide break (a run of blank lines) or a section, or that holds
    an all-caps heading inside it ("… individuelt 3. OVERGANGE Rammeaftalerne …")."""
    start, end = rec["line_start"], rec["line_end"]
    if any(s.start <= start <= s.end and not s.start <= end <= s.end for s in sections):
        return True
    if layout == "lines":
        blank = 0
        for line in lines[start - 1:end]:
            blank = blank + 1 if not line.strip() else (blank if is_noise(line) else 0)
            if blank >= SLIDE_BREAK:
                return True
    if rec.get("kind", "statement") == "statement":
        inner = rec["text"][1:]
        letters = [c for c in inner if c.isalpha()]
        return not all(c.isupper() for c in letters) and bool(_CAPS_HEADING_RE.search(inner))
    return False


def starts_mid_sentence(rec: dict) -> bool:
    return rec["text"][:1].islower()


def audit(records: list[dict], manifest: Manifest, texts: dict[str, str]) -> dict:
    lines = {name: text.split("\n") for name, text in texts.items()}
    sections = {e.name: resolve_sections(e, lines[e.name]) for e in manifest.files}
    layout = {e.name: e.layout for e in manifest.files}
    found = {"passages": len(records), "template": [], "heading_only": [], "glued": [], "mid_sentence": []}
    for rec in records:
        f = rec["file"]
        if is_template(rec, manifest):
            found["template"].append(rec)
        elif is_heading_only(rec, lines[f]):
            found["heading_only"].append(rec)
        if is_glued(rec, lines[f], layout[f], sections[f]):
            found["glued"].append(rec)
        if starts_mid_sentence(rec):
            found["mid_sentence"].append(rec)
    return found


def main(argv: list[str] | None = None) -> int:
    from .index import read_corpus
    argv = sys.argv[1:] if argv is None else argv
    corpus = Path(__file__).resolve().parent.parent / "corpus"
    manifest = load_manifest(corpus)
    texts = read_corpus(corpus, manifest)
    if argv:
        records = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    else:
        from dataclasses import asdict

        from .pipeline import build_passages
        records = [asdict(p) for p in build_passages(manifest, texts)]
    found = audit(records, manifest, texts)
    print(f"passages: {found['passages']}")
    for key in ("template", "heading_only", "glued", "mid_sentence"):
        print(f"{key}: {len(found[key])}")
        for rec in found[key][:8]:
            print(f"   {rec['file'][:3]} {rec['line_start']}-{rec['line_end']}: {rec['text'][:90]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
