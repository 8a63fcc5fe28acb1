"""The App end to end through the TestClient: returns, hooks, errors, methods, lifespan, middleware."""

import dataclasses
import logging
from typing import Annotated, Any

import pytest
from pydantic import BaseModel

from trellis import (
    App,
    Blueprint,
    Depends,
    HTTPException,
    JSONResponse,
    Middleware,
    PlainTextResponse,
    Request,
    Response,
    View,
    abort,
    include,
    path,
    redirect,
)
from trellis.exceptions import ConfigurationError, URLBuildError
from trellis.testing import TestClient


class User(BaseModel):
    id: int
    name: str


@dataclasses.dataclass
class Pair:
    a: int
    b: str


def test_return_values_become_responses() -> None:
    app = App()

    @app.get("/str")
    def s() -> str:
        return "<b>hi</b>"

    @app.get("/dict")
    async def d() -> dict[str, int]:
        return {"a": 1}

    @app.get("/list")
    async def lst() -> list[int]:
        return [1, 2]

    @app.get("/model")
    async def model() -> User:
        return User(id=1, name="ada")

    @app.get("/dc")
    async def dc() -> Pair:
        return Pair(1, "x")

    @app.get("/none")
    async def none() -> None:
        return None

    @app.get("/tuple")
    async def tup() -> Any:
        return {"created": True}, 201, {"X-Extra": "1"}

    @app.get("/tuple204")
    async def tup204() -> Any:
        return "", 204

    @app.get("/gen")
    def gen() -> Any:
        yield "a"
        yield "b"

    @app.get("/agen")
    async def agen() -> Any:
        for part in ("x", "y", "z"):
            yield part

    @app.get("/resp")
    async def resp() -> PlainTextResponse:
        return PlainTextResponse("plain", status_code=202)

    c = TestClient(app)
    r = c.get("/str")
    assert (r.status_code, r.text, r.headers["content-type"]) == (
        200,
        "<b>hi</b>",
        "text/html; charset=utf-8",
    )
    assert c.get("/dict").json() == {"a": 1}
    assert c.get("/dict").headers["content-type"] == "application/json"
    assert c.get("/list").json() == [1, 2]
    assert c.get("/model").json() == {"id": 1, "name": "ada"}
    assert c.get("/dc").json() == {"a": 1, "b": "x"}
    no_content = c.get("/none")
    assert (no_content.status_code, no_content.content) == (204, b"")
    assert "content-length" not in no_content.headers
    t = c.get("/tuple")
    assert (t.status_code, t.json(), t.headers["x-extra"]) == (201, {"created": True}, "1")
    assert c.get("/tuple204").status_code == 204
    assert c.get("/gen").text == "ab"
    assert c.get("/agen").text == "xyz"
    assert (c.get("/resp").status_code, c.get("/resp").text) == (202, "plain")


def test_unconvertible_return_value_is_a_logged_500() -> None:
    app = App()

    @app.get("/bad")
    async def bad() -> Any:
        return object()

    with pytest.raises(TypeError, match="cannot turn into a response"):
        TestClient(app).get("/bad")
    assert TestClient(app, raise_server_exceptions=False).get("/bad").status_code == 500


def test_head_and_options_are_automatic_and_405_lists_allowed_methods() -> None:
    app = App()

    @app.route("/thing", methods=["GET", "POST"])
    async def thing(request: Request) -> str:
        return f"{request.method} body"

    c = TestClient(app)
    head = c.head("/thing")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len("HEAD body"))
    options = c.options("/thing")
    assert options.status_code == 204
    assert options.headers["allow"] == "GET, HEAD, OPTIONS, POST"
    put = c.put("/thing")
    assert put.status_code == 405
    assert put.headers["allow"] == "GET, HEAD, OPTIONS, POST"


def test_trailing_slash_redirects_with_308_keeping_the_query() -> None:
    app = App()

    @app.get("/docs/")
    async def docs() -> str:
        return "docs"

    @app.get("/plain")
    async def plain() -> str:
        return "plain"

    c = TestClient(app)
    r = c.get("/docs?x=1")
    assert r.status_code == 308
    assert r.headers["location"] == "/docs/?x=1"
    assert c.get("/docs/").text == "docs"
    assert c.get("/plain/").status_code == 404


