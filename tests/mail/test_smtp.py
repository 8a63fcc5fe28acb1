"""The SMTP backend against a real server (aiosmtpd, started by each test on a loopback port)."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.mail.conftest import PASSWORD, USER, Server, authenticator
from tests.support.servers import free_port

from trellis import App
from trellis.exceptions import ConfigurationError
from trellis.mail import EmailMessage, Mail, MailError, send_mail, send_mail_async

StartServer = Callable[..., Server]
# aiosmtpd warns (from its thread, so a mark and not pytest.warns) when AUTH needs no TLS.
auth_without_tls = pytest.mark.filterwarnings(
    "ignore:Requiring AUTH while not requiring TLS:UserWarning"
)


def text(part: object) -> str:
    """A text part's content with \\n line ends (MIME text is CRLF inside base64 too)."""
    assert part is not None
    return part.get_content().replace("\r\n", "\n")  # type: ignore[attr-defined, no-any-return]


PNG = bytes(range(256)) * 4 + b"\x89PNG\r\n\x1a\n\x00"


def test_plain_message_arrives_with_its_envelope(smtp_server: StartServer) -> None:
    server = smtp_server()
    mail = server.mail(default_from="Site <site@example.com>")
    sent = send_mail("Hello", "First line\nSecond line", "ada@example.com", app=mail.app)
    assert sent == 1
    [received] = server.received
    assert received.mail_from == "site@example.com"
    assert received.rcpt_tos == ["ada@example.com"]
    message = received.parsed()
    assert message["Subject"] == "Hello"
    assert message["From"] == "Site <site@example.com>"
    assert message["To"] == "ada@example.com"
    assert message["Message-ID"].endswith("@example.com>")
    assert message["Date"]
    assert message.get_content_type() == "text/plain"
    assert text(message) == "First line\nSecond line\n"


def test_html_alternative_attachments_and_non_ascii_survive_the_trip(
    smtp_server: StartServer, tmp_path: Path
) -> None:
    server = smtp_server()
    mail = server.mail()
    report = tmp_path / "report.csv"
    report.write_bytes(b"id,name\r\n1,Zo\xc3\xab\r\n")
    message = EmailMessage(
        "Café ☕ — résumé",
        "Grüße, Zoë",
        ["Zoë Ümlaut <zoe@example.com>"],
        from_email="Renée <renee@example.com>",
        html="<p>Grüße, <b>Zoë</b></p>",
    )
    message.attach("photo.png", PNG)
    message.attach("naïve notes.txt", "über alles\n")
    message.attach_file(report)
    assert mail.send(message) == 1

    [received] = server.received
    assert received.data.isascii()  # 7-bit on the wire: encoded words, quoted-printable, base64
    parsed = received.parsed()
    assert parsed["Subject"] == "Café ☕ — résumé"
    assert parsed["From"].addresses[0].display_name == "Renée"
    assert parsed["To"].addresses[0].display_name == "Zoë Ümlaut"
    assert parsed.get_content_type() == "multipart/mixed"
    body = parsed.get_body(preferencelist=("plain",))
    html = parsed.get_body(preferencelist=("html",))
    assert text(body) == "Grüße, Zoë\n"
    assert text(html) == "<p>Grüße, <b>Zoë</b></p>\n"
    attachments = {a.get_filename(): a for a in parsed.iter_attachments()}
    assert set(attachments) == {"photo.png", "naïve notes.txt", "report.csv"}
    assert attachments["photo.png"].get_content_type() == "image/png"
    assert attachments["photo.png"].get_payload(decode=True) == PNG
    assert text(attachments["naïve notes.txt"]) == "über alles\n"
    assert attachments["report.csv"].get_content_type() == "text/csv"
    assert attachments["report.csv"].get_payload(decode=True) == report.read_bytes()


