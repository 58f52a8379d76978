"""The job store's SQLite side: named queries from queries.sql, each function run inside one transaction.

The quota lives here: `admit` counts the account's active jobs and inserts the new one in the same write
transaction, and every write runs in the database's single writer thread, so concurrent Starts are
serialized and the count is exact."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from dataclasses import dataclass
from importlib import resources
from typing import Any

from ..store.database import Database


def _load_queries() -> dict[str, str]:
    text = resources.files(__package__).joinpath("queries.sql").read_text()
    parts = re.split(r"^-- name: (\w+)\s*$", text, flags=re.M)
    return {name: sql.strip() for name, sql in zip(parts[1::2], parts[2::2])}


Q = _load_queries()
SCHEMA = resources.files(__package__).joinpath("schema.sql").read_text()


@dataclass
class Job:
    job_id: str
    account: str
    api: str
    status: str
    status_message: str | None
    request: dict[str, Any]
    request_hash: str
    client_token: str | None
    job_tag: str | None
    created_at: float
    started_at: float | None
    finished_at: float | None
    attempts: int
    metadata: dict[str, Any] | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "Job":
        return cls(row["job_id"], row["account"], row["api"], row["status"], row["status_message"],
                   json.loads(row["request"]), row["request_hash"], row["client_token"], row["job_tag"],
                   row["created_at"], row["started_at"], row["finished_at"], row["attempts"],
                   json.loads(row["metadata"]) if row["metadata"] else None)


class Admission:
    """What `admit` decided: a new job, the job an idempotent retry already created, or a rejection."""

    NEW, EXISTING, MISMATCH, OVER_LIMIT = "new", "existing", "mismatch", "over_limit"

    def __init__(self, outcome: str, job_id: str | None = None, active: int = 0, limit: int = 0) -> None:
        self.outcome = outcome
        self.job_id = job_id
        self.active = active
        self.limit = limit


class JobStore:
    def __init__(self, db: Database, default_limit: int) -> None:
        self.db = db
        self.default_limit = default_limit
        db.add_schema(SCHEMA)

    # -- quota and admission (writer thread) -----------------------------------------------------
    def _limit(self, conn: sqlite3.Connection, account: str) -> int:
        row = conn.execute(Q["get_limit"], (account,)).fetchone()
        return self.default_limit if row is None else int(row[0])

    def _admit(self, conn: sqlite3.Connection, job_id: str, account: str, api: str, request: str,
               request_hash: str, token: str | None, tag: str | None) -> Admission:
        if token is not None:
            row = conn.execute(Q["by_token"], (account, api, token)).fetchone()
            if row is not None:
                same = row["request_hash"] == request_hash
                return Admission(Admission.EXISTING if same else Admission.MISMATCH, row["job_id"])
        active = conn.execute(Q["count_active"], (account,)).fetchone()[0]
        limit = self._limit(conn, account)
        if active >= limit:
            return Admission(Admission.OVER_LIMIT, None, active, limit)
        conn.execute(Q["insert_job"], (job_id, account, api, request, request_hash, token, tag, time.time()))
        return Admission(Admission.NEW, job_id)

    async def admit(self, job_id: str, account: str, api: str, request: dict[str, Any], request_hash: str,
                    token: str | None, tag: str | None) -> Admission:
        return await self.db.write(self._admit, job_id, account, api, json.dumps(request), request_hash, token, tag)

    async def token_used(self, account: str, api: str, token: str) -> bool:
        row = await self.db.read(lambda conn: conn.execute(Q["by_token"], (account, api, token)).fetchone())
        return row is not None

    async def set_limit(self, account: str, limit: int) -> None:
        await self.db.write(lambda conn: conn.execute(Q["set_limit"], (account, limit)))

    async def limit(self, account: str) -> int:
        return await self.db.read(self._limit, account)

    # -- lifecycle --------------------------------------------------------------------------------
    async def get(self, job_id: str) -> Job | None:
        row = await self.db.read(lambda conn: conn.execute(Q["get_job"], (job_id,)).fetchone())
        return None if row is None else Job.from_row(row)

    async def in_progress(self) -> list[Job]:
        rows = await self.db.read(lambda conn: conn.execute(Q["in_progress"]).fetchall())
        return [Job.from_row(row) for row in rows]

    async def mark_started(self, job_id: str) -> None:
        await self.db.write(lambda conn: conn.execute(Q["mark_started"], (time.time(), job_id)))

    async def finish(self, job_id: str, status: str, message: str | None, metadata: dict[str, Any] | None,
                     views: dict[str, list[dict[str, Any]]]) -> bool:
        """Store the outcome and its result pages in one transaction; False if the job was already over."""

        def run(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(Q["finish_job"], (status, message, time.time(),
                                                 None if metadata is None else json.dumps(metadata), job_id))
            if cur.rowcount == 0:
                return False
            rows = [(job_id, view, seq, json.dumps(item, separators=(",", ":")))
                    for view, items in views.items() for seq, item in enumerate(items)]
            conn.executemany(Q["insert_result"], rows)
            return True

        return await self.db.write(run)

    async def page(self, job_id: str, view: str, start: int, limit: int) -> tuple[list[dict[str, Any]], bool]:
        """Items start.. of one view, and whether more follow."""

        def run(conn: sqlite3.Connection) -> list[sqlite3.Row]:
            return conn.execute(Q["page"], (job_id, view, start, limit + 1)).fetchall()

        rows = await self.db.read(run)
        return [json.loads(row["item"]) for row in rows[:limit]], len(rows) > limit

    async def recent(self, limit: int, before: tuple[float, str] | None = None) -> list[dict[str, Any]]:
        """Up to `limit` jobs, newest first, older than the (created_at, job_id) cursor `before` if given."""

        def run(conn: sqlite3.Connection) -> list[dict[str, Any]]:
            if before is None:
                return [dict(row) for row in conn.execute(Q["recent"], (limit,))]
            return [dict(row) for row in conn.execute(Q["recent_before"], (*before, limit))]

        return await self.db.read(run)

    # -- overview and reset ----------------------------------------------------------------------
    async def overview(self, recent: int = 50) -> dict[str, Any]:
        def run(conn: sqlite3.Connection) -> dict[str, Any]:
            active = {row["account"]: row["active"] for row in conn.execute(Q["accounts_active"])}
            limits = {row["account"]: row["max_active"] for row in conn.execute(Q["all_limits"])}
            jobs = [dict(row) for row in conn.execute(Q["recent"], (recent,))]
            return {"active": active, "limits": limits, "recent": jobs}

        return await self.db.read(run)

    async def wipe(self) -> None:
        def run(conn: sqlite3.Connection) -> None:
            for name in ("wipe_results", "wipe_jobs", "wipe_limits"):
                conn.execute(Q[name])

        await self.db.write(run)
