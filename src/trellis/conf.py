"""Typed settings, read from ``TRELLIS_*`` environment variables and a ``.env`` file.

``App()`` with no ``settings=`` builds one :class:`Settings` when it is created (never at import time),
so a one-file app needs no configuration and a deployed one is configured by its environment alone.
Batteries read their own options from the same object; a project extends it by subclassing.
"""

from __future__ import annotations

import os
from typing import Any, TypeVar

from pydantic import Field, SecretStr, TypeAdapter, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from trellis.exceptions import ConfigurationError
from trellis.http.limits import Limits

__all__ = [
    "KNOWN_WEAK_KEYS",
    "MAKE_KEY_COMMAND",
    "MIN_KEY_LENGTH",
    "Settings",
    "secret_key_problem",
    "setting",
]

T = TypeVar("T")
_MISSING: Any = object()


class Settings(BaseSettings):
    """Every setting the core reads.  Each can be set as ``TRELLIS_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(
        env_prefix="TRELLIS_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_assignment=True,
    )

    #: Debug mode: tracebacks on the error page, autoreload.  Never on in production.
    debug: bool = False
    #: Key for everything that signs (sessions, CSRF, signed URLs).  Required outside debug by
    #: the batteries that sign.
    secret_key: SecretStr | None = None
    #: Older keys still accepted when verifying signatures, so keys can be rotated.
    secret_key_fallbacks: list[SecretStr] = Field(default_factory=list)
    #: Host names this site answers to (enforced by the security battery outside debug).
    allowed_hosts: list[str] = Field(default_factory=lambda: ["localhost", "127.0.0.1", "[::1]"])

    #: Worker threads that run plain ``def`` handlers, hooks and dependencies.
    thread_pool_size: int = Field(default=40, ge=1, le=10_000)

    #: Largest request body read as a whole (JSON, url-encoded forms), in bytes.
    max_body_size: int = Field(default=16 * 1024 * 1024, ge=0)
    #: Largest multipart body (files included), in bytes.
    max_upload_size: int = Field(default=100 * 1024 * 1024, ge=0)
    #: Most non-file fields in one form.
    max_form_fields: int = Field(default=1000, ge=0)
    #: Most parts (fields and files) in one multipart body.
    max_form_parts: int = Field(default=1000, ge=0)
    #: Most files in one multipart body.
    max_files: int = Field(default=100, ge=0)
    #: Largest single non-file form value, in bytes.
    max_field_size: int = Field(default=1024 * 1024, ge=0)
    #: Uploads larger than this spool from memory to a temporary file, in bytes.
    spool_max_size: int = Field(default=1024 * 1024, ge=0)
    #: Most request header lines (431 past it).
    max_header_count: int = Field(default=100, ge=1)
    #: Largest total size of request header names and values, in bytes (431 past it).
    max_header_size: int = Field(default=64 * 1024, ge=1)

    #: Header that carries the request id, kept from the client when present and valid.
    request_id_header: str = "X-Request-ID"
    #: Keep a well-formed request id sent by the client (or a proxy) instead of making a new one.
    trust_request_id: bool = True

    #: Once start-up finished, move what start-up made (modules, routes, models, templates) out
    #: of the garbage collector's sight (``gc.freeze()``, once per process), so full collections
    #: stop re-scanning objects that live as long as the process.
    gc_freeze: bool = True

    def limits(self) -> Limits:
        """The request limits as the HTTP toolkit takes them."""
        return Limits(
            max_body_size=self.max_body_size,
            max_upload_size=self.max_upload_size,
            max_form_fields=self.max_form_fields,
            max_form_parts=self.max_form_parts,
            max_files=self.max_files,
            max_field_size=self.max_field_size,
            spool_max_size=self.spool_max_size,
            max_header_count=self.max_header_count,
            max_header_size=self.max_header_size,
        )


def setting(settings: Any, name: str, default: T, type_: Any = None) -> T:
    """A battery's option that the project did not pass to the battery's constructor.

    Batteries keep their options out of the core :class:`Settings` so that the core never learns
    about them.  The value comes from, in order: a field ``name`` on the project's Settings subclass
    (``class SiteSettings(Settings): session_cookie_name = "sid"``), the environment variable
    ``TRELLIS_<NAME>`` (JSON for lists, dicts and booleans, or a plain string), then ``default``.
    ``type_`` (the type of ``default`` when omitted) validates what the environment gives, so a bad
    value fails at start-up naming the variable instead of deep inside a request.
    """
    value = getattr(settings, name, _MISSING)
    if value is not _MISSING:
        return value  # type: ignore[no-any-return]
    variable = f"TRELLIS_{name.upper()}"
    raw = os.environ.get(variable)
    if raw is None:
        return default
    target = type_ if type_ is not None else type(default)
    adapter: TypeAdapter[Any] = TypeAdapter(target)
    try:
        if target is str:
            return adapter.validate_python(raw)  # type: ignore[no-any-return]
        try:
            return adapter.validate_json(raw)  # type: ignore[no-any-return]
        except ValidationError:
            return adapter.validate_python(raw)  # type: ignore[no-any-return]
    except ValidationError as exc:
        message = exc.errors()[0]["msg"]
        raise ConfigurationError(f"{variable}={raw!r} is not valid: {message}") from None


# --- the secret key: one judgement, for the start-up guard and for `trellis check` ----------

#: Keys of fewer characters are refused outside debug (``token_urlsafe(50)`` gives 67).
MIN_KEY_LENGTH = 32
#: Fewer distinct characters than this is a repeated pattern, not a random key.
_MIN_DISTINCT = 8

#: Placeholders seen in tutorials, templates and generated projects (compared case-insensitively).
KNOWN_WEAK_KEYS = frozenset(
    {
        "",
        "secret",
        "secret-key",
        "secret_key",
        "secretkey",
        "mysecret",
        "my-secret-key",
        "changeme",
        "change-me",
        "change_me",
        "change-me-in-production",
        "changethis",
        "dev",
        "development",
        "devkey",
        "dev-key",
        "insecure",
        "not-secret",
        "notsecret",
        "password",
        "test",
        "testing",
        "default",
        "key",
        "please-change-me",
        "super-secret",
        "supersecret",
        "super-secret-key",
        "your-secret-key",
        "your-secret-key-here",
        "xxx",
    }
)

#: How to make a key, quoted in every refusal.
MAKE_KEY_COMMAND = 'python -c "import secrets; print(secrets.token_urlsafe(50))"'


def secret_key_problem(key: str | None) -> str | None:
    """Why ``key`` cannot protect signed data, or None when it is acceptable."""
    if key is None:
        return "no secret key is set"
    stripped = key.strip()
    if stripped.lower() in KNOWN_WEAK_KEYS:
        return "the secret key is a well-known placeholder"
    if len(stripped) < MIN_KEY_LENGTH:
        return f"the secret key is shorter than {MIN_KEY_LENGTH} characters"
    if len(set(stripped)) < _MIN_DISTINCT:
        return "the secret key repeats too few characters to be random"
    return None
