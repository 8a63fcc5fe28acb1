"""My blog: the project the Trellis tutorial builds (docs/tutorial.md).

``trellis run`` finds ``create_app`` and calls it; tests call it with settings of their own.
"""

from trellis import App, redirect
from trellis.conf import Settings as BaseSettings
from trellis.db import Database

from blog.views import blog


class Settings(BaseSettings):
    """Trellis' settings, plus where the posts live (TRELLIS_DATABASE_URL overrides it)."""

    database_url: str = "sqlite:///blog.db"


def create_app(settings: Settings | None = None) -> App:
    app = App(__name__, settings=settings or Settings())
    app.install(Database())  # the URL comes from settings.database_url
    app.register(blog)

    @app.get("/")
    def home():
        return redirect(app.url_for("blog.index"))

    return app
