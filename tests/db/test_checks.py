"""``trellis check`` findings for database setups (db.E001...)."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from trellis import App, Blueprint
from trellis.checks import CheckMessage
from trellis.db import Database
from trellis.db.checks import database_checks, migrations_check


def ids(app: App, deploy: bool = False) -> list[str]:
    return [m.id for m in database_checks(app, deploy)]


def test_no_database_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRELLIS_DATABASE_URL", raising=False)
    monkeypatch.delenv("TRELLIS_DATABASES", raising=False)
    app = App()
    app.install(Database())
    assert ids(app) == ["db.E001"]


def test_sqlite_file_in_a_missing_folder(tmp_path: Path) -> None:
    app = App()
    app.install(
        Database({"default": f"sqlite:///{tmp_path}/ok.db", "b": f"sqlite:///{tmp_path}/no/b.db"})
    )
    found = [m for m in database_checks(app, False) if m.id == "db.E002"]
    assert len(found) == 1
    assert "'b'" in found[0].message


def test_memory_sqlite_is_a_deploy_warning() -> None:
    app = App()
    app.install(Database({"default": "sqlite://", "analytics": "sqlite://"}))
    assert "db.W001" not in ids(app)
    assert "db.W001" in ids(app, deploy=True)


def test_models_bound_to_unknown_databases() -> None:
    app = App()
    app.install(Database("sqlite://"))
    # tests/db/test_models.py binds a model to "analytics"; import it so the registry has it
    import tests.db.test_models  # noqa: F401

    messages = [m for m in database_checks(app, False) if m.id == "db.E003"]
    assert any("'analytics'" in m.message for m in messages)


def test_blueprint_bindings_are_checked() -> None:
    app = App()
    app.install(Database("sqlite://", blueprints={"stats": "analytics", "ghost": "default"}))
    app.register(Blueprint("stats", __name__))
    messages = [str(m) for m in database_checks(app, False) if m.id == "db.E004"]
    assert any("unknown database 'analytics'" in m for m in messages)
    assert any("'ghost', which is not registered" in m for m in messages)


def test_blueprints_bind_their_packages_models(tmp_path: Path) -> None:
    app = App()
    db = app.install(
        Database(
            {"default": "sqlite://", "analytics": "sqlite://"}, blueprints={"stats": "analytics"}
        )
    )
    app.register(Blueprint("stats", "tests.db.test_checks"))
    here = type("Model", (), {"__module__": "tests.db.test_checks"})
    elsewhere = type("Model", (), {"__module__": "tests.other"})
    assert db.database_for_model(here) == "analytics"
    assert db.database_for_model(elsewhere) == "default"


def test_the_migrations_check_runs_when_present(monkeypatch: pytest.MonkeyPatch) -> None:
    app = App()
    app.install(Database("sqlite://"))
    assert migrations_check in app.checks
    module = types.ModuleType("trellis.migrations.checks")
    message = CheckMessage("migrations.W001", "warning", "models changed")
    module.migrations_check = lambda app, deploy: [message]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "trellis.migrations.checks", module)
    assert list(migrations_check(app, False)) == [message]
    monkeypatch.setitem(sys.modules, "trellis.migrations.checks", None)  # absent: nothing
    assert list(migrations_check(app, False)) == []
