"""The example of docs/uploads.md: avatars checked, stripped, thumbnailed, stored and served."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from docs.examples.uploads import create_app
from PIL import Image as PILImage
from tests.images.samples import encoded, png_bomb, with_exif

from trellis.testing import TestClient

JSON = {"accept": "application/json"}


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return TestClient(create_app(tmp_path / "media"))


def test_an_avatar_is_stored_without_metadata_with_a_thumbnail(
    client: TestClient, tmp_path: Path
) -> None:
    photo = with_exif("JPEG", (640, 480))
    response = client.post("/avatar", files={"avatar": ("../../selfie.png", photo, "image/png")})
    assert response.status_code == 200
    saved = response.json()
    assert (saved["format"], saved["width"], saved["height"]) == ("JPEG", 640, 480)
    assert saved["original"].startswith("/media/avatars/")
    assert saved["original"].endswith(".jpg")  # from the bytes, not the client's ".png"
    assert "selfie" not in saved["original"]

    original = client.get(saved["original"])
    assert original.headers["content-type"] == "image/jpeg"
    stored = PILImage.open(io.BytesIO(original.content))
    assert stored.size == (640, 480)
    assert not stored.getexif()
    assert b"SpyCam" not in original.content

    thumb = client.get(saved["thumbnail"])
    assert thumb.headers["content-type"] == "image/webp"
    small = PILImage.open(io.BytesIO(thumb.content))
    assert (small.format, small.size) == ("WEBP", (128, 128))
    assert len(list((tmp_path / "media" / "avatars").rglob("*.*"))) == 2


def test_what_is_not_an_acceptable_avatar(client: TestClient) -> None:
    fake = client.post(
        "/avatar", files={"avatar": ("me.png", b"GIF89a... not really", "image/png")}
    )
    assert fake.status_code == 422
    assert fake.json()["errors"][0]["field"] == "avatar"
    gif = client.post("/avatar", files={"avatar": ("me.gif", encoded("GIF"), "image/gif")})
    assert gif.status_code == 422
    bomb = client.post(
        "/avatar", files={"avatar": ("me.png", png_bomb(8_000, 8_000), "image/png")}, headers=JSON
    )
    assert bomb.status_code == 413
    assert "the limit is 40000000 pixels" in bomb.json()["detail"]
    heavy = client.post(
        "/avatar",
        files={"avatar": ("me.png", encoded("PNG") + b"\0" * (5 * 1024 * 1024), "image/png")},
        headers=JSON,
    )
    assert heavy.status_code == 413


def test_documents_keep_only_a_cleaned_extension(client: TestClient) -> None:
    sent = {"doc": ("Q3 report (final).PDF", b"%PDF-1.7 ...", "application/pdf")}
    url = client.post("/documents", files=sent).json()["url"]
    assert url.startswith("/media/docs/")
    assert url.endswith(".pdf")
    served = client.get(url)
    assert served.content == b"%PDF-1.7 ..."
    assert served.headers["content-type"] == "application/pdf"
    wrong = client.post("/documents", files={"doc": ("x.html", b"<script>", "text/html")})
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["type"] == "content_type"
