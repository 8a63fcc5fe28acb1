"""The /docs page in a real browser (Debian's Chromium through Playwright), served offline.

The app runs under granian with ``docs_assets_dir`` pointing at a folder that holds a stand-in
for Swagger UI's two files: a script defining ``SwaggerUIBundle(config)`` that fetches the
document from ``config.url`` and writes its title and operation count into ``config.dom_id``,
and a style sheet.  What is checked is the page's own wiring — the script and style load from
the local folder, the UI is started with the document's URL, the document loads, and nothing is
fetched from anywhere but the app — which is what the page is responsible for.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.servers import free_port, running_server

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.server

APP = """
import os
from trellis import App
from trellis.openapi import OpenAPI

app = App()

@app.get("/hello/<int:n>")
async def hello(n: int, loud: bool = False) -> dict[str, int]:
    return {"n": n}

@app.post("/echo", status_code=201)
async def echo(body: dict[str, int]) -> dict[str, int]:
    return body

app.install(OpenAPI(title="Browser check", version="1.0", docs_assets_dir=os.environ["ASSETS"]))
"""

STAND_IN = """
window.SwaggerUIBundle = function (config) {
  const root = document.querySelector(config.dom_id);
  fetch(config.url).then((r) => r.json()).then((doc) => {
    const count = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0);
    root.innerHTML = "<h1>" + doc.info.title + " " + doc.info.version + "</h1>" +
      "<p class='ops'>" + count + " operations</p>";
  });
  return {};
};
"""


@pytest.fixture(scope="module")
def docs_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("docs-app")
    assets = folder / "assets"
    assets.mkdir()
    (assets / "swagger-ui-bundle.js").write_text(STAND_IN)
    (assets / "swagger-ui.css").write_text("h1 { color: rgb(0, 128, 0); }")
    (folder / "docs_app.py").write_text(APP)
    env = {**os.environ, "PYTHONPATH": f"{folder}{os.pathsep}{ROOT}", "ASSETS": str(assets)}
    port = free_port()
    argv = [sys.executable, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1"]
    argv += ["--port", str(port), "--workers", "1", "docs_app:app"]
    base = f"http://127.0.0.1:{port}"
    with running_server(argv, base_url=base, probe="/openapi.json", cwd=folder, env=env) as url:
        yield url


def test_the_docs_page_starts_the_ui_from_local_assets(docs_url: str) -> None:
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
            requested: list[str] = []
            page.on("request", lambda request: requested.append(request.url))
            page.goto(docs_url + "/docs")
            heading = page.locator("#swagger-ui h1")
            heading.wait_for(timeout=10_000)
            assert heading.text_content() == "Browser check 1.0"
            assert page.locator("#swagger-ui .ops").text_content() == "2 operations"
            colour = heading.evaluate("e => getComputedStyle(e).color")
            assert colour == "rgb(0, 128, 0)"
            assert all(url.startswith(docs_url) for url in requested), requested
            assert docs_url + "/docs/assets/swagger-ui-bundle.js" in requested
            assert docs_url + "/openapi.json" in requested
        finally:
            browser.close()
