"""Whether bytes are accepted as an image: format from content, pixel limits before decoding."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image as PILImage
from tests.images.samples import animated, encoded, png_bomb, png_claiming

from trellis.exceptions import ConfigurationError
from trellis.http.datastructures import UploadFile
from trellis.images import Image, ImageRules, ImageTooLarge, InvalidImage


def check(data: bytes, **rules: object) -> Image:
    return Image.from_file(io.BytesIO(data), ImageRules.make(**rules), field="pic")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("format", "content_type", "extension"),
    [
        ("PNG", "image/png", ".png"),
        ("JPEG", "image/jpeg", ".jpg"),
        ("GIF", "image/gif", ".gif"),
        ("WEBP", "image/webp", ".webp"),
    ],
)
def test_real_images_of_each_default_format(format: str, content_type: str, extension: str) -> None:
    image = check(encoded(format, (40, 30)))
    assert (image.format, image.width, image.height) == (format, 40, 30)
    assert (image.content_type, image.extension, image.frames) == (content_type, extension, 1)


def test_format_comes_from_the_bytes_not_the_name_or_type() -> None:
    upload = UploadFile(io.BytesIO(encoded("JPEG")), filename="cat.png", content_type="image/png")
    upload.size = len(upload.file.getvalue())  # type: ignore[attr-defined]
    image = Image.from_file(upload.file, filename=upload.filename)
    assert image.format == "JPEG"
    assert image.extension == ".jpg"
    assert image.filename == "cat.png"


@pytest.mark.parametrize(
    "data",
    [
        b"just some text, renamed avatar.png",
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n",
        b"",
    ],
)
def test_things_that_are_not_images_are_422(data: bytes) -> None:
    with pytest.raises(InvalidImage) as caught:
        check(data)
    assert caught.value.status_code == 422
    assert caught.value.errors == [
        {
            "location": "file",
            "field": "pic",
            "message": "The file is not an image in an accepted format (GIF, JPEG, PNG, WEBP)",
            "type": "image_format",
        }
    ]


def test_a_real_image_of_a_format_not_accepted_is_422() -> None:
    with pytest.raises(InvalidImage) as caught:
        check(encoded("GIF"), formats=["png", "jpg"])
    assert caught.value.kind == "image_format"
    assert "(JPEG, PNG)" in caught.value.message
    assert check(encoded("PNG"), formats="png,jpg").format == "PNG"


def test_formats_pillow_cannot_read_are_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="HEIF"):
        ImageRules.make(formats=["png", "heif-but-not-installed"])


def test_truncated_and_corrupt_images_are_422() -> None:
    jpeg = encoded("JPEG", (300, 200))
    with pytest.raises(InvalidImage) as caught:
        check(jpeg[: len(jpeg) // 2])
    assert caught.value.kind == "image_damaged"
    png = bytearray(encoded("PNG", (50, 50)))
    png[40] ^= 0xFF  # inside IDAT: the checksum no longer matches
    with pytest.raises(InvalidImage):
        check(bytes(png))


def test_a_header_claiming_50000_by_50000_pixels_is_413_without_decoding() -> None:
    with pytest.raises(ImageTooLarge) as caught:
        check(png_claiming(50_000, 50_000))
    assert caught.value.status_code == 413


def test_a_highly_compressed_large_png_is_413() -> None:
    bomb = png_bomb(10_000, 10_000)  # 100 megapixels in about 100 KB
    assert len(bomb) < 200_000
    with pytest.raises(ImageTooLarge) as caught:
        check(bomb)
    assert caught.value.status_code == 413


def test_our_pixel_limit_applies_below_pillows() -> None:
    with pytest.raises(ImageTooLarge) as caught:
        check(encoded("PNG", (100, 100)), max_pixels=9_999)
    assert caught.value.detail == "The image 'pic' is 100x100 pixels; the limit is 9999 pixels"
    assert check(encoded("PNG", (100, 100)), max_pixels=10_000).width == 100


def test_every_frame_of_an_animation_counts() -> None:
    data = animated("GIF", frames=5, size=(20, 20))  # 2000 pixels in all
    assert check(data, max_pixels=2_000).frames == 5
    with pytest.raises(ImageTooLarge, match="in 5 frames"):
        check(data, max_pixels=1_999)


async def test_from_upload_checks_the_byte_size_first() -> None:
    data = encoded("PNG", (64, 64))
    upload = UploadFile(io.BytesIO(data), filename="a.png", size=len(data))
    with pytest.raises(ImageTooLarge, match="larger than 10 bytes"):
        await Image.from_upload(upload, ImageRules.make(max_size=10), field="pic")
    image = await Image.from_upload(upload, ImageRules.make(max_size=len(data)), field="pic")
    assert (image.width, image.upload) == (64, upload)


def test_raising_the_limit_above_pillows_raises_pillows_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from trellis.images.fields import ImageField

    monkeypatch.setattr(PILImage, "MAX_IMAGE_PIXELS", 1_000)
    with pytest.raises(ImageTooLarge):
        check(encoded("PNG", (100, 100)), max_pixels=20_000)  # Pillow's own guard refuses it
    ImageField("pic", ImageRules.make(max_pixels=20_000))  # configuring a field raises Pillow's
    assert PILImage.MAX_IMAGE_PIXELS == 20_000
    assert check(encoded("PNG", (100, 100)), max_pixels=20_000).width == 100


@pytest.mark.parametrize("format", ["PNG", "JPEG", "GIF", "WEBP"])
def test_fuzzed_images_are_accepted_or_refused_never_an_error(format: str) -> None:
    rng = random.Random(format)
    original = bytearray(encoded(format, (32, 24)))
    outcomes = set()
    for _ in range(300):
        data = bytearray(original)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.3:
            data = data[: rng.randrange(len(data))]
        try:
            check(bytes(data))
            outcomes.add(200)
        except (InvalidImage, ImageTooLarge) as exc:
            outcomes.add(exc.status_code)
    assert outcomes <= {200, 413, 422}
    assert 422 in outcomes
