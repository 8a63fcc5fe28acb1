"""Engines for one configured database: sync and async, primary and replicas, made lazily.

Creating an engine does not connect, so an app whose database is down still starts; the first
query fails (and answers 503) until the database is back, and ``pool_pre_ping`` throws stale
connections away on the way.

Two things keep a request's round trips near the one its query needs (see ``docs/database.md``):
a pooled connection is pinged only when it sat idle for a while, not on every checkout (which
cost asyncpg three round trips per request), and on PostgreSQL a session's plain reads run
without ``BEGIN`` until its first write, so a read-only request sends neither ``BEGIN`` nor
``COMMIT``.
"""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from trellis.db.config import DatabaseConfig, EngineOptions, async_url, backend_of, sync_url
from trellis.db.sessions import is_plain_read

__all__ = ["EngineGroup"]


def _is_memory_sqlite(url: URL) -> bool:
    return backend_of(url) == "sqlite" and url.database in (None, "", ":memory:")


def engine_kwargs(url: URL, options: EngineOptions, *, asynchronous: bool) -> dict[str, Any]:
    """Keyword arguments for ``create_engine`` carrying the pool and timeout options."""
    # pool_pre_ping is ours (_ping_idle_connections): SQLAlchemy's pings on every checkout.
    kwargs: dict[str, Any] = {"echo": options.echo}
    backend = backend_of(url)
    if not _is_memory_sqlite(url):  # memory SQLite uses a single-connection pool
        for name in ("pool_size", "max_overflow", "pool_recycle", "pool_timeout"):
            value = getattr(options, name)
            if value is not None:
                kwargs[name] = value
    timeout = options.statement_timeout
    if timeout is not None and backend == "postgresql":
        ms = int(timeout * 1000)
        if asynchronous:
            kwargs["connect_args"] = {"server_settings": {"statement_timeout": str(ms)}}
        else:
            kwargs["connect_args"] = {"options": f"-c statement_timeout={ms}"}
    return kwargs


