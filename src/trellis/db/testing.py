"""Tests in a transaction that is rolled back: what the ``db`` and ``app_db`` fixtures use.

Each database gets one connection with an outer transaction begun; sessions join it with
``join_transaction_mode="create_savepoint"``, so their commits only release savepoints and the
whole test's work disappears when the outer transaction is rolled back.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy import Connection, RootTransaction

from trellis.db.sessions import Session

if TYPE_CHECKING:
    from trellis.db.database import Database

__all__ = ["PinnedConnections", "rolled_back_session"]


class PinnedConnections:
    """One connection per database, each inside a transaction the test never commits.

    Connections are opened on first use, so a test touching only ``default`` does not need the
    other databases to be up.
    """

    def __init__(self, database: Database) -> None:
        self.database = database
        self._lock = threading.Lock()
        self._open: dict[str, tuple[Connection, RootTransaction]] = {}

    def connection(self, name: str) -> Connection:
        with self._lock:
            found = self._open.get(name)
            if found is None:
                connection = self.database.sync_engine(name).connect()
                found = self._open[name] = (connection, connection.begin())
            return found[0]

    def close(self) -> None:
        """Roll every test transaction back and give the connections back to the pool."""
        with self._lock:
            opened, self._open = self._open, {}
        for connection, transaction in opened.values():
            try:
                if transaction.is_active:
                    transaction.rollback()
            finally:
                connection.close()


@contextmanager
def rolled_back_session(database: Database, *, share_with_app: bool) -> Iterator[Session]:
    """A session whose work is undone afterwards; with ``share_with_app`` the app's request
    sessions use the same connections, so they see the test's data (and it theirs)."""
    pinned = PinnedConnections(database)
    previous = database.pinned
    session = Session(
        binder=_PinnedBinder(database, pinned),
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
    )
    if share_with_app:
        database.pinned = pinned
    try:
        yield session
    finally:
        try:
            session.close()
        finally:
            database.pinned = previous
            pinned.close()


class _PinnedBinder:
    """Routes like the Database, onto the pinned connections, without pinning the app."""

    def __init__(self, database: Database, pinned: PinnedConnections) -> None:
        self.database = database
        self.pinned = pinned

    def bind_for(self, database: str, *, write: bool, asynchronous: bool) -> Connection:
        return self.pinned.connection(database)

    def database_of(self, mapper: object, table: object) -> str | None:
        return self.database.database_of(mapper, table)  # type: ignore[arg-type]
