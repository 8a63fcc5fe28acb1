"""Password hashing: argon2id (argon2-cffi), with parameters a project can raise over time.

A stored hash carries its own parameters (``$argon2id$v=19$m=65536,t=3,p=4$...``), so raising
``auth_argon2_time_cost`` or ``memory_cost`` never locks anyone out: old hashes still verify, and
:meth:`PasswordHasher.needs_rehash` tells the login path to store a new hash made with the new
parameters.  Nothing here logs or keeps a password; :class:`PasswordHasher` has no attribute
that could hold one.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass

from trellis.exceptions import ConfigurationError
from trellis.optional import require

require("argon2", extra="auth", feature="Password hashing (trellis.auth)")

from argon2 import PasswordHasher as Argon2Hasher  # noqa: E402
from argon2 import Type  # noqa: E402
from argon2.exceptions import InvalidHashError, VerificationError  # noqa: E402

__all__ = ["UNUSABLE_PREFIX", "Argon2Parameters", "PasswordHasher", "default_hasher"]

#: A hash starting with this never verifies: an account that logs in only by other means.
UNUSABLE_PREFIX = "!"


@dataclass(frozen=True)
class Argon2Parameters:
    """argon2id cost parameters (argon2-cffi's defaults, RFC 9106's "low memory" choice).

    ``memory_cost`` is in KiB.  OWASP's floor is 19 MiB with ``time_cost=2``; the defaults are
    above it.  Tests may lower them to keep the suite fast.
    """

    time_cost: int = 3
    memory_cost: int = 65536
    parallelism: int = 4
    hash_len: int = 32
    salt_len: int = 16

    def __post_init__(self) -> None:
        if self.time_cost < 1 or self.parallelism < 1:
            raise ConfigurationError("argon2 time_cost and parallelism must be at least 1")
        if self.memory_cost < 8 * self.parallelism:
            raise ConfigurationError(
                f"argon2 memory_cost ({self.memory_cost} KiB) must be at least 8 x parallelism "
                f"({8 * self.parallelism} KiB)"
            )


class PasswordHasher:
    """Hash and verify passwords with argon2id at the given cost."""

    def __init__(self, parameters: Argon2Parameters | None = None) -> None:
        self.parameters = parameters or Argon2Parameters()
        p = self.parameters
        self._argon2 = Argon2Hasher(
            time_cost=p.time_cost,
            memory_cost=p.memory_cost,
            parallelism=p.parallelism,
            hash_len=p.hash_len,
            salt_len=p.salt_len,
            type=Type.ID,
        )
        self._dummy: str | None = None
        self._lock = threading.Lock()

    def hash(self, password: str) -> str:
        """A new salted argon2id hash of ``password``."""
        return self._argon2.hash(password)

    def verify(self, encoded: str, password: str) -> bool:
        """Whether ``password`` matches ``encoded``; False for unusable or malformed hashes."""
        if not encoded or encoded.startswith(UNUSABLE_PREFIX):
            self.spend_time(password)
            return False
        try:
            return self._argon2.verify(encoded, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, encoded: str) -> bool:
        """Whether ``encoded`` was made with other parameters (or another algorithm)."""
        if not encoded or encoded.startswith(UNUSABLE_PREFIX):
            return False
        if not encoded.startswith("$argon2id$"):
            return True
        try:
            return self._argon2.check_needs_rehash(encoded)
        except (InvalidHashError, ValueError):
            return True

    def spend_time(self, password: str) -> None:
        """Verify against a throw-away hash, so that "no such user" takes as long as "wrong
        password" and response times do not tell which usernames exist."""
        with self._lock:
            if self._dummy is None:
                self._dummy = self._argon2.hash("trellis: no such user")
            dummy = self._dummy
        with contextlib.suppress(VerificationError, InvalidHashError):
            self._argon2.verify(dummy, password)

    def __repr__(self) -> str:
        p = self.parameters
        return f"<PasswordHasher argon2id t={p.time_cost} m={p.memory_cost} p={p.parallelism}>"


_lock = threading.Lock()
_default: PasswordHasher | None = None


def default_hasher() -> PasswordHasher:
    """The hasher of the Auth battery installed last in this process (argon2's defaults before).

    ``user.set_password()`` and ``user.check_password()`` use it, so that model methods, which
    know no app, hash with the app's parameters; a process serves one app, as a rule.
    """
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                _default = PasswordHasher()
    return _default


def set_default_hasher(hasher: PasswordHasher) -> None:
    global _default
    with _lock:
        _default = hasher
