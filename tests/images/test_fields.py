"""Image fields in handlers: 200 for real images, 422/413 in the problem shape, app defaults."""

from __future__ import annotations

from typing import Annotated

import pytest
from tests.images.samples import encoded, png_bomb, png_claiming, with_exif

from trellis import App, Depends
from trellis.conf import Settings
from trellis.images import Image, ImageRules, Images, image_field
from trellis.params import MISSING
from trellis.testing import TestClient

JSON = {"accept": "application/json"}
BOUNDARY = "b0undary"


def empty_file_input(name: str) -> bytes:
    """What a browser sends for a file input left empty: a file part with no name and no bytes."""
    return (
        f"--{BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="{name}"; filename=""\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
        f"\r\n--{BOUNDARY}--\r\n"
    ).encode()


def make_app(settings: Settings | None = None) -> App:
    app = App(settings=settings)

    @app.post("/avatar")
    async def avatar(avatar: Image = image_field("avatar")) -> dict[str, object]:
        return {
            "format": avatar.format,
            "size": [avatar.width, avatar.height],
            "type": avatar.content_type,
            "filename": avatar.filename,
        }

    @app.post("/strict")
    def strict(
        pic: Image = image_field("pic", formats=["png"], max_pixels=400, max_size=2_000),
    ) -> str:
        return pic.format

    @app.post("/clean")
    async def clean(photo: Image = image_field("photo", strip_metadata=True)) -> dict[str, object]:
        assert photo.upload is not None
        data = await photo.upload.read()
        return {"spy": b"SpyCam" in data, "size": photo.upload.size == len(data)}

    @app.post("/gallery")
    async def gallery(
        photos: list[Image] = image_field("photos", many=True),
        cover: Image | None = image_field("cover", required=False),
    ) -> dict[str, object]:
        return {"photos": [p.format for p in photos], "cover": cover and cover.format}

    return app


@pytest.fixture
def client() -> TestClient:
    return TestClient(make_app())


def test_a_real_image_is_given_to_the_handler(client: TestClient) -> None:
    sent = {"avatar": ("me.png", encoded("JPEG", (64, 48)), "image/png")}
    assert client.post("/avatar", files=sent).json() == {
        "format": "JPEG",
        "size": [64, 48],
        "type": "image/jpeg",  # from the bytes, not from what the client said
        "filename": "me.png",
    }


def test_a_text_file_named_png_is_422_naming_the_field(client: TestClient) -> None:
    response = client.post("/avatar", files={"avatar": ("me.png", b"not an image", "image/png")})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {
            "location": "file",
            "field": "avatar",
            "message": "The file is not an image in an accepted format (GIF, JPEG, PNG, WEBP)",
            "type": "image_format",
        }
    ]


@pytest.mark.parametrize("bomb", [png_claiming(50_000, 50_000), png_bomb(10_000, 10_000)])
def test_decompression_bombs_are_413_never_500(client: TestClient, bomb: bytes) -> None:
    response = client.post(
        "/avatar", files={"avatar": ("bomb.png", bomb, "image/png")}, headers=JSON
    )
    assert response.status_code == 413
    assert "pixels" in response.json()["detail"]


