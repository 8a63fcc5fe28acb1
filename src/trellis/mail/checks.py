"""``trellis check --deploy`` for mail: settings that work in development and lose mail in production."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import TYPE_CHECKING

from trellis.checks import CheckMessage

if TYPE_CHECKING:
    from trellis.app import App

__all__ = ["mail_checks"]

_NOWHERE = {"console", "file", "memory"}


def mail_checks(app: App, deploy: bool) -> Iterator[CheckMessage]:
    from trellis.mail.battery import Mail

    if not deploy:
        return
    options = Mail.of(app).options
    if options.backend in _NOWHERE:
        yield CheckMessage(
            "mail.W001",
            "warning",
            f"the mail backend is {options.backend!r}: no mail leaves this server",
            'set TRELLIS_MAIL_BACKEND=smtp (and TRELLIS_MAIL_HOST) or pass Mail(backend="smtp")',
        )
    if options.default_from.endswith("@localhost"):
        yield CheckMessage(
            "mail.W002",
            "warning",
            f"mail is sent from {options.default_from!r}, which most servers reject as spam",
            "set TRELLIS_MAIL_DEFAULT_FROM to an address of your domain",
        )
    if (
        options.backend == "smtp"
        and options.username
        and not (options.use_tls or options.use_starttls)
        and not _is_loopback(options.host)
    ):
        yield CheckMessage(
            "mail.W003",
            "warning",
            f"the SMTP password for {options.host} is sent without encryption",
            "set TRELLIS_MAIL_USE_STARTTLS=true (port 587) or TRELLIS_MAIL_USE_TLS=true (465)",
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
