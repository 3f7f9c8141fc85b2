"""Cuts a file into passages of original text (pure: lines in, blocks and passages out).

Two kinds of passage. A *statement* is a bullet, a sentence group or a short paragraph. A
*structure* keeps one of the documents' tables, lists or programmes whole: a "Bord N" table,
a counted list, each column of a pros/cons table, a programme (and each of its items). Headings,
column headers and template text are context, never a passage on their own, and no passage
crosses a slide (a run of blank lines) or a section.

A block keeps, for every character of its raw text, the 1-based line and the 0-based column of
the original file it comes from, so any part of it can be cited by exact lines and columns.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .clean import (BULLETS, display_text, ends_sentence, group_spans, is_bullet, is_noise, is_rule, match_key,
                    split_sentences, strip_bullet, word_count)
from .sections import Section

MAX_CHARS = 420  # a statement: a bullet, a sentence group or a short paragraph
STRUCT_MAX = 1600  # a structure longer than this is cut between its items
SHORT_WORDS = 8  # a line shorter than this, without a sentence end, is a heading
MIN_WORDS = 3  # shorter leftovers ("Programoplæg") are not statements
SLIDE_BREAK = 4  # this many blank lines end a slide (and a voice box)
TOPIC_BREAK = 2  # a heading after this many blank lines titles the voice boxes that follow ("Styring")
SHORT_ITEM_CHARS = 100  # a run of items this short (each) ...
SHORT_ITEM_AVG = 60  # ... and on average is a list, kept whole
MIN_PROGRAMME_TIMES = 3  # a slide with this many time items ("09.30 Velkommen") is a programme

_ITEM_RE = re.compile(r"^\s*(?:\d{1,2}[.)]?\s+\S|\d{1,2}\.\S)")
_TIME_RE = re.compile(r"^\s*\d{1,2}[.:]\d{2}\b")
_COUNT_RE = re.compile(r"\(\d+\)\s*$")
_PAREN_RE = re.compile(r"\([^()]*\)")


@dataclass(frozen=True)
class Template:
    """Template text of the documents' tables (column headers), from the manifest."""
    text: str
    table: bool = False  # its slide is a table, kept whole
    columns: tuple[str, ...] = ()  # the table's columns, in order, separated by `column_gap`
    column_gap: int = 3

    @property
    def key(self) -> str:
        return match_key(self.text)


@dataclass(frozen=True)
class Note:
    """A stretch inside a section that has another voice (an organisers' note in minutes)."""
    start: str
    end: str
    voice: str


@dataclass(frozen=True)
class Layout:
    """The manifest's layout facts that cutting needs."""
    boxes: tuple[tuple[str, str], ...] = ()  # ("Brugerne siger", "users")
    templates: tuple[Template, ...] = ()
    notes: tuple[Note, ...] = ()


@dataclass
class Block:
    raw: str
    lines: list[int]  # original line of each character of raw
    voice: str
    meeting: str  # where it was said ("" when the material does not say)
    heading: str
    file: str = ""
    cols: list[int] = field(default_factory=list)  # original column of each character of raw
    recorded_in: str = ""  # the meeting whose material records it
    kind: str = "statement"
    additions: str = ""  # voice of the text in parentheses (the organisers' own additions)
    breaks: tuple[int, ...] = ()  # raw offsets where an item of a structure starts

    def span(self, a: int, b: int) -> tuple[int, int]:
        return self.lines[a], self.lines[max(a, b - 1)]

    def col_span(self, a: int, b: int) -> tuple[int, int]:
        if not self.cols:
            return 0, 0
        return self.cols[a], self.cols[max(a, b - 1)] + 1


@dataclass
class Passage:
    file: str
    line_start: int
    line_end: int
    text: str
    voice: str
    meeting: str
    heading: str
    also_in: list[dict] = field(default_factory=list)
    col_start: int = 0
    col_end: int = 0
    recorded_in: str = ""
    kind: str = "statement"
    additions: list[dict] = field(default_factory=list)  # [{"text", "voice"}]

    def place(self) -> dict:
        return {"file": self.file, "line_start": self.line_start, "line_end": self.line_end,
                "col_start": self.col_start, "col_end": self.col_end, "text": self.text,
                "voice": self.voice, "meeting": self.meeting, "recorded_in": self.recorded_in}


