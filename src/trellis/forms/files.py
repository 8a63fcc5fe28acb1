"""File fields and their validators: the upload is Trellis's ``UploadFile``.

A browser sends an empty part for a file input left empty; these fields read that as "no
file" (``None``, or ``[]`` for several), so ``if form.photo.data:`` and :class:`FileRequired` mean
what they say.  The size of one upload is capped for the whole app by ``Limits.max_upload_size``
(413 past it); :class:`FileSize` is a tighter cap for one field, answered as a form error.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import wtforms
from wtforms.validators import StopValidation, ValidationError

from trellis.http.datastructures import UploadFile

__all__ = ["FileAllowed", "FileField", "FileRequired", "FileSize", "MultipleFileField"]


def _chosen(value: Any) -> bool:
    """Whether a submitted value is a real file (not the empty part of an unused input)."""
    return isinstance(value, UploadFile) and bool(value.filename or value.size)


def _files(field: Any) -> list[UploadFile]:
    data = field.data
    if isinstance(data, list):
        return [item for item in data if isinstance(item, UploadFile)]
    return [data] if isinstance(data, UploadFile) else []


class FileField(wtforms.FileField):  # type: ignore[misc]
    """One ``<input type="file">``: ``data`` is an :class:`UploadFile`, or ``None``.

    A form posted without ``enctype="multipart/form-data"`` sends the file's name as text;
    that is no file either.
    """

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = next((value for value in valuelist if _chosen(value)), None)


class MultipleFileField(wtforms.MultipleFileField):  # type: ignore[misc]
    """``<input type="file" multiple>``: ``data`` is a list of :class:`UploadFile` (maybe empty)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = [value for value in valuelist if _chosen(value)]


class FileRequired:
    """A file must be chosen (renders the ``required`` attribute)."""

    field_flags = {"required": True}

    def __init__(self, message: str | None = None) -> None:
        self.message = message

    def __call__(self, form: Any, field: Any) -> None:
        if not _files(field):
            field.errors[:] = []
            raise StopValidation(self.message or field.gettext("Choose a file."))


class FileAllowed:
    """Only files whose name ends with one of ``extensions`` (renders ``accept=``).

    The name and the content type are what the client says; check the content itself (open the
    image, parse the document) before trusting it.
    """

    def __init__(self, extensions: Iterable[str], message: str | None = None) -> None:
        self.extensions = tuple(
            ext.lower() if ext.startswith(".") else f".{ext.lower()}" for ext in extensions
        )
        if not self.extensions:
            raise ValueError("FileAllowed needs at least one extension")
        self.message = message
        self.field_flags = {"accept": ",".join(self.extensions)}

    def __call__(self, form: Any, field: Any) -> None:
        for upload in _files(field):
            name = (upload.filename or "").lower()
            if not name.endswith(self.extensions):
                allowed = ", ".join(self.extensions)
                raise StopValidation(
                    self.message
                    or field.gettext("Allowed files: %(allowed)s.") % {"allowed": allowed}
                )


class FileSize:
    """Each file at most ``max_size`` bytes (and at least ``min_size``)."""

    def __init__(self, max_size: int, min_size: int = 0, message: str | None = None) -> None:
        if max_size < min_size or min_size < 0:
            raise ValueError("FileSize needs 0 <= min_size <= max_size")
        self.max_size = max_size
        self.min_size = min_size
        self.message = message

    def __call__(self, form: Any, field: Any) -> None:
        for upload in _files(field):
            if self.min_size <= upload.size <= self.max_size:
                continue
            if self.message:
                raise ValidationError(self.message)
            if self.min_size:
                text = field.gettext("Each file must be between %(min)s and %(max)s.")
            else:
                text = field.gettext("Each file must be at most %(max)s.")
            raise ValidationError(
                text % {"min": _human(self.min_size), "max": _human(self.max_size)}
            )


def _human(size: int) -> str:
    """``2097152`` -> ``2 MB``: limits as people write them."""
    if size < 1024:
        return f"{size} bytes"
    value = float(size)
    for unit in ("KB", "MB"):
        value /= 1024
        if value < 1024:
            return f"{value:.3g} {unit}"
    return f"{value / 1024:.3g} GB"
