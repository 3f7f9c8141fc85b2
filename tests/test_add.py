"""Adding and removing documents (PDF, Word, Markdown, text) on a copy of the corpus, with the
real readers, the real model, real Chroma, the CLI in a subprocess and the page in Chromium."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
import uuid
from pathlib import Path

import pytest

from ingest.clean import display_text

from .conftest import CORPUS, REPO, serve_page, stop_page

CHROMIUM = "/usr/bin/chromium"
AUTH = ("sekretariat", "dokumenter-2023")

PDF_PAGES = [
    "Referat af dialogmøde om fritidstilbud, 12. september 2023\n\n"
    "Mødet blev holdt i Køge Bibliotek med brugere, pårørende og fagpersoner.",
    "Brugerne siger\n"
    "• Svømmehallen i Køge skal have en hæve-sænke-lift, så kørestolsbrugere kan komme i vandet.\n"
    "• Ledsagerordningen til fritidsaktiviteter bør følge borgeren på tværs af kommunegrænser.",
]
DOCX_PARAGRAPHS = [
    ("Notat om høreapparater og ventetider", "Heading 1"),
    ("Fagpersonerne påpegede, at ventetiden på høreapparater i Holbæk er vokset til fjorten måneder, "
     "og at den bør halveres inden næste rammeaftale.", None),
    ("Der blev også drøftet øget brug af tolkebistand på døgntilbuddene.", None),
]


# -- making real documents -------------------------------------------------------------------
def font_path() -> str:
    """A TTF font with æ, ø and å: matplotlib's bundled DejaVuSans (matplotlib is a dependency),
    else Debian's."""
    import matplotlib
    for path in (Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf",
                 Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")):
        if path.is_file():
            return str(path)
    pytest.skip("no DejaVuSans.ttf for Danish letters in a PDF")


def make_pdf(path: Path, pages: list[str], title: str = "", password: str = "") -> Path:
    from fpdf import FPDF
    pdf = FPDF()
    pdf.add_font("dejavu", "", font_path())
    pdf.set_font("dejavu", size=12)
    if title:
        pdf.set_title(title)
    if password:
        pdf.set_encryption(owner_password="ejer-" + password, user_password=password)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 7, text)
    pdf.output(str(path))
    return path


def make_image_pdf(path: Path) -> Path:
    from fpdf import FPDF
    from PIL import Image, ImageDraw
    image = Image.new("RGB", (600, 200), "white")
    ImageDraw.Draw(image).text((20, 80), "Skannet side uden tekstlag", fill="black")
    pdf = FPDF()
    pdf.add_page()
    pdf.image(image, x=10, y=10, w=180)
    pdf.output(str(path))
    return path


def make_docx(path: Path, paragraphs, title: str = "") -> Path:
    import docx
    document = docx.Document()
    for text, style in paragraphs:
        document.add_paragraph(text, style=style) if style else document.add_paragraph(text)
    if title:
        document.core_properties.title = title
    document.save(str(path))
    return path


# -- a corpus copy, its index, the CLI ---------------------------------------------------------
def copy_corpus(dest: Path) -> Path:
    dest.mkdir(parents=True)
    for f in CORPUS.iterdir():
        if f.is_file():
            shutil.copy(f, dest / f.name)
    return dest


@pytest.fixture()
def fresh(tmp_path, settings_factory):
    """Settings over a corpus copy, with an index already built from it."""
    from ingest.index import build_index
    settings = settings_factory(corpus_dir=copy_corpus(tmp_path / "corpus"), data_dir=tmp_path / "data")
    build_index(settings)
    return settings


def env_of(settings, **extra) -> dict:
    return {**os.environ, "RAMMEAFTALE_CORPUS_DIR": str(settings.corpus_dir),
            "RAMMEAFTALE_DATA_DIR": str(settings.data_dir), "RAMMEAFTALE_CACHE_DIR": str(settings.cache_dir),
            "RAMMEAFTALE_CHROMA_URL": settings.chroma_url, "HF_HUB_OFFLINE": "1",
            "ANONYMIZED_TELEMETRY": "False", "PYTHONPATH": str(REPO), **extra}


