-- name: get_container
SELECT * FROM blob_containers WHERE account = ? AND name = ?;

-- name: container_id
SELECT id FROM blob_containers WHERE account = ? AND name = ?;

-- name: insert_container
INSERT INTO blob_containers (account, name, etag, last_modified, metadata, public_access)
VALUES (?, ?, ?, ?, ?, ?);

-- name: delete_container
DELETE FROM blob_containers WHERE id = ?;

-- name: container_files
SELECT e.file_id FROM blob_extents e JOIN blobs b ON b.id = e.blob_id WHERE b.container_id = ?
UNION SELECT file_id FROM blob_staged_blocks WHERE container_id = ?;

-- name: list_containers
SELECT * FROM blob_containers WHERE account = ? AND name >= ? AND name < ? ORDER BY name LIMIT ?;

-- name: get_blob
SELECT * FROM blobs WHERE container_id = ? AND name = ? AND snapshot = ?;

-- name: find_blob
SELECT b.* FROM blob_containers c JOIN blobs b ON b.container_id = c.id
WHERE c.account = ? AND c.name = ? AND b.name = ? AND b.snapshot = ?;

-- name: find_blob_body
SELECT b.*, d.data FROM blob_containers c JOIN blobs b ON b.container_id = c.id
LEFT JOIN blob_bodies d ON d.blob_id = b.id
WHERE c.account = ? AND c.name = ? AND b.name = ? AND b.snapshot = ?;

-- name: container_and_blob
SELECT b.*, c.id AS container,
       EXISTS (SELECT 1 FROM blob_staged_blocks s WHERE s.container_id = c.id AND s.name = ?1) AS staged
FROM blob_containers c
LEFT JOIN blobs b ON b.container_id = c.id AND b.name = ?1 AND b.snapshot = ''
WHERE c.account = ?2 AND c.name = ?3;

-- name: count_snapshots
SELECT count(*) FROM blobs WHERE container_id = ? AND name = ? AND snapshot <> '';

-- name: blob_files
SELECT file_id FROM blob_extents WHERE blob_id = ?;

-- name: snapshot_files
SELECT e.file_id FROM blob_extents e JOIN blobs b ON b.id = e.blob_id
WHERE b.container_id = ? AND b.name = ? AND b.snapshot <> '';

-- name: delete_blob
DELETE FROM blobs WHERE id = ?;

-- name: delete_snapshots
DELETE FROM blobs WHERE container_id = ? AND name = ? AND snapshot <> '';

-- name: get_extents
SELECT seq, start, length, file_id, file_offset, block_id FROM blob_extents WHERE blob_id = ? ORDER BY seq;

-- name: extents_in
SELECT e.start, e.length, e.file_id, e.file_offset, i.data FROM blob_extents e
LEFT JOIN blob_inline i ON substr(e.file_id, 1, 1) = 'i' AND i.id = CAST(substr(e.file_id, 2) AS INTEGER)
WHERE e.blob_id = ? AND e.start < ?
  AND e.start >= coalesce((SELECT max(start) FROM blob_extents WHERE blob_id = ? AND start <= ?), 0)
ORDER BY e.start;

-- name: insert_extent
INSERT INTO blob_extents (blob_id, seq, start, length, file_id, file_offset, block_id) VALUES (?, ?, ?, ?, ?, ?, ?);

-- name: copy_extents
INSERT INTO blob_extents (blob_id, seq, start, length, file_id, file_offset, block_id)
SELECT ?, seq, start, length, file_id, file_offset, block_id FROM blob_extents WHERE blob_id = ?;

-- name: staged_blocks
SELECT block_id, length, file_id FROM blob_staged_blocks WHERE container_id = ? AND name = ? ORDER BY staged, rowid;

-- name: get_staged_block
SELECT file_id FROM blob_staged_blocks WHERE container_id = ? AND name = ? AND block_id = ?;

-- name: put_staged_block
INSERT OR REPLACE INTO blob_staged_blocks (container_id, name, block_id, length, file_id, staged)
VALUES (?, ?, ?, ?, ?, ?);

-- name: clear_staged
DELETE FROM blob_staged_blocks WHERE container_id = ? AND name = ? RETURNING file_id;

-- name: stale_staged_files
SELECT file_id FROM blob_staged_blocks WHERE staged < ?;

-- name: delete_stale_staged
DELETE FROM blob_staged_blocks WHERE staged < ?;

-- name: pack_usage
SELECT file_id, sum(length) AS live FROM (
    SELECT DISTINCT file_id, file_offset, length FROM blob_extents WHERE file_id >= 'p' AND file_id < 'q'
) GROUP BY file_id;

-- name: pack_extents
SELECT DISTINCT file_offset, length FROM blob_extents WHERE file_id = ?;

-- name: move_extent
UPDATE blob_extents SET file_id = ?, file_offset = ? WHERE file_id = ? AND file_offset = ? AND length = ?;

-- name: file_referenced
SELECT EXISTS (SELECT 1 FROM blob_extents WHERE file_id = ?)
    OR EXISTS (SELECT 1 FROM blob_staged_blocks WHERE file_id = ?);

-- name: insert_body
INSERT INTO blob_bodies (blob_id, data) VALUES (?, ?);

-- name: get_body
SELECT data FROM blob_bodies WHERE blob_id = ?;

-- name: copy_body
INSERT INTO blob_bodies (blob_id, data) SELECT ?, data FROM blob_bodies WHERE blob_id = ?;

-- name: delete_inline
DELETE FROM blob_inline WHERE id = ?;

-- name: add_garbage
INSERT OR IGNORE INTO blob_garbage (file_id) VALUES (?);

-- name: forget_garbage
DELETE FROM blob_garbage WHERE file_id = ?;

-- name: all_garbage
SELECT file_id FROM blob_garbage;

-- name: get_tags
SELECT key, value FROM blob_tags WHERE blob_id = ? ORDER BY key;

-- name: clear_tags
DELETE FROM blob_tags WHERE blob_id = ?;

-- name: insert_tag
INSERT INTO blob_tags (blob_id, account, key, value) VALUES (?, ?, ?, ?);

-- name: list_blobs
SELECT * FROM blobs WHERE container_id = ? AND (name, snapshot) >= (?, ?) AND name < ? ORDER BY name, snapshot;

-- name: blob_exists
SELECT 1 FROM blobs WHERE container_id = ? AND name = ? LIMIT 1;

-- name: list_staged_names
SELECT DISTINCT name FROM blob_staged_blocks WHERE container_id = ? AND name >= ? AND name < ? ORDER BY name LIMIT ?;

-- name: get_service_properties
SELECT properties FROM blob_service_properties WHERE account = ?;

-- name: set_service_properties
INSERT OR REPLACE INTO blob_service_properties (account, properties) VALUES (?, ?);

-- name: reset
DELETE FROM blob_containers;
DELETE FROM blob_service_properties;
DELETE FROM blob_garbage;
DELETE FROM blob_inline;
DELETE FROM blob_bodies;
