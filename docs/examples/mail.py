"""Mail: a contact form e-mailed to the team from a ``def`` handler, and a welcome e-mail with an
HTML version and an attachment from an ``async def`` handler."""

from __future__ import annotations

import html
from typing import Annotated

from pydantic import AfterValidator, BaseModel, StringConstraints

from trellis import App, Request
from trellis.mail import EmailMessage, Mail, parse_address, send_mail

app = App(__name__)
# Every option not given here comes from the settings: TRELLIS_MAIL_BACKEND, TRELLIS_MAIL_HOST ...
# (the backend is "console" in debug, "smtp" otherwise).
app.install(Mail(default_from="Trellis Site <noreply@example.com>"))

TEAM = ["Support <support@example.com>"]


def _one_address(value: str) -> str:
    parse_address(value)  # a ValueError here is a 422 naming the field, never a 500
    return value


EmailAddress = Annotated[str, AfterValidator(_one_address)]
# Subjects are headers: a line break in one would be refused when the message is built.
OneLine = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[^\r\n]+$")]


class Contact(BaseModel):
    name: OneLine
    email: EmailAddress
    message: Annotated[str, StringConstraints(max_length=10_000)]


class Signup(BaseModel):
    name: OneLine
    email: EmailAddress


@app.post("/contact")
def contact(form: Contact, request: Request) -> dict[str, str]:
    # A def handler runs on the thread pool, so the blocking send_mail is the right call.
    send_mail(
        f"Contact form: {form.name}",
        form.message,
        TEAM,
        reply_to=[form.email],  # answering the e-mail answers the visitor
        app=request.app,
    )
    return {"status": "sent"}


@app.post("/signup")
async def signup(form: Signup, mail: Mail) -> dict[str, str]:
    # async def: await the async API; the SMTP conversation runs on the thread pool meanwhile.
    message = EmailMessage(
        f"Welcome, {form.name}!",
        f"Hello {form.name},\n\nYour account is ready.\n",
        [(form.name, form.email)],
        html=f"<p>Hello <b>{html.escape(form.name)}</b>,</p><p>Your account is ready.</p>",
    )
    message.attach("house-rules.txt", "1. Be kind.\n2. See rule 1.\n")
    await mail.send_async(message)
    return {"status": "welcome sent"}
