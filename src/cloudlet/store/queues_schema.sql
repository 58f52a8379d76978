-- SQS state. Times are epoch milliseconds.
CREATE TABLE IF NOT EXISTS sqs_queues (
    id INTEGER PRIMARY KEY,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    attributes TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    modified_at INTEGER NOT NULL,
    last_purge_at INTEGER NOT NULL DEFAULT 0,
    seq INTEGER NOT NULL DEFAULT 0,
    dlq_arn TEXT,
    UNIQUE (account, region, name)
);
CREATE INDEX IF NOT EXISTS sqs_queues_dlq ON sqs_queues (dlq_arn);
CREATE TABLE IF NOT EXISTS sqs_deleted_queues (
    account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, deleted_at INTEGER NOT NULL,
    PRIMARY KEY (account, region, name)
);
CREATE TABLE IF NOT EXISTS sqs_messages (
    id INTEGER PRIMARY KEY,
    queue_id INTEGER NOT NULL,
    message_id TEXT NOT NULL,
    body TEXT NOT NULL,
    attributes TEXT,
    system_attributes TEXT,
    md5_body TEXT NOT NULL,
    md5_attributes TEXT,
    md5_system TEXT,
    sent_at INTEGER NOT NULL,
    visible_at INTEGER NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0,
    first_receive_at INTEGER,
    receipt TEXT,
    received_at INTEGER,
    group_id TEXT,
    dedup_id TEXT,
    seq TEXT,
    sender_id TEXT,
    dlq_source_arn TEXT
);
CREATE INDEX IF NOT EXISTS sqs_messages_visible ON sqs_messages (queue_id, visible_at, id);
CREATE INDEX IF NOT EXISTS sqs_messages_sent ON sqs_messages (queue_id, sent_at);
CREATE INDEX IF NOT EXISTS sqs_messages_group ON sqs_messages (queue_id, group_id, id) WHERE group_id IS NOT NULL;
-- FIFO: one row per message group; available_at is the visibility of the group's oldest message, so a
-- group whose head is in flight is locked, and receive walks an index instead of the messages.
CREATE TABLE IF NOT EXISTS sqs_groups (
    queue_id INTEGER NOT NULL,
    group_id TEXT NOT NULL,
    head_id INTEGER NOT NULL,
    available_at INTEGER NOT NULL,
    PRIMARY KEY (queue_id, group_id)
);
CREATE INDEX IF NOT EXISTS sqs_groups_available ON sqs_groups (queue_id, available_at, head_id);
CREATE TABLE IF NOT EXISTS sqs_dedup (
    queue_id INTEGER NOT NULL,
    dedup_key TEXT NOT NULL,
    message_id TEXT NOT NULL,
    seq TEXT,
    sent_at INTEGER NOT NULL,
    PRIMARY KEY (queue_id, dedup_key)
);
CREATE INDEX IF NOT EXISTS sqs_dedup_sent ON sqs_dedup (sent_at);
CREATE TABLE IF NOT EXISTS sqs_receive_attempts (
    queue_id INTEGER NOT NULL,
    attempt_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    response TEXT NOT NULL,
    PRIMARY KEY (queue_id, attempt_id)
);
CREATE TABLE IF NOT EXISTS sqs_move_tasks (
    task_id TEXT PRIMARY KEY,
    source_arn TEXT NOT NULL,
    destination_arn TEXT,
    max_per_second INTEGER,
    status TEXT NOT NULL,
    moved INTEGER NOT NULL DEFAULT 0,
    to_move INTEGER NOT NULL DEFAULT 0,
    max_message_id INTEGER NOT NULL DEFAULT 0,
    started_at INTEGER NOT NULL,
    failure_reason TEXT
);
CREATE INDEX IF NOT EXISTS sqs_move_tasks_source ON sqs_move_tasks (source_arn, started_at);
