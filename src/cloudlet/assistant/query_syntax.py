"""Azure's simple query syntax (`+` required, `-` excluded, `"phrases"`, `prefix*`, searchMode any/all)
compiled to an FTS5 MATCH expression."""

from __future__ import annotations

import re

TERM = re.compile(r'[+\-|]?"[^"]*"\*?|\S+')
WORD = re.compile(r"\w+", re.UNICODE)
# very common words score next to nothing under BM25 but make OR queries touch every row
STOPWORDS = frozenset("""a an and are as at be but by for from has have how i if in into is it its of on or so
that the their there these this to was what when where which who whom why will with do does did can you your
me my we our they them he she his her about tell please""".split())


def fts_expression(search: str | None, mode: str = "any") -> str | None:
    """None means "match every document" (`*` or an empty search)."""
    text = (search or "").strip()
    if not text or text == "*":
        return None
    required: list[str] = []
    optional: list[str] = []
    excluded: list[str] = []
    for raw in TERM.findall(text):
        sign = raw[0] if raw[0] in "+-" else ""
        body = raw[1:] if sign or raw[0] == "|" else raw
        prefix = body.endswith("*")
        words = WORD.findall(body.lower())
        if not words:
            continue
        if len(words) == 1 and not body.startswith('"') and sign != "+" and words[0] in STOPWORDS:
            optional.append(_term(words, prefix, stop=True))
            continue
        term = _term(words, prefix)
        if sign == "-":
            excluded.append(term)
        elif sign == "+" or mode == "all":
            required.append(term)
        else:
            optional.append(term)
    content = [t for t in optional if not t.startswith("~")]
    optional = content or [t[1:] for t in optional]
    if required:
        expr = " AND ".join(required)
    elif optional:
        expr = " OR ".join(optional)
    else:
        return None  # only exclusions: Azure matches everything else; close enough to match all here
    if excluded:
        expr = f"({expr}) NOT ({' OR '.join(excluded)})"
    return expr


def _term(words: list[str], prefix: bool, stop: bool = False) -> str:
    quoted = '"' + " ".join(words) + '"' + ("*" if prefix else "")
    return "~" + quoted if stop else quoted


def query_words(search: str | None) -> list[str]:
    """The content words of a query, for highlighting and the answer generator."""
    return [w for w in WORD.findall((search or "").lower()) if w not in STOPWORDS]
