"""Every way out of the static folders answers 404, in debug and in production alike."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.staticfiles.helpers import SITE_CSS, MakeApp, asgi_get

from trellis import App


@pytest.fixture(params=[True, False], ids=["debug", "production"])
def app(request: pytest.FixtureRequest, make_app: MakeApp, project: Path) -> App:
    static = project / "static"
    os.symlink(project / "secret.txt", static / "leak.txt")
    os.symlink(project, static / "outside")
    os.symlink(static / "css" / "site.css", static / "alias.css")
    return make_app(debug=request.param, serve=True)


async def _status(app: App, raw: bytes, path: str | None = None) -> tuple[int, bytes]:
    status, _, body = await asgi_get(app, raw, path=path)
    return status, body


async def test_control_a_real_file_is_served(app: App) -> None:
    assert await _status(app, b"/static/css/site.css") == (200, SITE_CSS)


async def test_symlink_inside_the_folder_is_followed(app: App) -> None:
    assert await _status(app, b"/static/alias.css") == (200, SITE_CSS)


ATTACKS = [
    pytest.param(b"/static/../secret.txt", id="dot-dot"),
    pytest.param(b"/static/css/../../secret.txt", id="nested-dot-dot"),
    pytest.param(b"/static/%2e%2e/secret.txt", id="encoded-dot-dot"),
    pytest.param(b"/static/%2E%2E/%2e%2e/secret.txt", id="encoded-dot-dot-upper"),
    pytest.param(b"/static/..%2fsecret.txt", id="dot-dot-encoded-slash"),
    pytest.param(b"/static/css%2fsite.css", id="encoded-slash"),
    pytest.param(b"/static/css%2Fsite.css", id="encoded-slash-upper"),
    pytest.param(b"/static/css\\site.css", id="backslash"),
    pytest.param(b"/static/..\\secret.txt", id="backslash-dot-dot"),
    pytest.param(b"/static/css%5csite.css", id="encoded-backslash"),
    pytest.param(b"/static//etc/passwd", id="absolute"),
    pytest.param(b"/static/%2fetc/passwd", id="encoded-absolute"),
    pytest.param(b"/static/css/site.css%00", id="nul"),
    pytest.param(b"/static/css/site.css%00.png", id="nul-suffix"),
    pytest.param(b"/static/leak.txt", id="symlink-to-file-outside"),
    pytest.param(b"/static/outside/secret.txt", id="symlink-to-folder-outside"),
    pytest.param(b"/static/css", id="directory"),
    pytest.param(b"/static/css/", id="directory-slash"),
    pytest.param(b"/static/", id="root"),
    pytest.param(b"/static/./css/site.css", id="dot-segment"),
    pytest.param(b"/static/css//site.css", id="empty-segment"),
    pytest.param(b"/static/.env", id="dotfile"),
    pytest.param(b"/static/%2eenv", id="encoded-dotfile"),
    pytest.param(b"/static/css/missing.css", id="unknown-file"),
]


@pytest.mark.parametrize("raw", ATTACKS)
async def test_attack_is_not_found(app: App, raw: bytes) -> None:
    status, body = await _status(app, raw)
    assert status == 404
    assert b"not public" not in body
    assert b"SECRET" not in body


async def test_absolute_file_system_path_is_not_found(app: App, project: Path) -> None:
    target = str(project / "secret.txt").encode()
    assert (await _status(app, b"/static/" + target))[0] == 404
    assert (await _status(app, b"/static" + target))[0] == 404


async def test_decoded_path_is_checked_even_if_raw_path_is_clean(app: App) -> None:
    # A server that hands over a decoded path without raw_path must not open a hole either.
    status, _ = await _status(app, b"/static/x", path="/static/../secret.txt")
    assert status == 404


async def test_directory_is_never_listed(app: App) -> None:
    status, body = await _status(app, b"/static/css/")
    assert status == 404
    assert b"site.css" not in body
