"""``trellis db ...`` through click, on SQLite: files, messages, histories, several databases."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, inspect

from trellis.db.cli import db
from trellis.migrations import config as migration_config
from trellis.migrations.config import format_revision

APP = """
from pathlib import Path

from tests.migrations.support import SimpleDatabase
from trellis import App

import models

HERE = Path(__file__).parent
app = App(__name__)
app.install(SimpleDatabase({
    "default": (f"sqlite:///{HERE / 'main.db'}", models.Base.metadata),
    "analytics": (f"sqlite:///{HERE / SECOND}", models.Events.metadata),
}))
"""

MODELS = """
from sqlalchemy import MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

class Base(DeclarativeBase):
    pass

class Events(DeclarativeBase):
    metadata = MetaData()

class Author(Base):
    __tablename__ = "author"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
EXTRA

class Hit(Events):
    __tablename__ = "hit"
    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String(200))
"""

BIO = """    bio: Mapped[str | None] = mapped_column(String(200))"""


def write_project(root: Path, *, extra: str = "", second: str = "analytics.db") -> None:
    """Write the app and its models, and forget any earlier import of them."""
    (root / "app.py").write_text(APP.replace("SECOND", repr(second)))
    (root / "models.py").write_text(MODELS.replace("EXTRA", extra))
    for name in ("app", "models"):
        module = sys.modules.pop(name, None)
        if module is not None and hasattr(module, "app"):
            module.app.extensions["db"].dispose()


def run(*args: str) -> Result:
    return CliRunner().invoke(db, list(args), catch_exceptions=False)


def versions(root: Path, database: str = "default") -> list[str]:
    folder = root / "migrations" / database / "versions"
    return sorted(p.name for p in folder.glob("*.py"))


def test_the_whole_cycle(tmp_path: Path) -> None:
    write_project(tmp_path)
    made = run("makemigrations", "-m", "Create authors")
    assert made.exit_code == 0, made.output
    assert "0001_create_authors.py" in made.output
    assert versions(tmp_path) == ["0001_create_authors.py"]

    current = run("current")
    assert "has no migration applied (base)" in current.output
    migrated = run("migrate")
    assert migrated.output == "Applied 0001_create_authors\n"
    again = run("migrate")
    assert "Nothing to apply" in again.output
    first_id = run("current").output.split()[0]
    assert run("current").output == f"{first_id}  0001_create_authors (head)\n"

    write_project(tmp_path, extra=BIO)
    made = run("makemigrations")  # no message: the slug says so
    assert "0002_auto.py" in made.output
    history = run("history").output.splitlines()
    assert len(history) == 2
    assert history[0].split()[:2] == [first_id, "0001_create_authors"]
    assert history[0].endswith("Create authors")
    assert history[1].split()[1:3] == ["0002_auto", "(head)"]

    assert run("migrate").output == "Applied 0002_auto\n"
    down = run("downgrade", "-1")
    assert down.output == f"Database 'default' is now at {first_id}.\n"
    assert run("downgrade", "base").output == "Database 'default' is now at base.\n"
    assert run("migrate").output == "Applied 0001_create_authors\nApplied 0002_auto\n"


def test_no_changes_writes_nothing(tmp_path: Path) -> None:
    write_project(tmp_path)
    run("makemigrations")
    run("migrate")
    result = run("makemigrations", "-m", "again")
    assert result.output == "No changes detected in database 'default'.\n"
    assert versions(tmp_path) == ["0001_initial.py"]


def test_an_empty_project_gets_no_folder_until_there_is_a_change(tmp_path: Path) -> None:
    write_project(tmp_path)
    # The analytics models live in their own database; default is empty of them.
    (tmp_path / "models.py").write_text(
        "from sqlalchemy.orm import DeclarativeBase\n"
        "class Base(DeclarativeBase): pass\n"
        "class Events(DeclarativeBase): pass\n"
    )
    result = run("makemigrations")
    assert "No changes detected" in result.output
    assert not (tmp_path / "migrations").exists()


def test_sql_prints_the_migrations_without_touching_the_database(tmp_path: Path) -> None:
    write_project(tmp_path)
    run("makemigrations", "-m", "first")
    write_project(tmp_path, extra=BIO)
    # A database behind its migrations cannot be diffed; the message says what to run.
    refused = CliRunner().invoke(db, ["makemigrations"])
    assert refused.exit_code == 1
    assert "not at its latest migration" in refused.output
    assert "trellis db migrate" in refused.output

    run("migrate")
    run("makemigrations", "-m", "add bio")
    engine = create_engine(f"sqlite:///{tmp_path / 'main.db'}")
    try:
        before = [c["name"] for c in inspect(engine).get_columns("author")]
        sql = run("sql")
        assert sql.exit_code == 0
        assert "CREATE TABLE author" in sql.output
        assert "ALTER TABLE author ADD COLUMN bio VARCHAR(200)" in sql.output
        assert "INSERT INTO alembic_version" in sql.output
        first_id = run("current").output.split()[0]
        only_second = run("sql", f"{first_id}:head").output
        assert "CREATE TABLE author" not in only_second
        assert "ADD COLUMN bio" in only_second
        after = [c["name"] for c in inspect(engine).get_columns("author")]
        assert after == before == ["id", "name"]  # nothing was applied
    finally:
        engine.dispose()


def test_each_database_keeps_its_own_history(tmp_path: Path) -> None:
    # Both databases in one file: separate version tables, and neither drops the other's tables.
    write_project(tmp_path, second="main.db")
    assert "0001_initial.py" in run("makemigrations").output
    assert "0001_initial.py" in run("makemigrations", "--database", "analytics").output
    assert versions(tmp_path) == ["0001_initial.py"]
    assert versions(tmp_path, "analytics") == ["0001_initial.py"]
    assert run("migrate").output == "Applied 0001_initial\n"
    assert "Applied" in run("migrate", "--database", "analytics").output

    engine = create_engine(f"sqlite:///{tmp_path / 'main.db'}")
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert tables == {"author", "hit", "alembic_version", "alembic_version_analytics"}
    for database in ("default", "analytics"):
        result = run("makemigrations", "--database", database)
        assert "No changes detected" in result.output
    default_id = run("current").output.split()[0]
    analytics = run("history", "--database", "analytics").output
    assert default_id not in analytics
    run("downgrade", "base", "--database", "analytics")
    assert run("current").output.startswith(default_id)  # the other history is untouched


def test_unknown_database_and_missing_battery_are_clear_errors(tmp_path: Path) -> None:
    write_project(tmp_path)
    result = CliRunner().invoke(db, ["history", "--database", "nope"])
    assert result.exit_code == 1
    assert "No database named 'nope'; this app has: 'default', 'analytics'" in result.output

    (tmp_path / "bare.py").write_text("from trellis import App\napp = App()\n")
    result = CliRunner().invoke(db, ["migrate", "--app", "bare.py"])
    assert result.exit_code == 1
    assert "This app has no database" in result.output


def test_directory_option_moves_the_migrations(tmp_path: Path) -> None:
    write_project(tmp_path)
    result = run("makemigrations", "--directory", "db/schema")
    assert "0001_initial.py" in result.output
    assert (tmp_path / "db" / "schema" / "default" / "versions" / "0001_initial.py").is_file()
    assert not (tmp_path / "migrations").exists()
    assert "0001_initial" in run("history", "--directory", "db/schema").output
    assert "No migrations in" in run("history").output


def test_a_database_that_cannot_be_opened_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "models.py").write_text(MODELS.replace("EXTRA", ""))
    (tmp_path / "broken.py").write_text(
        "from tests.migrations.support import SimpleDatabase\n"
        "from trellis import App\n"
        "import models\n"
        "app = App(__name__)\n"
        "app.install(SimpleDatabase({'default': "
        "('sqlite:////nonexistent/dir/x.db', models.Base.metadata)}))\n"
    )
    result = CliRunner().invoke(db, ["makemigrations", "--app", "broken.py"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: the database cannot be used: unable to open database")
    assert "Traceback" not in result.output


def _ruff_format_check(path: Path) -> int:
    checked = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--quiet", str(path)], check=False
    )
    return checked.returncode


def test_a_new_revision_is_formatted_like_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(tmp_path)
    assert run("makemigrations", "-m", "Create authors").exit_code == 0
    folder = tmp_path / "migrations" / "default" / "versions"
    assert _ruff_format_check(folder / "0001_create_authors.py") == 0
    assert run("migrate").exit_code == 0
    # the hook is what formats it: what Alembic writes by itself is not
    monkeypatch.setattr(migration_config, "_FORMATTERS", ())
    write_project(tmp_path, extra=BIO)
    assert run("makemigrations", "-m", "Add bio").exit_code == 0
    unformatted = folder / "0002_add_bio.py"
    assert _ruff_format_check(unformatted) == 1
    monkeypatch.undo()
    assert format_revision(str(unformatted)) == "ruff"
    assert _ruff_format_check(unformatted) == 0


def test_a_project_without_a_formatter_keeps_alembics_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(migration_config, "_FORMATTERS", (("no-such-formatter", []),))
    path = tmp_path / "rev.py"
    path.write_text("x = [1,\n   2]\n")
    assert format_revision(str(path)) is None
    assert path.read_text() == "x = [1,\n   2]\n"
