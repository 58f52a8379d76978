"""The OData $filter subset applications use, compiled to SQL over a document's JSON column.

eq ne gt ge lt le, and or not, parentheses, null/true/false, numbers, 'strings', datetimes, search.in(field,
'a,b' [, delimiters]), and `any`/`all` lambdas over collections. Also $orderby with search.score()."""

from __future__ import annotations

import re
from typing import Any

from .definitions import IndexDef
from .errors import bad_request

TOKEN = re.compile(r"""\s*(?:
    (?P<str>'(?:[^']|'')*')
  | (?P<dt>\d{4}-\d{2}-\d{2}T[0-9:.]+(?:Z|[+-]\d{2}:\d{2}))
  | (?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<punct>[(),:])
  | (?P<name>[A-Za-z_][A-Za-z0-9_./]*)
)""", re.VERBOSE)
COMPARE = {"eq": "IS", "ne": "IS NOT", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}


def _lex(text: str) -> list[tuple[str, Any]]:
    tokens: list[tuple[str, Any]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise bad_request(f"Invalid expression: Syntax error at position {pos} in '{text}'.")
        pos = m.end()
        kind = m.lastgroup
        value = m.group(kind)
        if kind == "str":
            tokens.append(("lit", value[1:-1].replace("''", "'")))
        elif kind == "dt":
            tokens.append(("lit", value))
        elif kind == "num":
            tokens.append(("lit", float(value) if any(c in value for c in ".eE") else int(value)))
        elif kind == "punct":
            tokens.append((value, value))
        else:
            tokens.append(("name", value))
    return tokens


class FilterCompiler:
    """Recursive descent over the tokens; emits SQL text and its parameters. `doc` is the SQL column."""

    def __init__(self, index: IndexDef, text: str, doc: str = "d.doc") -> None:
        self.index = index
        self.text = text
        self.doc = doc
        self.tokens = _lex(text)
        self.pos = 0
        self.params: list[Any] = []
        self.lambdas: dict[str, str] = {}

    def compile(self) -> tuple[str, list[Any]]:
        sql = self._or()
        if self.pos != len(self.tokens):
            self._fail()
        return sql, self.params

    # -- grammar ---------------------------------------------------------------------------------
    def _or(self) -> str:
        parts = [self._and()]
        while self._is_name("or"):
            self.pos += 1
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"

    def _and(self) -> str:
        parts = [self._not()]
        while self._is_name("and"):
            self.pos += 1
            parts.append(self._not())
        return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"

    def _not(self) -> str:
        if self._is_name("not"):
            self.pos += 1
            return f"(NOT {self._not()})"
        return self._primary()

    def _primary(self) -> str:
        kind, value = self._peek()
        if kind == "(":
            self.pos += 1
            inner = self._or()
            self._expect(")")
            return f"({inner})"
        if kind == "name" and value.lower() == "search.in":
            return self._search_in()
        if kind == "name" and value in ("true", "false"):
            self.pos += 1
            return "1" if value == "true" else "0"
        if kind == "name" and "/" in value and value.rsplit("/", 1)[1] in ("any", "all"):
            return self._lambda()
        left = self._operand()
        op_kind, op = self._peek()
        if op_kind != "name" or op not in COMPARE:
            if not left[1]:
                self._fail()
            return f"({left[0]} IS 1)"  # a bare boolean field: `isPublic` means `isPublic eq true`
        self.pos += 1
        right = self._operand()
        return self._compare(left, COMPARE[op], right)

    def _operand(self) -> tuple[str, bool]:
        """(sql, is_field)"""
        kind, value = self._next()
        if kind == "lit":
            self.params.append(value)
            return "?", False
        if kind == "name":
            if value == "null":
                return "NULL", False
            if value in ("true", "false"):
                return ("1" if value == "true" else "0"), False
            return self._field_sql(value), True
        self._fail()
        raise AssertionError

    def _compare(self, left: tuple[str, bool], op: str, right: tuple[str, bool]) -> str:
        if not left[1] and not right[1]:
            raise bad_request(f"Invalid expression: comparisons must involve a field in '{self.text}'.")
        return f"({left[0]} {op} {right[0]})"

    def _search_in(self) -> str:
        self.pos += 1
        self._expect("(")
        target = self._field_sql(self._expect("name"))
        self._expect(",")
        values = self._expect("lit")
        delimiters = " ,"
        if self._peek()[0] == ",":
            self.pos += 1
            delimiters = self._expect("lit")
        self._expect(")")
        items = [v for v in re.split("[" + re.escape(str(delimiters)) + "]", str(values)) if v != ""]
        if not items:
            return "0"
        self.params.extend(items)
        return f"({target} IN ({','.join('?' * len(items))}))"

    def _lambda(self) -> str:
        _, value = self._next()
        path, quantifier = value.rsplit("/", 1)
        field = self.index.field(path)
        if not field.is_collection:
            raise bad_request(f"Invalid expression: '{path}' is not a collection; any/all apply to collections only.")
        self._filterable(field.name)
        source = f"json_each({self.doc}, '$.\"{field.name}\"')"
        self._expect("(")
        if self._peek()[0] == ")":
            self.pos += 1
            return f"(json_array_length({self.doc}, '$.\"{field.name}\"') > 0)"
        var = self._expect("name")
        self._expect(":")
        self.lambdas[var] = "je.value"
        body = self._or()
        del self.lambdas[var]
        self._expect(")")
        if quantifier == "any":
            return f"EXISTS (SELECT 1 FROM {source} AS je WHERE {body})"
        return f"NOT EXISTS (SELECT 1 FROM {source} AS je WHERE NOT ({body}))"

    # -- helpers ---------------------------------------------------------------------------------
    def _field_sql(self, name: str) -> str:
        if name in self.lambdas:
            return self.lambdas[name]
        field = self.index.field(name)
        self._filterable(name)
        if field.is_collection:
            raise bad_request(f"Invalid expression: The collection '{name}' must be used in any or all.")
        return f"json_extract({self.doc}, '$.\"{name}\"')"

    def _filterable(self, name: str) -> None:
        if not self.index.fields[name].filterable:
            raise bad_request(f"Invalid expression: The field '{name}' is not filterable. Only filterable fields "
                              f"can be used in filter expressions.")

    def _peek(self) -> tuple[str | None, Any]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else (None, None)

    def _next(self) -> tuple[str | None, Any]:
        token = self._peek()
        self.pos += 1
        return token

    def _is_name(self, word: str) -> bool:
        kind, value = self._peek()
        return kind == "name" and value == word

    def _expect(self, kind: str) -> Any:
        got, value = self._next()
        if got != kind:
            self._fail()
        return value

    def _fail(self) -> None:
        raise bad_request(f"Invalid expression: Syntax error at position {self.pos} in '{self.text}'.")


def compile_filter(index: IndexDef, text: str | None, doc: str = "d.doc") -> tuple[str, list[Any]]:
    if not text or not text.strip():
        return "1", []
    return FilterCompiler(index, text, doc).compile()


def parse_orderby(index: IndexDef, text: str | None) -> list[tuple[str | None, bool]]:
    """[(field or None for search.score(), descending)]"""
    clauses: list[tuple[str | None, bool]] = []
    for part in (text or "").split(","):
        words = part.split()
        if not words:
            continue
        if len(words) > 2 or (len(words) == 2 and words[1] not in ("asc", "desc")):
            raise bad_request(f"Invalid expression: Syntax error in $orderby '{text}'.")
        desc = len(words) == 2 and words[1] == "desc"
        if words[0] == "search.score()":
            clauses.append((None, desc))
            continue
        field = index.field(words[0])
        if not field.sortable:
            raise bad_request(f"Invalid expression: The field '{field.name}' is not sortable. Only sortable fields "
                              f"can be used in $orderby.")
        clauses.append((field.name, desc))
    if len(clauses) > 32:
        raise bad_request("Invalid expression: $orderby supports at most 32 clauses.")
    return clauses