def test_cc_and_bcc_are_envelope_recipients_but_bcc_is_in_no_header(
    smtp_server: StartServer,
) -> None:
    server = smtp_server()
    mail = server.mail(default_from="site@example.com")
    send_mail(
        "Minutes",
        "See attached.",
        ["ada@example.com", "Bob <bob@example.com>"],
        cc=["carol@example.com"],
        bcc=["dave@example.com", "ada@example.com"],
        reply_to=["team@example.com"],
        app=mail.app,
    )
    [received] = server.received
    assert received.rcpt_tos == [
        "ada@example.com",
        "bob@example.com",
        "carol@example.com",
        "dave@example.com",
    ]
    parsed = received.parsed()
    assert parsed["Cc"] == "carol@example.com"
    assert parsed["Reply-To"] == "team@example.com"
    assert "Bcc" not in parsed
    assert b"dave@example.com" not in received.data


def test_one_connection_carries_a_whole_batch(smtp_server: StartServer) -> None:
    server = smtp_server()
    mail = server.mail(default_from="site@example.com")
    messages = [EmailMessage(f"n{i}", "body", [f"user{i}@example.com"]) for i in range(3)]
    assert mail.send(messages) == 3
    assert [r.parsed()["Subject"] for r in server.received] == ["n0", "n1", "n2"]
    assert len({r.peer for r in server.received}) == 1  # same client port: one connection
    mail.send(EmailMessage("later", "body", ["x@example.com"]))
    assert server.received[-1].peer != server.received[0].peer  # a new batch, a new connection


@auth_without_tls
def test_login_with_the_right_password(smtp_server: StartServer) -> None:
    server = smtp_server(authenticator=authenticator, auth_required=True, auth_require_tls=False)
    mail = server.mail(username=USER, password=PASSWORD)
    assert mail.send(EmailMessage("Hi", "body", ["ada@example.com"])) == 1
    assert len(server.received) == 1


@auth_without_tls
def test_a_refused_login_names_the_server_and_user_not_the_password(
    smtp_server: StartServer,
) -> None:
    server = smtp_server(authenticator=authenticator, auth_required=True, auth_require_tls=False)
    mail = server.mail(username=USER, password="wrong-password")
    with pytest.raises(MailError) as caught:
        mail.send(EmailMessage("Hi", "body", ["ada@example.com"]))
    text = str(caught.value)
    assert f"{server.host}:{server.port}" in text
    assert repr(USER) in text
    assert "wrong-password" not in text
    assert server.received == []


@auth_without_tls
def test_a_server_that_requires_login_refuses_an_anonymous_sender(
    smtp_server: StartServer,
) -> None:
    server = smtp_server(authenticator=authenticator, auth_required=True, auth_require_tls=False)
    with pytest.raises(MailError, match=rf"{server.port}.*refused the sender.*530"):
        server.mail().send(EmailMessage("Hi", "body", ["ada@example.com"]))


def test_starttls_with_a_trusted_self_signed_certificate(
    smtp_server: StartServer, server_tls: ssl.SSLContext, certificate: tuple[Path, Path]
) -> None:
    server = smtp_server(
        tls_context=server_tls,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    )
    mail = server.mail(
        use_starttls=True, ca_file=str(certificate[0]), username=USER, password=PASSWORD
    )
    assert mail.send(EmailMessage("Secret", "over TLS", ["ada@example.com"])) == 1
    assert server.received[0].parsed()["Subject"] == "Secret"


def test_starttls_refuses_a_certificate_it_does_not_trust(
    smtp_server: StartServer, server_tls: ssl.SSLContext
) -> None:
    server = smtp_server(tls_context=server_tls, require_starttls=True)
    mail = server.mail(use_starttls=True)  # the system's CAs only
    with pytest.raises(MailError, match=rf"STARTTLS with .*{server.port}.*CERTIFICATE_VERIFY"):
        mail.send(EmailMessage("Secret", "body", ["ada@example.com"]))
    assert server.received == []


def test_starttls_against_a_server_without_it_is_a_clear_error(smtp_server: StartServer) -> None:
    server = smtp_server()
    with pytest.raises(MailError, match="does not offer STARTTLS"):
        server.mail(use_starttls=True).send(EmailMessage("x", "y", ["ada@example.com"]))


