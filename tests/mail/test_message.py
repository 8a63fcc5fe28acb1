"""EmailMessage: addresses, headers and the MIME tree, without a server."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage as MIMEMessage
from pathlib import Path

import pytest

from trellis.mail import Attachment, EmailMessage


def reparse(message: EmailMessage) -> MIMEMessage:
    # CRLF (the wire's line end) becomes \n, as a mail client stores it
    data = message.as_bytes().replace(b"\r\n", b"\n")
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(parsed, MIMEMessage)
    return parsed


def test_a_single_string_is_one_recipient_and_tuples_are_name_address_pairs() -> None:
    message = EmailMessage(
        "s", "b", "ada@example.com", cc=[("Lovelace, Ada", "ada@example.com")], bcc=()
    )
    assert message.to == ["ada@example.com"]
    assert message.cc == ['"Lovelace, Ada" <ada@example.com>']
    assert message.recipients() == ["ada@example.com"]  # each envelope recipient once


@pytest.mark.parametrize(
    "bad",
    [
        "not an address",
        "ada@",
        "@example.com",
        "ada@example.com, bob@example.com",
        "ada@example.com\r\nBcc: victim@example.com",
        "ada@exa mple.com",
        "ada@example.com>",
        "Ada <ada@example.com> junk",
        "ada@-bad-.com",
        "ada@example..com",
        "a b@example.com",
    ],
)
def test_bad_addresses_fail_where_they_are_written(bad: str) -> None:
    with pytest.raises(ValueError, match="to: "):
        EmailMessage("s", "b", [bad])


def test_idna_domains_are_ascii_in_headers_and_envelope() -> None:
    message = EmailMessage("s", "b", ["Zoë <zoe@münchen.de>"], from_email="a@bücher.example")
    assert message.recipients() == ["zoe@xn--mnchen-3ya.de"]
    assert message.sender == "a@xn--bcher-kva.example"
    assert message.as_bytes().isascii()
    assert not message.needs_smtputf8
    assert EmailMessage("s", "b", ["josé@example.com"]).needs_smtputf8


def test_headers_dates_ids_and_non_ascii_subject() -> None:
    message = EmailMessage(
        "Ça va? ☕", "body", ["ada@example.com"], from_email="Zoë <zoe@example.com>"
    )
    raw = message.as_bytes()
    assert b"Subject: =?utf-8?" in raw  # an RFC 2047 encoded word, not raw UTF-8
    assert raw.isascii()
    parsed = reparse(message)
    assert parsed["Subject"] == "Ça va? ☕"
    assert parsed["From"].addresses[0].display_name == "Zoë"
    assert parsed["Date"].datetime.utcoffset().total_seconds() == 0
    assert parsed["Message-ID"].endswith("@example.com>")
    assert reparse(message)["Message-ID"] == parsed["Message-ID"]  # built twice, same id
    other = EmailMessage("s", "b", ["ada@example.com"], from_email="zoe@example.com")
    assert reparse(other)["Message-ID"] != parsed["Message-ID"]


def test_extra_headers_are_added_and_replace_ours_but_never_add_bcc() -> None:
    message = EmailMessage(
        "s",
        "b",
        ["ada@example.com"],
        from_email="site@example.com",
        bcc=["hidden@example.com"],
        headers={"X-Campaign": "spring", "Message-ID": "<fixed@example.com>", "Bcc": "x@y.z"},
    )
    parsed = reparse(message)
    assert parsed["X-Campaign"] == "spring"
    assert parsed.get_all("Message-ID") == ["<fixed@example.com>"]
    assert "Bcc" not in parsed
    assert b"hidden@example.com" not in message.as_bytes()
    assert "hidden@example.com" in message.recipients()


def test_header_injection_through_the_subject_is_refused() -> None:
    message = EmailMessage("Hi\r\nBcc: victim@example.com", "b", ["ada@example.com"])
    with pytest.raises(ValueError, match="linefeed or carriage return"):
        message.as_bytes()


def test_html_only_message_has_no_empty_text_part() -> None:
    parsed = reparse(EmailMessage("s", "", ["a@example.com"], html="<p>Hi</p>"))
    assert parsed.get_content_type() == "text/html"
    assert parsed.get_content() == "<p>Hi</p>\n"


def test_plain_with_html_is_an_alternative_plain_first() -> None:
    message = EmailMessage("s", "Hi", ["a@example.com"], html="<p>Hi</p>")
    assert message.html == "<p>Hi</p>"
    parsed = reparse(message)
    assert parsed.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]


def test_attachment_types_are_guessed_and_contents_kept(tmp_path: Path) -> None:
    file = tmp_path / "data.json"
    file.write_bytes(b'{"a": 1}')
    message = EmailMessage("s", "b", ["a@example.com"], attachments=[("a.bin", b"\x00\x01", None)])
    message.attach("page.html", "<p>é</p>")
    message.attach("unknown.zzz-none", b"raw")
    message.attach_file(file)
    file.write_bytes(b"changed later")
    assert message.attachments[0] == Attachment("a.bin", b"\x00\x01", "application/octet-stream")
    parts = {p.get_filename(): p for p in reparse(message).iter_attachments()}
    assert parts["page.html"].get_content_type() == "text/html"
    assert parts["page.html"].get_content() == "<p>é</p>\n"
    assert parts["unknown.zzz-none"].get_content_type() == "application/octet-stream"
    assert parts["data.json"].get_content_type() == "application/json"
    assert parts["data.json"].get_payload(decode=True) == b'{"a": 1}'  # read at attach time
    assert parts["a.bin"].get_payload(decode=True) == b"\x00\x01"


def test_attachment_names_and_types_are_checked() -> None:
    message = EmailMessage("s", "b", ["a@example.com"])
    with pytest.raises(ValueError, match="line breaks"):
        message.attach("a\r\nX-Evil: 1", b"x")
    with pytest.raises(ValueError, match="not a MIME type"):
        message.attach("a", b"x", "pdf")
    with pytest.raises(ValueError, match="attach\\(\\) it instead"):
        message.attach_alternative("x", "application/pdf")


def test_sender_needs_a_from_address() -> None:
    with pytest.raises(ValueError, match="no from_email"):
        _ = EmailMessage("s", "b", ["a@example.com"]).sender
