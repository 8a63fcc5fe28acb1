"""``trellis run``: the development server."""

from __future__ import annotations

import os

import click

from trellis.cli.discovery import AppTarget, app_option, find_app_spec, parse_spec, resolve_target
from trellis.cli.servers import (
    SERVERS,
    ServerOptions,
    child_environment,
    ensure_installed,
    exec_server,
)

__all__ = ["run", "startup_line"]


def startup_line(target: AppTarget, options: ServerOptions, server: str) -> str:
    host = f"[{options.host}]" if ":" in options.host else options.host
    modes = [name for name, on in (("debug", options.debug), ("reload", options.reload)) if on]
    details = f"{', '.join(modes)}; {server}" if modes else server
    return f" * Trellis serving {target.spec} at http://{host}:{options.port} ({details})"


@click.command("run")
@app_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to bind."
)
@click.option(
    "--reload/--no-reload", default=True, show_default=True, help="Restart when files change."
)
@click.option(
    "--server",
    type=click.Choice(sorted(SERVERS)),
    default="granian",
    show_default=True,
    help="The ASGI server to run.",
)
@click.option(
    "--debug/--no-debug",
    default=True,
    show_default=True,
    help="Show the debug error page (sets TRELLIS_DEBUG for the app).",
)
def run(app_spec: str | None, host: str, port: int, reload: bool, server: str, debug: bool) -> None:
    """Serve the app for development, with the debug page and autoreload.

    For production use `trellis serve` (several workers, no reload, no debug page).
    """
    options = ServerOptions(host=host, port=port, reload=reload, debug=debug)
    ensure_installed(server, reload=reload)
    env = child_environment(options)
    # Import the app under the same settings the server will give it, so that what is checked
    # here is what will be served.
    os.environ["TRELLIS_DEBUG"] = env["TRELLIS_DEBUG"]
    target, _ = resolve_target(parse_spec(find_app_spec(app_spec)))
    argv = SERVERS[server](target, options)
    click.echo(startup_line(target, options, server))
    exec_server(argv, env)
