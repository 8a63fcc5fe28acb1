"""Plain reads that the PostgreSQL driver runs itself, on the session's own connection.

Past :mod:`trellis.db.loading`, what a ``get`` still pays is Core's execution context and
result (about 35 µs here) and, on asyncpg, SQLAlchemy's asyncio bridge: a greenlet per call and
the DBAPI adapter around asyncpg (about 35 µs more).  For a plain model whose columns need no
conversion (the driver's own Python values are SQLAlchemy's), the SQL and its parameters are
all there is to it, so the session asks the driver for the rows directly — asyncpg for an
``AsyncSession``, psycopg for a ``Session`` — and the loader makes the objects.

The shortcut steps aside — the caller gets :data:`UNREAD` and runs the statement through
SQLAlchemy — whenever it could change an answer or hide a statement: objects waiting to be
autoflushed, another driver, columns or parameters with conversions, expanding ``IN``
parameters, ``echo`` or engine events (what logging and tracing use), and a connection that is
not reading in autocommit (the unit of work wrote, or asked for an isolation level: its reads
belong to its transaction, whose errors SQLAlchemy must see).  A driver error also steps
aside: in autocommit it leaves nothing behind, so SQLAlchemy runs the read again and fails the
way it always does (wrapped error, connection invalidated); only success is handled here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler

from trellis.db.greenlets import call_in_greenlet
from trellis.db.lazy_begin import AUTOCOMMIT_READS, LAZY_BEGIN
from trellis.db.loading import PK_PARAM, EntityPlan

if TYPE_CHECKING:
    from trellis.db.sessions import Session

__all__ = ["UNREAD", "read_by_pk", "read_by_pk_sync", "read_select", "read_select_sync"]

#: What the read functions return when SQLAlchemy must run the statement.
UNREAD: Any = object()

#: Compiled ``select(Model)`` statements by dialect and cache key; cleared when it gets this big
#: (statements built with literal values each have a key of their own).
_MAX_SELECTS = 512
_selects: dict[tuple[Dialect, Any], SQLCompiler | None] = {}
#: Where a pooled psycopg connection keeps its cursor for reads by key (``info``).
_CURSOR = "trellis.cursor"
#: The drivers that run reads here: asyncpg (positional ``$n``) and psycopg (``%(name)s``).
_DRIVERS = frozenset({"asyncpg", "psycopg"})


async def read_by_pk(session: Session, plan: EntityPlan, ident: Any) -> Any:
    """``await session.get(Model, ident)`` for a plain model on asyncpg, or :data:`UNREAD`."""
    if plan.identity_key(ident) in session.identity_map:
        return UNREAD
    target = await _async_target(session, plan, plan.by_pk)
    sql = None if target is None else _by_pk_sql(plan, target.dialect)
    if sql is None:
        return UNREAD
    assert target is not None
    row = await target.run(session, "fetchrow", sql, ident)
    if row is UNREAD or row is None:
        return row
    return plan.load(session, row)


async def read_select(session: Session, plan: EntityPlan, statement: Any) -> Any:
    """``await session.execute(statement)`` for a plain ``select(Model)`` on asyncpg, or
    :data:`UNREAD`."""
    cache_key = statement._generate_cache_key()
    if cache_key is None:
        return UNREAD
    target = await _async_target(session, plan, statement)
    compiled = (
        None if target is None else _compiled_select(plan, statement, cache_key, target.dialect)
    )
    if compiled is None:
        return UNREAD
    assert target is not None
    values = compiled.construct_params(extracted_parameters=cache_key.bindparams)
    arguments = [values[name] for name in compiled.positiontup or ()]
    rows = await target.run(session, "fetch", compiled.string, *arguments)
    return rows if rows is UNREAD else plan.results(plan.load_all(session, rows))


def read_by_pk_sync(session: Session, plan: EntityPlan, ident: Any) -> Any:
    """``session.get(Model, ident)`` for a plain model on psycopg, or :data:`UNREAD`."""
    target = _sync_target(session, plan, plan.by_pk)
    sql = None if target is None else _by_pk_sql(plan, target.dialect)
    if sql is None:
        return UNREAD
    assert target is not None
    row = target.run_sync(session, sql, {PK_PARAM: ident}, one=True)
    if row is UNREAD or row is None:
        return row
    return plan.load(session, row)


def read_select_sync(session: Session, plan: EntityPlan, statement: Any) -> Any:
    """``session.execute(statement)`` for a plain ``select(Model)`` on psycopg, or
    :data:`UNREAD`."""
    cache_key = statement._generate_cache_key()
    if cache_key is None:
        return UNREAD
    target = _sync_target(session, plan, statement)
    compiled = (
        None if target is None else _compiled_select(plan, statement, cache_key, target.dialect)
    )
    if compiled is None:
        return UNREAD
    assert target is not None
    values = compiled.construct_params(extracted_parameters=cache_key.bindparams)
    rows = target.run_sync(session, compiled.string, values, one=False)
    return rows if rows is UNREAD else plan.results(plan.load_all(session, rows))


def _driver(connection: Connection) -> Any:
    return connection.connection.driver_connection


class _Target:
    """Where an async read runs: the driver connection, its dialect, and whether it is one of
    the session's readers (thrown away after an error, as SQLAlchemy would invalidate it)."""

    __slots__ = ("bind", "connection", "dialect", "driver", "info")

    def __init__(
        self,
        driver: Any,
        dialect: Dialect,
        bind: Any,
        connection: Connection | None,
        info: dict[Any, Any],
    ) -> None:
        self.driver = driver
        self.dialect = dialect
        self.bind = bind
        #: SQLAlchemy's connection the read runs on; None for one of the session's readers.
        self.connection = connection
        #: The pooled connection's ``info``: it lives as long as the driver connection.
        self.info = info

    async def run(self, session: Session, method: str, *arguments: Any) -> Any:
        """The driver's ``method(*arguments)``, or :data:`UNREAD` after an error."""
        try:
            found = await getattr(self.driver, method)(*arguments)
        except Exception:
            self.failed(session)
            return UNREAD
        except BaseException:  # cancelled mid-query: the connection's state is unknown
            self.failed(session, cancelled=True)
            raise
        session.unrun_read = None  # run: the next read takes the next replica's turn
        return found

    def run_sync(self, session: Session, sql: str, parameters: Any, *, one: bool) -> Any:
        """psycopg's rows (or one row) for ``sql``, or :data:`UNREAD` after an error."""
        try:
            if one:
                found = self._kept_cursor().execute(sql, parameters).fetchone()
            else:
                with self.driver.cursor() as cursor:
                    found = cursor.execute(sql, parameters).fetchall()
        except Exception:
            self.info.pop(_CURSOR, None)
            self.failed(session)
            return UNREAD
        except BaseException:  # interrupted mid-query: the connection's state is unknown
            self.info.pop(_CURSOR, None)
            self.failed(session, cancelled=True)
            raise
        session.unrun_read = None
        return found

    def _kept_cursor(self) -> Any:
        """The pooled connection's cursor for one-row reads.  Making and closing a psycopg
        cursor costs about 6 µs of a 34 µs read by key here; between reads, the kept one
        holds only its last one-row result (reads of many rows get a cursor of their own)."""
        cursor = self.info.get(_CURSOR)
        if cursor is None or cursor.connection is not self.driver or cursor.closed:
            cursor = self.info[_CURSOR] = self.driver.cursor()
        return cursor

    def failed(self, session: Session, *, cancelled: bool = False) -> None:
        """After an error a reader is thrown away; a read cancelled half way leaves the
        connection in a state nobody knows, so SQLAlchemy's own is thrown away too."""
        if self.connection is None:
            reader = session.readers.pop(self.bind, None)
            if reader is not None:
                reader.invalidate()
        elif cancelled:
            self.connection.invalidate()