# -- line layout --------------------------------------------------------------------------

@dataclass
class _Row:
    line: int
    text: str
    gap: int  # blank lines before it


@dataclass
class _Para:
    rows: list[_Row]
    start: str  # "bullet" | "item" | "time" | "prose"
    role: str = ""  # "template" | "heading" | "sub" | "content"
    template: Template | None = None

    @property
    def text(self) -> str:
        return display_text("\n".join(r.text for r in self.rows))

    @property
    def gap(self) -> int:
        return self.rows[0].gap


def _is_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


def _start_kind(text: str) -> str:
    if _TIME_RE.match(text):
        return "time"
    if is_bullet(text):
        return "bullet"
    if _ITEM_RE.match(text):
        return "item"
    return "prose"


# a line of only a conjunction joins the two boxes of a slide («Paradoks: Samarbejde OG Kommunalt
# selvstyre»: one side, "OG", the other side): no heading over what follows
CONNECTIVES = frozenset({"og", "eller", "men", "vs", "vs.", "versus", "contra", "and", "or"})


def _conjunction(text: str) -> bool:
    """A line of only a conjunction, in any case ("OG", "men")."""
    return text.strip().lower() in CONNECTIVES


def _connective(text: str) -> bool:
    """A conjunction set alone in capitals between two boxes of a slide ("OG"), not a "men" that a
    sentence wrapped onto a line of its own."""
    return text.isupper() and _conjunction(text)


# a word in capitals, then a dash: a slide title with its subtitle or question
_CAPS_TITLE_RE = re.compile(r"^\s*[A-ZÆØÅ]{4,}\s+[–-]\s+\S")


def heading_like(text: str) -> bool:
    """A short line without a sentence end ("Gruppe 3", "Program for dagen", "3. OVERGANGE",
    "Forøget kommunal selvforsyning (95%)"). A sentence end before a closing parenthesis counts
    ("Koordinerende sagsbehandler. (Primært myndighedsrettet)" is a card with an addition).
    A conjunction alone ("OG" between the two sides of a paradox) is none."""
    if _conjunction(text):
        return False
    if _CAPS_TITLE_RE.match(text) and word_count(text) < SHORT_WORDS:
        return True  # "PARADOKSER – Hvad vægter højest?": a slide's title in capitals and its question
    bare = re.sub(r"\s*\([^()]*\)\s*$", "", text.rstrip())
    ends = text.rstrip().endswith((".", "!", "?", ":", "…")) or bare.endswith((".", "!", "?", "…"))
    return word_count(text) < SHORT_WORDS and (not ends or _is_caps(text))


# "Tilmeldingsfrist: 5. april 2017": a label and its value, a fact of its own even where it looks
# like a sub-heading; kept as a statement when nothing stands under it
_LABELLED_RE = re.compile(r"^[^:]{2,40}:\s+\S")


def _cover_title(text: str) -> bool:
    """A slide's only text, a title without a sentence of its own (a cover page: «Temaoplæg til
    kick-off møde den 25. november 2016»), not a statement ("Koordinerende sagsbehandler." ends
    like one)."""
    return title_like(text) and not text.rstrip().endswith((".", "!", "?", "…", ":", ")"))


def title_like(text: str) -> bool:
    """A heading, or a title without a sentence of its own ("… 1. BESKRIVELSE:", "Politikertemamøde
    om rammeaftalen den 7. april 2017 Programoplæg Opsamling")."""
    ends = text.rstrip().endswith((".", "!", "?", "…"))
    return heading_like(text) or (not ends and word_count(text) < 2 * SHORT_WORDS)


def _template_of(text: str, templates: tuple[Template, ...]) -> Template | None:
    key = match_key(text)
    for t in templates:
        if key and key.startswith(t.key):
            return t
    return None


def repeated_headings(lines: list[str]) -> set[str]:
    """Short heading lines that stand more than once in a file (repeated on every slide); not a
    conjunction alone ("OG" between the sides of each paradox)."""
    counts: dict[str, int] = {}
    for line in lines:
        text = line.strip()
        if (text[:1].isalpha() and text[:1].isupper() and not is_bullet(line) and not _conjunction(text)
                and (len(text.split()) >= 2 or text.isupper())
                and word_count(text) < SHORT_WORDS and not ends_sentence(text)):
            counts[text] = counts.get(text, 0) + 1
    return {text for text, n in counts.items() if n > 1}


