"""A real browser (Debian's Chromium through Playwright) signs up, logs in through the real login
page, sees a private page, logs out, and is refused the page again.  The site runs under granian
with CSRF protection on, so every form posts its token as a browser does.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.auth.support import AUTH_TABLES, SECRET
from tests.support.servers import free_port, running_server

from trellis import App
from trellis.db import Database, Model

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "typed in a real browser"
pytestmark = pytest.mark.server


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'browser.db'}"
    database = App().install(Database(url))
    Model.metadata.create_all(database.sync_engine(), tables=AUTH_TABLES)
    database.engines().dispose_sync()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TRELLIS_DATABASE_URL": url,
        "TRELLIS_SECRET_KEY": SECRET,
        "TRELLIS_AUTH_SYNC_PERMISSIONS": "false",
    }
    env.pop("TRELLIS_APP", None)
    port = free_port()
    argv = [sys.executable, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1"]
    argv += ["--port", str(port), "--workers", "1", "tests.auth.browser_app:app"]
    base = f"http://127.0.0.1:{port}"
    with running_server(argv, base_url=base, probe="/ready", cwd=ROOT, env=env) as served:
        yield served


def test_sign_up_log_in_log_out_in_chromium(site: str) -> None:
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
            page = browser.new_page()
            page.goto(site + "/private")  # anonymous: sent to the login page
            assert page.url == site + "/auth/login?next=%2Fprivate"
            page.click("text=Create an account")
            page.fill("#id_username", "grace")
            page.fill("#id_email", "grace@example.com")
            page.fill("#id_password1", PASSWORD)
            page.fill("#id_password2", PASSWORD)
            page.click("button[type=submit]")
            assert page.url == site + "/private"  # signed up, logged in, back where she was going
            assert page.inner_text("h1") == "Hello, grace"

            page.click("text=Log out")
            assert page.url == site + "/auth/login"
            page.goto(site + "/auth/login")
            page.fill("#id_username", "grace")
            page.fill("#id_password", "not the password")
            page.click("button[type=submit]")
            assert "Please enter a correct username and password." in page.inner_text(".errors")
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            assert page.url == site + "/private"
            assert page.inner_text("h1") == "Hello, grace"

            page.click("text=Log out")
            page.goto(site + "/private")
            assert page.url == site + "/auth/login?next=%2Fprivate"  # refused again
            assert page.title() == "Log in"
        finally:
            browser.close()
