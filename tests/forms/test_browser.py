"""A real browser (Debian's Chromium through Playwright) submits the docs example's entry form:
first with a slug that is taken, sees the error where a screen reader would announce it, then
fixes it and lands on the new entry.  The app runs under granian with CSRF on, so the token
round trip (cookie and hidden field) is the browser's own."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.forms.support import SECRET_KEY, settings
from tests.support.servers import free_port, running_server

from trellis.db import Database

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.server


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    from docs.examples import forms as example

    url = f"sqlite:///{tmp_path / 'forms.db'}"
    app = example.create_app(url, settings=settings())
    example.create_tables(app)
    database = Database.of(app)
    with database.session() as db:
        db.add_all([example.Blogger(name="Ada"), example.Blogger(name="Grace")])
        db.add(example.Entry(title="Taken", slug="taken", blogger_id=1))
    database.engines().dispose_sync()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TRELLIS_DEBUG": "1",
        "TRELLIS_DATABASE_URL": url,
        "TRELLIS_SECRET_KEY": SECRET_KEY,
    }
    port = free_port()
    argv = [sys.executable, "-m", "granian", "--interface", "asgi", "--factory"]
    argv += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    argv.append("docs.examples.forms:create_app")
    base = f"http://127.0.0.1:{port}"
    with running_server(argv, base_url=base, probe="/contact", cwd=ROOT, env=env) as running:
        yield running


def test_a_form_with_an_error_then_corrected(site: str, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            "Debian's chromium is missing: `make test` installs it (apt-get install chromium)"
        )
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page()
            page.goto(site + "/entries/new")
            page.get_by_label("Title").fill("Hello, forms")
            slug = page.get_by_label("Slug")
            slug.fill("taken")
            page.get_by_label("Blogger").select_option(label="Grace")
            page.get_by_role("button", name="Publish").click()

            # The same page again (422), with what was typed and the error tied to the field.
            expect(page.locator("#slug-errors")).to_have_text("This value is already taken.")
            expect(slug).to_have_attribute("aria-invalid", "true")
            expect(slug).to_have_accessible_description(
                "Letters, digits and dashes: it becomes the address This value is already taken."
            )
            expect(slug).to_have_value("taken")
            expect(page.get_by_label("Title")).to_have_value("Hello, forms")
            expect(page.get_by_label("Blogger")).to_have_value("2")
            page.screenshot(path=str(tmp_path / "form-error.png"))

            slug.fill("hello-forms")
            page.get_by_role("button", name="Publish").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Hello, forms")
            expect(page.locator(".address")).to_have_text("/hello-forms")
            assert page.url.startswith(site + "/entries/")
        finally:
            browser.close()
