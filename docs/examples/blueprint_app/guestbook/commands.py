"""``trellis guestbook prune --keep 100``: a command that comes with the blueprint.

``@blueprint.cli.command()`` takes click's own option decorators; ``@click.pass_obj`` hands
the command the project's app, found as for every ``trellis`` command.
"""

from __future__ import annotations

import click

from trellis import App
from trellis.db import Database, delete, select

from .models import Signature
from .views import blueprint


@blueprint.cli.command()
@click.option("--keep", default=100, show_default=True, help="How many recent signatures stay.")
@click.pass_obj
def prune(app: App, keep: int) -> None:
    """Delete all but the most recent signatures."""
    with Database.of(app).session() as db:
        recent = select(Signature.id).order_by(Signature.id.desc()).limit(keep)
        kept = set(db.scalars(recent))
        result = db.execute(delete(Signature).where(Signature.id.not_in(kept)))
        click.echo(f"Deleted {result.rowcount} signature(s), kept {len(kept)}.")
