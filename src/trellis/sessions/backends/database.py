"""Sessions in a table of the app's database, through the database battery (``trellis.db``).

The table, ``trellis_session`` by default, has three columns: ``session_key`` (the primary key),
``data`` (JSON text) and ``expires`` (UTC, indexed).  It is declared in the ``MetaData`` of the
installed :class:`~trellis.db.Database`'s model base (``trellis.db.Model`` unless
``Database(model=...)`` names another) when the battery is installed, so ``trellis db
makemigrations`` sees it and writes its migration like any model's; ``metadata=`` puts it
elsewhere.  Reads and writes always go to the primary (a replica may not have the session a
login just wrote), in a short transaction of their own, never the handler's unit of work.

Expired rows are ignored when read and removed then; :meth:`DatabaseBackend.clear_expired`
removes the rest (run it from a scheduled task).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson

from trellis.conf import setting
from trellis.exceptions import ConfigurationError
from trellis.optional import require
from trellis.sessions.backends.base import SessionBackend

if TYPE_CHECKING:
    from sqlalchemy import MetaData, Table
    from sqlalchemy.sql import Executable

    from trellis.app import App
    from trellis.db import Database

__all__ = ["DatabaseBackend", "session_table"]

DEFAULT_TABLE = "trellis_session"


def session_table(
    metadata: MetaData, name: str = DEFAULT_TABLE, database: str = "default"
) -> Table:
    """The sessions table in ``metadata`` (declared there on first call)."""
    existing = metadata.tables.get(name)
    if existing is not None:
        return existing
    from sqlalchemy import Column, String, Table, Text

    from trellis.db.models import UTCDateTime

    return Table(
        name,
        metadata,
        Column("session_key", String(64), primary_key=True),
        Column("data", Text, nullable=False),
        Column("expires", UTCDateTime(), nullable=False, index=True),
        info={"database": database},
        comment="Sessions of trellis.sessions.DatabaseBackend",
    )


class DatabaseBackend(SessionBackend):
    """``DatabaseBackend(database=None, table_name=None, metadata=None)``.

    ``database`` names one of the app's databases (setting ``session_database``, default
    ``"default"``); ``table_name`` the table (``session_table``, default ``"trellis_session"``).
    """

    name = "database"

    def __init__(
        self,
        database: str | None = None,
        *,
        table_name: str | None = None,
        metadata: MetaData | None = None,
    ) -> None:
        require("sqlalchemy", extra="db", feature="Database sessions")
        self.database = database
        self.table_name = table_name
        self.metadata = metadata
        self.table: Table | None = None
        self.app: App | None = None
        self._provisional = False

    def bind(self, app: App) -> None:
        settings = app.settings
        if self.database is None:
            self.database = setting(settings, "session_database", "default")
        if self.table_name is None:
            self.table_name = setting(settings, "session_table", DEFAULT_TABLE)
        self.app = app
        metadata = self.metadata
        if metadata is None:
            installed = app.extensions.get("db")
            if installed is not None:
                metadata = installed.model.metadata
            else:  # installed later: the default model base is the likely one; checked when ready
                from trellis.db.models import Model

                metadata = Model.metadata
                self._provisional = self.table_name not in metadata.tables
        self.table = session_table(metadata, self.table_name, self.database)
        app.on_ready(self._ready)

    def _ready(self, app: App) -> None:
        database = self._db()
        database.config(self.database or "default")  # an unknown name fails now, not per request
        table = self.table
        assert table is not None
        target = database.model.metadata
        if self.metadata is None and table.metadata is not target:
            # The Database came after Sessions and uses another model base: move the table
            # there, where migrations look (the CLI sees it only if Database is installed first).
            if self._provisional:
                table.metadata.remove(table)
            self.table = session_table(target, table.name, self.database or "default")

    def _db(self) -> Database:
        if self.app is None:
            raise ConfigurationError("DatabaseBackend is not bound to an app: install Sessions")
        db = self.app.extensions.get("db")
        if db is None:
            raise ConfigurationError(
                "Sessions(backend=DatabaseBackend()) needs the database battery: "
                'app.install(Database("sqlite:///app.db"))'
            )
        return db  # type: ignore[no-any-return]

    async def _execute(self, statement: Executable) -> Any:
        async with self._db().async_session(self.database or "default") as session:
            session.sync_session.wrote = True  # the primary: a replica may lag behind a login
            return await session.execute(statement)

    def _expires(self, max_age: int) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=max_age)

    async def load(self, key: str) -> dict[str, Any] | None:
        from sqlalchemy import select

        table = self.table
        assert table is not None
        statement = select(table.c.data, table.c.expires).where(table.c.session_key == key)
        row = (await self._execute(statement)).first()
        if row is None:
            return None
        if row.expires <= datetime.now(UTC):
            await self.delete(key)
            return None
        try:
            data = orjson.loads(row.data)
        except orjson.JSONDecodeError:
            return None
        return data if isinstance(data, dict) else None

    async def save(self, key: str, data: dict[str, Any], max_age: int) -> None:
        from sqlalchemy import insert, update
        from sqlalchemy.exc import IntegrityError

        table = self.table
        assert table is not None
        values = {"data": orjson.dumps(data).decode(), "expires": self._expires(max_age)}
        changed = await self._execute(
            update(table).where(table.c.session_key == key).values(**values)
        )
        if changed.rowcount:
            return
        try:
            await self._execute(insert(table).values(session_key=key, **values))
        except IntegrityError:  # written meanwhile by a concurrent request of the same session
            await self._execute(update(table).where(table.c.session_key == key).values(**values))

    async def delete(self, key: str) -> None:
        from sqlalchemy import delete

        table = self.table
        assert table is not None
        await self._execute(delete(table).where(table.c.session_key == key))

    async def clear_expired(self) -> int:
        """Delete every expired session; returns how many there were."""
        from sqlalchemy import delete

        table = self.table
        assert table is not None
        result = await self._execute(delete(table).where(table.c.expires <= datetime.now(UTC)))
        return int(result.rowcount or 0)

    def __repr__(self) -> str:
        return f"DatabaseBackend(database={self.database!r}, table_name={self.table_name!r})"
