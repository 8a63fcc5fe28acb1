"""Sessions that know the app's databases: per-model binds, read replicas and 404 helpers.

``Session.get_bind`` is where routing happens.  Each statement goes to the database its model
(or table) belongs to; on that database a plain read goes to a replica (round robin), while a
write, a ``SELECT ... FOR UPDATE`` and every statement after the session first wrote go to the
primary, so a unit of work reads its own writes.  ``AsyncSession`` runs the same sync session
class underneath (``sync_session_class``), so async handlers route the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, Engine, Select, Table
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import orm as sa_orm
from sqlalchemy import types as sa_types
from sqlalchemy.ext import asyncio as sa_asyncio
from sqlalchemy.orm import Mapper

from trellis.db.pagination import Page, check_last, check_page, count_statement
from trellis.exceptions import NotFound

__all__ = ["AsyncSession", "Binder", "Session"]

T = TypeVar("T")


class Binder(Protocol):
    """What a session asks the Database battery: where a statement for ``database`` goes."""

    def bind_for(self, database: str, *, write: bool, asynchronous: bool) -> Engine | Connection:
        """The engine (or, in tests, the connection) for reads or writes on ``database``."""

    def database_of(self, mapper: Mapper[Any] | None, table: Table | None) -> str | None:
        """The database name a model or a table is bound to, or None when unknown."""


def is_plain_read(clause: Any) -> bool:
    """Whether ``clause`` is a SELECT without ``FOR UPDATE``: safe on a replica, or before BEGIN."""
    if clause is None or not getattr(clause, "is_select", False):
        return False
    return getattr(clause, "_for_update_arg", None) is None


def _table_of(clause: Any) -> Table | None:
    table = getattr(clause, "table", None)
    if isinstance(table, Table):
        return table
    froms = getattr(clause, "get_final_froms", None)
    if froms is not None:
        for item in froms():
            if isinstance(item, Table):
                return item
    return None


class Session(sa_orm.Session):
    """A SQLAlchemy session routed over the app's databases, with 404-aware helpers."""

    def __init__(
        self,
        bind: Any = None,
        *,
        binder: Binder | None = None,
        database: str = "default",
        asynchronous: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(bind=bind, **kwargs)
        self.binder = binder
        self.database = database
        self.asynchronous = asynchronous
        #: Set on the first write; from then on every statement goes to the primary.
        self.wrote = False

    def get_bind(
        self,
        mapper: Any = None,
        *,
        clause: Any = None,
        bind: Any = None,
        **kwargs: Any,
    ) -> Engine | Connection:
        binder = self.binder
        if binder is None or bind is not None:
            return super().get_bind(mapper, clause=clause, bind=bind, **kwargs)
        target = sa_orm.class_mapper(mapper) if isinstance(mapper, type) else mapper
        table = _table_of(clause) if target is None and clause is not None else None
        name = binder.database_of(target, table) or self.database
        write = self.wrote or self._flushing or not is_plain_read(clause)
        if write:
            self.wrote = True
        return binder.bind_for(name, write=write, asynchronous=self.asynchronous)

    def flush(self, objects: Sequence[Any] | None = None) -> None:
        if self.new or self.dirty or self.deleted:
            self.wrote = True
        super().flush(objects)

    def get_or_404(self, entity: type[T], ident: Any, *, description: str | None = None) -> T:
        """``session.get(entity, ident)``, or a 404 when there is no such row."""
        found = self.get(entity, ident) if _key_fits(self, entity, ident) else None
        if found is None:
            raise NotFound(description or f"No {entity.__name__} with id {ident!r}")
        return found

    def first_or_404(self, stmt: Select[Any], *, description: str | None = None) -> Any:
        """The first result of ``stmt`` (as a scalar), or a 404 when there is none."""
        found = self.execute(stmt).scalars().first()
        if found is None:
            raise NotFound(description or "Not found")
        return found

    def paginate(
        self,
        stmt: Select[Any],
        *,
        page: int = 1,
        per_page: int = 20,
        max_per_page: int | None = 100,
    ) -> Page[Any]:
        """Page ``page`` of ``stmt``'s results; a page number no link would produce is a 404."""
        check_page(page, per_page, max_per_page)
        total: int = self.execute(count_statement(stmt)).scalar_one()
        check_last(page, total, per_page)
        items = self.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
        return Page(items, total, page, per_page)


class AsyncSession(sa_asyncio.AsyncSession):
    """The asyncio session: the routed :class:`Session` underneath, same helpers, awaited."""

    sync_session_class = Session
    sync_session: Session

    async def get_or_404(self, entity: type[T], ident: Any, *, description: str | None = None) -> T:
        """``await session.get(entity, ident)``, or a 404 when there is no such row."""
        found = (
            await self.get(entity, ident) if _key_fits(self.sync_session, entity, ident) else None
        )
        if found is None:
            raise NotFound(description or f"No {entity.__name__} with id {ident!r}")
        return found

    async def first_or_404(self, stmt: Select[Any], *, description: str | None = None) -> Any:
        """The first result of ``stmt`` (as a scalar), or a 404 when there is none."""
        found = (await self.execute(stmt)).scalars().first()
        if found is None:
            raise NotFound(description or "Not found")
        return found

    async def paginate(
        self,
        stmt: Select[Any],
        *,
        page: int = 1,
        per_page: int = 20,
        max_per_page: int | None = 100,
    ) -> Page[Any]:
        """Page ``page`` of ``stmt``'s results; a page number no link would produce is a 404."""
        check_page(page, per_page, max_per_page)
        total: int = (await self.execute(count_statement(stmt))).scalar_one()
        check_last(page, total, per_page)
        items = (await self.scalars(stmt.limit(per_page).offset((page - 1) * per_page))).all()
        return Page(items, total, page, per_page)


_INT_BITS = ((sa_types.SmallInteger, 16), (sa_types.BigInteger, 64), (sa_types.Integer, 32))


def _key_fits(session: Any, entity: Any, ident: Any) -> bool:
    """Whether an integer key can exist in ``entity``'s column at all.

    ``/posts/<int:id>`` accepts any digits; a number past the column's range is no row (a 404),
    where the database would refuse the query (PostgreSQL, MariaDB) or the driver overflow
    (SQLite): a 500 for what is only a wrong URL.
    """
    if not isinstance(ident, int) or isinstance(ident, bool):
        return True
    columns = sa_inspect(entity).primary_key
    if len(columns) != 1:
        return True
    bits = 64
    if session.get_bind(entity).dialect.name != "sqlite":  # SQLite integers are all 64-bit
        column_type = columns[0].type
        bits = next((n for kind, n in _INT_BITS if isinstance(column_type, kind)), 64)
    limit = 1 << (bits - 1)
    return -limit <= ident < limit
