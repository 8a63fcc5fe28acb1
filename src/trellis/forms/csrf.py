"""The hidden ``csrf_token`` field, backed by the security battery's tokens.

WTForms asks a CSRF implementation for two things: a token to render and a check of the token
sent back.  Both come from :mod:`trellis.security.csrf` (a secret in the session, masked afresh
on each call), so a form and the ``CSRF()`` battery accept exactly the same tokens, and a form
checks its own token even on a route the battery skips (``@csrf_exempt``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wtforms.csrf.core import CSRF as WTFormsCSRF
from wtforms.validators import ValidationError

if TYPE_CHECKING:
    from trellis.security.csrf import CSRF

__all__ = ["CSRF_FAILED", "RequestCSRF", "csrf_battery"]

#: What the user reads above the form when its token is missing, stale or forged.
CSRF_FAILED = (
    "This form has expired or was not sent from this site. Reload the page and submit it again."
)


def csrf_battery(app: Any) -> CSRF | None:
    """The ``CSRF()`` battery installed on ``app``, if any: forms then carry and check a token."""
    if app is None or app.extensions.get("csrf") is None:
        return None  # the security battery is not even imported for apps that never use it
    from trellis.security.csrf import CSRF

    found: CSRF | None = app.installed(CSRF)
    return found


class RequestCSRF(WTFormsCSRF):  # type: ignore[misc]
    """``Meta.csrf_class`` of :class:`~trellis.forms.Form`; ``Meta.csrf_context`` is the request."""

    request: Any = None

    def setup_form(self, form: Any) -> Any:
        self.request = form.meta.csrf_context
        if self.request is None:
            raise TypeError(
                f"{type(form).__name__} has CSRF on but no request: build it with "
                "request=..., or let a handler ask for it by annotation"
            )
        return super().setup_form(form)

    def generate_csrf_token(self, csrf_token_field: Any) -> str:
        from trellis.security.csrf import get_csrf_token

        return get_csrf_token(self.request)

    def validate_csrf_token(self, form: Any, field: Any) -> None:
        from trellis.security.csrf import csrf_token_is_valid

        request = self.request
        # A bearer-token request carries no cookie a forger could ride on (the battery skips it
        # for the same reason).
        if request.scope.get("trellis.auth") == "bearer":
            return
        submitted = field.data if isinstance(field.data, str) and field.data else None
        if submitted is None:
            # htmx and fetch() may send the token in a header rather than in the body
            battery = csrf_battery(request.scope.get("app"))
            header = battery.header_name if battery is not None else "X-CSRFToken"
            submitted = request.headers.get(header) or None
        if not csrf_token_is_valid(request, submitted):
            raise ValidationError(field.gettext(CSRF_FAILED))
