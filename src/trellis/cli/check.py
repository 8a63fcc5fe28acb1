"""``trellis check [--deploy]``: run every check the app and its batteries registered."""

from __future__ import annotations

from typing import Any

import click

from trellis.checks import run_checks
from trellis.cli.discovery import with_app
from trellis.exceptions import ConfigurationError

__all__ = ["check"]

_COLORS = {"error": "red", "warning": "yellow", "info": "cyan"}


@click.command()
@click.option("--deploy", is_flag=True, help="Also run the checks that matter in production.")
@click.option(
    "--fail-level",
    type=click.Choice(["error", "warning"]),
    default="error",
    show_default=True,
    help="Exit non-zero when a finding of this level (or worse) is found.",
)
@with_app
def check(app: Any, deploy: bool, fail_level: str) -> None:
    """Look for configuration problems; each finding has a stable ID and a hint."""
    try:
        app.startup_freeze()  # a start-up error (a handler nothing can fill) comes first
    except ConfigurationError as exc:
        raise click.ClickException(f"the app cannot start: {exc}") from None
    found = run_checks(app, deploy=deploy)
    for item in found:
        click.secho(str(item), fg=_COLORS[item.level])
    failing = {"error"} if fail_level == "error" else {"error", "warning"}
    bad = [item for item in found if item.level in failing]
    summary = f"{len(found)} issue{'s' if len(found) != 1 else ''} found."
    click.echo("No issues found." if not found else summary)
    if bad:
        raise SystemExit(1)