def cli(settings, *args, timeout=600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], cwd=REPO, env=env_of(settings),
                          capture_output=True, text=True, timeout=timeout)


def snapshot(settings) -> dict:
    """What must not change when an add or remove is refused."""
    corpus = Path(settings.corpus_dir)
    link = Path(settings.data_dir) / "index"
    return {"manifest": (corpus / "manifest.toml").read_bytes(),
            "files": sorted(str(p.relative_to(corpus)) for p in corpus.rglob("*")),
            "index": os.readlink(link), "passages": (link / "passages.json").read_bytes()}


def lines_text(settings, file: str, start: int, end: int) -> str:
    lines = (Path(settings.corpus_dir) / file).read_text(encoding="utf-8").split("\n")
    return display_text("\n".join(lines[start - 1:end]))


def cited(result: dict, file: str) -> list[dict]:
    return [c for c in result["citations"] if c["file"] == file]


# -- adding ----------------------------------------------------------------------------------
def test_add_pdf_and_docx_then_answers_cite_them_with_exact_lines(fresh, tmp_path):
    from assistant import Assistant
    from ingest.documents import add_documents, list_documents
    from ingest.manifest import load_manifest
    settings = fresh
    manifest_before = (Path(settings.corpus_dir) / "manifest.toml").read_text(encoding="utf-8")
    assistant = Assistant(settings, build_if_missing=False)
    question = "hvad sagde brugerne om svømmehallen i Køge og kørestolsbrugere?"
    assert "hæve-sænke-lift" not in json.dumps(assistant.ask(question), ensure_ascii=False)

    pdf = make_pdf(tmp_path / "Referat fritid.pdf", PDF_PAGES, title="Referat af dialogmøde om fritidstilbud")
    run = cli(settings, "add", str(pdf), "--new-meeting", "Dialogmøde om fritidstilbud", "--date", "2023-09-12",
              "--place", "Køge Bibliotek", "--voice", "organisers", "--kind", "mødereferat")
    assert run.returncode == 0, run.stderr
    assert "Tilføjet: Referat fritid.pdf" in run.stdout and "2 sider" in run.stdout
    assert "Nyt møde: Dialogmøde om fritidstilbud" in run.stdout and "Traceback" not in run.stderr

    manifest = load_manifest(settings.corpus_dir)
    pdf_entry = next(f for f in manifest.files if f.title == "Referat af dialogmøde om fritidstilbud")
    meeting = manifest.meetings["dialogmoede_om_fritidstilbud_2023"]
    assert meeting.date == "2023-09-12" and meeting.date_label == "12. september 2023"
    assert meeting.place == "Køge Bibliotek" and pdf_entry.name in meeting.documents
    text_file = Path(settings.corpus_dir) / pdf_entry.name
    assert "kørestolsbrugere" in text_file.read_text(encoding="utf-8")
    assert (Path(settings.corpus_dir) / "originals" / f"{pdf_entry.name[:3]}_Referat fritid.pdf").read_bytes() \
        == pdf.read_bytes()
    # the manifest was appended to: every old line, comments included, is still there in order
    manifest_after = (Path(settings.corpus_dir) / "manifest.toml").read_text(encoding="utf-8")
    assert manifest_after.startswith(manifest_before.split("[[files]]")[0].split("[[meetings]]")[0])
    old = tomllib.loads(manifest_before)
    new = tomllib.loads(manifest_after)
    assert new["files"][:len(old["files"])] == old["files"]
    assert [m["id"] for m in new["meetings"]][:len(old["meetings"])] == [m["id"] for m in old["meetings"]]

    docx_file = make_docx(tmp_path / "hoereapparater.docx", DOCX_PARAGRAPHS, title="Notat om høreapparater")
    report = add_documents(settings, [docx_file], meeting="dialogmoede_om_fritidstilbud_2023",
                           voice="professionals", date="2023-09-12")
    docx_name = report.added[0].name
    assert report.added[0].title == "Notat om høreapparater" and report.added[0].passages >= 1
    assert docx_name in load_manifest(settings.corpus_dir).meetings["dialogmoede_om_fritidstilbud_2023"].documents
    listed = {d["name"]: d for d in list_documents(settings.corpus_dir)}
    assert listed[docx_name]["meetings"] == ["Dialogmøde om fritidstilbud"]

    # the assistant that was open before the adds reloads and answers from the new files
    for q, file, words, voice in [
        (question, pdf_entry.name, "hæve-sænke-lift", "users"),
        ("hvad sagde fagpersonerne om ventetiden på høreapparater i Holbæk?", docx_name, "fjorten måneder",
         "professionals"),
    ]:
        result = assistant.ask(q)
        assert not result["refused"], result["answer"]
        hits = cited(result, file)
        assert hits, (q, [c["file"] for c in result["citations"]])
        c = hits[0]
        assert words in c["text"] and c["voice"] == voice
        # said at that meeting, or (a quoted "Brugerne siger" box) recorded in its material
        assert "dialogmoede_om_fritidstilbud_2023" in (c["meeting_id"], (c.get("recorded_in") or {}).get("id"))
        assert c["text"] in lines_text(settings, file, c["line_start"], c["line_end"])
        # exact lines: the first and the last cited line hold the passage's first and last words
        lines = (Path(settings.corpus_dir) / file).read_text(encoding="utf-8").split("\n")
        assert c["text"].split()[0] in lines[c["line_start"] - 1]
        assert c["text"].split()[-1] in lines[c["line_end"] - 1]


