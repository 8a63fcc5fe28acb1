"""``trellis db ...`` (migrations) and ``trellis shell``.

Both are declared as ``trellis.commands`` entry points, so they load only when used.  The work is
done by :class:`trellis.migrations.Migrations`; these commands parse options and print.
"""

from __future__ import annotations

import code
import contextlib
import importlib
import sys
import traceback
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import click

from trellis.cli.discovery import with_app
from trellis.exceptions import TrellisError

__all__ = ["db", "shell", "shell_namespace"]

R = TypeVar("R")


def _database_option(fn: Callable[..., R]) -> Callable[..., R]:
    return click.option(
        "--database",
        "database",
        default="default",
        show_default=True,
        metavar="NAME",
        help="Which of the app's databases.",
    )(fn)


def _directory_option(fn: Callable[..., R]) -> Callable[..., R]:
    return click.option(
        "--directory",
        "directory",
        default=None,
        metavar="PATH",
        help="Folder holding <database>/versions/ (default: the migrations_dir setting, "
        "else migrations/ beside the app module).",
    )(fn)


def _migrations(app: Any, database: str, directory: str | None) -> Any:
    from trellis.migrations import Migrations

    try:
        return Migrations(app, database, directory=directory)
    except TrellisError as exc:
        raise click.ClickException(str(exc)) from None


@contextlib.contextmanager
def _reported() -> Iterator[None]:
    """Turn what the user can fix into a one-line error instead of a traceback."""
    from sqlalchemy.exc import OperationalError

    try:
        yield
    except TrellisError as exc:
        raise click.ClickException(str(exc)) from None
    except OperationalError as exc:
        raise click.ClickException(f"the database cannot be used: {exc.orig or exc}") from None


@click.group()
def db() -> None:
    """Database migrations: make them from the models, apply them, inspect them."""


@db.command()
@click.option("-m", "--message", default=None, help="What the migration does (names the file).")
@_database_option
@_directory_option
@with_app
def makemigrations(app: Any, message: str | None, database: str, directory: str | None) -> None:
    """Write a migration with the models' changes since the last one."""
    migrations = _migrations(app, database, directory)
    with _reported():
        path = migrations.make(message)
    if path is None:
        click.echo(f"No changes detected in database {database!r}.")
    else:
        click.echo(f"Wrote {path}")


@db.command()
@click.argument("revision", default="head")
@_database_option
@_directory_option
@with_app
def migrate(app: Any, revision: str, database: str, directory: str | None) -> None:
    """Apply migrations up to REVISION (default: head, the latest)."""
    migrations = _migrations(app, database, directory)
    with _reported():
        before = migrations.pending()
        migrations.upgrade(revision)
        still = {r.id for r in migrations.pending()}
    applied = [r for r in before if r.id not in still]
    for rev in applied:
        click.echo(f"Applied {rev.name}")
    if not applied:
        click.echo(f"Nothing to apply: database {database!r} is already at {revision}.")


# "-1" is a revision here, not an option.
@db.command(context_settings={"ignore_unknown_options": True})
@click.argument("revision")
@_database_option
@_directory_option
@with_app
def downgrade(app: Any, revision: str, database: str, directory: str | None) -> None:
    """Revert migrations down to REVISION (an id, -1 for one step, base for all)."""
    migrations = _migrations(app, database, directory)
    with _reported():
        migrations.downgrade(revision)
        now = migrations.current()
    click.echo(f"Database {database!r} is now at {', '.join(now) if now else 'base'}.")


@db.command()
@_database_option
@_directory_option
@with_app
def history(app: Any, database: str, directory: str | None) -> None:
    """List the migrations, oldest first."""
    migrations = _migrations(app, database, directory)
    with _reported():
        revisions = migrations.history()
    if not revisions:
        click.echo(f"No migrations in {migrations.directory}.")
    for rev in revisions:
        head = " (head)" if rev.is_head else ""
        click.echo(f"{rev.id}  {rev.name}{head}  {rev.message}".rstrip())


