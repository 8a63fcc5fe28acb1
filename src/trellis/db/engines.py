"""Engines for one configured database: sync and async, primary and replicas, made lazily.

Creating an engine does not connect, so an app whose database is down still starts; the first
query fails (and answers 503) until the database is back, and ``pool_pre_ping`` throws stale
connections away on the way.

Two things keep a request's round trips near the one its query needs (see ``docs/database.md``):
a pooled connection is pinged only when it sat idle for a while, not on every checkout (which
cost asyncpg three round trips per request), and on PostgreSQL a session's plain reads run
without ``BEGIN`` until its first write (:mod:`trellis.db.sessions` switches the connection;
engines only say whether they support it), so a read-only request sends neither ``BEGIN`` nor
``COMMIT``.  No engine-level event listener is added to PostgreSQL engines: one would send
every statement through SQLAlchemy's event dispatch.
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
from trellis.db.lazy_begin import AUTOCOMMIT_READS, LAZY_BEGIN

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
    and SQLAlchemy invalidates the whole pool, so the next request connects afresh. (The time
    it was checked in is recorded by :func:`_on_checkin`.)
    """

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


def supports_lazy_begin(engine: Engine) -> bool:
    """Whether sessions on ``engine`` may run plain reads before ``BEGIN`` (see
    :mod:`trellis.db.sessions`): PostgreSQL through psycopg or asyncpg, whose autocommit switch
    is a client-side flag, and whose default READ COMMITTED gives every statement its own
    snapshot inside a transaction or not."""
    dialect = engine.dialect
    return dialect.name == "postgresql" and dialect.driver in ("psycopg", "asyncpg")


def _on_checkin(engine: Engine, *, stamp: bool, reset_autocommit: bool) -> None:
    """One checkin listener (each costs a dispatch per request): note when the connection came
    back, for the idle ping; and give a connection a read-only unit of work left in autocommit
    back with transactions on, so ``engine.connect()`` (migrations, ``create_all``) behaves as
    always."""

    @event.listens_for(engine.pool, "checkin")
    def checked_in(dbapi_connection: Any, record: Any) -> None:
        info = record.info
        if stamp:
            info[_CHECKED_IN] = time.monotonic()
        if reset_autocommit and info.pop(AUTOCOMMIT_READS, None) and dbapi_connection is not None:
            dbapi_connection.autocommit = False


def _tune(engine: Engine, options: EngineOptions) -> None:
    stamp, lazy = bool(options.pool_pre_ping), supports_lazy_begin(engine)
    if stamp:
        _ping_idle_connections(engine)
    if stamp or lazy:
        _on_checkin(engine, stamp=stamp, reset_autocommit=lazy)


def make_sync_engine(url: URL, options: EngineOptions) -> Engine:
    target = sync_url(url)
    engine = create_engine(target, **engine_kwargs(target, options, asynchronous=False))
    _configure(engine, target, options)
    _tune(engine, options)
    return engine


def make_async_engine(url: URL, options: EngineOptions) -> AsyncEngine:
    target = async_url(url)
    engine = create_async_engine(target, **engine_kwargs(target, options, asynchronous=True))
    _configure(engine.sync_engine, target, options)
    _connect_errors_as_dbapi_errors(engine.sync_engine)
    _tune(engine.sync_engine, options)
    return engine


class EngineGroup:
    """The engines of one named database; replicas are handed out round robin."""

    def __init__(self, config: DatabaseConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._sync: dict[URL, Engine] = {}
        self._async: dict[URL, AsyncEngine] = {}
        self._session_engines: dict[Engine, Engine] = {}
        # The primary's session engine by kind: asked for on every unit of work, and a URL is
        # hashed by rendering it as a string.
        self._writers: dict[bool, Engine] = {}
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
        found = self._writers.get(asynchronous)
        if found is None:
            primary = self.async_engine().sync_engine if asynchronous else self.sync_engine()
            found = self._writers[asynchronous] = self._for_sessions(primary)
        return found

    def _for_sessions(self, engine: Engine) -> Engine:
        """``engine`` with ``LAZY_BEGIN`` where it supports it: the same pool, for the sessions'
        units of work only (migrations, ``create_all`` and raw ``engine.connect()`` keep plain
        transactions)."""
        found = self._session_engines.get(engine)
        if found is None:
            lazy = supports_lazy_begin(engine)
            found = engine.execution_options(**{LAZY_BEGIN: True}) if lazy else engine
            self._session_engines[engine] = found
        return found

    def dispose_sync(self) -> None:
        self._writers.pop(False, None)
        for engine in list(self._sync.values()):
            engine.dispose()
            self._session_engines.pop(engine, None)
        self._sync.clear()

    async def dispose_async(self) -> None:
        self._writers.pop(True, None)
        for engine in list(self._async.values()):
            await engine.dispose()
            self._session_engines.pop(engine.sync_engine, None)
        self._async.clear()

    async def dispose(self) -> None:
        self.dispose_sync()
        await self.dispose_async()
