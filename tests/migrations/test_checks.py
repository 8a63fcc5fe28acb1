"""``trellis check`` findings about migrations."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import URL
from tests.migrations.support import dispose, make_app, models_base

from trellis import App
from trellis.checks import CheckMessage, run_checks
from trellis.migrations import Migrations, migrations_check

MODELS = """
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

class Base(DeclarativeBase):
    pass

class Author(Base):
    __tablename__ = "author"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
EXTRA
"""
MORE = """
    bio: Mapped[str | None] = mapped_column(String(200))

class Book(Base):
    __tablename__ = "book"
    id: Mapped[int] = mapped_column(primary_key=True)
"""


def findings(app: App) -> list[CheckMessage]:
    return list(migrations_check(app, False))


def ids(app: App) -> list[str]:
    return [f.id for f in findings(app)]


def test_an_app_without_a_database_has_nothing_to_check() -> None:
    assert findings(App()) == []


def test_from_no_migration_to_up_to_date(sqlite_url: URL, tmp_path: Path) -> None:
    base = models_base(MODELS.replace("EXTRA", ""), tmp_path, "v1")
    app = make_app(tmp_path, {"default": (sqlite_url, base.metadata)})
    try:
        [finding] = findings(app)
        assert finding.id == "migrations.W001"
        assert finding.level == "warning"
        assert "no migration exists yet" in finding.message
        assert "trellis db makemigrations" in (finding.hint or "")

        migrations = Migrations(app)
        migrations.make()
        [finding] = findings(app)
        assert finding.id == "migrations.W002"
        assert "1 migration(s) not applied (0001_initial)" in finding.message
        assert finding.hint == "run `trellis db migrate`"

        migrations.upgrade()
        assert findings(app) == []
        # The core runs it once the database battery registers it.
        app.add_check(migrations_check)
        assert [f.id for f in run_checks(app) if f.id.startswith("migrations.")] == []
    finally:
        dispose(app)


def test_models_ahead_of_the_migrations(sqlite_url: URL, tmp_path: Path) -> None:
    v1 = models_base(MODELS.replace("EXTRA", ""), tmp_path, "v1")
    v2 = models_base(MODELS.replace("EXTRA", MORE), tmp_path, "v2")
    old = make_app(tmp_path, {"default": (sqlite_url, v1.metadata)})
    new = make_app(tmp_path, {"default": (sqlite_url, v2.metadata)})
    try:
        Migrations(old).make()
        Migrations(old).upgrade()
        [finding] = findings(new)
        assert finding.id == "migrations.W001"
        assert "add_table book" in finding.message
        assert "add_column author.bio" in finding.message
    finally:
        dispose(old)
        dispose(new)


def test_an_unreachable_database_is_a_warning(tmp_path: Path) -> None:
    base = models_base(MODELS.replace("EXTRA", ""), tmp_path, "v1")
    good = make_app(tmp_path, {"default": (f"sqlite:///{tmp_path / 'ok.db'}", base.metadata)})
    bad_url = f"sqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}"
    bad = make_app(tmp_path, {"default": (bad_url, base.metadata)})
    try:
        Migrations(good).make()
        [finding] = findings(bad)
        assert finding.id == "migrations.E001"
        assert finding.level == "warning"
        assert "could not reach database 'default'" in finding.message
        assert "OperationalError" in finding.message
    finally:
        dispose(good)
        dispose(bad)


def test_two_heads(sqlite_url: URL, tmp_path: Path) -> None:
    base = models_base(MODELS.replace("EXTRA", ""), tmp_path, "v1")
    app = make_app(tmp_path, {"default": (sqlite_url, base.metadata)})
    try:
        migrations = Migrations(app)
        first = migrations.make()
        assert first is not None
        parent = migrations.heads()[0]
        for rev in ("aaaa", "bbbb"):
            (first.parent / f"0002_{rev}.py").write_text(
                f"revision = {rev!r}\ndown_revision = {parent!r}\n"
                "branch_labels = None\ndepends_on = None\n"
                "def upgrade():\n    pass\ndef downgrade():\n    pass\n"
            )
        [finding] = findings(app)
        assert finding.id == "migrations.W003"
        assert "aaaa" in finding.message
        assert "bbbb" in finding.message
    finally:
        dispose(app)


def test_a_second_database_is_named_in_the_hint(tmp_path: Path) -> None:
    base = models_base(MODELS.replace("EXTRA", ""), tmp_path, "v1")
    other = models_base(MODELS.replace("EXTRA", "").replace("author", "hit"), tmp_path, "v2")
    app = make_app(
        tmp_path,
        {
            "default": (f"sqlite:///{tmp_path / 'a.db'}", base.metadata),
            "analytics": (f"sqlite:///{tmp_path / 'b.db'}", other.metadata),
        },
    )
    try:
        Migrations(app).make()
        Migrations(app).upgrade()
        [finding] = findings(app)
        assert finding.id == "migrations.W001"
        assert "database 'analytics'" in finding.message
        assert "--database analytics" in (finding.hint or "")
    finally:
        dispose(app)
