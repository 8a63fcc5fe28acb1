"""``EmailMessage``: what to send, turned into correct MIME by the standard library's ``email`` package.

The message keeps the plain values a test wants to look at (``subject``, ``body``, ``to`` ...)
and builds the MIME tree only when asked (:meth:`EmailMessage.message`).  The stdlib does the
hard parts: RFC 2047 encoded words for non-ASCII subjects and display names, RFC 2231 for
non-ASCII attachment names, line folding.  Bodies are sent 7-bit (quoted-printable or base64 when
they hold non-ASCII text), so any server accepts them without the 8BITMIME extension.

Addresses are checked when the message is made, so a bad one fails where it was written and
not later on a worker thread; domains are converted to IDNA (``münchen.de`` ->
``xn--mnchen-3ya.de``).  An address with a non-ASCII local part needs a server that speaks
SMTPUTF8; such a message is built with UTF-8 headers (:attr:`EmailMessage.needs_smtputf8`).
"""

from __future__ import annotations

import datetime
import email.policy
import email.utils
import mimetypes
import os
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from email.errors import HeaderParseError, NonASCIILocalPartDefect
from email.headerregistry import Address
from email.message import EmailMessage as MIMEMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from trellis.app import App

__all__ = ["AddressLike", "Attachment", "EmailMessage", "Recipients", "parse_address"]

#: An address as ``"ada@example.com"``, ``"Ada Lovelace <ada@example.com>"`` or ``("Ada", "ada@...")``.
AddressLike = str | tuple[str, str]
#: One address as a string, or a list of them (a tuple is a list too, never a (name, address) pair).
Recipients = str | Sequence[AddressLike]

#: CRLF line ends and strict header checks (what SMTP wants); 7-bit bodies for every server.
POLICY = email.policy.SMTP.clone(cte_type="7bit")
#: For messages whose addresses need SMTPUTF8: headers stay UTF-8 instead of encoded words.
UTF8_POLICY = email.policy.SMTPUTF8

_DEFAULT_MIMETYPE = "application/octet-stream"
_HEADERS = email.policy.default.header_factory
_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})*|\[[0-9A-Fa-f:.]+\]")


class Attachment(NamedTuple):
    filename: str
    content: bytes | str
    mimetype: str


def parse_address(value: AddressLike) -> Address:
    """One address, checked strictly: ValueError names the value when it is not exactly one.

    The standard library's lenient parsers would turn ``ada@exa mple.com`` into
    ``ada@example.com``; here any defect the header parser reports is a refusal.  Line breaks
    are refused (they would let a form field add headers), and the domain is IDNA-encoded so
    the header and the SMTP envelope carry only ASCII there.
    """
    if isinstance(value, tuple):
        name, text = value
        if not isinstance(name, str) or not isinstance(text, str):
            raise TypeError(f"an address tuple is (name, address), got {value!r}")
    elif isinstance(value, str):
        name, text = "", value
    else:
        raise TypeError(f"an address is a str or a (name, address) tuple, got {value!r}")
    if "\r" in text or "\n" in text or "\0" in text or "\r" in name or "\n" in name:
        raise ValueError(f"an e-mail address may not contain line breaks: {value!r}")
    try:
        header = _HEADERS("To", text)
    except (HeaderParseError, IndexError, ValueError):
        raise ValueError(f"not an e-mail address: {value!r}") from None
    defects = [d for d in header.defects if not isinstance(d, NonASCIILocalPartDefect)]
    addresses = header.addresses
    if len(addresses) > 1:
        raise ValueError(f"expected one e-mail address, got {value!r}")
    if not addresses or defects:
        raise ValueError(f"not an e-mail address: {value!r}")
    address = addresses[0]
    try:
        domain = address.domain.encode("idna").decode("ascii")
    except UnicodeError:
        domain = ""
    if not address.username or not _DOMAIN.fullmatch(domain):
        raise ValueError(f"not an e-mail address: {value!r}")
    return Address(
        display_name=name or address.display_name, username=address.username, domain=domain
    )


