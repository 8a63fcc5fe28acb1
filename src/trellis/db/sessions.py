"""Sessions that know the app's databases: per-model binds, read replicas and 404 helpers.

``Session.get_bind`` is where routing happens.  Each statement goes to the database its model
(or table) belongs to; on that database a plain read goes to a replica (round robin), while a
write, a ``SELECT ... FOR UPDATE`` and every statement after the session first wrote go to the
primary, so a unit of work reads its own writes.  ``AsyncSession`` runs the same sync session
class underneath (``sync_session_class``), so async handlers route the same way.

``get_bind`` is also where a unit of work's transaction starts on PostgreSQL.  A connection the
session takes for a plain read is switched to autocommit (``after_begin``); the first statement
that is not a plain read (a flush, Core DML, ``text()``, ``FOR UPDATE``, ``begin_nested()``,
``session.connection()``) switches the session's connections back before it runs, so the
driver sends ``BEGIN`` and from there on the unit of work is one transaction.  Under READ
COMMITTED every statement sees its own snapshot inside a transaction or not, so reads answer
the same, and a read-only unit of work sends neither ``BEGIN`` nor ``COMMIT`` — and has nothing
to commit (:meth:`Session.has_work`).  Doing this here, once per statement the session routes
anyway, keeps SQLAlchemy's per-statement engine events off.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, Engine, Result, Select, Table, event, util
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import orm as sa_orm
from sqlalchemy import types as sa_types
from sqlalchemy.ext import asyncio as sa_asyncio
from sqlalchemy.ext.asyncio.result import _ensure_sync_result
from sqlalchemy.ext.asyncio.session import _EXECUTE_OPTIONS
from sqlalchemy.orm import Mapper

from trellis.db.driver_reads import (
    UNREAD,
    read_by_pk,
    read_by_pk_sync,
    read_select,
    read_select_sync,
)
from trellis.db.greenlets import call_in_greenlet
from trellis.db.lazy_begin import AUTOCOMMIT_READS, LAZY_BEGIN
from trellis.db.loading import PK_PARAM, EntityPlan, plan_for, select_plan
from trellis.db.pagination import Page, check_last, check_page, count_statement
from trellis.exceptions import NotFound

__all__ = ["AUTOCOMMIT_READS", "LAZY_BEGIN", "AsyncSession", "Binder", "Session"]

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
        plain_loading: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(bind=bind, **kwargs)
        #: Load plain models without SQLAlchemy's ORM pipeline (:mod:`trellis.db.loading`).
        self.plain_loading = plain_loading
        self.binder = binder
        self.database = database
        self.asynchronous = asynchronous
        #: Set on the first write; from then on every statement goes to the primary.
        self.wrote = False
        #: Set once a statement needed a transaction (a write) in the current one.
        self.writing = False
        #: Whether a connection of the current transaction runs one (not autocommit reads).
        self.began_transaction = False
        #: Connections of the current transaction running plain reads in autocommit.
        self.reading_connections: list[Connection] = []
        #: The current transaction's connection per bind, for reads run on the driver itself.
        self.joined: dict[Any, Connection] = {}
        #: Pooled connections the driver reads on, outside any transaction, per bind; handed
        #: back before SQLAlchemy takes a connection, and when the session commits, rolls back
        #: or closes.
        self.readers: dict[Any, Any] = {}
        #: ``(database, bind)`` of a plain read routed for the driver that it has not run yet.
        self.unrun_read: tuple[str, Engine | Connection] | None = None

    def get_bind(
        self,
        mapper: Any = None,
        *,
        clause: Any = None,
        bind: Any = None,
        **kwargs: Any,
    ) -> Engine | Connection:
        if self.readers:  # SQLAlchemy takes a connection next: never two at once per request
            self.release_readers()
        return self.route(mapper, clause=clause, bind=bind, **kwargs)

    def route(
        self,
        mapper: Any = None,
        *,
        clause: Any = None,
        bind: Any = None,
        hold: bool = False,
        **kwargs: Any,
    ) -> Engine | Connection:
        """Where a statement goes (``get_bind`` without handing back the driver's readers).

        ``hold`` is for a plain read the driver may run itself: its bind is kept
        (:attr:`unrun_read`) until the driver ran it, so that when SQLAlchemy runs the read
        instead, it goes to the same replica rather than taking the next one's turn too."""
        binder = self.binder
        if binder is None or bind is not None:
            return super().get_bind(mapper, clause=clause, bind=bind, **kwargs)
        target = sa_orm.class_mapper(mapper) if isinstance(mapper, type) else mapper
        table = _table_of(clause) if target is None and clause is not None else None
        name = binder.database_of(target, table) or self.database
        if self._flushing or not is_plain_read(clause):
            self.wrote = True
            if not self.writing:
                self.start_writing()
        elif self.unrun_read is not None and self.unrun_read[0] == name and not self.wrote:
            found = self.unrun_read[1]
            if not hold:
                self.unrun_read = None
            return found
        found = binder.bind_for(name, write=self.wrote, asynchronous=self.asynchronous)
        if hold:
            self.unrun_read = (name, found)
        return found

    def release_readers(self, *, invalidate: bool = False) -> None:
        """Hand the driver's reading connections back to their pools (they hold no transaction,
        so this sends nothing), or throw them away after an error."""
        readers = list(self.readers.values())
        self.readers.clear()
        for reader in readers:
            if invalidate:
                reader.invalidate()
            else:
                # Nothing was begun on it: the pool's rollback-on-return would only cost a call.
                reader._close_special(transaction_reset=True)

    def close(self) -> None:
        self.release_readers()
        super().close()

    def reset(self) -> None:
        self.release_readers()
        super().reset()

    def invalidate(self) -> None:
        self.release_readers(invalidate=True)
        super().invalidate()

    def start_writing(self) -> None:
        """What comes next needs a transaction: connections reading in autocommit stop."""
        self.writing = True
        self.unrun_read = None
        for connection in self.reading_connections:
            dbapi_connection = connection.connection.dbapi_connection
            if dbapi_connection is not None:
                dbapi_connection.autocommit = False
            connection.info.pop(AUTOCOMMIT_READS, None)
            self.began_transaction = True
        self.reading_connections.clear()

    def has_work(self) -> bool:
        """Whether ``commit()`` would change anything: a transaction was begun on a connection,
        or objects are waiting to be flushed.  A unit of work that only read has none, and its
        commit (a thread hop or a greenlet, SQLAlchemy's bookkeeping) is skipped."""
        return self.began_transaction or self.has_changes()

    def has_changes(self) -> bool:
        """Whether objects are waiting to be flushed (changed, new or deleted)."""
        # The dicts behind ``new`` and ``deleted``: those properties build a set on every call.
        return bool(self.identity_map._modified or self._new or self._deleted)

    def begin_nested(self) -> sa_orm.SessionTransaction:
        self.wrote = True
        self.start_writing()  # a SAVEPOINT needs the transaction around it
        return super().begin_nested()

    def flush(self, objects: Sequence[Any] | None = None) -> None:
        if self.new or self.dirty or self.deleted:
            self.wrote = True
        super().flush(objects)

    def execute(
        self,
        statement: Any,
        params: Any = None,
        *,
        execution_options: Any = None,
        bind_arguments: Any = None,
        **kwargs: Any,
    ) -> Any:
        if params is None and bind_arguments is None and not kwargs and self.plain_loading:
            loaded = self._load_plain(statement, execution_options)
            if loaded is not None:
                return loaded
        return super().execute(
            statement,
            params,
            execution_options=execution_options or {},
            bind_arguments=bind_arguments,
            **kwargs,
        )

    def scalars(
        self,
        statement: Any,
        params: Any = None,
        *,
        execution_options: Any = None,
        bind_arguments: Any = None,
        **kwargs: Any,
    ) -> Any:
        # SQLAlchemy's own scalars() skips execute(); going through it serves plain models too.
        result = self.execute(
            statement,
            params,
            execution_options=execution_options,
            bind_arguments=bind_arguments,
            **kwargs,
        )
        return result.scalars()

    def _load_plain(self, statement: Any, execution_options: Any) -> Result[Any] | None:
        """``select(Model)`` of a plain model, run by Core on the session's connection and
        loaded by :mod:`trellis.db.loading`; None when SQLAlchemy's ORM must run it."""
        if execution_options and not _BUFFERING.issuperset(execution_options):
            return None
        plan = select_plan(statement)
        if plan is None or not plan.usable_by(self):
            return None
        statement = plan.shared(statement)
        self._autoflush()  # what SQLAlchemy does before a query
        found = read_select_sync(self, plan, statement)
        if found is not UNREAD:
            return found  # type: ignore[no-any-return]
        result = self._plain_connection(plan, statement).execute(statement)
        if tuple(result.keys()) != plan.column_keys:  # not expected: SQLAlchemy runs it again
            result.close()
            return None
        return plan.results(plan.load_all(self, result.all()))

    def _plain_connection(self, plan: EntityPlan, statement: Any) -> Connection:
        """SQLAlchemy's connection for a plain read the driver did not run."""
        return self.connection(bind_arguments={"mapper": plan.mapper, "clause": statement})

    def get(
        self,
        entity: Any,
        ident: Any,
        *,
        options: Any = None,
        populate_existing: bool | None = None,
        with_for_update: Any = None,
        identity_token: Any = None,
        execution_options: Any = None,
        bind_arguments: Any = None,
    ) -> Any:
        """``session.get(Model, pk)``; a row not in the identity map is loaded by a statement
        built once per model (SQLAlchemy builds and keys a new one on every call)."""
        plan = (
            plan_for(entity)
            if self.plain_loading
            and not (
                options
                or populate_existing
                or with_for_update is not None
                or identity_token is not None
                or execution_options
                or bind_arguments
                or isinstance(ident, tuple | list | dict)
                or ident is None
            )
            else None
        )
        if (
            plan is not None
            and plan.by_pk is not None
            and plan.usable_by(self)
            and plan.identity_key(ident) not in self.identity_map
        ):
            statement = plan.by_pk
            self._autoflush()  # what SQLAlchemy does before a query
            found = read_by_pk_sync(self, plan, ident)
            if found is not UNREAD:
                return found
            connection = self._plain_connection(plan, statement)
            row = connection.execute(statement, {PK_PARAM: ident}).first()
            return None if row is None else plan.load(self, row)
        return super().get(
            entity,
            ident,
            options=options,
            populate_existing=populate_existing,
            with_for_update=with_for_update,
            identity_token=identity_token,
            execution_options=execution_options or {},
            bind_arguments=bind_arguments,
        )

    def get_or_404(self, entity: type[T], ident: Any, *, description: str | None = None) -> T:
        """``session.get(entity, ident)``, or a 404 when there is no such row."""
        found: T | None = self.get(entity, ident) if _key_fits(self, entity, ident) else None
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


@event.listens_for(Session, "after_begin")
def _connection_begun(session: Session, transaction: Any, connection: Connection) -> None:
    """A connection joins the unit of work: in autocommit while the session only reads."""
    session.joined[connection.engine] = connection
    if not session.writing:
        options = connection.get_execution_options()
        if options.get(LAZY_BEGIN) and "isolation_level" not in options:
            dbapi_connection = connection.connection.dbapi_connection
            if dbapi_connection is not None:
                dbapi_connection.autocommit = True
                connection.info[AUTOCOMMIT_READS] = True
                session.reading_connections.append(connection)
                return
    session.began_transaction = True


@event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the unit of work's own transaction, not a savepoint
        session.writing = False
        session.began_transaction = False
        session.reading_connections.clear()
        session.joined.clear()
        if session.readers:  # commit() and rollback() hand back connections, readers too
            session.release_readers()


class AsyncSession(sa_asyncio.AsyncSession):
    """The asyncio session: the routed :class:`Session` underneath, same helpers, awaited.

    The calls a request makes most (``get``, ``execute``, ``scalar``, ``flush``, ``commit``,
    ``rollback``, ``close``) run the sync session on a kept greenlet
    (:mod:`trellis.db.greenlets`), not on a new one per call as SQLAlchemy's do.
    """

    sync_session_class = Session
    sync_session: Session

    async def get(self, entity: Any, ident: Any, **kwargs: Any) -> Any:
        """``await session.get(Model, pk)``; a plain model's row on asyncpg is read by the driver
        itself, on the session's connection, with no greenlet (see
        :mod:`trellis.db.driver_reads`)."""
        sync = self.sync_session
        if (
            sync.plain_loading
            and not kwargs
            and ident is not None
            and not isinstance(ident, tuple | list | dict)
        ):
            plan = plan_for(entity)
            if plan is not None and plan.by_pk is not None and plan.usable_by(sync):
                found = await read_by_pk(sync, plan, ident)
                if found is not UNREAD:
                    return found
        return await call_in_greenlet(sync.get, entity, ident, **kwargs)

    async def execute(
        self,
        statement: Any,
        params: Any = None,
        *,
        execution_options: Any = None,
        bind_arguments: Any = None,
        **kwargs: Any,
    ) -> Any:
        """``await session.execute(statement)``; a plain ``select(Model)`` on asyncpg is run by
        the driver itself (see :mod:`trellis.db.driver_reads`).  ``scalars()`` comes here too."""
        sync = self.sync_session
        if (
            sync.plain_loading
            and params is None
            and not execution_options
            and bind_arguments is None
            and not kwargs
        ):
            plan = select_plan(statement)
            if plan is not None and plan.usable_by(sync):
                found = await read_select(sync, plan, plan.shared(statement))
                if found is not UNREAD:
                    return found
        result = await call_in_greenlet(
            sync.execute,
            statement,
            params,
            execution_options=_buffered(execution_options),
            bind_arguments=bind_arguments,
            **kwargs,
        )
        return await _ensure_sync_result(result, self.execute)

    async def scalar(
        self,
        statement: Any,
        params: Any = None,
        *,
        execution_options: Any = None,
        bind_arguments: Any = None,
        **kwargs: Any,
    ) -> Any:
        return await call_in_greenlet(
            self.sync_session.scalar,
            statement,
            params,
            execution_options=_buffered(execution_options),
            bind_arguments=bind_arguments,
            **kwargs,
        )

    async def flush(self, objects: Sequence[Any] | None = None) -> None:
        await call_in_greenlet(self.sync_session.flush, objects)

    async def commit(self) -> None:
        await call_in_greenlet(self.sync_session.commit)

    async def rollback(self) -> None:
        await call_in_greenlet(self.sync_session.rollback)

    async def close(self) -> None:
        await call_in_greenlet(self.sync_session.close)

    async def get_or_404(self, entity: type[T], ident: Any, *, description: str | None = None) -> T:
        """``await session.get(entity, ident)``, or a 404 when there is no such row."""
        found: T | None = (
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


#: The execution option AsyncSession adds to every statement; a loaded result is buffered anyway.
_BUFFERING = frozenset({"prebuffer_rows"})


def _buffered(execution_options: Any) -> Any:
    """``execution_options`` with what ``AsyncSession`` adds to every statement (its results
    are read in full while the greenlet runs, never streamed across awaits)."""
    if not execution_options:
        return _EXECUTE_OPTIONS
    return util.immutabledict(execution_options).union(_EXECUTE_OPTIONS)


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
