"""Schema migrations for the database battery, on Alembic, with no ``alembic.ini`` to keep.

``trellis db makemigrations`` compares the models with the database and writes a revision into
``migrations/<database>/versions/``; ``trellis db migrate`` applies them.  The same operations
are methods of :class:`Migrations` for scripts and tests.  See ``docs/migrations.md``.
"""

from __future__ import annotations

from trellis.optional import require

require("alembic", extra="db", feature="trellis.migrations")

from trellis.migrations.checks import migrations_check  # noqa: E402
from trellis.migrations.commands import MigrationError, Migrations, Revision  # noqa: E402
from trellis.migrations.config import MigrationTarget  # noqa: E402
from trellis.migrations.source import DatabaseSource, migrations_root  # noqa: E402

__all__ = [
    "DatabaseSource",
    "MigrationError",
    "MigrationTarget",
    "Migrations",
    "Revision",
    "migrations_check",
    "migrations_root",
]