def _next_line(lines: list[str], line_no: int, end: int) -> str:
    """The next non-blank line after line_no (1-based) up to end, stripped; "" when none."""
    return next((ln.strip() for ln in lines[line_no:end] if ln.strip()), "")


def _box_at(text: str, boxes: tuple[tuple[str, str], ...]) -> tuple[str, str] | None:
    stripped = strip_bullet(text).strip()
    for marker, voice in boxes:
        if stripped.startswith(marker):
            return marker, voice
    return None


def _slides(lines, section: Section, skipped: set[int], layout: Layout):
    """The section's slides: (rows, voice, context heading, in_box). A slide ends at a run of
    SLIDE_BREAK blank lines (in a table, only when no bullet of the table follows), at a
    heading after a shorter run, at a voice box and at a heading repeated on every slide.
    Slide and column numbers ("1 2") are not blank lines: they end a run."""
    repeated = repeated_headings(lines)
    # the section's own first line repeated over a later slide, with the slide's title after it
    # («Fra mødet den 17. marts 2017:» / «Relevante fokusområder …»): not part of the text above it
    marker = lines[section.start - 1].strip()
    slides = []
    rows: list[_Row] = []
    voice, context, in_box = section.voice, "", False
    blank = 0
    table = False
    topic = ""  # the heading of the last slide outside a box: what a box that follows speaks about

    def close():
        nonlocal rows, voice, context, in_box, table
        if rows:
            slides.append((rows, voice, context, in_box))
        rows, table = [], False
        voice, context, in_box = section.voice, "", False

    for line_no in range(section.start, section.end + 1):
        if line_no in skipped:
            continue
        text = lines[line_no - 1].rstrip()
        if not text.strip():
            blank += 1
            continue
        if is_noise(text):
            blank = 0
            continue
        if is_rule(text):  # "---" before the footnotes: the end of what stands above, no heading
            close()
            blank = 0
            continue
        stripped = text.strip()
        if (stripped == marker and line_no != section.start and word_count(stripped) < SHORT_WORDS
                and heading_like(_next_line(lines, line_no, section.end))):  # «… Relevante fokusområder …»
            close()
            blank = SLIDE_BREAK
            continue
        box = _box_at(text, layout.boxes)
        if box:
            close()
            # "Brugerne siger" after the slide "Styring" is what the users said about styring
            voice, context, in_box, blank = box[1], _joined(topic, box[0]), True, 0
            continue
        if stripped in repeated and not _template_of(text, layout.templates):
            if rows or blank >= SLIDE_BREAK:
                close()
            if blank >= TOPIC_BREAK and not in_box:
                topic = stripped  # a slide's title ("Styring"), not a sub-heading repeated in each
            context, blank = stripped, 0
            continue
        if (not rows and context and blank == 0 and stripped[:1].islower()
                and not in_box and heading_like(stripped)):
            context += " " + stripped  # a repeated heading wrapped over two lines
            continue
        ends = ((blank >= SLIDE_BREAK and not (table and is_bullet(text)))
                or (blank >= SLIDE_BREAK - 1 and _start_kind(text) == "prose" and heading_like(stripped)))
        if ends and rows:
            close()
        if not rows and not in_box and blank >= TOPIC_BREAK and heading_like(stripped) and not is_bullet(text):
            topic = stripped  # kept over the slides of bullets that follow it
        t = _template_of(text, layout.templates)
        table = table or bool(t and t.table)
        rows.append(_Row(line_no, text, blank))
        blank = 0
    close()
    return slides


