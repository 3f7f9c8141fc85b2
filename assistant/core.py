"""The Assistant: question in, cited answer (or a plain refusal) out."""
from __future__ import annotations

import logging
import re
import os
import threading
import time
from pathlib import Path

from ingest.clean import split_sentences
from ingest.lexical import tokens
from ingest.manifest import MONTHS

from . import answer as A
from . import expect as E
from .claims import Evidence, bare_claim_question, bare_word, claim_of, facts_check, held_at, held_on, names_missing_thing, without_scope, HELD_RE, ONLINE, WEEKDAYS
from .claims import negated as claim_negated
from .claims import opposes as claim_opposes
from .claims import verdict as claim_verdict
from .claims import reversed_by_antonym
from .config import Settings
from .lexicon import WORD_RE, dictionary_word, is_place, lemma
from .ordinals import resolve as resolve_ordinals
from .query import (Query, analyse, by_year, clean_question, has_words, meetings_of_years, own_meeting_cues, rewrite_followup,
                    topic_words)
from .retrieve import meetings_of, places, voice_meetings
from .store import IndexUnavailable, open_index

log = logging.getLogger("rammeaftale")

CLAIM_VOICE_EXTRA = 2  # passages of the voice a claim names, checked beside the best ones
CLAIM_NUMBER_DEPTH = 20  # how far down the ranking a claim's number is looked for
CLAIM_REPORT_COVERAGE = 0.5  # share of a claim's words a sentence reporting what a group said holds
HELD_CLAIM_REST = 1  # words beside a meeting, its place and day that still let a claim be only about its day
MEETING_WORDS = frozenset("møde mødet møder møderne mødets".split())  # a meeting, whichever it is
SPEECH_VERBS = ("sagde|siger|sagt|mente|mener|ønskede|ønsker|ønsket|ville|vil|foreslog|foreslår|syntes|synes"
                "|krævede|kræver|bad|udtrykte|pegede|nævnte|said|wanted|want|asked|suggested|proposed")

MSG_EMPTY = "Skriv et spørgsmål om processen bag Rammeaftale 2018, fx «Hvad sagde brugerne om overgange?»."
MSG_NO_WORDS = "Spørgsmålet indeholder ingen ord, jeg kan søge efter. Prøv at skrive det med ord."
MSG_TRUNCATED = "Spørgsmålet var meget langt; kun begyndelsen er brugt."
MSG_OTHER_SCRIPT = ("Jeg kan kun søge med dansk (eller engelsk) tekst, for dokumenterne er på dansk. "
                    "Skriv spørgsmålet på dansk, fx «Hvad sagde brugerne om overgange?».")
MSG_UNAVAILABLE = ("Søgeindekset er ikke tilgængeligt lige nu. Prøv igen om lidt; "
                   "en administrator kan genopbygge det med «rammeaftale ingest --rebuild».")


def _plain(value) -> str:
    """Text that can be written as UTF-8: a lone surrogate (JSON "\\ud800", a bad argv byte)
    becomes "?" instead of failing deep inside the embedder or the JSON writer."""
    return value.encode("utf-8", "replace").decode("utf-8") if isinstance(value, str) else ""


def _filter_values(values) -> list[str]:
    """Filters as a list of strings, whatever the caller passed (a string, None, numbers, lists)."""
    if not values:
        return []
    if isinstance(values, str):
        values = [values]
    try:
        values = list(values)[:50]
    except TypeError:
        values = [values]
    return [_plain(v) if isinstance(v, str) else repr(v)[:60] for v in values]


def _shown(values: list[str], most: int = 5, chars: int = 40) -> str:
    """Unknown filter values as echoed in a message: a few, each shortened."""
    out = [v if len(v) <= chars else v[:chars] + "…" for v in values[:most]]
    return ", ".join(out) + (" …" if len(values) > most else "")


