"""Exercise docs/examples/static_site.py: development serving, collectstatic, production URLs."""

from __future__ import annotations

import re
from pathlib import Path

from docs.examples import static_site as example

from trellis.staticfiles import StaticFiles
from trellis.testing import TestClient


def _links(page: str) -> list[str]:
    return re.findall(r'(?:href|src)="([^"]+)"', page)


def test_development_serves_plain_urls(tmp_path: Path) -> None:
    client = TestClient(example.create_app(root=tmp_path / "collected"))
    links = _links(client.get("/").text)
    assert links == ["/static/css/site.css", "/static/js/app.js", "/static/img/logo.svg"]
    for link in links:
        response = client.get(link)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-cache"
    css = client.get("/static/css/site.css").text
    assert "max-width: 40rem" in css  # the project's file, not the shop's hidden one
    assert client.get("/static/img/logo.svg").headers["content-type"] == "image/svg+xml"
    shop_links = _links(client.get("/shop/").text)
    assert shop_links == ["/static/shop/cart.js"]
    assert "export function total" in client.get(shop_links[0]).text


def test_collected_site_serves_hashed_compressed_files(tmp_path: Path) -> None:
    root = tmp_path / "collected"
    battery = example.create_app(root=root).installed(StaticFiles)
    assert battery is not None
    report = battery.collect()
    assert any("css/site.css" in w and "'shop'" in w for w in report.warnings)

    client = TestClient(example.create_app(root=root, debug=False))
    links = _links(client.get("/").text)
    assert all(re.search(r"\.[0-9a-f]{12}\.", link) for link in links), links
    css = client.get(links[0], headers={"Accept-Encoding": "br, gzip"})
    assert css.headers["content-encoding"] == "br"
    assert css.headers["cache-control"] == "public, max-age=31536000, immutable"
    # The stylesheet points at the hashed logo and the hashed base.css; data: URIs stay.
    assert re.search(r'url\("\.\./img/logo\.[0-9a-f]{12}\.svg"\)', css.text)
    assert re.search(r'@import "base\.[0-9a-f]{12}\.css";', css.text)
    assert "url(data:image/gif;base64," in css.text
    for link in links[1:]:
        assert client.get(link).status_code == 200
    assert not (Path(example.__file__).parent / "staticfiles").exists()
