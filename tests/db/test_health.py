"""Readiness of the database battery: each database is pinged and its migrations compared.

The failure case of issue 4: a database that is down at start-up gives a clear log line, the app
still starts and answers ``/health/ready`` with 503, and is ready again once the database is back.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy.orm import DeclarativeBase
from tests.support.servers import free_port

from trellis import App
from trellis.db import Database, Mapped, mapped_column
from trellis.health import Health
from trellis.testing import TestClient


class HealthBase(DeclarativeBase):
    pass


class HealthThing(HealthBase):
    __tablename__ = "health_thing"
    id: Mapped[int] = mapped_column(primary_key=True)


def test_ready_pings_each_configured_database(make_app: Any) -> None:
    app = make_app({"default": "sqlite:///:memory:"})
    app.install(Health())
    with TestClient(app) as client:
        response = client.get("/health/ready")
    assert response.status_code == 200, response.text
    checks = response.json()["checks"]
    assert checks["database:default"]["ok"] is True
    assert checks["migrations:default"]["ok"] is True


def test_ready_on_every_backend(database_url: str, make_app: Any) -> None:
    app = make_app(database_url)
    app.install(Health())
    with TestClient(app) as client:
        response = client.get("/health/ready")
    assert response.status_code == 200, response.text
    assert response.json()["checks"]["database:default"]["ok"] is True


@pytest.mark.parametrize("scheme", ["postgresql", "mysql"])
def test_a_database_down_at_startup_gives_503_not_a_crash(
    scheme: str, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()  # nothing listens there
    user = "postgres" if scheme == "postgresql" else "root"
    app = App()
    app.install(Database({"default": f"{scheme}://{user}@127.0.0.1:{port}/test"}))
    app.install(Health())
    caplog.set_level(logging.ERROR, logger="trellis")
    with TestClient(app) as client:
        assert client.get("/health/live").status_code == 200
        response = client.get("/health/ready")
    assert response.status_code == 503
    detail = response.json()["checks"]["database:default"]["detail"]
    assert detail  # the driver's reason, e.g. connection refused
    assert any("unreachable" in r.getMessage() for r in caplog.records)


def test_pending_migrations_make_the_app_not_ready(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trellis.migrations import Migrations

    monkeypatch.chdir(tmp_path)  # an App without import name keeps migrations/ in the cwd
    url = f"sqlite:///{tmp_path / 'app.db'}"
    app = App()
    database = app.install(Database(url, model=HealthBase))
    app.install(Health())
    migrations = Migrations(app)
    migrations.make("create thing")
    with TestClient(app) as client:
        pending = client.get("/health/ready")
        migrations.upgrade()
        applied = client.get("/health/ready")
    database.engines("default").dispose_sync()
    assert pending.status_code == 503
    assert "1 migration(s) not applied" in pending.json()["checks"]["migrations:default"]["detail"]
    assert applied.status_code == 200, applied.text