def _paragraphs(rows: list[_Row], layout: Layout, markdown: bool = False) -> list[_Para]:
    paras: list[_Para] = []
    for row in rows:
        kind = _start_kind(row.text)
        cur = paras[-1] if paras else None
        last = display_text(cur.rows[-1].text) if cur else ""
        stripped = display_text(row.text)
        new = (cur is None or kind != "prose" or row.gap >= 2 or (markdown and row.gap >= 1)
               or row.text.lstrip().startswith("#")
               or any(stripped.startswith(n.start) for n in layout.notes)
               or _is_caps(row.text) or _is_caps(last)
               or _connective(stripped) or _connective(last)
               or cur.role == "template" or _template_of(row.text, layout.templates) is not None
               or (ends_sentence(last) and stripped[:1].isupper())
               or (heading_like(cur.text) and cur.start == "prose" and row.gap >= 1
                   and stripped[:1].isupper()))
        if new:
            para = _Para([row], kind)
            t = _template_of(row.text, layout.templates)
            if t:
                para.role, para.template = "template", t
            paras.append(para)
        else:
            cur.rows.append(row)
    seen_content = False
    for k, p in enumerate(paras):
        if p.role == "template":
            continue
        text = p.text
        caps_item = p.start == "item" and _is_caps(text) and word_count(text) < SHORT_WORDS
        titles_template = (k + 1 < len(paras) and paras[k + 1].role == "template"
                           and word_count(text) <= 2 * SHORT_WORDS and p.start == "prose")
        if p.start == "prose" and heading_like(text) or caps_item or titles_template:
            p.role = "sub" if seen_content else "heading"
        else:
            p.role = "content"
            seen_content = True
    heads = [p for p in paras if p.role == "heading"]
    if heads and any(p.role == "sub" for p in paras):
        heads[-1].role = "sub"  # "Gruppe 1" before its items, like the "Gruppe 3" that follows
    return paras


def _joined(*parts: str) -> str:
    return " – ".join(p for p in parts if p)


@dataclass
class _Unit:
    paras: list[_Para]
    kind: str
    local: str  # its own heading (context)


def _is_short_list(paras: list[_Para]) -> bool:
    items = [p for p in paras if p.start in ("bullet", "item")]
    if len(items) < 2 or len(items) < len(paras) - 1:
        return False
    sizes = [len(p.text) for p in items]
    counted = sum(1 for p in items if _COUNT_RE.search(p.text)) >= 2
    return counted or (max(sizes) <= SHORT_ITEM_CHARS and sum(sizes) / len(sizes) <= SHORT_ITEM_AVG)


def _is_numbered_list(paras: list[_Para]) -> bool:
    """Items numbered 1, 2, 3 … in order ("1. a:", sub-items and explanations may stand between)."""
    numbers = [int(re.match(r"\s*(\d+)", p.rows[0].text).group(1)) for p in paras if p.start == "item"]
    steps = [b - a for a, b in zip(numbers, numbers[1:])]
    return (len(numbers) >= 2 and numbers[0] == 1 and all(d in (0, 1) for d in steps)
            and sum(len(p.text) for p in paras) <= STRUCT_MAX)


def _statements(run: list[_Para], local: str) -> list[_Unit]:
    """Each paragraph a statement, except that consecutive short bullets ("Gennemsigtighed",
    "Gennemskuelige tilbud", "Gennemskuelig takster") stay together as a list: alone they are
    scraps, together they are what the slide says."""
    units: list[_Unit] = []
    short: list[_Para] = []

    def flush():
        if len(short) >= 2:
            units.append(_Unit(list(short), "list", local))
        else:
            units.extend(_Unit([p], "statement", local) for p in short)
        short.clear()

    for p in run:
        if p.start in ("bullet", "item") and word_count(p.text) < SHORT_WORDS:
            short.append(p)
            continue
        flush()
        units.append(_Unit([p], "statement", local))
    flush()
    return units


