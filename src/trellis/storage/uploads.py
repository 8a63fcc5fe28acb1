"""Per-field upload rules: a size limit and accepted content types for one file field.

``doc: UploadFile = upload_field("doc", max_size=5 * MiB, content_types=["application/pdf"])``
gives the handler the checked :class:`~trellis.http.datastructures.UploadFile`.  The whole body
is still bounded by the ``max_upload_size`` setting while it streams in; these rules are checked
once it is parsed.  Over ``max_size`` the answer is 413; a type not accepted is a 422 naming the
field, like every other invalid field.

The content type is what the client *says* the file is.  It catches honest mistakes (a Word file
sent where a PDF is expected); it proves nothing about the bytes.  Check the content itself
where it matters, as :mod:`trellis.images` does for images.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from trellis.exceptions import PayloadTooLarge, RequestValidationError
from trellis.http.datastructures import UploadFile
from trellis.http.request import Request
from trellis.params import Depends

__all__ = ["UploadField", "check_upload", "field_error", "type_matches", "upload_field"]

#: What RFC 7578 says a file part without a Content-Type is.
DEFAULT_FILE_TYPE = "application/octet-stream"


def field_error(field: str, message: str, kind: str) -> RequestValidationError:
    """The 422 for one file field, in the same shape as every other validation error."""
    return RequestValidationError(
        [{"location": "file", "field": field, "message": message, "type": kind}]
    )


def type_matches(content_type: str | None, accepted: Iterable[str]) -> bool:
    """Whether ``content_type`` (parameters ignored) is one of ``accepted`` (``image/*`` works)."""
    media = (content_type or DEFAULT_FILE_TYPE).split(";", 1)[0].strip().lower()
    major = media.split("/", 1)[0]
    for pattern in accepted:
        pattern = pattern.strip().lower()
        if pattern in (media, "*/*") or pattern == f"{major}/*":
            return True
    return False


def check_upload(
    upload: UploadFile,
    *,
    field: str = "",
    max_size: int | None = None,
    content_types: Iterable[str] | None = None,
) -> UploadFile:
    """``upload`` when it keeps the rules; 413 past ``max_size``, 422 for a type not accepted."""
    if max_size is not None and upload.size > max_size:
        raise PayloadTooLarge(
            detail=f"The file {field!r} is larger than {max_size} bytes ({upload.size} bytes)"
        )
    if content_types is not None:
        accepted = list(content_types)
        if not type_matches(upload.content_type, accepted):
            sent = upload.content_type or DEFAULT_FILE_TYPE
            raise field_error(
                field,
                f"Files of type {sent!r} are not accepted here; send {', '.join(accepted)}",
                "content_type",
            )
    return upload


class UploadField:
    """A dependency giving the upload(s) of one form field, checked; see :func:`upload_field`."""

    def __init__(
        self,
        name: str,
        *,
        max_size: int | None = None,
        content_types: Iterable[str] | None = None,
        required: bool = True,
        many: bool = False,
    ) -> None:
        self.name = name
        self.max_size = max_size
        self.content_types = tuple(content_types) if content_types is not None else None
        self.required = required
        self.many = many

    async def __call__(self, request: Request) -> Any:
        uploads = await files_of(request, self.name, required=self.required)
        for upload in uploads:
            check_upload(
                upload, field=self.name, max_size=self.max_size, content_types=self.content_types
            )
        if self.many:
            return uploads
        return uploads[0] if uploads else None

    def __repr__(self) -> str:
        return f"upload_field({self.name!r})"


async def files_of(request: Request, name: str, *, required: bool) -> list[UploadFile]:
    """The files sent under ``name``; an empty file input counts as nothing sent."""
    form = await request.form()
    values = form.getlist(name)
    if any(not isinstance(value, UploadFile) for value in values):
        raise field_error(name, "Expected a file upload, got a text field", "file_expected")
    uploads = [v for v in values if isinstance(v, UploadFile) and (v.filename or v.size)]
    if not uploads and required:
        raise field_error(name, "Field required", "missing")
    return uploads


def upload_field(
    name: str,
    *,
    max_size: int | None = None,
    content_types: Iterable[str] | None = None,
    required: bool = True,
    many: bool = False,
) -> Any:
    """A parameter default giving the checked upload of field ``name`` (a ``Depends``).

    ``required=False`` gives ``None`` (or ``[]`` with ``many=True``) when no file was sent;
    ``many=True`` gives every file sent under the name, each checked.
    """
    return Depends(
        UploadField(
            name, max_size=max_size, content_types=content_types, required=required, many=many
        )
    )
