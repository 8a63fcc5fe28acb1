"""The database battery: models, sessions per request, several databases and read replicas.

A models file imports from here alone::

    from trellis.db import Model, Mapped, mapped_column, ForeignKey, relationship, String

and a handler asks for ``db: Session`` (``def``) or ``db: AsyncSession`` (``async def``).
"""

from __future__ import annotations

from trellis.optional import require

require("sqlalchemy", extra="db", feature="The database battery (trellis.db)")

from sqlalchemy import (  # noqa: E402
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    Interval,
    LargeBinary,
    Numeric,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    Uuid,
    and_,
    delete,
    func,
    insert,
    not_,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import (  # noqa: E402
    DBAPIError,
    IntegrityError,
    NoResultFound,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm import (  # noqa: E402
    Mapped,
    joinedload,
    mapped_column,
    relationship,
    selectinload,
)

from trellis.db.database import Database  # noqa: E402
from trellis.db.lookups import InvalidLookup  # noqa: E402
from trellis.db.models import NAMING_CONVENTION, Model, Timestamped, UTCDateTime  # noqa: E402
from trellis.db.pagination import Page  # noqa: E402
from trellis.db.sessions import AsyncSession, Session  # noqa: E402
from trellis.db.unit_of_work import is_retryable, transaction, using  # noqa: E402

__all__ = [
    "JSON",
    "NAMING_CONVENTION",
    "AsyncSession",
    "BigInteger",
    "Boolean",
    "CheckConstraint",
    "Column",
    "DBAPIError",
    "Database",
    "Date",
    "DateTime",
    "Enum",
    "Float",
    "ForeignKey",
    "Index",
    "Integer",
    "IntegrityError",
    "Interval",
    "InvalidLookup",
    "LargeBinary",
    "Mapped",
    "Model",
    "NoResultFound",
    "Numeric",
    "OperationalError",
    "Page",
    "SQLAlchemyError",
    "Session",
    "String",
    "Table",
    "Text",
    "Time",
    "Timestamped",
    "UTCDateTime",
    "UniqueConstraint",
    "Uuid",
    "and_",
    "delete",
    "func",
    "insert",
    "is_retryable",
    "joinedload",
    "mapped_column",
    "not_",
    "or_",
    "relationship",
    "select",
    "selectinload",
    "text",
    "transaction",
    "update",
    "using",
]