def _units(paras: list[_Para], carried: str, title: str = "", titles_after: bool = False) -> tuple[list[_Unit], str]:
    """Passages of one slide. Returns the units and the heading carried to the next slide (a
    slide of headings only, such as "Program for dagen", titles the next one). `title`: the
    slide's own title where it stands after the slide (titles_after_slides); `titles_after`: a
    sub-heading right before a template line titles the text before it, back to the template
    line before that, not the text after it."""
    heads = [p for p in paras if p.role == "heading"]
    body = [p for p in paras if p.role in ("content", "sub")]
    title = title or " ".join(p.text for p in heads) or carried
    if not body:
        return [], title
    if not heads and len(body) == 1 and body[0].start == "prose" and len(body[0].rows) <= 2 and _cover_title(body[0].text):
        return [], body[0].text  # a title page («Temaoplæg til kick-off møde den 25. november 2016»): it titles the next
    table = next((p.template for p in paras if p.role == "template" and p.template.table), None)
    units: list[_Unit] = []
    if table:
        columns = [t for t in (p.template for p in paras if p.role == "template") if t.columns]
        if columns:
            cols, current = [], []
            for p in body:
                if current and p.gap >= columns[0].column_gap:
                    cols.append(current)
                    current = []
                current.append(p)
            cols.append(current)
            names = list(columns[0].columns)
            if len(cols) > len(names):  # the last column takes the rest
                cols = cols[:len(names) - 1] + [[p for c in cols[len(names) - 1:] for p in c]]
            if len(cols) < len(names):  # columns the extraction ran together share their names
                k = len(names) - len(cols) + 1
                names = [" / ".join(names[:k])] + names[k:]
            for col, name in zip(cols, names):
                units.append(_Unit(col, "table_column", _joined(title, name)))
        else:
            units.append(_Unit(heads + body, "table", title))
        return units, ""
    if sum(1 for p in body if p.start == "time") >= MIN_PROGRAMME_TIMES:
        units.append(_Unit(heads + body, "programme", title))
        item: list[_Para] = []
        for p in body:
            if p.start == "time" and item:
                units.append(_Unit(item, "programme_item", title))
                item = []
            if p.start == "time" or item:
                item.append(p)
        if item:
            units.append(_Unit(item, "programme_item", title))
        return units, ""
    # lists and statements, cut at sub-headings ("Gruppe 3", "3. OVERGANGE")
    runs: list[tuple[_Para | None, list[_Para]]] = [(None, [])]
    shown = [p for p in paras if p.role in ("content", "sub", "template")]
    closing = {id(a) for a, b in zip(shown, shown[1:])
               if titles_after and a.role == "sub" and b.role == "template"}
    titled: dict[int, str] = {}  # run index -> the title standing after it
    since = 0
    for p in body:
        if id(p) in closing:  # «Forøget kommunal selvforsyning (95%)» after its description
            titled.update({j: p.text for j in range(since, len(runs))})
            since = len(runs)
            runs.append((None, []))
            continue
        run = runs[-1][1]
        in_intro = bool(run) and run[0].text.endswith(":")
        if p.role == "sub" and in_intro and p.start == "item":
            run.append(p)  # "1 BUDGETSIKKERHED" after "… (I prioriteret rækkefølge):"
        elif p.role == "sub":
            runs.append((p, []))
        elif p.role == "content" and p.start != "item" and p.text.endswith(":") and run:
            runs.append((None, [p]))  # a list intro starts its own list
        else:
            run.append(p)
    first = True
    for j, (sub, run) in enumerate(runs):
        if not run:
            if sub is not None and _LABELLED_RE.match(sub.text):  # "Tilmeldingsfrist: 5. april 2017"
                units.append(_Unit([sub], "statement", titled.get(j, title)))
            continue
        local = _joined(titled.get(j, title), sub.text if sub else "")
        intro = run[0].text.endswith(":") and len(run) >= 2
        if len(run) == 1 and run[0].text.endswith(":") and word_count(run[0].text) < SHORT_WORDS:
            continue  # the intro of a list or chart the extraction did not keep ("Fordeling spørgsmål 5:")
        single = (len(run) == 1 and len(run[0].text) <= SHORT_ITEM_CHARS
                  and (sub is not None or (first and bool(heads) and run[0].start == "item")))
        if intro or single or _is_short_list(run) or _is_numbered_list(run):
            lead = ([sub] if sub else []) or (heads if first and len(runs) <= 2 else [])
            units.append(_Unit(lead + run, "list", local))
        else:
            units.extend(_statements(run, local))
        first = False
    return units, ""


def _block_of(unit: _Unit, file: str, section: Section, voice: str, in_box: bool,
              context: str) -> Block:
    raw, lines, cols, breaks = [], [], [], []
    size = 0
    for k, para in enumerate(unit.paras):
        for j, row in enumerate(para.rows):
            if k or j:
                raw.append("\n")
                lines.append(row.line)
                cols.append(0)
                size += 1
            if j == 0:
                breaks.append(size)
            raw.append(row.text)
            lines.extend([row.line] * len(row.text))
            cols.extend(range(len(row.text)))
            size += len(row.text)
    local = _joined(context, unit.local)
    heading = section.heading if not local or local in section.heading else f"{section.heading} – {local}"
    return Block("".join(raw), lines, voice, "" if in_box else section.meeting, heading, file,
                 cols=cols, recorded_in=section.meeting, kind=unit.kind,
                 additions=section.additions, breaks=tuple(breaks))


