"""CORS, from docs/cors.md: a public read-only API and a credentialed single-page app."""

from __future__ import annotations

import re

from trellis import App, Blueprint
from trellis.cors import CORS

api = Blueprint("api", __name__, url_prefix="/api")


@api.get("/status")
def status() -> dict[str, str]:
    return {"status": "ok"}


@api.route("/cart", methods=["GET", "PUT"])
def cart() -> dict[str, list[str]]:
    return {"items": ["tea"]}


def create_app() -> App:
    app = App()
    app.register(api)
    # The single-page app on its own origin (and its preview deployments) calls the API with
    # cookies: credentials on, so the origin is always reflected, never "*".
    app.install(
        CORS(
            ["https://shop.example.com", re.compile(r"https://pr-[0-9]+\.preview\.example\.com")],
            allow_methods=["GET", "PUT", "DELETE"],
            allow_headers=["X-CSRFToken"],
            expose_headers=["X-Request-ID"],
            allow_credentials=True,
            max_age=3600,  # browsers cache the preflight answer for an hour
            paths=[api.url_prefix],
        )
    )
    return app
