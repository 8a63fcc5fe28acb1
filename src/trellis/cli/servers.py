"""Start a real ASGI server on a discovered app.

``trellis run`` never serves from its own interpreter: it has imported the app once to check it,
and a reloading server must import fresh code every time.  So it builds the command line of the
server's own CLI (``python -m granian`` or ``python -m uvicorn``) and replaces itself with it.
Both servers then own the reloader, the signals and the worker processes, which they do well.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
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
    """How to start the server; the defaults are ``trellis run``'s, ``trellis serve`` sets the rest."""

    host: str = "127.0.0.1"
    port: int = 8000
    reload: bool = True
    debug: bool = True
    workers: int = 1
    #: None: on in debug only.
    access_log: bool | None = None
    #: In the server's own syntax (granian's ``%(addr)s`` atoms, uvicorn's logging format).
    access_log_format: str | None = None
    #: Seconds in-flight requests get to finish on shutdown or restart before workers are killed.
    graceful_timeout: int | None = None
    backlog: int | None = None

    @property
    def logs_access(self) -> bool:
        return self.debug if self.access_log is None else self.access_log


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
    if options.logs_access:
        argv.append("--access-log")
        if options.access_log_format:
            argv += ["--access-log-fmt", options.access_log_format]
    if options.workers > 1:
        # A worker that dies (out of memory, a crash in an extension) is replaced, not mourned.
        argv += ["--workers", str(options.workers), "--respawn-failed-workers"]
    if options.graceful_timeout is not None:
        argv += ["--workers-kill-timeout", str(options.graceful_timeout)]
    if options.backlog is not None:
        argv += ["--backlog", str(options.backlog)]
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
    if options.workers > 1:
        argv += ["--workers", str(options.workers)]
    if options.graceful_timeout is not None:
        argv += ["--timeout-graceful-shutdown", str(options.graceful_timeout)]
    if options.backlog is not None:
        argv += ["--backlog", str(options.backlog)]
    if not options.reload:
        # Forwarded headers are the security battery's job (trusted_proxies), in one place for
        # every server; uvicorn would otherwise trust them from 127.0.0.1 on its own.
        argv.append("--no-proxy-headers")
        if not options.logs_access:
            argv.append("--no-access-log")
        elif options.access_log_format:
            argv += ["--log-config", str(uvicorn_log_config(options.access_log_format))]
    if options.reload:
        # Templates change as often as code during development.
        argv += ["--reload", "--reload-dir", str(target.root), "--reload-include", "*.html"]
        for pattern in ("*.db", "*.db-*", "*.sqlite3", "*.sqlite3-*"):
            argv += ["--reload-exclude", pattern]
    argv.append(target.import_string)
    return argv


def uvicorn_log_config(access_format: str) -> Path:
    """A logging config file giving uvicorn's access log ``access_format``.

    uvicorn takes an access-log format only through a logging configuration; the file lives in
    the temporary folder for the server's lifetime (it is read once, at start).
    """
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "default": {
                "()": "uvicorn.logging.DefaultFormatter",
                "fmt": "%(levelprefix)s %(message)s",
            },
            "access": {"()": "uvicorn.logging.AccessFormatter", "fmt": access_format},
        },
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "stream": "ext://sys.stderr",
            },
            "access": {
                "class": "logging.StreamHandler",
                "formatter": "access",
                "stream": "ext://sys.stdout",
            },
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        },
    }
    handle, name = tempfile.mkstemp(prefix="trellis-uvicorn-log-", suffix=".json")
    with os.fdopen(handle, "w") as file:
        json.dump(config, file)
    return Path(name)


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
