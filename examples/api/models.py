"""The API's models: links (bookmarks) that users save, the tags on them, and a picture each.

Users and their API tokens are the auth battery's tables (``auth_user``, ``auth_api_token``);
the tables here carry the ``api_`` prefix so the example can share a database with other apps.
The schema is kept by the migrations in ``migrations/default/versions/``: change a model here,
then run ``trellis db makemigrations --app examples.api.app:app``.
"""

from __future__ import annotations

from trellis.auth import User
from trellis.db import (
    Column,
    ForeignKey,
    Integer,
    Mapped,
    Model,
    String,
    Table,
    Text,
    Timestamped,
    mapped_column,
    relationship,
)

__all__ = ["Link", "LinkTag", "link_tags"]

#: Many-to-many between links and tags: one row per (link, tag) pair, removed with either side.
link_tags = Table(
    "api_link_tags",
    Model.metadata,
    Column("link_id", ForeignKey("api_links.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("api_tags.id", ondelete="CASCADE"), primary_key=True),
)


class LinkTag(Model):
    """A tag, shared by every user's links (``python``, ``web-frameworks``).

    Named ``LinkTag`` rather than ``Tag``: relationships find classes by name among every model
    of the process, and the example blog has a ``Tag`` of its own.
    """

    __tablename__ = "api_tags"

    name: Mapped[str] = mapped_column(String(50), unique=True)


class Link(Model, Timestamped):
    __tablename__ = "api_links"

    owner_id: Mapped[int] = mapped_column(
        ForeignKey("auth_user.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(2000))
    title: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    # The picture's storage names (a checked image and its thumbnail), never a client's name.
    image: Mapped[str | None] = mapped_column(String(255), default=None)
    image_width: Mapped[int | None] = mapped_column(Integer, default=None)
    image_height: Mapped[int | None] = mapped_column(Integer, default=None)
    thumbnail: Mapped[str | None] = mapped_column(String(255), default=None)

    # Loaded with the link, always: an AsyncSession cannot load them lazily later, and every
    # answer shows the owner's name and the tags.
    owner: Mapped[User] = relationship(User, lazy="joined", innerjoin=True)
    tags: Mapped[list[LinkTag]] = relationship(
        LinkTag, secondary=link_tags, lazy="selectin", order_by=LinkTag.name
    )
