"""Apps with the auth battery on a real database: SQLite always, PostgreSQL and MariaDB when up.

PostgreSQL and MariaDB get one database of the run's own (dropped at the end), so the suite never
meets tables another run or another battery's tests left behind; each test recreates the auth
tables in it.  ``make_app(url, **options)``
builds an App with a Database, the memory mail backend and Auth, creates the auth tables, and
disposes of everything after the test.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, make_url, text
from tests.auth.support import AUTH_TABLES, site_settings
from tests.db.conftest import require_server

from trellis import App
from trellis.auth import Auth
from trellis.conf import Settings
from trellis.db import Database, Model
from trellis.mail import Mail

MakeApp = Callable[..., App]


def _own_database(backend: str) -> Iterator[str]:
    server = make_url(require_server(backend))
    name = f"trellis_auth_{uuid.uuid4().hex[:10]}"
    if backend == "postgresql":
        admin_url = server.set(drivername="postgresql+psycopg")
        create, drop = f'CREATE DATABASE "{name}"', f'DROP DATABASE "{name}" WITH (FORCE)'
    else:
        admin_url = server.set(drivername="mysql+pymysql")
        create, drop = f"CREATE DATABASE `{name}`", f"DROP DATABASE `{name}`"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(create))
        yield server.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.execute(text(drop))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def server_databases() -> Iterator[dict[str, str]]:
    """One database per server backend for the whole run, made on first use; each test starts
    from freshly created auth tables (see ``make_app``), which is faster than a database each."""
    made: dict[str, str] = {}
    cleanups: list[Iterator[str]] = []

    def get(backend: str) -> str:
        if backend not in made:
            maker = _own_database(backend)
            made[backend] = next(maker)
            cleanups.append(maker)
        return made[backend]

    yield get  # type: ignore[misc]
    for maker in cleanups:
        next(maker, None)


@pytest.fixture
def empty_database(server_databases: Any, tmp_path: Path) -> Callable[[str], str]:
    """``empty_database(backend)``: a URL whose auth tables ``make_app`` creates afresh."""

    def url(backend: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{tmp_path / 'auth.db'}"
        return str(server_databases(backend))

    return url


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def database_url(request: pytest.FixtureRequest, empty_database: Callable[[str], str]) -> str:
    """A database of each backend."""
    return empty_database(request.param)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'auth.db'}"


@pytest.fixture
def make_app() -> Iterator[MakeApp]:
    made: list[Database] = []

    def build(
        url: str,
        *,
        site: Settings | None = None,
        import_name: str | None = None,
        mail: bool = True,
        **auth_options: Any,
    ) -> App:
        app = App(import_name, settings=site if site is not None else site_settings())
        database = app.install(Database(url))
        if mail:
            app.install(Mail("memory"))
        app.install(Auth(**auth_options))
        engine = database.sync_engine()
        Model.metadata.drop_all(engine, tables=AUTH_TABLES)  # what an earlier test left
        Model.metadata.create_all(engine, tables=AUTH_TABLES)
        made.append(database)
        return app

    yield build
    for database in made:
        database.pinned = None
        database.engines().dispose_sync()
