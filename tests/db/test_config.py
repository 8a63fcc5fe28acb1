"""Configuration: where URLs come from, which drivers, and the engine options they carry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from trellis import App
from trellis.conf import Settings
from trellis.db import Database
from trellis.db.config import EngineOptions, async_url, configs_from, sync_url
from trellis.db.engines import engine_kwargs
from trellis.exceptions import ConfigurationError


@pytest.mark.parametrize(
    ("url", "sync", "asynchronous"),
    [
        ("sqlite:///app.db", "sqlite+pysqlite", "sqlite+aiosqlite"),
        ("postgresql://h/db", "postgresql+psycopg", "postgresql+asyncpg"),
        ("postgres://h/db", "postgresql+psycopg", "postgresql+asyncpg"),
        ("postgresql+asyncpg://h/db", "postgresql+psycopg", "postgresql+asyncpg"),
        ("mysql://h/db", "mysql+pymysql", "mysql+asyncmy"),
        ("mariadb://h/db", "mariadb+pymysql", "mariadb+asyncmy"),
    ],
)
def test_drivers_come_from_the_backend(url: str, sync: str, asynchronous: str) -> None:
    parsed = make_url(url)
    assert sync_url(parsed).drivername == sync
    assert async_url(parsed).drivername == asynchronous


def test_mappings_give_replicas_and_per_database_options() -> None:
    configs = configs_from(
        {
            "default": {"primary": "postgresql://p/db", "replicas": ["postgresql://r/db"]},
            "analytics": {"url": "sqlite:///a.db", "pool_size": 3},
        },
        EngineOptions(pool_size=10),
    )
    assert configs["default"].replicas[0].host == "r"
    assert configs["default"].options.pool_size == 10
    assert configs["analytics"].options.pool_size == 3


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("oracle://x", "unsupported backend 'oracle'"),
        ({"default": {"replicas": []}}, "needs a 'primary' URL"),
        ({"default": {"primary": "sqlite://", "replicas": "sqlite://"}}, "must be a list"),
        ({"default": {"primary": "sqlite://", "pool_sise": 1}}, "unknown database option"),
        ({"default": 3}, "expected a URL or a mapping"),
        ("not a url", "invalid URL"),
    ],
)
def test_configuration_mistakes_name_the_problem(value: Any, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        configs_from(value, EngineOptions())


def test_statement_timeouts_per_backend() -> None:
    options = EngineOptions(statement_timeout=2.5, pool_size=4)
    pg = engine_kwargs(make_url("postgresql+psycopg://h/d"), options, asynchronous=False)
    assert pg["connect_args"] == {"options": "-c statement_timeout=2500"}
    assert pg["pool_size"] == 4
    apg = engine_kwargs(make_url("postgresql+asyncpg://h/d"), options, asynchronous=True)
    assert apg["connect_args"] == {"server_settings": {"statement_timeout": "2500"}}
    memory = engine_kwargs(make_url("sqlite://"), options, asynchronous=False)
    assert "pool_size" not in memory


def test_sqlite_connections_have_wal_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    app = App()
    db = app.install(Database(f"sqlite:///{tmp_path / 'x.db'}", statement_timeout=1.5))
    with db.sync_engine().connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 1500
    db.engines().dispose_sync()


@pytest.mark.parametrize("backend", ["postgresql", "mysql"])
def test_statement_timeout_reaches_the_server(backend: str) -> None:
    from tests.db.conftest import require_server

    app = App()
    db = app.install(Database(require_server(backend), statement_timeout=3))
    with db.sync_engine().connect() as connection:
        if backend == "postgresql":
            assert connection.execute(text("SHOW statement_timeout")).scalar() == "3s"
        elif "mariadb" in str(connection.execute(text("SELECT VERSION()")).scalar()).lower():
            assert float(connection.execute(text("SELECT @@max_statement_time")).scalar()) == 3
        else:
            assert connection.execute(text("SELECT @@max_execution_time")).scalar() == 3000
    db.engines().dispose_sync()


def test_urls_from_settings_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    class ProjectSettings(Settings):
        databases: dict[str, Any] = {"default": "sqlite:///from-settings.db"}

    app = App(settings=ProjectSettings())
    assert app.install(Database()).url().database == "from-settings.db"

    monkeypatch.setenv(
        "TRELLIS_DATABASES", json.dumps({"default": "sqlite:///e.db", "b": "sqlite://"})
    )
    db = App().install(Database())
    assert db.names == ["default", "b"]
    monkeypatch.delenv("TRELLIS_DATABASES")
    monkeypatch.setenv("TRELLIS_DATABASE_URL", "postgresql://h/site")
    assert App().install(Database()).url().drivername == "postgresql+psycopg"
    monkeypatch.setenv("TRELLIS_DATABASES", "{oops")
    with pytest.raises(ConfigurationError, match="not valid JSON"):
        App().install(Database())


def test_the_battery_is_found_on_the_app() -> None:
    app = App()
    db = app.install(Database("sqlite://"))
    assert Database.of(app) is db is app.extensions["db"] is app.db  # type: ignore[attr-defined]
    with pytest.raises(ConfigurationError, match="No database is installed"):
        Database.of(App())
    with pytest.raises(ConfigurationError, match="No database named 'nope'"):
        db.url("nope")


def test_an_app_without_databases_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRELLIS_DATABASE_URL", raising=False)
    monkeypatch.delenv("TRELLIS_DATABASES", raising=False)
    app = App()
    app.install(Database())
    with pytest.raises(ConfigurationError, match="TRELLIS_DATABASE_URL"):
        app.startup_freeze()
