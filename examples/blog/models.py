"""The blog's models: posts, their comments, and tags shared between posts.

The tables carry the blueprint's name (``blog_posts``, ...), as a Django app's do, so the blog can
share a database with other apps that have a ``post`` table of their own.  Posts and comments
point at the auth battery's users (``auth_user``): the author of a post may edit it.  The schema
itself is kept by the migrations in ``migrations/default/versions/``: change a model here, then
run ``trellis db makemigrations --app examples.blog.app:app``.
"""

from __future__ import annotations

from datetime import date

from trellis.auth import User
from trellis.db import (
    Column,
    Date,
    ForeignKey,
    Mapped,
    Model,
    String,
    Table,
    Text,
    Timestamped,
    mapped_column,
    relationship,
)

__all__ = ["TAG_NAME_LENGTH", "Comment", "Post", "Tag", "post_tags"]

TAG_NAME_LENGTH = 50

#: Many-to-many between posts and tags: one row per (post, tag) pair, removed with either side.
post_tags = Table(
    "blog_post_tags",
    Model.metadata,
    Column("post_id", ForeignKey("blog_posts.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("blog_tags.id", ondelete="CASCADE"), primary_key=True),
)


class Post(Model, Timestamped):
    __tablename__ = "blog_posts"

    title: Mapped[str] = mapped_column(String(200))
    # The URL carries the slug; unique so a post has one address.
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    summary: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # The date readers see; created/updated (from Timestamped) record when the row changed.
    published: Mapped[date] = mapped_column(Date, index=True)
    # Who may edit it (with the staff).  Nullable: posts written before accounts existed have
    # none, and deleting an account keeps its posts, unsigned.
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("auth_user.id", ondelete="SET NULL"), index=True, default=None
    )

    author: Mapped[User | None] = relationship(User)

    tags: Mapped[list[Tag]] = relationship(
        secondary=post_tags, back_populates="posts", order_by="Tag.name"
    )
    comments: Mapped[list[Comment]] = relationship(
        back_populates="post", cascade="all, delete-orphan", order_by="Comment.id"
    )


class Comment(Model, Timestamped):
    __tablename__ = "blog_comments"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("blog_posts.id", ondelete="CASCADE"), index=True
    )
    # The name shown, copied from the account when the comment is written, so the comment
    # keeps its signature if the account goes.
    author: Mapped[str] = mapped_column(String(80))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("auth_user.id", ondelete="SET NULL"), index=True, default=None
    )
    body: Mapped[str] = mapped_column(Text)

    # Post by class, not by name: a name is looked up among every model in the process, where
    # another app's Post would make it ambiguous.
    post: Mapped[Post] = relationship(Post, back_populates="comments")


class Tag(Model):
    __tablename__ = "blog_tags"

    # Tag pages live at /blog/tags/<name>, so names are slugs ("htmx", "static-files").
    name: Mapped[str] = mapped_column(String(TAG_NAME_LENGTH), unique=True)

    posts: Mapped[list[Post]] = relationship(Post, secondary=post_tags, back_populates="tags")
