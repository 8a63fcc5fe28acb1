"""Databases for the migration tests: SQLite always; PostgreSQL and MariaDB when reachable.

Server URLs come from ``TRELLIS_TEST_POSTGRES_URL`` and ``TRELLIS_TEST_MYSQL_URL`` (default: the
local servers).  An unreachable server skips its tests, unless ``TRELLIS_REQUIRE_SERVICES=1``,
which turns the skip into a failure.  Each test gets its own PostgreSQL schema or MariaDB
database, dropped afterwards, so tests never see each other's tables.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import URL, create_engine, make_url, text

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_MYSQL = "mysql+pymysql://root@127.0.0.1:3306/test"


def _server(env: str, default: str, what: str) -> URL:
    url = make_url(os.environ.get(env) or default)
    engine = create_engine(url)
    try:
        with engine.connect():
            pass
    except Exception as exc:
        message = f"{what} at {url.render_as_string()} is unreachable ({type(exc).__name__}: {exc})"
        if os.environ.get("TRELLIS_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{message}; TRELLIS_REQUIRE_SERVICES=1 requires it. Set {env}.")
        pytest.skip(f"{message}; set {env} or start the server")
    finally:
        engine.dispose()
    return url


def _postgres_schema() -> Iterator[URL]:
    server = _server("TRELLIS_TEST_POSTGRES_URL", DEFAULT_POSTGRES, "PostgreSQL")
    schema = f"trellis_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        # Every connection of the test works in the new schema only.
        yield server.update_query_dict({"options": f"-csearch_path={schema}"})
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


def _mysql_database() -> Iterator[URL]:
    server = _server("TRELLIS_TEST_MYSQL_URL", DEFAULT_MYSQL, "MariaDB/MySQL")
    name = f"trellis_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE `{name}`"))
        yield server.set(database=name)
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE `{name}`"))
    finally:
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[URL]:
    """A fresh, empty database of each backend."""
    if request.param == "sqlite":
        yield make_url(f"sqlite:///{tmp_path / 'test.db'}")
    elif request.param == "postgresql":
        yield from _postgres_schema()
    else:
        yield from _mysql_database()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> URL:
    return make_url(f"sqlite:///{tmp_path / 'test.db'}")


@pytest.fixture(autouse=True)
def isolated_imports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Apps are discovered in the test's own directory; its modules are forgotten afterwards."""
    modules = set(sys.modules)
    path = list(sys.path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRELLIS_APP", raising=False)
    yield
    for name in set(sys.modules) - modules:
        file = str(getattr(sys.modules[name], "__file__", None) or "")
        if file.startswith(str(tmp_path)) or name.startswith("_models_"):
            del sys.modules[name]
    sys.path[:] = path
