"""The example of docs/migrations.md: a small blog whose schema is kept by migrations.

Its migrations are in ``migrations/default/versions/``: ``0001_initial`` created the two tables,
``0002_add_published_to_post`` added ``Post.published`` after the model gained it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import false

from trellis import App
from trellis.db import (
    Database,
    ForeignKey,
    Mapped,
    Model,
    Session,
    String,
    Text,
    mapped_column,
    relationship,
    select,
)

HERE = Path(__file__).resolve().parent

app = App(__name__)
# Beside this file, whatever directory `trellis db ...` runs from.
app.install(Database(f"sqlite:///{HERE / 'blog.db'}"))


class Author(Model):
    name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str] = mapped_column(String(200), unique=True)


class Post(Model):
    title: Mapped[str] = mapped_column(String(200), index=True)
    body: Mapped[str] = mapped_column(Text, default="")
    # Added after 0001_initial; `trellis db makemigrations` wrote 0002 for it.
    published: Mapped[bool] = mapped_column(default=False, server_default=false())
    author_id: Mapped[int] = mapped_column(ForeignKey("author.id"))
    author: Mapped[Author] = relationship()


@app.get("/posts")
def posts(db: Session) -> list[dict[str, Any]]:
    query = select(Post).where(Post.published).order_by(Post.id)
    return [{"title": post.title, "author": post.author.name} for post in db.scalars(query)]
