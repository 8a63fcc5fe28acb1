"""Who may call a handler: the ``CurrentUser`` parameter and the access decorators.

``user: CurrentUser`` fills the parameter with the logged-in user, or answers for an anonymous
client before the handler runs: a redirect to the login page for a browser (a request that
accepts ``text/html``), a 401 problem document for an API client.  ``OptionalUser`` is the user
or None.  The decorators do the same checks and then some; they keep the handler's signature,
so the handler's parameters are still filled as usual, and they add one keyword-only parameter
(``_trellis_access``) that the handler plan fills (the request, the battery, the user) and the
decorator removes before calling the handler.  They work on ``def`` and ``async def`` handlers,
streaming ones, and View methods.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar, cast

from trellis.auth.battery import Auth
from trellis.auth.errors import LoginRequired
from trellis.auth.models import AbstractUser, ApiToken
from trellis.auth.tokens import TOKEN_KEY
from trellis.concurrency import run_sync
from trellis.exceptions import Forbidden, HTTPException
from trellis.http.request import Request
from trellis.params import Depends

__all__ = [
    "Access",
    "CurrentToken",
    "CurrentUser",
    "LoginRequired",
    "OptionalUser",
    "current_token",
    "current_user",
    "login_required",
    "optional_user",
    "permission_required",
    "scopes_required",
    "staff_required",
]

F = TypeVar("F", bound=Callable[..., Any])
ACCESS_PARAMETER = "_trellis_access"


@dataclasses.dataclass(frozen=True, slots=True)
class Access:
    """Who is asking, for the guards: the request, the battery and the user (maybe anonymous)."""

    request: Any
    auth: Auth
    user: Any


async def access(request: Request, auth: Auth) -> Access:
    """The request's user, loaded now when the battery's before-request hook did not run
    (websockets, which have no such hooks)."""
    user = request.scope.get("user")
    if user is None:
        user = await auth.load_user(request)
    return Access(request, auth, user)


def _logged_in(found: Access) -> AbstractUser:
    if not found.user.is_authenticated:
        if found.request.scope.get("trellis.auth") == "bearer":
            raise LoginRequired("The bearer token is not valid.", error="invalid_token")
        raise LoginRequired()
    return cast(AbstractUser, found.user)


Requester = Annotated[Access, Depends(access)]


async def current_user(found: Requester) -> AbstractUser:
    """The logged-in user; :class:`LoginRequired` for anonymous clients."""
    return _logged_in(found)


async def optional_user(found: Requester) -> AbstractUser | None:
    """The logged-in user, or None."""
    return cast(AbstractUser, found.user) if found.user.is_authenticated else None


# The OpenAPI battery documents routes that ask for these as needing a session or a token,
# without this battery importing it.
current_user.__openapi_security__ = ["session", "bearer"]  # type: ignore[attr-defined]


async def current_token(found: Requester) -> ApiToken | None:
    """The API token that authenticated this request (None for session logins)."""
    token: ApiToken | None = found.request.scope.get(TOKEN_KEY)
    return token


#: ``user: CurrentUser`` — the logged-in user (a project's own model: ``Annotated[Member,
#: Depends(current_user)]``).
CurrentUser = Annotated[AbstractUser, Depends(current_user)]
#: ``user: OptionalUser`` — the logged-in user or None.
OptionalUser = Annotated[AbstractUser | None, Depends(optional_user)]
#: ``token: CurrentToken`` — the bearer token of the request, or None.
CurrentToken = Annotated[ApiToken | None, Depends(current_token)]


# --- decorators ----------------------------------------------------------------------------------

Check = Callable[[Access, AbstractUser], Awaitable[None]]


def _guard(handler: F, check: Check | None) -> F:
    """Wrap ``handler`` so that the login (and ``check``) pass before it runs."""
    signature = inspect.signature(handler)
    passes_access_on = ACCESS_PARAMETER in signature.parameters  # stacked decorators
    is_async_gen = inspect.isasyncgenfunction(handler)
    is_async = inspect.iscoroutinefunction(handler)

    async def admit(kwargs: dict[str, Any]) -> None:
        found = kwargs[ACCESS_PARAMETER] if passes_access_on else kwargs.pop(ACCESS_PARAMETER)
        user = _logged_in(found)
        if check is not None:
            await check(found, user)

    @functools.wraps(handler)
    async def guarded(*args: Any, **kwargs: Any) -> Any:
        await admit(kwargs)
        if is_async_gen:
            return handler(*args, **kwargs)
        if is_async:
            return await handler(*args, **kwargs)
        # A ``def`` handler still runs on the thread pool, as it would undecorated.
        return await run_sync(functools.partial(handler, *args, **kwargs))

    if not passes_access_on:
        extra = inspect.Parameter(
            ACCESS_PARAMETER, inspect.Parameter.KEYWORD_ONLY, annotation=Requester
        )
        guarded.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=[*signature.parameters.values(), extra]
        )
        # A copy: functools.wraps shares the handler's own annotations dict.
        guarded.__annotations__ = {
            **getattr(handler, "__annotations__", {}),
            ACCESS_PARAMETER: Requester,
        }
    return cast(F, guarded)


def login_required(handler: F) -> F:
    """Only logged-in users reach ``handler``."""
    return _guard(handler, None)


async def _staff(found: Access, user: AbstractUser) -> None:
    if not (user.is_active and user.is_staff):
        raise Forbidden("This page is for staff members only.")


def staff_required(handler: F) -> F:
    """Only logged-in, active staff members (``is_staff``) reach ``handler``."""
    return _guard(handler, _staff)


def permission_required(*permissions: str) -> Callable[[F], F]:
    """Only users holding every one of ``permissions`` (``"blog.add_post"``) reach the handler.

    Superusers hold them all; others get them directly or through their groups.  The
    permissions are loaded once per request, off the event loop.
    """
    if not permissions or not all(isinstance(p, str) and "." in p for p in permissions):
        raise TypeError('permission_required needs codenames such as "blog.add_post"')

    async def check(found: Access, user: AbstractUser) -> None:
        if not user.is_superuser:
            await found.auth.load_permissions(user)
        if not user.has_perms(permissions):
            raise Forbidden("You do not have permission to do this.")

    def decorate(handler: F) -> F:
        return _guard(handler, check)

    return decorate


def scopes_required(*scopes: str) -> Callable[[F], F]:
    """Requests authenticated by an API token need every one of ``scopes`` (``"posts:write"``).

    A user logged in through the session acts in person and passes (scopes limit what a token
    may do on the user's behalf); anonymous clients get 401.
    """
    wanted = frozenset(scopes)
    if not wanted:
        raise TypeError('scopes_required needs scope names such as "posts:write"')

    async def check(found: Access, user: AbstractUser) -> None:
        token: ApiToken | None = found.request.scope.get(TOKEN_KEY)
        if token is None:
            return
        missing = wanted - token.scope_set
        if missing:
            needed = " ".join(sorted(wanted))
            raise HTTPException(
                403,
                f"This token lacks the scope{'s' if len(missing) > 1 else ''} "
                f"{', '.join(sorted(missing))}.",
                headers={
                    "WWW-Authenticate": f'Bearer realm="api", error="insufficient_scope", '
                    f'scope="{needed}"'
                },
            )

    def decorate(handler: F) -> F:
        return _guard(handler, check)

    return decorate
