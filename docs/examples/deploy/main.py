"""The app the deployment recipes of docs/deployment.md serve."""

from __future__ import annotations

import os

from trellis import App
from trellis.health import Health

app = App()
app.install(Health())

#: The same app for a WSGI-only host (gunicorn sync workers, mod_wsgi, App Engine standard).
application = app.wsgi


@app.get("/")
async def index() -> dict[str, object]:
    return {"hello": "production", "pid": os.getpid()}
