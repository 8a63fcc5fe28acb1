"""The sign-up and password-reset pages, switched on and off, and templates a project overrides."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.auth.conftest import MakeApp
from tests.auth.support import PASSWORD, add_user, log_in

from trellis import App
from trellis.auth import CurrentUser, User
from trellis.db import Database
from trellis.exceptions import ConfigurationError
from trellis.mail import EmailMessage, Mail, MailBackend, MailError
from trellis.testing import TestClient

NEW = "a brand new passphrase"


def with_me(app: App) -> App:
    @app.get("/me")
    def me(user: CurrentUser) -> dict[str, str]:
        return {"user": user.username}

    return app


def users(app: App) -> list[str]:
    with Database.of(app).session() as db:
        return list(db.scalars(select(User.username).order_by(User.username)))


# --- sign up ----------------------------------------------------------------------------------


def test_sign_up_and_be_logged_in(make_app: MakeApp, database_url: str) -> None:
    app = with_me(make_app(database_url))
    add_user(app, "ann")
    with TestClient(app) as client:
        page = client.get("/auth/signup")
        assert page.status_code == 200
        assert 'name="password2"' in page.text
        form = {"username": "newbie", "email": "n@example.com", "password1": NEW, "password2": NEW}
        done = client.post("/auth/signup", data={**form, "next": "/me"})
        assert (done.status_code, done.headers["location"]) == (303, "/me")
        assert client.get("/me").json() == {"user": "newbie"}
        taken = client.post("/auth/signup", data={**form, "username": "ann"})
        assert taken.status_code == 400
        assert "That username is taken." in taken.text
    assert users(app) == ["ann", "newbie"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"username": ""}, "Choose a username."),
        ({"username": "no spaces"}, "only letters, digits"),
        ({"username": "x" * 151}, "The username must have at most 150 characters."),
        ({"email": "not-an-address"}, "Enter a valid e-mail address"),
        ({"email": "a@" + "b" * 300}, "Enter a valid e-mail address"),
        ({"password2": "something else"}, "The two passwords differ."),
        ({"password1": "1234567890", "password2": "1234567890"}, "cannot be only digits"),
        ({"password1": "newbie-rules", "password2": "newbie-rules"}, "cannot contain the username"),
        ({"password1": "x" * 2000, "password2": "x" * 2000}, "at most 1024 characters"),
    ],
)
def test_sign_up_refusals(
    make_app: MakeApp, sqlite_url: str, change: dict[str, str], message: str
) -> None:
    app = make_app(sqlite_url)
    form = {"username": "newbie", "email": "", "password1": NEW, "password2": NEW, **change}
    with TestClient(app) as client:
        refused = client.post("/auth/signup", data=form)
    assert refused.status_code == 400
    assert message in refused.text
    assert users(app) == []


def test_sign_up_can_be_switched_off(make_app: MakeApp, sqlite_url: str) -> None:
    app = make_app(sqlite_url, signup_enabled=False)
    with TestClient(app) as client:
        assert client.get("/auth/signup").status_code == 404
        assert client.post("/auth/signup", data={"username": "x"}).status_code == 404
        assert "Create an account" not in client.get("/auth/login").text


def test_the_setting_switches_sign_up_off(
    make_app: MakeApp, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRELLIS_AUTH_SIGNUP_ENABLED", "false")
    app = make_app(sqlite_url)
    with TestClient(app) as client:
        assert client.get("/auth/signup").status_code == 404


# --- password reset ---------------------------------------------------------------------------


def reset_link(message: EmailMessage) -> str:
    found = re.search(r"http://testserver(/auth/password-reset/\S+)", message.body)
    assert found, message.body
    return found.group(1)


def ask_reset(client: TestClient, email: str = "ann@example.com") -> Any:
    return client.post("/auth/password-reset", data={"email": email})


def test_reset_by_email_once(
    make_app: MakeApp, database_url: str, mailoutbox: list[EmailMessage]
) -> None:
    app = with_me(make_app(database_url))
    add_user(app, "ann")
    with TestClient(app) as client:
        assert "Forgot your password?" in client.get("/auth/login").text
        sent = ask_reset(client, "ANN@example.com")  # addresses match whatever their case
        assert sent.status_code == 200
        assert "Check your e-mail" in sent.text
        assert len(mailoutbox) == 1
        message = mailoutbox[0]
        assert message.to == ["ann@example.com"]
        assert message.subject == "Reset your password"
        link = reset_link(message)
        form = client.get(link)
        assert form.status_code == 200
        assert 'name="new_password1"' in form.text
        assert form.headers["referrer-policy"] == "no-referrer"  # the token stays off other sites
        mismatch = client.post(link, data={"new_password1": NEW, "new_password2": "other"})
        assert "The two passwords differ." in mismatch.text
        done = client.post(link, data={"new_password1": NEW, "new_password2": NEW})
        assert done.status_code == 200
        assert "Password set" in done.text
        again = client.post(
            link, data={"new_password1": "third password!", "new_password2": "third password!"}
        )
        assert again.status_code == 400
        assert "This link does not work" in again.text
        log_in(client, password=NEW)


def test_unknown_addresses_get_the_same_answer_and_no_mail(
    make_app: MakeApp, sqlite_url: str, mailoutbox: list[EmailMessage]
) -> None:
    app = make_app(sqlite_url)
    add_user(app, "ann")
    add_user(app, "sso", password=None)  # no usable password: nothing to reset
    add_user(app, "gone", is_active=False)
    with TestClient(app) as client:
        known = ask_reset(client)
        for email in ("nobody@example.com", "sso@example.com", "gone@example.com"):
            other = ask_reset(client, email)
            assert other.status_code == known.status_code
            assert other.text.replace(email, "X") == known.text.replace("ann@example.com", "X")
        assert ask_reset(client, "no-at-sign").status_code == 400
    assert [m.to for m in mailoutbox] == [["ann@example.com"]]


def test_a_login_after_the_email_kills_the_link(
    make_app: MakeApp, sqlite_url: str, mailoutbox: list[EmailMessage]
) -> None:
    app = make_app(sqlite_url)
    add_user(app, "ann")
    with TestClient(app) as client:
        ask_reset(client)
        log_in(client)  # the user remembered the password after all
        assert client.get(reset_link(mailoutbox[0])).status_code == 400


def test_expired_and_forged_links_are_refused(
    make_app: MakeApp,
    sqlite_url: str,
    mailoutbox: list[EmailMessage],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = make_app(sqlite_url, password_reset_timeout=3600)
    add_user(app, "ann")
    with TestClient(app) as client:
        real_time = time.time
        monkeypatch.setattr(time, "time", lambda: real_time() - 3601)  # signed an hour ago
        ask_reset(client)
        monkeypatch.setattr(time, "time", real_time)
        link = reset_link(mailoutbox[0])
        assert client.get(link).status_code == 400
        for forged in ("/auth/password-reset/abc", "/auth/password-reset/" + "x" * 400):
            assert client.get(forged).status_code == 400
        assert client.get(link[:-2] + "xx").status_code == 400


def test_reset_needs_a_mail_battery(make_app: MakeApp, sqlite_url: str, tmp_path: Path) -> None:
    app = make_app(sqlite_url, mail=False)
    with TestClient(app) as client:
        assert client.get("/auth/password-reset").status_code == 404  # off without mail
        assert "Forgot your password?" not in client.get("/auth/login").text
    explicit = make_app(f"sqlite:///{tmp_path / 'b.db'}", mail=False, password_reset=True)
    with pytest.raises(ConfigurationError, match=r"app.install\(Mail\(\)\)"):
        explicit.startup_freeze()


# --- templates ----------------------------------------------------------------------------------


def test_a_project_overrides_an_auth_template(
    make_app: MakeApp, sqlite_url: str, tmp_path: Path
) -> None:
    project = tmp_path / "site"
    (project / "templates" / "auth").mkdir(parents=True)
    (project / "templates" / "auth" / "login.html").write_text(
        '<p class="ours">Welcome back</p>{% for e in errors %}<b>{{ e }}</b>{% endfor %}'
    )
    (project / "site_app.py").write_text("")
    import sys

    sys.path.insert(0, str(project))
    try:
        app = make_app(sqlite_url, import_name="site_app")
    finally:
        sys.path.remove(str(project))
    add_user(app, "ann")
    with TestClient(app) as client:
        assert client.get("/auth/login").text.startswith('<p class="ours">Welcome back</p>')
        wrong = client.post("/auth/login", data={"username": "ann", "password": "x"})
        assert "<b>Please enter a correct username and password.</b>" in wrong.text
        assert "<h1>Sign up</h1>" in client.get("/auth/signup").text  # the others stay ours
    assert PASSWORD  # the real password was never needed


def test_a_mail_server_refusing_the_link_is_a_503(
    make_app: MakeApp, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    class Refusing(MailBackend):
        def send_messages(self, messages: Sequence[EmailMessage]) -> int:
            raise MailError("smtp.example.com refused the recipient")

    app = make_app(sqlite_url, mail=False)
    app.install(Mail(Refusing()))
    add_user(app, "ann")
    with TestClient(app) as client:
        refused = ask_reset(client)
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "60"
    assert "The e-mail could not be sent" in refused.text
    assert "refused the recipient" in caplog.text
