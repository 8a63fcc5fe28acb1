"""The auth pages: log in, log out, change the password, reset it by e-mail, sign up.

They are a blueprint named ``auth`` (routes ``auth.login``, ``auth.logout``,
``auth.password_change``, ``auth.password_reset``, ``auth.password_reset_confirm``,
``auth.signup``) made per Auth battery, mounted at ``auth_url_prefix``.  Each page renders
``auth/<page>.html``; a project overrides one by putting a file of that name in its own
``templates/auth/`` (the project's folder is searched before a blueprint's).  Forms post plain
fields; ``{{ csrf_input() }}`` in each template adds the CSRF token when CSRF is installed.
Sign-up answers 404 when ``auth_signup_enabled`` is off, the reset pages when no mail battery
(or ``auth_password_reset=False``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from trellis.auth.guards import CurrentUser
from trellis.auth.logins import authenticate, login, logout, update_session_auth_hash
from trellis.auth.passwords import validate_password, validate_username
from trellis.auth.reset import read_reset_token, token_matches
from trellis.auth.throttle import LoginThrottled
from trellis.concurrency import run_sync
from trellis.exceptions import NotFound
from trellis.http.request import Request
from trellis.http.responses import RedirectResponse, Response
from trellis.results import Template
from trellis.routing import Blueprint
from trellis.security.redirects import safe_next

if TYPE_CHECKING:
    from trellis.auth.battery import Auth
    from trellis.auth.models import AbstractUser

__all__ = ["build_blueprint"]

INVALID_LOGIN = "Please enter a correct username and password."
_NO_REFERRER = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}
_MAX_FIELD = 2000


def _text(form: Any, name: str, limit: int = _MAX_FIELD) -> str | None:
    """The field's text; "" when absent or not text; None when longer than ``limit``."""
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    return None if len(value) > limit else value


def _address(request: Request) -> str | None:
    client = request.client
    return client.host if client else None


