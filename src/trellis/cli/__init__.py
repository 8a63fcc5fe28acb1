"""The ``trellis`` command.

``cli`` is the root click group.  Built-in commands are added here; a battery or a third-party
package adds its own group through the ``trellis.commands`` entry point group, loaded only when
the command is used or listed (see ``docs/cli.md``)::

    [project.entry-points."trellis.commands"]
    db = "trellis.db.cli:db"

Commands that need the app take it with :func:`with_app`.
"""

from __future__ import annotations

from functools import cached_property
from importlib.metadata import EntryPoint, entry_points

import click

from trellis.__about__ import __version__

# Imported under other names so that ``trellis.cli.run`` and ``trellis.cli.routes`` stay modules.
from trellis.cli.check import check as check_command
from trellis.cli.discovery import AppTarget, DiscoveryError, app_option, load_app, with_app
from trellis.cli.routes import routes as routes_command
from trellis.cli.run import run as run_command
from trellis.cli.serve import serve as serve_command

__all__ = [
    "ENTRY_POINT_GROUP",
    "AppTarget",
    "DiscoveryError",
    "TrellisGroup",
    "app_option",
    "cli",
    "load_app",
    "main",
    "with_app",
]

ENTRY_POINT_GROUP = "trellis.commands"


class TrellisGroup(click.Group):
    """A group that also offers the commands other packages declare as entry points."""

    @cached_property
    def _entry_points(self) -> dict[str, EntryPoint]:
        return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self._entry_points))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None or cmd_name not in self._entry_points:
            return command
        entry_point = self._entry_points[cmd_name]
        try:
            loaded = entry_point.load()
        except Exception as exc:  # a broken plugin must not take `trellis --help` down with it
            return _broken(cmd_name, f"could not load {entry_point.value}: {exc!r}")
        if not isinstance(loaded, click.Command):
            return _broken(cmd_name, f"{entry_point.value} is not a click command")
        return loaded


def _broken(name: str, reason: str) -> click.Command:
    def fail() -> None:
        raise click.ClickException(f"The command {name!r} is unavailable: {reason}.")

    return click.Command(name, callback=fail, help=f"(unavailable: {reason})")


@click.group(cls=TrellisGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="trellis")
def cli() -> None:
    """Trellis: run, inspect and manage a Trellis application."""


cli.add_command(run_command)
cli.add_command(serve_command)
cli.add_command(routes_command)
cli.add_command(check_command)


def main() -> None:
    """Entry point of the ``trellis`` console script."""
    cli.main(prog_name="trellis")
