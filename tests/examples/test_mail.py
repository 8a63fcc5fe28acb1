"""Exercise docs/examples/mail.py with the ``mailoutbox`` fixture: nothing leaves the machine."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from docs.examples import mail as example

from trellis.mail import EmailMessage
from trellis.testing import TestClient


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(example.app) as client:
        yield client


def test_contact_form_mails_the_team_with_reply_to_the_visitor(
    client: TestClient, mailoutbox: list[EmailMessage]
) -> None:
    response = client.post(
        "/contact",
        data={"name": "Zoë", "email": "zoe@example.com", "message": "Bonjour!\nÇa va?"},
    )
    assert response.json() == {"status": "sent"}
    [message] = mailoutbox
    assert message.subject == "Contact form: Zoë"
    assert message.to == ["Support <support@example.com>"]
    assert message.reply_to == ["zoe@example.com"]
    assert message.from_email == "Trellis Site <noreply@example.com>"
    assert message.body == "Bonjour!\nÇa va?"


def test_signup_sends_html_and_an_attachment(
    client: TestClient, mailoutbox: list[EmailMessage]
) -> None:
    response = client.post("/signup", json={"name": "Ada <3", "email": "ada@example.com"})
    assert response.json() == {"status": "welcome sent"}
    [message] = mailoutbox
    assert message.to == ['"Ada <3" <ada@example.com>']
    assert message.html == "<p>Hello <b>Ada &lt;3</b>,</p><p>Your account is ready.</p>"
    assert [a.filename for a in message.attachments] == ["house-rules.txt"]
    mime = message.message()
    assert mime.get_content_type() == "multipart/mixed"
    assert [p.get_content_type() for p in mime.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "text/plain",
    ]


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"name": "Eve", "email": "eve@example.com, boss@example.com", "message": "hi"}, "email"),
        ({"name": "Eve", "email": "not-an-address", "message": "hi"}, "email"),
        (
            {"name": "Eve\r\nBcc: all@example.com", "email": "eve@example.com", "message": ""},
            "name",
        ),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_sends_nothing(
    client: TestClient, mailoutbox: list[EmailMessage], form: dict[str, str], field: str
) -> None:
    response = client.post("/contact", data=form)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert mailoutbox == []