def titles_after_slides(contexts: list[str], slides: list[list[_Para]]) -> tuple[list[str], list[str]]:
    """Where the extraction put each slide's title after its text (001's three visions: the
    description, then «Forøget kommunal selvforsyning (95%)», then «VISION FOR FREMTIDIGT
    SAMARBEJDE:»), a slide that opens with the template line under a title (kept as the slide's
    context, being a repeated heading) got the title of the slide before it. Returns each slide's
    own title ("" where none moved) and the contexts without the moved titles. Inside a slide,
    _units gives a title line standing before a template line to the text before it."""
    titles, contexts = [""] * len(slides), list(contexts)
    for k in range(1, len(slides)):
        if contexts[k] and slides[k] and slides[k][0].role == "template":
            titles[k - 1], contexts[k] = contexts[k], ""
    return titles, contexts


def line_blocks(file: str, lines: list[str], section: Section, skipped: set[int],
                layout: Layout = Layout(), markdown: bool = False) -> list[Block]:
    """Blocks of a section laid out in ordinary lines (bullets, wrapped sentences, slides
    separated by blank lines); in Markdown every blank line ends a paragraph."""
    blocks = []
    carried = ""
    slides = _slides(lines, section, skipped, layout)
    all_paras = [_paragraphs(rows, layout, markdown) for rows, *_ in slides]
    contexts = [s[2] for s in slides]
    titles = [""] * len(slides)
    if section.titles_after:
        titles, contexts = titles_after_slides(contexts, all_paras)
    for (rows, voice, _, in_box), context, paras, title in zip(slides, contexts, all_paras, titles):
        for para in paras:
            note = next((n for n in layout.notes if para.text.startswith(n.start)), None)
            if note:
                para.role = "note:" + note.voice
        notes = [p for p in paras if p.role.startswith("note:")]
        rest = [p for p in paras if not p.role.startswith("note:")]
        for p in notes:
            b = _block_of(_Unit([p], "note", ""), file, section, p.role[5:], in_box, context)
            b.additions = ""
            blocks.append(b)
        units, carried = _units(rest, carried, title, section.titles_after)
        if not units and context:
            # headings under a heading of their own are the page's menu (001 line 317: «Styrket
            # samarbejde» over «Brugerinddragelse», «Styring», «Rammeaftalens form»), not the title
            # of the slide after them, which has its own
            carried = ""
        for unit in units:
            blocks.append(_block_of(unit, file, section, voice, in_box, context))
    return blocks


# -- slide layout (one slide per line) ---------------------------------------------------

def slide_blocks(file: str, lines: list[str], section: Section, skipped: set[int],
                 layout: Layout = Layout()) -> list[Block]:
    """Blocks of a section with one slide per line (004): each line, cut at voice boxes and
    organisers' notes, without the tables' template text."""
    blocks = []
    for line_no in range(section.start, section.end + 1):
        text = lines[line_no - 1].rstrip()
        if line_no in skipped or is_noise(text):
            continue
        cuts = []  # (start, end, voice after it: "" = keep, or a voice, or "<section>")
        for marker, voice in layout.boxes:
            cuts += [(m.start(), m.end(), voice, True) for m in re.finditer(re.escape(marker), text)]
        for note in layout.notes:
            for m in re.finditer(re.escape(note.start), text):
                end = text.find(note.end, m.start())
                end = len(text) if end < 0 else end + len(note.end)
                cuts.append((m.start(), m.start(), note.voice, False))
                cuts.append((end, end, "<back>", False))
        for t in layout.templates:
            for m in re.finditer(re.escape(t.text), text, flags=re.I):
                cuts.append((m.start(), m.end(), "", False))
        cuts.sort()
        pos, voice, in_box, back = 0, section.voice, False, section.voice
        for start, end, new_voice, box in cuts + [(len(text), len(text), "", False)]:
            if start < pos:
                continue
            if text[pos:start].strip():
                blocks.append(Block(text[pos:start], [line_no] * (start - pos), voice,
                                    "" if in_box else section.meeting, section.heading, file,
                                    cols=list(range(pos, start)), recorded_in=section.meeting,
                                    additions=section.additions if voice == section.voice else ""))
            pos = end
            if new_voice == "<back>":
                voice = back
            elif new_voice:
                if box:
                    back, in_box = new_voice, True
                voice = new_voice
    return blocks


