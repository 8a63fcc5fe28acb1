"""An Alembic configuration built in memory, so the user keeps no ``alembic.ini`` and no ``env.py``.

Alembic's script directory is the folder ``template/`` inside this package: it holds the
``env.py`` Alembic runs (three lines that call :func:`trellis.migrations.env.run`) and the
``script.py.mako`` revision template.  The user's project holds only the revisions, in
``migrations/<database>/versions/``, set as Alembic's single version location.  What ``env.py``
needs (engine, metadata, options) travels in ``config.attributes``, as Alembic recommends for
programmatic use.
"""

from __future__ import annotations

import importlib.util
import io
import logging
import re
import shutil
import subprocess
import sys
from argparse import Namespace
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from alembic.config import Config

if TYPE_CHECKING:
    from sqlalchemy import URL, Engine, MetaData

__all__ = [
    "ATTRIBUTE",
    "TEMPLATE_DIR",
    "MigrationTarget",
    "build_config",
    "format_revision",
    "next_number",
]

logger = logging.getLogger("trellis.migrations")

TEMPLATE_DIR = Path(__file__).resolve().parent / "template"
#: The key of ``config.attributes`` under which ``env.py`` finds the :class:`MigrationTarget`.
ATTRIBUTE = "trellis.target"

_NUMBERED = re.compile(r"^(\d{4,})_")


@dataclass(frozen=True)
class MigrationTarget:
    """One database seen by the migrations: its schema source, its connection and its folder."""

    name: str
    metadata: MetaData
    url: URL
    engine: Engine
    directory: Path
    """``migrations/<name>``; the revisions are in its ``versions/`` sub-folder."""
    other_tables: frozenset[str] = frozenset()
    """Tables of the app's other databases: when two share one physical database, neither's
    migrations may drop the other's tables."""

    @property
    def versions(self) -> Path:
        return self.directory / "versions"

    @property
    def version_table(self) -> str:
        """Each database keeps its own history, even when two share one physical database."""
        return "alembic_version" if self.name == "default" else f"alembic_version_{self.name}"

    @property
    def dialect(self) -> str:
        return self.url.get_backend_name()


def next_number(versions: Path) -> int:
    """The number that prefixes the next revision file: one more than the highest there."""
    if not versions.is_dir():
        return 1
    numbers = [int(m[1]) for p in versions.glob("*.py") if (m := _NUMBERED.match(p.name))]
    return max(numbers, default=0) + 1


def build_config(
    target: MigrationTarget,
    *,
    stdout: TextIO | None = None,
    output_buffer: TextIO | None = None,
) -> Config:
    """An Alembic ``Config`` for ``target``, with nothing read from disk.

    ``output_buffer`` receives the SQL of offline (``sql``) runs; ``stdout`` what Alembic prints.
    """
    config = Config(
        output_buffer=output_buffer,
        stdout=stdout if stdout is not None else io.StringIO(),
        cmd_opts=Namespace(quiet=True),  # the trellis commands print their own messages
        attributes={ATTRIBUTE: target},
    )
    config.set_main_option("script_location", _escape(str(TEMPLATE_DIR)))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", _escape(str(target.versions)))
    # Sortable and readable: 0001_initial.py, 0002_add_email_to_user.py.  The number is fixed
    # per Config, which is built afresh for every command.
    prefix = f"{next_number(target.versions):04d}"
    config.set_main_option("file_template", f"{prefix}_%%(slug)s")
    return config


#: How each known formatter is run on one file, as a module of this interpreter first.
_FORMATTERS = (("ruff", ["format", "--quiet"]), ("black", ["--quiet"]))


def _formatter_command(name: str, args: list[str]) -> list[str] | None:
    if importlib.util.find_spec(name) is not None:
        return [sys.executable, "-m", name, *args]
    found = shutil.which(name)
    return [found, *args] if found else None


def format_revision(path: str) -> str | None:
    """Format a revision file just written with ruff, or black; name the one used.

    ``makemigrations`` calls it (rather than an Alembic post-write hook, which prints its own
    progress lines) so a new revision looks like the project's own code: what autogenerate
    writes is long, hand-wrapped lines.
    Neither installed leaves the file as Alembic wrote it (valid, only not wrapped).  A formatter
    that fails (say on a syntax error in a hand-edited template) is logged, never fatal: the
    revision is already on disk.
    """
    for name, args in _FORMATTERS:
        command = _formatter_command(name, args)
        if command is None:
            continue
        result = subprocess.run([*command, path], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            logger.warning("%s could not format %s: %s", name, path, result.stderr.strip())
            return None
        return name
    return None


def _escape(value: str) -> str:
    # Config values go through ConfigParser interpolation, where "%" is special.
    return value.replace("%", "%%")
