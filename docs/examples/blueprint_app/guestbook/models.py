"""The guestbook's table: the project's migrations pick it up like the project's own."""

from __future__ import annotations

from trellis.db import Mapped, Model, String, Timestamped, mapped_column


class Signature(Model, Timestamped):
    __tablename__ = "guestbook_signature"  # prefixed: it shares the database with the project

    name: Mapped[str] = mapped_column(String(80))
    message: Mapped[str] = mapped_column(String(500))
