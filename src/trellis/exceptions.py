"""The one exception tree of Trellis.

Everything Trellis raises on purpose derives from :class:`TrellisError`, so a user can catch the
framework's errors in one place.  Two branches matter most:

* :class:`ConfigurationError` — a mistake in how the app is put together (a duplicate route, a
  handler parameter nothing can fill).  It is raised at start-up, never turned into an HTTP 500.
* :class:`HTTPException` — an error *answer* to a client.  Each has a status and a detail that is
  safe to show; the app turns it into the error page (HTML or JSON).

This module imports nothing from Trellis, so every layer may use it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, NoReturn

__all__ = [
    "BadRequest",
    "ConfigurationError",
    "Forbidden",
    "HTTPException",
    "MethodNotAllowed",
    "MissingDependency",
    "NotFound",
    "PayloadTooLarge",
    "RequestHeaderFieldsTooLarge",
    "RequestValidationError",
    "ResponseValidationError",
    "TooManyRequests",
    "TrellisError",
    "URLBuildError",
    "Unauthorized",
    "UnprocessableEntity",
    "abort",
]


class TrellisError(Exception):
    """Root of every error Trellis raises on purpose."""


class ConfigurationError(TrellisError):
    """The app is put together wrongly; raised at start-up with a message that names the fix."""


class URLBuildError(TrellisError, LookupError):
    """``url_for`` was given an unknown route name or a value its converter refuses."""


class MissingDependency(TrellisError, ImportError):
    """An optional battery is used without its extra installed.

    The message carries the ``pip install`` command that fixes it.
    """

    def __init__(self, feature: str, extra: str, package: str | None = None) -> None:
        self.feature = feature
        self.extra = extra
        self.package = package
        what = f" (needs {package})" if package else ""
        super().__init__(
            f"{feature} needs an optional dependency{what} that is not installed. "
            f'Install it with: pip install "trellis[{extra}]"'
        )


class HTTPException(TrellisError):
    """An error answer to the client: a status code and a detail that is safe to show.

    JSON clients get it as RFC 9457 problem details (``docs/api.md``): ``detail`` should be a
    sentence; ``problem`` adds members to that document (a ``type`` URI naming the kind of
    problem, or extension members such as ``{"balance": 30}``).  ``headers`` are added to the
    error response (``Allow`` on 405, ``Retry-After`` ...).
    """

    status_code: int = 500

    def __init__(
        self,
        status_code: int | None = None,
        detail: Any = None,
        headers: Mapping[str, str] | None = None,
        *,
        problem: Mapping[str, Any] | None = None,
    ) -> None:
        if status_code is not None:
            self.status_code = status_code
        if detail is None:
            try:
                detail = HTTPStatus(self.status_code).phrase
            except ValueError:
                detail = "Error"
        self.detail = detail
        self.headers: dict[str, str] = dict(headers) if headers else {}
        self.problem: dict[str, Any] = dict(problem) if problem else {}
        super().__init__(self.status_code, detail)

    def __str__(self) -> str:
        return f"{self.status_code}: {self.detail}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code!r}, detail={self.detail!r})"


class _FixedStatus(HTTPException):
    """An HTTPException whose class fixes the status: ``NotFound("No such book")``."""

    def __init__(
        self,
        detail: Any = None,
        headers: Mapping[str, str] | None = None,
        *,
        problem: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(None, detail, headers, problem=problem)


class BadRequest(_FixedStatus):
    """400: the client sent bytes that cannot be understood (bad encoding, malformed JSON ...)."""

    status_code = 400


class Unauthorized(_FixedStatus):
    status_code = 401


class Forbidden(_FixedStatus):
    status_code = 403


class NotFound(_FixedStatus):
    status_code = 404


class MethodNotAllowed(_FixedStatus):
    """405; carries the ``Allow`` header listing the methods the path does answer."""

    status_code = 405

    def __init__(self, allowed: list[str] | tuple[str, ...], detail: Any = None) -> None:
        self.allowed = tuple(allowed)
        super().__init__(detail, {"Allow": ", ".join(self.allowed)})


class PayloadTooLarge(_FixedStatus):
    """413: a body, upload, field count or part count went past a configured limit."""

    status_code = 413


class UnprocessableEntity(_FixedStatus):
    """422: the request was well-formed but its values failed validation."""

    status_code = 422


class RequestValidationError(UnprocessableEntity):
    """422 from handler-parameter validation.

    ``errors`` is the machine-readable list the problem document carries: one
    ``{"location", "field", "message", "type"}`` dict per failure.  Raise it from a handler to
    report failures found by hand in the same shape.
    """

    def __init__(self, errors: list[dict[str, Any]], detail: str | None = None) -> None:
        self.errors = errors
        if detail is None:
            count = len(errors)
            detail = f"{count} invalid value{'s' if count != 1 else ''} in the request"
        super().__init__(detail=detail)


class ResponseValidationError(TrellisError):
    """A handler returned a value its response model refuses: a bug in the app, answered as 500.

    The client never sees the value or the errors; the log does.
    """

    def __init__(self, where: str, errors: list[dict[str, Any]]) -> None:
        self.where = where
        self.errors = errors
        lines = "; ".join(f"{e.get('loc')}: {e.get('msg')}" for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        super().__init__(f"{where} returned a value its response model refuses: {lines}{more}")


class TooManyRequests(_FixedStatus):
    """429: the client is sending too fast; ``retry_after`` (seconds) becomes ``Retry-After``.

    The rate-limit battery's refusal and the login throttle's are subclasses, so one error
    handler for ``TooManyRequests`` answers every 429 of the app.
    """

    status_code = 429

    def __init__(
        self,
        detail: Any = None,
        headers: Mapping[str, str] | None = None,
        *,
        retry_after: float | None = None,
        problem: Mapping[str, Any] | None = None,
    ) -> None:
        merged = dict(headers or {})
        self.retry_after: int | None = None
        if retry_after is not None:
            self.retry_after = max(1, math.ceil(retry_after))
            merged.setdefault("Retry-After", str(self.retry_after))
        elif "Retry-After" in merged and merged["Retry-After"].isdigit():
            self.retry_after = int(merged["Retry-After"])
        super().__init__(detail, merged or None, problem=problem)


class RequestHeaderFieldsTooLarge(_FixedStatus):
    status_code = 431


def abort(
    status_code: int, detail: Any = None, headers: Mapping[str, str] | None = None
) -> NoReturn:
    """End the request now with an error answer, as Flask's ``abort`` does."""
    cls = _BY_STATUS.get(status_code, HTTPException)
    if cls is MethodNotAllowed:
        allow = (headers or {}).get("Allow", "")
        raise MethodNotAllowed([m.strip() for m in allow.split(",") if m.strip()], detail)
    if cls is HTTPException:
        raise HTTPException(status_code, detail, headers)
    raise cls(detail=detail, headers=headers)


_BY_STATUS: dict[int, type[HTTPException]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    413: PayloadTooLarge,
    422: UnprocessableEntity,
    429: TooManyRequests,
    431: RequestHeaderFieldsTooLarge,
}