def test_not_found_page_is_html_or_json_by_accept() -> None:
    app = App()
    c = TestClient(app)
    page = c.get("/missing")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "404 Not Found" in page.text
    data = c.get("/missing", headers={"Accept": "application/json"})
    assert data.status_code == 404
    assert data.json()["status"] == 404
    assert data.json()["title"] == "Not Found"
    assert data.json()["type"] == "about:blank"
    assert data.json()["instance"] == "/missing"
    assert data.json()["request_id"] == data.headers["x-request-id"]


def test_abort_and_http_exception_carry_status_detail_and_headers() -> None:
    app = App()

    @app.get("/teapot")
    async def teapot() -> str:
        abort(418, "short and stout")

    @app.get("/limited")
    async def limited() -> str:
        raise HTTPException(429, "slow down", headers={"Retry-After": "3"})

    c = TestClient(app)
    r = c.get("/teapot")
    assert r.status_code == 418
    assert "short and stout" in r.text
    limited_response = c.get("/limited", headers={"Accept": "application/json"})
    assert limited_response.status_code == 429
    assert limited_response.headers["retry-after"] == "3"
    assert limited_response.json()["detail"] == "slow down"


def test_production_500_never_leaks_a_traceback_and_is_logged_with_request_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = App()

    @app.get("/boom")
    async def boom() -> str:
        secret = "hunter2"  # noqa: F841 - a local the page must not show
        raise RuntimeError("database password is hunter2")

    c = TestClient(app, raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="trellis.request"):
        r = c.get("/boom")
    assert r.status_code == 500
    assert "hunter2" not in r.text
    assert "Traceback" not in r.text
    rid = r.headers["x-request-id"]
    assert rid in r.text
    assert any(rid in rec.getMessage() and rec.exc_info for rec in caplog.records)
    with pytest.raises(RuntimeError, match="hunter2"):
        TestClient(app).get("/boom")


def test_debug_page_shows_traceback_and_locals_only_in_debug() -> None:
    app = App(debug=True)

    @app.get("/boom")
    async def boom() -> str:
        marker_local = "visible-local-value"  # noqa: F841
        raise RuntimeError("debug me")

    r = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert r.status_code == 500
    assert "debug me" in r.text
    assert "visible-local-value" in r.text
    assert "marker_local" in r.text


def test_request_id_is_generated_or_kept_when_well_formed() -> None:
    app = App()

    @app.get("/")
    async def index(request: Request) -> str:
        return request.scope["trellis.request_id"].decode()

    c = TestClient(app)
    first, second = c.get("/"), c.get("/")
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    assert first.text == first.headers["x-request-id"]
    kept = c.get("/", headers={"X-Request-ID": "abc-123"})
    assert kept.headers["x-request-id"] == "abc-123"
    evil = c.get("/", headers={"X-Request-ID": "bad id\twith <tags>"})
    assert evil.headers["x-request-id"] != "bad id\twith <tags>"
    assert c.get("/missing").headers["x-request-id"]


def test_too_many_or_too_large_headers_answer_431() -> None:
    app = App()
    app.settings.max_header_count = 10
    app.settings.max_header_size = 2000

    @app.get("/")
    async def index() -> str:
        return "ok"

    c = TestClient(app)
    assert c.get("/").status_code == 200
    many = {f"x-h{i}": "v" for i in range(20)}
    assert c.get("/", headers=many).status_code == 431
    assert c.get("/", headers={"x-big": "v" * 5000}).status_code == 431


