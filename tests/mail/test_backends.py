"""The console, file and memory backends, custom backends and how a backend is chosen."""

from __future__ import annotations

import email
import email.policy
import io
from collections.abc import Sequence
from pathlib import Path

import pytest

from trellis import App
from trellis.exceptions import ConfigurationError
from trellis.mail import (
    ConsoleBackend,
    EmailMessage,
    FileBackend,
    Mail,
    MailBackend,
    MailError,
    MailOptions,
    MemoryBackend,
    SMTPBackend,
    send_mail,
)


class RecordingBackend(MailBackend):
    """A custom backend named by dotted path in the tests below."""

    def __init__(self, host: str = "") -> None:
        self.host = host
        self.batches: list[list[str]] = []

    @classmethod
    def from_options(cls, options: MailOptions) -> RecordingBackend:
        return cls(options.host)

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        self.batches.append([m.subject for m in messages])
        return len(messages)


def test_console_writes_each_message_as_sent(capsys: pytest.CaptureFixture[str]) -> None:
    app = App()
    app.install(Mail("console", default_from="site@example.com"))
    send_mail("Welcome", "Hello Ada", ["ada@example.com"], html="<p>Hi</p>", app=app)
    out = capsys.readouterr().out
    assert "Subject: Welcome\n" in out
    assert "From: site@example.com\n" in out
    assert "Content-Type: multipart/alternative" in out
    assert "Hello Ada" in out
    assert "\r" not in out
    assert out.endswith("-" * 79 + "\n")


def test_console_to_a_stream_of_your_own() -> None:
    stream = io.StringIO()
    app = App()
    app.install(Mail(ConsoleBackend(stream)))
    send_mail("One", "1", ["a@example.com"], app=app)
    send_mail("Two", "2", ["a@example.com"], app=app)
    assert stream.getvalue().count("-" * 79) == 2
    assert stream.getvalue().index("Subject: One") < stream.getvalue().index("Subject: Two")


def test_file_backend_writes_one_eml_per_message(tmp_path: Path) -> None:
    folder = tmp_path / "out" / "mail"
    app = App()
    mail = app.install(Mail("file", file_path=folder, default_from="site@example.com"))
    messages = [EmailMessage(f"n{i}", "body", ["ada@example.com"]) for i in range(3)]
    messages[0].attach("a.bin", b"\x00\xff")
    assert mail.send(messages) == 3
    files = sorted(folder.glob("*.eml"))
    assert len(files) == 3
    parsed = [email.message_from_bytes(f.read_bytes(), policy=email.policy.default) for f in files]
    assert sorted(p["Subject"] for p in parsed) == ["n0", "n1", "n2"]
    # exactly the bytes SMTP would carry (Date and Message-ID are kept once made)
    assert {f.read_bytes() for f in files} == {m.as_bytes() for m in messages}


def test_file_backend_path_is_relative_to_the_app_folder(tmp_path: Path) -> None:
    app = App()
    app.root_path = str(tmp_path)
    mail = app.install(Mail("file"))
    assert mail.options.file_path == tmp_path / "mail"
    mail.send(EmailMessage("s", "b", ["a@example.com"]))
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1


def test_file_backend_that_cannot_write_raises_mail_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    backend = FileBackend(blocker / "mail")
    message = EmailMessage("s", "b", ["a@example.com"], from_email="x@example.com")
    with pytest.raises(MailError, match="Cannot write mail to the folder"):
        backend.send_messages([message])


def test_memory_backend_keeps_the_messages_and_builds_them() -> None:
    app = App()
    mail = app.install(Mail("memory", default_from="site@example.com"))
    send_mail("Hi", "body", ["ada@example.com"], app=app)
    [message] = mail.outbox
    assert message.subject == "Hi"
    assert message.from_email == "site@example.com"  # filled from the battery's default
    bad = EmailMessage("Hi\nBcc: x@example.com", "body", ["ada@example.com"])
    with pytest.raises(ValueError, match="linefeed"):
        mail.send(bad)  # fails in tests as it would on the wire
    assert len(mail.outbox) == 1


def test_outbox_needs_the_memory_backend() -> None:
    app = App()
    mail = app.install(Mail("console"))
    with pytest.raises(ConfigurationError, match="memory backend"):
        _ = mail.outbox


def test_backend_by_dotted_path_gets_the_options() -> None:
    for path in (f"{__name__}.RecordingBackend", f"{__name__}:RecordingBackend"):
        app = App()
        mail = app.install(Mail(path, host="relay.example.com"))
        backend = mail.backend
        assert isinstance(backend, RecordingBackend)
        assert backend.host == "relay.example.com"
        mail.send([EmailMessage("a", "", ["x@example.com"]), EmailMessage("b", "", ["x@e.com"])])
        assert backend.batches == [["a", "b"]]


def test_backend_class_and_instance() -> None:
    app = App()
    assert isinstance(app.install(Mail(RecordingBackend)).backend, RecordingBackend)
    instance = MemoryBackend()
    other = App()
    assert other.install(Mail(instance)).backend is instance


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ("carrier-pigeon", "Unknown mail backend 'carrier-pigeon'"),
        ("no.such.module.Backend", "Cannot import the mail backend"),
        (f"{__name__}.test_backend_class_and_instance", "is not a MailBackend subclass"),
    ],
)
def test_bad_backends_fail_at_install(spec: str, error: str) -> None:
    with pytest.raises(ConfigurationError, match=error):
        App().install(Mail(spec))


def test_tls_and_starttls_together_fail_at_install() -> None:
    with pytest.raises(ConfigurationError, match="exclude each other"):
        App().install(Mail("smtp", use_tls=True, use_starttls=True))


def test_smtp_ports_default_to_the_usual_ones() -> None:
    assert SMTPBackend("h").port == 25
    assert SMTPBackend("h", use_tls=True).port == 465
    assert SMTPBackend("h", use_starttls=True).port == 587
    assert SMTPBackend("h", 2525, use_tls=True).port == 2525


async def test_async_sending_through_a_custom_backend_runs_it_on_the_thread_pool() -> None:
    import threading

    threads: list[str] = []

    class ThreadBackend(MailBackend):
        def send_messages(self, messages: Sequence[EmailMessage]) -> int:
            threads.append(threading.current_thread().name)
            return len(messages)

    app = App()
    mail = app.install(Mail(ThreadBackend()))
    assert await mail.send_async(EmailMessage("s", "b", ["a@example.com"])) == 1
    assert threads
    assert threads[0] != threading.main_thread().name
