"""The ``Auth`` battery: users on the app's database, logged in through the session or a token.

``app.install(Auth())`` reads every option left as ``None`` from the settings (``auth_<option>``
on the project's Settings, else ``TRELLIS_AUTH_<OPTION>``), registers the login, logout,
password and sign-up pages under ``url_prefix``, and adds a before-request hook (run before
every other one, CSRF's included) that puts the user in ``scope["user"]``: the token's user for
a request with ``Authorization: Bearer``, else the session's, else an :class:`AnonymousUser`.
Anonymous requests cost no query; a logged-in one costs one primary-key read.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from sqlalchemy.exc import SQLAlchemyError

from trellis.auth.errors import LoginRequired
from trellis.auth.hashers import Argon2Parameters, PasswordHasher, set_default_hasher
from trellis.auth.logins import (
    SESSION_HASH_KEY,
    SESSION_USER_KEY,
    session_auth_hash,
    session_hash_state,
    set_default_user_model,
)
from trellis.auth.models import USER_TABLE, AbstractUser, AnonymousUser, permissions_statement
from trellis.auth.throttle import DatabaseThrottle, LoginThrottle, RedisThrottle, ThrottleOptions
from trellis.auth.tokens import TOKEN_KEY, authenticate_token, bearer_token
from trellis.concurrency import run_sync
from trellis.conf import setting
from trellis.exceptions import ConfigurationError, HTTPException
from trellis.http.request import Request
from trellis.http.responses import RedirectResponse, Response
from trellis.security.secrets import require_secret_key

if TYPE_CHECKING:
    from trellis.app import App
    from trellis.db.database import Database

__all__ = ["Auth", "AuthOptions"]

logger = logging.getLogger("trellis.auth")


@dataclasses.dataclass(frozen=True)
class AuthOptions:
    """Every option of the battery, resolved; docs/auth.md lists them with their settings."""

    url_prefix: str = "/auth"
    login_url: str | None = None
    login_redirect: str = "/"
    logout_redirect: str = "/"
    signup_enabled: bool = True
    password_reset: bool | None = None
    password_reset_timeout: int = 3600
    password_min_length: int = 8
    password_max_length: int = 1024
    argon2_time_cost: int = 3
    argon2_memory_cost: int = 65536
    argon2_parallelism: int = 4
    throttle_failures: int = 5
    throttle_address_failures: int = 20
    throttle_window: int = 900
    throttle_lockout: int = 900
    throttle_redis_url: str | None = None
    throttle_key_prefix: str = "trellis:auth:"
    token_touch_interval: int = 60
    sync_permissions: bool = True


_OPTIONAL_TYPES: dict[str, Any] = {
    "login_url": str | None,
    "password_reset": bool | None,
    "throttle_redis_url": str | None,
}
_POSITIVE = ("password_reset_timeout", "throttle_window", "throttle_lockout", "password_max_length")


def resolve_options(settings: Any, given: dict[str, Any]) -> AuthOptions:
    values: dict[str, Any] = {}
    defaults = AuthOptions()
    for field in dataclasses.fields(AuthOptions):
        value = given.get(field.name)
        if value is None:
            default = getattr(defaults, field.name)
            value = setting(
                settings, f"auth_{field.name}", default, _OPTIONAL_TYPES.get(field.name)
            )
        values[field.name] = value
    if values["throttle_redis_url"] is None:  # the Redis every battery shares, if there is one
        values["throttle_redis_url"] = setting(settings, "redis_url", None, str | None)
    options = AuthOptions(**values)
    for name in _POSITIVE:
        if getattr(options, name) <= 0:
            raise ConfigurationError(f"Auth option {name} must be positive")
    if options.password_min_length > options.password_max_length:
        raise ConfigurationError("Auth: password_min_length is above password_max_length")
    return options


class Auth:
    """Users, groups, permissions, login pages, throttling and API tokens.

    ``user_model`` replaces the default :class:`trellis.auth.User` with a subclass of
    :class:`AbstractUser`; ``throttle`` replaces the throttle the options describe.  Every
    other keyword is an :class:`AuthOptions` field; left as None, it comes from the setting
    ``auth_<name>`` (docs/auth.md lists them with their defaults).
    """

    def __init__(
        self,
        *,
        user_model: type[AbstractUser] | None = None,
        throttle: LoginThrottle | None = None,
        url_prefix: str | None = None,
        login_url: str | None = None,
        login_redirect: str | None = None,
        logout_redirect: str | None = None,
        signup_enabled: bool | None = None,
        password_reset: bool | None = None,
        password_reset_timeout: int | None = None,
        password_min_length: int | None = None,
        password_max_length: int | None = None,
        argon2_time_cost: int | None = None,
        argon2_memory_cost: int | None = None,
        argon2_parallelism: int | None = None,
        throttle_failures: int | None = None,
        throttle_address_failures: int | None = None,
        throttle_window: int | None = None,
        throttle_lockout: int | None = None,
        throttle_redis_url: str | None = None,
        throttle_key_prefix: str | None = None,
        token_touch_interval: int | None = None,
        sync_permissions: bool | None = None,
    ) -> None:
        given = dict(locals())
        self._given = {field.name: given[field.name] for field in dataclasses.fields(AuthOptions)}
        self._user_model = user_model
        self._throttle = throttle
        self.options = AuthOptions()
        self.app: App | None = None
        self.password_reset_enabled = False

    # --- installation -------------------------------------------------------------------------

    def install(self, app: App) -> None:
        if app.extensions.get("auth") is not None:
            raise ConfigurationError("an Auth battery is installed on this app already")
        require_secret_key(app, "Auth")
        options = self.options = resolve_options(app.settings, self._given)
        self.user_model = self._resolve_user_model()
        self.hasher = PasswordHasher(
            Argon2Parameters(
                time_cost=options.argon2_time_cost,
                memory_cost=options.argon2_memory_cost,
                parallelism=options.argon2_parallelism,
            )
        )
        self.throttle = self._throttle or self._make_throttle(options)
        self.app = app
        app.extensions["auth"] = self
        set_default_hasher(self.hasher)
        set_default_user_model(self.user_model)

        from trellis.auth.checks import auth_checks
        from trellis.auth.views import build_blueprint

        app.register(build_blueprint(self), url_prefix=options.url_prefix)
        hook = self._authenticate_request
        app.before_request(hook)
        # First of all hooks: CSRF must see scope["trellis.auth"] and the project's own hooks
        # request.user, whatever order the batteries were installed in.
        app.before_request_hooks.remove(hook)
        app.before_request_hooks.insert(0, hook)
        app.register_error_handler(LoginRequired, self._login_required)
        app.provide(Auth, self._provide)
        app.on_ready(self._ready)
        app.on_startup(self._startup)
        app.on_shutdown(self.throttle.close)
        app.add_check(auth_checks)

    def _resolve_user_model(self) -> type[AbstractUser]:
        model = self._user_model
        if model is None:
            from trellis.auth.user import User

            return User
        if not (isinstance(model, type) and issubclass(model, AbstractUser)):
            raise ConfigurationError(f"Auth(user_model={model!r}) must subclass AbstractUser")
        table = getattr(model, "__table__", None)
        if table is None or table.name != USER_TABLE:
            raise ConfigurationError(
                f"Auth(user_model={model.__name__}) must map the {USER_TABLE!r} table (the "
                "group, permission and token tables point at it); keep AbstractUser's "
                "__tablename__"
            )
        return model

    @staticmethod
    def _make_throttle(options: AuthOptions) -> LoginThrottle:
        limits = ThrottleOptions(
            failures=options.throttle_failures,
            address_failures=options.throttle_address_failures,
            window=options.throttle_window,
            lockout=options.throttle_lockout,
            key_prefix=options.throttle_key_prefix,
        )
        if options.throttle_redis_url:
            return RedisThrottle(options.throttle_redis_url, limits)
        return DatabaseThrottle(limits)

    def _ready(self, app: App) -> None:
        if app.extensions.get("db") is None:
            raise ConfigurationError(
                "Auth keeps its users in the database: install one with "
                'app.install(Database("sqlite:///app.db")) (from trellis.db import Database)'
            )
        self.throttle.bind(app)
        wanted = self.options.password_reset
        has_mail = app.extensions.get("mail") is not None
        if wanted and not has_mail:
            raise ConfigurationError(
                "Auth(password_reset=True) sends e-mail: install the mail battery with "
                "app.install(Mail()) (from trellis.mail import Mail), or set "
                "auth_password_reset=False"
            )
        self.password_reset_enabled = has_mail if wanted is None else bool(wanted)

    async def _startup(self) -> None:
        if not self.options.sync_permissions:
            return
        from trellis.auth.permissions import sync_permissions

        try:
            created = await run_sync(sync_permissions, self.app)
        except SQLAlchemyError as exc:
            logger.warning(
                "Permissions were not created (%s); run `trellis db migrate` to create the "
                "auth tables",
                str(exc).splitlines()[0],
            )
            return
        if created:
            logger.info("Created %d permissions", len(created))

    def _provide(self) -> Auth:
        return self

    @staticmethod
    def of(app: Any) -> Auth:
        """The Auth battery installed on ``app``; ConfigurationError when there is none."""
        found = getattr(app, "extensions", {}).get("auth")
        if not isinstance(found, Auth):
            raise ConfigurationError("No auth battery on this app: app.install(Auth())")
        return found

    @property
    def database(self) -> Database:
        from trellis.db.database import Database

        return Database.of(self.app)

    # --- per request --------------------------------------------------------------------------

    async def _authenticate_request(self, request: Request) -> None:
        if "user" not in request.scope:
            await self.load_user(request)

    async def load_user(self, request: Any) -> Any:
        """Find who makes ``request`` and put them in ``scope["user"]`` (anonymous if nobody)."""
        scope = request.scope
        token = bearer_token(scope.get("headers", ()))
        user: Any
        if token:
            scope["trellis.auth"] = "bearer"  # never the session's user, valid token or not
            found = await authenticate_token(
                self.database,
                self.user_model,
                token,
                touch_after=self.options.token_touch_interval,
            )
            if found is None:
                user = AnonymousUser()
            else:
                user, scope[TOKEN_KEY] = found
                user.__dict__["_trellis_auth"] = self
        else:
            user = await self._session_user(request)
        scope["user"] = user
        return user

    async def _session_user(self, request: Any) -> Any:
        session = request.scope.get("session")
        if session is None:
            return AnonymousUser()
        user_id = session.get(SESSION_USER_KEY)
        if user_id is None:
            return AnonymousUser()
        user: AbstractUser | None = None
        if isinstance(user_id, int | str) and not isinstance(user_id, bool):
            db = self.database.make_async_session()
            try:
                user = await db.get(self.user_model, user_id)
            finally:
                await db.close()
        app = request.scope.get("app") or self.app
        state = None
        if user is not None and user.is_active:
            state = session_hash_state(app, user, session.get(SESSION_HASH_KEY))
        if user is None or state is None:
            # Deleted, deactivated, or the password changed since this session logged in.
            session.flush()
            return AnonymousUser()
        if state == "stale":  # verified with a fallback key: store it under the current one
            session[SESSION_HASH_KEY] = session_auth_hash(app, user)
        user.__dict__["_trellis_auth"] = self
        request.scope["trellis.auth"] = "session"
        return user

    async def load_permissions(self, user: AbstractUser) -> frozenset[str]:
        """``user``'s permission codenames, queried once and kept on the object."""
        cached: frozenset[str] | None = user.__dict__.get("_trellis_permissions")
        if cached is None:
            db = self.database.make_async_session()
            try:
                cached = frozenset((await db.scalars(permissions_statement(user.id))).all())
            finally:
                await db.close()
            user.__dict__["_trellis_permissions"] = cached
        return cached

    def load_permissions_sync(self, user: AbstractUser) -> frozenset[str]:
        with self.database.session() as db:
            return frozenset(db.scalars(permissions_statement(user.id)).all())

    async def send_password_reset(self, request: Any, user: AbstractUser) -> None:
        """E-mail ``user`` a link that lets them choose a new password (templates
        ``auth/password_reset_subject.txt`` and ``auth/password_reset_email.txt``)."""
        from trellis.auth.reset import make_reset_token
        from trellis.mail import MailError, send_mail_async
        from trellis.templates import render_template_async

        path = request.url_for(
            "auth.password_reset_confirm", token=make_reset_token(self.app, user)
        )
        url = request.url
        context: dict[str, Any] = {
            "user": user,
            "link": f"{url.scheme}://{url.netloc}{path}",
            "valid_hours": round(self.options.password_reset_timeout / 3600, 1),
        }
        subject = await render_template_async(request, "auth/password_reset_subject.txt", **context)
        body = await render_template_async(request, "auth/password_reset_email.txt", **context)
        try:
            await send_mail_async(" ".join(subject.split()), body, [user.email], app=request.app)
        except MailError as exc:
            logger.error("Password reset e-mail to user %s not sent: %s", user.id, exc)
            raise HTTPException(
                503, "The e-mail could not be sent. Try again later.", headers={"Retry-After": "60"}
            ) from None

    def login_url(self, request: Any) -> str:
        """Where anonymous browsers are sent: ``auth_login_url``, else this battery's page."""
        return self.options.login_url or str(request.url_for("auth.login"))

    def _login_required(self, request: Request, exc: LoginRequired) -> Response:
        scope = request.scope
        accept = request.headers.get("accept", "")
        if scope.get("trellis.auth") != "bearer" and "text/html" in accept:
            here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            target = f"{self.login_url(request)}?{urlencode({'next': here})}"
            if request.headers.get("hx-request"):
                # htmx follows HX-Redirect with a full page load instead of swapping a fragment.
                return Response(status_code=401, headers={**exc.headers, "HX-Redirect": target})
            return RedirectResponse(target, status_code=303)
        from trellis.middleware.errors import error_response

        rid = scope.get("trellis.request_id", b"")
        request_id = rid.decode() if isinstance(rid, bytes) else str(rid)
        return error_response(exc, scope.get("headers", ()), request_id, instance=request.path)

    def __repr__(self) -> str:
        model = getattr(self, "user_model", None)
        return f"<Auth user_model={getattr(model, '__name__', None)} prefix={self.options.url_prefix!r}>"
