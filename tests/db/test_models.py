"""Model conventions, timestamps and Django-style lookups (run on every backend)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlalchemy.schema import CreateTable
from tests.db.models_for_tests import Article, Note, Writer

from trellis.db import (
    Database,
    ForeignKey,
    InvalidLookup,
    Mapped,
    Model,
    String,
    mapped_column,
    select,
)
from trellis.db.models import table_name_for


class BlogPost(Model):
    slug: Mapped[str] = mapped_column(String(40), index=True, unique=True)
    __table_args__ = (CheckConstraint("length(slug) > 0", name="slug_not_empty"),)


class HTTPLogEntry(Model):
    __tablename__ = "custom_log"
    __database__ = "analytics"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("blog_post.id"))
    __table_args__ = (UniqueConstraint("code", "post_id"), Index(None, "post_id"))


@pytest.mark.parametrize(
    ("name", "table"),
    [
        ("BlogPost", "blog_post"),
        ("HTTPLog", "http_log"),
        ("User", "user"),
        ("Tag2Post", "tag2_post"),
    ],
)
def test_table_names_come_from_class_names(name: str, table: str) -> None:
    assert table_name_for(name) == table


def test_models_get_an_id_unless_they_declare_a_primary_key() -> None:
    assert BlogPost.__tablename__ == "blog_post"
    assert [c.name for c in BlogPost.__table__.primary_key] == ["id"]
    assert BlogPost.__table__.c.keys()[0] == "id"
    assert HTTPLogEntry.__tablename__ == "custom_log"
    assert [c.name for c in HTTPLogEntry.__table__.primary_key] == ["code"]
    assert "id" not in HTTPLogEntry.__table__.c


def test_constraints_and_indexes_are_named_by_convention() -> None:
    post_names = {c.name for c in BlogPost.__table__.constraints} | {
        i.name for i in BlogPost.__table__.indexes
    }
    assert {"pk_blog_post", "ck_blog_post_slug_not_empty", "ix_blog_post_slug"} <= post_names
    log = HTTPLogEntry.__table__
    names = {c.name for c in log.constraints} | {i.name for i in log.indexes}
    assert {
        "pk_custom_log",
        "uq_custom_log_code_post_id",
        "fk_custom_log_post_id_blog_post",
        "ix_custom_log_post_id",
    } <= names
    assert "CONSTRAINT pk_custom_log PRIMARY KEY" in str(CreateTable(log))


def test_metadata_for_splits_the_tables_by_database(tmp_path: Any) -> None:
    from trellis import App

    app = App()
    db = app.install(Database({"default": "sqlite://", "analytics": "sqlite://"}))
    assert "custom_log" in db.metadata_for("analytics").tables
    assert "custom_log" not in db.metadata_for("default").tables
    assert "blog_post" in db.metadata_for("default").tables
    assert db.database_for_model(HTTPLogEntry) == "analytics"


@pytest.fixture
def session(make_app: Any, database_url: str) -> Any:
    app = make_app(database_url)
    with Database.of(app).session() as db:
        ann, bob = Writer(username="ann"), Writer(username="bob")
        db.add_all([ann, bob])
        db.add_all(
            [
                Article(title="Hello 100%", views=10, author=ann, editor=bob),
                Article(title="Second_post", views=20, author=bob, editor=ann),
                Article(title="untitled", views=30),
            ]
        )
        db.flush()
        db.add(Note(body="nice", article_id=db.scalars(Article.where(views=10)).one().id))
    with Database.of(app).session() as db:
        yield db


def titles(session: Any, **lookups: Any) -> list[str]:
    return sorted(a.title for a in session.scalars(Article.where(**lookups)))


def test_timestamps_are_aware_and_follow_changes(session: Any) -> None:
    article = session.scalars(Article.where(views=30)).one()
    session.expire_all()
    article = session.get(Article, article.id)
    assert article.created.tzinfo is not None
    assert abs(article.created - datetime.now(UTC)) < timedelta(minutes=1)
    before = article.updated
    time.sleep(0.01)
    article.title = "titled"
    session.flush()
    session.expire_all()
    assert session.get(Article, article.id).updated > before


def test_lookups(session: Any) -> None:
    assert titles(session, title="untitled") == ["untitled"]
    assert titles(session, title__iexact="HELLO 100%") == ["Hello 100%"]
    assert titles(session, title__contains="100%") == ["Hello 100%"]
    assert titles(session, title__icontains="_POST") == ["Second_post"]  # _ is not a wildcard
    assert titles(session, title__startswith="Sec") == ["Second_post"]
    assert titles(session, title__istartswith="hel") == ["Hello 100%"]
    assert titles(session, title__endswith="titled") == ["untitled"]
    assert titles(session, views__in=[10, 30]) == ["Hello 100%", "untitled"]
    assert titles(session, views__gt=10, views__lte=30) == ["Second_post", "untitled"]
    assert titles(session, views__gte=20, views__lt=30) == ["Second_post"]
    assert titles(session, views__range=(15, 35)) == ["Second_post", "untitled"]
    assert titles(session, author_id__isnull=True) == ["untitled"]
    assert titles(session, author_id__isnull=False) == ["Hello 100%", "Second_post"]


def test_lookups_across_relationships(session: Any) -> None:
    assert titles(session, author__username="ann") == ["Hello 100%"]
    # the same model reached by two paths gets two aliases
    assert titles(session, author__username="ann", editor__username="bob") == ["Hello 100%"]
    assert titles(session, author__username__startswith="b") == ["Second_post"]
    assert titles(session, author__isnull=True) == ["untitled"]
    assert titles(session, notes__body="nice") == ["Hello 100%"]
    assert titles(session, notes__isnull=True) == ["Second_post", "untitled"]
    writers = session.scalars(Writer.where(posts__notes__body__icontains="NIC")).all()
    assert [w.username for w in writers] == ["ann"]
    ann = session.scalars(Writer.where(username="ann")).one()
    assert titles(session, author=ann) == ["Hello 100%"]


def test_where_returns_a_select_to_build_on(session: Any) -> None:
    stmt = Article.where(views__gte=10).order_by(Article.views.desc()).limit(1)
    assert session.scalars(stmt).one().title == "untitled"
    assert session.scalars(select(Article).where(Article.views < 0)).all() == []


@pytest.mark.parametrize(
    ("lookups", "message"),
    [
        ({"nope": 1}, "Article has no field 'nope'"),
        ({"title__sounds_like": "x"}, "unknown lookup 'sounds_like' on Article.title"),
        ({"author__nick": "x"}, "Writer has no field 'nick'"),
        ({"views__range": 3}, "__range needs a (low, high) pair"),
    ],
)
def test_unknown_fields_and_lookups_are_named(lookups: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidLookup) as info:
        Article.where(**lookups)
    assert message in str(info.value)
