"""A real browser (Debian's Chromium through Playwright) against the docs/csrf.md example on granian.

The form with ``csrf_input`` posts and the note appears; the ``fetch()`` call sends the token in
``X-CSRFToken`` and clears the list; a page on another site that submits a form to the app by
itself (the attack CSRF protection exists for) gets the 403 page and changes nothing.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from tests.support.servers import free_port, running_server

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TRELLIS_DEBUG": "0",
        "TRELLIS_SECRET_KEY": "browser-test-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "TRELLIS_ALLOWED_HOSTS": json.dumps(["127.0.0.1"]),
    }
    argv = [sys.executable, "-m", "granian", "--interface", "asgi", "--factory"]
    argv += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    argv += ["docs.examples.csrf:create_app"]
    base = f"http://127.0.0.1:{port}"
    with running_server(argv, base_url=base, probe="/", cwd=ROOT, env=env) as url:
        yield url


@pytest.fixture
def attacker_url(app_url: str) -> Iterator[str]:
    """A page on another site (``localhost`` is not ``127.0.0.1``) that posts to the app."""
    page = (
        "<!doctype html><title>Win a prize</title>"
        f'<form id="f" method="post" action="{app_url}/notes">'
        '<input name="note" value="pwned"></form>'
        "<script>document.getElementById('f').submit()</script>"
    ).encode()

    class Attacker(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Attacker)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_forms_and_fetch_pass_and_a_cross_site_form_is_refused(
    app_url: str, attacker_url: str
) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            "Debian's chromium is missing: `make test` installs it (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            context = browser.new_context()
            page = context.new_page()
            page.goto(app_url + "/")
            page.get_by_label("Note").fill("buy milk")
            page.get_by_role("button", name="Add").click()
            page.wait_for_selector("#notes li")
            assert page.locator("#notes li").all_inner_texts() == ["buy milk"]

            page.get_by_role("button", name="Clear with fetch()").click()
            page.wait_for_function("document.querySelectorAll('#notes li').length === 0")
            page.reload()
            assert page.locator("#notes li").count() == 0  # cleared on the server too

            page.get_by_label("Note").fill("keep me")
            page.get_by_role("button", name="Add").click()
            page.wait_for_selector("#notes li")

            attack = context.new_page()  # same browser, same cookies
            attack.goto(attacker_url)
            attack.wait_for_url(app_url + "/notes")
            assert "403" in attack.title()
            assert "comes from another site" in attack.inner_text("body")

            page.reload()
            assert page.locator("#notes li").all_inner_texts() == ["keep me"]
        finally:
            browser.close()
