"""``trellis routes``: every route the app answers, as a table."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any, Protocol

import click

from trellis.cli.discovery import with_app

__all__ = ["RouteInfo", "format_routes", "handler_name", "routes"]

_METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_HEADER = ("METHODS", "PATH", "NAME", "HANDLER")


class RouteInfo(Protocol):
    """What ``App.iter_routes()`` yields, as far as this command cares."""

    path: str
    methods: frozenset[str]
    name: str
    handler: Any
    websocket: bool


def handler_name(handler: Any) -> str:
    """``module.qualname`` of a function or class; partials show the function they wrap."""
    while isinstance(handler, functools.partial):
        handler = handler.func
    qualname = getattr(handler, "__qualname__", None)
    module = getattr(handler, "__module__", None)
    if not isinstance(qualname, str):  # a callable instance: name its class
        qualname, module = type(handler).__qualname__, type(handler).__module__
    return f"{module}.{qualname}" if module else qualname


def _methods(route: RouteInfo) -> str:
    if route.websocket:
        return "WS"
    known = [m for m in _METHOD_ORDER if m in route.methods]
    return ",".join(known + sorted(set(route.methods) - set(_METHOD_ORDER)))


def format_routes(routes: Iterable[RouteInfo]) -> str:
    rows = sorted((_methods(r), r.path, r.name, handler_name(r.handler)) for r in routes)
    rows = sorted(rows, key=lambda row: (row[1], row[0]))
    if not rows:
        return "No routes."
    table = [_HEADER, *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(_HEADER) - 1)]
    lines = []
    for row in table:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join(lines)


@click.command("routes")
@with_app
def routes(app: Any) -> None:
    """List the app's routes: methods, path, name and handler, sorted by path."""
    iter_routes = getattr(app, "iter_routes", None)
    if not callable(iter_routes):
        raise click.ClickException(
            f"The app is a {type(app).__name__}, not a Trellis App: it has no routes to list."
        )
    click.echo(format_routes(iter_routes()))
