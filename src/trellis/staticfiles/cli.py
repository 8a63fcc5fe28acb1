"""``trellis collectstatic``: registered under the ``trellis.commands`` entry point group as
``collectstatic = "trellis.staticfiles.cli:collectstatic"``."""

from __future__ import annotations

from typing import Any

import click

from trellis.cli.discovery import with_app
from trellis.exceptions import ConfigurationError
from trellis.staticfiles.battery import StaticFiles

__all__ = ["collectstatic"]


@click.command("collectstatic")
@click.option("--no-compress", is_flag=True, help="Write no .gz/.br siblings.")
@click.option(
    "--clear", is_flag=True, help="Empty the static root first (drops hashed files of old runs)."
)
@with_app
def collectstatic(app: Any, no_compress: bool, clear: bool) -> None:
    """Copy every static file (project, then blueprints) into the static root, hashed."""
    battery = _battery_of(app)
    try:
        report = battery.collect(compress=not no_compress, clear=clear)
    except (ConfigurationError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    hashed = len(report.manifest.paths)
    click.echo(
        f"{hashed} static file{'s' if hashed != 1 else ''} collected into {report.root} "
        f"({report.copied} written, {report.compressed} compressed copies)."
    )


def _battery_of(app: Any) -> StaticFiles:
    extensions = getattr(app, "extensions", None)
    if not isinstance(extensions, dict) or not hasattr(app, "iter_collectors"):
        raise click.ClickException("collectstatic needs a Trellis App, not a plain ASGI app.")
    battery = extensions.get("staticfiles")
    if battery is None and not app.started:
        try:
            app.startup_freeze()  # the convention installs StaticFiles when static/ exists
        except ConfigurationError as exc:
            raise click.ClickException(f"the app does not start: {exc}") from None
        battery = extensions.get("staticfiles")
    if battery is None:
        # No static/ beside the app: collect with the defaults anyway (blueprints may have one).
        battery = StaticFiles()
        battery.configure(app)
    assert isinstance(battery, StaticFiles)
    return battery
