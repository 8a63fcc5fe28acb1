"""Users and auth: accounts, groups, permissions, login pages, throttling, API tokens.

``app.install(Auth())`` (after a ``Database``), then ask for ``user: CurrentUser`` in a handler,
or decorate it with ``@login_required``, ``@permission_required("blog.add_post")``,
``@staff_required`` or ``@scopes_required("posts:write")``.  Passwords are hashed with argon2id
(the ``auth`` extra: argon2-cffi).  See docs/auth.md.

Names load on first use, so ``import trellis.auth`` costs nothing; ``User`` (the default user
model) is mapped only when something asks for it, so a project with its own user model never
maps it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from trellis.lazy import lazy_exports

if TYPE_CHECKING:
    from trellis.auth.battery import Auth, AuthOptions
    from trellis.auth.errors import LoginRequired
    from trellis.auth.guards import (
        CurrentToken,
        CurrentUser,
        OptionalUser,
        current_token,
        current_user,
        login_required,
        optional_user,
        permission_required,
        scopes_required,
        staff_required,
    )
    from trellis.auth.hashers import Argon2Parameters, PasswordHasher
    from trellis.auth.logins import (
        authenticate,
        login,
        logout,
        update_session_auth_hash,
    )
    from trellis.auth.models import (
        AbstractUser,
        AnonymousUser,
        ApiToken,
        Group,
        Permission,
    )
    from trellis.auth.passwords import validate_password
    from trellis.auth.permissions import sync_permissions
    from trellis.auth.throttle import (
        DatabaseThrottle,
        LoginThrottle,
        LoginThrottled,
        RedisThrottle,
        ThrottleOptions,
    )
    from trellis.auth.tokens import create_token
    from trellis.auth.user import User

__all__ = [
    "AbstractUser",
    "AnonymousUser",
    "ApiToken",
    "Argon2Parameters",
    "Auth",
    "AuthOptions",
    "CurrentToken",
    "CurrentUser",
    "DatabaseThrottle",
    "Group",
    "LoginRequired",
    "LoginThrottle",
    "LoginThrottled",
    "OptionalUser",
    "PasswordHasher",
    "Permission",
    "RedisThrottle",
    "ThrottleOptions",
    "User",
    "authenticate",
    "create_token",
    "current_token",
    "current_user",
    "login",
    "login_required",
    "logout",
    "optional_user",
    "permission_required",
    "scopes_required",
    "staff_required",
    "sync_permissions",
    "update_session_auth_hash",
    "validate_password",
]

_WHERE = {
    "Auth": "trellis.auth.battery",
    "AuthOptions": "trellis.auth.battery",
    "CurrentToken": "trellis.auth.guards",
    "CurrentUser": "trellis.auth.guards",
    "LoginRequired": "trellis.auth.errors",
    "OptionalUser": "trellis.auth.guards",
    "current_token": "trellis.auth.guards",
    "current_user": "trellis.auth.guards",
    "login_required": "trellis.auth.guards",
    "optional_user": "trellis.auth.guards",
    "permission_required": "trellis.auth.guards",
    "scopes_required": "trellis.auth.guards",
    "staff_required": "trellis.auth.guards",
    "Argon2Parameters": "trellis.auth.hashers",
    "PasswordHasher": "trellis.auth.hashers",
    "authenticate": "trellis.auth.logins",
    "login": "trellis.auth.logins",
    "logout": "trellis.auth.logins",
    "update_session_auth_hash": "trellis.auth.logins",
    "AbstractUser": "trellis.auth.models",
    "AnonymousUser": "trellis.auth.models",
    "ApiToken": "trellis.auth.models",
    "Group": "trellis.auth.models",
    "Permission": "trellis.auth.models",
    "validate_password": "trellis.auth.passwords",
    "sync_permissions": "trellis.auth.permissions",
    "DatabaseThrottle": "trellis.auth.throttle",
    "LoginThrottle": "trellis.auth.throttle",
    "LoginThrottled": "trellis.auth.throttle",
    "RedisThrottle": "trellis.auth.throttle",
    "ThrottleOptions": "trellis.auth.throttle",
    "create_token": "trellis.auth.tokens",
    "User": "trellis.auth.user",
}


def _needs_dependencies(module: str) -> None:
    from trellis.optional import require

    require("sqlalchemy", extra="db", feature="The auth battery (trellis.auth)")
    require("argon2", extra="auth", feature="The auth battery (trellis.auth)")


__getattr__ = lazy_exports(__name__, _WHERE, before_import=_needs_dependencies)
