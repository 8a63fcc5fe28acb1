"""One unit of work per request: the session providers, ``using()``, ``@transaction`` and 503s.

A handler's session is committed after the handler answered below 400 and before the answer is
sent (``Request.before_send``), so a failed commit still becomes an error answer and the client
never hears "done" for work that was not saved.  An error status or an exception rolls back;
the session is always closed.  A unit of work with nothing to commit (it only read, on
PostgreSQL without a transaction: ``Session.has_work``) skips the commit and the rollback.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import logging
import random
import threading
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlalchemy import orm as sa_orm
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext import asyncio as sa_asyncio

from trellis.concurrency import thread_pool_size
from trellis.db.database import Database
from trellis.db.sessions import AsyncSession, Session
from trellis.exceptions import HTTPException
from trellis.http.request import Request
from trellis.http.responses import Response
from trellis.params import Depends

if TYPE_CHECKING:
    from trellis.app import App

__all__ = ["DBAPIError", "database_error", "is_retryable", "transaction", "using"]

F = TypeVar("F", bound=Callable[..., Any])
logger = logging.getLogger("trellis.db")

# SQLSTATE 40001 serialization failure, 40P01 deadlock (PostgreSQL); MySQL 1213 deadlock,
# 1205 lock wait timeout.
_RETRY_SQLSTATES = {"40001", "40P01"}
_RETRY_MYSQL_CODES = {1213, 1205}


def _database(request: Request) -> Database:
    return Database.of(request.scope["app"])


def _failed(response: Response) -> bool:
    return response.status_code >= 400


# Sync commits and rollbacks run here, not in the handlers' thread pool. A finished handler's
# session still holds its pooled connection until it commits; were its commit queued behind
# handlers that wait for a connection, and the pool empty, neither could go on (every request
# stalled for ``pool_timeout``, then failed). A commit never waits for a connection, so a pool
# of its own always drains.
_finishers: ThreadPoolExecutor | None = None
_finishers_lock = threading.Lock()


def _finisher_pool() -> ThreadPoolExecutor:
    global _finishers
    if _finishers is None:
        with _finishers_lock:
            if _finishers is None:
                _finishers = ThreadPoolExecutor(
                    max_workers=thread_pool_size(), thread_name_prefix="trellis-db-commit"
                )
    return _finishers


async def _in_finisher(call: Callable[[], Any]) -> None:
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(
        _finisher_pool(), functools.partial(contextvars.copy_context().run, call)
    )


def _sync_factory(name: str) -> Callable[..., AsyncIterator[Session]]:
    # An async generator serving a sync session: making the session and closing one that holds
    # no transaction do no I/O, so neither needs a thread; what talks to the database (commit,
    # rollback, closing a connection inside a transaction) runs in the finishers' pool.
    async def provide_session(request: Request) -> AsyncIterator[Session]:
        session: Session = _database(request).make_session(name)

        async def finish(response: Response) -> None:
            if session.has_work():
                await _in_finisher(session.rollback if _failed(response) else session.commit)

        request.before_send(finish)
        try:
            yield session
        except BaseException:
            if session.has_work():
                await _in_finisher(session.rollback)
            raise
        finally:
            if session.has_work():
                await _in_finisher(session.close)
            else:
                session.close()

    provide_session.__qualname__ = f"session[{name}]"
    return provide_session


def _async_factory(name: str) -> Callable[..., AsyncIterator[AsyncSession]]:
    async def provide_async_session(request: Request) -> AsyncIterator[AsyncSession]:
        session: AsyncSession = _database(request).make_async_session(name)

        async def finish(response: Response) -> None:
            if session.sync_session.has_work():
                await (session.rollback() if _failed(response) else session.commit())

        request.before_send(finish)
        try:
            yield session
        except BaseException:
            if session.sync_session.has_work():
                await session.rollback()
            raise
        finally:
            if session.sync_session.has_work():
                await session.close()
            else:
                # No transaction: returning the connections sends nothing, so no greenlet.
                session.sync_session.close()

    provide_async_session.__qualname__ = f"async_session[{name}]"
    return provide_async_session


@functools.cache
def _factory(name: str, asynchronous: bool) -> Callable[..., Any]:
    # one function per (name, kind), so Depends' per-request cache hands out one session
    return _async_factory(name) if asynchronous else _sync_factory(name)


def using(name: str, kind: type[Session] | type[AsyncSession] = Session) -> Depends:
    """A session on database ``name``: ``db: Annotated[Session, using("analytics")]``.

    For an ``async def`` handler pass the kind: ``Annotated[AsyncSession, using("analytics",
    AsyncSession)]``.  Statements on models bound elsewhere still go to their own database;
    ``name`` decides where unbound SQL (``text()``) runs.
    """
    asynchronous = isinstance(kind, type) and issubclass(kind, sa_asyncio.AsyncSession)
    return Depends(_factory(name, asynchronous))


def install_providers(app: App) -> None:
    sync, asynchronous = _factory("default", False), _factory("default", True)
    for sync_cls in (Session, sa_orm.Session):
        app.provide(sync_cls, sync)
    for async_cls in (AsyncSession, sa_asyncio.AsyncSession):
        app.provide(async_cls, asynchronous)


# --- errors ------------------------------------------------------------------------------------


def _unavailable(exc: DBAPIError) -> bool:
    return isinstance(exc, OperationalError) or bool(exc.connection_invalidated)


def database_error(request: Request, exc: DBAPIError) -> Response:
    """503 for a database that is down or dropped the connection; other errors stay 500s."""
    if not _unavailable(exc):
        raise exc
    from trellis.middleware.errors import error_response

    logger.error("Database unavailable during %s %s: %s", request.method, request.path, exc)
    request_id = request.scope.get("trellis.request_id", b"")
    detail = "The database is unavailable; try again shortly."
    error = HTTPException(503, detail, headers={"Retry-After": "5"})
    rid = request_id.decode() if isinstance(request_id, bytes) else str(request_id)
    return error_response(error, request.scope.get("headers", []), rid)


def is_retryable(exc: BaseException) -> bool:
    """Whether ``exc`` is a deadlock or serialization failure that a retry may get past."""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if sqlstate in _RETRY_SQLSTATES:
        return True
    args: tuple[Any, ...] = tuple(getattr(orig, "args", ()))
    return bool(args) and args[0] in _RETRY_MYSQL_CODES


# --- @transaction ------------------------------------------------------------------------------


def _status_of(result: Any) -> int:
    if isinstance(result, Response):
        return result.status_code
    if isinstance(result, tuple) and len(result) >= 2 and isinstance(result[1], int):
        return result[1]
    return 200


def _find_session(kwargs: dict[str, Any], owner: str) -> Any:
    for value in kwargs.values():
        if isinstance(value, sa_orm.Session | sa_asyncio.AsyncSession):
            return value
    raise TypeError(f"@transaction on {owner} needs a Session or AsyncSession parameter")


def _delay(attempt: int, backoff: float) -> float:
    return float(backoff * (2**attempt) * (0.5 + random.random()))


def transaction(
    retries: int = 3, *, isolation_level: str | None = None, backoff: float = 0.01
) -> Callable[[F], F]:
    """Own the handler's commit, and run it again on a deadlock or serialization failure.

    Each attempt calls the handler, then commits; on a retryable error everything is rolled back
    and the handler runs again, up to ``retries`` more times.  ``isolation_level`` (e.g.
    ``"SERIALIZABLE"``) is set on the attempt's connection.  The handler must be safe to run
    twice: only the database is rolled back, not e-mails sent or files written.
    """

    def decorate(handler: F) -> F:
        owner = getattr(handler, "__qualname__", repr(handler))

        options = {"isolation_level": isolation_level} if isolation_level else None

        def begin(session: Any) -> Any:
            return session.connection(execution_options=options)

        if inspect.iscoroutinefunction(handler):

            @functools.wraps(handler)
            async def run_async(**kwargs: Any) -> Any:
                session = _find_session(kwargs, owner)
                for attempt in range(retries + 1):
                    try:
                        if options:
                            await begin(session)
                        result = await handler(**kwargs)
                        if _status_of(result) >= 400:
                            await session.rollback()
                        else:
                            await session.commit()
                        return result
                    except DBAPIError as exc:
                        await session.rollback()
                        if attempt >= retries or not is_retryable(exc):
                            raise
                        logger.info("Retrying %s after %s", owner, type(exc.orig).__name__)
                    await asyncio.sleep(_delay(attempt, backoff))
                raise AssertionError("unreachable")

            return cast(F, run_async)

        @functools.wraps(handler)
        def run(**kwargs: Any) -> Any:
            session = _find_session(kwargs, owner)
            for attempt in range(retries + 1):
                try:
                    if options:
                        begin(session)
                    result = handler(**kwargs)
                    if _status_of(result) >= 400:
                        session.rollback()
                    else:
                        session.commit()
                    return result
                except DBAPIError as exc:
                    session.rollback()
                    if attempt >= retries or not is_retryable(exc):
                        raise
                    logger.info("Retrying %s after %s", owner, type(exc.orig).__name__)
                time.sleep(_delay(attempt, backoff))
            raise AssertionError("unreachable")

        return cast(F, run)

    return decorate
