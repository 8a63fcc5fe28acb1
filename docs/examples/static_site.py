"""Static files: the project's folder, a blueprint's folder, and URLs that follow collectstatic.

In a real project ``static/`` sits beside ``app.py`` and ``StaticFiles()`` needs no argument
(the convention even installs it for you); this example keeps its files in
``docs/examples/static_site/`` and says so.
"""

from __future__ import annotations

from pathlib import Path

from trellis import App, Blueprint, Request
from trellis.staticfiles import StaticFiles, static

SITE = Path(__file__).resolve().parent / "static_site"


def make_shop() -> Blueprint:
    shop = Blueprint("shop", __name__, url_prefix="/shop")
    # A blueprint finds static/ beside its module; this one's files live in the example folder.
    shop.root_path = SITE / "shop"

    @shop.get("/")
    def shop_index(request: Request) -> str:
        return f'<script type="module" src="{static(request, "shop/cart.js")}"></script>'

    return shop


def create_app(*, root: Path | None = None, debug: bool = True) -> App:
    """``root`` is where ``trellis collectstatic`` writes (``<project>/staticfiles`` by default)."""
    app = App(__name__, debug=debug)
    app.install(StaticFiles(directory=SITE / "static", root=root or SITE.parent / "staticfiles"))
    app.register(make_shop())

    @app.get("/")
    def index(request: Request) -> str:
        # Plain URLs in development, hashed ones once collected: the page never changes.
        return (
            f'<link rel="stylesheet" href="{static(request, "css/site.css")}">'
            f'<script src="{static(request, "js/app.js")}" defer></script>'
            f'<img src="{static(request, "img/logo.svg")}" alt="Trellis">'
        )

    return app
