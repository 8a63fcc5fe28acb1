"""Battery options read through trellis.conf.setting: project field, then environment, then default."""

import pytest

from trellis.conf import Settings, setting
from trellis.exceptions import ConfigurationError


class SiteSettings(Settings):
    session_cookie_name: str = "sid"


def test_project_field_wins_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRELLIS_SESSION_COOKIE_NAME", "from-env")
    assert setting(SiteSettings(), "session_cookie_name", "session") == "from-env"
    assert setting(SiteSettings(session_cookie_name="x"), "session_cookie_name", "s") == "x"


def test_environment_then_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert setting(Settings(), "csrf_header_name", "X-CSRFToken") == "X-CSRFToken"
    monkeypatch.setenv("TRELLIS_CSRF_HEADER_NAME", "X-Token")
    assert setting(Settings(), "csrf_header_name", "X-CSRFToken") == "X-Token"


def test_environment_values_are_typed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRELLIS_SESSION_MAX_AGE", "3600")
    monkeypatch.setenv("TRELLIS_CSRF_TRUSTED_ORIGINS", '["https://a.example"]')
    monkeypatch.setenv("TRELLIS_SESSION_SECURE", "true")
    assert setting(Settings(), "session_max_age", 10) == 3600
    assert setting(Settings(), "csrf_trusted_origins", [], list[str]) == ["https://a.example"]
    assert setting(Settings(), "session_secure", False) is True


def test_bad_environment_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRELLIS_SESSION_MAX_AGE", "soon")
    with pytest.raises(ConfigurationError, match="TRELLIS_SESSION_MAX_AGE='soon'"):
        setting(Settings(), "session_max_age", 10)
