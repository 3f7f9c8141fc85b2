"""Extractive answers as a typed structure: verbatim sentences from the best passages, grouped
by who said them and where, each with its citation number; the answer text is rendered from the
groups. Also the decision between an answer, an unsure answer and a refusal."""
from __future__ import annotations

from ingest.clean import split_sentences
from ingest.lexical import tokens

from .retrieve import Hit, places

REFUSAL = "Det fremgår ikke af materialet."
UNSURE = "Jeg fandt ikke et sikkert svar i materialet. Disse steder ligner mest:"
CLAIM_YES = "Ja –"
CLAIM_NO = "Nej, det fremgår ikke af materialet."
CLAIM_OPPOSITE = "Nej – materialet siger det modsatte:"
CLAIM_OTHER = "Nej – materialet nævner et andet tal eller en anden dato:"
CLAIM_OTHER_PLACE = "Nej – materialet nævner et andet sted:"
# stated, but not by the group or at the meeting the question names: the labels say whose and where
CLAIM_ELSEWHERE_VOICE = "Nej – ikke fra den gruppe, du nævner; materialet har det fra en anden gruppe:"
CLAIM_ELSEWHERE_MEETING = "Nej – ikke fra det møde, du nævner; materialet har det fra et andet møde:"
CLAIM_UNSURE = "Jeg fandt ikke præcis det udsagn i materialet, men heller ikke sikkert, at det mangler. Disse steder ligner mest:"
MORE = "Mere fra materialet:"
QUOTE_CHARS = 300
RELATIVE_CUTOFF = 0.55  # passages scoring below this share of the best one are left out


def decide(support: dict, knobs) -> str:
    """'answer', 'unsure' or 'refused' from the support signals (retrieve.support) and the
    thresholds (Settings / knobs.toml, calibrated by `python -m eval.calibrate`):
    - refused: the question names something specific the corpus lacks (a name, place, number,
      year or rare word), none of the words of its topic (beside voices and meetings) is in
      the corpus in any form, or the best passage is far off in meaning;
    - answer: the best passage is close in meaning and the top passages cover enough of the
      question's words (for English: close in meaning);
    - unsure otherwise: an ordinary word the documents phrase otherwise is no reason to claim
      absence."""
    get = knobs.get if isinstance(knobs, dict) else (lambda k, d=None: getattr(knobs, k, d))
    if support["missing"]:
        return "refused"
    if support.get("topic_missing"):  # every word of the topic (beside voices and meetings) is unknown to the corpus
        return "refused" if get("refuse_missing_topic", 1) else "unsure"
    if support["dense"] < get("refuse_dense", 0.8):
        return "refused"
    if support["english"]:
        return "answer" if support["dense"] >= get("english_min_dense", 0.7) else "unsure"
    if len(support.get("ordinary", [])) > get("max_ordinary_answer", 0):
        return "unsure"  # words the corpus lacks entirely: the passages may answer in other words
    if support["dense"] >= get("min_dense", 0.8) and support["coverage"] >= get("min_coverage", 0.05):
        return "answer"
    return "unsure"


def refusal_cause(support: dict, found: bool, reason: str) -> str:
    """Why a question was refused, for logs and the eval's breakdown: "expected" (the question
    asks for a kind of answer no passage holds, assistant/expect.toml), "missing" (a specific
    word the corpus lacks), "topic_missing", "far" (no passage close in meaning) or "none"
    (nothing found)."""
    if reason:
        return "expected"
    if not found:
        return "none"
    if support.get("missing"):
        return "missing"
    if support.get("topic_missing"):
        return "topic_missing"
    return "far"


def supported(support: dict, min_dense: float, min_coverage: float, english_min_dense: float,
              refuse_dense: float | None = None) -> bool:
    """Whether the question is answered (not refused): kept for callers of the old rule."""
    knobs = {"min_dense": min_dense, "min_coverage": min_coverage, "english_min_dense": english_min_dense,
             "refuse_dense": min_dense if refuse_dense is None else refuse_dense}
    return decide(support, knobs) != "refused"