async def _async_target(session: Session, plan: EntityPlan, statement: Any) -> _Target | None:
    """The asyncpg connection to run ``statement`` on, or None (SQLAlchemy runs it); a new
    reader is taken from the pool on a kept greenlet (the pool may have to wait)."""
    target, bind = _find_target(session, plan, statement, "asyncpg")
    if bind is not None:
        try:
            reader = await call_in_greenlet(bind.raw_connection)
        except Exception:  # SQLAlchemy takes a connection itself, and fails its own way
            return None
        target = _adopt(session, bind, reader)
    return target


def _sync_target(session: Session, plan: EntityPlan, statement: Any) -> _Target | None:
    """The psycopg connection to run ``statement`` on, or None (SQLAlchemy runs it)."""
    target, bind = _find_target(session, plan, statement, "psycopg")
    if bind is not None:
        try:
            reader = bind.raw_connection()
        except Exception:  # SQLAlchemy takes a connection itself, and fails its own way
            return None
        target = _adopt(session, bind, reader)
    return target


def _find_target(
    session: Session, plan: EntityPlan, statement: Any, driver: str
) -> tuple[_Target | None, Any]:
    """Where a read of ``statement`` runs: ``(target, None)``, or ``(None, engine)`` when a
    reader is to be taken from the engine's pool, or ``(None, None)`` for SQLAlchemy.

    While the unit of work only reads, it reads on a pooled connection of the session's own
    (:attr:`Session.readers`), taken without a SQLAlchemy transaction or ``Connection`` around
    it: nothing is begun on it, so nothing has to end, and handing it back sends nothing.  Once
    SQLAlchemy holds a connection for the database, reads go on that one while it reads in
    autocommit, else to SQLAlchemy.
    """
    if session.writing or (session.autoflush and session.has_changes()):
        return None, None
    bind: Any = session.route(plan.mapper, clause=statement, hold=True)
    connection = session.joined.get(bind)
    if connection is not None:
        if not _usable(session, connection):
            return None, None
        target = _Target(_driver(connection), connection.dialect, bind, connection, connection.info)
        return target, None
    reader: Any = session.readers.get(bind)
    if reader is not None:
        return _Target(reader.driver_connection, bind.dialect, bind, None, reader.info), None
    return None, (bind if _may_read_on_its_own(bind, driver) else None)


