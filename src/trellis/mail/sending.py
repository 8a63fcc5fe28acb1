"""``send_mail`` and friends: one message, or a batch, through an app's mail battery.

Trellis handlers are ``def`` (run on the thread pool) or ``async def`` (run on the event loop),
so there are two doors to one implementation: ``send_mail`` blocks until the server has
answered and belongs in ``def`` code, commands and scripts; ``await send_mail_async`` runs the
same work on the thread pool and belongs in ``async def`` code.  ``send_mail`` called on the
event loop's thread raises instead of stalling every other request.

Which app's mail: ``app=`` when given (``app=request.app`` in a handler), else the Mail battery
installed last in the process.  There is no hidden "current app".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from trellis.mail.battery import Mail
from trellis.mail.message import AddressLike, Attachment, EmailMessage, Recipients

if TYPE_CHECKING:
    from trellis.app import App

__all__ = ["send_mail", "send_mail_async", "send_messages", "send_messages_async"]

AttachmentLike = Attachment | tuple[str, bytes | str, str | None]


def _mail_for(app: App | Any | None) -> Mail:
    return Mail.default() if app is None else Mail.of(app)


def send_mail(
    subject: str,
    body: str,
    to: Recipients,
    *,
    from_email: AddressLike | None = None,
    html: str | None = None,
    cc: Recipients = (),
    bcc: Recipients = (),
    reply_to: Recipients = (),
    headers: Mapping[str, str] | None = None,
    attachments: Iterable[AttachmentLike] = (),
    fail_silently: bool = False,
    app: App | None = None,
) -> int:
    """Send one message; return 1 when sent (0 when it failed and ``fail_silently`` is set).

    ``html`` is sent as an alternative to the plain ``body``; ``attachments`` are
    ``(filename, content, mimetype or None)``.  A delivery failure raises
    :class:`~trellis.mail.MailError` naming the server, unless ``fail_silently``.
    """
    message = EmailMessage(
        subject,
        body,
        to,
        from_email=from_email,
        html=html,
        cc=cc,
        bcc=bcc,
        reply_to=reply_to,
        headers=headers,
        attachments=attachments,
    )
    return _mail_for(app).send(message, fail_silently=fail_silently)


async def send_mail_async(
    subject: str,
    body: str,
    to: Recipients,
    *,
    from_email: AddressLike | None = None,
    html: str | None = None,
    cc: Recipients = (),
    bcc: Recipients = (),
    reply_to: Recipients = (),
    headers: Mapping[str, str] | None = None,
    attachments: Iterable[AttachmentLike] = (),
    fail_silently: bool = False,
    app: App | None = None,
) -> int:
    """:func:`send_mail` for ``async def`` code: the event loop keeps serving meanwhile."""
    message = EmailMessage(
        subject,
        body,
        to,
        from_email=from_email,
        html=html,
        cc=cc,
        bcc=bcc,
        reply_to=reply_to,
        headers=headers,
        attachments=attachments,
    )
    return await _mail_for(app).send_async(message, fail_silently=fail_silently)


def send_messages(
    messages: Sequence[EmailMessage], *, fail_silently: bool = False, app: App | None = None
) -> int:
    """Send several messages over one connection; return how many were sent."""
    return _mail_for(app).send(messages, fail_silently=fail_silently)


async def send_messages_async(
    messages: Sequence[EmailMessage], *, fail_silently: bool = False, app: App | None = None
) -> int:
    """:func:`send_messages` for ``async def`` code."""
    return await _mail_for(app).send_async(messages, fail_silently=fail_silently)