def select(hits: list[Hit], k: int, index, relative_cutoff: float = RELATIVE_CUTOFF, max_chars: int = 0) -> list[dict]:
    """The passages to answer from: the best k within reach of the best one. A passage that
    introduces a list ("... (I prioriteret rækkefølge):") is cited together with the list's
    items, as one citation spanning their lines."""
    if not hits:
        return []
    top = hits[0].score
    chosen: list[dict] = []
    taken: set[str] = set()
    used = 0
    for h in hits[:k]:
        if h.score < relative_cutoff * top or h.record["id"] in taken:
            continue
        if max_chars and chosen and used + len(h.record["text"]) > max_chars:
            continue  # a long passage past the reading budget; a shorter one further down may fit
        rec = h.record
        items = index.following(rec) if rec["text"].rstrip().endswith(":") else []
        items = [r for r in items if r["id"] not in taken]
        taken.update(r["id"] for r in [rec, *items])
        if items:
            rec = {**rec, "text": "\n".join(r["text"] for r in [rec, *items]),
                   "line_end": items[-1]["line_end"], "col_end": items[-1].get("col_end"),
                   "also_in": [p for r in [rec, *items] for p in r.get("also_in", [])]}
        chosen.append(rec)
        used += len(rec["text"])
    return chosen


def genitive(voice_label: str) -> str:
    """"Fagpersoner" -> "fagpersonernes", "Brugere" -> "brugernes"."""
    low = voice_label.lower()
    return (low[:-1] if low.endswith("e") else low) + "nes"


def voice_note(citations: list[dict], asked: str, labels: dict[str, str]) -> str:
    """"hvad mente fagpersonerne om …?" answered first by another group's words: a line that
    says so before the quotes (the labels say it too, but a hurried reader sees the quote first);
    "" when the lead is the asked group's. labels: voice id -> label ("Fagpersoner")."""
    if not citations or not labels.get(asked):
        return ""
    def theirs(c: dict) -> bool:
        return any(p.get("voice") == asked for p in places(c))
    if theirs(citations[0]):
        return ""
    if not any(theirs(c) for c in citations):
        return f"Ingen af de viste steder er {genitive(labels[asked])} egne ord; de viste ligger nærmest."
    lead = labels.get(citations[0].get("voice", ""), "")
    return f"Det nærmeste svar er {genitive(lead)} ord, ikke {genitive(labels[asked])}; {genitive(labels[asked])} egne står længere nede." if lead else ""


def quote(text: str, question: str, chars: int = QUOTE_CHARS) -> str:
    """The passage itself when short, else its sentences that share most words with the
    question (verbatim, in their order, "…" where text is left out)."""
    if "\n" in text:  # a list: its intro and items; the source card shows them all
        return _quote_items(text.split("\n"), question, 2 * chars)
    if len(text) <= chars:
        return text
    qset = set(tokens(question))
    spans = split_sentences(text)
    scored = sorted(spans, key=lambda s: -len(qset & set(tokens(text[s[0]:s[1]]))))
    chosen, size = [], 0
    for a, b in scored:
        if chosen and size + (b - a) > chars:
            continue
        chosen.append((a, b))
        size += b - a
    chosen.sort()
    parts = []
    for k, (a, b) in enumerate(chosen):
        if k == 0 and a > 0 or k > 0 and a > chosen[k - 1][1] + 1:
            parts.append("…")
        parts.append(text[a:b].strip())
    if chosen[-1][1] < len(text.rstrip()):
        parts.append("…")
    return " ".join(parts)


def _more(left: int) -> str:
    return f"… (og {left} {'punkt' if left == 1 else 'punkter'} mere i kilden)"


def _quote_items(items: list[str], question: str, budget: int) -> str:
    """A list's or paragraphs' quote: the intro and the items in order while they fit. When an item
    that would be left out shares more words with the question than every item shown (the
    paragraph of a long introduction that answers it), the intro and the items sharing most words
    with the question, in their order, "…" where items are left out."""
    shown = [0]
    for k in range(1, len(items)):
        if sum(len(items[i]) for i in shown) + len(items[k]) > budget:
            break
        shown.append(k)
    if len(shown) == len(items):
        return " · ".join(items)
    qset = set(tokens(question))
    overlap = [len(qset & set(tokens(item))) for item in items]
    if max(overlap[len(shown):], default=0) > max(overlap[k] for k in shown):
        shown, size = [0], len(items[0])
        for k in sorted(range(1, len(items)), key=lambda k: (-overlap[k], k)):
            if overlap[k] and size + len(items[k]) <= budget:
                shown.append(k)
                size += len(items[k])
        shown.sort()
    parts = []
    for j, k in enumerate(shown):
        if j and k > shown[j - 1] + 1:
            parts.append("…")
        parts.append(items[k])
    left = len(items) - len(shown)
    return " · ".join(parts) + (f" · {_more(left)}" if left else "")


