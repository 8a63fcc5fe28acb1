"""The pytest plugin Trellis registers (entry point ``pytest11``: ``trellis``).

pytest loads this module in every project where Trellis is installed, so it must stay cheap and
must not need httpx: the client is imported only when a test asks for the ``client`` fixture.

Fixtures:

* ``client`` — a :class:`trellis.testing.TestClient` for the project's own ``app`` fixture, entered
  with ``with`` so the app's start-up and shut-down hooks run around the test.
* ``settings`` — a :class:`SettingsOverride`: ``settings.debug = True`` changes ``app.settings``
  for one test and is undone afterwards.
* ``db`` — a session on the app's real database whose work is rolled back after the test.
* ``app_db`` — the same, and the app's request sessions share its transaction, so requests made
  with ``client`` see the test's data and their work is rolled back too.
* ``mailoutbox`` — the list of every e-mail sent during the test, by any app's ``Mail``;
  nothing is delivered.

The ini option ``trellis_timeout`` (seconds, default 30) bounds how long the ``client`` fixture
waits for the app, so a hung handler fails its test instead of hanging the run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from trellis.db import Session
    from trellis.mail import EmailMessage
    from trellis.testing.client import TestClient

__all__ = ["SettingsOverride"]

DEFAULT_TIMEOUT = 30.0

_NO_APP_FIXTURE = (
    "The `{fixture}` fixture needs an `app` fixture that returns your Trellis app. "
    "Add one to conftest.py, for example:\n\n"
    "    import pytest\n"
    "    from myproject import create_app\n\n"
    "    @pytest.fixture\n"
    "    def app():\n"
    "        return create_app()\n"
)

_MISSING: Any = object()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "trellis_timeout",
        "Seconds the Trellis `client` fixture waits for the app before failing the test "
        "(0 waits forever).",
        default=str(DEFAULT_TIMEOUT),
    )


def _user_app(request: pytest.FixtureRequest, fixture: str) -> Any:
    try:
        return request.getfixturevalue("app")
    except pytest.FixtureLookupError as exc:
        if exc.argname != "app":
            raise
    # outside the except block, so the report shows the fix and not pytest's lookup traceback
    pytest.fail(_NO_APP_FIXTURE.format(fixture=fixture), pytrace=False)


_TIMEOUT_KEY = pytest.StashKey[float | None]()


def pytest_configure(config: pytest.Config) -> None:
    # checked at start-up, so a typo in the ini file stops the run once, with a clear message
    raw = config.getini("trellis_timeout")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise pytest.UsageError(
            f"trellis_timeout must be a number of seconds, not {raw!r}"
        ) from None
    config.stash[_TIMEOUT_KEY] = value if value > 0 else None


class SettingsOverride:
    """Changes attributes of ``app.settings`` and remembers how to put them back.

    Attribute reads pass through to the real settings object, so a test can read what it did
    not override.  Every assignment or deletion is undone, newest first, by :meth:`restore`,
    which the ``settings`` fixture calls after the test.
    """

    def __init__(self, target: Any) -> None:
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_saved", [])

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)

    def __setattr__(self, name: str, value: Any) -> None:
        previous = getattr(self._target, name, _MISSING)
        setattr(self._target, name, value)
        self._saved.append((name, previous))

    def __delattr__(self, name: str) -> None:
        previous = getattr(self._target, name)
        delattr(self._target, name)
        self._saved.append((name, previous))

    def override(self, **values: Any) -> None:
        """Set several settings at once: ``settings.override(debug=True, secret_key="x")``."""
        for name, value in values.items():
            setattr(self, name, value)

    def restore(self) -> None:
        """Undo every override, newest first; safe to call twice."""
        saved: list[tuple[str, Any]] = self._saved
        while saved:
            name, previous = saved.pop()
            if previous is _MISSING:
                if hasattr(self._target, name):
                    delattr(self._target, name)
            else:
                setattr(self._target, name, previous)

    def __repr__(self) -> str:
        return f"SettingsOverride({self._target!r})"


@pytest.fixture
def settings(request: pytest.FixtureRequest) -> Iterator[SettingsOverride]:
    """``app.settings`` through an object whose changes last for one test only."""
    app = _user_app(request, "settings")
    target = getattr(app, "settings", _MISSING)
    if target is _MISSING:
        pytest.fail(
            f"The `settings` fixture needs `app.settings`, and {app!r} has none.", pytrace=False
        )
    override = SettingsOverride(target)
    try:
        yield override
    finally:
        override.restore()


@pytest.fixture
def client(request: pytest.FixtureRequest) -> Iterator[TestClient]:
    """A TestClient for the project's ``app`` fixture, with the lifespan running."""
    app = _user_app(request, "client")
    from trellis.testing.client import TestClient

    with TestClient(
        app, timeout=request.config.stash.get(_TIMEOUT_KEY, DEFAULT_TIMEOUT)
    ) as test_client:
        yield test_client


def _rolled_back_session(request: pytest.FixtureRequest, fixture: str, share: bool) -> Any:
    app = _user_app(request, fixture)
    database = getattr(app, "extensions", {}).get("db")
    if database is None:
        pytest.fail(
            f"The `{fixture}` fixture needs a database installed on the app: "
            'app.install(Database("sqlite:///test.db"))',
            pytrace=False,
        )
    from trellis.db.testing import rolled_back_session  # sqlalchemy only when asked for

    return rolled_back_session(database, share_with_app=share)


@pytest.fixture
def db(request: pytest.FixtureRequest) -> Iterator[Session]:
    """A session on the app's database; everything it does is rolled back after the test."""
    with _rolled_back_session(request, "db", share=False) as session:
        yield session


@pytest.fixture
def app_db(request: pytest.FixtureRequest) -> Iterator[Session]:
    """Like ``db``, and the app's handlers get sessions inside the same, rolled-back transaction."""
    with _rolled_back_session(request, "app_db", share=True) as session:
        yield session


@pytest.fixture
def mailoutbox() -> Iterator[list[EmailMessage]]:
    """Every message sent during the test, kept in this list instead of being delivered."""
    from trellis.mail.testing import capture_mail  # the mail battery only when asked for

    with capture_mail() as outbox:
        yield outbox