def test_a_document_repeating_recorded_statements_is_told_and_grouped(fresh, tmp_path):
    from assistant import Assistant
    settings = fresh
    lines = (CORPUS / "000_f15e62ccd6a82829.txt").read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if "Der er behov for et større og tættere samarbejde" in line)
    statement = display_text("\n".join(lines[at:at + 2]))  # a users' statement in 000, two lines
    assert statement.endswith("bedre i samarbejdet.")
    note = tmp_path / "opfoelgning.md"
    note.write_text("# Opfølgning fra styregruppen\n\nStyregruppen gengav dette fra brugerworkshoppen:\n\n"
                    f"- {statement}\n\nStyregruppen vil nedsætte en arbejdsgruppe om ventelister på "
                    "botilbud i Østsjælland.\n", encoding="utf-8")
    run = cli(settings, "add", str(note), "--meeting", "proces", "--voice", "organisers")
    assert run.returncode == 0, run.stderr
    assert "1 udsagn var allerede registreret i andre dokumenter" in run.stdout
    assert "000_f15e62ccd6a82829.txt" in run.stdout
    name = run.stdout.split(" -> ")[1].split()[0]
    result = Assistant(settings, build_if_missing=False).ask("hvad sagde brugerne om samarbejdet med de pårørende?")
    group = next(c for c in result["citations"] if statement in c["text"])
    assert name in [p["file"] for p in group["also_in"]]  # recorded in the new file too, listed once
    assert len([p for p in group["also_in"] if p["file"] == name]) == 1


