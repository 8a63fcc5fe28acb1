"""A table for the SQL pagination tests; its name carries a per-run suffix so concurrent runs
on the same PostgreSQL or MariaDB database do not collide."""

from __future__ import annotations

import datetime as dt
import uuid

from trellis.db import DateTime, Mapped, Model, String, mapped_column

RUN = uuid.uuid4().hex[:8]


class FeedEvent(Model):
    __tablename__ = f"api_event_{RUN}"

    created: Mapped[dt.datetime] = mapped_column(DateTime)
    title: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(String(100), nullable=True)


TABLES = [FeedEvent.__table__]  # type: ignore[attr-defined]