# -- citations -------------------------------------------------------------------------------
def _title(manifest, meeting_id: str) -> str:
    m = manifest.meetings.get(meeting_id) if meeting_id else None
    return m.title if m else meeting_id


def _recorded_in(manifest, place: dict) -> dict:
    """The material that records a place: its meeting id and title (the file's title when the
    id is no meeting)."""
    rid = place.get("recorded_in") or place.get("meeting", "")
    title = _title(manifest, rid)
    if not title:
        try:
            title = manifest.file(place["file"]).title
        except (KeyError, AttributeError):
            title = place.get("file", "")
    return {"id": rid, "title": title}


def _cols(place: dict, line_length) -> tuple[int, int]:
    """Character offsets of a place in its first and last line; the whole lines when the
    record has none."""
    start = place.get("col_start")
    end = place.get("col_end")
    if start is None:
        start = 0
    if end is None:
        end = line_length(place["file"], place["line_end"]) if line_length else 0
    return int(start), int(end)


def label(voice_label: str, meeting: str, date_label: str, recorded_title: str) -> str:
    """"<voice> – <meeting>, <date>" when the meeting is known, else "<voice> – gengivet i
    <recorded_in title>"."""
    if meeting:
        return f"{voice_label} – {meeting}" + (f", {date_label}" if date_label else "")
    return f"{voice_label} – gengivet i {recorded_title}" if recorded_title else voice_label


def citation(n: int, rec: dict, manifest, question: str, line_length=None,
             quote_chars: int = QUOTE_CHARS) -> dict:
    meeting_id = rec.get("meeting", "") or ""
    meeting = manifest.meetings.get(meeting_id)
    voices = manifest.voices
    voice = rec.get("voice", "")
    voice_label = voices.get(voice, {}).get("label", voice)
    recorded = _recorded_in(manifest, rec)
    col_start, col_end = _cols(rec, line_length)
    out = {
        "n": n, "text": rec["text"], "quote": quote(rec["text"], question, quote_chars),
        "file": rec["file"], "line_start": rec["line_start"], "line_end": rec["line_end"],
        "col_start": col_start, "col_end": col_end,
        "meeting": meeting.title if meeting else meeting_id, "meeting_id": meeting_id,
        "recorded_in": recorded,
        "date": meeting.date if meeting else "", "date_label": meeting.date_label if meeting else "",
        "voice": voice, "voice_label": voice_label,
        "heading": rec.get("heading", ""), "kind": rec.get("kind", ""),
        "also_in": also_in(rec, manifest, line_length),
    }
    out["label"] = label(voice_label, out["meeting"], out["date_label"], recorded["title"])
    out["context"] = context(rec, _labels(manifest))
    out["additions"] = [{"text": a["text"], "voice": a["voice"],
                         "voice_label": voices.get(a["voice"], {}).get("label", a["voice"])}
                        for a in rec.get("additions") or []]
    return out


STRUCTURES = ("table", "table_column", "list", "programme", "programme_item")


def _labels(manifest) -> frozenset:
    """Headings that name no topic: the manifest's layout labels and its voice boxes' markers."""
    return frozenset([*getattr(manifest, "labels", ()), *(m for m, _ in getattr(manifest, "voice_boxes", ()))])


def context(rec: dict, labels: frozenset = frozenset()) -> str:
    """What a quote needs to be read right: its own heading below the section's ("Tættere
    klyngesamarbejde om sikrer tilbudsviften – Ulemper ved scenariet"; for a statement the topic
    it stands under: «Derfor skal de specialiserede opgaver …» under the vision «Forøget kommunal
    selvforsyning (95%)»), unless the quote starts with it. `labels`: headings that name no topic
    (the manifest's layout labels and voice box markers); for a statement they are left out, as
    is a label ending in a colon ("1. BESKRIVELSE:")."""
    parts = [p for p in (rec.get("heading") or "").split(" – ")[1:] if p]
    if rec.get("kind") not in STRUCTURES:
        if rec.get("kind") != "statement":
            return ""
        parts = [p for p in parts if p.strip() not in labels and not p.rstrip().endswith(":")]
    parts = [p for p in parts if not rec["text"].startswith(p)]
    return " – ".join(parts)


