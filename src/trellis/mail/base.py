"""What every mail backend shares: the error it raises, the options it is built from, its base class.

A backend delivers a batch of :class:`~trellis.mail.message.EmailMessage` objects and says how many
went out.  The work is synchronous because the standard library's ``smtplib`` is; async callers
reach it through :func:`trellis.concurrency.run_sync`, the one sync-to-async bridge, so there is
one implementation of each backend, not a sync and an async copy.
"""

from __future__ import annotations

import ssl
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Self

from trellis.concurrency import run_sync
from trellis.exceptions import TrellisError

if TYPE_CHECKING:
    from trellis.mail.message import EmailMessage

__all__ = ["MailBackend", "MailError", "MailOptions", "smtp_port"]


class MailError(TrellisError):
    """A message could not be delivered: the server is down, refused the login or the recipients.

    The message names the server (or folder) so the log line alone says where to look.
    ``fail_silently=True`` turns this error, and only this one, into a logged warning.
    """


@dataclass(frozen=True)
class MailOptions:
    """The mail battery's options once resolved from arguments, settings and defaults."""

    backend: str = "smtp"
    default_from: str = "webmaster@localhost"
    host: str = "localhost"
    port: int = 0
    username: str = ""
    password: str = field(default="", repr=False)
    use_tls: bool = False
    use_starttls: bool = False
    timeout: float = 30.0
    file_path: Path = Path("mail")
    ca_file: str = ""
    ssl_context: ssl.SSLContext | None = None

    @property
    def smtp_port(self) -> int:
        return smtp_port(self.port, use_tls=self.use_tls, use_starttls=self.use_starttls)


def smtp_port(port: int, *, use_tls: bool, use_starttls: bool) -> int:
    """``port``, or the usual one when it is 0: 465 for implicit TLS, 587 for STARTTLS, else 25."""
    if port:
        return port
    if use_tls:
        return 465
    return 587 if use_starttls else 25


class MailBackend(ABC):
    """Delivers messages.  Subclass it and name it in ``Mail(backend=...)`` (the class, an
    instance, or a dotted path ``"project.mail.MyBackend"``).
    """

    @classmethod
    def from_options(cls, options: MailOptions) -> Self:
        """Build the backend from the battery's options; override to read the ones it needs."""
        return cls()

    @abstractmethod
    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        """Deliver ``messages`` (their ``from_email`` is set); return how many were sent.

        Raise :class:`MailError` for delivery failures.  May be called from several threads
        at once, so keep no per-batch state on ``self``.
        """

    async def send_messages_async(self, messages: Sequence[EmailMessage]) -> int:
        """Deliver from async code: the sync method on the thread pool, unless overridden."""
        return await run_sync(self.send_messages, messages)
