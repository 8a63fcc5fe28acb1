"""Images made by Pillow for the tests: real files of each format, EXIF, bombs and fakes."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112
MAKE = 0x010F


def encoded(
    format: str,
    size: tuple[int, int] = (40, 30),
    *,
    mode: str = "RGB",
    color: Any = "red",
    **options: Any,
) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, format, **options)
    return out.getvalue()


def with_exif(format: str, size: tuple[int, int] = (40, 20), orientation: int = 1) -> bytes:
    """An image carrying a camera make, GPS coordinates and an orientation in its EXIF."""
    exif = Image.Exif()
    exif[MAKE] = "SpyCam"
    exif[ORIENTATION] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (48.0, 51.0, 29.0)
    image = Image.new("RGB", size, "blue")
    image.paste("yellow", (0, 0, size[0] // 2, size[1]))  # left half yellow: shows rotations
    extra = {"comment": b"shot at home"} if format == "JPEG" else {}
    out = io.BytesIO()
    image.save(out, format, exif=exif.tobytes(), **extra)
    return out.getvalue()


def animated(format: str, frames: int = 3, size: tuple[int, int] = (20, 20)) -> bytes:
    colors = ["red", "green", "blue", "white", "black"]
    images = [Image.new("RGB", size, colors[i % len(colors)]) for i in range(frames)]
    out = io.BytesIO()
    extra = {"comment": b"secret"} if format == "GIF" else {}
    images[0].save(
        out, format, save_all=True, append_images=images[1:], duration=50, loop=0, **extra
    )
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A tiny, valid-looking PNG whose header claims ``width`` x ``height`` pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + _chunk(b"IEND", b"")
    )


def png_bomb(width: int, height: int) -> bytes:
    """A *complete* greyscale PNG of zeros: a few hundred KB that decode to width*height bytes."""
    compressor = zlib.compressobj(9)
    row = b"\0" * (width + 1)  # filter byte + pixels
    parts = [compressor.compress(row) for _ in range(height)]
    data = b"".join(parts) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", data)
        + _chunk(b"IEND", b"")
    )


def opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))
