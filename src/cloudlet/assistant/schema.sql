-- Azure AI Search subset: index definitions, documents, their searchable text (FTS5) and vectors.
CREATE TABLE IF NOT EXISTS search_indexes (
    name        TEXT PRIMARY KEY,
    definition  TEXT NOT NULL,            -- the index JSON as Azure echoes it
    etag        TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS search_docs (
    idx   TEXT NOT NULL,
    key   TEXT NOT NULL,
    doc   TEXT NOT NULL,                  -- JSON of the non-vector fields
    PRIMARY KEY (idx, key)
) WITHOUT ROWID;
-- one FTS5 row per document: searchable field i of the index is column c<i>; column ix holds one token naming
-- the index, so that a MATCH stays inside one index and FTS5 can rank and LIMIT by itself; search_rows maps the
-- rowid back to the document
CREATE TABLE IF NOT EXISTS search_rows (
    id     INTEGER PRIMARY KEY,
    idx    TEXT NOT NULL,
    key    TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS search_rows_doc ON search_rows (idx, key);
CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(
    c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15, ix,
    tokenize = 'porter unicode61 remove_diacritics 2');
CREATE TABLE IF NOT EXISTS search_vectors (
    idx    TEXT NOT NULL,
    key    TEXT NOT NULL,
    field  TEXT NOT NULL,
    vec    BLOB NOT NULL,                 -- float32, little-endian
    PRIMARY KEY (idx, field, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS search_datasources (
    name        TEXT PRIMARY KEY,
    definition  TEXT NOT NULL,
    etag        TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS search_indexers (
    name        TEXT PRIMARY KEY,
    definition  TEXT NOT NULL,
    etag        TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT '{}'   -- last result and execution history, Azure's shape
);
-- what the indexer has indexed from each blob: its etag, so a re-run skips unchanged blobs
CREATE TABLE IF NOT EXISTS search_indexer_items (
    indexer   TEXT NOT NULL,
    item      TEXT NOT NULL,
    etag      TEXT NOT NULL,
    chunk_keys TEXT NOT NULL,             -- JSON list of the index keys made from this item
    PRIMARY KEY (indexer, item)
) WITHOUT ROWID;
