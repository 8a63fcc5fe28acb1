"""The RateLimit battery: settings, battery-wide limits, zero cost for unlimited routes,
backend failures, deploy checks, and Redis shared by two apps."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from tests.support.services import redis_url

from trellis import App, Blueprint
from trellis.checks import run_checks
from trellis.exceptions import ConfigurationError
from trellis.ratelimit import Backend, Counts, MemoryBackend, RateLimit, rate_limit
from trellis.ratelimit import rate_limit_exempt as exempt
from trellis.testing import TestClient


class Clock:
    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Spy(MemoryBackend):
    """A memory backend that remembers which keys were counted."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: list[str] = []

    async def increment(self, key: str, previous_key: str | None, **kwargs: Any) -> Counts:
        self.keys.append(key)
        return await super().increment(key, previous_key, **kwargs)


class Broken(Backend):
    async def increment(self, key: str, previous_key: str | None, **kwargs: Any) -> Counts:
        raise ConnectionError("backend down")


def site(limiter: RateLimit) -> App:
    app = App()
    app.install(limiter)
    api = Blueprint("api", url_prefix="/api")

    @api.get("/a")
    def a() -> str:
        return "a"

    @api.get("/b")
    def b() -> str:
        return "b"

    @api.get("/health")
    @exempt
    def health() -> str:
        return "ok"

    @app.get("/")
    def home() -> str:
        return "home"

    @app.get("/search")
    @rate_limit("5/minute")
    def search() -> str:
        return "results"

    app.register(api)
    return app


def statuses(client: TestClient, path: str, times: int) -> list[int]:
    return [client.get(path).status_code for _ in range(times)]


def test_limits_by_name_and_a_default_for_the_rest() -> None:
    app = site(RateLimit(clock=Clock(), default="2/minute", limits={"api": "3/minute"}))
    with TestClient(app) as client:
        # "api" is one counter for the blueprint's routes
        assert statuses(client, "/api/a", 2) + statuses(client, "/api/b", 2) == [200] * 3 + [429]
        assert statuses(client, "/api/health", 5) == [200] * 5  # exempt
        assert statuses(client, "/", 3) == [200, 200, 429]  # the default
        # a route with its own limit does not also get the default
        assert statuses(client, "/search", 6) == [200] * 5 + [429]


def test_options_from_settings_and_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRELLIS_RATELIMIT_LIMITS", '{"api.a": "1/minute", "api.b": "2/minute"}')
    monkeypatch.setenv("TRELLIS_RATELIMIT_STRATEGY", "sliding")
    monkeypatch.setenv("TRELLIS_RATELIMIT_HEADERS", "false")
    limiter = RateLimit(clock=Clock())
    app = site(limiter)
    with TestClient(app) as client:
        assert statuses(client, "/api/a", 2) == [200, 429]
        assert statuses(client, "/api/b", 3) == [200, 200, 429]
        assert "ratelimit-limit" not in client.get("/search").headers
    assert limiter.strategy == "sliding"


