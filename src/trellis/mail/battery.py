"""The ``Mail`` battery: which backend delivers the app's mail, and with which options.

``app.install(Mail())`` reads every option left out from the settings (``mail_<option>`` on the
project's Settings, else ``TRELLIS_MAIL_<OPTION>``), builds the backend once, keeps itself at
``app.extensions["mail"]``, lets handlers ask for ``mail: Mail``, and becomes the process's
default mail, the one :func:`trellis.mail.send_mail` uses when it is given no ``app=``.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import ssl
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trellis.conf import setting
from trellis.exceptions import ConfigurationError
from trellis.mail import testing
from trellis.mail.backends import ConsoleBackend, FileBackend, MemoryBackend
from trellis.mail.base import MailBackend, MailError, MailOptions
from trellis.mail.message import EmailMessage, parse_address
from trellis.mail.smtp import SMTPBackend

if TYPE_CHECKING:
    from trellis.app import App

__all__ = ["BACKENDS", "Mail"]

logger = logging.getLogger("trellis.mail")

#: The backends a name selects; anything else is a dotted path to a MailBackend subclass.
BACKENDS: dict[str, type[MailBackend]] = {
    "smtp": SMTPBackend,
    "console": ConsoleBackend,
    "file": FileBackend,
    "memory": MemoryBackend,
}

_default: weakref.ref[Mail] | None = None


class Mail:
    """Sends the app's e-mail.  Every option left as ``None`` comes from the settings.

    ``backend`` is ``"smtp"``, ``"console"``, ``"file"``, ``"memory"``, a dotted path to a
    :class:`~trellis.mail.base.MailBackend` subclass, the class itself or an instance; by
    default ``"console"`` in debug and ``"smtp"`` otherwise.  ``ssl_context`` (no setting: it is
    an object) replaces the default certificate checks of the SMTP backend.
    """

    def __init__(
        self,
        backend: str | MailBackend | type[MailBackend] | None = None,
        *,
        default_from: str | None = None,
        host: str | None = None,
        port: int | None = None,
        username: str | None = None,
        password: str | None = None,
        use_tls: bool | None = None,
        use_starttls: bool | None = None,
        timeout: float | None = None,
        file_path: str | Path | None = None,
        ca_file: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._backend_spec = backend
        self._given: dict[str, Any] = {
            "default_from": default_from,
            "host": host,
            "port": port,
            "username": username,
            "password": password,
            "use_tls": use_tls,
            "use_starttls": use_starttls,
            "timeout": timeout,
            "file_path": file_path,
            "ca_file": ca_file,
        }
        self._ssl_context = ssl_context
        self.app: App | None = None
        self._options: MailOptions | None = None
        self._backend: MailBackend | None = None

    # --- wiring -----------------------------------------------------------------------------

    def install(self, app: App) -> None:
        global _default
        if self.app is not None:
            raise ConfigurationError("this Mail() is installed on another app already")
        if "mail" in app.extensions:
            raise ConfigurationError("a Mail battery is installed on this app already")
        from trellis.mail.checks import mail_checks

        self.app = app
        self.configure(app.settings, root=Path(app.root_path))
        app.extensions["mail"] = self
        app.provide(Mail, self._provide)
        app.add_check(mail_checks)
        _default = weakref.ref(self)

    def _provide(self) -> Mail:
        return self

    @staticmethod
    def of(app: Any) -> Mail:
        """The Mail battery installed on ``app``; ConfigurationError when there is none."""
        found = getattr(app, "extensions", {}).get("mail")
        if not isinstance(found, Mail):
            raise ConfigurationError(
                f"No mail battery is installed on {app!r}: call app.install(Mail()) first"
            )
        return found

    @staticmethod
    def default() -> Mail:
        """The Mail installed last in this process (a process serves one app, as a rule)."""
        found = _default() if _default is not None else None
        if found is None:
            raise ConfigurationError(
                "No mail battery is installed: call app.install(Mail()), "
                "or pass app= to say which app's mail to use"
            )
        return found

    def configure(self, settings: Any = None, *, root: Path | None = None) -> MailOptions:
        """Resolve the options (``install`` does it with the app's settings) and build the backend.

        Called by itself on first use for a Mail that is used without being installed.
        """
        given = self._given

        def pick(name: str, default: Any, type_: Any = None) -> Any:
            value = given[name]
            return value if value is not None else setting(settings, f"mail_{name}", default, type_)

        debug = bool(getattr(settings, "debug", False))
        spec = self._backend_spec
        if spec is None:
            spec = setting(settings, "mail_backend", "console" if debug else "smtp")
        password = pick("password", "", str)
        file_path = Path(pick("file_path", "mail", str))
        if root is not None and not file_path.is_absolute():
            file_path = root / file_path
        options = MailOptions(
            backend=spec if isinstance(spec, str) else type(spec).__name__,
            default_from=pick("default_from", "webmaster@localhost"),
            host=pick("host", "localhost"),
            port=pick("port", 0),
            username=pick("username", ""),
            password=getattr(password, "get_secret_value", lambda: password)(),
            use_tls=pick("use_tls", False),
            use_starttls=pick("use_starttls", False),
            timeout=pick("timeout", 30.0),
            file_path=file_path,
            ca_file=pick("ca_file", ""),
            ssl_context=self._ssl_context,
        )
        if options.use_tls and options.use_starttls:
            raise ConfigurationError(
                "Mail: use_tls (implicit TLS, port 465) and use_starttls (port 587) exclude "
                "each other; set only one"
            )
        try:
            parse_address(options.default_from)
        except ValueError as exc:
            raise ConfigurationError(f"Mail: default_from is not valid: {exc}") from None
        self._backend = _build_backend(spec, options)
        self._options = options
        return options

    @property
    def options(self) -> MailOptions:
        if self._options is None:
            self.configure()
        assert self._options is not None
        return self._options

    @property
    def backend(self) -> MailBackend:
        """The configured backend (the ``mailoutbox`` fixture bypasses it while a test runs)."""
        if self._backend is None:
            self.configure()
        assert self._backend is not None
        return self._backend

    @property
    def outbox(self) -> list[EmailMessage]:
        """The sent messages, with the ``memory`` backend."""
        backend = self.backend
        if not isinstance(backend, MemoryBackend):
            raise ConfigurationError(f"Mail.outbox needs the memory backend, not {backend!r}")
        return backend.outbox

    # --- sending ----------------------------------------------------------------------------

    def _prepare(self, messages: EmailMessage | Sequence[EmailMessage]) -> list[EmailMessage]:
        batch = [messages] if isinstance(messages, EmailMessage) else list(messages)
        default_from = self.options.default_from
        for message in batch:
            if not message.recipients():
                raise ValueError(f"{message!r} has no recipient: give it to, cc or bcc")
            if message.from_email is None:
                message.from_email = default_from
        return batch

    def _delivering(self) -> MailBackend:
        outbox = testing.captured_outbox()
        return MemoryBackend(outbox) if outbox is not None else self.backend

    def send(
        self, messages: EmailMessage | Sequence[EmailMessage], *, fail_silently: bool = False
    ) -> int:
        """Send one message or a batch (one SMTP connection); return how many were sent.

        Blocks until the server has answered, so it refuses to run on an event loop's thread:
        ``async def`` code uses :meth:`send_async`.
        """
        _refuse_on_event_loop()
        batch = self._prepare(messages)
        try:
            return self._delivering().send_messages(batch)
        except MailError as exc:
            if not fail_silently:
                raise
            logger.warning("Mail not sent (fail_silently): %s", exc)
            return 0

    async def send_async(
        self, messages: EmailMessage | Sequence[EmailMessage], *, fail_silently: bool = False
    ) -> int:
        """Like :meth:`send`; the network work runs on the thread pool."""
        batch = self._prepare(messages)
        try:
            return await self._delivering().send_messages_async(batch)
        except MailError as exc:
            if not fail_silently:
                raise
            logger.warning("Mail not sent (fail_silently): %s", exc)
            return 0

    def __repr__(self) -> str:
        backend = self._options.backend if self._options else self._backend_spec
        return f"<Mail backend={backend!r}>"


def _refuse_on_event_loop() -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise RuntimeError(
        "Sending mail with the blocking API would stall the event loop (every request of this "
        "worker waits for the mail server). In async code use: await send_mail_async(...) "
        "or await message.send_async()"
    )


def _build_backend(
    spec: str | MailBackend | type[MailBackend], options: MailOptions
) -> MailBackend:
    if isinstance(spec, MailBackend):
        return spec
    cls: Any = spec
    if isinstance(spec, str):
        cls = BACKENDS.get(spec) or _import_backend(spec)
    if not (isinstance(cls, type) and issubclass(cls, MailBackend)):
        raise ConfigurationError(f"Mail backend {spec!r} is not a MailBackend subclass")
    try:
        return cls.from_options(options)
    except MailError as exc:
        raise ConfigurationError(f"Mail backend {spec!r}: {exc}") from None


def _import_backend(path: str) -> Any:
    module, sep, name = path.rpartition(":") if ":" in path else path.rpartition(".")
    if not sep or not module:
        raise ConfigurationError(
            f"Unknown mail backend {path!r}: use one of {sorted(BACKENDS)} "
            "or a dotted path to a MailBackend subclass (project.mail.MyBackend)"
        )
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise ConfigurationError(f"Cannot import the mail backend {path!r}: {exc}") from None
