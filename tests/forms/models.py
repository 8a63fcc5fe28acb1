"""Models for the model-form tests: every column kind a form derives a field from."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from trellis.db import (
    JSON,
    Boolean,
    Date,
    Enum,
    Float,
    ForeignKey,
    Integer,
    Mapped,
    Model,
    Numeric,
    String,
    Text,
    Timestamped,
    UTCDateTime,
    Uuid,
    mapped_column,
)


class Status(enum.Enum):
    draft = "d"
    published = "p"


class Journalist(Model):
    __tablename__ = "forms_writer"

    name: Mapped[str] = mapped_column(String(40), unique=True)


class Desk(Model):
    __tablename__ = "forms_desk"

    code: Mapped[str] = mapped_column(String(10))

    def __str__(self) -> str:
        return f"Desk {self.code}"


class Story(Model, Timestamped):
    __tablename__ = "forms_story"

    title: Mapped[str] = mapped_column(String(80), doc="Shown in the page title")
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    body: Mapped[str] = mapped_column(Text, default="")
    subtitle: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[Status] = mapped_column(Enum(Status), default=Status.draft)
    rating: Mapped[int | None] = mapped_column(Integer)
    price: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    score: Mapped[float | None] = mapped_column(Float)
    published: Mapped[date | None] = mapped_column(Date)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    views: Mapped[int] = mapped_column(Integer, default=0)
    token: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    writer_id: Mapped[int] = mapped_column(ForeignKey("forms_writer.id"))
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("forms_writer.id"))
    desk_id: Mapped[int | None] = mapped_column(ForeignKey("forms_desk.id"))


TABLES = [Journalist.__table__, Desk.__table__, Story.__table__]
