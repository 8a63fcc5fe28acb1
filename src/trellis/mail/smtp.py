"""The SMTP backend: the standard library's ``smtplib``, one connection per batch.

``send_messages`` opens one connection, upgrades it (implicit TLS or STARTTLS), logs in when a
username is set, sends every message of the batch over it and says goodbye.  No connection is
kept between batches: an idle SMTP connection is closed by most servers within a minute, and a
connection per batch keeps the backend free of shared state, so any thread may use it.

Every failure becomes a :class:`~trellis.mail.base.MailError` that names ``host:port`` and what
went wrong (refused, timed out, TLS, login, recipients), never the password.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Sequence
from typing import TYPE_CHECKING, Self

from trellis.mail.base import MailBackend, MailError, MailOptions, smtp_port

if TYPE_CHECKING:
    from trellis.mail.message import EmailMessage

__all__ = ["SMTPBackend"]

logger = logging.getLogger("trellis.mail")


class SMTPBackend(MailBackend):
    """Deliver through an SMTP server.

    ``use_tls`` is implicit TLS (SMTPS, port 465 by default); ``use_starttls`` upgrades a plain
    connection (port 587 by default).  Certificates are verified against the system's CAs, or
    ``ca_file``, or an ``ssl_context`` you build.
    """

    def __init__(
        self,
        host: str = "localhost",
        port: int = 0,
        *,
        username: str = "",
        password: str = "",
        use_tls: bool = False,
        use_starttls: bool = False,
        timeout: float = 30.0,
        ca_file: str = "",
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if use_tls and use_starttls:
            raise MailError("use_tls (implicit TLS) and use_starttls exclude each other: pick one")
        if not (username.isascii() and password.isascii()):
            # smtplib encodes AUTH as ASCII; say so now rather than at the first message
            raise MailError("the SMTP username and password must be ASCII (a limit of smtplib)")
        self.host = host
        self.port = smtp_port(port, use_tls=use_tls, use_starttls=use_starttls)
        self.username = username
        self._password = password
        self.use_tls = use_tls
        self.use_starttls = use_starttls
        self.timeout = timeout
        self.ca_file = ca_file
        self._ssl_context = ssl_context

    @classmethod
    def from_options(cls, options: MailOptions) -> Self:
        return cls(
            options.host,
            options.port,
            username=options.username,
            password=options.password,
            use_tls=options.use_tls,
            use_starttls=options.use_starttls,
            timeout=options.timeout,
            ca_file=options.ca_file,
            ssl_context=options.ssl_context,
        )

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port}"

    def ssl_context(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            # made on first use: loading the CA store costs milliseconds, plain SMTP needs none
            self._ssl_context = ssl.create_default_context(cafile=self.ca_file or None)
        return self._ssl_context

    # --- sending ----------------------------------------------------------------------------

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        if not messages:
            return 0
        payloads = [(m, m.as_bytes()) for m in messages]  # a bad message fails before connecting
        connection = self._open()
        try:
            for message, data in payloads:
                self._send_one(connection, message, data)
        except smtplib.SMTPServerDisconnected as exc:
            raise MailError(
                f"The mail server at {self.server} closed the connection: {exc}"
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(f"The mail server at {self.server} failed: {_reason(exc)}") from exc
        finally:
            _close(connection)
        return len(payloads)

    def _open(self) -> smtplib.SMTP:
        try:
            if self.use_tls:
                connection: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=self.ssl_context()
                )
            else:
                connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        except ssl.SSLError as exc:
            raise MailError(f"TLS with the mail server at {self.server} failed: {exc}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(
                f"Cannot connect to the mail server at {self.server}: {_reason(exc)}"
            ) from exc
        try:
            connection.ehlo()
            if self.use_starttls:
                self._starttls(connection)
            if self.username:
                self._login(connection)
        except MailError:
            _close(connection)
            raise
        except (OSError, smtplib.SMTPException) as exc:
            _close(connection)
            raise MailError(f"The mail server at {self.server} failed: {_reason(exc)}") from exc
        return connection

    def _starttls(self, connection: smtplib.SMTP) -> None:
        if not connection.has_extn("starttls"):
            raise MailError(
                f"The mail server at {self.server} does not offer STARTTLS; "
                "turn use_starttls off, or use implicit TLS (use_tls) on its TLS port"
            )
        try:
            connection.starttls(context=self.ssl_context())
        except ssl.SSLError as exc:
            raise MailError(
                f"STARTTLS with the mail server at {self.server} failed: {exc}"
            ) from exc
        connection.ehlo()

    def _login(self, connection: smtplib.SMTP) -> None:
        try:
            connection.login(self.username, self._password)
        except smtplib.SMTPAuthenticationError as exc:
            raise MailError(
                f"The mail server at {self.server} refused the login of {self.username!r}: "
                f"{_reason(exc)}"
            ) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise MailError(
                f"The mail server at {self.server} offers no login (AUTH) on this connection; "
                "most servers offer it only over TLS: set use_starttls or use_tls"
            ) from exc

    def _send_one(self, connection: smtplib.SMTP, message: EmailMessage, data: bytes) -> None:
        options: list[str] = []
        if message.needs_smtputf8:
            if not connection.has_extn("smtputf8"):
                raise MailError(
                    f"{message!r} has an address with non-ASCII characters before the @, "
                    f"and the mail server at {self.server} does not support SMTPUTF8"
                )
            options = ["SMTPUTF8", "BODY=8BITMIME"]
        try:
            refused = connection.sendmail(message.sender, message.recipients(), data, options)
        except smtplib.SMTPRecipientsRefused as exc:
            raise MailError(
                f"The mail server at {self.server} refused every recipient of {message!r}: "
                + "; ".join(f"{rcpt}: {_reply(*reply)}" for rcpt, reply in exc.recipients.items())
            ) from exc
        except smtplib.SMTPSenderRefused as exc:
            raise MailError(
                f"The mail server at {self.server} refused the sender {exc.sender!r}: "
                f"{_reply(exc.smtp_code, exc.smtp_error)}"
            ) from exc
        if refused:
            # Some recipients got it: the message is sent, so only a warning for the others.
            logger.warning(
                "The mail server at %s refused some recipients of %r: %s",
                self.server,
                message,
                "; ".join(f"{rcpt}: {_reply(*reply)}" for rcpt, reply in refused.items()),
            )


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return _reply(exc.smtp_code, exc.smtp_error)
    if isinstance(exc, TimeoutError):
        return "timed out"
    return str(exc) or type(exc).__name__


def _close(connection: smtplib.SMTP) -> None:
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        connection.close()
