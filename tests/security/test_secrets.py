"""The secret-key guard: outside debug, no signing battery starts on a missing or weak key."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from trellis import App
from trellis.conf import Settings
from trellis.exceptions import ConfigurationError
from trellis.security.secrets import require_secret_key, secret_key_problem
from trellis.sessions import Sessions

STRONG = "Zq3v-8JkLmN0pQrStUvWxYz12345678abcdEFGH"


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        (None, "no secret key is set"),
        ("change-me", "placeholder"),
        ("SECRET", "placeholder"),
        ("dev", "placeholder"),
        ("  changeme  ", "placeholder"),
        ("short-but-not-a-placeholder", "shorter than 32"),
        ("ab" * 30, "repeats too few"),
    ],
)
def test_weak_keys_are_refused_outside_debug_with_the_fix(key: str | None, reason: str) -> None:
    app = App(settings=Settings(secret_key=key, debug=False))
    with pytest.raises(ConfigurationError) as info:
        require_secret_key(app, "Sessions")
    message = str(info.value)
    assert reason in message
    assert message.startswith("Sessions needs a secret key")
    assert "secrets.token_urlsafe(50)" in message
    assert "TRELLIS_SECRET_KEY" in message


def test_a_strong_key_passes() -> None:
    assert secret_key_problem(STRONG) is None
    require_secret_key(App(settings=Settings(secret_key=STRONG)), "Sessions")


def test_a_weak_fallback_key_is_refused() -> None:
    app = App(settings=Settings(secret_key=STRONG, secret_key_fallbacks=[SecretStr("secret")]))
    with pytest.raises(ConfigurationError, match=r"secret_key_fallbacks\[0\] is a well-known"):
        require_secret_key(app, "CSRF protection")


def test_debug_tolerates_a_missing_key_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    import trellis.security.secrets as secrets_module

    secrets_module._warned_debug = False
    with caplog.at_level(logging.WARNING, logger="trellis.security"):
        require_secret_key(App(settings=Settings(debug=True)), "Sessions")
        require_secret_key(App(settings=Settings(debug=True)), "Sessions")
    warnings = [r for r in caplog.records if "random key" in r.getMessage()]
    assert len(warnings) == 1  # once per process
    require_secret_key(App(settings=Settings(debug=True, secret_key="dev")), "Sessions")


def test_installing_sessions_refuses_to_start_on_a_default_key() -> None:
    app = App(settings=Settings(secret_key="change-me"))
    with pytest.raises(ConfigurationError, match="placeholder"):
        app.install(Sessions())