def test_loose_text_file_is_indexed_with_default_metadata_and_a_warning(tmp_path, settings_factory, caplog):
    from assistant import Assistant
    from ingest.index import build_index
    corpus = copy_corpus(tmp_path / "corpus")
    name = f"loest_notat_{uuid.uuid4().hex[:6]}.txt"
    (corpus / name).write_text("Pårørende i Vordingborg kritiserede, at aflastningstilbuddet på Bøgely "
                               "kun har åbent i weekenderne.\n", encoding="utf-8")
    windows = f"windows_{uuid.uuid4().hex[:6]}.txt"  # not UTF-8: told, not indexed, and no crash
    (corpus / windows).write_bytes("Pårørende i Næstved ønskede flere aftentimer.\n".encode("cp1252"))
    settings = settings_factory(corpus_dir=corpus, data_dir=tmp_path / "data")
    with caplog.at_level("WARNING", logger="rammeaftale.ingest"):
        folder = build_index(settings)
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any(name in w for w in warnings) and any(windows in w and "NOT indexed" in w for w in warnings)
    all_records = json.loads((folder / "passages.json").read_text(encoding="utf-8"))
    assert not any(r["file"] == windows for r in all_records)
    records = [r for r in all_records if r["file"] == name]
    assert records and all(r["voice"] == "unspecified" and r["meeting"] == "" for r in records)
    result = Assistant(settings, build_if_missing=False).ask("hvad kritiserede de pårørende om aflastningstilbuddet på Bøgely?")
    c = cited(result, name)[0]
    assert c["voice_label"] == "Ikke angivet" and "weekenderne" in c["text"]
    assert (c["line_start"], c["line_end"]) == (1, 1)
    # `add` gives the loose file metadata where it lies, without copying it
    run = cli(settings, "add", str(corpus / name), "--title", "Notat om aflastning", "--voice", "users")
    assert run.returncode == 0, run.stderr
    result = Assistant(settings, build_if_missing=False).ask("hvad kritiserede de pårørende om aflastningstilbuddet på Bøgely?")
    assert cited(result, name)[0]["voice_label"] == "Brugere"
    assert not (corpus / "originals").exists()


# -- bad input -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def bad_corpus(tmp_path_factory, cache_dir):
    from assistant.config import Settings
    from ingest.index import build_index
    root = tmp_path_factory.mktemp("bad")
    settings = Settings(corpus_dir=copy_corpus(root / "corpus"), data_dir=root / "data", cache_dir=str(cache_dir))
    build_index(settings)
    return settings


def _bad_inputs(folder: Path) -> dict:
    broken = folder / "beskadiget.pdf"
    good = make_pdf(folder / "god.pdf", PDF_PAGES)
    broken.write_bytes(good.read_bytes()[:300])
    (folder / "tom.txt").write_bytes(b"")
    (folder / "gammel.doc").write_bytes(b"\xd0\xcf\x11\xe0 old Word")
    (folder / "ikke-word.docx").write_text("ikke en zip-fil", encoding="utf-8")
    (folder / "kort.txt").write_text("Hej.\n", encoding="utf-8")
    shutil.copy(CORPUS / "002_6c16bdca335661c6.txt", folder / "kopi.txt")
    return {
        "encrypted": ([str(make_pdf(folder / "krypteret.pdf", PDF_PAGES, password="hemmelig"))], "krypteret"),
        "empty_pdf": ([str(make_pdf(folder / "tom.pdf", ["", ""]))], "tom PDF"),
        "image_only": ([str(make_image_pdf(folder / "skannet.pdf"))], "kun billeder"),
        "broken_pdf": ([str(broken)], "beskadiget"),
        "empty_file": ([str(folder / "tom.txt")], "tom"),
        "unknown_format": ([str(folder / "gammel.doc")], "ukendt filformat"),
        "broken_docx": ([str(folder / "ikke-word.docx")], "Word-dokument"),
        "no_passages": ([str(folder / "kort.txt")], "ingen passager"),
        "already_in_corpus": ([str(folder / "kopi.txt")], "findes allerede"),
        "unknown_meeting": ([str(good), "--meeting", "moede_der_ikke_findes"], "Ukendt møde-id"),
        "bad_date": ([str(good), "--date", "12-09-2023"], "ÅÅÅÅ-MM-DD"),
        "missing_file": ([str(folder / "findes-ikke.pdf")], "findes ikke"),
        "one_bad_in_a_batch": ([str(good), str(broken)], "beskadiget"),
    }


BAD = ["encrypted", "empty_pdf", "image_only", "broken_pdf", "empty_file", "unknown_format", "broken_docx",
       "no_passages", "already_in_corpus", "unknown_meeting", "bad_date", "missing_file", "one_bad_in_a_batch"]


@pytest.fixture(scope="module")
def bad_inputs(tmp_path_factory):
    return _bad_inputs(tmp_path_factory.mktemp("inputs"))


