"""The blog's tables. Change a model, then: trellis db makemigrations -m "what changed"."""

from trellis.auth import User
from trellis.db import (
    ForeignKey,
    Mapped,
    Model,
    String,
    Text,
    Timestamped,
    mapped_column,
    relationship,
)


class Post(Model, Timestamped):  # Timestamped adds the created and updated columns
    __tablename__ = "blog_post"  # named after the blueprint, as a Django app's tables are

    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("auth_user.id"))

    author: Mapped[User | None] = relationship(User)