def test_before_and_after_request_hooks() -> None:
    app = App()
    order: list[str] = []

    @app.before_request
    async def first(request: Request) -> Any:
        order.append("before")
        if request.query.get("stop"):
            return PlainTextResponse("stopped", status_code=403)
        return None

    @app.after_request
    def stamp(response: Response) -> Response:
        order.append("after")
        response.headers["X-Stamp"] = "yes"
        return response

    @app.get("/")
    async def index() -> str:
        order.append("handler")
        return "ok"

    c = TestClient(app)
    r = c.get("/")
    assert (r.text, r.headers["x-stamp"]) == ("ok", "yes")
    assert order == ["before", "handler", "after"]
    stopped = c.get("/?stop=1")
    assert (stopped.status_code, stopped.text, stopped.headers["x-stamp"]) == (
        403,
        "stopped",
        "yes",
    )


def test_error_handlers_by_status_and_class_blueprint_local_first() -> None:
    app = App()
    bp = Blueprint("api", __name__, url_prefix="/api")

    class Boom(Exception):
        pass

    @app.errorhandler(404)
    async def app_404(request: Request, exc: HTTPException) -> Any:
        return {"where": "app", "path": request.url.path}, 404

    @app.errorhandler(Boom)
    async def app_boom(exc: Boom) -> Any:
        return PlainTextResponse("app boom", status_code=500)

    @bp.errorhandler(Boom)
    async def bp_boom(request: Request, error) -> Any:  # type: ignore[no-untyped-def]
        return PlainTextResponse(f"bp boom {type(error).__name__}", status_code=502)

    @bp.get("/boom")
    async def bp_route() -> str:
        raise Boom

    @app.get("/boom")
    async def app_route() -> str:
        raise Boom

    app.register(bp)
    c = TestClient(app)
    assert c.get("/nowhere").json() == {"where": "app", "path": "/nowhere"}
    assert c.get("/nowhere").status_code == 404
    assert (c.get("/boom").status_code, c.get("/boom").text) == (500, "app boom")
    assert (c.get("/api/boom").status_code, c.get("/api/boom").text) == (502, "bp boom Boom")


def test_blueprints_nesting_names_and_url_for() -> None:
    app = App()
    blog = Blueprint("blog", __name__, url_prefix="/blog")
    admin = Blueprint("admin", __name__, url_prefix="/admin")

    @blog.get("/")
    async def index() -> str:
        return "blog"

    @blog.get("/<slug:slug>")
    async def post(slug: str, request: Request) -> str:
        return request.url_for("blog.index") + "|" + blog.url_for("post", slug=slug)

    @admin.get("/users/<int:id>")
    async def user(id: int) -> dict[str, int]:
        return {"id": id}

    blog.register(admin)
    app.register(blog)
    c = TestClient(app)
    assert c.get("/blog/").text == "blog"
    assert c.get("/blog/hello-world").text == "/blog/|/blog/hello-world"
    assert c.get("/blog/admin/users/3").json() == {"id": 3}
    assert app.url_for("blog.admin.user", id=3, tab="x") == "/blog/admin/users/3?tab=x"
    with pytest.raises(URLBuildError):
        app.url_for("blog.admin.user", id="abc")
    with pytest.raises(URLBuildError):
        app.url_for("nope")


def test_central_routes_list_with_path_and_include() -> None:
    async def home() -> str:
        return "home"

    async def about() -> str:
        return "about"

    async def article(id: int) -> dict[str, int]:
        return {"id": id}

    app = App(
        routes=[
            path("/", home, name="home"),
            include(
                "/pages", [path("/about", about), path("/a/<int:id>", article, name="article")]
            ),
        ]
    )
    c = TestClient(app)
    assert c.get("/").text == "home"
    assert c.get("/pages/about").text == "about"
    assert c.get("/pages/a/5").json() == {"id": 5}
    assert app.url_for("home") == "/"


def test_class_based_views_dispatch_by_method() -> None:
    app = App()

    class ItemView(View):
        def __init__(self) -> None:
            self.prefix = "item"

        async def get(self, id: int) -> dict[str, object]:
            return {"get": id, "prefix": self.prefix}

        def post(self, id: int, request: Request) -> Any:
            return {"post": id, "method": request.method}, 201

    app.route("/items/<int:id>")(ItemView)
    c = TestClient(app)
    assert c.get("/items/3").json() == {"get": 3, "prefix": "item"}
    r = c.post("/items/4")
    assert (r.status_code, r.json()) == (201, {"post": 4, "method": "POST"})
    assert c.delete("/items/4").status_code == 405
    assert c.head("/items/3").status_code == 200


