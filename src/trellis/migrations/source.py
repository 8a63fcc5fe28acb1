"""Where migrations get their databases from, and where a database's migrations live on disk.

The migrations work on whatever the app's database battery exposes at ``app.extensions["db"]``:
the names of its databases, each one's URL, a sync engine, and the ``MetaData`` of the models bound
to it.  :class:`DatabaseSource` spells that contract out, so ``trellis.migrations`` depends on the
shape of :class:`trellis.db.Database` and not on its module (and can be tested without it).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from trellis.exceptions import ConfigurationError

if TYPE_CHECKING:
    from sqlalchemy import URL, Engine, MetaData

__all__ = [
    "DEFAULT_DIRECTORY",
    "DatabaseSource",
    "database_names",
    "database_of",
    "migrations_root",
]

#: The folder, under the app's root path, holding one sub-folder of migrations per database.
DEFAULT_DIRECTORY = "migrations"


@runtime_checkable
class DatabaseSource(Protocol):
    """What migrations need from a database battery (``trellis.db.Database`` provides it)."""

    @property
    def names(self) -> Sequence[str]: ...

    def url(self, name: str = "default") -> URL: ...

    def sync_engine(self, name: str = "default") -> Engine: ...

    def metadata_for(self, name: str = "default") -> MetaData: ...


def database_of(app: Any) -> DatabaseSource:
    """The app's database battery, or a ConfigurationError saying how to install one."""
    extensions = getattr(app, "extensions", None)
    source = extensions.get("db") if isinstance(extensions, dict) else None
    if source is None:
        raise ConfigurationError(
            "This app has no database: install one with "
            'app.install(Database("sqlite:///app.db")) (from trellis.db import Database).'
        )
    if not isinstance(source, DatabaseSource):
        raise ConfigurationError(
            f"app.extensions['db'] is {source!r}, which lacks names, url(), sync_engine() "
            "or metadata_for(); migrations cannot use it."
        )
    return source


def database_names(source: DatabaseSource) -> list[str]:
    names = source.names
    return list(names() if callable(names) else names)


def check_database_name(source: DatabaseSource, name: str) -> None:
    """Refuse an unknown ``--database`` with the list of the known ones."""
    names = database_names(source)
    if name not in names:
        known = ", ".join(repr(n) for n in names) or "none"
        raise ConfigurationError(f"No database named {name!r}; this app has: {known}.")


def migrations_root(
    app: Any, source: object | None = None, override: str | Path | None = None
) -> Path:
    """The folder holding ``<database>/versions/`` for every database of the app.

    The first that is set wins: ``override`` (the ``--directory`` option), the database battery's
    ``migrations_dir``, the ``migrations_dir`` setting, then ``migrations/``.  A relative path is
    taken from the app's root path (the folder of the app module), so the command finds the same
    folder from whatever directory it is run.
    """
    chosen: Any = override
    if chosen is None:
        chosen = getattr(source, "migrations_dir", None)
    if chosen is None:
        chosen = getattr(getattr(app, "settings", None), "migrations_dir", None)
    root = Path(getattr(app, "root_path", None) or Path.cwd())
    path = Path(chosen) if chosen is not None else Path(DEFAULT_DIRECTORY)
    return (path if path.is_absolute() else root / path).resolve()
