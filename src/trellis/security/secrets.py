"""The secret key guard: anything that signs refuses to start on a key an attacker could guess.

A signed session cookie, a CSRF token or a password-reset link is only as strong as the key
behind it.  A missing key, a placeholder copied from a tutorial (``"change-me"``) or a short one
would let anyone forge them, so outside debug every battery that signs calls
:func:`require_secret_key` in its ``install`` and the app refuses to start, saying how to make
a proper key.  In debug mode a missing key is tolerated: the signing helpers use a random key
made once per process (sessions then end when the process restarts) and a warning says so.
"""

from __future__ import annotations

import logging
from typing import Any

from trellis.conf import (
    KNOWN_WEAK_KEYS,
    MAKE_KEY_COMMAND,
    MIN_KEY_LENGTH,
    secret_key_problem,
)
from trellis.exceptions import ConfigurationError

__all__ = [
    "KNOWN_WEAK_KEYS",
    "MAKE_KEY_COMMAND",
    "MIN_KEY_LENGTH",
    "plain_key",
    "require_secret_key",
    "secret_key_problem",
]

logger = logging.getLogger("trellis.security")

_warned_debug = False


def plain_key(value: Any) -> str | None:
    """The text of a key held as ``SecretStr``, ``SecretBytes``, ``str`` or ``bytes`` (or None)."""
    if value is None:
        return None
    reveal = getattr(value, "get_secret_value", None)
    if callable(reveal):
        value = reveal()
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    return str(value)


def require_secret_key(app: Any, feature: str) -> None:
    """Refuse to go on when ``feature`` would sign with a missing, known or weak key.

    Outside debug this raises :class:`ConfigurationError` (the app does not start); the key and
    every key in ``secret_key_fallbacks`` are checked, since a forger may use any of them.  In
    debug a missing key only logs a warning, once per process: the signing helpers then use a
    random per-process key.
    """
    settings = app.settings
    key = plain_key(getattr(settings, "secret_key", None))
    if getattr(settings, "debug", False):
        global _warned_debug
        if key is None and not _warned_debug:
            _warned_debug = True
            logger.warning(
                "%s signs with a random key made for this process because no secret key is "
                "set (debug mode): sessions and tokens end when it restarts. Set "
                "TRELLIS_SECRET_KEY to the output of: %s",
                feature,
                MAKE_KEY_COMMAND,
            )
        return
    problem = secret_key_problem(key)
    if problem is not None:
        raise ConfigurationError(
            f"{feature} needs a secret key and {problem}. Make one with\n    {MAKE_KEY_COMMAND}\n"
            "and set it as TRELLIS_SECRET_KEY in the environment (or secret_key in the "
            "project's Settings); keep it out of version control."
        )
    for index, fallback in enumerate(getattr(settings, "secret_key_fallbacks", None) or ()):
        problem = secret_key_problem(plain_key(fallback))
        if problem is not None:
            problem = problem.replace("the secret key", f"secret_key_fallbacks[{index}]")
            raise ConfigurationError(
                f"{feature} accepts signatures made with every fallback key and {problem}; "
                "remove it from secret_key_fallbacks (TRELLIS_SECRET_KEY_FALLBACKS)."
            )
