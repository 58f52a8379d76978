-- Rekognition Video jobs: one row per accepted Start; the account's active count is its IN_PROGRESS rows.
CREATE TABLE IF NOT EXISTS video_jobs (
    job_id         TEXT PRIMARY KEY,
    account        TEXT NOT NULL,
    api            TEXT NOT NULL,
    status         TEXT NOT NULL,
    status_message TEXT,
    request        TEXT NOT NULL,
    request_hash   TEXT NOT NULL,
    client_token   TEXT,
    job_tag        TEXT,
    created_at     REAL NOT NULL,
    started_at     REAL,
    finished_at    REAL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    metadata       TEXT
);
-- (status, account): the quota's count and the per-account overview read only the active jobs' entries.
CREATE INDEX IF NOT EXISTS video_jobs_by_status ON video_jobs(status, account);
-- (created_at, job_id): newest-first keyset pages of the job list, whatever the number of jobs.
DROP INDEX IF EXISTS video_jobs_by_created;
CREATE INDEX IF NOT EXISTS video_jobs_by_time ON video_jobs(created_at, job_id);
CREATE UNIQUE INDEX IF NOT EXISTS video_jobs_token ON video_jobs(account, api, client_token)
    WHERE client_token IS NOT NULL;

CREATE TABLE IF NOT EXISTS video_job_limits (
    account    TEXT PRIMARY KEY,
    max_active INTEGER NOT NULL
);

-- Each result ordering ("view": TIMESTAMP, NAME/SEGMENTS, ...) is stored in page order, so a page is one
-- index range read whatever its offset.
CREATE TABLE IF NOT EXISTS video_job_results (
    job_id TEXT NOT NULL,
    view   TEXT NOT NULL,
    seq    INTEGER NOT NULL,
    item   TEXT NOT NULL,
    PRIMARY KEY (job_id, view, seq)
) WITHOUT ROWID;
