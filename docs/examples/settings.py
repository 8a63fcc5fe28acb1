"""Settings from the environment, from docs/settings.md."""

from trellis import App
from trellis.conf import Settings


class SiteSettings(Settings):
    """A project's own settings: every field reads TRELLIS_<NAME> from the environment or .env."""

    site_name: str = "My site"
    items_per_page: int = 20


def create_app(settings: SiteSettings | None = None) -> App:
    settings = settings or SiteSettings()
    app = App(settings=settings)

    @app.get("/")
    async def index():
        return {"site": settings.site_name, "per_page": settings.items_per_page, "debug": app.debug}

    return app
