"""Checks of the database setup (``trellis check``), IDs ``db.E001``...

* ``db.E001`` no database is configured.
* ``db.E002`` a SQLite database file's folder does not exist.
* ``db.E003`` a model is bound to a database name that is not configured.
* ``db.E004`` ``Database(blueprints=...)`` names an unknown blueprint or database.
* ``db.W001`` (deploy) a database is SQLite in memory: every process has its own, empty one.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trellis.checks import CheckMessage
from trellis.concurrency import run_sync
from trellis.db.config import backend_of

if TYPE_CHECKING:
    from trellis.app import App

__all__ = ["database_checks", "migrations_check", "migrations_probe"]


def database_checks(app: App, deploy: bool) -> Iterable[CheckMessage]:
    from trellis.db.database import Database

    db = Database.of(app)
    if not db.configs:
        yield CheckMessage(
            "db.E001",
            "error",
            "Database is installed but no database is configured",
            'pass a URL, Database("sqlite:///app.db"), or set TRELLIS_DATABASE_URL',
        )
        return
    for name in db.names:
        config = db.configs[name]
        for url in (config.primary, *config.replicas):
            if backend_of(url) != "sqlite":
                continue
            if url.database in (None, "", ":memory:"):
                if deploy:
                    yield CheckMessage(
                        "db.W001",
                        "warning",
                        f"database {name!r} is SQLite in memory: each process has its own, "
                        "empty database",
                        "use a file (sqlite:///app.db) or a server database in production",
                    )
                continue
            folder = Path(url.database).expanduser().resolve().parent
            if not folder.is_dir():
                yield CheckMessage(
                    "db.E002",
                    "error",
                    f"database {name!r}: the folder {folder} of its SQLite file does not exist",
                    f"create it (mkdir -p {folder}) or fix the URL",
                )
    configured = set(db.configs)
    for mapper in db.model.registry.mappers:
        bound = db.database_for_model(mapper.class_)
        if bound not in configured:
            yield CheckMessage(
                "db.E003",
                "error",
                f"model {mapper.class_.__qualname__} is bound to database {bound!r}, which is not "
                f"configured (configured: {', '.join(db.names)})",
                f"add {bound!r} to the databases or change __database__",
            )
    yield from _blueprint_messages(app, db)


def _blueprint_messages(app: App, db: Any) -> Iterable[CheckMessage]:
    registered = {getattr(c, "name", None) for c in app.iter_collectors() if c is not app}
    for blueprint, database in db.blueprints.items():
        if blueprint not in registered:
            yield CheckMessage(
                "db.E004",
                "error",
                f"Database(blueprints=...) names blueprint {blueprint!r}, which is not registered",
                "register the blueprint on the app or remove it from blueprints=",
            )
        if database not in db.configs:
            yield CheckMessage(
                "db.E004",
                "error",
                f"Database(blueprints=...) binds {blueprint!r} to unknown database {database!r}",
                f"configured: {', '.join(db.names)}",
            )


def migrations_check(app: App, deploy: bool) -> Iterable[CheckMessage]:
    """The migrations battery's check (models vs. migrations), when that battery is present."""
    try:
        from trellis.migrations.checks import (  # type: ignore[import-not-found,unused-ignore]
            migrations_check as check,
        )
    except ImportError as exc:
        if exc.name and not exc.name.startswith("trellis.migrations"):
            raise  # the battery is there but broken: say so
        return []
    return list(check(app, deploy))


async def migrations_probe(app: App, name: str) -> str | None:
    """Readiness: every migration of database ``name`` is applied (a reason when not).

    A project without the migrations battery, or without any migration yet, is ready: there is
    nothing to wait for.
    """
    try:
        from trellis.migrations.commands import (  # type: ignore[import-not-found,unused-ignore]
            Migrations,
        )
    except ImportError as exc:
        if exc.name and not exc.name.startswith(("trellis.migrations", "alembic")):
            raise
        return None

    def pending() -> list[Any]:
        return list(Migrations(app, name).pending())

    found = await run_sync(pending)
    if not found:
        return None
    return f"{len(found)} migration(s) not applied; run `trellis db migrate`"