def test_redirect_helper() -> None:
    app = App()

    @app.get("/old")
    async def old() -> Response:
        return redirect(app.url_for("new"))

    @app.get("/new")
    async def new() -> str:
        return "new"

    c = TestClient(app)
    r = c.get("/old")
    assert (r.status_code, r.headers["location"]) == (302, "/new")
    assert c.get("/old", follow_redirects=True).text == "new"


def test_lifespan_runs_startup_and_shutdown_hooks_and_failing_startup_raises() -> None:
    app = App()
    events: list[str] = []
    bp = Blueprint("bp", __name__)

    @app.on_startup
    async def start() -> None:
        events.append("start")

    @bp.on_startup
    def bp_start() -> None:
        events.append("bp start")

    @app.on_shutdown
    def stop() -> None:
        events.append("stop")

    app.register(bp)
    with TestClient(app) as c:
        assert events == ["start", "bp start"]
        c.get("/")
    assert events == ["start", "bp start", "stop"]

    failing = App()

    @failing.on_startup
    async def broken() -> None:
        raise RuntimeError("no database")

    with pytest.raises(RuntimeError, match="no database"), TestClient(failing):
        pass


def test_pure_asgi_middleware_wraps_in_declared_order() -> None:
    order: list[str] = []

    class Tag:
        def __init__(self, app: Any, label: str) -> None:
            self.app = app
            self.label = label

        async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                await self.app(scope, receive, send)
                return
            order.append(self.label)

            async def tagged(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    message["headers"] = [*message["headers"], (b"x-" + self.label.encode(), b"1")]
                await send(message)

            await self.app(scope, receive, tagged)

    class Broken:
        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] == "http" and scope["path"] == "/broken":
                raise RuntimeError("middleware bug")
            await self.app(scope, receive, send)

    app = App(
        middleware=[Middleware(Tag, label="outer"), Middleware(Tag, "inner"), Middleware(Broken)]
    )

    @app.get("/")
    async def index() -> str:
        return "ok"

    c = TestClient(app, raise_server_exceptions=False)
    r = c.get("/")
    assert (r.text, r.headers["x-outer"], r.headers["x-inner"]) == ("ok", "1", "1")
    assert order == ["outer", "inner"]
    broken = c.get("/broken")
    assert broken.status_code == 500
    assert "middleware bug" not in broken.text


def test_install_a_battery_through_public_extension_points() -> None:
    class Greeter:
        def __init__(self, greeting: str) -> None:
            self.greeting = greeting

        def install(self, app: App) -> None:
            app.provide(Greeter, lambda: self)
            app.extensions["greeter"] = self

            @app.get("/greet")
            async def greet(g: Greeter, name: str = "you") -> str:
                return f"{g.greeting}, {name}"

    app = App()
    battery = app.install(Greeter("Hello"))
    assert app.extensions["greeter"] is battery
    assert TestClient(app).get("/greet?name=Ada").text == "Hello, Ada"
    with pytest.raises(ConfigurationError, match="after the app has started"):
        app.install(Greeter("late"))
    with pytest.raises(ConfigurationError, match="no install"):
        App().install(object())


def test_registering_after_start_is_refused() -> None:
    app = App()

    @app.get("/")
    async def index() -> str:
        return "ok"

    TestClient(app).get("/")
    with pytest.raises(ConfigurationError):
        app.add_route("/late", index)
    with pytest.raises(ConfigurationError):
        app.provide(int, int)


def test_json_response_and_after_hook_replacing_response() -> None:
    app = App()

    @app.after_request
    async def replace(response: Response) -> Response:
        if response.status_code == 404:
            return JSONResponse({"gone": True}, status_code=410)
        return response

    c = TestClient(app)
    r = c.get("/nothing")
    assert (r.status_code, r.json()) == (410, {"gone": True})


