"""``trellis check [--deploy]``: run every check the app and its batteries registered."""

from __future__ import annotations

import asyncio
from typing import Any

import click

from trellis.checks import CheckMessage, run_checks
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
@click.option(
    "--probes/--no-probes",
    default=True,
    show_default=True,
    help="Run the readiness probes (database reachable, migrations applied...) as /health/ready does.",
)
@with_app
def check(app: Any, deploy: bool, fail_level: str, probes: bool) -> None:
    """Look for configuration problems; each finding has a stable ID and a hint."""
    try:
        app.startup_freeze()  # a start-up error (a handler nothing can fill) comes first
    except ConfigurationError as exc:
        raise click.ClickException(f"the app cannot start: {exc}") from None
    found = run_checks(app, deploy=deploy)
    if probes and app.probes:
        found.extend(asyncio.run(_probe(app)))
    for item in found:
        click.secho(str(item), fg=_COLORS[item.level])
    failing = {"error"} if fail_level == "error" else {"error", "warning"}
    bad = [item for item in found if item.level in failing]
    summary = f"{len(found)} issue{'s' if len(found) != 1 else ''} found."
    click.echo("No issues found." if not found else summary)
    if bad:
        raise SystemExit(1)


async def _probe(app: Any) -> list[CheckMessage]:
    """Start the app as a server would (lifespan), run its readiness probes, shut it down.

    A failing probe is a warning (``trellis.W010``): ``trellis check`` often runs where the
    production services are out of reach, and ``--fail-level warning`` makes it fatal.
    """
    from trellis.probes import run_probes

    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    lifespan = asyncio.create_task(app(scope, inbox.get, outbox.put))
    await inbox.put({"type": "lifespan.startup"})
    started = await outbox.get()
    try:
        if started["type"] != "lifespan.startup.complete":
            return [
                CheckMessage("trellis.E010", "error", f"start-up failed: {started.get('message')}")
            ]
        results = await run_probes(app.probes)
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        await outbox.get()
        await lifespan
    return [
        CheckMessage(
            "trellis.W010",
            "warning",
            f"readiness probe {name!r} fails: {result.detail}",
            "GET /health/ready answers 503 while this lasts",
        )
        for name, result in results.items()
        if not result.ok
    ]
