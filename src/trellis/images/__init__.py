"""Image uploads (Pillow): checked to be real images, bounded in pixels, stripped, thumbnailed.

``avatar: Image = image_field("avatar")`` gives a handler an :class:`Image` whose bytes were
verified to be an image of an accepted format (from the content, never the file name), whose
pixel count was checked before anything was decoded (decompression bombs answer 413), and which
makes thumbnails and metadata-free copies.  Needs the ``images`` extra (Pillow).
"""

from __future__ import annotations

from trellis.optional import require

require("PIL", extra="images", feature="Image uploads (trellis.images)")

from trellis.images.battery import Images  # noqa: E402
from trellis.images.fields import ImageField, image_field  # noqa: E402
from trellis.images.formats import DEFAULT_FORMATS  # noqa: E402
from trellis.images.image import Image  # noqa: E402
from trellis.images.transform import Fit, Rendition  # noqa: E402
from trellis.images.verify import (  # noqa: E402
    DEFAULT_MAX_PIXELS,
    ImageRules,
    ImageTooLarge,
    InvalidImage,
)

__all__ = [
    "DEFAULT_FORMATS",
    "DEFAULT_MAX_PIXELS",
    "Fit",
    "Image",
    "ImageField",
    "ImageRules",
    "ImageTooLarge",
    "Images",
    "InvalidImage",
    "Rendition",
    "image_field",
]
