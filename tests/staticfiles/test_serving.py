"""Serving: validators, ranges, caching policy, precompressed siblings, HEAD."""

from __future__ import annotations

import gzip
from pathlib import Path

import brotli
import pytest
from tests.staticfiles.helpers import (
    APP_JS,
    LOGO,
    SITE_CSS,
    MakeApp,
    asgi_get,
    blueprint_with_static,
)

from trellis.staticfiles.serving import IMMUTABLE, choose_encoding, media_type_for
from trellis.testing import TestClient

PLAIN = {"Accept-Encoding": "identity"}


def test_serves_a_file_with_validators_and_its_type(make_app: MakeApp) -> None:
    client = TestClient(make_app())
    response = client.get("/static/css/site.css", headers=PLAIN)
    assert response.status_code == 200
    assert response.content == SITE_CSS
    assert response.headers["content-type"] == "text/css; charset=utf-8"
    assert response.headers["etag"].startswith('"')
    assert "last-modified" in response.headers
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["accept-ranges"] == "bytes"


def test_if_none_match_answers_304(make_app: MakeApp) -> None:
    client = TestClient(make_app())
    etag = client.get("/static/js/app.js").headers["etag"]
    again = client.get("/static/js/app.js", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    changed = client.get("/static/js/app.js", headers={"If-None-Match": '"other"'})
    assert changed.status_code == 200


def test_range_answers_206_with_those_bytes(make_app: MakeApp) -> None:
    client = TestClient(make_app())
    response = client.get("/static/img/logo.png", headers={"Range": "bytes=10-19", **PLAIN})
    assert response.status_code == 206
    assert response.content == LOGO[10:20]
    assert response.headers["content-range"] == f"bytes 10-19/{len(LOGO)}"


def test_head_sends_headers_without_body(make_app: MakeApp) -> None:
    client = TestClient(make_app())
    response = client.head("/static/js/app.js", headers=PLAIN)
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(len(APP_JS))


def test_other_methods_are_refused(make_app: MakeApp) -> None:
    client = TestClient(make_app())
    assert client.post("/static/js/app.js").status_code == 405


def test_max_age_for_plain_names(make_app: MakeApp) -> None:
    client = TestClient(make_app(max_age=60))
    assert client.get("/static/js/app.js").headers["cache-control"] == "public, max-age=60"


def test_not_served_outside_debug_without_a_manifest(make_app: MakeApp) -> None:
    client = TestClient(make_app(debug=False))
    assert client.get("/static/js/app.js").status_code == 404


def test_serve_true_serves_outside_debug(make_app: MakeApp) -> None:
    client = TestClient(make_app(debug=False, serve=True))
    assert client.get("/static/js/app.js").status_code == 200


def test_custom_url_path(make_app: MakeApp) -> None:
    client = TestClient(make_app(url_path="/assets/"))
    assert client.get("/assets/js/app.js").content == APP_JS
    assert client.get("/static/js/app.js").status_code == 404


# -- once collected --------------------------------------------------------------------------


@pytest.fixture
def collected(make_app: MakeApp) -> TestClient:
    make_app().extensions["staticfiles"].collect()
    return TestClient(make_app(debug=False))


def _hashed(client: TestClient, name: str) -> str:
    client.app.startup_freeze()  # type: ignore[attr-defined]
    manifest = client.app.extensions["staticfiles"].manifest  # type: ignore[attr-defined]
    return f"/static/{manifest.paths[name]}"


def test_hashed_names_are_immutable_and_plain_ones_are_not(collected: TestClient) -> None:
    hashed = collected.get(_hashed(collected, "js/app.js"), headers=PLAIN)
    assert hashed.status_code == 200
    assert hashed.content == APP_JS
    assert hashed.headers["cache-control"] == IMMUTABLE.decode()
    plain = collected.get("/static/js/app.js", headers=PLAIN)
    assert plain.headers["cache-control"] == "no-cache"


def test_brotli_preferred_over_gzip_when_equal(collected: TestClient) -> None:
    url = _hashed(collected, "js/app.js")
    response = collected.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert response.headers["content-encoding"] == "br"
    assert response.headers["vary"] == "Accept-Encoding"
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.content == APP_JS  # httpx decoded the brotli body


def test_gzip_when_brotli_is_refused_or_weighted_lower(collected: TestClient) -> None:
    url = _hashed(collected, "css/site.css")
    for accept in ("gzip", "br;q=0, gzip", "br;q=0.5, gzip;q=0.8", "x-gzip"):
        response = collected.get(url, headers={"Accept-Encoding": accept})
        assert response.headers["content-encoding"] == "gzip", accept
        assert response.headers["content-type"] == "text/css; charset=utf-8"


def test_identity_without_acceptable_coding(collected: TestClient) -> None:
    url = _hashed(collected, "css/site.css")
    for accept in ("identity", "gzip;q=0, br;q=0", "deflate"):
        response = collected.get(url, headers={"Accept-Encoding": accept})
        assert "content-encoding" not in response.headers, accept
        assert response.headers["vary"] == "Accept-Encoding"


async def test_compressed_bodies_are_the_sibling_files(collected: TestClient) -> None:
    app = collected.app
    url = _hashed(collected, "js/app.js").encode()
    status, headers, body = await asgi_get(
        app,  # type: ignore[arg-type]
        url,
        headers=[(b"accept-encoding", b"br")],
    )
    assert status == 200
    assert brotli.decompress(body) == APP_JS
    assert headers["content-length"] == str(len(body))
    status, headers, body = await asgi_get(
        app,  # type: ignore[arg-type]
        url,
        headers=[(b"accept-encoding", b"gzip")],
    )
    assert gzip.decompress(body) == APP_JS
    assert headers["content-encoding"] == "gzip"


def test_range_is_served_from_the_plain_file(collected: TestClient) -> None:
    url = _hashed(collected, "js/app.js")
    response = collected.get(url, headers={"Range": "bytes=0-6", "Accept-Encoding": "br, gzip"})
    assert response.status_code == 206
    assert "content-encoding" not in response.headers
    assert response.content == APP_JS[:7]


def test_incompressible_files_have_no_vary(collected: TestClient) -> None:
    response = collected.get(_hashed(collected, "img/logo.png"))
    assert "vary" not in response.headers
    assert "content-encoding" not in response.headers
    assert response.content == LOGO


def test_the_manifest_itself_is_not_served(collected: TestClient) -> None:
    assert collected.get("/static/staticfiles.json").status_code == 404


def test_production_serves_the_collected_root_only(make_app: MakeApp, project: Path) -> None:
    make_app().extensions["staticfiles"].collect()
    (project / "static" / "js" / "new.js").write_text("new")
    client = TestClient(make_app(debug=False))
    assert client.get("/static/js/new.js").status_code == 404
    debug_client = TestClient(make_app(debug=True))
    assert debug_client.get("/static/js/new.js").text == "new"


def test_found_files_are_remembered_outside_debug(make_app: MakeApp, project: Path) -> None:
    client = TestClient(make_app(debug=False, serve=True))
    assert client.get("/static/js/app.js").status_code == 200
    server = client.app.extensions["staticfiles"].server  # type: ignore[attr-defined]
    assert "js/app.js" in server._found
    assert client.get("/static/js/missing.js").status_code == 404
    assert "js/missing.js" not in server._found


# -- pure helpers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip, deflate, br", "br"),
        ("br;q=0.9, gzip", "gzip"),
        ("*", "br"),
        ("*;q=0.5, gzip;q=0.6", "gzip"),
        ("br;q=0, *", "gzip"),
        ("gzip;q=bad, br;q=2", None),
        ("", None),
        ("identity, gzip;q=0.5", None),
        ("GZIP", "gzip"),
    ],
)
def test_choose_encoding(header: str, expected: str | None) -> None:
    assert choose_encoding(header, ["br", "gzip"]) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("app.js", "text/javascript"),
        ("site.CSS", "text/css"),
        ("logo.svg", "image/svg+xml"),
        ("font.woff2", "font/woff2"),
        ("archive.tar.gz", "application/gzip"),
        ("data.json.br", "application/x-brotli"),
        ("unknown.zzz", "application/octet-stream"),
    ],
)
def test_media_type_for(name: str, expected: str) -> None:
    assert media_type_for(name) == expected


def test_blueprint_static_is_found_after_the_project(make_app: MakeApp, tmp_path: Path) -> None:
    blog = blueprint_with_static(
        tmp_path / "blog", "blog", {"blog/post.js": b"post", "js/app.js": b"hidden"}
    )
    client = TestClient(make_app(blueprints=(blog,)))
    assert client.get("/static/js/app.js").content == APP_JS
    assert client.get("/static/blog/post.js").content == b"post"
