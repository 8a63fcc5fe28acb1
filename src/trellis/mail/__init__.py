"""E-mail: ``send_mail`` with plain and HTML bodies and attachments, over SMTP or to the console.

``app.install(Mail())`` once, then ``send_mail(subject, body, to, app=request.app)`` in ``def``
code or ``await send_mail_async(...)`` in ``async def`` code.  Backends: ``smtp`` (the standard
library's smtplib, TLS/STARTTLS, login), ``console``, ``file`` and ``memory``; tests get the
``mailoutbox`` fixture.  Needs nothing beyond the standard library.

Names load on first use, like every battery facade, so ``import trellis.mail`` costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from trellis.lazy import lazy_exports

if TYPE_CHECKING:
    from trellis.mail.backends import ConsoleBackend, FileBackend, MemoryBackend
    from trellis.mail.base import MailBackend, MailError, MailOptions
    from trellis.mail.battery import Mail
    from trellis.mail.message import Attachment, EmailMessage, parse_address
    from trellis.mail.sending import (
        send_mail,
        send_mail_async,
        send_messages,
        send_messages_async,
    )
    from trellis.mail.smtp import SMTPBackend
    from trellis.mail.testing import capture_mail

__all__ = [
    "Attachment",
    "ConsoleBackend",
    "EmailMessage",
    "FileBackend",
    "Mail",
    "MailBackend",
    "MailError",
    "MailOptions",
    "MemoryBackend",
    "SMTPBackend",
    "capture_mail",
    "parse_address",
    "send_mail",
    "send_mail_async",
    "send_messages",
    "send_messages_async",
]

_WHERE = {
    "Attachment": "trellis.mail.message",
    "ConsoleBackend": "trellis.mail.backends",
    "EmailMessage": "trellis.mail.message",
    "FileBackend": "trellis.mail.backends",
    "Mail": "trellis.mail.battery",
    "MailBackend": "trellis.mail.base",
    "MailError": "trellis.mail.base",
    "MailOptions": "trellis.mail.base",
    "MemoryBackend": "trellis.mail.backends",
    "SMTPBackend": "trellis.mail.smtp",
    "capture_mail": "trellis.mail.testing",
    "parse_address": "trellis.mail.message",
    "send_mail": "trellis.mail.sending",
    "send_mail_async": "trellis.mail.sending",
    "send_messages": "trellis.mail.sending",
    "send_messages_async": "trellis.mail.sending",
}

__getattr__ = lazy_exports(__name__, _WHERE)
