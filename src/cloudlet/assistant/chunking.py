"""Splitting sections into chunks for retrieval: paragraphs packed up to a size, split at sentence ends when one
is too long, and never across a heading or a page, so every chunk has one heading path and one page."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .cracking import Section

MAX_CHARS = 1200
MIN_CHARS = 200
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


@dataclass
class Chunk:
    text: str
    heading: str
    page: int | None
    ordinal: int


def chunk_sections(sections: list[Section], max_chars: int = MAX_CHARS) -> list[Chunk]:
    chunks: list[Chunk] = []
    for section in sections:
        for text in _pack(_pieces(section.text, max_chars), max_chars):
            chunks.append(Chunk(text, section.heading, section.page, len(chunks)))
    return chunks


def _pieces(text: str, max_chars: int) -> list[str]:
    out: list[str] = []
    for para in re.split(r"\n\s*\n", text):
        para = para.strip()
        if not para:
            continue
        if len(para) <= max_chars:
            out.append(para)
            continue
        current = ""
        for sentence in SENTENCE_END.split(para):
            while len(sentence) > max_chars:  # a "sentence" with no end: cut at a space
                cut = sentence.rfind(" ", 0, max_chars)
                cut = cut if cut > max_chars // 2 else max_chars
                if current:
                    out.append(current)
                    current = ""
                out.append(sentence[:cut].strip())
                sentence = sentence[cut:].strip()
            if current and len(current) + 1 + len(sentence) > max_chars:
                out.append(current)
                current = sentence
            else:
                current = f"{current} {sentence}".strip()
        if current:
            out.append(current)
    return out


def _pack(pieces: list[str], max_chars: int) -> list[str]:
    packed: list[str] = []
    for piece in pieces:
        if packed and (len(packed[-1]) < MIN_CHARS or len(packed[-1]) + 2 + len(piece) <= max_chars) \
                and len(packed[-1]) + 2 + len(piece) <= max_chars * 1.25:
            packed[-1] = f"{packed[-1]}\n\n{piece}"
        else:
            packed.append(piece)
    return packed
