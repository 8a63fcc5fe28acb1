"""Limits on what a client may send; every one is a setting (see ``trellis.conf.Settings``).

Over a limit the answer is a clear 4xx (413 for sizes and counts, 431 for headers), never a 500.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Limits"]

MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    #: Largest request body read by ``body()``/``json()``/url-encoded ``form()``, in bytes.
    max_body_size: int = 16 * MiB
    #: Largest multipart body (all parts together, files included), in bytes.
    max_upload_size: int = 100 * MiB
    #: Most form fields (non-file values) in one url-encoded or multipart body.
    max_form_fields: int = 1000
    #: Most parts (fields and files) in one multipart body.
    max_form_parts: int = 1000
    #: Most files in one multipart body.
    max_files: int = 100
    #: Largest single non-file form field value, in bytes.
    max_field_size: int = 1 * MiB
    #: Uploaded files stay in memory up to this size, then spool to a temporary file on disk.
    spool_max_size: int = 1 * MiB
    #: Most request header lines.
    max_header_count: int = 100
    #: Largest total size of the request headers, in bytes (names plus values).
    max_header_size: int = 64 * 1024


DEFAULT_LIMITS = Limits()