def build_blueprint(auth: Auth) -> Blueprint:
    """The auth pages of ``auth``'s app (one blueprint per app: closures over the battery)."""
    options = auth.options
    blueprint = Blueprint("auth", __name__)
    max_password = options.password_max_length
    too_long = f"The password must have at most {max_password} characters."

    def problems(password: str, repeated: str, username: str) -> list[str]:
        found = validate_password(
            password,
            username=username,
            min_length=options.password_min_length,
            max_length=max_password,
        )
        if password != repeated:
            found.append("The two passwords differ.")
        return found

    def throttled(exc: LoginThrottled, page: str, **context: Any) -> Template:
        return Template(page, status_code=429, headers=exc.headers, errors=[exc.detail], **context)

    def links() -> dict[str, Any]:
        return {
            "signup_enabled": options.signup_enabled,
            "password_reset_enabled": auth.password_reset_enabled,
        }

    def login_template(status_code: int = 200, **context: Any) -> Template:
        return Template("auth/login.html", status_code=status_code, **links(), **context)

    async def set_password(user: AbstractUser, password: str) -> None:
        await run_sync(user.set_password, password, hasher=auth.hasher)

    # --- log in and out ---------------------------------------------------------------------

    @blueprint.route("/login", methods=["GET", "POST"], name="login", include_in_schema=False)
    async def login_page(request: Request) -> Any:
        if request.method != "POST":
            return login_template(errors=[], username="", next=request.query.get("next", ""))
        form = await request.form()
        username = (_text(form, "username", 150) or "").strip()
        password = _text(form, "password", max_password)
        next_url = _text(form, "next") or ""
        context: dict[str, Any] = {"username": username, "next": next_url}
        if not username or not password:
            error = too_long if password is None else INVALID_LOGIN
            return login_template(status_code=400, errors=[error], **context)
        address = _address(request)
        try:
            await auth.throttle.check(username, address)
        except LoginThrottled as exc:
            return throttled(exc, "auth/login.html", **links(), **context)
        async with auth.database.async_session() as db:
            user = await authenticate(
                db, username, password, user_model=auth.user_model, hasher=auth.hasher
            )
            if user is not None:
                login(request, user)  # last_login (and a rehash) saved as the block ends
        if user is None:
            locked = await auth.throttle.failed(username, address)
            if locked:
                return throttled(LoginThrottled(locked), "auth/login.html", **links(), **context)
            return login_template(errors=[INVALID_LOGIN], **context)
        await auth.throttle.succeeded(username)
        return RedirectResponse(safe_next(request, options.login_redirect, url=next_url), 303)

    @blueprint.post("/logout", name="logout", include_in_schema=False)
    async def logout_page(request: Request) -> Response:
        logout(request)
        return RedirectResponse(options.logout_redirect, status_code=303)

    # --- change the password ----------------------------------------------------------------

    @blueprint.route(
        "/password", methods=["GET", "POST"], name="password_change", include_in_schema=False
    )
    async def password_change(request: Request, user: CurrentUser) -> Any:
        page = "auth/password_change.html"
        if request.method != "POST":
            return Template(page, errors=[])
        form = await request.form()
        old = _text(form, "old_password", max_password)
        new, repeated = _text(form, "new_password1", max_password), _text(form, "new_password2")
        if old is None or new is None or repeated is None:
            return Template(page, status_code=400, errors=[too_long])
        address = _address(request)
        try:
            await auth.throttle.check(user.login_name, address)
        except LoginThrottled as exc:
            return throttled(exc, page)
        async with auth.database.async_session() as db:
            stored = await db.get(auth.user_model, user.id)
            if stored is None:
                raise NotFound("This user no longer exists.")
            if not await run_sync(stored.check_password, old, hasher=auth.hasher):
                await auth.throttle.failed(user.login_name, address)
                return Template(page, errors=["Your old password is not right."])
            errors = problems(new, repeated, stored.username)
            if errors:
                return Template(page, errors=errors)
            await set_password(stored, new)
            update_session_auth_hash(request, stored)  # other sessions are logged out
        return Template("auth/password_change_done.html")

    # --- reset it by e-mail ----------------------------------------------------------------

    def require_reset() -> None:
        if not auth.password_reset_enabled:
            raise NotFound()

    @blueprint.route(
        "/password-reset", methods=["GET", "POST"], name="password_reset", include_in_schema=False
    )
    async def password_reset(request: Request) -> Any:
        require_reset()
        if request.method != "POST":
            return Template("auth/password_reset.html", errors=[], email="")
        form = await request.form()
        email = (_text(form, "email", 254) or "").strip()
        if "@" not in email:
            return Template(
                "auth/password_reset.html",
                status_code=400,
                errors=["Enter an e-mail address."],
                email=email,
            )
        model = auth.user_model
        async with auth.database.async_session() as db:
            query = select(model).where(func.lower(model.email) == email.lower(), model.is_active)
            users = [u for u in (await db.scalars(query)).all() if u.has_usable_password()]
        for user in users:
            await auth.send_password_reset(request, user)
        # The same answer whether or not the address is known: no probing for accounts.
        return Template("auth/password_reset_sent.html", email=email)

    @blueprint.route(
        "/password-reset/<token>",
        methods=["GET", "POST"],
        name="password_reset_confirm",
        include_in_schema=False,
    )
    async def password_reset_confirm(request: Request, token: str) -> Any:
        require_reset()
        page = "auth/password_reset_confirm.html"
        found = read_reset_token(request.app, token, options.password_reset_timeout)
        async with auth.database.async_session() as db:
            user = await db.get(auth.user_model, found[0]) if found else None
            if found is None or user is None or not token_matches(user, found[1]):
                return Template(page, status_code=400, valid=False, errors=[], headers=_NO_REFERRER)
            if request.method != "POST":
                return Template(page, valid=True, errors=[], headers=_NO_REFERRER)
            form = await request.form()
            new, repeated = _text(form, "new_password1", max_password), _text(form, "new_password2")
            if new is None or repeated is None:
                errors = [too_long]
            else:
                errors = problems(new, repeated, user.username)
            if errors:
                return Template(page, valid=True, errors=errors, headers=_NO_REFERRER)
            assert new is not None
            await set_password(user, new)  # the link is dead from now on
            login_name = user.login_name
        await auth.throttle.succeeded(login_name)
        return Template("auth/password_reset_done.html", headers=_NO_REFERRER)

    # --- sign up ------------------------------------------------------------------------------

    @blueprint.route("/signup", methods=["GET", "POST"], name="signup", include_in_schema=False)
    async def signup(request: Request) -> Any:
        if not options.signup_enabled:
            raise NotFound()
        page = "auth/signup.html"
        if request.method != "POST":
            return Template(
                page, errors=[], username="", email="", next=request.query.get("next", "")
            )
        form = await request.form()
        username = (_text(form, "username") or "").strip()
        email = (_text(form, "email") or "").strip()
        password, repeated = _text(form, "password1", max_password), _text(form, "password2")
        next_url = _text(form, "next") or ""
        context: dict[str, Any] = {"username": username, "email": email, "next": next_url}
        errors = validate_username(username)
        if email and ("@" not in email or len(email) > 254):
            errors.append("Enter a valid e-mail address (at most 254 characters).")
        if password is None or repeated is None:
            errors.append(too_long)
        else:
            errors.extend(problems(password, repeated, username))
        if errors:
            return Template(page, status_code=400, errors=errors, **context)
        assert password is not None
        model = auth.user_model
        taken = ["That username is taken."]
        async with auth.database.async_session() as db:
            if (await db.scalars(select(model.id).where(model.username == username))).first():
                return Template(page, status_code=400, errors=taken, **context)
            user = model(username=username, email=email)
            await set_password(user, password)
            db.add(user)
            try:
                await db.flush()
            except IntegrityError:  # someone took it between the check and the insert
                await db.rollback()
                return Template(page, status_code=400, errors=taken, **context)
            login(request, user)
        return RedirectResponse(safe_next(request, options.login_redirect, url=next_url), 303)

    return blueprint
