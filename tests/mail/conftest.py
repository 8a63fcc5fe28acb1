"""A real SMTP server for the mail tests: aiosmtpd on a free loopback port, started per test.

``smtp_server(**options)`` starts one (options go to aiosmtpd's ``SMTP``: ``authenticator``,
``tls_context``, ``require_starttls``, ``enable_SMTPUTF8`` ...; ``ssl_context`` makes it speak
implicit TLS) and returns a :class:`Server` whose ``received`` lists every message it accepted,
with the envelope, the raw bytes and the client's address.  ``certificate`` is a self-signed
certificate for ``localhost``/``127.0.0.1``, made once per run with ``openssl``.
"""

from __future__ import annotations

import dataclasses
import email
import email.policy
import shutil
import ssl
import subprocess
from collections.abc import Callable, Iterator
from email.message import EmailMessage as MIMEMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from tests.support.servers import free_port

from trellis import App
from trellis.mail import Mail

USER, PASSWORD = "mailer", "s3cret password"


@dataclasses.dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    peer: Any
    smtp_utf8: bool

    def parsed(self) -> MIMEMessage:
        # as a mail client stores it: CRLF (the wire's line end) becomes \n
        data = self.data.replace(b"\r\n", b"\n")
        if self.smtp_utf8:  # UTF-8 headers: parse as text, or the parser sees bytes it escapes
            message = email.message_from_string(data.decode(), policy=email.policy.default)
        else:
            message = email.message_from_bytes(data, policy=email.policy.default)
        assert isinstance(message, MIMEMessage)
        return message


class _Handler:
    def __init__(self, received: list[Received]) -> None:
        self.received = received

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                envelope.original_content or envelope.content,
                session.peer,
                envelope.smtp_utf8,
            )
        )
        return "250 Message accepted for delivery"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@dataclasses.dataclass
class Server:
    host: str
    port: int
    received: list[Received]

    def mail(self, **options: Any) -> Mail:
        """A Mail battery on a fresh App, sending to this server."""
        app = App()
        return app.install(Mail("smtp", host=self.host, port=self.port, **options))


def authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USER.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535


@pytest.fixture
def smtp_server() -> Iterator[Callable[..., Server]]:
    controllers: list[Controller] = []

    def start(**options: Any) -> Server:
        received: list[Received] = []
        port = free_port()
        controller = Controller(_Handler(received), hostname="127.0.0.1", port=port, **options)
        # (aiosmtpd's Controller turns SMTPUTF8 on unless told otherwise)
        controller.start()
        controllers.append(controller)
        return Server("127.0.0.1", port, received)

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """``(certificate, key)``: self-signed, valid for localhost and 127.0.0.1."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("the TLS tests need the openssl command to make a certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context
