"""What ``trellis check`` says about the guestbook once a project installs it."""

from __future__ import annotations

from collections.abc import Iterator

from trellis import App
from trellis.checks import CheckMessage

from .views import blueprint


@blueprint.add_check
def needs_a_database(app: App, deploy: bool) -> Iterator[CheckMessage]:
    if app.extensions.get("db") is None:
        yield CheckMessage(
            "guestbook.E001",
            "error",
            "the guestbook keeps its signatures in a database, and this app has none",
            'app.install(Database("sqlite:///site.db")) (from trellis.db import Database)',
        )
