"""Where the migrations live, and what counts as a database battery."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.migrations.support import SimpleDatabase

from trellis import App
from trellis.conf import Settings
from trellis.exceptions import ConfigurationError
from trellis.migrations.config import next_number
from trellis.migrations.source import database_of, migrations_root


class ProjectSettings(Settings):
    migrations_dir: str = "db/schema"


def test_the_default_folder_is_beside_the_app_module(tmp_path: Path) -> None:
    app = App()
    app.root_path = tmp_path
    assert migrations_root(app) == tmp_path / "migrations"


def test_setting_battery_then_option_override_the_default(tmp_path: Path) -> None:
    app = App(settings=ProjectSettings())
    app.root_path = tmp_path
    assert migrations_root(app) == tmp_path / "db" / "schema"
    battery = SimpleDatabase({})
    battery.migrations_dir = "elsewhere"  # type: ignore[attr-defined]
    assert migrations_root(app, battery) == tmp_path / "elsewhere"
    assert migrations_root(app, battery, "cli") == tmp_path / "cli"
    assert migrations_root(app, battery, tmp_path.parent / "abs") == tmp_path.parent / "abs"


def test_a_missing_or_foreign_battery_is_explained() -> None:
    app = App()
    with pytest.raises(ConfigurationError, match=r"app.install\(Database"):
        database_of(app)
    app.extensions["db"] = object()
    with pytest.raises(ConfigurationError, match="lacks names"):
        database_of(app)


def test_revision_numbers_follow_the_highest(tmp_path: Path) -> None:
    assert next_number(tmp_path / "absent") == 1
    for name in ("0001_initial.py", "0007_later.py", "notes.py", "12_short.py"):
        (tmp_path / name).write_text("")
    assert next_number(tmp_path) == 8
