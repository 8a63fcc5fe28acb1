"""The backends that deliver nowhere: console (development), file (inspect later), memory (tests).

``"smtp"`` lives in :mod:`trellis.mail.smtp`.  Each of these builds the full MIME message even
though nothing goes over the wire, so a message that could not be sent in production (a header
with a line break, say) fails in development and in tests too.
"""

from __future__ import annotations

import datetime
import secrets
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Self

from trellis.mail.base import MailBackend, MailError, MailOptions

if TYPE_CHECKING:
    from trellis.mail.message import EmailMessage

__all__ = ["ConsoleBackend", "FileBackend", "MemoryBackend"]

_SEPARATOR = "-" * 79


class ConsoleBackend(MailBackend):
    """Write each message, as it would be sent, to ``stream`` (standard output by default).

    Standard output is looked up at every send, not kept, so output capture (pytest's
    ``capsys``, a redirected ``sys.stdout``) sees the messages.
    """

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream
        self._lock = threading.Lock()

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        stream = self.stream if self.stream is not None else sys.stdout
        texts = [m.as_bytes().decode("utf-8", "replace").replace("\r\n", "\n") for m in messages]
        with self._lock:  # messages from concurrent requests do not interleave
            for text in texts:
                stream.write(f"{text}\n{_SEPARATOR}\n")
            stream.flush()
        return len(messages)

    async def send_messages_async(self, messages: Sequence[EmailMessage]) -> int:
        return self.send_messages(messages)  # a few writes to a terminal: not worth a thread


class FileBackend(MailBackend):
    """Write one ``.eml`` file per message into ``path`` (made when needed); mail clients open them.

    Names start with the UTC time, so a directory listing is in sending order.
    """

    def __init__(self, path: str | Path = "mail") -> None:
        self.path = Path(path)

    @classmethod
    def from_options(cls, options: MailOptions) -> Self:
        return cls(options.file_path)

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            for message in messages:
                data = message.as_bytes()
                now = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S-%f")
                target = self.path / f"{now}-{secrets.token_hex(4)}.eml"
                with target.open("xb") as file:  # never overwrite another message
                    file.write(data)
        except OSError as exc:
            raise MailError(f"Cannot write mail to the folder {self.path}: {exc}") from exc
        return len(messages)


class MemoryBackend(MailBackend):
    """Keep the messages in ``outbox`` (a list, shared with whoever gave it)."""

    def __init__(self, outbox: list[EmailMessage] | None = None) -> None:
        self.outbox: list[EmailMessage] = outbox if outbox is not None else []

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        for message in messages:
            message.message()  # what would fail on the wire fails here too
            self.outbox.append(message)
        return len(messages)

    async def send_messages_async(self, messages: Sequence[EmailMessage]) -> int:
        return self.send_messages(messages)
