"""``make run`` for real, then a real browser (Debian's Chromium through Playwright) on the blog.

The commands are read from the Makefile's ``run`` recipe and run as they are, on a fresh SQLite
file in a temporary folder (``TRELLIS_DATABASE_URL``) and with no secret key in the environment,
as on a fresh clone: the migrate command, the demo loader, then ``trellis run`` (on a free port,
without the reloader: files change under a test suite).  Then Chromium clicks the htmx "Load
more" button, and a reader signs up, logs out, logs in, writes a post and a comment, logs out
and is refused the new-post page again.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.support.servers import free_port, running_server

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "typed in Chromium"
pytestmark = pytest.mark.server


def make_run_recipe() -> list[str]:
    """The commands of the Makefile's ``run`` target, ``$(BIN)`` being this Python's folder."""
    lines = (ROOT / "Makefile").read_text().splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("run:"))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(line[1:].replace("$(BIN)", str(Path(sys.executable).parent)))
    return recipe


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The blog as ``make run`` serves it: its URL, and what the set-up commands printed."""
    *setup, serve = make_run_recipe()
    assert len(setup) == 2, setup
    assert "trellis run --app examples.blog.app:app" in serve
    assert "--port 8000" in serve
    database = tmp_path_factory.mktemp("blog") / "blog.db"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("TRELLIS_APP", "TRELLIS_DEBUG", "TRELLIS_SECRET_KEY")
    }
    env["TRELLIS_DATABASE_URL"] = f"sqlite:///{database}"
    printed = ""
    for command in setup:
        done = subprocess.run(
            command, shell=True, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stdout + done.stderr
        printed += done.stdout
    assert database.exists()
    port = free_port()
    serve = serve.replace("--port 8000", f"--port {port}") + " --no-reload"
    base = f"http://127.0.0.1:{port}"
    argv = ["/bin/sh", "-c", f"exec {serve}"]
    with running_server(argv, base_url=base, probe="/health/live", cwd=ROOT, env=env) as url:
        yield url, printed


@pytest.fixture(scope="module")
def blog_url(made: tuple[str, str]) -> str:
    return made[0]


def test_make_run_serves_the_blog_with_demo_data_and_static_files(made: tuple[str, str]) -> None:
    url, printed = made
    assert "Loaded 45 demo posts" in printed
    assert "alice    wonderland-2026" in printed  # the demo accounts, with their passwords
    home = httpx.get(url + "/")
    assert (home.status_code, home.headers["location"]) == (302, "/blog/")
    page = httpx.get(url + "/blog/")
    assert page.status_code == 200
    assert page.text.count('class="post-row"') == 10
    assert '<p class="demo-accounts">' in page.text  # debug: the footer lists them too
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text)
    assert sorted(assets) == ["/static/css/site.css", "/static/js/htmx.min.js"]
    for asset in assets:
        answer = httpx.get(url + asset)
        assert answer.status_code == 200
        assert answer.headers["content-type"].split(";")[0] in ("text/css", "text/javascript")
    ready = httpx.get(url + "/health/ready")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ok"
    assert set(ready.json()["checks"]) == {"database:default", "migrations:default"}


@pytest.fixture
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            "Debian's chromium is missing: `make test` installs it (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield chromium
        finally:
            chromium.close()


def test_load_more_appends_rows_in_a_real_browser(
    blog_url: str, browser: Any, tmp_path: Path
) -> None:
    page = browser.new_page()
    page.goto(blog_url + "/blog/")
    rows = page.locator("tr.post-row")
    assert rows.count() == 10
    color = page.eval_on_selector("header.site", "e => getComputedStyle(e).backgroundColor")
    assert color == "rgb(29, 42, 51)"  # the stylesheet from static() was applied
    page.get_by_role("button", name="Load more").click()
    page.wait_for_function("document.querySelectorAll('tr.post-row').length === 20")
    assert rows.count() == 20
    assert page.locator("#load-more button").count() == 1  # the button moved down
    page.screenshot(path=str(tmp_path / "blog.png"))


def test_sign_up_log_in_write_log_out_in_a_real_browser(
    blog_url: str, browser: Any, tmp_path: Path
) -> None:
    page = browser.new_page()
    login_page = re.compile(r".*/auth/login\?next=%2Fblog%2Fnew$")

    # Anonymous: the new-post page sends the browser to log in; sign up from there instead.
    page.goto(blog_url + "/blog/new")
    page.wait_for_url(login_page)
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Username").fill("reader")
    page.get_by_label("E-mail").fill("reader@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(re.compile(r".*/blog/new$"))  # signed up, logged in, and sent on
    assert page.locator("header .who").inner_text() == "reader"

    # Log out, then in again through the login page.
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r".*/blog/$"))
    page.goto(blog_url + "/blog/new")
    page.wait_for_url(login_page)
    page.get_by_label("Username").fill("reader")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # The protected page: the new-post form.  Publish a post.
    page.wait_for_url(re.compile(r".*/blog/new$"))
    assert page.locator("h1").inner_text() == "New post"
    page.get_by_label("Title").fill("Written in Chromium")
    page.get_by_label("Body").fill("Typed by a real browser.")
    page.get_by_label("Tags").fill("browsers, htmx")
    page.get_by_role("button", name="Publish").click()
    page.wait_for_url(re.compile(r".*/blog/\d+/written-in-chromium$"))
    assert page.locator("p.flash").inner_text() == "Your post is published."
    assert page.locator("article h1").inner_text() == "Written in Chromium"
    assert page.locator("article .author").inner_text() == "reader"
    assert page.get_by_role("link", name="Edit this post").count() == 1

    # A comment through htmx (the token in its X-CSRFToken header): no page load.
    page.evaluate("window.stillHere = true")
    page.get_by_label("Comment").fill("First!")
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_function("document.querySelectorAll('.comment').length === 1")
    assert page.locator("#comments h2").inner_text() == "1 comment"
    assert page.evaluate("window.stillHere") is True
    assert page.get_by_label("Comment").input_value() == ""  # a fresh form
    page.screenshot(path=str(tmp_path / "post.png"))

    # Log out: the page is refused again.
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r".*/blog/$"))
    assert page.get_by_role("link", name="Log in").count() == 1
    page.goto(blog_url + "/blog/new")
    page.wait_for_url(login_page)
    assert page.locator("h1").inner_text() == "Log in"