def test_missing_and_text_values_are_422(client: TestClient) -> None:
    missing = client.post("/avatar", files={"other": ("a.png", encoded("PNG"), "image/png")})
    assert missing.json()["errors"][0]["type"] == "missing"
    empty_input = client.post(
        "/avatar",
        content=empty_file_input("avatar"),
        headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    assert empty_input.json()["errors"][0]["type"] == "missing"
    text = client.post("/avatar", data={"avatar": "hello"}, files={"x": ("a", b"a")})
    assert text.status_code == 422
    assert text.json()["errors"][0]["type"] == "file_expected"


def test_per_field_rules(client: TestClient) -> None:
    ok = client.post("/strict", files={"pic": ("a.png", encoded("PNG", (20, 20)), "image/png")})
    assert (ok.status_code, ok.text) == (200, "PNG")
    gif = client.post("/strict", files={"pic": ("a.png", encoded("GIF", (20, 20)), "image/png")})
    assert gif.status_code == 422
    assert gif.json()["errors"][0]["message"].endswith("(PNG)")
    big = client.post("/strict", files={"pic": ("a.png", encoded("PNG", (21, 20)))}, headers=JSON)
    assert big.status_code == 413
    assert big.json()["detail"] == "The image 'pic' is 21x20 pixels; the limit is 400 pixels"
    heavy = encoded("PNG", (20, 20)) + b"\0" * 2_000  # trailing bytes count towards max_size
    too_heavy = client.post("/strict", files={"pic": ("a.png", heavy)}, headers=JSON)
    assert too_heavy.status_code == 413
    assert "larger than 2000 bytes" in too_heavy.json()["detail"]


def test_strip_metadata_on_arrival(client: TestClient) -> None:
    response = client.post("/clean", files={"photo": ("me.jpg", with_exif("JPEG"), "image/jpeg")})
    assert response.json() == {"spy": False, "size": True}


def test_many_and_optional(client: TestClient) -> None:
    files = [
        ("photos", ("a.png", encoded("PNG"), "image/png")),
        ("photos", ("b.gif", encoded("GIF"), "image/gif")),
    ]
    assert client.post("/gallery", files=files).json() == {
        "photos": ["PNG", "GIF"],
        "cover": None,
    }
    bad = [*files, ("photos", ("c.png", b"nope", "image/png"))]
    assert client.post("/gallery", files=bad).status_code == 422


def test_app_defaults_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRELLIS_IMAGES_FORMATS", '["png"]')
    monkeypatch.setenv("TRELLIS_IMAGES_MAX_PIXELS", "1000")
    client = TestClient(make_app())
    jpeg = client.post("/avatar", files={"avatar": ("a.jpg", encoded("JPEG"), "image/jpeg")})
    assert jpeg.json()["errors"][0]["message"].endswith("(PNG)")
    assert client.post("/avatar", files={"avatar": ("a", encoded("PNG", (40, 25)))}).is_success
    wide = client.post("/avatar", files={"avatar": ("a", encoded("PNG", (41, 25)))})
    assert wide.status_code == 413
    # the field's own rules still win over the app's
    assert client.post("/strict", files={"pic": ("a", encoded("PNG", (20, 20)))}).is_success


def test_app_defaults_from_the_battery() -> None:
    app = make_app()
    app.install(Images(formats=["gif"]))
    gif_only = TestClient(app)
    assert gif_only.post("/avatar", files={"avatar": ("a", encoded("GIF"))}).is_success
    assert gif_only.post("/avatar", files={"avatar": ("a", encoded("PNG"))}).status_code == 422


def test_the_parameter_hook_builds_the_same_dependency() -> None:
    # What the core will call for ``avatar: Image`` / ``Annotated[Image, ImageRules]``; used
    # through Depends here until handlers ask types for their dependency.
    rules = ImageRules.make(formats=["png"])
    required = Image.__trellis_parameter__("avatar", MISSING, (rules,))
    optional = Image.__trellis_parameter__("avatar", None, ())
    app = App()

    @app.post("/a")
    async def a(avatar: Image = Depends(required)) -> str:
        return avatar.format

    @app.post("/b")
    async def b(avatar: Image | None = Depends(optional)) -> str:
        return avatar.format if avatar else "none"

    client = TestClient(app)
    assert client.post("/a", files={"avatar": ("x", encoded("PNG"))}).text == "PNG"
    assert client.post("/a", files={"avatar": ("x", encoded("GIF"))}).status_code == 422
    assert client.post("/a", files={"other": ("x", encoded("PNG"))}).status_code == 422
    assert client.post("/b", files={"other": ("x", encoded("PNG"))}).text == "none"
    assert client.post("/b", files={"avatar": ("x", encoded("GIF"))}).text == "GIF"


def test_installing_twice_is_a_configuration_error() -> None:
    from trellis.exceptions import ConfigurationError

    app = App()
    app.install(Images())
    with pytest.raises(ConfigurationError, match="twice"):
        app.install(Images())


def test_a_bare_image_annotation_fills_itself() -> None:
    app = App()

    @app.post("/bare")
    async def bare(avatar: Image) -> str:
        return avatar.format

    @app.post("/ruled")
    async def ruled(avatar: Annotated[Image, ImageRules.make(formats=["png"])]) -> str:
        return avatar.format

    @app.post("/optional")
    async def optional(avatar: Image | None = None) -> str:
        return avatar.format if avatar else "none"

    client = TestClient(app)
    assert client.post("/bare", files={"avatar": ("x", encoded("GIF"))}).text == "GIF"
    assert client.post("/bare", files={"other": ("x", encoded("GIF"))}).status_code == 422
    assert client.post("/ruled", files={"avatar": ("x", encoded("PNG"))}).text == "PNG"
    assert client.post("/ruled", files={"avatar": ("x", encoded("GIF"))}).status_code == 422
    assert client.post("/optional", files={"other": ("x", encoded("PNG"))}).text == "none"
