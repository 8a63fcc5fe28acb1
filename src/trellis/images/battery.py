"""The ``Images`` battery: the app-wide defaults of image uploads."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from trellis.conf import setting
from trellis.exceptions import ConfigurationError
from trellis.images.formats import DEFAULT_FORMATS
from trellis.images.verify import DEFAULT_MAX_PIXELS, DEFAULT_RULES, ImageRules, allow_pixels

__all__ = ["Images", "rules_for"]


class Images:
    """Defaults for every image field of the app; each option left ``None`` comes from settings.

    ``formats`` (``images_formats``, default JPEG, PNG, GIF, WebP), ``max_pixels``
    (``images_max_pixels``, 50 million, all frames together), ``max_size`` (``images_max_size``
    in bytes; default none beyond ``max_upload_size``), ``strip_metadata``
    (``images_strip_metadata``, default false).  Installing it is optional: without it, image
    fields read the same settings on first use.
    """

    def __init__(
        self,
        *,
        formats: Iterable[str] | str | None = None,
        max_pixels: int | None = None,
        max_size: int | None = None,
        strip_metadata: bool | None = None,
    ) -> None:
        self._given = ImageRules.make(
            formats=formats, max_pixels=max_pixels, max_size=max_size, strip_metadata=strip_metadata
        )
        self.rules = self._given.with_defaults(DEFAULT_RULES)

    def configure(self, app: Any) -> None:
        settings = app.settings
        from_settings = ImageRules.make(
            formats=setting(settings, "images_formats", sorted(DEFAULT_FORMATS), list[str]),
            max_pixels=setting(settings, "images_max_pixels", DEFAULT_MAX_PIXELS),
            max_size=setting(settings, "images_max_size", None, int | None),
            strip_metadata=setting(settings, "images_strip_metadata", False),
        )
        self.rules = self._given.with_defaults(from_settings)
        assert self.rules.max_pixels is not None
        allow_pixels(self.rules.max_pixels)

    def install(self, app: Any) -> None:
        if isinstance(app.extensions.get("images"), Images):
            raise ConfigurationError("Images is installed twice on this app; install it once")
        self.configure(app)
        app.extensions["images"] = self


def rules_for(app: Any) -> ImageRules:
    """The app's image defaults: its ``Images`` battery, else one configured from its settings."""
    extensions = getattr(app, "extensions", None)
    if extensions is None:
        return DEFAULT_RULES
    battery = extensions.get("images")
    if not isinstance(battery, Images):
        battery = Images()
        battery.configure(app)
        extensions["images"] = battery
    return battery.rules
