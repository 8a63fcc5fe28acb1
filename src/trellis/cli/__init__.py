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
from trellis.cli.new import new as new_command
from trellis.cli.new import startapp as startapp_command
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
        if command is not None:
            return command
        if cmd_name not in self._entry_points:
            return _blueprint_command(ctx, cmd_name)
        entry_point = self._entry_points[cmd_name]
        try:
            loaded = entry_point.load()
        except Exception as exc:  # a broken plugin must not take `trellis --help` down with it
            return _broken(cmd_name, f"could not load {entry_point.value}: {exc!r}")
        if not isinstance(loaded, click.Command):
            return _broken(cmd_name, f"{entry_point.value} is not a click command")
        return loaded


def _blueprint_command(ctx: click.Context, name: str) -> click.Command | None:
    """``trellis blog ...``: the commands of the discovered app's blueprint called ``name``.

    Only a name no built-in or entry-point command has gets here, so the app is imported only
    for blueprint commands (and typos).  The app becomes click's context object.
    """
    from trellis.cli.discovery import find_app_spec
    from trellis.routing.blueprints import blueprint_commands

    try:
        spec = find_app_spec()
    except DiscoveryError:
        return None  # no app here, so no blueprint commands: the name is just unknown
    try:
        _, app = load_app(spec)
    except DiscoveryError as exc:
        return _broken(name, f"the app could not be loaded to look for its commands: {exc}")
    commands = blueprint_commands(app).get(name)
    if commands is None:
        return None
    if ctx.obj is None:
        ctx.obj = app
    group: click.Group | None = commands.group
    if group is None:
        group = commands.group = click.Group(
            name, help=commands.help or f"Commands of the {name!r} blueprint."
        )
    for item, command_name, attrs in commands.entries[commands.built :]:
        if isinstance(item, click.Command):
            group.add_command(item, command_name)
        else:
            group.command(command_name, **attrs)(item)
    commands.built = len(commands.entries)
    return group


def _broken(name: str, reason: str) -> click.Command:
    def fail() -> None:
        raise click.ClickException(f"The command {name!r} is unavailable: {reason}.")

    # Whatever follows (a subcommand, options) is accepted, so the reason is what gets shown.
    return click.Command(
        name,
        callback=fail,
        help=f"(unavailable: {reason})",
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )


@click.group(cls=TrellisGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="trellis")
def cli() -> None:
    """Trellis: run, inspect and manage a Trellis application."""


cli.add_command(run_command)
cli.add_command(serve_command)
cli.add_command(routes_command)
cli.add_command(check_command)
cli.add_command(new_command)
cli.add_command(startapp_command)


def main() -> None:
    """Entry point of the ``trellis`` console script."""
    cli.main(prog_name="trellis")