@pytest.mark.parametrize("case", BAD)
def test_bad_input_gets_a_danish_message_and_changes_nothing(bad_corpus, bad_inputs, case):
    args, words = bad_inputs[case]
    before = snapshot(bad_corpus)
    run = cli(bad_corpus, "add", *args)
    assert run.returncode != 0
    assert words.lower() in run.stderr.lower(), run.stderr
    assert "Intet tilføjet" in run.stderr and "Traceback" not in run.stderr
    assert snapshot(bad_corpus) == before


def test_adding_the_same_pdf_twice_is_refused(bad_corpus, tmp_path):
    from ingest.documents import DocumentError, add_documents, remove_document
    pdf = make_pdf(tmp_path / "to-gange.pdf", ["Et helt nyt referat om kystnære botilbud og deres beboeres "
                                               "ønsker til naturoplevelser i Odsherred."])
    report = add_documents(bad_corpus, [pdf])
    before = snapshot(bad_corpus)
    with pytest.raises(DocumentError, match="findes allerede"):
        add_documents(bad_corpus, [pdf])
    assert snapshot(bad_corpus) == before
    remove_document(bad_corpus, report.added[0].name)


# -- removing --------------------------------------------------------------------------------
def test_remove_takes_the_document_out_again(fresh, tmp_path):
    from assistant import Assistant
    settings = fresh
    manifest_path = Path(settings.corpus_dir) / "manifest.toml"
    before = manifest_path.read_bytes()
    pdf = make_pdf(tmp_path / "fjernes.pdf", PDF_PAGES)
    run = cli(settings, "add", str(pdf), "--new-meeting", "Midlertidigt møde", "--voice", "organisers")
    assert run.returncode == 0, run.stderr
    name = run.stdout.split(" -> ")[1].split()[0]
    assistant = Assistant(settings, build_if_missing=False)
    question = "hvad sagde brugerne om svømmehallen i Køge og kørestolsbrugere?"
    assert cited(assistant.ask(question), name)

    refused = cli(settings, "remove", "findes-ikke.pdf")
    assert refused.returncode != 0 and "ikke et dokument i korpusset" in refused.stderr
    run = cli(settings, "remove", "fjernes.pdf")  # the original's name works as well as the text file's
    assert run.returncode == 0, run.stderr
    assert f"Fjernet: {name}" in run.stdout
    assert manifest_path.read_bytes() == before  # the entry and the meeting made for it are gone
    assert not (Path(settings.corpus_dir) / name).exists()
    assert (Path(settings.corpus_dir) / "removed" / name).exists()  # kept aside, not indexed
    result = assistant.ask(question)
    assert not cited(result, name) and not any(name in [p["file"] for p in c["also_in"]] for c in result["citations"])
    records = json.loads((Path(settings.data_dir) / "index" / "passages.json").read_text(encoding="utf-8"))
    assert not any(r["file"] == name for r in records)


# -- a Chroma server shared by two processes ---------------------------------------------------
def test_add_with_a_chroma_server_reaches_a_second_process(tmp_path, settings_factory, chroma_server):
    chroma_url = chroma_server
    import chromadb
    from assistant import Assistant
    from ingest.index import build_index
    settings = settings_factory(corpus_dir=copy_corpus(tmp_path / "corpus"), data_dir=tmp_path / "data",
                                chroma_url=chroma_url)
    build_index(settings)
    running = Assistant(settings, build_if_missing=False)  # a page that is already serving
    question = "hvad sagde fagpersonerne om ventetiden på høreapparater i Holbæk?"
    assert "fjorten måneder" not in json.dumps(running.ask(question), ensure_ascii=False)
    docx_file = make_docx(tmp_path / "notat.docx", DOCX_PARAGRAPHS)
    run = cli(settings, "add", str(docx_file), "--meeting", "fagpersoner_2017", "--voice", "professionals")
    assert run.returncode == 0, run.stderr
    name = run.stdout.split(" -> ")[1].split()[0]
    meta = json.loads((Path(settings.data_dir) / "index" / "meta.json").read_text(encoding="utf-8"))
    client = chromadb.HttpClient(host="127.0.0.1", port=int(chroma_url.rsplit(":", 1)[1]))
    names = [c if isinstance(c, str) else c.name for c in client.list_collections()]
    assert names == [meta["collection"]]  # the new collection is on the server, the old one dropped
    result = running.ask(question)
    hits = cited(result, name)
    assert hits and "fjorten måneder" in hits[0]["text"]


