import sys
from pathlib import Path
from typing import Any

import pytest

from trellis.exceptions import ConfigurationError, URLBuildError
from trellis.routing import Blueprint, RouteCollector, Router, get_root_path, resolve_endpoint_name


class MiniApp(RouteCollector):
    """The smallest stand-in for the App: a collector that builds URLs through a router."""

    def __init__(self) -> None:
        super().__init__()
        self._router: Router[Any] | None = None

    def url_for(self, name: str, /, **params: Any) -> str:
        if self._router is None:
            self._router = self.build_router(lambda route: route)
            self._router.freeze()
        return self._router.url_for(name, **params)


def view() -> str:
    return "v"


def make_tree() -> tuple[MiniApp, Blueprint, Blueprint, Blueprint]:
    app = MiniApp()
    admin = Blueprint("admin", url_prefix="/admin")
    users = Blueprint("users", url_prefix="/users/")
    blog = Blueprint("blog", __name__, url_prefix="/blog")
    app.get("/", name="home")(view)
    blog.get("/", name="index")(view)
    blog.get("/<int:id>", name="post")(view)
    users.get("", name="list")(view)
    users.get("/<int:id>", name="detail")(view)
    admin.get("/", name="dashboard")(view)
    admin.register(users)
    app.register(blog)
    app.register(admin)
    return app, blog, admin, users


def test_nested_names_and_prefixes() -> None:
    app, _blog, _admin, _users = make_tree()
    routes = [(r.name, r.path) for r in app.iter_routes()]
    assert routes == [
        ("home", "/"),
        ("blog.index", "/blog/"),
        ("blog.post", "/blog/<int:id>"),
        ("admin.dashboard", "/admin/"),
        ("admin.users.list", "/admin/users"),
        ("admin.users.detail", "/admin/users/<int:id>"),
    ]


def test_scopes_run_from_app_to_innermost() -> None:
    app, blog, admin, users = make_tree()
    scopes = {r.name: r.scopes for r in app.iter_routes()}
    assert scopes["home"] == (app,)
    assert scopes["blog.post"] == (app, blog)
    assert scopes["admin.users.detail"] == (app, admin, users)


def test_register_overrides_prefix_and_name() -> None:
    app = MiniApp()
    bp = Blueprint("shop", url_prefix="/shop")
    bp.get("/cart", name="cart")(view)
    app.register(bp)
    app.register(bp, url_prefix="/store/", name="store")
    assert [(r.name, r.path) for r in app.iter_routes()] == [
        ("shop.cart", "/shop/cart"),
        ("store.cart", "/store/cart"),
    ]
    with pytest.raises(ConfigurationError, match="already registered"):
        app.register(bp)
    with pytest.raises(ConfigurationError, match="without dots"):
        app.register(bp, name="a.b")
    with pytest.raises(ConfigurationError, match="must start with '/'"):
        app.register(bp, url_prefix="nope", name="other")


def test_blueprint_url_for_relative_and_absolute() -> None:
    _app, blog, admin, users = make_tree()
    assert blog.url_for("index") == "/blog/"
    assert blog.url_for(".post", id=3, page=2) == "/blog/3?page=2"
    assert users.url_for("detail", id=9) == "/admin/users/9"
    assert users.full_name == "admin.users"
    assert users.url_for("blog.post", id=1) == "/blog/1"
    assert admin.url_for("admin.users.list") == "/admin/users"
    with pytest.raises(URLBuildError, match=r"did you mean 'admin.users.list'"):
        admin.url_for("users.list")  # a dot inside makes the name absolute
    with pytest.raises(URLBuildError, match=r"admin.users.nope"):
        users.url_for("nope")


def test_blueprint_url_for_before_registration() -> None:
    bp = Blueprint("lonely")
    bp.get("/", name="index")(view)
    with pytest.raises(RuntimeError, match="not registered on an app"):
        bp.url_for("index")
    outer = Blueprint("outer")
    outer.register(bp)
    with pytest.raises(RuntimeError, match="which is not an app"):
        bp.url_for("index")


def test_cycles_are_refused() -> None:
    a, b = Blueprint("a"), Blueprint("b")
    a.register(b)
    with pytest.raises(ConfigurationError, match="cycle"):
        b.register(a)
    with pytest.raises(ConfigurationError, match="cycle"):
        a.register(a)
    with pytest.raises(ConfigurationError, match="needs a Blueprint"):
        a.register("b")  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["", "a.b", None, 3])
def test_blueprint_name_rules(name: Any) -> None:
    with pytest.raises(ConfigurationError, match="blueprint name"):
        Blueprint(name)


def test_root_path() -> None:
    assert Blueprint("x", __name__).root_path == Path(__file__).resolve().parent
    assert Blueprint("x").root_path == Path.cwd()
    assert get_root_path("json") == Path(sys.modules["json"].__file__).resolve().parent  # type: ignore[arg-type]
    assert (
        get_root_path("email.mime") == Path(__import__("email.mime").mime.__file__).resolve().parent
    )
    with pytest.raises(ConfigurationError, match="cannot find module"):
        get_root_path("no_such_module_anywhere_xyz")


def test_root_path_of_a_module_not_imported_yet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "wsgiref.simple_server", raising=False)
    assert get_root_path("wsgiref.simple_server").name == "wsgiref"


def test_blueprint_freezes_with_app() -> None:
    app, _blog, _admin, users = make_tree()
    app.freeze()
    with pytest.raises(ConfigurationError, match="after the app started"):
        users.get("/late")(view)


@pytest.mark.parametrize(
    ("name", "current", "relative", "expected"),
    [
        (".index", "blog", False, "blog.index"),
        (".index", None, False, "index"),
        ("index", "blog", False, "index"),
        ("index", "blog", True, "blog.index"),
        ("index", None, True, "index"),
        ("shop.cart", "blog", True, "shop.cart"),
        (".list", "admin.users", False, "admin.users.list"),
    ],
)
def test_resolve_endpoint_name(
    name: str, current: str | None, relative: bool, expected: str
) -> None:
    assert resolve_endpoint_name(name, current, bare_is_relative=relative) == expected
