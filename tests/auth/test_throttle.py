"""Login throttling in one process: per account and per address, in the database or in Redis."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from tests.auth.conftest import MakeApp
from tests.auth.support import PASSWORD, add_user, log_in
from tests.support.services import redis_url

from trellis import App
from trellis.auth import LoginThrottled, RedisThrottle, ThrottleOptions
from trellis.testing import TestClient


def fail(client: TestClient, username: str = "ann") -> Any:
    return client.post("/auth/login", data={"username": username, "password": "wrong"})


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    url = redis_url()
    prefix = f"trellis-test:auth:{uuid.uuid4().hex[:8]}:"
    yield prefix
    import redis

    client = redis.Redis.from_url(url)
    try:
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
    finally:
        client.close()


@pytest.fixture(
    params=[
        ("sqlite", "database"),
        ("postgresql", "database"),
        ("mysql", "database"),
        ("sqlite", "redis"),
    ],
    ids=["sqlite", "postgresql", "mysql", "redis"],
)
def throttled_app(
    request: pytest.FixtureRequest, make_app: MakeApp, empty_database: Callable[[str], str]
) -> App:
    backend, store = request.param
    options: dict[str, Any] = {"throttle_failures": 3, "throttle_address_failures": 5}
    if store == "redis":
        prefix = request.getfixturevalue("redis_prefix")
        options.update(throttle_redis_url=redis_url(), throttle_key_prefix=prefix)
    app = make_app(empty_database(backend), **options)
    for name in ("ann", "bob", "cy", "dee"):
        add_user(app, name)
    return app


def test_an_account_is_locked_after_n_failures(throttled_app: App) -> None:
    with TestClient(throttled_app) as client:
        assert fail(client).status_code == 200
        assert fail(client).status_code == 200
        third = fail(client)  # the failure that reaches the limit answers 429 at once
        assert third.status_code == 429
        assert third.headers["retry-after"] == "900"
        assert "Too many failed login attempts. Try again in 15 minutes." in third.text
        right = client.post("/auth/login", data={"username": "ann", "password": PASSWORD})
        assert right.status_code == 429  # even the right password: guessing is pointless now
        assert 0 < int(right.headers["retry-after"]) <= 900
        log_in(client, "bob")  # other accounts are not affected


def test_a_success_clears_the_accounts_failures(throttled_app: App) -> None:
    with TestClient(throttled_app) as client:
        fail(client)
        fail(client)
        log_in(client)
        fail(client)
        assert fail(client).status_code == 200  # counting started again


def test_an_address_is_locked_after_m_failures_across_accounts(throttled_app: App) -> None:
    with TestClient(throttled_app) as client:
        for name in ("ann", "bob", "ann", "bob"):
            assert fail(client, name).status_code == 200
        assert fail(client, "cy").status_code == 429  # the fifth from this address
        assert (
            client.post("/auth/login", data={"username": "dee", "password": PASSWORD}).status_code
            == 429
        )
    with TestClient(throttled_app, client=("10.9.9.9", 1234)) as elsewhere:
        log_in(elsewhere, "dee")  # the same account from another address


def test_the_password_change_form_is_throttled_too(throttled_app: App) -> None:
    with TestClient(throttled_app) as client:
        log_in(client)
        form = {"old_password": "wrong", "new_password1": "x" * 12, "new_password2": "x" * 12}
        for _ in range(3):
            client.post("/auth/password", data=form)
        assert client.post("/auth/password", data=form).status_code == 429


def test_limits_of_zero_switch_throttling_off(make_app: MakeApp, sqlite_url: str) -> None:
    app = make_app(sqlite_url, throttle_failures=0, throttle_address_failures=0)
    add_user(app, "ann")
    with TestClient(app) as client:
        for _ in range(30):
            assert fail(client).status_code == 200
        log_in(client)


async def test_a_redis_outage_lets_logins_through(caplog: pytest.LogCaptureFixture) -> None:
    throttle = RedisThrottle("redis://127.0.0.1:9/0", ThrottleOptions(failures=1))
    await throttle.check("ann", "1.2.3.4")  # no exception: not throttling beats refusing all
    assert await throttle.failed("ann", "1.2.3.4") == 0
    assert "Login throttle unavailable" in caplog.text
    await throttle.close()


def test_the_429_exception_says_when_to_come_back() -> None:
    assert LoginThrottled(61).headers == {"Retry-After": "61"}
    assert LoginThrottled(61).detail.endswith("in 2 minutes.")
    assert LoginThrottled(0).retry_after == 1