def _configure(engine: Engine, url: URL, options: EngineOptions) -> None:
    """Per-connection settings that no URL parameter carries, set on every new connection."""
    backend = backend_of(url)
    timeout = options.statement_timeout
    if backend == "sqlite":
        wal = not _is_memory_sqlite(url)
        busy_ms = int((timeout if timeout is not None else 5.0) * 1000)

        @event.listens_for(engine, "connect")
        def sqlite_pragmas(dbapi_connection: Any, record: Any) -> None:
            # The driver's own implicit BEGIN is switched off and SQLAlchemy's "begin" event
            # says BEGIN itself, so savepoints and transactional DDL behave as on other
            # backends (the test fixtures roll back through them).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            if wal:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def sqlite_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN")

    elif backend in ("mysql", "mariadb") and timeout is not None:

        @event.listens_for(engine, "connect")
        def mysql_timeout(dbapi_connection: Any, record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT VERSION()")
            version = str(cursor.fetchone()[0])
            if "mariadb" in version.lower():
                cursor.execute(f"SET SESSION max_statement_time={float(timeout)}")
            else:
                cursor.execute(f"SET SESSION max_execution_time={int(timeout * 1000)}")
            cursor.close()


def _connect_errors_as_dbapi_errors(engine: Engine) -> None:
    """Some async drivers (asyncpg) let a refused connection out as a bare ``OSError``; turn it
    into the driver's ``OperationalError`` so SQLAlchemy wraps it like every other backend's and
    the app answers 503 for it."""

    @event.listens_for(engine, "do_connect")
    def connect(dialect: Any, record: Any, cargs: Any, cparams: Any) -> Any:
        try:
            return dialect.connect(*cargs, **cparams)
        except OSError as exc:
            raise dialect.loaded_dbapi.OperationalError(str(exc)) from exc


#: A connection idle in the pool for longer than this is pinged before it is handed out.
PING_AFTER_IDLE_S = 1.0
_CHECKED_IN = "trellis.checked_in"


def _ping_idle_connections(engine: Engine) -> None:
    """``pool_pre_ping``, paid only by connections that sat idle for ``PING_AFTER_IDLE_S``.

    A connection that served a request a moment ago is almost surely alive, and under load every
    connection is; the one left over a database restart has been idle. A dead connection found
    here is replaced before the request sees it; one that dies in use fails that request (503)
    and SQLAlchemy invalidates the whole pool, so the next request connects afresh.
    """

    @event.listens_for(engine.pool, "checkin")
    def checked_in(dbapi_connection: Any, record: Any) -> None:
        record.info[_CHECKED_IN] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.pop(_CHECKED_IN, None)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return  # fresh from connect(), or busy a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError(f"stale pooled connection: {exc}") from exc
        if alive is False:
            raise DisconnectionError("stale pooled connection")


#: Execution option of the engines sessions use: plain reads may run before ``BEGIN``.
LAZY_BEGIN = "trellis_lazy_begin"
_TX_STATE = "trellis.lazy_begin"


def _begin_on_first_write(engine: Engine) -> None:
    """On a connection with ``LAZY_BEGIN``, plain reads run in autocommit until the first write.

    Under PostgreSQL's default READ COMMITTED every statement sees its own snapshot, inside a
    transaction or not, so reads answer the same; the first write (or anything that is not a
    plain read: ``text()``, ``FOR UPDATE``) sends ``BEGIN`` before it, and from there on the
    unit of work is one transaction as before. A read-only unit of work so sends no ``BEGIN``
    and no ``COMMIT``: two round trips of its three. Switching is a client-side flag in both
    psycopg and SQLAlchemy's asyncpg adapter. A connection given an isolation level
    (``@transaction(isolation_level=...)``) is left alone.
    """

    @event.listens_for(engine, "begin")
    def begun(connection: Any) -> None:
        if _lazy(connection):
            connection.info[_TX_STATE] = "reads"
        elif connection.info.pop(_TX_STATE, None) is not None:
            _autocommit(connection.connection.dbapi_connection, False)

    @event.listens_for(engine, "before_cursor_execute")
    def before(
        connection: Any,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: Any,
        executemany: bool,
    ) -> None:
        info = connection.info
        if info.get(_TX_STATE) != "reads":
            return
        if not _lazy(connection):  # an isolation level was set after the transaction began
            info[_TX_STATE] = "transaction"
            _autocommit(connection.connection.dbapi_connection, False)
            return
        compiled = getattr(context, "compiled", None)
        read = compiled is not None and not executemany and is_plain_read(compiled.statement)
        _autocommit(connection.connection.dbapi_connection, read)
        if not read:
            info[_TX_STATE] = "transaction"

    @event.listens_for(engine.pool, "checkin")
    def checked_in(dbapi_connection: Any, record: Any) -> None:
        if record.info.pop(_TX_STATE, None) is not None:
            _autocommit(dbapi_connection, False)


def _lazy(connection: Any) -> bool:
    options = connection.get_execution_options()
    return bool(options.get(LAZY_BEGIN)) and "isolation_level" not in options


def _autocommit(dbapi_connection: Any, value: bool) -> None:
    if dbapi_connection is not None and bool(dbapi_connection.autocommit) != value:
        dbapi_connection.autocommit = value


def _tune(engine: Engine, url: URL, options: EngineOptions) -> None:
    if options.pool_pre_ping:
        _ping_idle_connections(engine)
    if backend_of(url) == "postgresql" and url.get_driver_name() in ("psycopg", "asyncpg"):
        _begin_on_first_write(engine)


def make_sync_engine(url: URL, options: EngineOptions) -> Engine:
    target = sync_url(url)
    engine = create_engine(target, **engine_kwargs(target, options, asynchronous=False))
    _configure(engine, target, options)
    _tune(engine, target, options)
    return engine


def make_async_engine(url: URL, options: EngineOptions) -> AsyncEngine:
    target = async_url(url)
    engine = create_async_engine(target, **engine_kwargs(target, options, asynchronous=True))
    _configure(engine.sync_engine, target, options)
    _connect_errors_as_dbapi_errors(engine.sync_engine)
    _tune(engine.sync_engine, target, options)
    return engine


class EngineGroup:
    """The engines of one named database; replicas are handed out round robin."""

    def __init__(self, config: DatabaseConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._sync: dict[URL, Engine] = {}
        self._async: dict[URL, AsyncEngine] = {}
        self._session_engines: dict[Engine, Engine] = {}
        self._sync_turns = itertools.cycle(config.replicas) if config.replicas else None
        self._async_turns = itertools.cycle(config.replicas) if config.replicas else None

    def sync_engine(self, url: URL | None = None) -> Engine:
        url = url if url is not None else self.config.primary
        engine = self._sync.get(url)
        if engine is None:
            with self._lock:
                engine = self._sync.get(url)
                if engine is None:
                    engine = self._sync[url] = make_sync_engine(url, self.config.options)
        return engine

    def async_engine(self, url: URL | None = None) -> AsyncEngine:
        url = url if url is not None else self.config.primary
        engine = self._async.get(url)
        if engine is None:
            with self._lock:
                engine = self._async.get(url)
                if engine is None:
                    engine = self._async[url] = make_async_engine(url, self.config.options)
        return engine

    def read_engine(self, asynchronous: bool) -> Engine:
        """A replica's sync engine (the async one's ``sync_engine`` for async sessions)."""
        turns = self._async_turns if asynchronous else self._sync_turns
        if turns is None:
            return self.write_engine(asynchronous)
        with self._lock:
            url = next(turns)
        if asynchronous:
            return self._for_sessions(self.async_engine(url).sync_engine)
        return self._for_sessions(self.sync_engine(url))

    def write_engine(self, asynchronous: bool) -> Engine:
        if asynchronous:
            return self._for_sessions(self.async_engine().sync_engine)
        return self._for_sessions(self.sync_engine())

    def _for_sessions(self, engine: Engine) -> Engine:
        """``engine`` with ``LAZY_BEGIN``: the same pool, for the sessions' units of work only
        (migrations, ``create_all`` and raw ``engine.connect()`` keep plain transactions)."""
        found = self._session_engines.get(engine)
        if found is None:
            found = self._session_engines[engine] = engine.execution_options(**{LAZY_BEGIN: True})
        return found

    def dispose_sync(self) -> None:
        for engine in list(self._sync.values()):
            engine.dispose()
            self._session_engines.pop(engine, None)
        self._sync.clear()

    async def dispose_async(self) -> None:
        for engine in list(self._async.values()):
            await engine.dispose()
            self._session_engines.pop(engine.sync_engine, None)
        self._async.clear()

    async def dispose(self) -> None:
        self.dispose_sync()
        await self.dispose_async()
