"""Image parameters: ``avatar: Image = image_field("avatar", max_pixels=...)`` in a handler."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from trellis.http.request import Request
from trellis.images.battery import rules_for
from trellis.images.image import Image
from trellis.images.verify import ImageRules, allow_pixels
from trellis.params import MISSING, Depends
from trellis.storage.uploads import files_of

__all__ = ["ImageField", "image_field"]


class ImageField:
    """A dependency giving the checked :class:`Image` (or images) sent under one form field.

    The app's defaults (the ``Images`` battery, or the ``images_*`` settings) fill whatever
    ``rules`` leave out; they are looked up on first use and kept.
    """

    def __init__(
        self,
        name: str,
        rules: ImageRules | None = None,
        *,
        required: bool = True,
        many: bool = False,
    ) -> None:
        self.name = name
        self.rules = rules or ImageRules()
        self.required = required
        self.many = many
        if self.rules.max_pixels is not None:
            allow_pixels(self.rules.max_pixels)
        self._complete: tuple[Any, ImageRules] | None = None

    @property
    def __openapi_form_fields__(self) -> dict[str, tuple[dict[str, Any], bool]]:
        """The upload this dependency reads, for the openapi battery's request body."""
        one = {"type": "string", "format": "binary", "contentMediaType": "image/*"}
        schema = {"type": "array", "items": one} if self.many else one
        return {self.name: (schema, self.required)}

    def rules_for(self, app: Any) -> ImageRules:
        cached = self._complete
        if cached is not None and cached[0] is app:
            return cached[1]
        complete = self.rules.with_defaults(rules_for(app))
        self._complete = (app, complete)
        return complete

    async def __call__(self, request: Request) -> Any:
        uploads = await files_of(request, self.name, required=self.required)
        rules = self.rules_for(request.scope.get("app"))
        images = [await Image.from_upload(upload, rules, field=self.name) for upload in uploads]
        if self.many:
            return images
        return images[0] if images else None

    def __repr__(self) -> str:
        return f"image_field({self.name!r})"


def image_field(
    name: str,
    *,
    formats: Iterable[str] | str | None = None,
    max_pixels: int | None = None,
    max_size: int | None = None,
    strip_metadata: bool | None = None,
    required: bool = True,
    many: bool = False,
) -> Any:
    """A parameter default giving the checked image of form field ``name`` (a ``Depends``).

    ``formats`` (``["png", "jpeg"]``), ``max_pixels`` (all frames together), ``max_size`` (bytes)
    and ``strip_metadata`` override the app's defaults for this field.  A file that is not an
    image of an accepted format, or a damaged one, is a 422 naming the field; one past a limit
    is a 413.  ``required=False`` gives ``None`` when no file was sent; ``many=True`` a list.
    """
    rules = ImageRules.make(
        formats=formats, max_pixels=max_pixels, max_size=max_size, strip_metadata=strip_metadata
    )
    return Depends(ImageField(name, rules, required=required, many=many))


def parameter_dependency(name: str, default: Any, metadata: Iterable[Any]) -> ImageField:
    """What a handler parameter annotated ``Image`` is filled by, once the core asks types.

    ``avatar: Image`` reads field ``avatar``; ``Annotated[Image, ImageRules.make(...)]`` sets
    the rules; a default (``= None``) makes it optional.
    """
    rules = next((m for m in metadata if isinstance(m, ImageRules)), None)
    return ImageField(name, rules, required=default is MISSING)