def test_request_url_for_resolves_relative_names_and_keeps_root_path() -> None:
    app = App()
    blog = Blueprint("blog", __name__, url_prefix="/blog")

    @blog.get("/")
    async def index() -> str:
        return "index"

    @blog.get("/<int:id>")
    async def post(id: int, request: Request) -> dict[str, str]:
        return {"relative": request.url_for(".index"), "absolute": request.url_for("home")}

    @app.get("/")
    async def home(request: Request) -> str:
        return request.url_for(".home")

    app.register(blog)
    c = TestClient(app)
    assert c.get("/blog/1").json() == {"relative": "/blog/", "absolute": "/"}
    assert c.get("/").text == "/"
    mounted = TestClient(app, root_path="/site")
    assert mounted.get("/blog/1").json() == {"relative": "/site/blog/", "absolute": "/site/"}


def test_websocket_routes_with_path_params_injection_and_errors(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from trellis import WebSocket
    from trellis.testing import WebSocketDenied, WebSocketDisconnect

    app = App()
    app.provide(Pair, lambda: Pair(1, "provided"))

    @app.websocket("/chat/<room>")
    async def chat(ws: WebSocket, room: str, pair: Pair) -> None:
        await ws.accept(subprotocol="chat.v1" if "chat.v1" in ws.subprotocols else None)
        await ws.send_json({"room": room, "pair": pair.b})
        async for text in ws.iter_text():
            if text == "boom":
                raise RuntimeError("handler bug")
            await ws.send_text(text.upper())

    @app.websocket("/closing")
    async def closing(ws: WebSocket) -> None:
        await ws.accept()
        await ws.close(code=4001, reason="bye")

    c = TestClient(app, raise_server_exceptions=False)
    with c.websocket_connect("/chat/lobby", subprotocols=["chat.v1"]) as ws:
        assert ws.accepted_subprotocol == "chat.v1"
        assert ws.receive_json() == {"room": "lobby", "pair": "provided"}
        ws.send_text("hi")
        assert ws.receive_text() == "HI"
        with caplog.at_level(logging.ERROR, logger="trellis.request"):
            ws.send_text("boom")
            with pytest.raises(WebSocketDisconnect) as info:
                ws.receive_text()
        assert info.value.code == 1011
    assert any("websocket" in rec.getMessage() for rec in caplog.records)
    with c.websocket_connect("/closing") as ws, pytest.raises(WebSocketDisconnect) as closed:
        ws.receive_text()
    assert closed.value.code == 4001
    with pytest.raises(WebSocketDenied), c.websocket_connect("/nowhere"):
        pass


def test_root_path_is_stripped_only_at_a_segment_boundary() -> None:
    from trellis.dispatch import _route_path

    assert _route_path("/site/blog", "/site") == "/blog"
    assert _route_path("/site", "/site") == "/"
    assert _route_path("/sitemap", "/site") == "/sitemap"
    assert _route_path("/blog", "") == "/blog"


def test_a_configuration_error_fails_the_lifespan_startup() -> None:
    app = App()

    class Unknown:
        pass

    @app.get("/")
    async def index(x: Unknown) -> str:
        return ""

    with pytest.raises(Exception, match="cannot be filled"), TestClient(app):
        pass


def test_dict_parameters_are_the_json_body() -> None:
    app = App()

    @app.post("/echo")
    async def echo(data: dict[str, int]) -> dict[str, int]:
        return data

    c = TestClient(app)
    assert c.post("/echo", json={"a": 1}).json() == {"a": 1}
    assert c.post("/echo", json={"a": "x"}).status_code == 422


def test_a_file_response_whose_file_is_gone_answers_404(tmp_path: Any) -> None:
    from trellis import FileResponse

    app = App()
    target = tmp_path / "report.txt"

    @app.get("/report")
    async def report() -> FileResponse:
        return FileResponse(target)

    @app.get("/report-slow")
    async def report_slow(request: Request) -> FileResponse:
        return FileResponse(target)

    c = TestClient(app)
    assert c.get("/report").status_code == 404
    assert c.get("/report-slow").status_code == 404
    target.write_text("ready")
    assert c.get("/report").text == "ready"


def test_invalid_percent_encoding_or_utf8_in_the_path_answers_400() -> None:
    import asyncio

    app = App()

    @app.get("/files/<name>")
    async def file(name: str) -> str:
        return name

    async def call(raw_path: bytes, path: str) -> tuple[int, bytes]:
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "method": "GET",
            "path": path,
            "raw_path": raw_path,
            "query_string": b"",
            "headers": [(b"host", b"localhost")],
            "root_path": "",
        }
        await app(scope, receive, send)
        return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])

    # What lenient servers hand over: "%zz" kept as is, bad UTF-8 replaced.
    assert asyncio.run(call(b"/files/a%zz", "/files/a%zz"))[0] == 400
    assert asyncio.run(call(b"/files/%ff%fe", "/files/\ufffd\ufffd"))[0] == 400
    assert asyncio.run(call(b"/files/caf%C3%A9", "/files/café")) == (200, "café".encode())
    assert asyncio.run(call(b"/files/100%25", "/files/100%")) == (200, b"100%")


