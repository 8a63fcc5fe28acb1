"""Helpers of the auth tests: settings with fast argon2, the auth tables, users, logging in."""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import SecretStr

from trellis import App
from trellis.auth.hashers import Argon2Parameters, PasswordHasher
from trellis.auth.models import (
    ApiToken,
    Group,
    LoginFailure,
    LoginLockout,
    Permission,
    group_permissions,
    user_groups,
    user_permissions,
)
from trellis.auth.user import User
from trellis.conf import Settings
from trellis.db import Database

SECRET = "tests-auth-3f9c1b2a7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a"
PASSWORD = "correct horse battery staple"
#: The smallest argon2 costs: the suite hashes hundreds of passwords.
FAST = Argon2Parameters(time_cost=1, memory_cost=8, parallelism=1)

AUTH_TABLES = [
    User.__table__,  # type: ignore[attr-defined]
    Group.__table__,  # type: ignore[attr-defined]
    Permission.__table__,  # type: ignore[attr-defined]
    group_permissions,
    user_groups,
    user_permissions,
    ApiToken.__table__,  # type: ignore[attr-defined]
    LoginFailure.__table__,  # type: ignore[attr-defined]
    LoginLockout.__table__,  # type: ignore[attr-defined]
]


class AuthSettings(Settings):
    """A site's settings, declaring battery options as a project does."""

    auth_argon2_time_cost: int = FAST.time_cost
    auth_argon2_memory_cost: int = FAST.memory_cost
    auth_argon2_parallelism: int = FAST.parallelism
    auth_sync_permissions: bool = False


def site_settings(**values: Any) -> AuthSettings:
    return AuthSettings(secret_key=SecretStr(SECRET), **values)


def add_user(
    app: App, username: str = "ann", password: str | None = PASSWORD, **fields: Any
) -> User:
    """Save a user (with ``password`` unless None) and return it, detached."""
    fields.setdefault("email", f"{username}@example.com")
    user = User(username=username, **fields)
    if password is not None:
        user.set_password(password, hasher=PasswordHasher(FAST))
    with Database.of(app).session() as db:
        db.add(user)
    return user


def log_in(client: Any, username: str = "ann", password: str = PASSWORD) -> Any:
    response = client.post("/auth/login", data={"username": username, "password": password})
    assert response.status_code == 303, response.text
    return response


class Browsers:
    """Several browsers (cookie jars) through one TestClient.

    One client, because a client runs the app on its own event loop, and asyncpg's pooled
    connections must stay on the loop that opened them.  ``browsers("phone").get(...)``.
    """

    def __init__(self, client: Any) -> None:
        self.client = client
        self.jars: dict[str, httpx.Cookies] = {}
        self.current: str | None = None

    def __call__(self, name: str) -> Any:
        if name != self.current:
            if self.current is not None:
                self.jars[self.current] = httpx.Cookies(self.client.cookies)
            self.client.cookies = self.jars.get(name, httpx.Cookies())
            self.current = name
        return self.client