# -- passages ------------------------------------------------------------------------------

def _trim(piece: str, sa: int, sb: int) -> tuple[int, int]:
    """Without the bullets, dashes and spaces around it (markup and quotes stay), and without a
    full stop or comma left over from the sentence before it (". Mere fokus på effekt …" where
    the sentence before was cut off as a statement recorded elsewhere), and without a stray accent
    typed before the first word ("´Specialisering – det svære …", 001 line 1694)."""
    while sa < sb and (piece[sa].isspace() or piece[sa] in BULLETS + "-–*#>|"
                       or (piece[sa] in ".,;:" and (sa + 1 == sb or piece[sa + 1].isspace()))
                       or (piece[sa] in "´`" and sa + 1 < sb and piece[sa + 1].isalpha())):
        sa += 1
    while sb > sa and piece[sb - 1].isspace():
        sb -= 1
    return sa, sb


def _without_additions(raw: str, a: int, b: int) -> tuple[list[tuple[int, int]], list[str]]:
    """The raw spans of raw[a:b] outside parentheses, and the parenthesised texts."""
    keep, added, pos = [], [], a
    for m in _PAREN_RE.finditer(raw, a, b):
        if m.start() > pos:
            keep.append((pos, m.start()))
        added.append(display_text(m.group(0)[1:-1]))
        pos = m.end()
    if pos < b:
        keep.append((pos, b))
    return [(x, y) for x, y in keep if raw[x:y].strip()], added


def _passage(block: Block, a: int, b: int) -> Passage | None:
    """The passage of raw[a:b] of block, or None when it holds too few words."""
    a, b = _trim(block.raw, a, b)
    if a >= b:
        return None
    additions: list[dict] = []
    structure = block.kind not in ("statement", "note")
    cuts = [c for c in block.breaks if a < c < b] if structure else []
    items, kept = [], []
    for x, y in zip([a] + cuts, cuts + [b]):  # a structure item by item, a statement whole
        if block.additions:
            spans, added = _without_additions(block.raw, x, y)
            additions += [{"text": t, "voice": block.additions} for t in added if t]
        else:
            spans = [(x, y)] if block.raw[x:y].strip() else []
        if spans:
            items.append(display_text(" ".join(block.raw[u:v] for u, v in spans)))
            kept += spans
    if not kept:
        return None
    text = "\n".join(i for i in items if i)
    a, b = _trim(block.raw, kept[0][0], kept[-1][1])
    if word_count(text) < MIN_WORDS and not additions:
        return None  # a short leftover; a short card the organisers explained in parentheses stays
    first, last = block.span(a, b)
    c0, c1 = block.col_span(a, b)
    return Passage(block.file, first, last, text, block.voice, block.meeting, block.heading,
                   col_start=c0, col_end=c1, recorded_in=block.recorded_in, kind=block.kind,
                   additions=additions)


def passages_from(block: Block, spans: list[tuple[int, int]] | None = None) -> list[Passage]:
    """Passages of the given raw spans of a block (the whole block when None). A statement is
    cut into sentence groups of at most MAX_CHARS; a structure stays whole up to STRUCT_MAX and
    is otherwise cut between its items."""
    out = []
    for a, b in spans if spans is not None else [(0, len(block.raw))]:
        piece = block.raw[a:b]
        if block.kind == "statement":
            sentence_spans = split_sentences(piece) if len(piece) > MAX_CHARS else [(0, len(piece))]
            groups = group_spans(piece, sentence_spans, MAX_CHARS)
        else:
            starts = [c - a for c in block.breaks if a < c < b]
            items = list(zip([0] + starts, starts + [len(piece)]))
            groups = group_spans(piece, items, STRUCT_MAX) if len(piece) > STRUCT_MAX else [(0, len(piece))]
        for sa, sb in groups:
            p = _passage(block, a + sa, a + sb)
            if p:
                out.append(p)
    return out
