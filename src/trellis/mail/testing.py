"""Catch the mail a test sends instead of delivering it: what the ``mailoutbox`` fixture uses.

While :func:`capture_mail` is active, every :class:`~trellis.mail.Mail` in the process (whatever
its backend, whichever app it belongs to) puts its messages in one list, as Django's test runner
does with ``mail.outbox``.  Messages are still fully built, and their ``from_email`` filled in
from the app's settings, so what a test inspects is what would have been sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trellis.mail.message import EmailMessage

__all__ = ["capture_mail", "captured_outbox"]

_outbox: list[EmailMessage] | None = None


def captured_outbox() -> list[EmailMessage] | None:
    """The list messages go to while a capture is active, else None."""
    return _outbox


@contextmanager
def capture_mail() -> Iterator[list[EmailMessage]]:
    """Send every message into the yielded list until the block ends; captures may nest."""
    global _outbox
    previous = _outbox
    outbox: list[EmailMessage] = []
    _outbox = outbox
    try:
        yield outbox
    finally:
        _outbox = previous
