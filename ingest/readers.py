"""Reads a document (PDF, Word, Markdown, plain text) into UTF-8 text for the corpus folder.

Every failure is a ReadError whose message is Danish and names the file, so the CLI and the
page can show it as it is. Nothing here writes to disk."""
from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

FORMATS = {".pdf": "PDF", ".docx": "Word", ".md": "Markdown", ".markdown": "Markdown", ".txt": "tekst"}
MAX_BYTES = 50_000_000  # a meeting document is a few MB; past this it is surely something else

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")
_SPACES_RE = re.compile(r"[ \t\u00a0]+$", re.M)


class ReadError(ValueError):
    """The document cannot be read into text (message in Danish, for the user)."""


@dataclass(frozen=True)
class Document:
    text: str  # UTF-8 text, "\n" line ends, ends with one "\n"
    title: str  # from the document's own metadata or first heading; "" when none
    format: str  # "PDF", "Word", "Markdown", "tekst"
    pages: int = 0  # PDF pages


def supported(path: Path) -> bool:
    return Path(path).suffix.lower() in FORMATS


def read_document(path: Path) -> Document:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(sorted({s for s in FORMATS if s != ".markdown"}))
        raise ReadError(f"«{path.name}» har et ukendt filformat ({suffix or 'ingen endelse'}). "
                        f"Kendte formater: {known}.")
    if not path.is_file():
        raise ReadError(f"«{path}» findes ikke eller er ikke en fil.")
    size = path.stat().st_size
    if size == 0:
        raise ReadError(f"«{path.name}» er tom (0 byte).")
    if size > MAX_BYTES:
        raise ReadError(f"«{path.name}» er for stor ({size // 1_000_000} MB; højst {MAX_BYTES // 1_000_000} MB).")
    try:
        if suffix == ".pdf":
            text, title, pages = _read_pdf(path)
        elif suffix == ".docx":
            text, title, pages = *_read_docx(path), 0
        else:
            text, pages = _read_plain(path), 0
            title = _markdown_title(text) if suffix in (".md", ".markdown") else ""
    except ReadError:
        raise
    except OSError as exc:
        raise ReadError(f"«{path.name}» kan ikke læses ({exc.strerror or type(exc).__name__}).") from exc
    except Exception as exc:  # a reader library failing on a damaged file
        raise ReadError(f"«{path.name}» kan ikke læses som {FORMATS[suffix]}; filen er beskadiget "
                        f"({type(exc).__name__}).") from exc
    text = normalise(text)
    if not text.strip():
        raise ReadError(f"«{path.name}» indeholder ingen tekst.")
    return Document(text=text, title=title or _first_line(text), format=FORMATS[suffix], pages=pages)


def normalise(text: str) -> str:
    """NFC (PDFs often store "å" as a + combining ring), "\\n" line ends, no control
    characters or trailing spaces, at most three blank lines in a row, one final newline."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL_RE.sub("", text)
    text = _SPACES_RE.sub("", text)
    text = re.sub(r"\n{5,}", "\n\n\n\n", text)
    return text.strip("\n") + "\n"


def _first_line(text: str) -> str:
    for line in text.split("\n"):
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:120]
    return ""


def _markdown_title(text: str) -> str:
    match = re.search(r"^#\s+(.+)$", text, re.M)
    return match.group(1).strip() if match else ""


def _read_plain(path: Path) -> str:
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise ReadError(f"«{path.name}» ligner ikke en tekstfil (binære data).")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # Windows files from the secretariat


def _read_pdf(path: Path) -> tuple[str, str, int]:
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # warnings about damaged xrefs are ours to tell
    name = path.name
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")  # only restrictions (printing, copying), no password
            except Exception:
                opened = 0
            if not opened:
                raise ReadError(f"«{name}» er krypteret (beskyttet med adgangskode). "
                                "Gem en udgave uden adgangskode og prøv igen.")
        pages = list(reader.pages)
        texts, images = [], 0
        for page in pages:
            texts.append(page.extract_text() or "")
            try:
                images += len(page.images)
            except Exception:  # an image that cannot be decoded still counts as "not text"
                images += 1
        title = ""
        try:
            title = str((reader.metadata or {}).get("/Title") or "").strip()
        except Exception:
            title = ""
    except ReadError:
        raise
    except (PdfReadError, Exception) as exc:  # pypdf raises many kinds on damaged files
        raise ReadError(f"«{name}» kan ikke læses som PDF; filen er beskadiget eller ikke en PDF ({type(exc).__name__}).") from exc
    if not pages:
        raise ReadError(f"«{name}» er en PDF uden sider.")
    if not any(t.strip() for t in texts):
        if images:
            raise ReadError(f"«{name}» indeholder kun billeder (en skannet PDF?) og ingen tekst, der kan "
                            "søges i. Kør tekstgenkendelse (OCR) på den først.")
        raise ReadError(f"«{name}» er en tom PDF: ingen tekst på {len(pages)} side(r).")
    # pages apart by a blank line: a sentence running over a page break stays one passage
    return "\n\n".join(t.strip("\n") for t in texts), title, len(pages)


def _read_docx(path: Path) -> tuple[str, str]:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph
    name = path.name
    if not zipfile.is_zipfile(path):
        raise ReadError(f"«{name}» kan ikke læses som Word-dokument (.docx); filen er beskadiget "
                        "eller i det gamle .doc-format. Gem den som .docx eller PDF.")
    try:
        document = docx.Document(str(path))
    except Exception as exc:
        raise ReadError(f"«{name}» kan ikke læses som Word-dokument ({type(exc).__name__}).") from exc
    lines: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = Paragraph(child, document)
            text = para.text.strip()
            try:
                style = (para.style.name if para.style is not None else "") or ""
            except Exception:  # a style the document names but does not define
                style = ""
            if text and _is_list_style(style):
                text = "• " + text
            if text and _is_heading_style(style) and lines and lines[-1]:
                lines.append("")  # a heading starts a new block
            lines.append(text)
        elif tag == "tbl":
            lines.append("")
            for row in Table(child, document).rows:
                cells = []
                for cell in row.cells:
                    value = " ".join(cell.text.split())
                    if value and (not cells or cells[-1] != value):  # merged cells repeat
                        cells.append(value)
                if cells:
                    lines.append(" | ".join(cells))
            lines.append("")
    title = (document.core_properties.title or "").strip()
    return "\n".join(lines), title


def _is_heading_style(style: str) -> bool:
    return style.lower().startswith(("heading", "overskrift", "title", "titel"))


def _is_list_style(style: str) -> bool:
    return style.lower().startswith(("list", "liste"))
