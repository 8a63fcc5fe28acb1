"""Throttling holds across processes: failures counted by one server lock the account on another.

Two granian servers run the same app in separate processes, sharing Redis (or, for the database
store, one SQLite file).  Failed logins sent to the first make the second refuse even the right
password with 429.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from tests.auth.support import AUTH_TABLES, PASSWORD, SECRET, add_user
from tests.support.servers import free_port, running_server
from tests.support.services import redis_url

from trellis import App
from trellis.db import Database, Model

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.server


def serve_twice(env: dict[str, str]) -> Iterator[tuple[str, str]]:
    with ExitStack() as stack:
        urls = []
        for _ in range(2):
            port = free_port()
            argv = [sys.executable, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1"]
            argv += ["--port", str(port), "--workers", "1", "tests.auth.throttle_server:app"]
            base = f"http://127.0.0.1:{port}"
            urls.append(
                stack.enter_context(
                    running_server(argv, base_url=base, probe="/ready", cwd=ROOT, env=env)
                )
            )
        yield urls[0], urls[1]


@pytest.fixture(params=["redis", "database"])
def servers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    app = App()
    database = app.install(Database(url))
    Model.metadata.create_all(database.sync_engine(), tables=AUTH_TABLES)
    add_user(app, "ann")
    add_user(app, "bob")
    database.engines().dispose_sync()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TRELLIS_DATABASE_URL": url,
        "TRELLIS_SECRET_KEY": SECRET,
        "TRELLIS_AUTH_THROTTLE_FAILURES": "3",
        "TRELLIS_AUTH_SYNC_PERMISSIONS": "false",
        "TRELLIS_AUTH_ARGON2_TIME_COST": "1",
        "TRELLIS_AUTH_ARGON2_MEMORY_COST": "8",
        "TRELLIS_AUTH_ARGON2_PARALLELISM": "1",
    }
    env.pop("TRELLIS_APP", None)
    prefix = f"trellis-test:auth:{uuid.uuid4().hex[:8]}:"
    if request.param == "redis":
        env["TRELLIS_AUTH_THROTTLE_REDIS_URL"] = redis_url()
        env["TRELLIS_AUTH_THROTTLE_KEY_PREFIX"] = prefix
    try:
        yield from serve_twice(env)
    finally:
        if request.param == "redis":
            import redis

            client = redis.Redis.from_url(redis_url())
            for key in client.scan_iter(f"{prefix}*"):
                client.delete(key)
            client.close()


def attempt(base: str, username: str, password: str) -> httpx.Response:
    return httpx.post(
        f"{base}/auth/login", data={"username": username, "password": password}, timeout=30
    )


def test_failures_on_one_process_lock_the_account_on_the_other(servers: tuple[str, str]) -> None:
    first, second = servers
    assert attempt(first, "ann", "wrong").status_code == 200
    assert attempt(first, "ann", "wrong").status_code == 200
    assert attempt(first, "ann", "wrong").status_code == 429
    refused = attempt(second, "ann", PASSWORD)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 900
    assert attempt(second, "bob", PASSWORD).status_code == 303
