-- SNS state. Times are epoch milliseconds.
CREATE TABLE IF NOT EXISTS sns_topics (
    arn TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    attributes TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    seq INTEGER NOT NULL DEFAULT 0,
    deleted_subscriptions INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS sns_topics_owner ON sns_topics (account, region, arn);
CREATE TABLE IF NOT EXISTS sns_subscriptions (
    arn TEXT PRIMARY KEY,
    topic_arn TEXT NOT NULL,
    owner TEXT NOT NULL,
    protocol TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    attributes TEXT NOT NULL,
    confirmed INTEGER NOT NULL,
    token TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sns_subscriptions_topic ON sns_subscriptions (topic_arn, arn);
CREATE INDEX IF NOT EXISTS sns_subscriptions_owner ON sns_subscriptions (owner, arn);
CREATE INDEX IF NOT EXISTS sns_subscriptions_token ON sns_subscriptions (token);
-- Deliveries not yet made to http/https/email endpoints: written with the publish, deleted once delivered.
CREATE TABLE IF NOT EXISTS sns_outbox (
    id INTEGER PRIMARY KEY,
    subscription_arn TEXT NOT NULL,
    kind TEXT NOT NULL,
    protocol TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    message_id TEXT NOT NULL,
    headers TEXT NOT NULL,
    payload TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    due_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sns_outbox_subscription ON sns_outbox (subscription_arn);
-- FIFO topics: the 5-minute deduplication window.
CREATE TABLE IF NOT EXISTS sns_dedup (
    topic_arn TEXT NOT NULL,
    dedup_key TEXT NOT NULL,
    message_id TEXT NOT NULL,
    seq TEXT,
    sent_at INTEGER NOT NULL,
    PRIMARY KEY (topic_arn, dedup_key)
);
CREATE INDEX IF NOT EXISTS sns_dedup_age ON sns_dedup (sent_at);
-- Delivery statistics per subscription: counted in memory by the engine and added here about once a second
-- (and at shutdown), so that the publish path writes nothing more for them.
CREATE TABLE IF NOT EXISTS sns_subscription_stats (
    subscription_arn TEXT PRIMARY KEY,
    topic_arn TEXT NOT NULL,
    delivered INTEGER NOT NULL DEFAULT 0,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    dead_lettered INTEGER NOT NULL DEFAULT 0,
    dropped INTEGER NOT NULL DEFAULT 0,
    filtered INTEGER NOT NULL DEFAULT 0,
    last_delivery_at INTEGER,
    last_error TEXT,
    last_error_at INTEGER
);
-- What went wrong with deliveries: failed attempts (with the retry they wait for), dead-letters and drops.
-- Written in the transaction that records the outcome; the oldest rows beyond a bound are swept.
CREATE TABLE IF NOT EXISTS sns_delivery_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    topic_arn TEXT NOT NULL,
    subscription_arn TEXT NOT NULL,
    protocol TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    message_id TEXT NOT NULL,
    delivery_id INTEGER,
    attempt INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL,
    next_attempt_at INTEGER,
    target TEXT
);
CREATE INDEX IF NOT EXISTS sns_delivery_log_topic ON sns_delivery_log (topic_arn, id);
CREATE INDEX IF NOT EXISTS sns_outbox_retrying ON sns_outbox (subscription_arn, attempts);
