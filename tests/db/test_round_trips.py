"""What a unit of work costs in round trips, and that cutting them kept its behaviour.

On PostgreSQL plain reads run before ``BEGIN`` until the first write; a pooled connection is
pinged only after sitting idle; sync commits never wait behind handlers for a thread.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.pool import NullPool
from tests.db.conftest import require_server
from tests.db.models_for_tests import Writer

from trellis import App
from trellis.db import AsyncSession, Database, OperationalError, Session, engines
from trellis.testing import AsyncTestClient

# When the transaction running the statement began: two reads that answer the same time ran in
# one transaction; different times, each in its own (no BEGIN was sent before them).
STARTED = select(func.transaction_timestamp())


def _one_transaction(session: Any) -> bool:
    first = session.scalar(STARTED)
    time.sleep(0.01)
    return bool(first == session.scalar(STARTED))


async def _one_transaction_async(session: Any) -> bool:
    first = await session.scalar(STARTED)
    await asyncio.sleep(0.01)
    return bool(first == await session.scalar(STARTED))


def _pg_app(make_app: Any, **options: Any) -> Database:
    app = make_app(require_server("postgresql"), **options)
    return Database.of(app)


def test_reads_run_without_begin_until_the_first_write(make_app: Any) -> None:
    db = _pg_app(make_app)
    with db.session() as session:
        assert _one_transaction(session) is False  # no transaction was opened by the reads
        session.add(Writer(username="lazy"))
        session.flush()  # BEGIN, then the INSERT
        assert _one_transaction(session) is True  # reads now share the write's transaction
        session.rollback()
        assert session.scalars(select(Writer).where(Writer.username == "lazy")).all() == []


async def test_async_reads_run_without_begin_and_writes_stay_atomic(make_app: Any) -> None:
    db = _pg_app(make_app)
    async with db.async_session() as session:
        assert await _one_transaction_async(session) is False

    async def fail_after_writing() -> None:
        async with db.async_session() as session:
            await session.scalar(select(Writer))
            session.add(Writer(username="undone"))
            await session.flush()
            assert await _one_transaction_async(session) is True
            raise RuntimeError("the handler failed")

    with pytest.raises(RuntimeError):
        await fail_after_writing()
    async with db.async_session() as session:
        assert (await session.scalars(select(Writer.username))).all() == []
    await db.engines().dispose_async()  # the fixture closes only the sync pools


def test_text_and_an_isolation_level_open_a_transaction_first(make_app: Any) -> None:
    db = _pg_app(make_app)
    with db.session() as session:
        before = session.execute(text("SELECT transaction_timestamp()")).scalar()  # BEGIN first
        time.sleep(0.01)
        assert session.scalar(STARTED) == before
    with db.session() as session:
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        assert _one_transaction(session) is True
        level = session.scalar(text("SHOW transaction_isolation"))
        assert level == "repeatable read"


def test_a_connection_goes_back_to_the_pool_with_transactions_on(make_app: Any) -> None:
    db = _pg_app(make_app, pool_size=1, max_overflow=0)
    with db.session() as session:
        session.scalar(select(Writer))
    with db.sync_engine().connect() as connection:  # the same pooled connection, raw
        assert connection.connection.dbapi_connection.autocommit is False  # type: ignore[union-attr]
        assert _one_transaction(connection) is True


def _kill_pooled_connection(db: Database) -> None:
    with db.session() as session:
        pid = session.scalar(select(func.pg_backend_pid()))
    killer = create_engine(db.url(), poolclass=NullPool)  # outside the app's pool
    with killer.connect() as other:
        assert other.scalar(select(func.pg_terminate_backend(pid))) is True
    killer.dispose()


def test_an_idle_dead_connection_is_replaced_before_use(
    make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engines, "PING_AFTER_IDLE_S", 0.0)
    db = _pg_app(make_app, pool_size=2, max_overflow=0)
    _kill_pooled_connection(db)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Writer)) == 0


def test_a_busy_connection_is_not_pinged_and_one_failure_resets_the_pool(
    make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engines, "PING_AFTER_IDLE_S", 3600.0)
    db = _pg_app(make_app, pool_size=2, max_overflow=0)
    _kill_pooled_connection(db)
    with pytest.raises(OperationalError), db.session() as session:
        session.scalar(select(Writer))
    with db.session() as session:  # the pool was invalidated: a fresh connection
        assert session.scalar(select(func.count()).select_from(Writer)) == 0


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_sync_sessions_never_wait_behind_handlers_for_a_pooled_connection(
    backend: str, make_app: Any, tmp_path: Path
) -> None:
    # One connection, more waiting requests than threads: the session holding the connection
    # must give it back while every handler thread waits for it. On SQLite it commits (a read
    # runs in a transaction there) on the finishers' pool; on PostgreSQL a read-only session
    # has nothing to commit and closes on the event loop, never queued.
    url = f"sqlite:///{tmp_path / 'x.db'}" if backend == "sqlite" else require_server(backend)
    app = make_app(url, pool_size=1, max_overflow=0)

    @app.get("/one")
    def one(db: Session) -> dict[str, int]:
        return {"one": int(db.scalar(select(1)) or 0)}

    async with AsyncTestClient(app) as client:
        answers = await asyncio.wait_for(
            asyncio.gather(*(client.get("/one") for _ in range(60))), timeout=20
        )
    assert [a.status_code for a in answers] == [200] * 60


def _commits(engine: Any) -> list[str]:
    """Every COMMIT SQLAlchemy sends on ``engine`` from now on."""
    seen: list[str] = []
    event.listen(engine, "commit", lambda connection: seen.append("COMMIT"))
    return seen


def _read_write_app(make_app: Any) -> tuple[App, Database]:
    app = make_app(require_server("postgresql"))

    @app.get("/count")
    async def count(db: AsyncSession) -> dict[str, int]:
        return {"count": int(await db.scalar(select(func.count()).select_from(Writer)) or 0)}

    @app.post("/writers/<name>")
    async def add(db: AsyncSession, name: str) -> dict[str, str]:
        await db.scalar(select(func.count()).select_from(Writer))  # a read before the write
        db.add(Writer(username=name))
        return {"added": name}

    @app.post("/rename/<old>/<new>")
    async def rename(db: AsyncSession, old: str, new: str) -> dict[str, str]:
        writer = await db.scalar(select(Writer).where(Writer.username == old))
        assert writer is not None
        writer.username = new  # only a changed attribute: the commit flushes it
        return {"renamed": new}

    @app.get("/sync/count")
    def sync_count(db: Session) -> dict[str, int]:
        return {"count": int(db.scalar(select(func.count()).select_from(Writer)) or 0)}

    @app.post("/sync/writers/<name>")
    def sync_add(db: Session, name: str) -> dict[str, str]:
        db.scalar(select(func.count()).select_from(Writer))
        db.add(Writer(username=name))
        return {"added": name}

    return app, Database.of(app)


async def test_a_read_only_unit_of_work_sends_no_commit_and_a_writing_one_commits_once(
    make_app: Any,
) -> None:
    app, db = _read_write_app(make_app)
    async_commits = _commits(db.async_engine().sync_engine)
    sync_commits = _commits(db.sync_engine())
    async with AsyncTestClient(app) as client:
        assert (await client.get("/count")).json() == {"count": 0}
        assert (await client.get("/sync/count")).json() == {"count": 0}
        assert (async_commits, sync_commits) == ([], [])
        assert (await client.post("/writers/ann")).status_code == 200
        assert (await client.post("/sync/writers/bob")).status_code == 200
        assert (async_commits, sync_commits) == (["COMMIT"], ["COMMIT"])
        # both writes landed, and the reads after them still send no COMMIT
        assert (await client.get("/count")).json() == {"count": 2}
        assert (await client.get("/sync/count")).json() == {"count": 2}
        assert (async_commits, sync_commits) == (["COMMIT"], ["COMMIT"])
        assert (await client.post("/rename/ann/anna")).status_code == 200
        assert async_commits == ["COMMIT", "COMMIT"]
    with db.session() as session:
        assert sorted(session.scalars(select(Writer.username))) == ["anna", "bob"]
    await db.engines().dispose_async()


def test_has_work_sees_changed_new_and_deleted_objects(make_app: Any) -> None:
    db = _pg_app(make_app)
    with db.session() as session:
        session.add(Writer(username="old"))
    with db.session() as session:
        writer = session.scalars(select(Writer)).one()
        assert session.has_work() is False  # read in autocommit: nothing to commit
        writer.username = "new"
        assert session.has_work() is True
        session.expire(writer)
        session.add(Writer(username="second"))
        assert session.has_work() is True
        session.expunge_all()
        assert session.has_work() is False
        session.delete(session.scalars(select(Writer)).first())
        assert session.has_work() is True


def test_a_savepoint_after_autocommit_reads_opens_the_transaction_first(make_app: Any) -> None:
    db = _pg_app(make_app)
    with db.session() as session:
        assert _one_transaction(session) is False  # reads in autocommit so far
        with session.begin_nested():  # SAVEPOINT needs a transaction: BEGIN comes first
            session.add(Writer(username="kept"))
        savepoint = session.begin_nested()
        session.add(Writer(username="undone"))
        session.flush()
        savepoint.rollback()
        assert _one_transaction(session) is True
    with db.session() as session:
        assert session.scalars(select(Writer.username)).all() == ["kept"]


def test_get_finds_rows_the_identity_map_and_the_database_agree_on(make_app: Any) -> None:
    db = _pg_app(make_app)
    with db.session() as session:
        writer = Writer(username="once")
        session.add(writer)
        session.flush()
        assert session.get(Writer, writer.id) is writer  # from the identity map, no query
        assert session.get(Writer, writer.id + 1000) is None
        key = writer.id
    with db.session() as session:
        loaded = session.get(Writer, key)  # from the database, by the statement built once
        assert loaded is not None
        assert loaded.username == "once"
        assert session.get(Writer, key) is loaded
        session.delete(loaded)
        session.flush()
        assert session.get(Writer, key) is None  # deleted in this unit of work
