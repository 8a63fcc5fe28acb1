"""Database backends for the model-form tests: SQLite always, PostgreSQL and MariaDB when up
(``TRELLIS_REQUIRE_SERVICES=1`` turns their absence into a failure, as in tests/db)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.db.conftest import require_server
from tests.forms.models import TABLES

from trellis import App
from trellis.db import Database, Model
from trellis.forms import Forms

MakeApp = Callable[..., App]


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'forms.db'}"
    return require_server(request.param)


@pytest.fixture
def make_app(database_url: str) -> Iterator[MakeApp]:
    """``make_app(**forms_options)``: an App with the database (test tables created, dropped
    afterwards) and ``Forms(**forms_options)``."""
    made: list[Database] = []

    def build(**options: Any) -> App:
        app = App()
        database = app.install(Database(database_url))
        app.install(Forms(**options))
        engine = database.sync_engine()
        Model.metadata.drop_all(engine, tables=TABLES)
        Model.metadata.create_all(engine, tables=TABLES)
        made.append(database)
        return app

    yield build
    for database in made:
        Model.metadata.drop_all(database.sync_engine(), tables=TABLES)
        database.engines().dispose_sync()
