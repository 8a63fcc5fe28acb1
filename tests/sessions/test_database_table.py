"""The sessions table is a table like the models': migrations create it, expiry is enforced."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import MetaData, select, update
from sqlalchemy.orm import DeclarativeBase

from trellis import App
from trellis.db import Database, Model
from trellis.migrations import Migrations
from trellis.sessions import Sessions
from trellis.sessions.backends.database import DatabaseBackend
from trellis.testing import TestClient

from .conftest import add_session_routes, settings


class Base(DeclarativeBase):
    metadata = MetaData()


def make(tmp_path: Path, *, sessions_first: bool = False) -> tuple[App, DatabaseBackend]:
    app = App(settings=settings(migrations_dir=str(tmp_path / "migrations")))
    app.root_path = tmp_path
    backend = DatabaseBackend()
    database = Database(f"sqlite:///{tmp_path / 'site.db'}", model=Base)
    if sessions_first:
        app.install(Sessions(backend))
        app.install(database)
    else:
        app.install(database)
        app.install(Sessions(backend))
    add_session_routes(app)
    return app, backend


def test_migrations_create_the_sessions_table(tmp_path: Path) -> None:
    app, backend = make(tmp_path)
    assert "trellis_session" in Database.of(app).metadata_for("default").tables
    migrations = Migrations(app)
    path = migrations.make("sessions")
    assert path is not None
    assert "trellis_session" in path.read_text()
    migrations.upgrade()
    assert migrations.changes() == []  # the migration made exactly the declared table
    try:
        with TestClient(app) as client:
            client.get("/set", params={"k": "user", "v": "ann"})
            assert client.get("/get").json() == {"user": "ann"}
        table = backend.table
        assert table is not None
        with Database.of(app).sync_engine().connect() as connection:
            rows = connection.execute(select(table.c.session_key, table.c.expires)).all()
        assert len(rows) == 1
        left = rows[0].expires - datetime.now(UTC)
        assert timedelta(days=13) < left <= timedelta(days=14)
    finally:
        Database.of(app).engines().dispose_sync()


def test_installed_before_the_database_the_table_follows_its_model(tmp_path: Path) -> None:
    app, backend = make(tmp_path, sessions_first=True)
    try:
        assert "trellis_session" in Model.metadata.tables  # no Database known at install
        app.startup_freeze()
        assert backend.table is not None
        assert backend.table.metadata is Base.metadata
        assert "trellis_session" not in Model.metadata.tables  # moved, not copied
    finally:
        leftover = Model.metadata.tables.get("trellis_session")
        if leftover is not None:
            Model.metadata.remove(leftover)
        Database.of(app).engines().dispose_sync()


def test_expired_rows_are_ignored_deleted_and_cleared(tmp_path: Path) -> None:
    app, backend = make(tmp_path)
    table = backend.table
    assert table is not None
    engine = Database.of(app).sync_engine()
    table.create(engine)
    try:
        with TestClient(app) as client:
            client.get("/set", params={"k": "user", "v": "ann"})
            client.get("/login")  # a second row, then the first is deleted: one row
            with engine.begin() as connection:
                past = datetime.now(UTC) - timedelta(seconds=1)
                connection.execute(update(table).values(expires=past))
            assert client.get("/get").json() == {}
            with engine.connect() as connection:
                assert connection.execute(select(table.c.session_key)).all() == []
            client.cookies.clear()
            client.get("/set", params={"k": "a", "v": "1"})
            with engine.begin() as connection:
                connection.execute(update(table).values(expires=past))

            async def clear() -> int:
                return await backend.clear_expired()

            assert client._portal.call(clear()) == 1
    finally:
        Database.of(app).engines().dispose_sync()
