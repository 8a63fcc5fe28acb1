"""The one place Trellis signs things: session cookies, session ids, CSRF, auth tokens.

``signer(app, salt)`` gives a :class:`Signer` over the app's ``secret_key`` and
``secret_key_fallbacks``.  It signs with the current key and verifies with any of them, so keys
can be rotated without logging everyone out: put the old key in the fallbacks, and data signed
with it is still accepted (and reports ``stale=True``, so the caller can re-sign it with the new
key).  The ``salt`` keeps purposes apart: a session cookie can never be replayed as a
password-reset token, since each purpose derives its own key.

Underneath is itsdangerous (HMAC-SHA256, timestamped); payloads are JSON (orjson), compressed
when that makes them shorter, and URL-safe base64, so a token fits in a cookie or a URL.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from typing import Any

import orjson
from itsdangerous import BadData, BadSignature, SignatureExpired, URLSafeTimedSerializer
from itsdangerous.timed import TimestampSigner

from trellis.exceptions import ConfigurationError
from trellis.security.secrets import MAKE_KEY_COMMAND, plain_key

__all__ = [
    "BadData",
    "BadSignature",
    "SignatureExpired",
    "Signer",
    "secret_keys",
    "signer",
]

_EXTENSION = "trellis.signing"
_debug_key: str | None = None


class _JSON:
    """orjson behind the ``dumps``/``loads`` interface itsdangerous expects (text, not bytes)."""

    @staticmethod
    def dumps(obj: Any) -> str:
        return orjson.dumps(obj).decode()

    @staticmethod
    def loads(data: str | bytes) -> Any:
        return orjson.loads(data)


class Signer:
    """Sign with the first of ``keys``, verify with any, for one ``salt`` (purpose).

    ``loads``/``unsign`` return ``(value, stale)``; ``stale`` is true when an older key (a
    fallback) verified it, so the caller should sign it again.  Every failure (tampered,
    truncated, expired, signed with an unknown key, not JSON) raises an
    :class:`itsdangerous.BadData` subclass; :class:`SignatureExpired` for an expired one.
    """

    __slots__ = ("_serializers", "_signers", "keys", "salt")

    def __init__(self, keys: Sequence[str], salt: str) -> None:
        if not keys:
            raise ConfigurationError("a Signer needs at least one key")
        self.keys = tuple(keys)
        self.salt = salt
        options = {"digest_method": hashlib.sha256}
        self._serializers = [
            URLSafeTimedSerializer(key, salt=salt, serializer=_JSON, signer_kwargs=options)
            for key in self.keys
        ]
        self._signers = [
            TimestampSigner(key, salt=salt, digest_method=hashlib.sha256) for key in self.keys
        ]

    def dumps(self, value: Any) -> str:
        """``value`` (anything JSON can hold) as a signed, timestamped, URL-safe token."""
        return self._serializers[0].dumps(value)

    def loads(self, token: str, max_age: int | None = None) -> tuple[Any, bool]:
        """``(value, stale)`` from a token made by :meth:`dumps` at most ``max_age`` seconds ago."""
        for index, serializer in enumerate(self._serializers):
            try:
                return serializer.loads(token, max_age=max_age), index > 0
            except SignatureExpired:
                raise  # the signature was right: an older key will not make it younger
            except BadSignature:
                continue  # signed with another key, or not a token at all
        raise BadSignature("signature does not match any key")

    def sign(self, value: str) -> str:
        """``value`` with a timestamp and signature appended (the value itself stays readable)."""
        return self._signers[0].sign(value).decode()

    def unsign(self, token: str, max_age: int | None = None) -> tuple[str, bool]:
        """``(value, stale)`` from a token made by :meth:`sign` at most ``max_age`` seconds ago."""
        for index, signer in enumerate(self._signers):
            try:
                return signer.unsign(token, max_age=max_age).decode(), index > 0
            except SignatureExpired:
                raise
            except BadSignature:
                continue  # signed with another key, or not a token at all
        raise BadSignature("signature does not match any key")

    def __repr__(self) -> str:
        return f"<Signer salt={self.salt!r} keys={len(self.keys)}>"


def secret_keys(app: Any) -> list[str]:
    """``[secret_key, *secret_key_fallbacks]``; in debug without a key, a per-process random key.

    Outside debug without a key this raises: a battery that signs should have refused to
    install (see :func:`trellis.security.secrets.require_secret_key`).
    """
    settings = app.settings
    key = plain_key(getattr(settings, "secret_key", None))
    if key is None:
        if not getattr(settings, "debug", False):
            raise ConfigurationError(
                "signing needs a secret key: set TRELLIS_SECRET_KEY to the output of "
                + MAKE_KEY_COMMAND
            )
        global _debug_key
        if _debug_key is None:
            _debug_key = secrets.token_urlsafe(50)
        return [_debug_key]
    fallbacks = getattr(settings, "secret_key_fallbacks", None) or ()
    return [key, *(k for k in (plain_key(f) for f in fallbacks) if k)]


def signer(app: Any, salt: str) -> Signer:
    """The app's :class:`Signer` for ``salt``; made once, and again when the keys change."""
    keys = tuple(secret_keys(app))
    cache: dict[str, Signer] = app.extensions.setdefault(_EXTENSION, {})
    found = cache.get(salt)
    if found is None or found.keys != keys:
        found = cache[salt] = Signer(keys, salt)
    return found
