"""Backends for the database tests: SQLite always, PostgreSQL and MariaDB/MySQL when reachable.

``TRELLIS_TEST_POSTGRES_URL`` / ``TRELLIS_TEST_MYSQL_URL`` point at the servers (defaults: the
local ones).  An unreachable server skips its tests, unless ``TRELLIS_REQUIRE_SERVICES=1``, which
turns the skip into a failure so CI cannot pass by testing nothing.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from tests.db.models_for_tests import TABLES, Base

from trellis import App
from trellis.db import Database
from trellis.db.config import parse_url, sync_url

DEFAULT_URLS = {
    "postgresql": "postgresql://postgres@127.0.0.1:5432/test",
    "mysql": "mysql://root@127.0.0.1:3306/test",
}
ENV = {"postgresql": "TRELLIS_TEST_POSTGRES_URL", "mysql": "TRELLIS_TEST_MYSQL_URL"}


def server_url(backend: str) -> str:
    return os.environ.get(ENV[backend]) or DEFAULT_URLS[backend]


@functools.cache
def _unreachable(url: str) -> str | None:
    """Why ``url`` cannot be used, or None when a connection works."""
    engine = create_engine(sync_url(parse_url(url, "test")), poolclass=None)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    finally:
        engine.dispose()
    return None


def require_server(backend: str) -> str:
    url = server_url(backend)
    reason = _unreachable(url)
    if reason is not None:
        message = f"{backend} at {url} is unreachable ({reason}); set {ENV[backend]}"
        if os.environ.get("TRELLIS_REQUIRE_SERVICES") == "1":
            pytest.fail(f"TRELLIS_REQUIRE_SERVICES=1 but {message}", pytrace=False)
        pytest.skip(message)
    return url


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL for each backend (a fresh SQLite file per test)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return require_server(request.param)


@pytest.fixture
def make_app() -> Iterator[object]:
    """``make_app(url_or_mapping, **options)``: an App with a Database whose test tables exist
    (created here, dropped afterwards)."""
    made: list[Database] = []

    def build(databases: object, **options: object) -> App:
        app = App()
        database = app.install(Database(databases, model=Base, **options))  # type: ignore[arg-type]
        for name in database.names:
            Base.metadata.create_all(database.sync_engine(name), tables=TABLES)
        made.append(database)
        return app

    yield build
    for database in made:
        database.pinned = None
        for name in database.names:
            Base.metadata.drop_all(database.sync_engine(name), tables=TABLES)
            database.engines(name).dispose_sync()
