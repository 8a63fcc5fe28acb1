"""The Mail battery: options from settings, finding the app's mail, handlers, the test outbox, checks."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from pydantic import SecretStr

from trellis import App, Request
from trellis.checks import run_checks
from trellis.conf import Settings
from trellis.exceptions import ConfigurationError
from trellis.mail import (
    ConsoleBackend,
    EmailMessage,
    Mail,
    MailBackend,
    MailError,
    MemoryBackend,
    SMTPBackend,
    capture_mail,
    send_mail,
    send_mail_async,
    send_messages,
)
from trellis.testing import TestClient


class SiteSettings(Settings):
    mail_backend: str = "memory"
    mail_default_from: str = "Site <site@example.com>"
    mail_host: str = "smtp.example.com"
    mail_password: SecretStr = SecretStr("from-settings")


class FailingBackend(MailBackend):
    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        raise MailError("the relay at relay.example.com:25 is down")


def test_defaults_smtp_outside_debug_console_in_debug() -> None:
    mail = App().install(Mail())
    assert isinstance(mail.backend, SMTPBackend)
    options = mail.options
    assert (options.host, options.smtp_port, options.timeout) == ("localhost", 25, 30.0)
    assert options.default_from == "webmaster@localhost"
    assert not options.use_tls
    assert not options.use_starttls
    assert isinstance(App(debug=True).install(Mail()).backend, ConsoleBackend)


def test_options_come_from_the_settings_subclass() -> None:
    mail = App(settings=SiteSettings()).install(Mail())
    assert isinstance(mail.backend, MemoryBackend)
    assert mail.options.default_from == "Site <site@example.com>"
    assert mail.options.host == "smtp.example.com"
    assert mail.options.password == "from-settings"  # a SecretStr field is unwrapped
    assert "from-settings" not in repr(mail.options)


def test_options_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRELLIS_MAIL_BACKEND", "smtp")
    monkeypatch.setenv("TRELLIS_MAIL_HOST", "relay.internal")
    monkeypatch.setenv("TRELLIS_MAIL_USE_STARTTLS", "true")
    monkeypatch.setenv("TRELLIS_MAIL_TIMEOUT", "7.5")
    monkeypatch.setenv("TRELLIS_MAIL_USERNAME", "app")
    mail = App().install(Mail())
    backend = mail.backend
    assert isinstance(backend, SMTPBackend)
    assert (backend.host, backend.port, backend.timeout) == ("relay.internal", 587, 7.5)
    assert backend.use_starttls
    assert backend.username == "app"


def test_arguments_win_over_settings_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRELLIS_MAIL_HOST", "from-env")
    mail = App(settings=SiteSettings()).install(Mail("console", host="from-argument"))
    assert mail.options.host == "from-argument"
    assert isinstance(mail.backend, ConsoleBackend)


def test_bad_settings_fail_at_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRELLIS_MAIL_PORT", "twenty-five")
    with pytest.raises(ConfigurationError, match="TRELLIS_MAIL_PORT"):
        App().install(Mail())
    monkeypatch.delenv("TRELLIS_MAIL_PORT")
    with pytest.raises(ConfigurationError, match="default_from is not valid"):
        App().install(Mail(default_from="not an address"))


def test_one_mail_per_app_and_one_app_per_mail() -> None:
    app = App()
    mail = app.install(Mail("memory"))
    with pytest.raises(ConfigurationError, match="installed on this app already"):
        app.install(Mail("memory"))
    with pytest.raises(ConfigurationError, match="installed on another app"):
        App().install(mail)


def test_send_mail_uses_app_or_the_last_installed_mail() -> None:
    first = App()
    first_mail = first.install(Mail("memory"))
    second_mail = App().install(Mail("memory"))
    send_mail("to the default", "b", ["a@example.com"])
    send_mail("to the first", "b", ["a@example.com"], app=first)
    assert [m.subject for m in second_mail.outbox] == ["to the default"]
    assert [m.subject for m in first_mail.outbox] == ["to the first"]
    assert Mail.of(first) is first_mail


def test_a_message_without_recipients_is_refused_before_any_backend() -> None:
    app = App()
    mail = app.install(Mail("memory"))
    with pytest.raises(ValueError, match="has no recipient"):
        send_mail("s", "b", [], app=app)
    assert mail.send(EmailMessage("s", "b", bcc=["only-bcc@example.com"])) == 1
    assert mail.outbox[0].to == []


def test_an_app_without_mail_says_how_to_install_it() -> None:
    with pytest.raises(ConfigurationError, match=r"app.install\(Mail\(\)\)"):
        send_mail("s", "b", ["a@example.com"], app=App())


def test_a_mail_used_without_an_app_reads_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRELLIS_MAIL_DEFAULT_FROM", "cli@example.com")
    mail = Mail("memory")  # a script or command with no app
    mail.send(EmailMessage("s", "b", ["a@example.com"]))
    assert mail.outbox[0].from_email == "cli@example.com"


async def test_the_blocking_api_refuses_to_run_on_the_event_loop() -> None:
    app = App()
    mail = app.install(Mail("memory"))
    with pytest.raises(RuntimeError, match="send_mail_async"):
        send_mail("s", "b", ["a@example.com"], app=app)
    with pytest.raises(RuntimeError, match="stall the event loop"):
        EmailMessage("s", "b", ["a@example.com"]).send(app=app)
    assert mail.outbox == []
    assert await EmailMessage("s", "b", ["a@example.com"]).send_async(app=app) == 1
    assert await send_mail_async("t", "b", ["a@example.com"], app=app) == 1
    assert [m.subject for m in mail.outbox] == ["s", "t"]


async def test_fail_silently_only_swallows_mail_errors(caplog: pytest.LogCaptureFixture) -> None:
    app = App()
    app.install(Mail(FailingBackend()))
    with pytest.raises(MailError, match=r"relay\.example\.com"):
        await send_mail_async("s", "b", ["a@example.com"], app=app)
    assert await send_mail_async("s", "b", ["a@example.com"], app=app, fail_silently=True) == 0
    assert "relay.example.com:25 is down" in caplog.text
    with pytest.raises(ValueError, match="not an e-mail address"):
        await send_mail_async("s", "b", ["nope"], app=app, fail_silently=True)


def test_handlers_send_mail_sync_and_async_and_ask_for_the_battery(
    mailoutbox: list[EmailMessage],
) -> None:
    app = App()
    app.install(Mail("smtp", host="127.0.0.1", port=1, default_from="site@example.com"))

    @app.post("/sync")
    def sync_view(request: Request) -> str:
        send_mail("From def", "b", ["ada@example.com"], app=request.app)
        return "ok"

    @app.post("/async")
    async def async_view(request: Request) -> str:
        await send_mail_async("From async def", "b", ["ada@example.com"], app=request.app)
        return "ok"

    @app.post("/injected")
    async def injected(mail: Mail) -> str:
        await mail.send_async(EmailMessage("Injected", "b", ["bob@example.com"]))
        return "ok"

    with TestClient(app) as client:
        for path in ("/sync", "/async", "/injected"):
            assert client.post(path).text == "ok"
    # the SMTP server at port 1 was never contacted: the fixture caught everything
    assert [m.subject for m in mailoutbox] == ["From def", "From async def", "Injected"]
    assert {m.from_email for m in mailoutbox} == {"site@example.com"}


def test_mailoutbox_catches_every_app_and_ends_with_the_test(
    mailoutbox: list[EmailMessage], tmp_path: Path
) -> None:
    app = App()
    app.install(Mail("file", file_path=tmp_path))
    send_messages([EmailMessage("a", "", ["x@example.com"])], app=app)
    with capture_mail() as inner:  # captures nest
        send_mail("b", "", ["x@example.com"], app=app)
    send_mail("c", "", ["x@example.com"], app=app)
    assert [m.subject for m in mailoutbox] == ["a", "c"]
    assert [m.subject for m in inner] == ["b"]
    assert list(tmp_path.iterdir()) == []


def test_without_the_fixture_the_backend_delivers(tmp_path: Path) -> None:
    app = App()
    app.install(Mail("file", file_path=tmp_path))
    send_mail("a", "", ["x@example.com"], app=app)
    assert len(list(tmp_path.glob("*.eml"))) == 1


def test_deploy_checks() -> None:
    app = App()
    app.install(Mail("console"))
    assert [m.id for m in run_checks(app, deploy=True) if m.id.startswith("mail.")] == [
        "mail.W001",
        "mail.W002",
    ]
    assert not [m for m in run_checks(app) if m.id.startswith("mail.")]

    clear = App()
    clear.install(Mail("smtp", host="smtp.example.com", username="u", password="p"))
    ids = {m.id for m in run_checks(clear, deploy=True)}
    assert "mail.W003" in ids
    assert "mail.W001" not in ids

    good = App()
    good.install(
        Mail(
            "smtp",
            host="smtp.example.com",
            username="u",
            password="p",
            use_starttls=True,
            default_from="site@example.com",
        )
    )
    assert not [m for m in run_checks(good, deploy=True) if m.id.startswith("mail.")]
    local = App()
    local.install(Mail("smtp", host="127.0.0.1", username="u", default_from="a@example.com"))
    assert not [m for m in run_checks(local, deploy=True) if m.id.startswith("mail.")]


def test_the_plugin_and_the_facade_import_no_mail_code() -> None:
    code = (
        "import sys, trellis.testing.plugin, trellis.mail\n"
        "print(sorted(m for m in sys.modules if m.startswith('trellis.mail.')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
