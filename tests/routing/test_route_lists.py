import pytest

from trellis.exceptions import ConfigurationError
from trellis.routing import Blueprint, Include, RouteCollector, RouteDef, View, include, path


def home() -> str:
    return "home"


def about() -> str:
    return "about"


def users() -> str:
    return "users"


class Things(View):
    def get(self) -> str:
        return "things"

    def delete(self) -> str:
        return "gone"


def test_path_returns_a_route_definition() -> None:
    item = path("/about", about, name="about_page", cache=False)
    assert item == RouteDef(
        "/about", about, frozenset({"GET"}), "about_page", False, {"cache": False}
    )
    assert path("/x", home).name == "home"
    assert path("/t", Things).methods == frozenset({"GET", "DELETE"})
    assert path("/t", Things).name == "Things"


def test_path_validates_like_the_decorators() -> None:
    with pytest.raises(ConfigurationError, match="unbalanced"):
        path("/x/<int:id", home)
    with pytest.raises(ConfigurationError, match="must be a list"):
        path("/x", home, methods="POST")


def test_django_style_configuration() -> None:
    blog = Blueprint("blog", url_prefix="/ignored")
    blog.get("/", name="index")(home)
    routes = [
        path("/", home, name="home"),
        include("/blog", blog),
        include(
            "/api/",
            [path("/users", users), include("/v2", [path("/about", about)], name="v2")],
            name="api",
        ),
        include("/pages", [path("/about", about)]),
    ]
    app = RouteCollector()
    app.add_routes(routes)
    assert [(r.name, r.path) for r in app.iter_routes()] == [
        ("home", "/"),
        ("blog.index", "/blog/"),
        ("api.users", "/api/users"),
        ("api.v2.about", "/api/v2/about"),
        ("about", "/pages/about"),
    ]
    router = app.build_router(lambda route: route.handler)
    assert router.lookup("/api/v2/about") == ({"GET": about}, {})
    assert router.url_for("blog.index") == "/blog/"
    assert blog.full_name == "blog"


def test_include_blueprint_with_a_name() -> None:
    shop = Blueprint("shop")
    shop.get("/cart", name="cart")(home)
    app = RouteCollector()
    app.add_routes([include("/a", shop), include("/b", shop, name="shop_b")])
    assert [(r.name, r.path) for r in app.iter_routes()] == [
        ("shop.cart", "/a/cart"),
        ("shop_b.cart", "/b/cart"),
    ]


def test_include_rejects_other_targets() -> None:
    with pytest.raises(ConfigurationError, match="Blueprint or a list"):
        include("/x", "blog.urls")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="holds path"):
        include("/x", [home])  # type: ignore[list-item]
    with pytest.raises(ConfigurationError, match="must start with '/'"):
        include("x", [])
    assert include("/x", iter([path("/a", about)])).target == (path("/a", about),)
    assert isinstance(include("/x", []), Include)


def test_add_routes_rejects_other_items() -> None:
    with pytest.raises(ConfigurationError, match=r"path\(...\) and include"):
        RouteCollector().add_routes([home])  # type: ignore[list-item]