def test_implicit_tls(
    smtp_server: StartServer, server_tls: ssl.SSLContext, certificate: tuple[Path, Path]
) -> None:
    server = smtp_server(ssl_context=server_tls)
    client = ssl.create_default_context(cafile=str(certificate[0]))
    mail = server.mail(use_tls=True, ssl_context=client)
    assert mail.send(EmailMessage("TLS", "from the first byte", ["ada@example.com"])) == 1
    assert server.received[0].parsed()["Subject"] == "TLS"


def test_login_without_tls_where_the_server_offers_none_says_to_use_tls(
    smtp_server: StartServer,
) -> None:
    server = smtp_server(authenticator=authenticator)  # AUTH only after STARTTLS (the default)
    with pytest.raises(MailError, match=r"offers no login .*use_starttls"):
        server.mail(username=USER, password=PASSWORD).send(EmailMessage("x", "y", ["a@b.example"]))


def test_a_refused_connection_names_the_server() -> None:
    port = free_port()  # nothing listens there
    app = App()
    app.install(Mail("smtp", host="127.0.0.1", port=port, timeout=5))
    with pytest.raises(
        MailError, match=rf"Cannot connect to the mail server at 127\.0\.0\.1:{port}"
    ):
        send_mail("Hi", "body", ["ada@example.com"], app=app)


def test_fail_silently_logs_and_returns_zero(caplog: pytest.LogCaptureFixture) -> None:
    port = free_port()
    app = App()
    app.install(Mail("smtp", host="127.0.0.1", port=port, timeout=5))
    assert send_mail("Hi", "body", ["ada@example.com"], fail_silently=True, app=app) == 0
    assert f"127.0.0.1:{port}" in caplog.text


def test_a_fully_refused_recipient_list_is_an_error(smtp_server: StartServer) -> None:
    server = smtp_server()
    with pytest.raises(MailError, match=r"refused every recipient.*nobody@example\.com: 550"):
        server.mail().send(EmailMessage("x", "y", ["nobody@example.com"]))


def test_partly_refused_recipients_still_get_the_message(
    smtp_server: StartServer, caplog: pytest.LogCaptureFixture
) -> None:
    server = smtp_server()
    server.mail().send(EmailMessage("x", "y", ["ada@example.com", "nobody@example.com"]))
    assert server.received[0].rcpt_tos == ["ada@example.com"]
    assert "nobody@example.com: 550" in caplog.text


def test_non_ascii_local_part_needs_and_uses_smtputf8(smtp_server: StartServer) -> None:
    plain = smtp_server(enable_SMTPUTF8=False)
    with pytest.raises(MailError, match="does not support SMTPUTF8"):
        plain.mail().send(EmailMessage("Hi", "body", ["josé@example.com"]))

    utf8 = smtp_server(enable_SMTPUTF8=True)  # (the Controller's default, said out loud)
    utf8.mail().send(EmailMessage("Hi", "body", ["José <josé@example.com>"]))
    [received] = utf8.received
    assert received.smtp_utf8
    assert received.rcpt_tos == ["josé@example.com"]
    assert received.parsed()["To"].addresses[0].username == "josé"


async def test_send_mail_async_delivers_without_blocking_the_loop(
    smtp_server: StartServer,
) -> None:
    server = smtp_server()
    mail = server.mail(default_from="site@example.com")
    sent = await send_mail_async(
        "Async", "body", ["ada@example.com"], html="<p>body</p>", app=mail.app
    )
    assert sent == 1
    assert server.received[0].parsed()["Subject"] == "Async"


async def test_refused_connection_from_async_code() -> None:
    app = App()
    app.install(Mail("smtp", host="127.0.0.1", port=free_port(), timeout=5))
    with pytest.raises(MailError, match="Cannot connect"):
        await send_mail_async("Hi", "body", ["ada@example.com"], app=app)


def test_a_non_ascii_password_is_refused_at_start_up() -> None:
    with pytest.raises(ConfigurationError, match="must be ASCII"):
        App().install(Mail("smtp", username="zoë", password="pässword"))