# -- the page --------------------------------------------------------------------------------
def test_documents_tab_only_with_a_login(fresh):
    import dataclasses

    from assistant import Assistant
    from assistant.ui import IndexStatus, build_app, launch_options
    status = IndexStatus()
    status.set_ready(1)
    for auth, expected in (("", False), ("a:b", True)):
        s = dataclasses.replace(fresh, auth=auth)
        demo = build_app(Assistant(s, build_if_missing=False), status=status)
        labels = [c.get("props", {}).get("label") for c in demo.config["components"]]
        assert ("Dokumenter" in labels) is expected
        assert (launch_options(s)["max_file_size"] > 0) is expected  # uploads only behind the login


@pytest.fixture()
def served(fresh, tmp_path):
    env = env_of(fresh, RAMMEAFTALE_AUTH=":".join(AUTH), GRADIO_ANALYTICS_ENABLED="False")
    proc, url = serve_page(env, tmp_path / "serve.log")
    yield url, fresh
    stop_page(proc)


def test_browser_signs_in_adds_a_document_and_asks_about_it(served, tmp_path):
    from playwright.sync_api import sync_playwright
    url, settings = served
    pdf = make_pdf(tmp_path / "Referat fritid.pdf", PDF_PAGES)
    shots = REPO / "eval" / "reports" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"])
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="da-DK").new_page()
            page.set_default_timeout(90_000)
            page.goto(url)
            page.fill("input[type=text], input[name=username]", AUTH[0])
            page.fill("input[type=password]", AUTH[1])
            page.keyboard.press("Enter")
            page.wait_for_selector("#ra-status .ra-status-ready", timeout=240_000)
            page.get_by_role("tab", name="Dokumenter").click()
            assert "000_f15e62ccd6a82829.txt" in page.locator("#ra-documents").inner_text()
            page.set_input_files("#ra-doc-file input[type=file]", str(pdf))
            page.wait_for_function("document.querySelector('#ra-doc-file') &&"
                                   " document.querySelector('#ra-doc-file').innerText.includes('Referat fritid')")
            page.fill("#ra-doc-title textarea, #ra-doc-title input", "Referat af dialogmøde om fritidstilbud")
            page.fill("#ra-doc-date textarea, #ra-doc-date input", "2023-09-12")
            page.click("#ra-doc-add-btn")
            page.wait_for_function("document.querySelector('#ra-doc-message').innerText.includes('Tilføjet')",
                                   timeout=240_000)
            message = page.locator("#ra-doc-message").inner_text()
            assert "Referat fritid.pdf" in message and "Indekset er opdateret" in message
            name = message.split(" -> ")[1].split()[0]
            assert name in page.locator("#ra-documents").inner_text()
            page.screenshot(path=str(shots / "documents.png"), full_page=True)

            page.get_by_role("tab", name="Spørg").click()
            bots = page.locator("#ra-chat .bot").count()
            page.fill("#ra-question textarea", "hvad sagde brugerne om svømmehallen i Køge og kørestolsbrugere?")
            page.click("#ra-ask")
            page.wait_for_function(
                f"document.querySelectorAll('#ra-chat .bot').length > {bots} &&"
                " !document.querySelector('#ra-chat [aria-label=\"Loading response\"]')")
            page.wait_for_timeout(500)
            assert "hæve-sænke-lift" in page.locator("#ra-chat .bot").last.inner_text()
            assert name in page.locator("#ra-cards").inner_text()
        finally:
            browser.close()
    assert name in (Path(settings.corpus_dir) / "manifest.toml").read_text(encoding="utf-8")