def _addresses(values: Recipients, what: str) -> list[Address]:
    # One string alone (a common slip: to="ada@example.com") is one recipient.  A tuple is a
    # list of addresses, so a (name, address) pair goes inside a list: to=[("Ada", "ada@...")].
    items = [values] if isinstance(values, str) else list(values)
    try:
        return [parse_address(v) for v in items]
    except ValueError as exc:
        raise ValueError(f"{what}: {exc}") from None


class EmailMessage:
    """An e-mail: a plain-text body, an optional HTML alternative, attachments and recipients.

    ``bcc`` recipients get the message (they are in the SMTP envelope) but appear in no header.
    ``headers`` are added to the message and replace the ones Trellis writes (``Date``,
    ``Message-ID``, ``From`` ... ) when they have the same name; the envelope still comes from
    ``from_email`` and the recipient lists.  ``from_email=None`` takes the mail battery's
    ``default_from`` when the message is sent.
    """

    def __init__(
        self,
        subject: str = "",
        body: str = "",
        to: Recipients = (),
        *,
        from_email: AddressLike | None = None,
        html: str | None = None,
        cc: Recipients = (),
        bcc: Recipients = (),
        reply_to: Recipients = (),
        headers: Mapping[str, str] | None = None,
        attachments: Iterable[Attachment | tuple[str, bytes | str, str | None]] = (),
    ) -> None:
        self.subject = subject
        self.body = body
        self._to = _addresses(to, "to")
        self._cc = _addresses(cc, "cc")
        self._bcc = _addresses(bcc, "bcc")
        self._reply_to = _addresses(reply_to, "reply_to")
        self._from = parse_address(from_email) if from_email is not None else None
        self.headers: dict[str, str] = dict(headers or {})
        #: ``(content, mimetype)`` pairs sent as alternatives to ``body`` (the HTML version).
        self.alternatives: list[tuple[str, str]] = []
        if html is not None:
            self.attach_alternative(html, "text/html")
        self.attachments: list[Attachment] = []
        for filename, content, mimetype in attachments:
            self.attach(filename, content, mimetype)
        self._date: str | None = None
        self._message_id: str | None = None
        self._boundary: str | None = None

    # --- addresses (as strings, for reading and for tests) -----------------------------------

    @property
    def from_email(self) -> str | None:
        return str(self._from) if self._from is not None else None

    @from_email.setter
    def from_email(self, value: AddressLike | None) -> None:
        self._from = parse_address(value) if value is not None else None

    @property
    def to(self) -> list[str]:
        return [str(a) for a in self._to]

    @property
    def cc(self) -> list[str]:
        return [str(a) for a in self._cc]

    @property
    def bcc(self) -> list[str]:
        return [str(a) for a in self._bcc]

    @property
    def reply_to(self) -> list[str]:
        return [str(a) for a in self._reply_to]

    @property
    def html(self) -> str | None:
        """The first ``text/html`` alternative, if any."""
        for content, mimetype in self.alternatives:
            if mimetype == "text/html":
                return content
        return None

    @property
    def sender(self) -> str:
        """The envelope sender (``MAIL FROM``): the bare address of ``from_email``."""
        if self._from is None:
            raise ValueError("the message has no from_email (the mail battery fills it in)")
        return self._from.addr_spec

    def recipients(self) -> list[str]:
        """Every envelope recipient (``RCPT TO``): to, cc and bcc, bare addresses, each once."""
        seen: dict[str, None] = {}
        for address in (*self._to, *self._cc, *self._bcc):
            seen.setdefault(address.addr_spec, None)
        return list(seen)

    @property
    def needs_smtputf8(self) -> bool:
        """True when an address has a non-ASCII local part, which only SMTPUTF8 servers accept."""
        everyone = (*self._to, *self._cc, *self._bcc, *self._reply_to)
        addresses = (*everyone, self._from) if self._from is not None else everyone
        return any(not a.username.isascii() for a in addresses)

    # --- content ----------------------------------------------------------------------------

    def attach(self, filename: str, content: bytes | str, mimetype: str | None = None) -> None:
        """Attach ``content`` as ``filename``; the type is guessed from the name when not given."""
        if "\r" in filename or "\n" in filename:
            raise ValueError(f"an attachment name may not contain line breaks: {filename!r}")
        if mimetype is None:
            mimetype = mimetypes.guess_type(filename)[0] or _DEFAULT_MIMETYPE
        if "/" not in mimetype:
            raise ValueError(f"{mimetype!r} is not a MIME type (like 'application/pdf')")
        self.attachments.append(Attachment(filename, content, mimetype))

    def attach_file(self, path: str | os.PathLike[str], mimetype: str | None = None) -> None:
        """Attach a file from disk under its own name (read now, so later edits do not leak in)."""
        file = Path(path)
        self.attach(file.name, file.read_bytes(), mimetype)

    def attach_alternative(self, content: str, mimetype: str) -> None:
        """Add another version of the body (``text/html``); clients show the richest they can."""
        if not mimetype.startswith("text/"):
            raise ValueError(f"an alternative body is text, not {mimetype!r}; attach() it instead")
        self.alternatives.append((content, mimetype))

    # --- MIME -------------------------------------------------------------------------------

    def message(self) -> MIMEMessage:
        """The MIME message as it is sent.  ``Date``, ``Message-ID`` and the MIME boundaries are
        made on the first call and kept, so building it twice gives the same bytes."""
        policy = UTF8_POLICY if self.needs_smtputf8 else POLICY
        msg = MIMEMessage(policy=policy)
        if self._date is None:
            self._date = email.utils.format_datetime(datetime.datetime.now(datetime.UTC))
        if self._message_id is None:
            domain = self._from.domain if self._from is not None else "localhost"
            self._message_id = email.utils.make_msgid(domain=domain)
        ours: dict[str, Any] = {"Subject": self.subject, "From": self._from}
        ours.update(To=self._to, Cc=self._cc, **{"Reply-To": self._reply_to})
        ours.update({"Date": self._date, "Message-ID": self._message_id})
        overridden = {name.lower() for name in self.headers}
        for name, value in ours.items():
            if value and name.lower() not in overridden:
                msg[name] = value
        for name, value in self.headers.items():
            if name.lower() != "bcc":
                msg[name] = value
        self._set_body(msg)
        # Boundaries made once too (the stdlib picks new random ones per build), so the same
        # message always has the same bytes: what a test saw is what a server would get.
        if self._boundary is None:
            self._boundary = secrets.token_hex(12)
        multiparts = (part for part in msg.walk() if part.is_multipart())
        for index, part in enumerate(multiparts):
            part.set_boundary(f"=_{self._boundary}_{index}")
        return msg

    def _set_body(self, msg: MIMEMessage) -> None:
        texts = [(self.body, "text/plain"), *self.alternatives]
        if not self.body and self.alternatives:
            texts = texts[1:]  # an HTML-only message: no empty text part in front of it
        for index, (text, text_type) in enumerate(texts):
            subtype = text_type.partition("/")[2]
            if index == 0:
                msg.set_content(text, subtype=subtype)
            else:
                msg.add_alternative(text, subtype=subtype)
        for filename, content, mimetype in self.attachments:
            maintype, _, subtype = mimetype.partition("/")
            if isinstance(content, str) and maintype == "text":
                msg.add_attachment(content, subtype=subtype, filename=filename)
            else:
                data = content.encode() if isinstance(content, str) else content
                msg.add_attachment(data, maintype, subtype, filename=filename)

    def as_bytes(self) -> bytes:
        """The message as the SMTP ``DATA`` carries it (CRLF line ends)."""
        return self.message().as_bytes()

    # --- sending ----------------------------------------------------------------------------

    def send(self, *, fail_silently: bool = False, app: App | None = None) -> int:
        """Send through the app's mail battery (see :func:`trellis.mail.send_messages`)."""
        from trellis.mail.sending import send_messages

        return send_messages([self], fail_silently=fail_silently, app=app)

    async def send_async(self, *, fail_silently: bool = False, app: App | None = None) -> int:
        """Send from async code without blocking the event loop."""
        from trellis.mail.sending import send_messages_async

        return await send_messages_async([self], fail_silently=fail_silently, app=app)

    def __repr__(self) -> str:
        return f"<EmailMessage {self.subject!r} to {self.recipients()}>"
