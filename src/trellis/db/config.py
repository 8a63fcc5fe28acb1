"""Database configuration: which URLs, which drivers, which pool and timeout options.

Everything here is plain data in, plain data out: no engine is made and nothing connects, so a
configuration mistake is reported at start-up (or by ``trellis check``) with the name of the
database it concerns.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from trellis.exceptions import ConfigurationError

__all__ = ["DatabaseConfig", "EngineOptions", "async_url", "configs_from", "sync_url"]

#: Per backend: (sync driver, async driver).  The driver is chosen from the URL's backend, so
#: ``postgresql://...`` serves both ``def`` handlers (psycopg 3) and ``async def`` ones (asyncpg).
DRIVERS: dict[str, tuple[str, str]] = {
    "sqlite": ("pysqlite", "aiosqlite"),
    "postgresql": ("psycopg", "asyncpg"),
    "mysql": ("pymysql", "asyncmy"),
    "mariadb": ("pymysql", "asyncmy"),
}
_ALIASES = {"postgres": "postgresql", "pgsql": "postgresql"}
_ASYNC_DRIVERS = {"aiosqlite", "asyncpg", "asyncmy", "aiomysql", "psycopg_async"}
_OPTION_NAMES = {
    "pool_size",
    "max_overflow",
    "pool_recycle",
    "pool_pre_ping",
    "pool_timeout",
    "statement_timeout",
    "echo",
}


@dataclass(frozen=True, slots=True)
class EngineOptions:
    """Pool and timeout options; ``None`` keeps SQLAlchemy's default.

    ``statement_timeout`` is in seconds: PostgreSQL's ``statement_timeout``, MySQL's
    ``max_execution_time`` (MariaDB's ``max_statement_time``) and SQLite's busy timeout.
    """

    pool_size: int | None = None
    max_overflow: int | None = None
    pool_recycle: int | None = 3600
    pool_pre_ping: bool = True
    pool_timeout: float | None = None
    statement_timeout: float | None = None
    echo: bool = False

    def merged(self, values: Mapping[str, Any]) -> EngineOptions:
        unknown = set(values) - _OPTION_NAMES
        if unknown:
            raise ConfigurationError(
                f"unknown database option(s) {sorted(unknown)}; known: {sorted(_OPTION_NAMES)}"
            )
        return replace(self, **dict(values))


@dataclass(frozen=True, slots=True)
class DatabaseConfig:
    """One named database: a primary, optional read replicas, and engine options."""

    name: str
    primary: URL
    replicas: tuple[URL, ...] = ()
    options: EngineOptions = field(default_factory=EngineOptions)

    @property
    def backend(self) -> str:
        return backend_of(self.primary)


def backend_of(url: URL) -> str:
    name = url.get_backend_name()
    return _ALIASES.get(name, name)


def parse_url(value: str | URL, where: str) -> URL:
    if isinstance(value, URL):
        url = value
    else:
        try:
            url = make_url(str(value))
        except ArgumentError as exc:
            raise ConfigurationError(f"database {where}: invalid URL {value!r}: {exc}") from None
    backend = backend_of(url)
    if backend not in DRIVERS:
        raise ConfigurationError(
            f"database {where}: unsupported backend {url.get_backend_name()!r}; "
            f"use one of {sorted(DRIVERS)}"
        )
    return url


def _with_driver(url: URL, asynchronous: bool) -> URL:
    backend = backend_of(url)
    driver = url.get_driver_name() if "+" in url.drivername else ""
    if driver and (driver in _ASYNC_DRIVERS) == asynchronous:
        return url.set(drivername=f"{backend}+{driver}")
    sync_driver, async_driver = DRIVERS[backend]
    return url.set(drivername=f"{backend}+{async_driver if asynchronous else sync_driver}")


def sync_url(url: URL) -> URL:
    """``url`` with the sync driver of its backend (an explicitly chosen sync driver is kept)."""
    return _with_driver(url, asynchronous=False)


def async_url(url: URL) -> URL:
    """``url`` with the asyncio driver of its backend."""
    return _with_driver(url, asynchronous=True)


def _one(name: str, value: Any, defaults: EngineOptions) -> DatabaseConfig:
    if isinstance(value, str | URL):
        return DatabaseConfig(name, parse_url(value, repr(name)), (), defaults)
    if not isinstance(value, Mapping):
        raise ConfigurationError(
            f"database {name!r}: expected a URL or a mapping with 'primary', got {value!r}"
        )
    options = dict(value)
    primary = options.pop("primary", None) or options.pop("url", None)
    if primary is None:
        raise ConfigurationError(f"database {name!r}: the mapping needs a 'primary' URL")
    replicas = options.pop("replicas", ()) or ()
    if isinstance(replicas, str | URL) or not isinstance(replicas, Sequence):
        raise ConfigurationError(f"database {name!r}: 'replicas' must be a list of URLs")
    return DatabaseConfig(
        name,
        parse_url(primary, repr(name)),
        tuple(parse_url(r, f"{name!r} replica") for r in replicas),
        defaults.merged(options),
    )


def configs_from(value: Any, defaults: EngineOptions) -> dict[str, DatabaseConfig]:
    """Normalise ``"sqlite:///app.db"`` or ``{"default": URL, "analytics": {...}}``."""
    if value is None:
        return {}
    if isinstance(value, str | URL):
        value = {"default": value}
    if not isinstance(value, Mapping):
        raise ConfigurationError(f"databases must be a URL or a mapping of names, not {value!r}")
    return {str(name): _one(str(name), item, defaults) for name, item in value.items()}


def from_settings(settings: Any) -> Any:
    """The databases a project configured: ``settings.databases``, then the environment.

    ``TRELLIS_DATABASES`` holds JSON (``{"default": "postgresql://..."}``);
    ``TRELLIS_DATABASE_URL`` a single URL for ``default``.
    """
    for attribute in ("databases", "database_url"):
        value = getattr(settings, attribute, None)
        if value:
            return value
    raw = os.environ.get("TRELLIS_DATABASES")
    if raw:
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise ConfigurationError(f"TRELLIS_DATABASES is not valid JSON: {exc}") from None
    return os.environ.get("TRELLIS_DATABASE_URL") or None
