"""Rate limiting, from docs/ratelimit.md: per route, per blueprint, a default, custom keys."""

from __future__ import annotations

import time
from collections.abc import Callable

from trellis import App, Blueprint, Request
from trellis.ratelimit import RateLimit, rate_limit, rate_limit_exempt


def api_key(request: Request) -> str | None:
    """Count API calls per key; the monitoring key is not counted at all."""
    key = request.headers.get("x-api-key")
    if key == "monitoring":
        return None
    return f"key:{key}" if key else f"ip:{request.client.host if request.client else '?'}"


api = Blueprint("api", __name__, url_prefix="/api")
rate_limit("60/minute", key=api_key)(api)  # one counter per key for the whole blueprint


@api.get("/orders")
def orders() -> list[int]:
    return [1, 2, 3]


@api.get("/products")
async def products() -> list[str]:
    return ["tea", "coffee"]


def create_app(backend: str = "memory", clock: Callable[[], float] = time.time) -> App:
    app = App()
    # Every route without a limit of its own: 300 a minute per client address.
    app.install(RateLimit(backend=backend, strategy="sliding", default="300/minute", clock=clock))
    app.register(api)

    @app.post("/login")
    @rate_limit("5/minute")  # per address: slows password guessing down
    def login() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/search")
    @rate_limit("2/second")  # short bursts...
    @rate_limit("100/day")  # ...and a daily budget
    async def search(q: str = "") -> dict[str, str]:
        return {"q": q}

    @app.get("/health")
    @rate_limit_exempt  # load balancers poll this
    def health() -> str:
        return "ok"

    @app.get("/")
    def home() -> str:
        return "home"

    return app
