"""@rate_limit on functions, async functions, Views and Blueprints, through a real App."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from trellis import App, Blueprint, Request, View
from trellis.exceptions import ConfigurationError
from trellis.ratelimit import RateLimit, rate_limit
from trellis.testing import TestClient


class Clock:
    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make_app(clock: Clock, **options: Any) -> App:
    app = App()
    app.install(RateLimit(clock=clock, **options))
    return app


def statuses(client: TestClient, path: str, times: int, **kwargs: Any) -> list[int]:
    return [client.get(path, **kwargs).status_code for _ in range(times)]


def test_a_limited_handler_keeps_its_parameters_and_its_thread() -> None:
    clock = Clock()
    app = make_app(clock)
    threads: list[str] = []

    @app.get("/items/<int:id>")
    @rate_limit("2/minute")
    def item(id: int, verbose: bool = False) -> dict[str, Any]:
        threads.append(threading.current_thread().name)
        return {"id": id, "verbose": verbose}

    with TestClient(app) as client:
        assert client.get("/items/3?verbose=1").json() == {"id": 3, "verbose": True}
        assert client.get("/items/3?verbose=maybe").status_code == 422  # still validated
        third = client.get("/items/3")
    assert third.status_code == 429
    assert third.headers["retry-after"] == "20"  # the window ends at 1020 s
    assert len(threads) == 1
    assert threads[0] != "trellis-testclient"
    assert item.__name__ == "item"


def test_the_limit_is_checked_before_the_body_is_read() -> None:
    app = make_app(Clock())
    seen: list[Any] = []

    @app.post("/echo")
    @rate_limit("1/minute")
    async def echo(payload: dict[str, Any], request: Request) -> dict[str, Any]:
        seen.append(payload)
        return payload

    with TestClient(app) as client:
        assert client.post("/echo", json={"a": 1}).json() == {"a": 1}
        refused = client.post(
            "/echo", content=b"{not json", headers={"content-type": "application/json"}
        )
    assert refused.status_code == 429  # not 400: the broken body was never parsed
    assert seen == [{"a": 1}]


def test_the_window_resets_on_the_clock() -> None:
    clock = Clock(1_000.0)
    app = make_app(clock)

    @app.get("/ping")
    @rate_limit("3/minute")
    async def ping() -> str:
        return "pong"

    with TestClient(app) as client:
        assert statuses(client, "/ping", 4) == [200, 200, 200, 429]
        clock.now = 1_019.9
        assert statuses(client, "/ping", 1) == [429]
        clock.now = 1_020.0  # 17 * 60: a new fixed window
        assert statuses(client, "/ping", 4) == [200, 200, 200, 429]


def test_success_answers_carry_ratelimit_headers() -> None:
    app = make_app(Clock(1_000.0))

    @app.get("/ping")
    @rate_limit("5/minute")
    @rate_limit("100/hour")
    def ping() -> str:
        return "pong"

    with TestClient(app) as client:
        response = client.get("/ping")
    assert response.headers["ratelimit-limit"] == "5"
    assert response.headers["ratelimit-remaining"] == "4"
    assert response.headers["ratelimit-reset"] == "20"
    assert response.headers["ratelimit-policy"] == "5;w=60, 100;w=3600"  # shortest first


def test_refusals_are_problem_details_for_json_clients() -> None:
    app = make_app(Clock(1_000.0))

    @app.get("/ping")
    @rate_limit("1/hour")
    def ping() -> str:
        return "pong"

    with TestClient(app) as client:
        client.get("/ping")
        refused = client.get("/ping", headers={"accept": "application/json"})
    assert refused.status_code == 429
    body = refused.json()
    assert body["status"] == 429
    assert (
        body["detail"] == "Too many requests: the limit is 1 per hour. Try again in 2600 seconds."
    )
    assert refused.headers["retry-after"] == "2600"
    assert refused.headers["ratelimit-remaining"] == "0"


def test_each_route_counts_apart_unless_a_scope_is_shared() -> None:
    app = make_app(Clock())

    @app.get("/a")
    @rate_limit("1/minute")
    def a() -> str:
        return "a"

    @app.get("/b")
    @rate_limit("1/minute")
    def b() -> str:
        return "b"

    @app.get("/c")
    @rate_limit("2/minute", scope="search")
    def c() -> str:
        return "c"

    @app.get("/d")
    @rate_limit("2/minute", scope="search")
    def d() -> str:
        return "d"

    with TestClient(app) as client:
        assert statuses(client, "/a", 1) + statuses(client, "/b", 1) == [200, 200]
        assert statuses(client, "/c", 1) + statuses(client, "/d", 2) == [200, 200, 429]


def test_keys_separate_clients_and_none_lets_a_request_through() -> None:
    app = make_app(Clock())

    def by_token(request: Request) -> str | None:
        token = request.headers.get("x-token")
        return None if token == "internal" else f"token:{token}"

    @app.get("/api")
    @rate_limit("1/minute", key=by_token)
    async def api() -> str:
        return "ok"

    with TestClient(app) as client:
        assert statuses(client, "/api", 2, headers={"x-token": "a"}) == [200, 429]
        assert statuses(client, "/api", 1, headers={"x-token": "b"}) == [200]
        assert statuses(client, "/api", 3, headers={"x-token": "internal"}) == [200] * 3


def test_methods_and_cost() -> None:
    app = make_app(Clock())

    @app.route("/upload", methods=["GET", "POST"])
    @rate_limit("4/minute", methods=["POST"], cost=2)
    def upload() -> str:
        return "ok"

    with TestClient(app) as client:
        assert statuses(client, "/upload", 5) == [200] * 5
        assert [client.post("/upload").status_code for _ in range(3)] == [200, 200, 429]


def test_a_view_class_is_limited_per_method() -> None:
    app = make_app(Clock())

    @rate_limit("1/minute", methods=["POST"])
    class Items(View):
        def get(self) -> str:
            return "list"

        async def post(self, request: Request) -> str:
            return "created"

    app.route("/items")(Items)
    with TestClient(app) as client:
        assert statuses(client, "/items", 3) == [200] * 3
        assert [client.post("/items").status_code for _ in range(2)] == [200, 429]
        assert client.post("/items").text.startswith("<!doctype html>")


def test_a_blueprint_limit_is_shared_by_its_routes_only() -> None:
    app = make_app(Clock())
    api = Blueprint("api", url_prefix="/api")

    @api.get("/one")
    def one() -> str:
        return "1"

    @api.get("/two")
    def two() -> str:
        return "2"

    rate_limit("3/minute")(api)

    @app.get("/free")
    def free() -> str:
        return "free"

    app.register(api)
    with TestClient(app) as client:
        assert statuses(client, "/api/one", 2) + statuses(client, "/api/two", 2) == [
            200,
            200,
            200,
            429,
        ]
        assert statuses(client, "/free", 5) == [200] * 5


def test_streaming_handlers_stay_streams() -> None:
    app = make_app(Clock())

    @app.get("/stream")
    @rate_limit("1/minute")
    async def stream() -> Any:
        for part in ("a", "b"):
            yield part

    with TestClient(app) as client:
        assert client.get("/stream").text == "ab"
        assert client.get("/stream").status_code == 429


def test_decorated_routes_work_without_installing_the_battery() -> None:
    app = App()

    @app.get("/x")
    @rate_limit("1/minute")
    def x() -> str:
        return "x"

    with TestClient(app) as client:
        assert statuses(client, "/x", 2) == [200, 429]
    assert isinstance(app.extensions["ratelimit"], RateLimit)


def test_declaration_mistakes_fail_at_import() -> None:
    with pytest.raises(ConfigurationError, match="not understood"):
        rate_limit("10/fortnight")
    with pytest.raises(ConfigurationError, match="cost"):
        rate_limit("2/minute", cost=3)
    with pytest.raises(ConfigurationError, match="unknown"):
        rate_limit("2/minute", key="cookie")
    with pytest.raises(ConfigurationError, match="methods"):
        rate_limit("2/minute", methods="POST")
    with pytest.raises(ConfigurationError, match="no method"):
        rate_limit("1/minute", methods=["DELETE"])(type("V", (View,), {"get": lambda self: ""}))
