"""The SQLite writer: group commit, per-write rollback, durability of acknowledged writes."""

import asyncio
import sqlite3

import pytest

from cloudlet.store.database import Database


@pytest.fixture
def db(tmp_path):
    database = Database(tmp_path / "t.db")
    database.add_schema("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)")
    database.start()
    yield database
    database.close()


def test_concurrent_writes_share_commits(db, run):
    async def main():
        await asyncio.gather(*(db.write(lambda c, i=i: c.execute("INSERT INTO t (v) VALUES (?)", (str(i),)))
                               for i in range(2000)))
    run(main())
    assert db.writes == 2000
    assert db.commits < 2000  # writes that arrived together shared a transaction
    rows = sqlite3.connect(db.path).execute("SELECT COUNT(*) FROM t").fetchone()[0]
    assert rows == 2000


def test_failing_write_rolls_back_alone(db, run):
    async def main():
        def bad(c):
            c.execute("INSERT INTO t (v) VALUES ('x')")
            c.execute("INSERT INTO t (v) VALUES ('x')")  # unique violation: this whole write must vanish

        results = await asyncio.gather(db.write(lambda c: c.execute("INSERT INTO t (v) VALUES ('a')")), db.write(bad),
                                       db.write(lambda c: c.execute("INSERT INTO t (v) VALUES ('b')")),
                                       return_exceptions=True)
        assert isinstance(results[1], sqlite3.IntegrityError)
        return await db.read(lambda c: [r[0] for r in c.execute("SELECT v FROM t ORDER BY v")])

    assert run(main()) == ["a", "b"]


def test_in_memory_database_reads_its_own_writes(run):
    database = Database(None)
    database.add_schema("CREATE TABLE t (v TEXT)")
    database.start()
    try:
        async def main():
            await database.write(lambda c: c.execute("INSERT INTO t VALUES ('m')"))
            return await database.read(lambda c: c.execute("SELECT v FROM t").fetchall()[0][0])
        assert run(main()) == "m"
    finally:
        database.close()
