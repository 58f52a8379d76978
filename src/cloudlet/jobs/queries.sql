-- name: count_active
SELECT COUNT(*) FROM video_jobs WHERE account = ? AND status = 'IN_PROGRESS';

-- name: get_limit
SELECT max_active FROM video_job_limits WHERE account = ?;

-- name: set_limit
INSERT INTO video_job_limits (account, max_active) VALUES (?, ?)
ON CONFLICT (account) DO UPDATE SET max_active = excluded.max_active;

-- name: all_limits
SELECT account, max_active FROM video_job_limits;

-- name: by_token
SELECT * FROM video_jobs WHERE account = ? AND api = ? AND client_token = ?;

-- name: insert_job
INSERT INTO video_jobs (job_id, account, api, status, request, request_hash, client_token, job_tag, created_at)
VALUES (?, ?, ?, 'IN_PROGRESS', ?, ?, ?, ?, ?);

-- name: get_job
SELECT * FROM video_jobs WHERE job_id = ?;

-- name: in_progress
SELECT * FROM video_jobs WHERE status = 'IN_PROGRESS' ORDER BY created_at;

-- name: mark_started
UPDATE video_jobs SET started_at = ?, attempts = attempts + 1 WHERE job_id = ? AND status = 'IN_PROGRESS';

-- name: finish_job
UPDATE video_jobs SET status = ?, status_message = ?, finished_at = ?, metadata = ?
WHERE job_id = ? AND status = 'IN_PROGRESS';

-- name: insert_result
INSERT INTO video_job_results (job_id, view, seq, item) VALUES (?, ?, ?, ?);

-- name: page
SELECT seq, item FROM video_job_results WHERE job_id = ? AND view = ? AND seq >= ? ORDER BY seq LIMIT ?;

-- name: accounts_active
SELECT account, COUNT(*) AS active FROM video_jobs WHERE status = 'IN_PROGRESS' GROUP BY account;

-- name: recent
SELECT job_id, account, api, status, status_message, job_tag, created_at, started_at, finished_at, attempts
FROM video_jobs ORDER BY created_at DESC, job_id DESC LIMIT ?;

-- name: recent_before
SELECT job_id, account, api, status, status_message, job_tag, created_at, started_at, finished_at, attempts
FROM video_jobs WHERE (created_at, job_id) < (?, ?) ORDER BY created_at DESC, job_id DESC LIMIT ?;

-- name: wipe_results
DELETE FROM video_job_results;

-- name: wipe_jobs
DELETE FROM video_jobs;

-- name: wipe_limits
DELETE FROM video_job_limits;
