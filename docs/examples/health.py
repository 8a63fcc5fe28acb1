"""docs/health.md: liveness and readiness endpoints, with a probe of the project's own."""

from __future__ import annotations

from trellis import App
from trellis.db import Database
from trellis.health import Health

app = App()
app.install(Database("sqlite:///:memory:"))  # adds the probes database:default, migrations:default
app.install(Health())

#: What the search service answers; a real probe would call it.
search_service = {"up": True}


async def search_is_up() -> str | None:
    """A probe returns None (or True) when ready, a reason (or False) when not."""
    return None if search_service["up"] else "the search service does not answer"


app.add_probe("search", search_is_up)


@app.get("/")
async def home() -> str:
    return "home"
