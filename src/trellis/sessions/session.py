"""``request.session``: a dict-like object that loads lazily and is saved only when modified.

The sessions middleware puts one :class:`SessionStore` in ``scope["session"]`` per request.  With
the signed-cookie backend it holds only the cookie's text until something reads it, so a request
that never looks at its session never verifies a signature.  Writing (``session["k"] = v``,
``del``, ``pop``, ``clear``, ``cycle_key()``, ``flush()``) sets :attr:`modified`, and only a
modified session is written back.  Values nested inside the session (a list stored under a key)
are not watched: after changing one in place, set ``session.modified = True``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

__all__ = ["CSRF_SESSION_KEY", "FLASHES_KEY", "PERMANENT_KEY", "SessionStore"]

#: Where the CSRF secret lives in the session (renewed by :meth:`SessionStore.cycle_key`).
CSRF_SESSION_KEY = "_csrf_secret"
#: Where flashed messages wait for the next page.
FLASHES_KEY = "_flashes"
#: Set by :attr:`SessionStore.permanent` to override the battery's default for one session.
PERMANENT_KEY = "_permanent"

_Loader = Callable[[], tuple[dict[str, Any], bool, bool]]


class SessionStore(MutableMapping[str, Any]):
    """One client's session data.

    ``loader`` (signed cookie) is called on first access and returns ``(data, stale, invalid)``:
    ``stale`` when a fallback key verified the cookie, ``invalid`` when a cookie was sent but
    could not be used (tampered, expired, signed with an unknown key).  Server-side backends
    pass the ``data`` they loaded, the ``session_key`` it was stored under (None for a new
    session) and the ``key_factory`` that makes new ids.
    """

    __slots__ = (
        "_data",
        "_key",
        "_key_factory",
        "_loader",
        "_retired",
        "accessed",
        "invalid",
        "modified",
        "stale",
    )

    def __init__(
        self,
        data: dict[str, Any] | None = None,
        *,
        loader: _Loader | None = None,
        session_key: str | None = None,
        key_factory: Callable[[], str] | None = None,
        stale: bool = False,
        invalid: bool = False,
    ) -> None:
        self._data = data if data is not None or loader is not None else {}
        self._loader = loader
        self._key = session_key
        self._key_factory = key_factory
        #: Server-side ids this session no longer uses (deleted when the response is sent).
        self._retired: list[str] = []
        #: Whether anything read or wrote the data (the response then varies on Cookie).
        self.accessed = False
        #: Whether the data changed and must be saved.
        self.modified = False
        self.stale = stale
        self.invalid = invalid

    # --- loading ------------------------------------------------------------------------------

    @property
    def loaded(self) -> bool:
        """Whether the data has been read (a cookie session not yet looked at is not)."""
        return self._data is not None

    @property
    def data(self) -> dict[str, Any]:
        """The underlying dict, loaded on first use (mutating it does not set ``modified``)."""
        data = self._data
        if data is None:
            assert self._loader is not None
            data, self.stale, self.invalid = self._loader()
            self._data = data
            self._loader = None
        self.accessed = True
        return data

    # --- the mapping ----------------------------------------------------------------------------

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.data[key] = value
        self.modified = True

    def __delitem__(self, key: str) -> None:
        del self.data[key]
        self.modified = True

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __contains__(self, key: object) -> bool:
        return key in self.data

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def clear(self) -> None:
        """Remove every value (the session id is kept; :meth:`flush` also drops it)."""
        data = self.data
        if data:
            data.clear()
            self.modified = True

    # --- identity -------------------------------------------------------------------------------

    @property
    def session_key(self) -> str | None:
        """The server-side id (Redis, database backends); None for cookie sessions or before
        the first save."""
        return self._key

    def cycle_key(self) -> None:
        """Keep the data under a new id and renew the CSRF secret: call it on login.

        Whatever id an attacker may have planted in the browser before the login no longer
        refers to anything (the old record is deleted when the response is sent), and neither
        does a CSRF token read before it.
        """
        data = self.data
        data.pop(CSRF_SESSION_KEY, None)
        if self._key is not None:
            self._retired.append(self._key)
        factory = self._key_factory
        self._key = factory() if factory is not None else None
        self.modified = True

    def flush(self) -> None:
        """Drop the data and the id, and delete the stored session: call it on logout."""
        self.data.clear()
        if self._key is not None:
            self._retired.append(self._key)
        self._key = None
        self.modified = True

    def assign_key(self, key: str) -> None:
        """Record the id the session was saved under (used by the middleware)."""
        self._key = key

    def retired_keys(self) -> list[str]:
        """Ids given up by :meth:`cycle_key` and :meth:`flush`, to delete (used by the middleware)."""
        retired, self._retired = self._retired, []
        return retired

    # --- lifetime -------------------------------------------------------------------------------

    @property
    def permanent(self) -> bool | None:
        """Whether the cookie outlives the browser session; None follows the battery's option.

        ``request.session.permanent = False`` on a login without "remember me" makes the cookie
        end when the browser closes; the choice is kept in the session.
        """
        value = self.data.get(PERMANENT_KEY)
        return None if value is None else bool(value)

    @permanent.setter
    def permanent(self, value: bool | None) -> None:
        if value is None:
            if PERMANENT_KEY in self.data:
                del self[PERMANENT_KEY]
        else:
            self[PERMANENT_KEY] = bool(value)

    def __repr__(self) -> str:
        if self._data is None:
            return "<SessionStore (not loaded)>"
        return f"<SessionStore {sorted(self._data)}{' modified' if self.modified else ''}>"
