"""Read replicas: reads go to a replica, writes and reads after a write to the primary.

The replica files hold different rows from the primary, so where a read went is visible.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine
from tests.db.models_for_tests import TABLES, Base, Writer

from trellis import App
from trellis.db import AsyncSession, Database, Session, select
from trellis.testing import TestClient


def _seed(path: Path, *names: str) -> str:
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    Base.metadata.create_all(engine, tables=TABLES)
    with engine.begin() as connection:
        for name in names:
            connection.execute(Writer.__table__.insert().values(username=name))  # type: ignore[attr-defined]
    engine.dispose()
    return url


@pytest.fixture
def database(tmp_path: Path) -> Any:
    primary = _seed(tmp_path / "primary.db", "on-primary")
    replicas = [_seed(tmp_path / "r1.db", "on-r1"), _seed(tmp_path / "r2.db", "on-r2")]
    app = App()
    db = app.install(Database({"default": {"primary": primary, "replicas": replicas}}))
    yield app, db
    for name in db.names:
        db.engines(name).dispose_sync()


def names(db: Session) -> list[str]:
    return list(db.scalars(select(Writer.username).order_by(Writer.id)))


def test_reads_go_round_robin_to_the_replicas(database: Any) -> None:
    _, db = database
    seen = []
    for _ in range(4):
        with db.session() as session:
            seen.append(names(session))
    assert seen == [["on-r1"], ["on-r2"], ["on-r1"], ["on-r2"]]


def test_plain_model_reads_take_one_turn_each(database: Any) -> None:
    # A plain model's read is offered to the driver first (trellis.db.driver_reads), which
    # declines SQLite; SQLAlchemy then runs it on the replica it was routed to, not the next.
    _, db = database
    seen = []
    for _ in range(2):
        with db.session() as session:
            seen.append([writer.username for writer in session.scalars(select(Writer))])
            session.expunge_all()
            seen.append([session.get(Writer, 1).username])  # type: ignore[union-attr]
    assert seen == [["on-r1"], ["on-r2"], ["on-r1"], ["on-r2"]]


async def test_async_plain_model_reads_take_one_turn_each(database: Any) -> None:
    _, db = database
    seen = []
    async with db.async_session() as session:
        for _ in range(2):
            seen.append([writer.username for writer in await session.scalars(select(Writer))])
            session.expunge_all()
            seen.append([(await session.get(Writer, 1)).username])
            session.expunge_all()
    assert seen == [["on-r1"], ["on-r2"], ["on-r1"], ["on-r2"]]
    await db.dispose()


def test_writes_and_later_reads_go_to_the_primary(database: Any) -> None:
    _, db = database
    with db.session() as session:
        assert names(session) == ["on-r1"]
        session.add(Writer(username="new"))
        session.flush()
        assert names(session) == ["on-primary", "new"]
        assert session.get(Writer, 1).username == "on-primary"  # type: ignore[union-attr]
    with db.session() as session:  # a new unit of work reads from a replica again
        assert names(session) == ["on-r2"]


def test_select_for_update_goes_to_the_primary(database: Any) -> None:
    _, db = database
    with db.session() as session:
        found = session.scalars(select(Writer.username).with_for_update()).all()
        assert found == ["on-primary"]


async def test_async_sessions_route_the_same_way(database: Any) -> None:
    _, db = database
    async with db.async_session() as session:
        assert (await session.scalars(select(Writer.username))).all() == ["on-r1"]
        session.add(Writer(username="async-new"))
        await session.flush()
        rows = (await session.scalars(select(Writer.username).order_by(Writer.id))).all()
        assert rows == ["on-primary", "async-new"]
    await db.dispose()


def test_requests_read_from_replicas(database: Any) -> None:
    app, _ = database

    @app.get("/writers")
    async def writers(db: AsyncSession) -> list[str]:
        return list((await db.scalars(select(Writer.username))).all())

    with TestClient(app) as client:
        assert client.get("/writers").json() == ["on-r1"]
        assert client.get("/writers").json() == ["on-r2"]
