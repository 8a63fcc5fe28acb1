"""The example of docs/cli.md: an app, and a battery-style command group that works on it."""

from __future__ import annotations

from typing import Any

import click

from trellis import App
from trellis.cli import with_app

app = App()


@app.get("/")
def index() -> str:
    return "Hello from the CLI docs"


@app.get("/users/<int:id>", name="user")
async def user(id: int) -> dict[str, int]:
    return {"id": id}


# A battery (or your project) ships a click group and declares it as an entry point:
#
#     [project.entry-points."trellis.commands"]
#     stats = "docs.examples.cli:stats"
#
# after which `trellis stats count` works.
@click.group(help="Numbers about the app.")
def stats() -> None:
    """Numbers about the app."""


@stats.command()
@with_app
def count(app: Any) -> None:
    """Print how many routes the app has."""
    click.echo(f"{sum(1 for _ in app.iter_routes())} routes")
