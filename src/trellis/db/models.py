"""The declarative base every Trellis model derives from.

``Model`` adds what a project otherwise writes by hand, the same way everywhere: a naming
convention for every constraint and index (so migrations name them the same on every run and
every backend), table names derived from class names, an integer ``id`` primary key when the
model declares none, and Django-style lookups (``Post.where(title__icontains="x")``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import Column, DateTime, Integer, MetaData, Select, TypeDecorator, inspect
from sqlalchemy.orm import DeclarativeBase, Mapped, MappedColumn, declared_attr, mapped_column

__all__ = ["NAMING_CONVENTION", "Model", "Timestamped", "UTCDateTime", "table_name_for"]

#: Constraint and index names a migration can rely on (see docs/database.md).
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def table_name_for(class_name: str) -> str:
    """``BlogPost`` -> ``blog_post``, ``HTTPLog`` -> ``http_log``."""
    return _WORD_BOUNDARY.sub("_", class_name).lower()


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime on every backend, stored in UTC.

    SQLite and MySQL keep no offset, so values are stored as naive UTC and read back with
    ``tzinfo=UTC``; a naive value given to it is refused rather than guessed at.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name in ("mysql", "mariadb"):  # DATETIME drops microseconds unless asked
            from sqlalchemy.dialects.mysql import DATETIME

            return dialect.type_descriptor(DATETIME(fsp=6))
        return super().load_dialect_impl(dialect)

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give a timezone-aware one")
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Timestamped:
    """``created`` and ``updated`` columns (UTC, timezone-aware); ``updated`` follows changes."""

    created: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )


def _declares_primary_key(cls: type) -> bool:
    if "__table__" in cls.__dict__ or "primary_key" in cls.__dict__.get("__mapper_args__", {}):
        return True
    for klass in cls.__mro__:
        for value in vars(klass).values():
            if isinstance(value, MappedColumn) and value.column.primary_key:
                return True
            if isinstance(value, Column) and value.primary_key:
                return True
    args = cls.__dict__.get("__table_args__", ())
    items = args if isinstance(args, tuple) else ()
    return any(getattr(item, "__visit_name__", "") == "primary_key_constraint" for item in items)


def _inherits_mapped(cls: type) -> bool:
    return any(
        base is not Model and issubclass(base, Model) and inspect(base, raiseerr=False) is not None
        for base in cls.__mro__[1:]
    )


class Model(DeclarativeBase):
    """Base class of the project's models.

    ``__database__ = "analytics"`` binds a model (and its subclasses) to a named database;
    without it, the model's blueprint binding or ``"default"`` applies.
    """

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    __database__: ClassVar[str | None] = None

    if TYPE_CHECKING:
        id: Mapped[int]

    @declared_attr.directive
    def __tablename__(cls) -> str:
        return table_name_for(cls.__name__)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        abstract = cls.__dict__.get("__abstract__", False)
        if not abstract and not _inherits_mapped(cls) and not _declares_primary_key(cls):
            cls.id = mapped_column(Integer, primary_key=True, sort_order=-1)
        super().__init_subclass__(**kwargs)

    @classmethod
    def where(cls, **lookups: Any) -> Select[Any]:
        """``select(cls)`` filtered by Django-style lookups (``title__icontains="x"``).

        Lookups across a many-to-one relationship join it (``author__username="a"``); across a
        collection they become ``EXISTS`` so rows are not repeated.  An unknown field or lookup is
        a ``LookupError`` naming it.
        """
        from trellis.db.lookups import build_select

        return build_select(cls, lookups)

    def __repr__(self) -> str:
        identity = inspect(self).identity
        key = identity[0] if identity and len(identity) == 1 else identity
        return f"<{type(self).__name__} {key!r}>"
