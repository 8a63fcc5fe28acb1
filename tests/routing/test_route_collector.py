from typing import Any

import pytest

from trellis.exceptions import ConfigurationError
from trellis.routing import Converter, ResolvedRoute, RouteCollector, View


def index() -> str:
    return "index"


def test_decorators_record_and_return_the_function() -> None:
    c = RouteCollector()

    @c.get("/a")
    @c.post("/a", name="create")
    def handler() -> str:
        return "ok"

    assert handler() == "ok"
    routes = list(c.iter_routes())
    assert [(r.path, r.name, r.methods) for r in routes] == [
        ("/a", "create", frozenset({"POST"})),
        ("/a", "handler", frozenset({"GET"})),
    ]


def test_verb_shortcuts_and_defaults() -> None:
    c = RouteCollector()
    c.route("/r")(index)
    for verb in ("put", "patch", "delete"):
        getattr(c, verb)(f"/{verb}", name=verb)(index)
    c.route("/m", methods=["get", "Post"], name="multi", tag="x")(index)
    by_name = {r.name: r for r in c.iter_routes()}
    assert by_name["index"].methods == frozenset({"GET"})
    assert by_name["put"].methods == frozenset({"PUT"})
    assert by_name["patch"].methods == frozenset({"PATCH"})
    assert by_name["delete"].methods == frozenset({"DELETE"})
    assert by_name["multi"].methods == frozenset({"GET", "POST"})
    assert by_name["multi"].options == {"tag": "x"}
    assert not by_name["multi"].websocket


def test_add_route_and_websocket() -> None:
    c = RouteCollector()
    c.add_route("/plain", index, methods=["POST"], name="plain", summary="s")

    async def chat(ws: Any) -> None:
        return None

    assert c.websocket("/ws")(chat) is chat
    c.add_websocket_route("/ws2", chat, name="chat2")
    routes = list(c.iter_routes())
    assert routes[0] == ResolvedRoute(
        path="/plain",
        handler=index,
        methods=frozenset({"POST"}),
        name="plain",
        websocket=False,
        options={"summary": "s"},
        scopes=(c,),
    )
    assert [(r.name, r.websocket, r.methods) for r in routes[1:]] == [
        ("chat", True, frozenset({"GET"})),
        ("chat2", True, frozenset({"GET"})),
    ]


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda c: c.route("no-slash")(index), "must start with '/'"),
        (lambda c: c.route("/x/<int:id")(index), "unbalanced"),
        (lambda c: c.route("/x", methods="GET")(index), "must be a list"),
        (lambda c: c.route("/x", methods=[])(index), "no method"),
        (lambda c: c.route("/x", name="a.b")(index), "may not contain '.'"),
        (lambda c: c.route("/x", name="")(index), "non-empty"),
        (lambda c: c.add_route("/x", 42), "not callable"),
        (lambda c: c.add_route("/x", _NoName()), "no __name__"),
    ],
)
def test_bad_declarations_fail_at_the_decorator(call: Any, fragment: str) -> None:
    with pytest.raises(ConfigurationError, match=fragment):
        call(RouteCollector())


class _NoName:
    def __call__(self) -> None:
        return None


def test_hooks_are_recorded_in_order_and_returned() -> None:
    c = RouteCollector()

    def first() -> None: ...
    def second() -> None: ...

    assert c.before_request(first) is first
    c.before_request(second)
    assert c.after_request(second) is second
    assert c.on_startup(first) is first
    assert c.on_shutdown(second) is second
    assert c.before_request_hooks == [first, second]
    assert c.after_request_hooks == [second]
    assert c.startup_hooks == [first]
    assert c.shutdown_hooks == [second]


def test_error_handlers() -> None:
    c = RouteCollector()

    @c.errorhandler(404)
    def not_found() -> str:
        return "nf"

    def on_value_error() -> str:
        return "ve"

    c.register_error_handler(ValueError, on_value_error)
    assert not_found() == "nf"
    assert c.error_handlers == {404: not_found, ValueError: on_value_error}
    for bad in (200, 600, True, "404", ValueError("x"), int):
        with pytest.raises(ConfigurationError, match="errorhandler"):
            c.register_error_handler(bad, on_value_error)
    with pytest.raises(ConfigurationError, match="not callable"):
        c.register_error_handler(500, "nope")  # type: ignore[arg-type]


