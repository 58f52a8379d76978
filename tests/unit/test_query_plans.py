"""The statements whose cost must not grow with queue depth, checked against SQLite's planner on a deep queue."""

from __future__ import annotations

import sqlite3
from importlib import resources

import pytest

from cloudlet.store.sqlite_queues import standard_delete_sql


@pytest.fixture(scope="module", params=["no statistics", "analyzed"])
def deep_queue(request) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.executescript(resources.files("cloudlet.store").joinpath("queues_schema.sql").read_text())
    conn.executemany("INSERT INTO sqs_messages (id, queue_id, message_id, body, md5_body, sent_at, visible_at, "
                     "receipt) VALUES (?, 1, ?, 'x', 'm', ?, ?, ?)",
                     [(i, str(i), i, i, f"r{i}") for i in range(1, 20_001)])
    if request.param == "analyzed":  # statistics (ANALYZE, PRAGMA optimize) change the planner's choices
        conn.execute("ANALYZE")
    return conn


@pytest.mark.parametrize("handles", [1, 3, 10])
def test_delete_message_batch_looks_rows_up_by_id(deep_queue, handles):
    ids = list(range(1_000 * handles, 1_000 * handles + handles))  # rows no other case deletes
    args = [*ids, 1, *(v for i in ids for v in (i, f"r{i}"))]
    plan = [row[3] for row in deep_queue.execute("EXPLAIN QUERY PLAN " + standard_delete_sql(handles), args)]
    assert any("INTEGER PRIMARY KEY" in step for step in plan), plan
    assert not any(step.startswith(("SCAN sqs_messages", "SEARCH sqs_messages USING INDEX")) for step in plan), plan
    assert deep_queue.execute(standard_delete_sql(handles), args).rowcount == handles
