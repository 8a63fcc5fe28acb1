"""The migration operations behind ``trellis db``, callable from Python too.

``Migrations(app, "default")`` is one database's migrations: make a revision from the models,
apply or revert revisions, render them as SQL, list them, and tell what the database lacks.
Alembic errors come out as :class:`MigrationError` with a message that says what to run next.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from trellis.exceptions import TrellisError
from trellis.migrations.config import MigrationTarget, build_config, format_revision
from trellis.migrations.env import context_options
from trellis.migrations.source import (
    check_database_name,
    database_names,
    database_of,
    migrations_root,
)

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.operations.ops import MigrationScript
    from alembic.script import Script

__all__ = ["MigrationError", "Migrations", "Revision"]


class MigrationError(TrellisError):
    """A migration command cannot do what was asked; the message says why and what to do."""


@dataclass(frozen=True)
class Revision:
    """One revision file of a database's history."""

    id: str
    down: tuple[str, ...]
    message: str
    path: Path
    is_head: bool

    @property
    def name(self) -> str:
        """The file name without ``.py``: ``0002_add_email``."""
        return self.path.stem


class Migrations:
    """The migrations of one of the app's databases (``database``, default ``"default"``).

    ``directory`` overrides where the migrations live (see :func:`migrations_root`).
    """

    def __init__(self, app: Any, database: str = "default", *, directory: str | Path | None = None):
        source = database_of(app)
        check_database_name(source, database)
        self.app = app
        metadata = source.metadata_for(database)
        others = {
            table.name
            for other in database_names(source)
            if other != database
            for table in source.metadata_for(other).tables.values()
        }
        self.target = MigrationTarget(
            name=database,
            metadata=metadata,
            url=source.url(database),
            engine=source.sync_engine(database),
            directory=migrations_root(app, source, directory) / database,
            other_tables=frozenset(others - {t.name for t in metadata.tables.values()}),
        )

    @property
    def directory(self) -> Path:
        return self.target.directory

    def config(self, **kwargs: Any) -> Config:
        """A fresh Alembic config for this database (for Alembic commands Trellis does not wrap)."""
        return build_config(self.target, **kwargs)

    def script(self) -> ScriptDirectory:
        return ScriptDirectory.from_config(self.config())

    # --- writing revisions ---------------------------------------------------------------------

    def make(self, message: str | None = None) -> Path | None:
        """Write a revision with what the models have that the database lacks.

        Returns its path, or ``None`` when nothing changed (then nothing is written, not even the
        folder).  The database must be at its latest revision, since the revision is the
        difference between the models and the database.
        """
        if message is None:
            message = "initial" if not self.history() else "auto"

        def keep_only_changes(
            context: Any, revision: Any, directives: list[MigrationScript]
        ) -> None:
            script = directives[0]
            if script.upgrade_ops is None or script.upgrade_ops.is_empty():
                directives.clear()

        with self._alembic_errors():
            result = command.revision(
                self.config(),
                message=message,
                autogenerate=True,
                process_revision_directives=keep_only_changes,
            )
        scripts = result if isinstance(result, list) else [result]
        written = [s for s in scripts if s is not None]
        if not written:
            return None
        format_revision(written[0].path)
        return Path(written[0].path)

    # --- applying them -------------------------------------------------------------------------

    def upgrade(self, revision: str = "head") -> None:
        """Apply revisions up to ``revision`` (``head``, an id or a unique prefix, ``+1``)."""
        with self._alembic_errors():
            command.upgrade(self.config(), revision)

    def downgrade(self, revision: str) -> None:
        """Revert revisions down to ``revision`` (an id, ``-1``, or ``base`` for all of them)."""
        with self._alembic_errors():
            command.downgrade(self.config(), revision)

    def sql(self, revision: str = "head") -> str:
        """The SQL of upgrading to ``revision`` (``FROM:TO`` for a range), without a connection."""
        buffer = io.StringIO()
        with self._alembic_errors():
            command.upgrade(self.config(output_buffer=buffer), revision, sql=True)
        return buffer.getvalue()

    # --- looking at them -----------------------------------------------------------------------

    def history(self) -> list[Revision]:
        """Every revision, oldest first."""
        with self._alembic_errors():
            scripts = list(self.script().walk_revisions())
        return [_revision(s) for s in reversed(scripts)]

    def heads(self) -> tuple[str, ...]:
        with self._alembic_errors():
            return tuple(self.script().get_heads())

    def current(self) -> tuple[str, ...]:
        """The revisions the database is at (empty when none is applied)."""
        with self.target.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"version_table": self.target.version_table}
            )
            return tuple(context.get_current_heads())

    def pending(self) -> list[Revision]:
        """The revisions not applied to the database yet, oldest first."""
        history = self.history()
        by_id = {r.id: r for r in history}
        applied: set[str] = set()
        stack = list(self.current())
        while stack:
            rev = stack.pop()
            if rev in applied or rev not in by_id:
                continue
            applied.add(rev)
            stack.extend(by_id[rev].down)
        return [r for r in history if r.id not in applied]

    def changes(self) -> list[Any]:
        """What the models have that the database lacks, as Alembic's autogenerate diffs."""
        with self.target.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts=context_options(self.target))
            return list(compare_metadata(context, self.target.metadata))

    @contextmanager
    def _alembic_errors(self) -> Iterator[None]:
        try:
            yield
        except CommandError as exc:
            raise MigrationError(_explain(str(exc), self.target.name)) from exc


def _revision(script: Script) -> Revision:
    down = script.down_revision
    downs = () if down is None else (down,) if isinstance(down, str) else tuple(down)
    return Revision(
        id=script.revision,
        down=downs,
        message=(script.doc or "").strip(),
        path=Path(script.path),
        is_head=script.is_head,
    )


def _explain(message: str, database: str) -> str:
    flag = "" if database == "default" else f" --database {database}"
    if "not up to date" in message:
        return (
            f"The database {database!r} is not at its latest migration, so its changes cannot be "
            f"told from the models' changes. Run `trellis db migrate{flag}` first."
        )
    if "Multiple head" in message or "multiple heads" in message:
        return (
            f"The migrations of {database!r} have several heads (two branches each added a "
            f"migration). Give a revision explicitly, or merge them. ({message})"
        )
    return message