def _adopt(session: Session, bind: Any, reader: Any) -> _Target:
    """A connection fresh from ``bind``'s pool becomes the session's reader, in autocommit."""
    reader.dbapi_connection.autocommit = True
    reader.info[AUTOCOMMIT_READS] = True  # the pool's checkin switches transactions back on
    session.readers[bind] = reader
    return _Target(reader.driver_connection, bind.dialect, bind, None, reader.info)


def _may_read_on_its_own(bind: Any, driver: str) -> bool:
    """An engine (not a test's pinned connection) on ``driver``, reading before ``BEGIN``
    (:data:`LAZY_BEGIN`, no isolation level), with no ``echo`` and no engine events."""
    if not isinstance(bind, Engine) or bind.dialect.driver != driver:
        return False
    options = bind.get_execution_options()
    return bool(
        options.get(LAZY_BEGIN)
        and "isolation_level" not in options
        and not (bind.echo or bind._should_log_info() or bind._has_events)
    )


def _usable(session: Session, connection: Connection) -> bool:
    """Whether the driver may run a read on ``connection`` itself: nobody watches its
    statements (``echo``, engine events), and it reads in autocommit (the session's lazy
    BEGIN), so a failed read leaves no aborted transaction behind and SQLAlchemy can run it
    again to raise the error its own way."""
    return (
        connection in session.reading_connections
        and connection.dialect.driver in _DRIVERS
        and not (
            connection.closed
            or connection.invalidated
            or connection._echo
            or connection._has_events
            or connection.engine._has_events
        )
    )


def _converts_nothing(plan: EntityPlan, dialect: Dialect, parameters: list[Any]) -> bool:
    """Whether asyncpg's own values are the ones SQLAlchemy would hand over, both ways."""
    try:
        for type_ in parameters:
            if type_.dialect_impl(dialect).bind_processor(dialect) is not None:
                return False
        for column in plan.columns:
            if column.type.dialect_impl(dialect).result_processor(dialect, None) is not None:
                return False
    except Exception:  # a type that cannot say without a real column type: Core converts it
        return False
    return True


def _by_pk_sql(plan: EntityPlan, dialect: Dialect) -> str | None:
    try:
        return plan.by_pk_sql[dialect]
    except KeyError:
        pass
    sql: str | None = None
    if plan.by_pk is not None and _converts_nothing(
        plan, dialect, [plan.mapper.primary_key[0].type]
    ):
        compiled = plan.by_pk.compile(dialect=dialect)
        if list(compiled.positiontup or (PK_PARAM,)) == [PK_PARAM]:  # psycopg names it
            sql = compiled.string
    plan.by_pk_sql[dialect] = sql
    return sql


def _compiled_select(
    plan: EntityPlan, statement: Any, cache_key: Any, dialect: Dialect
) -> SQLCompiler | None:
    """``statement`` compiled for the dialect once per shape, or None when the driver can't run it
    as is: parameters rendered at execution time (``IN`` lists), escaped parameter names,
    conversions, or columns in another order than the plan's."""
    key = (dialect, cache_key.key)
    try:
        return _selects[key]
    except KeyError:
        pass
    compiled: SQLCompiler | None = dialect.statement_compiler(
        dialect, statement, cache_key=cache_key
    )
    assert compiled is not None
    binds = list(compiled.binds.values())
    if (
        any(bind.expanding or bind.literal_execute for bind in binds)
        or compiled.escaped_bind_names
        or tuple(column.key for column in statement.selected_columns) != plan.column_keys
        or not _converts_nothing(plan, dialect, [bind.type for bind in binds])
    ):
        compiled = None
    if len(_selects) >= _MAX_SELECTS:
        _selects.clear()
    _selects[key] = compiled
    return compiled