def item_text(item: dict) -> str:
    """One quote as the answer shows it: its context, the verbatim quote in «», its number and
    the organisers' own additions marked as theirs."""
    head = f"{item['context']}: " if item.get("context") else ""
    tail = "".join(f" ({a.get('voice_label', 'Arrangører').lower()}nes tilføjelse: «{a['text']}»)"
                   for a in item.get("additions") or [])
    return f"{head}«{item['quote']}»{tail} [{item['n']}]"


def also_in(rec: dict, manifest, line_length=None) -> list[dict]:
    """The other places of a statement, each once (by file, lines and columns), not the cited
    place itself."""
    seen = {(rec["file"], rec["line_start"], rec["line_end"], *_cols(rec, line_length))}
    out = []
    for p in rec.get("also_in", []):
        cols = _cols(p, line_length)
        key = (p["file"], p["line_start"], p["line_end"], *cols)
        if key in seen:
            continue
        seen.add(key)
        mid = p.get("meeting", "") or ""
        out.append({"file": p["file"], "line_start": p["line_start"], "line_end": p["line_end"],
                    "col_start": cols[0], "col_end": cols[1],
                    "meeting": _title(manifest, mid), "meeting_id": mid,
                    "recorded_in": _recorded_in(manifest, p), "voice": p.get("voice", "")})
    return out


# -- the typed structure and its text ---------------------------------------------------------
def in_reading_order(citations: list[dict]) -> list[dict]:
    """The citations in the order the answer shows them (groups()), numbered 1, 2, 3 … in that
    order: a later passage of an earlier group does not come before the next group's with a
    higher number ("[1] [2] [6]" then "[3]")."""
    by_n = {c["n"]: c for c in citations}
    ordered = [by_n[item["n"]] for g in groups(citations) for item in g["items"]]
    return [{**c, "n": k} for k, c in enumerate(ordered, 1)]


def grouped(citations: list[dict]) -> tuple[list[dict], list[dict]]:
    """(citations in reading order, their groups): what an answer shows."""
    citations = in_reading_order(citations)
    return citations, groups(citations)


def groups(citations: list[dict]) -> list[dict]:
    """The citations as groups by voice and meeting; the first group holds the lead statement
    alone (the gist), the others follow in order of first appearance."""
    out: list[dict] = []
    for k, c in enumerate(citations):
        item = {"n": c["n"], "quote": c["quote"], "context": c.get("context", ""),
                "additions": c.get("additions", [])}
        if k > 0:
            same = next((g for g in out[1:] if g["label"] == c["label"]), None)
            if same:
                same["items"].append(item)
                continue
        out.append({"label": c["label"], "voice": c["voice"], "voice_label": c["voice_label"],
                    "meeting_id": c["meeting_id"], "items": [item]})
    return out


def render(groups_: list[dict], lead: str = "") -> str:
    """The answer text from the groups: the lead statement with its label, then "Mere fra
    materialet:" and the other groups. `lead` ("Ja –", the unsure line) goes before it."""
    if not groups_:
        return lead
    first = groups_[0]
    head = " ".join(item_text(i) for i in first["items"])
    lines = [f"{lead} {head}".strip() if lead and not lead.endswith(":") else head, f"({first['label']})"]
    if lead.endswith(":"):
        lines.insert(0, lead)
    if len(groups_) > 1:
        lines += ["", MORE]
        for g in groups_[1:]:
            lines.append(f"{g['label']}:")
            lines.extend(f"- {item_text(i)}" for i in g["items"])
    return "\n".join(lines)


def compose(citations: list[dict]) -> str:
    """The answer text of a list of citations (kept for callers of the old function)."""
    return render(groups(citations))


def refusal_text(closest: list[dict], reason: str = "") -> str:
    text = f"{REFUSAL} {reason}".strip() if reason else REFUSAL
    if not closest:
        return text
    return text + " De nærmeste steder i materialet er vist nedenfor som måske relevante."


def claim_no_text(closest: list[dict]) -> str:
    if not closest:
        return CLAIM_NO
    return CLAIM_NO + " De nærmeste steder i materialet er vist nedenfor som måske relevante."