def test_on_ready_hooks_and_conventions_run_at_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    import trellis.app as app_module

    seen: list[str] = []

    def convention(app: App) -> None:
        seen.append("convention")

        @app.get("/by-convention")
        async def by_convention() -> str:
            return "installed by a convention"

    monkeypatch.setattr(app_module, "_conventions", lambda: (convention,))
    app = App()

    @app.on_ready
    def ready(a: App) -> None:
        seen.append(f"ready {len(a.routes())}")

    client = TestClient(app)
    assert client.get("/by-convention").text == "installed by a convention"
    assert seen == ["convention", "ready 1"]
    with pytest.raises(ConfigurationError):
        app.on_ready(ready)


def test_template_registrations_are_recorded_on_app_and_blueprint() -> None:
    app = App()
    bp = Blueprint("bp", __name__)

    @app.template_filter()
    def shout(value: str) -> str:
        return value.upper()

    @bp.template_test("even")
    def is_even(value: int) -> bool:
        return value % 2 == 0

    @bp.template_global()
    def year() -> int:
        return 2026

    @app.context_processor
    def extra() -> dict[str, int]:
        return {"n": 1}

    app.register(bp)
    assert app.template_filters == {"shout": shout}
    assert bp.template_tests == {"even": is_even}
    assert bp.template_globals == {"year": year}
    assert app.context_processors == [extra]
    assert app.installed(type(None)) is None
    app.startup_freeze()
    with pytest.raises(ConfigurationError):
        app.add_template_global(1, "late")


def test_before_send_callbacks_see_the_final_response_and_can_fail_it() -> None:
    app = App()
    seen: list[int] = []

    class CommitFailed(Exception):
        pass

    @app.errorhandler(CommitFailed)
    async def commit_failed(exc: CommitFailed) -> Any:
        return {"error": "commit failed"}, 409

    def unit_of_work(request: Request) -> str:
        async def commit(response: Response) -> None:
            seen.append(response.status_code)
            if request.query.get("fail"):
                raise CommitFailed

        request.before_send(commit)
        return "uow"

    @app.get("/ok")
    async def ok(uow: Annotated[str, Depends(unit_of_work)]) -> str:
        return uow

    @app.get("/notfound")
    async def notfound(uow: Annotated[str, Depends(unit_of_work)]) -> Any:
        return "missing", 404

    @app.get("/raises")
    async def raises(uow: Annotated[str, Depends(unit_of_work)]) -> str:
        raise RuntimeError("handler failed")

    c = TestClient(app, raise_server_exceptions=False)
    assert c.get("/ok").text == "uow"
    assert c.get("/notfound").status_code == 404
    assert seen == [200, 404]
    failed = c.get("/ok?fail=1")
    assert (failed.status_code, failed.json()) == (409, {"error": "commit failed"})
    assert c.get("/raises").status_code == 500
    assert seen == [200, 404, 200]  # not called when the handler raised
