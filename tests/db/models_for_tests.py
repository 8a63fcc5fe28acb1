"""Models shared by the database tests; table names carry a per-run suffix so concurrent runs
against the same PostgreSQL or MariaDB database do not collide."""

from __future__ import annotations

import uuid

from trellis.db import (
    ForeignKey,
    Mapped,
    Model,
    String,
    Timestamped,
    mapped_column,
    relationship,
)

RUN = uuid.uuid4().hex[:8]
Base = Model


class Writer(Model):
    __tablename__ = f"writer_{RUN}"

    username: Mapped[str] = mapped_column(String(50), unique=True)
    posts: Mapped[list[Article]] = relationship(
        back_populates="author", foreign_keys="Article.author_id"
    )


class Article(Model, Timestamped):
    __tablename__ = f"article_{RUN}"

    title: Mapped[str] = mapped_column(String(100))
    views: Mapped[int] = mapped_column(default=0)
    author_id: Mapped[int | None] = mapped_column(ForeignKey(f"writer_{RUN}.id"))
    editor_id: Mapped[int | None] = mapped_column(ForeignKey(f"writer_{RUN}.id"))
    author: Mapped[Writer | None] = relationship(back_populates="posts", foreign_keys=[author_id])
    editor: Mapped[Writer | None] = relationship(foreign_keys=[editor_id])
    notes: Mapped[list[Note]] = relationship(back_populates="article")


class Note(Model):
    __tablename__ = f"note_{RUN}"

    body: Mapped[str] = mapped_column(String(200))
    article_id: Mapped[int] = mapped_column(ForeignKey(f"article_{RUN}.id"))
    article: Mapped[Article] = relationship(back_populates="notes")


class Counter(Model):
    """A row two transactions fight over in the retry test."""

    __tablename__ = f"counter_{RUN}"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


TABLES = [m.__table__ for m in (Writer, Article, Note, Counter)]  # type: ignore[attr-defined]
