"""CSRF: with the CSRF battery installed, forms carry a token and check it themselves."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tests.forms.support import settings

from trellis import App, Request
from trellis.forms import DataRequired, Form, Forms, StringField
from trellis.forms.csrf import CSRF_FAILED
from trellis.security.csrf import CSRF, csrf_exempt
from trellis.testing import TestClient


class CommentForm(Form):
    body = StringField("Comment", [DataRequired()])


class SearchForm(Form):
    class Meta:
        csrf = False

    q = StringField("Search")


def outcome(form: Form) -> dict[str, Any]:
    return {
        "fields": [field.name for field in form],
        "valid": form.validate_on_submit(),
        "errors": form.errors,
        "data": form.data,
    }


def make_app(*, field_name: str | None = None) -> App:
    app = App(settings=settings())
    app.install(Forms())

    @app.before_request
    def bearer(request: Request) -> None:
        # what the auth battery's token authentication marks
        if request.headers.get("authorization", "").startswith("Bearer "):
            request.scope["trellis.auth"] = "bearer"

    app.install(CSRF(field_name=field_name))

    @app.route("/exempt", methods=["GET", "POST"])
    @csrf_exempt
    def exempt(form: CommentForm) -> dict[str, Any]:
        return {**outcome(form), "token": form.meta.csrf and form[form.meta.csrf_field_name]()}

    @app.route("/protected", methods=["GET", "POST"])
    async def protected(form: CommentForm) -> dict[str, Any]:
        return {**outcome(form), "token": form.meta.csrf and form[form.meta.csrf_field_name]()}

    @app.route("/search", methods=["GET", "POST"])
    @csrf_exempt
    def search(form: SearchForm) -> dict[str, Any]:
        return outcome(form)

    return app


def token_from(response: Any) -> str:
    match = re.search(r'value="([^"]+)"', response.json()["token"])
    assert match is not None
    return match.group(1)


@pytest.fixture
def client() -> Any:
    with TestClient(make_app()) as client:
        yield client


def test_the_form_renders_a_hidden_token_that_changes_each_time(client: TestClient) -> None:
    first = client.get("/exempt")
    html = first.json()["token"]
    assert 'type="hidden"' in html
    assert 'name="csrf_token"' in html
    assert first.json()["fields"] == ["body", "csrf_token"]
    assert token_from(first) != token_from(client.get("/exempt"))  # masked afresh


def test_a_form_checks_its_token_where_the_battery_does_not(client: TestClient) -> None:
    token = token_from(client.get("/exempt"))
    missing = client.post("/exempt", data={"body": "hi"}).json()
    assert missing["valid"] is False
    assert missing["errors"] == {"csrf_token": [CSRF_FAILED]}
    forged = client.post("/exempt", data={"body": "hi", "csrf_token": "A" * 86}).json()
    assert forged["errors"] == {"csrf_token": [CSRF_FAILED]}
    good = client.post("/exempt", data={"body": "hi", "csrf_token": token}).json()
    assert good["valid"] is True
    assert good["data"] == {"body": "hi"}  # the token is not data


def test_a_token_from_another_session_is_refused() -> None:
    app = make_app()
    with TestClient(app) as mallory, TestClient(app) as victim:
        token = token_from(mallory.get("/exempt"))
        victim.get("/exempt")  # the victim has a session (and a secret) of its own
        got = victim.post("/exempt", data={"body": "hi", "csrf_token": token}).json()
    assert got["errors"] == {"csrf_token": [CSRF_FAILED]}


def test_the_header_htmx_sends_is_accepted(client: TestClient) -> None:
    token = token_from(client.get("/exempt"))
    got = client.post("/exempt", data={"body": "hi"}, headers={"X-CSRFToken": token}).json()
    assert got["valid"] is True


def test_the_battery_accepts_the_token_the_form_rendered(client: TestClient) -> None:
    assert client.post("/protected", data={"body": "hi"}).status_code == 403
    token = token_from(client.get("/protected"))
    response = client.post("/protected", data={"body": "hi", "csrf_token": token})
    assert response.status_code == 200
    assert response.json()["valid"] is True


def test_meta_csrf_false_leaves_the_token_out(client: TestClient) -> None:
    got = client.post("/search", data={"q": "trellis"}).json()
    assert got == {"fields": ["q"], "valid": True, "errors": {}, "data": {"q": "trellis"}}


def test_a_bearer_authenticated_request_needs_no_token(client: TestClient) -> None:
    headers = {"Authorization": "Bearer abc"}
    got = client.post("/exempt", data={"body": "hi"}, headers=headers).json()
    assert got["valid"] is True


def test_the_field_follows_the_batterys_field_name() -> None:
    with TestClient(make_app(field_name="tok")) as client:
        page = client.get("/protected").json()
        assert page["fields"] == ["body", "tok"]
        token = token_from(client.get("/protected"))
        response = client.post("/protected", data={"body": "hi", "tok": token})
    assert response.json()["valid"] is True


def test_without_the_battery_forms_have_no_token() -> None:
    app = App()
    app.install(Forms())

    @app.post("/c")
    def comment(form: CommentForm) -> dict[str, Any]:
        return outcome(form)

    with TestClient(app) as client:
        got = client.post("/c", data={"body": "hi"}).json()
    assert got["fields"] == ["body"]
    assert got["valid"] is True


def test_csrf_forced_on_without_a_request_is_refused() -> None:
    with pytest.raises(TypeError, match="no request"):
        CommentForm(meta={"csrf": True})
