"""The SQL side of the search index: functions run by the database's writer or reader threads.

Documents live as JSON (vector fields apart, as float32 blobs); each searchable field's text is one FTS5 row."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from .vectors import to_blob

# -- definitions ---------------------------------------------------------------------------------
def put_definition(conn: sqlite3.Connection, table: str, name: str, body: dict, etag: str,
                   must_exist: bool | None) -> bool:
    """Insert or replace; returns True if it was created. must_exist: True (If-Match), False (If-None-Match)."""
    row = conn.execute(f"SELECT etag FROM {table} WHERE name = ?", (name,)).fetchone()
    if must_exist is True and row is None:
        raise LookupError(name)
    if must_exist is False and row is not None:
        raise FileExistsError(name)
    conn.execute(f"INSERT INTO {table} (name, definition, etag) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
                 f"definition = excluded.definition, etag = excluded.etag", (name, json.dumps(body), etag))
    return row is None


def get_definitions(conn: sqlite3.Connection, table: str) -> list[tuple[str, dict, str]]:
    return [(r["name"], json.loads(r["definition"]), r["etag"])
            for r in conn.execute(f"SELECT name, definition, etag FROM {table} ORDER BY name")]


def delete_definition(conn: sqlite3.Connection, table: str, name: str) -> bool:
    return conn.execute(f"DELETE FROM {table} WHERE name = ?", (name,)).rowcount > 0


def drop_index_data(conn: sqlite3.Connection, idx: str) -> None:
    conn.execute("DELETE FROM search_fts WHERE rowid IN (SELECT id FROM search_rows WHERE idx = ?)", (idx,))
    conn.execute("DELETE FROM search_rows WHERE idx = ?", (idx,))
    conn.execute("DELETE FROM search_docs WHERE idx = ?", (idx,))
    conn.execute("DELETE FROM search_vectors WHERE idx = ?", (idx,))


# -- documents -----------------------------------------------------------------------------------
def _remove_doc(conn: sqlite3.Connection, idx: str, key: str) -> None:
    conn.execute("DELETE FROM search_fts WHERE rowid IN (SELECT id FROM search_rows WHERE idx = ? AND key = ?)",
                 (idx, key))
    conn.execute("DELETE FROM search_rows WHERE idx = ? AND key = ?", (idx, key))
    conn.execute("DELETE FROM search_docs WHERE idx = ? AND key = ?", (idx, key))
    conn.execute("DELETE FROM search_vectors WHERE idx = ? AND key = ?", (idx, key))


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "\n".join(str(v) for v in value if v is not None)
    return "" if value is None else str(value)


def apply_actions(conn: sqlite3.Connection, idx: str, key_field: str, searchable: list[str],
                  vector_fields: list[str], actions: list[tuple[str, str, dict]]) -> tuple[list[dict], list[tuple]]:
    """Apply validated (action, key, fields) in order. Returns Azure's per-document results and the vector
    changes [(key, field, vector | None)] for the in-memory tables."""
    results: list[dict] = []
    changes: list[tuple] = []
    for action, key, fields in actions:
        row = conn.execute("SELECT doc FROM search_docs WHERE idx = ? AND key = ?", (idx, key)).fetchone()
        if action == "delete":
            if row is not None:
                _remove_doc(conn, idx, key)
                changes.extend((key, f, None) for f in vector_fields)
            results.append(_ok(key, 200))
            continue
        if action == "merge" and row is None:
            results.append({"key": key, "status": False, "errorMessage": "Document not found.", "statusCode": 404})
            continue
        merged: dict[str, Any] = {}
        old_vectors: dict[str, bytes] = {}
        if row is not None and action in ("merge", "mergeOrUpload"):
            merged = json.loads(row["doc"])
            old_vectors = {r["field"]: r["vec"] for r in conn.execute(
                "SELECT field, vec FROM search_vectors WHERE idx = ? AND key = ?", (idx, key))}
        vectors = dict(old_vectors)
        for name, value in fields.items():
            if name in vector_fields:
                if value is None:
                    vectors.pop(name, None)
                else:
                    vectors[name] = to_blob(value)
            else:
                merged[name] = value
        merged[key_field] = key
        if row is not None:
            _remove_doc(conn, idx, key)
        conn.execute("INSERT INTO search_docs (idx, key, doc) VALUES (?, ?, ?)", (idx, key, json.dumps(merged)))
        texts = [_text(merged.get(name)) for name in searchable]
        if any(texts):
            cur = conn.execute("INSERT INTO search_rows (idx, key) VALUES (?, ?)", (idx, key))
            cols = ", ".join(f"c{i}" for i in range(len(texts)))
            conn.execute(f"INSERT INTO search_fts (rowid, {cols}, ix) VALUES (?{', ?' * len(texts)}, ?)",
                         (cur.lastrowid, *texts, index_token(idx)))
        for name, blob in vectors.items():
            conn.execute("INSERT INTO search_vectors (idx, key, field, vec) VALUES (?, ?, ?, ?)", (idx, key, name, blob))
        for name in vector_fields:
            if name in fields or (name in old_vectors and name not in vectors):
                changes.append((key, name, vectors.get(name)))
            elif row is not None and action == "upload" and name in old_vectors:
                changes.append((key, name, None))
        results.append(_ok(key, 201 if row is None else 200))
    return results, changes


def _ok(key: str, status: int) -> dict:
    return {"key": key, "status": True, "errorMessage": None, "statusCode": status}


def get_doc(conn: sqlite3.Connection, idx: str, key: str) -> dict | None:
    row = conn.execute("SELECT doc FROM search_docs WHERE idx = ? AND key = ?", (idx, key)).fetchone()
    return None if row is None else json.loads(row["doc"])


def get_docs(conn: sqlite3.Connection, idx: str, keys: list[str], vector_fields: list[str]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for start in range(0, len(keys), 500):
        part = keys[start:start + 500]
        marks = ",".join("?" * len(part))
        for r in conn.execute(f"SELECT key, doc FROM search_docs WHERE idx = ? AND key IN ({marks})", (idx, *part)):
            found[r["key"]] = json.loads(r["doc"])
        if vector_fields:
            fmarks = ",".join("?" * len(vector_fields))
            for r in conn.execute(f"SELECT key, field, vec FROM search_vectors WHERE idx = ? AND key IN ({marks}) "
                                  f"AND field IN ({fmarks})", (idx, *part, *vector_fields)):
                if r["key"] in found:
                    from .vectors import from_blob

                    found[r["key"]][r["field"]] = [float(x) for x in from_blob(r["vec"])]
    return found


def count_docs(conn: sqlite3.Connection, idx: str) -> int:
    return conn.execute("SELECT COUNT(*) FROM search_docs WHERE idx = ?", (idx,)).fetchone()[0]


def load_vectors(conn: sqlite3.Connection, idx: str, field: str) -> list[tuple[str, bytes]]:
    return [(r["key"], r["vec"]) for r in conn.execute(
        "SELECT key, vec FROM search_vectors WHERE idx = ? AND field = ?", (idx, field))]


# -- queries -------------------------------------------------------------------------------------
def index_token(idx: str) -> str:
    """The token in column ix of every FTS row of index `idx` (hex, so no tokenizer or stemmer changes it)."""
    import hashlib

    return "x" + hashlib.sha1(idx.encode()).hexdigest()[:15] + "0"


def _scoped(idx: str, match: Any, columns: list[int], all_columns: int) -> str:
    """The FTS5 expression of a TextQuery inside index `idx`, on some of its searchable columns."""
    colspec = None if len(columns) == all_columns else "{" + " ".join(f"c{i}" for i in columns) + "}"
    return match.fts(f"ix : {index_token(idx)}", colspec)


def text_search(conn: sqlite3.Connection, idx: str, match: str, columns: list[int], all_columns: int, where: str,
                params: list, limit: int) -> list[tuple[str, float]]:
    """BM25 over the searchable fields (FTS5's bm25 is negative: lower is better; Azure's score is positive)."""
    expr = _scoped(idx, match, columns, all_columns)
    if where == "1":  # FTS5 ranks and limits by itself
        sql = ("SELECT r.key AS key, -f.rank AS score FROM (SELECT rowid, rank FROM search_fts WHERE search_fts "
               "MATCH ? ORDER BY rank LIMIT ?) AS f JOIN search_rows r ON r.id = f.rowid ORDER BY f.rank, r.key")
        return [(r["key"], r["score"]) for r in conn.execute(sql, (expr, limit))]
    sql = (f"WITH m AS MATERIALIZED (SELECT rowid AS rid, bm25(search_fts) AS s FROM search_fts "
           f"WHERE search_fts MATCH ?) SELECT r.key AS key, -m.s AS score FROM m JOIN search_rows r ON r.id = m.rid "
           f"JOIN search_docs d ON d.idx = r.idx AND d.key = r.key "
           f"WHERE {where} ORDER BY score DESC, r.key LIMIT ?")
    return [(r["key"], r["score"]) for r in conn.execute(sql, (expr, *params, limit))]


def text_count(conn: sqlite3.Connection, idx: str, match: str, columns: list[int], all_columns: int, where: str,
               params: list) -> int:
    expr = _scoped(idx, match, columns, all_columns)
    if where == "1":
        return conn.execute("SELECT COUNT(*) FROM search_fts WHERE search_fts MATCH ?", (expr,)).fetchone()[0]
    sql = (f"SELECT COUNT(*) FROM search_fts JOIN search_rows r ON r.id = search_fts.rowid "
           f"JOIN search_docs d ON d.idx = r.idx AND d.key = r.key WHERE search_fts MATCH ? AND {where}")
    return conn.execute(sql, (expr, *params)).fetchone()[0]


def filtered_keys(conn: sqlite3.Connection, idx: str, where: str, params: list) -> list[str]:
    return [r[0] for r in conn.execute(f"SELECT d.key FROM search_docs d WHERE d.idx = ? AND {where}", (idx, *params))]


def browse(conn: sqlite3.Connection, idx: str, where: str, params: list, order_sql: str, limit: int,
           offset: int) -> tuple[list[str], int]:
    keys = [r[0] for r in conn.execute(f"SELECT d.key FROM search_docs d WHERE d.idx = ? AND {where} "
                                       f"ORDER BY {order_sql} LIMIT ? OFFSET ?", (idx, *params, limit, offset))]
    total = conn.execute(f"SELECT COUNT(*) FROM search_docs d WHERE d.idx = ? AND {where}", (idx, *params)).fetchone()[0]
    return keys, total


def highlights(conn: sqlite3.Connection, idx: str, match: str, keys: list[str], fields: list[tuple[str, int]],
               pre: str, post: str) -> dict[str, dict[str, list[str]]]:
    """Azure's @search.highlights: per field, the matching fragments (FTS5 snippets)."""
    out: dict[str, dict[str, list[str]]] = {}
    if not keys or not fields:
        return out
    kmarks = ",".join("?" * len(keys))
    snippets = ", ".join(f"snippet(search_fts, {col}, ?, ?, '...', 24) AS h{col}" for _, col in fields)
    snippet_params = [p for _ in fields for p in (pre, post)]
    sql = (f"SELECT r.key AS key, {snippets} FROM search_fts JOIN search_rows r ON r.id = search_fts.rowid "
           f"WHERE search_fts MATCH ? AND r.key IN ({kmarks})")
    for r in conn.execute(sql, (*snippet_params, _scoped(idx, match, [0], 1), *keys)):
        for name, col in fields:
            frag = r[f"h{col}"]
            if frag and pre in frag:
                out.setdefault(r["key"], {})[name] = [frag]
    return out
