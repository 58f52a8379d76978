"""Azure's simple query syntax (`+` required, `-` excluded, `"phrases"`, `prefix*`, searchMode any/all)
compiled to an FTS5 MATCH expression."""

from __future__ import annotations

import re
from dataclasses import dataclass

TERM = re.compile(r'[+\-|]?"[^"]*"\*?|\S+')
WORD = re.compile(r"\w+", re.UNICODE)
# very common words score next to nothing under BM25 but make OR queries touch every row
STOPWORDS = frozenset("""a an and are as at be but by for from has have how i if in into is it its of on or so
that the their there these this to was what when where which who whom why will with do does did can you your
me my we our they them he she his her about tell please""".split())


@dataclass(frozen=True)
class TextQuery:
    """A parsed search: what must or may match, what must not, and whether an exclusion is Azure's searchMode
    any "OR NOT" (`wifi -luxury` matches what has wifi or lacks luxury) rather than "AND NOT"."""
    positive: str | None
    negative: str | None = None
    or_not: bool = False

    def fts(self, everything: str, columns: str | None) -> str:
        """The MATCH expression; `everything` matches every row of the index, `columns` is an FTS5 colspec."""
        def scoped(expr: str) -> str:
            return f"({expr})" if columns is None else f"{columns} : ({expr})"

        if self.positive is None:
            return f"{everything} NOT {scoped(self.negative or '')}"
        if self.negative is None:
            return f"{everything} AND {scoped(self.positive)}"
        if self.or_not:
            return f"{everything} AND ({scoped(self.positive)} OR ({everything} NOT {scoped(self.negative)}))"
        return f"{everything} AND ({scoped(self.positive)} NOT {scoped(self.negative)})"


def fts_expression(search: str | None, mode: str = "any") -> TextQuery | None:
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
    negative = " OR ".join(excluded) or None
    if required:
        return TextQuery(" AND ".join(required), negative)
    if optional:
        return TextQuery(" OR ".join(optional), negative, or_not=mode != "all")
    return TextQuery(None, negative) if negative else None


def _term(words: list[str], prefix: bool, stop: bool = False) -> str:
    quoted = '"' + " ".join(words) + '"' + ("*" if prefix else "")
    return "~" + quoted if stop else quoted
