"""docs/uploads.md: an avatar checked as an image, stored without metadata, with a thumbnail.

Run it with ``trellis run docs.examples.uploads:app``; files land in ``media/`` and are served
under ``/media``.
"""

from __future__ import annotations

import os

from trellis import App, UploadFile
from trellis.images import Image, Images, image_field
from trellis.storage import MediaFiles, Storage, upload_field

MiB = 1024 * 1024


def create_app(media_root: str | os.PathLike[str] = "media") -> App:
    app = App()
    app.install(MediaFiles(root=media_root))  # LocalStorage in media/, served under /media
    app.install(Images(max_pixels=40_000_000))  # the app's default for every image field

    @app.post("/avatar")
    async def avatar(
        storage: Storage,
        avatar: Image = image_field(
            "avatar", formats=["jpeg", "png", "webp"], max_size=5 * MiB, strip_metadata=True
        ),
    ) -> dict[str, object]:
        # the upload is a real JPEG, PNG or WebP, within 40 megapixels and 5 MiB, and its EXIF
        # (GPS position, camera serial number...) is already gone
        original = await storage.asave(
            storage.generate_name(folder="avatars", extension=avatar.extension), avatar.file
        )
        thumb = await avatar.athumbnail((128, 128), fit="cover", format="webp", quality=80)
        small = await storage.asave(
            storage.generate_name(folder="avatars/128", extension=thumb.extension), thumb.data
        )
        return {
            "format": avatar.format,
            "width": avatar.width,
            "height": avatar.height,
            "original": storage.url(original),
            "thumbnail": storage.url(small),
        }

    @app.post("/documents")
    async def document(
        storage: Storage,
        doc: UploadFile = upload_field("doc", max_size=10 * MiB, content_types=["application/pdf"]),
    ) -> dict[str, str]:
        # a random name: nothing of the client's file name but its (cleaned) extension is kept
        name = await storage.asave(storage.generate_name(doc.filename, folder="docs"), doc)
        return {"url": storage.url(name)}

    return app


app = create_app()
