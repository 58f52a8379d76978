"""HTML that escapes by default: every value put into a template is escaped unless it is already Safe."""

from __future__ import annotations

import html
import string
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import quote, urlencode

TEMPLATES = Path(__file__).with_name("templates")


class Safe(str):
    """Markup that was built from escaped parts."""


def escape(value: Any) -> Safe:
    if isinstance(value, Safe):
        return value
    if value is None:
        return Safe("")
    return Safe(html.escape(str(value), quote=True))


class _Escaping(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, Safe) and not format_spec:
            return value
        return escape(format(value, format_spec))


_FORMATTER = _Escaping()


def h(template: str, **values: Any) -> Safe:
    """Fill a `{name}` template: values are escaped, Safe values go in as they are."""
    return Safe(_FORMATTER.vformat(template, (), values))


def join(parts: Iterable[Any], sep: str = "") -> Safe:
    return Safe(sep.join(escape(p) for p in parts))


@lru_cache(maxsize=None)
def _template(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")


def render(name: str, **values: Any) -> Safe:
    """A template file from templates/, filled like h()."""
    return h(_template(name), **values)


def path(*segments: str, query: dict[str, Any] | None = None) -> str:
    """A dashboard URL: every segment percent-encoded, empty query values dropped."""
    url = "/_cloudlet/dashboard/" + "/".join(quote(str(s), safe="") for s in segments)
    items = {k: v for k, v in (query or {}).items() if v not in (None, "")}
    return url + ("?" + urlencode(items) if items else "")


def when(ms: int | float | None) -> str:
    if not ms:
        return ""
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def size(n: int | None) -> str:
    if n is None:
        return ""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return str(n)


def table(headers: list[str], rows: list[Safe], empty: str = "Nothing here yet.", cls: str = "") -> Safe:
    if not rows:
        return h('<p class="empty">{empty}</p>', empty=empty)
    head = join(h("<th>{t}</th>", t=t) for t in headers)
    return h('<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>',
             cls=cls, head=head, rows=join(rows))


def pager(next_url: str | None, first_url: str | None) -> Safe:
    links = []
    if first_url:
        links.append(h('<a class="page-first" href="{u}">« first</a>', u=first_url))
    if next_url:
        links.append(h('<a class="page-next" href="{u}">next »</a>', u=next_url))
    return h('<nav class="pager">{links}</nav>', links=join(links, " ")) if links else Safe("")