@db.command()
@_database_option
@_directory_option
@with_app
def current(app: Any, database: str, directory: str | None) -> None:
    """Show the migration the database is at."""
    migrations = _migrations(app, database, directory)
    with _reported():
        heads = migrations.current()
        names = {r.id: r for r in migrations.history()}
    if not heads:
        click.echo(f"Database {database!r} has no migration applied (base).")
    for rev_id in heads:
        rev = names.get(rev_id)
        label = f"{rev.name}{' (head)' if rev.is_head else ''}" if rev else "(not in the folder)"
        click.echo(f"{rev_id}  {label}")


@db.command()
@click.argument("revision", default="head")
@_database_option
@_directory_option
@with_app
def sql(app: Any, revision: str, database: str, directory: str | None) -> None:
    """Print the SQL of the migrations up to REVISION, without touching the database.

    FROM:TO renders only the migrations after FROM.
    """
    migrations = _migrations(app, database, directory)
    with _reported():
        text = migrations.sql(revision)
    click.echo(text, nl=False)


# --- trellis shell ------------------------------------------------------------------------------


def shell_namespace(app: Any) -> dict[str, Any]:
    """``app`` and every model class of the app's databases, by class name."""
    namespace: dict[str, Any] = {"app": app}
    source = getattr(app, "extensions", {}).get("db")
    if source is None:
        return namespace
    names = source.names
    tables: set[tuple[str | None, str]] = set()
    for name in names() if callable(names) else names:
        # Keys, not Table objects: a battery may hand out copies of the tables per database.
        tables.update((t.schema, t.name) for t in source.metadata_for(name).tables.values())
    base = getattr(source, "model", None) or _model_base()
    if base is not None:
        for cls in _subclasses(base):
            table = getattr(cls, "__table__", None)
            if table is not None and (table.schema, table.name) in tables:
                namespace.setdefault(cls.__name__, cls)
    return namespace


def _model_base() -> type | None:
    try:
        model: type = importlib.import_module("trellis.db").Model
    except (ImportError, AttributeError):
        return None
    return model


def _subclasses(cls: type) -> Iterator[type]:
    subclasses: list[type] = cls.__subclasses__()
    for sub in subclasses:
        yield sub
        yield from _subclasses(sub)


@click.command()
@click.option("-c", "--command", "command", default=None, help="Run CODE instead of a prompt.")
@with_app
def shell(app: Any, command: str | None) -> None:
    """Open Python with the app, a database session (db) and the models ready to use.

    IPython is used when installed.  With -c CODE, or with code piped on standard input, the
    code runs and the command exits.
    """
    namespace = shell_namespace(app)
    with contextlib.ExitStack() as stack:
        source = getattr(app, "extensions", {}).get("db")
        if source is not None:
            session = app.db.session()
            if hasattr(session, "__enter__"):
                session = stack.enter_context(session)
            namespace["db"] = session
        if command is None and not sys.stdin.isatty():
            command = sys.stdin.read()
        if command is not None:
            _run(command, namespace)
            return
        _interact(namespace)


def _run(source: str, namespace: dict[str, Any]) -> None:
    try:
        exec(compile(source, "<command>", "exec"), namespace)
    except SystemExit:
        raise
    except BaseException:
        traceback.print_exc()
        raise SystemExit(1) from None


def _interact(namespace: dict[str, Any]) -> None:
    names = ", ".join(sorted(namespace))
    banner = f"Trellis shell. In the namespace: {names}"
    try:
        ipython = importlib.import_module("IPython")
    except ImportError:
        pass
    else:
        click.echo(banner)
        ipython.start_ipython(argv=[], user_ns=namespace)
        return
    with contextlib.suppress(ImportError):
        import readline
        import rlcompleter

        readline.set_completer(rlcompleter.Completer(namespace).complete)
        readline.parse_and_bind("tab: complete")
    code.interact(banner=banner, local=namespace, exitmsg="")
