"""The ``Database`` battery: named databases, their engines, sessions and lifecycle in an app.

``app.install(Database("sqlite:///app.db"))`` or ``Database({"default": URL, "analytics": URL})``;
without an argument the URLs come from ``settings.databases`` / ``TRELLIS_DATABASES`` (JSON) /
``TRELLIS_DATABASE_URL``.  The battery keeps itself at ``app.extensions["db"]`` and ``app.db``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sys
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, MetaData, Table, text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import DeclarativeBase, Mapper

from trellis.db.config import DatabaseConfig, EngineOptions, configs_from, from_settings, sync_url
from trellis.db.engines import EngineGroup
from trellis.db.models import Model
from trellis.db.sessions import AsyncSession, Session
from trellis.exceptions import ConfigurationError

if TYPE_CHECKING:
    from trellis.app import App

__all__ = ["Database"]

logger = logging.getLogger("trellis.db")
_PING_TIMEOUT = 5.0


class Database:
    """The database battery.

    Engine options given here are the defaults for every database; a database given as a
    mapping (``{"primary": URL, "replicas": [...], "pool_size": 10}``) overrides them.
    ``blueprints={"stats": "analytics"}`` binds the models defined in the ``stats`` blueprint's
    package to the ``analytics`` database.
    """

    def __init__(
        self,
        databases: str | URL | Mapping[str, Any] | None = None,
        *,
        pool_size: int | None = None,
        max_overflow: int | None = None,
        pool_recycle: int | None = 3600,
        pool_pre_ping: bool = True,
        pool_timeout: float | None = None,
        statement_timeout: float | None = None,
        echo: bool = False,
        blueprints: Mapping[str, str] | None = None,
        model: type[DeclarativeBase] = Model,
        plain_loading: bool = True,
    ) -> None:
        #: Whether sessions load plain models themselves (:mod:`trellis.db.loading`).
        self.plain_loading = plain_loading
        self.options = EngineOptions(
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_recycle=pool_recycle,
            pool_pre_ping=pool_pre_ping,
            pool_timeout=pool_timeout,
            statement_timeout=statement_timeout,
            echo=echo,
        )
        self._given = databases
        self.configs: dict[str, DatabaseConfig] = configs_from(databases, self.options)
        self.blueprints: dict[str, str] = dict(blueprints or {})
        self.model = model
        self.app: App | None = None
        self._groups: dict[str, EngineGroup] = {}
        self._packages: dict[str, str] | None = None
        self._table_names: tuple[int, dict[Table, str]] | None = None
        #: Set by the ``db``/``app_db`` test fixtures: sessions use these connections instead.
        self.pinned: Any = None

    # --- installation --------------------------------------------------------------------------

    def install(self, app: App) -> None:
        from trellis.db import checks, unit_of_work

        if self._given is None:
            self.configs = configs_from(from_settings(app.settings), self.options)
        self.app = app
        app.extensions["db"] = self
        app.db = self  # type: ignore[attr-defined]
        unit_of_work.install_providers(app)
        app.register_error_handler(unit_of_work.DBAPIError, unit_of_work.database_error)
        app.on_ready(self._ready)
        app.on_startup(self._startup)
        app.on_shutdown(self.dispose)
        app.add_check(checks.database_checks)
        app.add_check(checks.migrations_check)
        for name in self.names:
            app.add_probe(f"database:{name}", functools.partial(self.check_reachable, name))
            app.add_probe(
                f"migrations:{name}", functools.partial(checks.migrations_probe, app, name)
            )

    @staticmethod
    def of(app: Any) -> Database:
        """The Database battery installed on ``app``; ConfigurationError when there is none."""
        found = getattr(app, "extensions", {}).get("db")
        if not isinstance(found, Database):
            raise ConfigurationError(
                "No database is installed on this app: call app.install(Database(URL)) first"
            )
        return found

    def _ready(self, app: App) -> None:
        if not self.configs:
            raise ConfigurationError(
                "Database installed without any database: pass a URL "
                '(Database("sqlite:///app.db")) or set TRELLIS_DATABASE_URL'
            )
        unknown = sorted(set(self.blueprints.values()) - set(self.configs))
        if unknown:
            raise ConfigurationError(
                f"Database(blueprints=...) names unknown database(s) {unknown}; "
                f"configured: {self.names}"
            )
        self._packages = None
        self.blueprint_packages()

    async def _startup(self) -> None:
        # Connect once so a database that is down is reported now, in the log, while the app
        # still starts: it answers 503 until the database is back.
        await self.ping_all()

    # --- names, URLs, engines ----------------------------------------------------------------

    @property
    def names(self) -> list[str]:
        """The configured database names, ``default`` first when present."""
        return sorted(self.configs, key=lambda name: (name != "default", name))

    def config(self, name: str = "default") -> DatabaseConfig:
        try:
            return self.configs[name]
        except KeyError:
            raise ConfigurationError(
                f"No database named {name!r}; configured: {self.names or 'none'}"
            ) from None

    def url(self, name: str = "default") -> URL:
        """The primary's URL with its sync driver (what migrations connect with)."""
        return sync_url(self.config(name).primary)

    def engines(self, name: str = "default") -> EngineGroup:
        group = self._groups.get(name)
        if group is None:
            group = self._groups[name] = EngineGroup(self.config(name))
        return group

    def sync_engine(self, name: str = "default") -> Engine:
        """The primary's sync engine, made on first use (making it does not connect)."""
        return self.engines(name).sync_engine()

    def async_engine(self, name: str = "default") -> AsyncEngine:
        """The primary's asyncio engine, made on first use."""
        return self.engines(name).async_engine()

    async def dispose(self) -> None:
        """Close every pooled connection (the app calls it on shut-down).

        While a test fixture holds pinned connections the sync pools stay: disposing a pool
        under a checked-out connection would orphan it; the fixture closes it afterwards.
        """
        for group in list(self._groups.values()):
            if self.pinned is None:
                await group.dispose()
            else:
                await group.dispose_async()

    # --- which database a model or table belongs to ---------------------------------------------

    def blueprint_packages(self) -> dict[str, str]:
        """``{package: database}`` for ``blueprints=``, found from each blueprint's import name."""
        if self._packages is not None:
            return self._packages
        packages: dict[str, str] = {}
        if self.blueprints and self.app is not None:
            for collector in self.app.iter_collectors():
                name = getattr(collector, "name", None)
                import_name = getattr(collector, "import_name", None)
                if name in self.blueprints and import_name and collector is not self.app:
                    packages[_package_of(import_name)] = self.blueprints[name]
            missing = set(self.blueprints) - {
                getattr(c, "name", None) for c in self.app.iter_collectors()
            }
            if missing and self.app.started:
                raise ConfigurationError(
                    f"Database(blueprints=...) names blueprint(s) {sorted(missing)} that are not "
                    "registered on the app (or have no import name: pass __name__)"
                )
        if self.app is not None and self.app.started:
            self._packages = packages
        return packages

    def database_for_model(self, cls: type) -> str:
        """``__database__`` of the model, else its blueprint's database, else ``default``."""
        explicit = getattr(cls, "__database__", None)
        if explicit:
            return str(explicit)
        module = getattr(cls, "__module__", "") or ""
        best = ""
        chosen = "default"
        for package, database in self.blueprint_packages().items():
            if (module == package or module.startswith(package + ".")) and len(package) > len(best):
                best, chosen = package, database
        return chosen

    def _table_databases(self) -> dict[Table, str]:
        mappers = self.model.registry.mappers
        cached = self._table_names
        if cached is not None and cached[0] == len(mappers):
            return cached[1]
        found: dict[Table, str] = {}
        for mapper in mappers:
            for table in mapper.tables:
                if isinstance(table, Table):
                    found.setdefault(table, self.database_for_model(mapper.class_))
        self._table_names = (len(mappers), found)
        return found

    def database_of(self, mapper: Mapper[Any] | None, table: Table | None) -> str | None:
        if mapper is not None:
            return self.database_for_model(mapper.class_)
        if table is not None:
            name = self._table_databases().get(table)
            return name if name is not None else table.info.get("database")
        return None

    def metadata_for(self, name: str = "default") -> MetaData:
        """The tables of the models bound to database ``name`` (what migrations compare)."""
        self.config(name)
        source = self.model.metadata
        mapped = self._table_databases()
        chosen = [
            table
            for table in source.sorted_tables
            if mapped.get(table, table.info.get("database", "default")) == name
        ]
        if len(chosen) == len(source.tables):
            return source
        metadata = MetaData(naming_convention=source.naming_convention)
        for table in chosen:
            table.to_metadata(metadata)
        return metadata

    # --- sessions --------------------------------------------------------------------------------

    def bind_for(self, database: str, *, write: bool, asynchronous: bool) -> Engine | Connection:
        pinned = self.pinned
        if pinned is not None:
            connection: Connection = pinned.connection(database)
            return connection
        group = self.engines(database)
        return group.write_engine(asynchronous) if write else group.read_engine(asynchronous)

    def _session_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {
            "binder": self,
            "expire_on_commit": False,
            "plain_loading": self.plain_loading,
        }
        if self.pinned is not None:
            options["join_transaction_mode"] = "create_savepoint"
        return options

    def make_session(self, database: str = "default") -> Session:
        """A new routed session; the caller commits and closes it."""
        self.config(database)
        return Session(database=database, **self._session_options())

    def make_async_session(self, database: str = "default") -> AsyncSession:
        """A new routed asyncio session; the caller commits and closes it."""
        self.config(database)
        return AsyncSession(database=database, asynchronous=True, **self._session_options())

    @contextmanager
    def session(self, database: str = "default") -> Iterator[Session]:
        """``with app.db.session() as db:`` — committed on success, rolled back on error."""
        session = self.make_session(database)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @asynccontextmanager
    async def async_session(self, database: str = "default") -> AsyncIterator[AsyncSession]:
        """``async with app.db.async_session() as db:`` — the same, for asyncio code."""
        session = self.make_async_session(database)
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
        finally:
            await session.close()

    # --- schema and health --------------------------------------------------------------------

    def create_all(self, name: str = "default") -> None:
        """Create the missing tables of ``name``'s models (tests and prototypes; use migrations
        in production)."""
        self.metadata_for(name).create_all(self.sync_engine(name))

    def drop_all(self, name: str = "default") -> None:
        self.metadata_for(name).drop_all(self.sync_engine(name))

    async def check_reachable(self, name: str = "default") -> None:
        """Raise the driver's error unless database ``name``'s primary answers ``SELECT 1``."""
        async with asyncio.timeout(_PING_TIMEOUT):
            async with self.async_engine(name).connect() as connection:
                await connection.execute(text("SELECT 1"))

    async def ping(self, name: str = "default") -> bool:
        """Whether database ``name``'s primary answers ``SELECT 1``; the failure is logged."""
        try:
            await self.check_reachable(name)
        except Exception as exc:
            logger.error("Database %r is unreachable: %s", name, exc)
            return False
        return True

    async def ping_all(self) -> dict[str, bool]:
        """``{name: reachable}`` for every configured database, pinged concurrently."""
        names = self.names
        results = await asyncio.gather(*(self.ping(name) for name in names))
        return dict(zip(names, results, strict=True))

    def __repr__(self) -> str:
        return f"<Database {self.names}>"


def _package_of(import_name: str) -> str:
    """The package a blueprint's models live in: its module's package, or the module itself."""
    module = sys.modules.get(import_name)
    if module is not None and hasattr(module, "__path__"):
        return import_name
    package = getattr(module, "__package__", None) if module is not None else None
    if package is None:
        package = import_name.rpartition(".")[0]
    return package or import_name
