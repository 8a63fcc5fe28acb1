"""``trellis check`` findings about migrations: models and migrations must agree with the database.

IDs (stable; see ``docs/migrations.md``):

* ``migrations.W001`` — the models have changes that no migration holds (``makemigrations``);
* ``migrations.W002`` — the database is not at head: some migrations are not applied (``migrate``);
* ``migrations.W003`` — the migrations have several heads (two branches each added one);
* ``migrations.E001`` — the database could not be reached to compare it; reported as a warning,
  because ``trellis check`` often runs where the production database is not reachable.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from trellis.checks import CheckMessage
from trellis.exceptions import ConfigurationError
from trellis.migrations.commands import MigrationError, Migrations
from trellis.migrations.source import database_names, database_of

__all__ = ["describe_change", "migrations_check"]

_SHOWN = 5


def migrations_check(app: Any, deploy: bool) -> Iterable[CheckMessage]:
    """Compare every database of the app with its migrations."""
    try:
        source = database_of(app)
    except ConfigurationError:
        return
    for name in database_names(source):
        yield from _check_database(app, name)


def _check_database(app: Any, name: str) -> Iterator[CheckMessage]:
    flag = "" if name == "default" else f" --database {name}"
    try:
        migrations = Migrations(app, name)
        history = migrations.history()
        heads = migrations.heads()
    except (ConfigurationError, MigrationError) as exc:
        yield CheckMessage("migrations.E001", "warning", f"database {name!r}: {exc}")
        return
    except Exception as exc:  # no driver, a bad URL: reported, never a crash of `trellis check`
        yield _unreachable(name, exc)
        return
    if len(heads) > 1:
        yield CheckMessage(
            "migrations.W003",
            "warning",
            f"the migrations of database {name!r} have several heads: {', '.join(heads)}",
            "make one of them revise the other, or merge them",
        )
        return
    if not history:
        if migrations.target.metadata.tables:
            yield _unmigrated(name, flag, ["no migration exists yet"])
        return
    try:
        pending = migrations.pending()
        changes = [] if pending else migrations.changes()
    except Exception as exc:  # any driver error: the check reports, it never crashes
        yield _unreachable(name, exc)
        return
    if pending:
        names = ", ".join(r.name for r in pending[:_SHOWN])
        more = f" and {len(pending) - _SHOWN} more" if len(pending) > _SHOWN else ""
        yield CheckMessage(
            "migrations.W002",
            "warning",
            f"database {name!r} is not at head: {len(pending)} migration(s) not applied "
            f"({names}{more})",
            f"run `trellis db migrate{flag}`",
        )
    elif changes:
        yield _unmigrated(name, flag, [describe_change(c) for c in changes])


def _unreachable(name: str, exc: Exception) -> CheckMessage:
    return CheckMessage(
        "migrations.E001",
        "warning",
        f"could not reach database {name!r} to compare it with its migrations: "
        f"{type(exc).__name__}: {_first_line(exc)}",
        "make the database reachable from where `trellis check` runs, or ignore this",
    )


def _unmigrated(name: str, flag: str, what: list[str]) -> CheckMessage:
    shown = "; ".join(what[:_SHOWN]) + (
        f"; and {len(what) - _SHOWN} more" if len(what) > _SHOWN else ""
    )
    return CheckMessage(
        "migrations.W001",
        "warning",
        f"the models of database {name!r} have changes not in a migration: {shown}",
        f'run `trellis db makemigrations{flag} -m "..."`, then `trellis db migrate{flag}`',
    )


def describe_change(change: Any) -> str:
    """One autogenerate diff as a short phrase: ``add_column user.email``."""
    if isinstance(change, list):
        return "; ".join(describe_change(c) for c in change)
    op = str(change[0])
    if op.startswith("modify_"):
        return f"{op} {change[2]}.{change[3]}"
    if op in ("add_column", "remove_column"):
        return f"{op} {change[2]}.{change[3].name}"
    obj = change[1]
    table = getattr(obj, "table", None)
    label = getattr(obj, "name", None) or type(obj).__name__
    if table is not None and getattr(table, "name", None) and table.name != label:
        label = f"{label} on {table.name}"
    return f"{op} {label}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""
