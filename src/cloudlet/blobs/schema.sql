-- Blob metadata. Bytes live in files named by file_id (see files.py); rows only point at them.
CREATE TABLE IF NOT EXISTS blob_containers (
    id INTEGER PRIMARY KEY,
    account TEXT NOT NULL,
    name TEXT NOT NULL,
    etag TEXT NOT NULL,
    last_modified REAL NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}',
    public_access TEXT,
    acl TEXT NOT NULL DEFAULT '[]',
    lease TEXT,
    UNIQUE (account, name)
);

CREATE TABLE IF NOT EXISTS blobs (
    id INTEGER PRIMARY KEY,
    container_id INTEGER NOT NULL REFERENCES blob_containers (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    snapshot TEXT NOT NULL DEFAULT '',
    blob_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    created REAL NOT NULL,
    last_modified REAL NOT NULL,
    props TEXT NOT NULL DEFAULT '{}',
    metadata TEXT NOT NULL DEFAULT '{}',
    tag_count INTEGER NOT NULL DEFAULT 0,
    tier TEXT,
    tier_changed REAL,
    archive_status TEXT,
    rehydrate_at REAL,
    lease TEXT,
    copy TEXT,
    sealed INTEGER NOT NULL DEFAULT 0,
    block_count INTEGER NOT NULL DEFAULT 0,
    UNIQUE (container_id, name, snapshot)
);

CREATE TABLE IF NOT EXISTS blob_extents (
    blob_id INTEGER NOT NULL REFERENCES blobs (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    start INTEGER NOT NULL,
    length INTEGER NOT NULL,
    file_id TEXT NOT NULL,
    file_offset INTEGER NOT NULL DEFAULT 0,
    block_id TEXT,
    PRIMARY KEY (blob_id, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS blob_extents_file ON blob_extents (file_id);
CREATE INDEX IF NOT EXISTS blob_extents_start ON blob_extents (blob_id, start);

CREATE TABLE IF NOT EXISTS blob_staged_blocks (
    container_id INTEGER NOT NULL REFERENCES blob_containers (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    block_id TEXT NOT NULL,
    length INTEGER NOT NULL,
    file_id TEXT NOT NULL,
    staged REAL NOT NULL,
    PRIMARY KEY (container_id, name, block_id)
);
CREATE INDEX IF NOT EXISTS blob_staged_file ON blob_staged_blocks (file_id);
CREATE INDEX IF NOT EXISTS blob_staged_age ON blob_staged_blocks (staged);

CREATE TABLE IF NOT EXISTS blob_tags (
    blob_id INTEGER NOT NULL REFERENCES blobs (id) ON DELETE CASCADE,
    account TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (blob_id, key)
);
CREATE INDEX IF NOT EXISTS blob_tags_kv ON blob_tags (account, key, value);

CREATE TABLE IF NOT EXISTS blob_service_properties (
    account TEXT PRIMARY KEY,
    properties TEXT NOT NULL
);

-- Small Put Blob bodies kept in the database itself: a put then costs one WAL commit, shared with concurrent
-- puts by group commit, instead of a file fsync plus the commit. A body belongs to one blob (a snapshot or a
-- copy gets its own) and goes with it; the blob has no extents. That is three b-tree pages less to write per
-- put than an extent row (and its two indexes) pointing into a shared table.
CREATE TABLE IF NOT EXISTS blob_bodies (
    blob_id INTEGER PRIMARY KEY REFERENCES blobs (id) ON DELETE CASCADE,
    data BLOB NOT NULL
);

-- The earlier layout of small bodies, still read: extents with file id "i<id>" point at these rows, shared by
-- snapshots and copies; a row no extent points at any more is deleted in the same transaction (BlobTx.release).
CREATE TABLE IF NOT EXISTS blob_inline (
    id INTEGER PRIMARY KEY,
    data BLOB NOT NULL
);

-- files no row points at any more: deleted after commit, and again at start-up if a crash came between
CREATE TABLE IF NOT EXISTS blob_garbage (
    file_id TEXT PRIMARY KEY
);
