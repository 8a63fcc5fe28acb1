"""CSRF: missing, wrong, foreign-session and cross-origin requests get a 403 that says why."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from trellis import App, Blueprint, Request, Template, View
from trellis.conf import Settings
from trellis.exceptions import ConfigurationError
from trellis.security.csrf import (
    CSRF,
    csrf_exempt,
    csrf_token_is_valid,
    get_csrf_token,
)
from trellis.sessions import Sessions
from trellis.testing import TestClient

KEY = "csrf-test-key-0123456789-abcdefghijklmnopqrstuvwxyz"


def make_app(csrf: CSRF | None = None, **settings: Any) -> App:
    settings.setdefault("secret_key", KEY)
    settings.setdefault("allowed_hosts", ["testserver", "example.com"])
    app = App(settings=Settings(**settings))
    app.install(csrf or CSRF())

    @app.get("/form")
    async def form(request: Request) -> dict[str, str]:
        return {"token": get_csrf_token(request)}

    @app.route("/submit", methods=["POST", "PUT", "PATCH", "DELETE"])
    async def submit(request: Request) -> dict[str, Any]:
        form = await request.form()  # the form the CSRF check parsed, read again
        upload = form.get("file")
        return {
            "method": request.method,
            "name": form.get("name"),
            "file": (await upload.read()).decode() if upload is not None else None,
        }

    @app.post("/hook")
    @csrf_exempt
    async def hook() -> str:
        return "hooked"

    @app.post("/hook2", csrf_exempt=True)
    async def hook2() -> str:
        return "hooked too"

    @app.post("/api")
    async def api(request: Request) -> dict[str, Any]:
        return {"json": await request.json()}

    return app


Client = Callable[..., TestClient]


def token_of(client: TestClient) -> str:
    token: str = client.get("/form").json()["token"]
    return token


def test_a_post_without_a_token_is_refused_and_told_why() -> None:
    with TestClient(make_app()) as client:
        token_of(client)  # the session has a secret; the form just did not send the token
        response = client.post("/submit", data={"name": "x"})
    assert response.status_code == 403
    assert "CSRF" in response.text
    assert "carries no CSRF token" in response.text
    assert response.headers["content-type"].startswith("text/html")


def test_a_json_client_gets_the_reason_in_json() -> None:
    with TestClient(make_app()) as client:
        response = client.post("/api", json={"a": 1}, headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert "json" in response.headers["content-type"]
    assert "carries no CSRF token" in str(response.json())


def test_a_wrong_token_is_refused() -> None:
    with TestClient(make_app()) as client:
        token = token_of(client)
        wrong = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
        for bad in (wrong, "short", token + "x", "!" * 86):
            response = client.post("/submit", data={"name": "x", "csrf_token": bad})
            assert response.status_code == 403
            assert "wrong" in response.text


def test_a_token_from_another_session_is_refused() -> None:
    app = make_app()
    with TestClient(app) as attacker:
        stolen = token_of(attacker)
    with TestClient(app) as victim:
        token_of(victim)  # the victim's session has its own secret
        response = victim.post("/submit", data={"name": "x", "csrf_token": stolen})
    assert response.status_code == 403
    assert "another session" in response.text


def test_a_session_without_a_secret_says_so() -> None:
    app = make_app()
    with TestClient(app) as other:
        token = token_of(other)
    with TestClient(app) as fresh:  # no session at all: cookies blocked or expired
        response = fresh.post("/submit", data={"csrf_token": token})
    assert response.status_code == 403
    assert "session holds no CSRF token" in response.text


def test_the_right_token_passes_in_a_form_and_the_handler_still_sees_the_form() -> None:
    with TestClient(make_app()) as client:
        token = token_of(client)
        response = client.post("/submit", data={"name": "ann", "csrf_token": token})
        assert response.json() == {"method": "POST", "name": "ann", "file": None}
        multipart = client.post(
            "/submit",
            data={"name": "bob", "csrf_token": token},
            files={"file": ("a.txt", b"uploaded", "text/plain")},
        )
        assert multipart.json() == {"method": "POST", "name": "bob", "file": "uploaded"}


def test_every_unsafe_method_is_checked_and_the_header_passes() -> None:
    with TestClient(make_app()) as client:
        token = token_of(client)
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            assert client.request(method, "/submit").status_code == 403
            ok = client.request(method, "/submit", headers={"X-CSRFToken": token})
            assert ok.status_code == 200
            assert ok.json()["method"] == method


def test_an_htmx_request_with_the_configured_header_passes() -> None:
    with TestClient(make_app()) as client:
        token = token_of(client)
        headers = {"HX-Request": "true", "HX-Target": "list", "X-CSRFToken": token}
        response = client.post("/submit", data={"name": "htmx"}, headers=headers)
        assert response.status_code == 200
        assert response.json()["name"] == "htmx"
        json_call = client.post("/api", json={"a": 1}, headers={"X-CSRFToken": token})
        assert json_call.json() == {"json": {"a": 1}}


def test_tokens_are_masked_differently_each_time_and_all_valid() -> None:
    app = make_app()

    @app.get("/two")
    async def two(request: Request) -> dict[str, Any]:
        first, second = get_csrf_token(request), get_csrf_token(request)
        return {
            "differ": first != second,
            "valid": [csrf_token_is_valid(request, t) for t in (first, second, None, "")],
        }

    with TestClient(app) as client:
        assert client.get("/two").json() == {"differ": True, "valid": [True, True, False, False]}
        earlier, later = token_of(client), token_of(client)
        assert earlier != later
        assert client.post("/submit", headers={"X-CSRFToken": earlier}).status_code == 200
        assert client.post("/submit", headers={"X-CSRFToken": later}).status_code == 200


def test_safe_methods_are_not_checked() -> None:
    app = make_app()

    @app.route("/read", methods=["GET", "OPTIONS"])
    async def read() -> str:
        return "read"

    with TestClient(app) as client:
        assert client.get("/read").status_code == 200
        assert client.head("/read").status_code == 200
        assert client.options("/read").status_code == 200


def test_exempt_routes_functions_views_and_blueprints() -> None:
    app = make_app()

    @csrf_exempt
    class Webhook(View):
        async def post(self) -> str:
            return "view"

    app.route("/view")(Webhook)
    blog = Blueprint("blog", __name__, url_prefix="/blog")

    @blog.post("/ping")
    @csrf_exempt
    async def ping() -> str:
        return "pong"

    @blog.post("/guarded")
    async def guarded() -> str:
        return "guarded"

    app.register(blog)
    with TestClient(app) as client:
        assert client.post("/hook").text == "hooked"
        assert client.post("/hook2").text == "hooked too"
        assert client.post("/view").text == "view"
        assert client.post("/blog/ping").text == "pong"
        assert client.post("/blog/guarded").status_code == 403


def test_bearer_authenticated_requests_skip_the_check() -> None:
    app = make_app()

    class BearerMarker:  # what the auth battery's token authentication does
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                for name, value in scope["headers"]:
                    if name == b"authorization" and value.startswith(b"Bearer "):
                        scope["trellis.auth"] = "bearer"
            await self.inner(scope, receive, send)

    app.add_middleware(BearerMarker)
    with TestClient(app) as client:
        with_token = client.post("/api", json={"a": 1}, headers={"Authorization": "Bearer t"})
        assert with_token.status_code == 200
        assert client.post("/api", json={"a": 1}).status_code == 403


# --- Origin and Referer --------------------------------------------------------------------------


def https_client(app: App) -> TestClient:
    return TestClient(app, base_url="https://example.com")


def test_https_needs_an_origin_or_referer_from_this_site() -> None:
    app = make_app()
    with https_client(app) as client:
        token = token_of(client)
        headers = {"X-CSRFToken": token}
        cases = [
            ({"Origin": "https://example.com"}, 200),
            ({"Origin": "https://evil.example.net"}, 403),
            ({"Origin": "http://example.com"}, 403),  # a downgraded page of the same host
            ({"Origin": "null"}, 403),
            ({"Referer": "https://example.com/form"}, 200),
            ({"Referer": "https://evil.example.net/form"}, 403),
            ({"Referer": "http://example.com/form"}, 403),
            ({"Referer": "https://[broken/form"}, 403),  # unparsable: refused, not a 500
            ({"Origin": "https://[broken"}, 403),
            ({}, 403),  # neither header on HTTPS
        ]
        for extra, status in cases:
            response = client.post("/submit", headers={**headers, **extra})
            assert response.status_code == status, extra
            if status == 403:
                assert "CSRF check failed" in response.text
        assert (
            "another site (https://evil.example.net)"
            in client.post(
                "/submit", headers={**headers, "Origin": "https://evil.example.net"}
            ).text
        )
        assert "neither an Origin nor a Referer" in client.post("/submit", headers=headers).text


def test_a_wrong_origin_is_refused_even_with_the_right_token_on_http() -> None:
    with TestClient(make_app()) as client:
        token = token_of(client)
        headers = {"X-CSRFToken": token, "Origin": "http://evil.test"}
        response = client.post("/submit", headers=headers)
        assert response.status_code == 403
        assert "another site" in response.text
        same = {"X-CSRFToken": token, "Origin": "http://testserver"}
        assert client.post("/submit", headers=same).status_code == 200
        # behind a TLS proxy the app may see http while the browser says https
        proxied = {"X-CSRFToken": token, "Origin": "https://testserver"}
        assert client.post("/submit", headers=proxied).status_code == 200
        assert client.post("/submit", headers={"X-CSRFToken": token}).status_code == 200


def test_trusted_origins_with_wildcards() -> None:
    app = make_app(CSRF(trusted_origins=["https://admin.example.org", "https://*.example.net"]))
    with https_client(app) as client:
        token = token_of(client)
        for origin, status in [
            ("https://admin.example.org", 200),
            ("https://www.example.org", 403),
            ("https://a.example.net", 200),
            ("https://a.b.example.net", 200),
            ("https://example.net", 200),
            ("https://badexample.net", 403),
            ("http://a.example.net", 403),
        ]:
            response = client.post("/submit", headers={"X-CSRFToken": token, "Origin": origin})
            assert response.status_code == status, origin


def test_options_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRELLIS_CSRF_HEADER_NAME", "X-XSRF")
    monkeypatch.setenv("TRELLIS_CSRF_FIELD_NAME", "_token")
    monkeypatch.setenv("TRELLIS_CSRF_TRUSTED_ORIGINS", '["https://partner.test"]')
    app = make_app()
    with https_client(app) as client:
        token = token_of(client)
        origin = {"Origin": "https://partner.test"}
        assert client.post("/submit", headers={**origin, "X-XSRF": token}).status_code == 200
        assert client.post("/submit", headers={**origin, "X-CSRFToken": token}).status_code == 403
        form = client.post("/submit", headers=origin, data={"_token": token, "name": "f"})
        assert form.json()["name"] == "f"


def test_bad_trusted_origins_fail_at_install() -> None:
    with pytest.raises(ConfigurationError, match="scheme and host"):
        make_app(CSRF(trusted_origins=["example.com"]))


def test_csrf_brings_sessions_and_refuses_a_weak_key() -> None:
    app = make_app()
    assert isinstance(app.installed(Sessions), Sessions)
    with pytest.raises(ConfigurationError, match="CSRF protection needs a secret key"):
        App(settings=Settings(secret_key="secret")).install(CSRF())


def test_login_renews_the_csrf_secret() -> None:
    app = make_app()

    @app.post("/login")
    async def login(request: Request) -> str:
        request.session.cycle_key()
        return "in"

    with TestClient(app) as client:
        before = token_of(client)
        assert client.post("/login", headers={"X-CSRFToken": before}).text == "in"
        refused = client.post("/submit", headers={"X-CSRFToken": before})
        assert refused.status_code == 403  # a token read before login is worthless after it
        assert client.post("/submit", headers={"X-CSRFToken": token_of(client)}).status_code == 200


def test_templates_get_csrf_input_and_csrf_token(tmp_path: Path) -> None:
    from trellis.templates import Templates

    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "form.html").write_text(
        '<form method="post" action="/submit">{{ csrf_input() }}</form>'
        '<meta name="csrf" content="{{ csrf_token() }}">'
    )
    app = make_app()
    app.root_path = tmp_path
    app.install(Templates())

    @app.get("/page")
    async def page() -> Template:
        return Template("form.html")

    import re

    with TestClient(app) as client:
        html = client.get("/page").text
        field = re.search(r'<input type="hidden" name="csrf_token" value="([\w-]+)">', html)
        meta = re.search(r'<meta name="csrf" content="([\w-]+)">', html)
        assert field is not None
        assert meta is not None
        assert field.group(1) != meta.group(1)  # masked separately
        for token in (field.group(1), meta.group(1)):
            ok = client.post("/submit", data={"csrf_token": token, "name": "t"})
            assert ok.json()["name"] == "t"


def test_one_battery_object_per_app() -> None:
    csrf = CSRF()
    make_app(csrf)
    with pytest.raises(ConfigurationError, match="another app"):
        make_app(csrf)
    app = make_app()
    with pytest.raises(ConfigurationError, match="installed on this app already"):
        app.install(CSRF())
