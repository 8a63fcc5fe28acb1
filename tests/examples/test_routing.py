"""Exercise docs/examples/routing.py through the routing layer (the App will wrap the same calls)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from trellis.exceptions import URLBuildError
from trellis.routing import ResolvedRoute, RouteCollector, Router

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "routing.py"


def load_example() -> ModuleType:
    """A fresh copy per test: its blueprints remember the app they were first registered on."""
    name = "docs_examples_routing"
    spec = importlib.util.spec_from_file_location(name, EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


class StandInApp(RouteCollector):
    """What the App does with routes at start-up: build the router, freeze, serve url_for."""

    def __init__(self, routes: list[Any]) -> None:
        super().__init__()
        self.add_routes(routes)
        self.router: Router[ResolvedRoute] | None = None

    def start(self) -> Router[ResolvedRoute]:
        self.router = self.build_router(lambda route: route)
        self.router.freeze()
        self.freeze()
        return self.router

    def url_for(self, name: str, /, **params: Any) -> str:
        assert self.router is not None
        return self.router.url_for(name, **params)

    def call(self, path: str, method: str = "GET") -> Any:
        assert self.router is not None
        found = self.router.lookup(path)
        assert found is not None, path
        table, params = found
        route = table[method]
        if isinstance(route.handler, type):
            return getattr(route.handler(), method.lower())(**params)
        return route.handler(**params)


@pytest.fixture
def app() -> StandInApp:
    app = StandInApp(load_example().routes)
    app.start()
    return app


def test_routes_are_named_and_prefixed(app: StandInApp) -> None:
    assert {r.name: r.path for r in app.iter_routes()} == {
        "home": "/",
        "docs_page": "/docs/<path:rest>",
        "blog.index": "/blog/",
        "blog.post": "/blog/<int:year>/<slug:slug>",
        "blog.create": "/blog/new",
        "blog.comment": "/blog/comments/<int:id>",
        "blog.live": "/blog/live",
        "colors.color": "/colors/<hex:rgb>",
        "colors.named_color": "/colors/<name>",
        "api.status": "/api/status",
    }


def test_handlers_receive_converted_params(app: StandInApp) -> None:
    assert app.call("/") == "Hello, World!"
    assert app.call("/blog/2024/hello-world") == {"year": 2024, "slug": "hello-world"}
    assert app.call("/docs/guide/routing.md") == "docs for guide/routing.md"
    assert app.call("/blog/comments/7") == {"comment": 7}
    assert app.call("/blog/comments/7", "DELETE") is None
    assert app.call("/colors/ff8000") == {"red": 255, "green": 128, "blue": 0}
    assert app.call("/colors/teal") == {"name": "teal"}


def test_trailing_slash_and_misses(app: StandInApp) -> None:
    assert app.router is not None
    assert app.router.lookup("/blog") is None
    assert app.router.redirect_for("/blog") == "/blog/"
    assert app.router.lookup("/blog/not-a-year/x") is None


def test_websocket_route(app: StandInApp) -> None:
    assert app.router is not None
    assert app.router.lookup("/blog/live") is None
    found = app.router.lookup("/blog/live", websocket=True)
    assert found is not None
    assert found[0]["GET"].name == "blog.live"
    assert app.url_for("blog.live") == "/blog/live"


def test_url_building(app: StandInApp) -> None:
    assert app.call("/blog/") == {"page": 1, "next": "/blog/?page=2"}
    assert app.url_for("blog.post", year=2024, slug="hello", _anchor="comments") == (
        "/blog/2024/hello#comments"
    )
    assert app.url_for("colors.color", rgb=0xFF8000) == "/colors/ff8000"
    assert app.url_for("docs_page", rest="a b/c") == "/docs/a%20b/c"
    with pytest.raises(URLBuildError, match=r"did you mean 'blog\.post'"):
        app.url_for("blog.posts", year=1, slug="x")
    with pytest.raises(URLBuildError, match="refuses"):
        app.url_for("blog.post", year="last", slug="x")


def test_view_methods_come_from_the_class(app: StandInApp) -> None:
    methods = {r.name: r.methods for r in app.iter_routes()}
    assert methods["blog.comment"] == frozenset({"GET", "DELETE"})
    assert methods["blog.create"] == frozenset({"GET", "POST"})


def test_the_example_served_by_the_app() -> None:
    from trellis import App
    from trellis.testing import TestClient

    app = App(routes=load_example().routes)
    client = TestClient(app)
    assert client.get("/").text == "Hello, World!"
    assert client.get("/blog/2024/hello-world").json() == {"year": 2024, "slug": "hello-world"}
    assert client.get("/blog/").json() == {"page": 1, "next": "/blog/?page=2"}
    redirect = client.get("/blog?x=1")
    assert (redirect.status_code, redirect.headers["location"]) == (308, "/blog/?x=1")
    assert client.get("/blog/comments/7").json() == {"comment": 7}
    assert client.delete("/blog/comments/7").status_code == 204
    assert client.put("/blog/comments/7").status_code == 405
    assert client.get("/colors/ff8000").json() == {"red": 255, "green": 128, "blue": 0}
    assert client.get("/colors/teal").json() == {"name": "teal"}
    assert client.get("/docs/guide/routing.md").text == "docs for guide/routing.md"
    with client.websocket_connect("/blog/live"):
        pass
