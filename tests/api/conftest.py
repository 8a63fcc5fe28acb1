"""Database backends for the SQL pagination tests: SQLite always, PostgreSQL and MariaDB when
up (``TRELLIS_REQUIRE_SERVICES=1`` turns their absence into a failure, as in tests/db)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests.api.models import TABLES
from tests.db.conftest import require_server

from trellis import App
from trellis.api import Pagination
from trellis.db import Database, Model


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'api.db'}"
    return require_server(request.param)


@pytest.fixture
def make_app(database_url: str) -> Iterator[Callable[[], App]]:
    """``make_app()``: an App with the database (test tables made, dropped afterwards) and
    ``Pagination(default_limit=4)``."""
    made: list[Database] = []

    def build() -> App:
        app = App()
        database = app.install(Database(database_url))
        app.install(Pagination(default_limit=4))
        engine = database.sync_engine()
        Model.metadata.drop_all(engine, tables=TABLES)
        Model.metadata.create_all(engine, tables=TABLES)
        made.append(database)
        return app

    yield build
    for database in made:
        Model.metadata.drop_all(database.sync_engine(), tables=TABLES)
        database.engines().dispose_sync()