class Assistant:
    def __init__(self, settings: Settings | None = None, build_if_missing: bool = True, progress=None):
        self.settings = settings or Settings()
        self.build_if_missing = build_if_missing
        self.progress = progress
        self._index = None
        self._retriever = None
        self._embedder = None
        self._lock = threading.Lock()
        self._line_lengths: dict[str, list[int]] = {}

    # -- loading -----------------------------------------------------------------------------
    def _current_target(self) -> str:
        try:
            return os.readlink(Path(self.settings.data_dir) / "index")
        except OSError:
            return ""

    def ready(self):
        """Opens the index (building it on first use) and returns the retriever."""
        with self._lock:
            if self._index is not None and self._index.folder.name != self._current_target():
                log.info("index changed on disk: reloading")
                self._index = self._retriever = None
            if self._index is None or not self._index.folder.exists():
                from ingest.embed import make_embedder

                from .retrieve import HybridRetriever
                self._index = open_index(self.settings, self.build_if_missing, self.progress)
                if self._embedder is None:
                    self._embedder = make_embedder(self.settings.embedder)
                self._retriever = HybridRetriever(self._index, self._embedder,
                                                  self.settings.dense_k, self.settings.lexical_k,
                                                  knobs=self.settings.knobs())
            return self._retriever

    @property
    def manifest(self):
        return self.ready().index.manifest

    def years(self) -> dict[str, str]:
        """Meeting id -> the year of its date."""
        return {k: mt.date[:4] for k, mt in self.manifest.meetings.items()}

    def cues(self):
        m = self.manifest
        return ({v: list(d.get("cues", [])) for v, d in m.voices.items()},
                {k: list(mt.cues) + [c for c in mt.month_cues if c not in mt.cues] for k, mt in m.meetings.items()})

    # -- answering ---------------------------------------------------------------------------
    def ask(self, question: str, voices: list[str] | None = None, meetings: list[str] | None = None,
            previous: str | None = None) -> dict:
        started = time.perf_counter()
        result = self._ask(question, voices or [], meetings or [], previous or "")
        result["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
        return result

    def ask_stream(self, question: str, voices: list[str] | None = None, meetings: list[str] | None = None,
                   previous: str | None = None):
        """Like ask, for the page: yields draft texts (str, growing) while an LLM writes, then
        the final result dict as the last item (protocol: assistant.llm.stream). Without an
        LLM, or for a refusal, the only item is the result."""
        started = time.perf_counter()
        result = self._ask(question, voices or [], meetings or [], previous or "", generate=False)
        items = iter([result])
        if self.settings.generator != "extractive" and result.get("kind") == "answer":
            from .llm import stream
            items = stream(self.settings, result.get("rewritten") or result["question"], result, self._embedder)
        for item in items:
            if isinstance(item, dict):
                item["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
            yield item

    def search(self, question: str, voices=None, meetings=None, previous: str | None = None) -> list:
        """The ranked passages (retrieve.Hit) for a question, before answer composition."""
        text, _ = clean_question(question, self.settings.max_question_chars)
        return self._search(self.ready(), text, voices or [], meetings or [], previous or "")[2]

    def line_length(self, file: str, line: int) -> int:
        """Length of a line (1-based) of a corpus file: the end column of a whole-line citation."""
        lengths = self._line_lengths.get(file)
        if lengths is None:
            try:
                text = (Path(self.settings.corpus_dir) / file).read_text(encoding="utf-8")
                lengths = [len(x) for x in text.split("\n")]
            except OSError:
                lengths = []
            self._line_lengths[file] = lengths
        return lengths[line - 1] if 0 < line <= len(lengths) else 0

    def _search(self, retriever, text, voices, meetings, previous, claim: str | None = None):
        """(search text, whether it is a follow-up's, hits). The search text differs from the
        question for a follow-up (the previous topic added) and for an ordinal ("den tredje
        vision" -> its title), which is no follow-up."""
        voice_cues, meeting_cues = self.cues()
        followed = rewrite_followup(text, previous, voice_cues, meeting_cues)
        followup = bool(previous) and followed != text
        search_text = resolve_ordinals(followed, retriever.numbered)
        if followup and self.settings.generator != "extractive":
            from .llm import rewrite_followup_llm  # None without an LLM or on failure
            search_text = rewrite_followup_llm(self.settings, text, previous) or search_text
        query = analyse(search_text, voice_cues, meeting_cues)
        query.meetings = by_year(search_text, query.meetings, self.years())
        query.overview = E.asks_overview(text)
        query.results = E.asks_results(text)
        if followup:  # a follow-up: the voice it names is the one asked about
            own = analyse(text, voice_cues, meeting_cues)
            if own.voices:
                query.voices, query.voice_boost = own.voices, self.settings.followup_voice_boost
                # "og hvad sagde brugerne?" after "… mødet med fagpersonerne i marts": the users were
                # not at that meeting; the previous meeting only narrows when the new voice spoke there
                heard = voice_meetings(retriever.index.records)
                query.meetings = [m for m in query.meetings if any(m in heard.get(v, ()) for v in own.voices)]
                voices = voices or own.voices  # their words, not the previous voice's about them
        variant = retriever.danish_variant(claim or search_text)
        if variant:  # an English question: voice and meeting cues from its Danish words too
            extra = analyse(variant, voice_cues, meeting_cues)
            query.voices = list(dict.fromkeys([*query.voices, *extra.voices]))
            query.meetings = by_year(search_text, list(dict.fromkeys([*query.meetings, *extra.meetings])), self.years())
        if claim:  # search for what has to stand in the material; the voice named around it boosts
            query = Query(text=claim, voices=query.voices, meetings=query.meetings)
            search_text = claim
        return search_text, followup, retriever.search(query, voices, meetings)

    def _cite(self, hits_or_records, manifest, question) -> list[dict]:
        out = []
        for n, item in enumerate(hits_or_records, 1):
            rec = item.record if hasattr(item, "record") else item
            out.append(A.citation(n, rec, manifest, question, self.line_length, self.settings.quote_chars))
        return out

    @staticmethod
    def _voiced(rec: dict, voices: list[str], voice_cues: dict, covers) -> bool:
        """Whether a passage is (in one of its places) the voice's, or reports in one sentence
        what that voice said about the claim ("Og brugerne og deres organisationer giver udtryk for
        en bekymring for …" in the organisers' text): the sentence names the voice and covers(its
        stems) says it holds the claim's key words (None: only the voice's own passages count)."""
        if {p.get("voice", "") for p in places(rec)} & set(voices):
            return True
        text = rec.get("text", "")
        if covers is None:
            return False
        cues = {v: voice_cues[v] for v in voices}
        return any(analyse(text[a:b], cues, {}).voices and covers(set(tokens(text[a:b])))
                   for a, b in split_sentences(text))

    def _dates_of(self, rec: dict) -> str:
        """The dates of the meetings a passage belongs to, as words ("25. november 2016 2016-11-25")."""
        meetings = self.manifest.meetings
        return " ".join(f"{meetings[m].date_label} {meetings[m].date}" for m in sorted(meetings_of(rec)) if m in meetings)

    def claim_candidates(self, retriever, hits, claim, question: str = "") -> list[tuple]:
        """(hit, claims.Evidence) for the best passages. "står det, at brugerne ønskede …": the
        voice is checked on its own (the passage is the users', or reports what they said); its
        words are not terms to repeat."""
        voice_cues, meeting_cues = self.cues()
        # who said it: the voice before the claim ("sagde politikerne, at brugerne …"), else the
        # one in it ("står det, at brugerne ønskede …")
        before = question[:question.lower().rfind(claim.lower())] if claim.lower() in question.lower() else ""
        said_by = analyse(before, voice_cues, {}).voices  # asked what they said: their own words only
        voices = said_by or analyse(claim, voice_cues, {}).voices
        cue_words = {w for v in voices for c in voice_cues[v] for w in c.lower().split()}
        # the meeting the question names ("… på kick off mødet, at …"): a passage of another
        # meeting states nothing about it (the kick-off's «Morgenmad på Comwell» for the April meeting)
        named = self._named_meetings(question or claim)
        # … and the words that name it say where the claim stands, not what it is ("brugerne fik
        # betalt transport til mødet i Solrød" is not stated by «Mødet blev afholdt på Solrød Rådhus»)
        scope = self._meeting_scope(named, meeting_cues)
        terms = [t for t in retriever.terms(claim) if t.word not in cue_words | scope] or retriever.terms(claim)
        # a sentence reporting the voice holds at least half the weight of the claim's words
        # ("Det har både politikerne, fagpersonerne og brugerne selv givet udtryk for …" reports
        # nothing about "mere konkurrenceudsættelse")
        # when the claim has them speak ("brugerne ønskede …"); a group the claim is about
        # ("mistillid mellem brugerne og kommunerne") only needs one of the claim's words there
        speaks = bool(cue_words) and bool(re.search(
            r"\b(?:%s)\s+(?:%s)\b" % ("|".join(map(re.escape, sorted(cue_words))), SPEECH_VERBS), claim.lower()))
        words = {a for t in terms for a in t.alts}

        def reports(stems: set[str]) -> bool:
            return retriever.coverage(terms, stems) >= CLAIM_REPORT_COVERAGE if speaks else bool(stems & words)
        pool = list(hits[:self.settings.answer_k])
        extra = []
        if voices:  # the named voice's own closest passages too: what it said is where to look
            seen = {h.record["id"] for h in pool}
            extra = retriever.closest_of(claim, voices, seen, CLAIM_VOICE_EXTRA)
        if re.search(r"\d", claim):  # "17 kommuner": passages further down that give the number too
            seen = {h.record["id"] for h in pool + extra}
            extra += [h for h in hits[self.settings.answer_k:CLAIM_NUMBER_DEPTH] if h.record["id"] not in seen
                      and facts_check(claim, h.record["text"], self._dates_of(h.record))[0]][:CLAIM_VOICE_EXTRA]
        pool += extra  # (these only keep a «Nej» from standing: claims.verdict)
        # a name the claim gives ("… holdt på Comwell") has to stand in a passage that states it
        names = [t for t in terms if t.alts and t.weight >= self.settings.claim_name_idf
                 and (t.capitalised or is_place(t.word) or dictionary_word(t.word) == "name")]
        extra_ids = {h.record["id"] for h in extra}
        out = []
        # the claim in the documents' words ("frivillige" -> «civilsamfundet»): a line may stand closer
        # to it (measured on the tuning half: one false «Nej» fewer, one false «Ja» more)
        worded = retriever.in_documents_words(claim)
        # the claim's lines are compared without the meeting's name too: a line of that meeting
        # is close to anything said to happen there
        content = without_scope(claim, scope)
        for h in pool:
            unit, unit_text = retriever.best_unit(content, h.record)
            if worded:
                unit, unit_text = max((unit, unit_text), retriever.best_unit(worded, h.record))
            stated, conflicts = facts_check(claim, h.record["text"], self._dates_of(h.record))
            out.append((h, Evidence(
                coverage=retriever.coverage(terms, retriever.doc_tokens(h.record), neighbours=True),
                dense=h.dense, agrees=not claim_opposes(claim, h.record["text"]),
                voiced=not voices or self._voiced(h.record, voices, voice_cues, None if said_by else reports),
                unit=unit, unit_agrees=not claim_opposes(claim, unit_text),
                unit_reversed=reversed_by_antonym(claim, unit_text),
                facts=stated, conflicts=conflicts, extra=h.record["id"] in extra_ids,
                placed=not named or bool(meetings_of(h.record) & (named | {"proces"})),
                named=all(t.covered_by(retriever.doc_tokens(h.record)) for t in names))))
        return out

    def _meeting_scope(self, named: set[str], meeting_cues: dict) -> set[str]:
        """The words that name the meetings a claim is placed at: those of their cues that stand in
        the meeting's title, place or date («kick off», «Solrød», «2022», «temamødet»), and «mødet».
        Not a topical cue («enqueten», «visionerne», «Slagelse»: what the claim may be about), nor
        the month alone ("lederne i marts ville …" is found under «Fra mødet den 17. marts 2017»; a
        claim about a day is checked against the date)."""
        months = {w for m in MONTHS for w in m}
        scope = set(MEETING_WORDS) if named else set()
        for mid in named:
            meeting = self.manifest.meetings.get(mid)
            if meeting is None:
                continue
            own = [w for w in re.findall(r"[a-zæøå0-9]+", f"{meeting.title} {meeting.place} {meeting.date_label}".lower())
                   if len(w) >= 3 or w.isdigit()]
            scope |= {w for c in meeting_cues.get(mid, ()) for w in re.findall(r"[a-zæøå0-9]+", c.lower())
                      if w not in months and any(bare_word(w) in o or (len(o) >= 4 and o in w) for o in own)}
        return scope

    def _named_meetings(self, text: str) -> set[str]:
        """The meetings a text names by their own cues (not by a voice's: "fagpersonerne" speak in
        the theme meeting's boxes too), narrowed by the year it names."""
        voice_cues, meeting_cues = self.cues()
        said = {c.lower() for cues in voice_cues.values() for c in cues}
        # … unless the text calls it the meeting with them ("mødet med fagpersonerne")
        own = {m: [c for c in cues if c.lower() not in said or re.search(
                   rf"\bmøde\w*\s+med\s+(?:de\s+)?{re.escape(c.lower())}\b", text.lower())]
               for m, cues in meeting_cues.items()}
        own.pop("proces", None)  # the process as a whole is no meeting (its cues: "mulighed", "forløbet")
        return set(by_year(text, analyse(text, {}, own).meetings, self.years()))

    def _held_on(self, question: str, claim: str, hits, manifest):
        """("same" | "other", the passage to show, how many of the claim's words say something
        else than the meeting, its place, its day and that it was held, the lead of a «Nej») for a
        claim about the day or place the one meeting the question names was held, checked against
        the manifest's date and place of it; None otherwise. The passage shown is the best of that
        meeting that writes the day (or place), else its best."""
        # the meeting the claim is about, not the one whose place it claims ("… holdt på Comwell")
        held = HELD_RE.search(question)
        named = self._named_meetings(question[:held.end()] if held else question)
        meeting = manifest.meetings.get(next(iter(named))) if len(named) == 1 else None
        day = held_on(claim, meeting.date_label, meeting.date) if meeting else ""
        where = held_at(claim, meeting.place, [m.place for m in manifest.meetings.values()]) if meeting else ""
        found = [f for f in (day, where) if f]
        which = "other" if "other" in found else "same" if found else ""
        own = [h for h in hits if meeting and meeting.id in meetings_of(h.record)]
        if not which or not own:
            return None
        # the passage that writes the day (or the place) the claim is about
        mark = meeting.date_label.split()[0] if day else meeting.place.split(",")[0]
        dated = [h for h in own if re.search(rf"(?<!\d){re.escape(mark)}", h.record.get("text", ""), re.I)]
        told = set(tokens(" ".join([meeting.title, meeting.place, meeting.date_label, *meeting.cues,
                                    "holdt afholdt foregik fandt sted møde mødet", *WEEKDAYS, *ONLINE])))
        rest = [t for t in tokens(claim) if t not in told and not t.isdigit()]
        lead = A.CLAIM_OTHER if day == "other" or where != "other" else A.CLAIM_OTHER_PLACE
        return which, (dated or own)[:1], len(rest), lead

    def _claim(self, base, retriever, hits, claim, manifest) -> dict:
        """«Ja – …» with the passages that state the claim, «Nej – … det modsatte» with those that
        say the opposite, an unsure answer with the closest ones, or «Nej, …» (claims.verdict)."""
        candidates = self.claim_candidates(retriever, hits, claim, base["question"])
        kind, chosen = claim_verdict([e for _, e in candidates], self.settings.knobs(),
                                     names_missing_thing(retriever.terms(claim)), claim_negated(claim))
        dated = self._held_on(base["question"], claim, hits, manifest)
        # a claim of only that ("kick-off mødet blev holdt den 25. november 2016") is the meeting's
        # day; one that says more needs a passage that states the rest
        if dated and (dated[0] == "other" or (kind in ("no", "unsure") and dated[2] <= HELD_CLAIM_REST)):
            which, shown, _, lead = dated
            citations, groups = A.grouped(self._cite(shown, manifest, claim))
            if which == "same":
                return {**base, "answer": A.render(groups, A.CLAIM_YES), "kind": "claim_yes", "refused": False,
                        "citations": citations, "groups": groups, "claim": claim}
            return {**base, "answer": A.render(groups, lead), "kind": "claim_no", "refused": True,
                    "opposite": True, "citations": citations, "groups": groups, "maybe_relevant": [], "claim": claim}
        if kind == "no":
            closest = self._cite(hits[:3], manifest, claim)
            return {**base, "answer": A.claim_no_text(closest), "kind": "claim_no", "refused": True,
                    "maybe_relevant": closest, "claim": claim}
        citations, groups = A.grouped(self._cite([candidates[i][0] for i in chosen], manifest, claim))
        if kind in ("opposite", "other", "elsewhere"):  # «Konkurrenceudsættelse er ikke en god vej!!!»
            # for "… er en god vej"; «25. november 2016» for "holdt 25 oktober 2016"; Bord 9's words
            # for "sagde fagfolkene, at …"
            lead = {"opposite": A.CLAIM_OPPOSITE, "other": A.CLAIM_OTHER}.get(kind) or (
                A.CLAIM_ELSEWHERE_MEETING if any(not candidates[i][1].placed for i in chosen) else A.CLAIM_ELSEWHERE_VOICE)
            return {**base, "answer": A.render(groups, lead), "kind": "claim_no", "refused": True,
                    "opposite": True, "citations": citations, "groups": groups, "maybe_relevant": [], "claim": claim}
        if kind == "unsure":  # neither «Ja» nor «Nej»: a false "not recorded" is the worst answer
            return {**base, "answer": A.render(groups, A.CLAIM_UNSURE), "kind": "unsure", "refused": False,
                    "unsure": True, "citations": citations, "groups": groups, "claim": claim}
        return {**base, "answer": A.render(groups, A.CLAIM_YES), "kind": "claim_yes", "refused": False,
                "citations": citations, "groups": groups, "claim": claim}

    def _asked_voices(self, text: str, filtered: list[str]) -> list[str]:
        """The groups whose words the question asks for ("hvad mente fagpersonerne om …",
        "what did the users say …"), not a group it only names ("hvad skulle bordene snakke ud
        fra?"); none when the user's voice filter already narrows the passages."""
        if filtered or not re.search(rf"\b(?:{SPEECH_VERBS}|ifølge|say|says|think|thought|according)\b", text.lower()):
            return []
        return analyse(text, self.cues()[0], {}).voices

    def _vague(self, text: str) -> str:
        """A "say more" message for a question that names nothing to look for ("og?", "hvornår",
        a bare "står det nogen steder, at"); "" for a real question."""
        if bare_claim_question(text):
            return E.vague_message(claim=True)
        if E.asks_overview(text):  # "hvem mødtes hvornår?": the process as a whole
            return ""
        q = analyse(text, *self.cues())
        return E.vague_message() if E.vague(text, topic_words(text), bool(q.voices or q.meetings)) else ""

    def _unanswerable_reason(self, text: str, hits, meetings: list[str], manifest, own: str = "") -> tuple[str, bool]:
        """Why the material cannot answer a question its passages seem close to (assistant/expect.toml):
        it asks for an amount no passage gives, for what was said or decided at a meeting the
        material holds only the invitation of, or for what a speaker said whom the material names
        only in a meeting programme. "" when nothing stands in the way; beside it whether an
        expected kind of answer with `then = "unsure"` is missing. text: the question with
        the topic of a follow-up's previous question; own: the question as asked, whose words say
        what kind of answer it asks for (a follow-up's previous question does not ask it again)."""
        retriever = self.ready()
        # the meetings the question names by a word of their own: "ifølge fagpersonerne" names the
        # group, quoted at the theme meeting too, not only the March meeting
        voice_cues, meeting_cues = self.cues()
        strict = analyse(text, {}, own_meeting_cues(voice_cues, meeting_cues)).meetings
        named = by_year(text, strict, self.years()) or list(meetings)
        named = named or meetings_of_years(text, self.years())  # a year alone ("formand for KKR i 2022")
        records = {m.id: m.record for m in manifest.meetings.values()}
        unrecorded = E.unrecorded_meeting(text, named, records)
        if unrecorded:
            m = manifest.meetings[unrecorded]
            return E.outcome_reason(f"{m.title.split(' (')[0].lower()} {m.date_label}"), False
        speaker = E.listed_only(text, retriever.speakers, retriever.kinds_holding)
        if speaker:
            return E.speech_reason(speaker), False
        top = hits[:self.settings.answer_k]
        # "hvem var formand for KKR i 2022?": the name has to stand in a passage of the meeting the
        # question names, not in another meeting's programme (all of them when none of the best is its)
        held = {m for m in named if m in manifest.meetings and manifest.meetings[m].held_on_a_day}
        pool = [h for h in top if held & meetings_of(h.record)] or top
        texts = [p.get("text", "") for h in pool for p in places(h.record)]
        # a list or programme answers "hvor mange …?" by its items only when it is about what the
        # question counts (or, without a counted word, names): not a registration list beside the point
        counted = E.counted_word(own or text)
        topic = {a for t in retriever.terms(counted or own or text) for a in t.alts}

        def about(rec: dict) -> bool:  # a counted thing is named by the list's title or intro
            if not counted:
                return bool(topic & retriever.doc_tokens(rec))
            # by its lemma, not by a shared stem ("politik fastsatte effektmål" is no list of
            # politikere) or as a compound's first part ("deltagerliste" counts no deltagere)
            root = lemma(counted)
            head = f"{rec.get('heading', '')} {rec.get('text', '').split(chr(10))[0]}".lower()
            return any(w == counted or lemma(w) == root for w in WORD_RE.findall(head))
        kinds = [h.record.get("kind", "") for h in pool if about(h.record)]
        unlisted = E.unlisted(own or text, [h.record.get("text", "") for h in pool])
        if unlisted:
            return unlisted, False
        gap = E.unmet(own or text, texts, kinds)
        # an unsure kind: the answer shows the closest passages without claiming absence
        return (gap.reason, False) if gap and gap.then == "refused" else ("", bool(gap))

    def _ask(self, question, voices, meetings, previous, generate: bool = True) -> dict:
        voices, meetings = _filter_values(voices), _filter_values(meetings)
        previous = clean_question(_plain(previous), self.settings.max_question_chars)[0]  # bounded work
        text, truncated = clean_question(_plain(question), self.settings.max_question_chars)
        base = {"question": text, "answer": "", "refused": True, "unsure": False, "kind": "refused",
                "citations": [], "maybe_relevant": [], "groups": []}
        if truncated:
            base["notice"] = MSG_TRUNCATED
        if not text:
            return {**base, "answer": MSG_EMPTY, "error": "empty", "kind": "error"}
        if not has_words(text):
            other_script = any(ch.isalpha() for ch in text)  # Arabic, Greek, Chinese …
            return {**base, "answer": MSG_OTHER_SCRIPT if other_script else MSG_NO_WORDS, "error": "no_words", "kind": "error"}
        try:
            retriever = self.ready()
            known_voices = set(retriever.index.manifest.voices)
            known_meetings = set(retriever.index.manifest.meetings)
            bad = [v for v in voices if v not in known_voices] + [m for m in meetings if m not in known_meetings]
            if bad:
                return {**base, "answer": f"Ukendt filter: {_shown(bad)}. "
                                          "Vælg blandt de stemmer og møder, siden viser.", "error": "bad_filter",
                        "kind": "error"}
            if not previous:
                vague = self._vague(text)
                if vague:
                    return {**base, "answer": vague, "error": "vague", "kind": "error"}
            claim = claim_of(text)
            search_text, followup, hits = self._search(retriever, text, voices, meetings, previous, claim)
            manifest = retriever.index.manifest
        except IndexUnavailable as exc:
            log.error("index unavailable: %s", exc)
            return {**base, "answer": MSG_UNAVAILABLE, "error": "index_unavailable", "kind": "error"}
        except Exception as exc:  # Chroma server gone, damaged files: a message, never a traceback
            log.exception("retrieval failed: %s", exc)
            with self._lock:
                self._index = self._retriever = None  # reopen on the next question
            return {**base, "answer": MSG_UNAVAILABLE, "error": "index_unavailable", "kind": "error"}

        if search_text != text and not claim:  # a follow-up's or an ordinal's search text (a claim's is neither)
            base["rewritten"], base["followup"] = search_text, followup
        if claim:
            return self._claim(base, retriever, hits, claim, manifest)
        support = retriever.support(search_text, hits)
        kind = A.decide(support, self.settings)
        reason, unsure = self._unanswerable_reason(search_text, hits, meetings, manifest, text) if hits else ("", False)
        if unsure and kind == "answer":  # what the question asks for is not beside the passages
            kind = "unsure"
        if not reason and kind == "refused" and support["missing"]:  # "hvad viste mentimeter-målingen?"
            heading = E.heading_only(support["missing"], retriever.empty_headings)
            reason = E.heading_reason(heading) if heading else ""
        if kind == "refused" or not hits or reason:
            closest = self._cite(hits[:3], manifest, search_text)
            out = {**base, "answer": A.refusal_text(closest, reason), "maybe_relevant": closest,
                   "unknown_words": support["missing"] + support["ordinary"],
                   "cause": A.refusal_cause(support, bool(hits), reason)}
            return {**out, "reason": reason} if reason else out
        chosen = A.select(hits, self.settings.cite_k, retriever.index, self.settings.relative_cutoff,
                          self.settings.cite_chars)
        quoted = search_text
        if E.asks_overview(text):  # quote the sentences that give the meetings' dates
            quoted += " " + " ".join(m.date_label for m in manifest.meetings.values())
        citations, groups = A.grouped(self._cite(chosen, manifest, quoted))
        asked = self._asked_voices(text, voices)
        note = A.voice_note(citations, asked[0], {v: d.get("label", "") for v, d in manifest.voices.items()}) \
            if len(asked) == 1 else ""
        if note:  # the words of another group than the one asked about come first
            base["notice"] = f"{base['notice']} {note}" if base.get("notice") else note
        if kind == "unsure":
            return {**base, "answer": A.render(groups, A.UNSURE), "refused": False, "unsure": True,
                    "kind": "unsure", "citations": citations, "groups": groups,
                    "unknown_words": support["ordinary"]}
        result = {**base, "answer": A.render(groups), "refused": False, "kind": "answer",
                  "citations": citations, "groups": groups}
        if generate and self.settings.generator != "extractive":
            from .llm import generate as generate_answer  # falls back to `result`; never raises
            result = generate_answer(self.settings, search_text, result, self._embedder)
            if result.get("refused"):  # the model found no answer in the passages
                result = {**result, "kind": "refused", "groups": []}
        return result
