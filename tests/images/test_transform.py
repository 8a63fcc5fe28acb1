"""Thumbnails (sizes, fit, formats, orientation) and metadata stripping, on real encoded files."""

from __future__ import annotations

import io

import pytest
from PIL import Image as PILImage
from tests.images.samples import GPS_IFD, MAKE, animated, encoded, opened, with_exif

from trellis.images import Image, ImageRules


def image_of(data: bytes) -> Image:
    return Image.from_file(io.BytesIO(data))


@pytest.mark.parametrize(
    ("source", "box", "fit", "expected"),
    [
        ((400, 200), (100, 100), "contain", (100, 50)),
        ((200, 400), (100, 100), "contain", (50, 100)),
        ((400, 200), (100, 100), "cover", (100, 100)),
        ((400, 200), (160, 90), "cover", (160, 90)),
        ((50, 40), (100, 100), "contain", (50, 40)),  # never enlarged by default
        ((50, 40), (100, 100), "cover", (40, 40)),  # cropped to the box's shape, not enlarged
        ((3000, 2000), (300, 300), "contain", (300, 200)),  # big JPEG: decoded at reduced scale
    ],
)
def test_thumbnail_sizes(
    source: tuple[int, int], box: tuple[int, int], fit: str, expected: tuple[int, int]
) -> None:
    thumb = image_of(encoded("JPEG", source)).thumbnail(box, fit=fit)  # type: ignore[arg-type]
    assert (thumb.width, thumb.height) == expected
    assert opened(thumb.data).size == expected
    assert thumb.format == "JPEG"


def test_upscale_on_request() -> None:
    image = image_of(encoded("PNG", (50, 40)))
    assert image.thumbnail((100, 100), upscale=True).width == 100
    cover = image.thumbnail((100, 100), fit="cover", upscale=True)
    assert (cover.width, cover.height) == (100, 100)


def test_thumbnail_formats_and_flattening() -> None:
    transparent = encoded("PNG", (80, 80), mode="RGBA", color=(255, 0, 0, 0))
    jpeg = image_of(transparent).thumbnail((40, 40), format="jpg", quality=70)
    assert (jpeg.format, jpeg.content_type, jpeg.extension) == ("JPEG", "image/jpeg", ".jpg")
    assert opened(jpeg.data).getpixel((20, 20)) == (255, 255, 255)  # transparency on white
    png = image_of(transparent).thumbnail((40, 40))
    assert opened(png.data).mode == "RGBA"  # kept where the format allows it
    webp = image_of(encoded("JPEG", (80, 60))).thumbnail((40, 40), format="webp")
    assert opened(webp.data).format == "WEBP"


def test_a_gif_thumbnail_is_its_first_frame_as_png() -> None:
    thumb = image_of(animated("GIF", frames=3, size=(40, 40))).thumbnail((20, 20))
    assert thumb.format == "PNG"
    first = opened(thumb.data).convert("RGB")
    assert first.size == (20, 20)
    assert first.getpixel((10, 10)) == (255, 0, 0)


def test_thumbnails_follow_the_exif_orientation_and_drop_the_exif() -> None:
    # stored 40x20 with orientation 6 ("rotate 90 degrees clockwise to show"): upright it is 20x40
    thumb = image_of(with_exif("JPEG", (40, 20), orientation=6)).thumbnail((100, 100))
    assert (thumb.width, thumb.height) == (20, 40)
    result = opened(thumb.data)
    assert not result.getexif()
    assert "exif" not in result.info
    # the yellow left half of the stored image is the top half once upright
    top, bottom = result.convert("RGB").getpixel((10, 5)), result.convert("RGB").getpixel((10, 35))
    assert top[2] < 100 < bottom[2]  # yellow has no blue; blue has


def test_bad_thumbnail_sizes_are_refused() -> None:
    image = image_of(encoded("PNG"))
    with pytest.raises(ValueError, match="positive size"):
        image.thumbnail((0, 10))
    with pytest.raises(ValueError, match="contain/cover"):
        image.thumbnail((10, 10), fit="stretch")  # type: ignore[arg-type]


@pytest.mark.parametrize("format", ["JPEG", "PNG", "WEBP"])
def test_exif_and_gps_are_stripped(format: str) -> None:
    source = with_exif(format)
    before = opened(source).getexif()
    assert before[MAKE] == "SpyCam"
    assert before.get_ifd(GPS_IFD)
    clean = image_of(source).without_metadata()
    after = opened(clean.data)
    assert after.format == format
    assert not after.getexif()
    assert not after.getexif().get_ifd(GPS_IFD)
    assert "exif" not in after.info
    assert "comment" not in after.info
    assert b"SpyCam" not in clean.data


def test_stripping_applies_the_orientation_first() -> None:
    clean = image_of(with_exif("JPEG", (40, 20), orientation=6)).without_metadata()
    assert (clean.width, clean.height) == (20, 40)
    assert opened(clean.data).size == (20, 40)


def test_stripping_keeps_transparency_and_animation() -> None:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Jane at 12 Home Street")
    out = io.BytesIO()
    PILImage.new("RGBA", (10, 10), (0, 0, 255, 0)).save(out, "PNG", pnginfo=info)
    assert opened(out.getvalue()).info["Author"]
    clean = opened(image_of(out.getvalue()).without_metadata().data)
    assert "Author" not in clean.info
    assert clean.mode == "RGBA"
    assert clean.getpixel((5, 5))[3] == 0

    gif = image_of(animated("GIF", frames=3)).without_metadata()
    result = opened(gif.data)
    assert (result.format, result.n_frames) == ("GIF", 3)  # type: ignore[attr-defined]
    assert "comment" not in result.info
    webp = opened(image_of(animated("WEBP", frames=4)).without_metadata().data)
    assert webp.n_frames == 4  # type: ignore[attr-defined]


async def test_strip_metadata_rule_rewrites_the_upload_in_place() -> None:
    from trellis.http.datastructures import UploadFile

    source = with_exif("JPEG")
    upload = UploadFile.spooled(1024 * 1024, filename="me.jpg", content_type="image/jpeg")
    await upload.write(source)
    await upload.seek(0)
    image = await Image.from_upload(upload, ImageRules.make(strip_metadata=True), field="me")
    stored = await upload.read()
    assert stored == image.read()
    assert upload.size == len(stored) != len(source)
    assert b"SpyCam" not in stored
    assert not opened(stored).getexif()
    assert image.size == len(stored)
    await upload.close()


async def test_async_twins_give_the_same_result() -> None:
    image = image_of(with_exif("PNG", (60, 30)))
    thumb = await image.athumbnail((30, 30), fit="cover")
    assert (thumb.width, thumb.height) == (30, 30)
    clean = await image.awithout_metadata()
    assert clean.data == image.without_metadata().data
