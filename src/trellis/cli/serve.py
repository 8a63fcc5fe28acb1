"""``trellis serve``: the production server.

It starts granian (or uvicorn) with N worker processes, no reload and no debug page.  Before the
server starts, the app is built and started once in this process, exactly as a worker would
(settings, batteries, routes, start-up checks such as a missing secret key), so a broken
deployment fails here with one clear message instead of N workers crashing in a loop.

Signals are the server's own, because this process becomes the server: SIGTERM or SIGINT stop
accepting connections and let in-flight requests finish (up to ``--graceful-timeout``), SIGHUP
replaces the workers one by one for a graceful restart after a deploy.
"""

from __future__ import annotations

import os

import click

from trellis.cli.discovery import app_option, load_app
from trellis.cli.servers import SERVERS, ServerOptions, child_environment, ensure_installed
from trellis.cli.servers import exec_server as _exec_server
from trellis.exceptions import ConfigurationError

__all__ = ["default_workers", "serve"]


def default_workers() -> int:
    """One worker per CPU this process may run on (a container's CPU set, not the host's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _default_port() -> int:
    """``$PORT`` when the platform sets one (App Engine, Heroku-style hosts, Cloud Run)."""
    try:
        return int(os.environ.get("PORT", "8000"))
    except ValueError:
        return 8000


@click.command("serve")
@app_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Interface to bind (0.0.0.0 in a container).",
)
@click.option(
    "--port",
    default=_default_port,
    show_default="$PORT or 8000",
    type=click.IntRange(0, 65535),
    help="Port to bind.",
)
@click.option(
    "--workers",
    "-w",
    default=default_workers,
    show_default="one per CPU",
    type=click.IntRange(1, 512),
    help="Worker processes.",
)
@click.option(
    "--server",
    type=click.Choice(sorted(SERVERS)),
    default="granian",
    show_default=True,
    help="The ASGI server to run.",
)
@click.option(
    "--access-log/--no-access-log", default=True, show_default=True, help="Log every request."
)
@click.option(
    "--access-log-format",
    default=None,
    help="Access log format in the server's own syntax (granian: %(addr)s %(method)s %(path)s "
    "%(status)d %(dt_ms).3f ...; uvicorn: %(client_addr)s %(request_line)s %(status_code)s).",
)
@click.option(
    "--graceful-timeout",
    default=30,
    show_default=True,
    type=click.IntRange(0, 3600),
    help="Seconds in-flight requests get to finish on shutdown or restart.",
)
@click.option(
    "--backlog",
    default=None,
    type=click.IntRange(1, 1_000_000),
    help="Pending connections the socket holds.",
)
@click.option(
    "--check/--no-check",
    default=True,
    show_default=True,
    help="Build and start the app once before serving.",
)
def serve(
    app_spec: str | None,
    host: str,
    port: int,
    workers: int,
    server: str,
    access_log: bool,
    access_log_format: str | None,
    graceful_timeout: int,
    backlog: int | None,
    check: bool,
) -> None:
    """Serve the app in production: N workers, graceful restart (SIGHUP) and shutdown (SIGTERM)."""
    options = ServerOptions(
        host=host,
        port=port,
        reload=False,
        debug=False,
        workers=workers,
        access_log=access_log,
        access_log_format=access_log_format,
        graceful_timeout=graceful_timeout,
        backlog=backlog,
    )
    ensure_installed(server, reload=False)
    env = child_environment(options)
    os.environ["TRELLIS_DEBUG"] = env["TRELLIS_DEBUG"]
    target, app = load_app(app_spec)
    if check and hasattr(app, "startup_freeze"):
        try:
            app.startup_freeze()
        except ConfigurationError as exc:
            raise click.ClickException(f"the app cannot start: {exc}") from None
    argv = SERVERS[server](target, options)
    host_shown = f"[{host}]" if ":" in host else host
    click.echo(
        f" * Trellis serving {target.spec} at http://{host_shown}:{port} "
        f"({workers} worker{'s' if workers != 1 else ''}; {server})"
    )
    _exec_server(argv, env)
