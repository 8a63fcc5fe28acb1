"""Runs the docs/csrf.md example: the form, the header, the exempt webhook, trusted origins."""

from __future__ import annotations

import re

from docs.examples.csrf import create_app

from trellis.conf import Settings
from trellis.testing import TestClient

KEY = "docs-csrf-key-0123456789-abcdefghijklmnopqrstuvwxyz"
SETTINGS = {"secret_key": KEY, "allowed_hosts": ["testserver", "example.com"]}


def tokens(client: TestClient) -> tuple[str, str]:
    page = client.get("/").text
    field = re.search(r'<input type="hidden" name="csrf_token" value="([\w-]+)">', page)
    meta = re.search(r'<meta name="csrf-token" content="([\w-]+)">', page)
    assert field is not None
    assert meta is not None
    return field.group(1), meta.group(1)


def test_the_form_the_header_and_the_webhook() -> None:
    with TestClient(create_app(Settings(**SETTINGS))) as client:
        field, header = tokens(client)
        forged = client.post("/notes", data={"note": "from elsewhere"})
        assert forged.status_code == 403
        assert "carries no CSRF token" in forged.text
        added = client.post("/notes", data={"note": "<b>milk</b>", "csrf_token": field})
        assert added.status_code == 302
        assert "<li>&lt;b&gt;milk&lt;/b&gt;</li>" in client.get("/").text
        assert client.delete("/api/notes").status_code == 403
        cleared = client.delete("/api/notes", headers={"X-CSRFToken": header})
        assert cleared.json() == {"cleared": True}
        assert "<li>" not in client.get("/").text
        webhook = client.post("/webhooks/payment", json={"type": "paid"})
        assert webhook.json() == {"received": "paid"}


def test_over_https_the_origin_must_be_this_site_or_trusted() -> None:
    app = create_app(Settings(**SETTINGS))
    with TestClient(app, base_url="https://example.com") as client:
        field, _ = tokens(client)
        data = {"note": "n", "csrf_token": field}
        for origin, status in [
            ("https://example.com", 302),
            ("https://admin.example.com", 302),
            ("https://evil.example", 403),
        ]:
            response = client.post("/notes", data=data, headers={"Origin": origin})
            assert response.status_code == status, origin
