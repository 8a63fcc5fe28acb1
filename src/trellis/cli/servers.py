"""Start a real ASGI server on a discovered app.

``trellis run`` never serves from its own interpreter: it has imported the app once to check it,
and a reloading server must import fresh code every time.  So it builds the command line of the
server's own CLI (``python -m granian`` or ``python -m uvicorn``) and replaces itself with it.
Both servers then own the reloader, the signals and the worker processes, which they do well.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import NoReturn

import click

from trellis.cli.discovery import AppTarget
from trellis.exceptions import MissingDependency

__all__ = [
    "SERVERS",
    "ServerOptions",
    "child_environment",
    "ensure_installed",
    "exec_server",
    "granian_command",
    "uvicorn_command",
]


@dataclass(frozen=True)
class ServerOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    reload: bool = True
    debug: bool = True


def granian_command(target: AppTarget, options: ServerOptions) -> list[str]:
    argv = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "asgi",
        "--host",
        options.host,
        "--port",
        str(options.port),
        "--working-dir",
        str(target.root),
    ]
    if options.debug:
        argv.append("--access-log")
    if target.factory:
        argv.append("--factory")
    if options.reload:
        # A worker that fails to import (a syntax error mid-edit) must not end the dev server:
        # the next save respawns it.
        argv += ["--reload", "--reload-paths", str(target.root), "--reload-ignore-worker-failure"]
        # A SQLite database beside the app writes its -wal/-shm files on every request; they
        # are data, not code, and must not restart the server.
        argv += ["--reload-ignore-patterns", _DATA_FILES]
    argv.append(target.import_string)
    return argv


_DATA_FILES = r"\.(db|sqlite3?)(-journal|-wal|-shm)?$"


def uvicorn_command(target: AppTarget, options: ServerOptions) -> list[str]:
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "--host",
        options.host,
        "--port",
        str(options.port),
        "--app-dir",
        str(target.root),
    ]
    if target.factory:
        argv.append("--factory")
    if options.reload:
        # Templates change as often as code during development.
        argv += ["--reload", "--reload-dir", str(target.root), "--reload-include", "*.html"]
        for pattern in ("*.db", "*.db-*", "*.sqlite3", "*.sqlite3-*"):
            argv += ["--reload-exclude", pattern]
    argv.append(target.import_string)
    return argv


SERVERS: dict[str, Callable[[AppTarget, ServerOptions], list[str]]] = {
    "granian": granian_command,
    "uvicorn": uvicorn_command,
}


def ensure_installed(server: str, *, reload: bool) -> None:
    """Fail with the install command before printing a URL nothing will answer on."""
    if importlib.util.find_spec(server) is None:
        # granian is a core dependency: without it the install is broken, there is no extra.
        if server == "granian":
            raise click.ClickException(
                "trellis run needs granian, which is not installed (a broken install?). "
                'Install it with: pip install "granian>=1.6", or use --server uvicorn.'
            )
        raise click.ClickException(
            str(MissingDependency(f"trellis run --server {server}", server, server))
        )
    if reload and importlib.util.find_spec("watchfiles") is None:
        raise click.ClickException(
            "Autoreload needs watchfiles, which is not installed. "
            "Install it with: pip install watchfiles, or pass --no-reload."
        )


def child_environment(
    options: ServerOptions, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The server's environment: the app reads debug from it through its settings."""
    env = dict(os.environ if base is None else base)
    env["TRELLIS_DEBUG"] = "1" if options.debug else "0"
    # Output must reach the terminal (or a test's pipe) as it happens.
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def exec_server(argv: list[str], env: dict[str, str]) -> NoReturn:
    """Become the server process, so signals and exit codes are the server's own."""
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "posix":
        os.execve(argv[0], argv, env)
    # Windows has no real exec; wait for a child instead.
    with subprocess.Popen(argv, env=env) as process:
        try:
            code = process.wait()
        except KeyboardInterrupt:
            code = process.wait()
    raise SystemExit(code)
