"""Answer generation: the built-in offline extractive generator, and an OpenAI-compatible upstream.

The built-in generator is not a language model. It picks, from the retrieved chunks, the sentences closest to
the question (by the rare words they share with it, and by meaning through the embedding model), copies them
verbatim, and cites after each the chunk it came from.
It never writes a word that is not in a cited chunk, so its citations are exact; it cannot paraphrase,
summarise across sources, reason, or answer anything the chunks do not literally say."""

from __future__ import annotations

import asyncio
import json
import math
import os
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from .query_syntax import STOPWORDS

REFUSAL = "The requested information is not available in the retrieved data. Please try another query or topic."
SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+(?=\s|$)|$)", re.MULTILINE)
WORD = re.compile(r"[a-z0-9]+")
MAX_SENTENCES = 3


@dataclass
class Source:
    """One retrieved chunk as the generator sees it: [doc{n}] in the answer refers to sources[n-1]."""
    content: str
    title: str | None
    url: str | None
    filepath: str | None
    chunk_id: str | None
    score: float


def stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_stems(text: str) -> set[str]:
    return {stem(w) for w in WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1}


def sentences(text: str) -> list[str]:
    out = []
    for m in SENTENCE.finditer(text):
        s = m.group(0).strip()
        if len(s) < 12 or s.startswith("#") or len(s.split()) < 3:
            continue
        out.append(s)
    return out


def extractive_answer(question: str, sources: list[Source], similarity: dict[str, float] | None = None) -> str:
    """Up to three verbatim sentences from the sources, each followed by its [docN].

    A sentence scores by the question words it shares, each weighted by how rare it is among its chunk's
    sentences; words of the chunk's title count little (they say which document, not which sentence answers).
    With `similarity` (sentence -> cosine to the question, from the embedding model) meaning counts too, so
    "which herb soothes a sore head" can pick "its dried flowers ease headaches". Earlier sources weigh more."""
    if not sources:
        return REFUSAL
    query = content_stems(question)
    scored: list[tuple[float, int, str]] = []
    for n, src in enumerate(sources, start=1):
        sents = sentences(src.content)
        if not sents:
            continue
        title = content_stems(src.title or "")
        stems = [content_stems(x) for x in sents]
        count = {w: sum(w in st for st in stems) + (w in title) for w in query}
        for sent, st in zip(sents, stems):
            lexical = sum(math.log(1 + (len(sents) + 1) / count[w]) * (0.25 if w in title else 1.0)
                          for w in st & query)
            meaning = 3.0 * max(0.0, similarity.get(sent, 0.0) - 0.2) if similarity else 0.0
            if lexical == 0 and meaning == 0:
                continue
            scored.append((lexical + meaning + 1.0 / n, n, sent))
    if not scored:
        first = sentences(sources[0].content)
        return f"{first[0]} [doc1]" if first else REFUSAL
    scored.sort(key=lambda t: -t[0])
    best = scored[0][0]
    chosen: list[tuple[int, str]] = []
    seen: list[set[str]] = []
    best_source = scored[0][1]
    for score, n, sent in scored:
        # more from the best sentence's own chunk is context; from another chunk it must nearly match the best
        if len(chosen) == MAX_SENTENCES or score < (0.4 if n == best_source else 0.7) * best:
            continue
        words = content_stems(sent)
        if any(len(words & other) > 0.7 * max(len(words), 1) for other in seen):
            continue
        seen.append(words)
        chosen.append((n, sent))
    return " ".join(f"{sent} [doc{n}]" for n, sent in chosen)


def candidate_sentences(sources: list[Source], limit: int = 60) -> list[str]:
    """The sentences worth embedding for `extractive_answer`'s similarity, best sources first."""
    out: list[str] = []
    for src in sources:
        for sent in sentences(src.content):
            if sent not in out:
                out.append(sent)
    return out[:limit]


# -- an OpenAI-compatible upstream (llama.cpp server, Ollama, vLLM, Azure OpenAI itself) -------------
@dataclass
class Upstream:
    url: str            # base URL, e.g. http://127.0.0.1:11434/v1
    model: str
    api_key: str | None = None
    timeout: float = 120.0

    @classmethod
    def from_env(cls) -> "Upstream | None":
        url = os.environ.get("CLOUDLET_ASSISTANT_UPSTREAM_URL")
        if not url:
            return None
        return cls(url.rstrip("/"), os.environ.get("CLOUDLET_ASSISTANT_UPSTREAM_MODEL", "default"),
                   os.environ.get("CLOUDLET_ASSISTANT_UPSTREAM_API_KEY"))

    async def complete(self, messages: list[dict[str, Any]], options: dict[str, Any]) -> tuple[str, dict]:
        body = {"model": self.model, "messages": messages, "stream": False, **options}
        return await asyncio.to_thread(self._post, body)

    def _post(self, body: dict[str, Any]) -> tuple[str, dict]:
        headers = {"content-type": "application/json"}
        if self.api_key:
            headers["authorization"] = f"Bearer {self.api_key}"
            headers["api-key"] = self.api_key
        req = urllib.request.Request(f"{self.url}/chat/completions", json.dumps(body).encode(), headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                payload = json.load(resp)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise UpstreamError(f"the generation upstream {self.url} failed: {exc}") from exc
        try:
            return payload["choices"][0]["message"]["content"] or "", payload.get("usage") or {}
        except (KeyError, IndexError, TypeError) as exc:
            raise UpstreamError(f"the generation upstream {self.url} answered without choices") from exc


class UpstreamError(RuntimeError):
    pass


def grounded_messages(history: list[dict[str, Any]], sources: list[Source], role_information: str | None) -> list[dict]:
    """The prompt an upstream model gets: the role, the rules, the numbered documents, then the conversation."""
    docs = "\n\n".join(f"[doc{n}] {src.title or ''}\n{src.content}" for n, src in enumerate(sources, start=1))
    system = ((role_information or "You are an AI assistant that helps people find information.") +
              "\n\nAnswer only from the retrieved documents below. After each sentence, cite the document it "
              "comes from as [docN]. If the documents do not contain the answer, reply exactly: " + REFUSAL +
              "\n\nRetrieved documents:\n" + docs)
    convo = [{"role": m.get("role"), "content": _text(m.get("content"))} for m in history
             if m.get("role") in ("user", "assistant")]
    return [{"role": "system", "content": system}, *convo]


def _text(content: Any) -> str:
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return "" if content is None else str(content)


def clean_references(answer: str, count: int) -> str:
    """Drop [docN] markers that point at no retrieved document."""
    return re.sub(r"\[doc(\d+)\]", lambda m: m.group(0) if 1 <= int(m.group(1)) <= count else "", answer)
