"""The example blog: ``make run`` migrates its SQLite database, loads the demo posts and serves it
at http://127.0.0.1:8000.

Templates come from ``templates/`` and the stylesheet from ``static/`` beside this file, both by
convention (no configuration).  The database is ``blog.db`` beside this file too, whatever the
current directory; ``TRELLIS_DATABASE_URL`` (or a ``.env`` file) points the blog elsewhere.
By hand::

    trellis db migrate --app examples.blog.app:app
    python -m examples.blog.demo
    trellis run --app examples.blog.app:app
"""

from __future__ import annotations

from pathlib import Path

from trellis import App, Response, redirect
from trellis.conf import Settings as BaseSettings
from trellis.db import Database

from .views import blog

HERE = Path(__file__).resolve().parent


class Settings(BaseSettings):
    """The core settings plus the blog's database (``TRELLIS_DATABASE_URL`` overrides it)."""

    database_url: str = f"sqlite:///{HERE / 'blog.db'}"


def create_app(settings: Settings | None = None) -> App:
    """The blog on ``settings`` (default: from the environment); tests pass their own."""
    app = App(__name__, settings=settings if settings is not None else Settings())
    app.install(Database())  # the URL comes from settings.database_url
    app.register(blog)

    @app.get("/")
    async def home() -> Response:
        return redirect(app.url_for("blog.index"))

    return app


app = create_app()
