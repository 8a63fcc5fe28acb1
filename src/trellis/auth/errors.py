"""The auth battery's own error answer: 401 for a handler that needs a logged-in user."""

from __future__ import annotations

from trellis.exceptions import HTTPException

__all__ = ["LoginRequired"]


class LoginRequired(HTTPException):
    """401: the handler needs a logged-in user (browsers are redirected to the login page).

    ``error`` becomes the ``error=`` of the ``WWW-Authenticate: Bearer`` challenge
    (``invalid_token`` when a bearer token was sent and refused).
    """

    def __init__(self, detail: str = "Authentication required.", error: str | None = None) -> None:
        challenge = 'Bearer realm="api"' + (f', error="{error}"' if error else "")
        super().__init__(401, detail, headers={"WWW-Authenticate": challenge})
