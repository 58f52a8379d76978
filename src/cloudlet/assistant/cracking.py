"""Document cracking: bytes of a txt, md, html, pdf or docx file to titled sections (a heading's text, or a
PDF page), which the chunker then splits without ever crossing a section boundary."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import PurePosixPath

from .embeddings import require

KINDS = {".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html",
         ".pdf": "pdf", ".docx": "docx"}
CONTENT_TYPES = {"text/plain": "txt", "text/markdown": "md", "text/html": "html", "application/pdf": "pdf",
                 "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx"}
MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


@dataclass
class Section:
    text: str
    heading: str = ""         # the heading path, "Chapter > Section"
    page: int | None = None   # 1-based, PDFs only


@dataclass
class Cracked:
    title: str
    sections: list[Section]
    warnings: list[str] = field(default_factory=list)


class CrackError(ValueError):
    pass


def kind_of(name: str, content_type: str = "") -> str | None:
    return KINDS.get(PurePosixPath(name).suffix.lower()) or CONTENT_TYPES.get(content_type.split(";")[0].strip())


def crack(name: str, data: bytes, content_type: str = "") -> Cracked:
    kind = kind_of(name, content_type)
    stem = PurePosixPath(name).stem
    if kind is None:
        raise CrackError(f"unsupported document type for '{name}' (content type '{content_type}')")
    if kind == "pdf":
        return _pdf(stem, data)
    if kind == "docx":
        return _docx(stem, data)
    text = _decode(data)
    if kind == "md":
        return _markdown(stem, text)
    if kind == "html":
        return _html(stem, text)
    return Cracked(stem, [Section(text)] if text.strip() else [], [] if text.strip() else ["the document is empty"])


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


class _Outline:
    """Collects sections under a heading stack."""

    def __init__(self) -> None:
        self.stack: list[tuple[int, str]] = []
        self.sections: list[Section] = []
        self.lines: list[str] = []

    def heading(self, level: int, text: str) -> None:
        self.flush()
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, text.strip()))

    def line(self, text: str) -> None:
        self.lines.append(text)

    def flush(self) -> None:
        body = "\n".join(self.lines).strip()
        if body:
            self.sections.append(Section(re.sub(r"\n{3,}", "\n\n", body), " > ".join(t for _, t in self.stack)))
        self.lines = []



def _markdown(stem: str, text: str) -> Cracked:
    outline = _Outline()
    title = None
    fence = False
    for line in text.splitlines():
        if line.strip().startswith("```"):
            fence = not fence
        m = None if fence else MD_HEADING.match(line)
        if m:
            level, heading = len(m.group(1)), m.group(2)
            title = title or (heading if level == 1 else None)
            outline.heading(level, heading)
        else:
            outline.line(line)
    outline.flush()
    return Cracked(title or stem, outline.sections, [] if outline.sections else ["the document is empty"])


class _HtmlText(HTMLParser):
    BLOCK = {"p", "div", "li", "br", "tr", "section", "article", "blockquote", "pre", "table", "ul", "ol", "dd", "dt"}
    SKIP = {"script", "style", "noscript", "template", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.outline = _Outline()
        self.buffer: list[str] = []
        self.heading_level = 0
        self.heading_text: list[str] = []
        self.skip = 0
        self.title = ""
        self.in_title = False
        self.first_h1 = ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.SKIP:
            self.skip += 1
        if tag == "title":
            self.in_title = True
        if re.fullmatch(r"h[1-6]", tag):
            self._end_line()
            self.heading_level = int(tag[1])
            self.heading_text = []
        elif tag in self.BLOCK:
            self._end_line()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.skip:
            self.skip -= 1
        if tag == "title":
            self.in_title = False
        if re.fullmatch(r"h[1-6]", tag) and self.heading_level:
            text = " ".join("".join(self.heading_text).split())
            if text:
                self.outline.heading(self.heading_level, text)
                if self.heading_level == 1 and not self.first_h1:
                    self.first_h1 = text
            self.heading_level = 0
        elif tag in self.BLOCK:
            self._end_line()

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
            return
        if self.skip:
            return
        if self.heading_level:
            self.heading_text.append(data)
        else:
            self.buffer.append(data)

    def _end_line(self) -> None:
        text = " ".join("".join(self.buffer).split())
        self.buffer = []
        self.outline.line(text if text else "")


def _html(stem: str, text: str) -> Cracked:
    parser = _HtmlText()
    parser.feed(text)
    parser.close()
    parser._end_line()
    parser.outline.flush()
    title = " ".join(parser.title.split()) or parser.first_h1 or stem
    sections = parser.outline.sections
    return Cracked(title, sections, [] if sections else ["the document has no text"])


def _pdf(stem: str, data: bytes) -> Cracked:
    pypdf = require("pypdf")
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
        title = (reader.metadata.title if reader.metadata and reader.metadata.title else None) or stem
    except Exception as exc:  # pypdf raises many kinds on damaged files
        raise CrackError(f"the PDF could not be read: {exc}") from exc
    sections = [Section(re.sub(r"[ \t]+\n", "\n", text).strip(), "", n) for n, text in enumerate(pages, start=1)
                if text.strip()]
    warnings = []
    if not sections:
        warnings.append(f"the PDF has no text layer ({len(pages)} pages, no extractable text): it needs OCR, which "
                        f"Cloudlet does not do; nothing was indexed from it")
    elif len(sections) < len(pages):
        empty = [n for n, t in enumerate(pages, start=1) if not t.strip()]
        warnings.append(f"pages without a text layer were skipped: {empty}")
    return Cracked(str(title), sections, warnings)


def _docx(stem: str, data: bytes) -> Cracked:
    docx = require("docx")
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:
        raise CrackError(f"the DOCX could not be read: {exc}") from exc
    outline = _Outline()
    title = document.core_properties.title or None
    for para in document.paragraphs:
        style = (para.style.name if para.style is not None else "") or ""
        text = para.text.strip()
        m = re.match(r"Heading (\d)", style)
        if style == "Title" and text:
            title = title or text
            outline.heading(1, text)
        elif m and text:
            outline.heading(int(m.group(1)) + (1 if title else 0), text)
        else:
            outline.line(text)
    outline.flush()
    sections = outline.sections
    return Cracked(title or stem, sections, [] if sections else ["the document has no text"])
