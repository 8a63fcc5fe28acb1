"""Migrations that add, alter and drop columns and constraints, both ways, on every backend."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import URL, text
from tests.migrations.support import dispose, make_app, models_base, read_schema, version_tables

from trellis.migrations import Migrations

HEADER = """
from sqlalchemy import ForeignKey, MetaData, String, Text, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=CONVENTION)
"""

V1 = (
    HEADER
    + """
class Author(Base):
    __tablename__ = "author"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    email: Mapped[str | None] = mapped_column(String(100))
    legacy: Mapped[str | None] = mapped_column(String(20))

class Post(Base):
    __tablename__ = "post"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100), unique=True)
    status: Mapped[str] = mapped_column(String(10), server_default="draft")
    author_id: Mapped[int] = mapped_column(ForeignKey("author.id"))
"""
)

# name widened and indexed, email made required and unique, legacy dropped, bio added;
# post.title no longer unique, a new server default, a new foreign key and a new column;
# a new table.
V2 = (
    HEADER
    + """
class Author(Base):
    __tablename__ = "author"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), index=True)
    email: Mapped[str] = mapped_column(String(100), unique=True)
    bio: Mapped[str | None] = mapped_column(Text)

class Post(Base):
    __tablename__ = "post"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10), server_default="published")
    author_id: Mapped[int] = mapped_column(ForeignKey("author.id"))
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("author.id"))
    featured: Mapped[bool] = mapped_column(server_default=false())

class Tag(Base):
    __tablename__ = "tag"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(30), unique=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"))
"""
)


def _default(column: dict[str, object]) -> str:
    return str(column["default"] or "")


def assert_v1(schema: dict[str, dict[str, object]]) -> None:
    assert set(schema) == {"author", "post"}
    author, post = schema["author"], schema["post"]
    columns = author["columns"]
    assert set(columns) == {"id", "name", "email", "legacy"}  # type: ignore[arg-type]
    assert columns["name"]["type"].length == 50  # type: ignore[index]
    assert columns["email"]["nullable"] is True  # type: ignore[index]
    assert ("email",) not in author["uniques"]  # type: ignore[operator]
    assert ("title",) in post["uniques"]  # type: ignore[operator]
    assert "draft" in _default(post["columns"]["status"])  # type: ignore[index]
    assert post["foreign_keys"] == {(("author_id",), "author")}


def assert_v2(schema: dict[str, dict[str, object]]) -> None:
    assert set(schema) == {"author", "post", "tag"}
    author, post, tag = schema["author"], schema["post"], schema["tag"]
    columns = author["columns"]
    assert set(columns) == {"id", "name", "email", "bio"}  # type: ignore[arg-type]
    assert columns["name"]["type"].length == 80  # type: ignore[index]
    assert columns["email"]["nullable"] is False  # type: ignore[index]
    assert ("email",) in author["uniques"]  # type: ignore[operator]
    assert "ix_author_name" in author["indexes"]  # type: ignore[operator]
    assert ("title",) not in post["uniques"]  # type: ignore[operator]
    assert "published" in _default(post["columns"]["status"])  # type: ignore[index]
    assert "featured" in post["columns"]  # type: ignore[operator]
    assert post["foreign_keys"] == {(("author_id",), "author"), (("editor_id",), "author")}
    assert tag["foreign_keys"] == {(("post_id",), "post")}
    assert ("label",) in tag["uniques"]  # type: ignore[operator]


def test_upgrade_downgrade_upgrade(database_url: URL, tmp_path: Path) -> None:
    v1 = models_base(V1, tmp_path, "models_v1")
    v2 = models_base(V2, tmp_path, "models_v2")
    app1 = make_app(tmp_path, {"default": (database_url, v1.metadata)})
    app2 = make_app(tmp_path, {"default": (database_url, v2.metadata)})
    try:
        first = Migrations(app1)
        path = first.make("create author and post")
        assert path is not None
        assert path.name == "0001_create_author_and_post.py"
        assert path.parent == tmp_path / "migrations" / "default" / "versions"
        first.upgrade()
        engine = first.target.engine
        assert_v1(read_schema(engine))
        assert version_tables(engine) == {"alembic_version"}
        # Nothing was left out and nothing compares wrongly: the next run finds no change.
        assert first.make("nothing") is None
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO author (id, name, email) VALUES (1, 'Ada', 'ada@example.com')")
            )

        second = Migrations(app2)
        path = second.make("Reshape authors & posts!")
        assert path is not None
        assert path.name == "0002_reshape_authors_posts.py"
        second.upgrade()
        assert_v2(read_schema(engine))
        assert second.make() is None
        with engine.connect() as connection:  # the row survived (SQLite rebuilt the table)
            assert connection.execute(text("SELECT name, email FROM author")).one() == (
                "Ada",
                "ada@example.com",
            )

        second.downgrade("-1")
        assert_v1(read_schema(engine))
        assert len(second.current()) == 1
        second.upgrade()
        assert_v2(read_schema(engine))
        assert second.current() == second.heads()

        second.downgrade("base")
        assert read_schema(engine) == {}
        assert second.current() == ()
        second.upgrade("head")
        assert_v2(read_schema(engine))
    finally:
        dispose(app1)
        dispose(app2)


def test_sql_renders_every_backend_without_applying(database_url: URL, tmp_path: Path) -> None:
    base = models_base(V1, tmp_path, "models_v1")
    app = make_app(tmp_path, {"default": (database_url, base.metadata)})
    try:
        migrations = Migrations(app)
        assert migrations.make() is not None
        sql = migrations.sql()
        assert "CREATE TABLE author" in sql
        assert "CREATE TABLE post" in sql
        assert "fk_post_author_id_author" in sql
        assert "INSERT INTO alembic_version" in sql
        assert read_schema(migrations.target.engine) == {}
        assert migrations.current() == ()
        assert [r.name for r in migrations.pending()] == ["0001_initial"]
    finally:
        dispose(app)
