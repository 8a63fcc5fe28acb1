"""The blog's tables. Change a model, then: trellis db makemigrations -m "what changed"."""

from trellis.db import Mapped, Model, String, Text, Timestamped, mapped_column


class Post(Model, Timestamped):  # Timestamped adds the created and updated columns
    __tablename__ = "blog_post"  # named after the blueprint, as a Django app's tables are

    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