def test_hooks_must_be_callable() -> None:
    with pytest.raises(ConfigurationError, match="before_request"):
        RouteCollector().before_request("x")


def test_freeze_refuses_everything_afterwards() -> None:
    c = RouteCollector()
    child = RouteCollector()
    c.register(child, url_prefix="/c")
    c.freeze()
    assert c.frozen
    assert child.frozen
    attempts = [
        lambda: c.get("/late")(index),
        lambda: child.get("/late")(index),
        lambda: c.add_route("/late", index),
        lambda: c.websocket("/late")(index),
        lambda: c.before_request(index),
        lambda: c.after_request(index),
        lambda: c.on_startup(index),
        lambda: c.on_shutdown(index),
        lambda: c.errorhandler(404)(index),
        lambda: c.register(RouteCollector()),
        lambda: c.add_converter("x", Converter),
        lambda: c.add_routes([]),
    ]
    for attempt in attempts:
        with pytest.raises(ConfigurationError, match="after the app started"):
            attempt()


def test_converters_merge_across_the_tree() -> None:
    class A(Converter): ...

    class B(Converter): ...

    app, child = RouteCollector(), RouteCollector()
    app.add_converter("a", A)
    child.add_converter("b", B)
    app.register(child)
    assert app.all_converters() == {"a": A, "b": B}
    child.add_converter("a", B)
    with pytest.raises(ConfigurationError, match="'a' is registered as both"):
        app.all_converters()
    with pytest.raises(ConfigurationError):
        app.add_converter("a", int)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        app.add_converter("1x", A)


def test_build_router_uses_tree_converters() -> None:
    class Hex(Converter):
        def to_python(self, value: str) -> int:
            return int(value, 16)

        def to_url(self, value: Any) -> str:
            return format(value, "x")

    app, child = RouteCollector(), RouteCollector()
    child.add_converter("hex", Hex)
    child.get("/c/<hex:n>", name="color")(index)
    app.register(child)
    router = app.build_router(lambda route: route.name)
    assert router.lookup("/c/ff") == ({"GET": "color"}, {"n": 255})
    assert router.url_for("color", n=255) == "/c/ff"
    assert not router.frozen


def test_build_router_reports_duplicates_with_both_routes() -> None:
    app = RouteCollector()
    app.get("/x", name="one")(index)
    app.get("/x", name="two")(index)
    with pytest.raises(ConfigurationError, match=r"'one'.*'two'"):
        app.build_router(lambda route: route)


class Items(View):
    def get(self) -> str:
        return "list"

    def post(self) -> str:
        return "create"


def test_view_class_methods_and_name() -> None:
    c = RouteCollector()
    assert c.route("/items")(Items) is Items
    c.route("/items/only-get", methods=["GET", "HEAD", "OPTIONS"], name="only_get")(Items)
    routes = {r.name: r for r in c.iter_routes()}
    assert routes["Items"].methods == frozenset({"GET", "POST"})
    assert routes["Items"].handler is Items
    assert routes["only_get"].methods == frozenset({"GET", "HEAD", "OPTIONS"})
    with pytest.raises(ConfigurationError, match="no method for DELETE"):
        c.route("/x", methods=["DELETE"], name="x")(Items)
    with pytest.raises(ConfigurationError, match="no method for PUT"):
        c.put("/y", name="y")(Items)


def test_view_without_methods_is_refused() -> None:
    class Empty(View): ...

    with pytest.raises(ConfigurationError, match="defines no method"):
        RouteCollector().route("/e")(Empty)


def test_websocket_refuses_views() -> None:
    with pytest.raises(ConfigurationError, match="not a View"):
        RouteCollector().websocket("/ws")(Items)
