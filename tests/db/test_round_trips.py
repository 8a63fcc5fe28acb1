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
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool
from tests.db.conftest import require_server
from tests.db.models_for_tests import Writer

from trellis import App
from trellis.db import Database, OperationalError, Session, engines
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


async def test_sync_commits_do_not_wait_behind_handlers_for_a_pooled_connection(
    tmp_path: Path,
) -> None:
    # One connection, more waiting requests than threads: the session holding the connection
    # must be able to commit while every handler thread waits for that connection.
    app = App()
    app.install(Database(f"sqlite:///{tmp_path / 'x.db'}", pool_size=1, max_overflow=0))

    @app.get("/one")
    def one(db: Session) -> dict[str, int]:
        return {"one": int(db.scalar(select(1)) or 0)}

    async with AsyncTestClient(app) as client:
        answers = await asyncio.wait_for(
            asyncio.gather(*(client.get("/one") for _ in range(60))), timeout=20
        )
    assert [a.status_code for a in answers] == [200] * 60