def test_a_limit_naming_no_route_fails_at_startup() -> None:
    app = site(RateLimit(limits={"apii": "1/minute"}))
    with pytest.raises(ConfigurationError, match=r"\['apii'\].*api\.a"):
        app.startup_freeze()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"strategy": "leaky"}, "fixed' or 'sliding"),
        ({"backend": "memcached://x"}, "backend 'memcached://x' is unknown"),
        ({"default": "lots"}, "not understood"),
        ({"key": "mac"}, "'mac' is unknown"),
    ],
)
def test_bad_options_fail_at_install(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        App().install(RateLimit(**options))


def test_unlimited_routes_pay_nothing() -> None:
    spy = Spy()
    limiter = RateLimit(backend=spy, clock=Clock())
    app = site(limiter)
    assert app.before_request_hooks == []  # no battery-wide limits: no app-wide hook
    with TestClient(app) as client:
        statuses(client, "/", 3)
        statuses(client, "/api/a", 3)
        assert spy.keys == []
        client.get("/search")
    assert len(spy.keys) == 1
    assert spy.keys[0].startswith("{search|60|ip:")


def test_the_user_key_counts_accounts_not_addresses() -> None:
    class User:
        is_authenticated = True

        def __init__(self, id: int) -> None:
            self.id = id

    class FakeAuth:
        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
            for name, value in scope.get("headers", ()):
                if name == b"x-user":
                    scope["user"] = User(int(value))
            await self.app(scope, receive, send)

    spy = Spy()
    app = App()
    app.add_middleware(FakeAuth)
    app.install(RateLimit(backend=spy, key="user", clock=Clock()))

    @app.get("/me")
    @rate_limit("1/minute")
    def me() -> str:
        return "me"

    with TestClient(app) as client:
        assert client.get("/me", headers={"x-user": "7"}).status_code == 200
        assert client.get("/me", headers={"x-user": "7"}).status_code == 429
        assert client.get("/me", headers={"x-user": "8"}).status_code == 200
        assert client.get("/me").status_code == 200  # anonymous: by address
    assert [k.split("|")[2].split("}")[0] for k in spy.keys] == [
        "user:7",
        "user:7",
        "user:8",
        "ip:testclient",
    ]


def test_a_failing_backend_lets_requests_through_and_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = site(RateLimit(backend=Broken()))
    with caplog.at_level(logging.ERROR, logger="trellis.ratelimit"), TestClient(app) as client:
        assert statuses(client, "/search", 2) == [200, 200]
    assert "rate-limit backend failed" in caplog.text


def test_fail_closed_refuses_when_the_backend_fails() -> None:
    app = site(RateLimit(backend=Broken(), fail_open=False))
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/search").status_code == 500


def test_disabled_counts_nothing() -> None:
    spy = Spy()
    app = site(RateLimit(backend=spy, enabled=False, default="1/minute"))
    with TestClient(app) as client:
        assert statuses(client, "/search", 8) == [200] * 8
        assert statuses(client, "/", 3) == [200] * 3
    assert spy.keys == []


def test_deploy_check_warns_about_per_process_counters() -> None:
    app = site(RateLimit())
    ids = [m.id for m in run_checks(app, deploy=True)]
    assert "ratelimit.W001" in ids
    assert "ratelimit.W001" not in [m.id for m in run_checks(app, deploy=False)]


def test_installing_twice_is_refused() -> None:
    app = App()
    app.install(RateLimit())
    with pytest.raises(ConfigurationError, match="installed twice"):
        app.install(RateLimit())


def test_two_apps_on_one_redis_share_the_count(redis_prefix: str) -> None:
    clock = Clock()
    apps = [
        site(RateLimit(backend=redis_url(), key_prefix=redis_prefix, clock=clock)) for _ in range(2)
    ]
    with TestClient(apps[0]) as first, TestClient(apps[1]) as second:
        assert statuses(first, "/search", 3) == [200] * 3
        assert statuses(second, "/search", 3) == [200, 200, 429]
        assert statuses(first, "/search", 1) == [429]
        clock.now = 1_020.0  # a new window for both
        assert statuses(second, "/search", 1) == [200]


def test_sliding_window_on_redis_through_the_app(redis_prefix: str) -> None:
    clock = Clock(1_030.0)  # 10 s into the minute-long window starting at 1020 s
    app = site(
        RateLimit(backend=redis_url(), key_prefix=redis_prefix, strategy="sliding", clock=clock)
    )
    with TestClient(app) as client:
        assert statuses(client, "/search", 6) == [200] * 5 + [429]
        clock.now = 1_090.0  # 10 s into the next window: 5 * 50/60 = 4.17 still count
        refused = client.get("/search")
        assert refused.status_code == 429
        # 5 * (1 - e/60) + 1 <= 5 once e >= 12 s: at 1092 s, 2 s from now
        assert refused.headers["retry-after"] == "2"
        clock.now = 1_092.0
        assert statuses(client, "/search", 2) == [200, 429]
