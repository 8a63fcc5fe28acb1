"""A real browser (Debian's Chromium through Playwright) loads the example blog served by granian,
clicks the htmx "Load more" button and sees the new rows.

The blog runs on a temporary SQLite file, prepared the way ``make run`` prepares it: the
migrate command, then the demo loader, each in its own process.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.servers import free_port, running_server

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.server


# `trellis` with the battery commands added, whether or not the entry points are installed.
CLI = (
    "from trellis.cli import cli\n"
    "from trellis.db.cli import db\n"
    "cli.add_command(db)\n"
    "cli.main(prog_name='trellis')\n"
)


@pytest.fixture(scope="module")
def blog_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of a blog on a fresh database, migrated and holding the demo posts."""
    database = tmp_path_factory.mktemp("blog") / "blog.db"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TRELLIS_DEBUG": "1",
        "TRELLIS_DATABASE_URL": f"sqlite:///{database}",
    }
    env.pop("TRELLIS_APP", None)
    for command in (
        [sys.executable, "-c", CLI, "db", "migrate", "--app", "examples.blog.app:app"],
        [sys.executable, "-m", "examples.blog.demo"],
    ):
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr
    assert database.exists()
    return env


@pytest.fixture(scope="module")
def blog_url(blog_env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    argv = [sys.executable, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1"]
    argv += ["--port", str(port), "--workers", "1", "examples.blog.app:app"]
    base = f"http://127.0.0.1:{port}"
    with running_server(argv, base_url=base, probe="/blog/", cwd=ROOT, env=blog_env) as url:
        yield url


def test_load_more_appends_rows_in_a_real_browser(blog_url: str, tmp_path: Path) -> None:
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
        finally:
            browser.close()
