"""The one signing helper: current key signs, fallbacks verify, every bad token is refused."""

from __future__ import annotations

import time

import pytest

from trellis import App
from trellis.conf import Settings
from trellis.exceptions import ConfigurationError
from trellis.sessions.signing import BadData, SignatureExpired, Signer, secret_keys, signer

from .conftest import KEY, OLD_KEY


def test_dumps_and_loads_round_trip_json() -> None:
    s = Signer([KEY], "purpose")
    token = s.dumps({"user": 1, "tags": ["a", "é"]})
    assert s.loads(token) == ({"user": 1, "tags": ["a", "é"]}, False)
    assert s.unsign(s.sign("abc")) == ("abc", False)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1],  # truncated signature
        lambda t: t[: len(t) // 2],  # cut in half
        lambda t: "x" + t[1:],  # payload changed
        lambda t: t.replace(".", "!", 1),
        lambda t: "",
        lambda t: "not-a-token",
    ],
)
def test_tampered_or_truncated_tokens_raise_bad_data(mangle: object) -> None:
    s = Signer([KEY], "purpose")
    token = s.dumps({"user": 1})
    with pytest.raises(BadData):
        s.loads(mangle(token))  # type: ignore[operator]
    with pytest.raises(BadData):
        s.unsign(mangle(s.sign("value")))  # type: ignore[operator]


def test_a_token_for_another_purpose_or_key_is_refused() -> None:
    token = Signer([KEY], "sessions").dumps({"user": 1})
    with pytest.raises(BadData):
        Signer([KEY], "password-reset").loads(token)
    with pytest.raises(BadData):
        Signer([OLD_KEY], "sessions").loads(token)


def test_a_fallback_key_verifies_and_reports_stale() -> None:
    old = Signer([OLD_KEY], "p").dumps({"n": 1})
    rotated = Signer([KEY, OLD_KEY], "p")
    assert rotated.loads(old) == ({"n": 1}, True)
    fresh = rotated.dumps({"n": 1})
    assert Signer([KEY], "p").loads(fresh) == ({"n": 1}, False)  # signed with the current key
    with pytest.raises(BadData):
        Signer([OLD_KEY], "p").loads(fresh)


def test_expired_tokens_raise_signature_expired(monkeypatch: pytest.MonkeyPatch) -> None:
    s = Signer([KEY, OLD_KEY], "p")
    with monkeypatch.context() as patched:
        patched.setattr(time, "time", lambda: 1_000_000.0)  # signed long ago
        token = s.dumps({"n": 1})
        signed = s.sign("id")
    with pytest.raises(SignatureExpired):
        s.loads(token, max_age=3600)
    with pytest.raises(SignatureExpired):
        s.unsign(signed, max_age=3600)
    assert s.loads(token)[0] == {"n": 1}  # without max_age, age does not matter


def test_signer_follows_the_settings_and_refuses_without_a_key() -> None:
    app = App(settings=Settings(secret_key=KEY, secret_key_fallbacks=[OLD_KEY]))
    assert secret_keys(app) == [KEY, OLD_KEY]
    first = signer(app, "p")
    assert signer(app, "p") is first  # cached
    app.settings.secret_key = OLD_KEY  # type: ignore[assignment]
    assert signer(app, "p").keys[0] == OLD_KEY  # a changed key is seen
    with pytest.raises(ConfigurationError, match="secret key"):
        secret_keys(App(settings=Settings(debug=False)))


def test_debug_without_a_key_signs_with_one_random_key_per_process() -> None:
    one = App(settings=Settings(debug=True))
    two = App(settings=Settings(debug=True))
    assert secret_keys(one) == secret_keys(two)
    assert len(secret_keys(one)[0]) >= 50
    token = signer(one, "p").dumps(1)
    assert signer(two, "p").loads(token) == (1, False)
