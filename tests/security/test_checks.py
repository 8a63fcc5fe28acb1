"""Deploy checks: each unsafe setting is listed with a stable ID and a fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from trellis import App
from trellis.checks import run_checks
from trellis.conf import Settings
from trellis.security import CSRF, Security

STRONG_KEY = "Hq3vN8xZ2pL6tR1wY9cF4mJ7bK0dS5gA3eU8iO2nV6hT1"
SAFE_OPTIONS = {"https_redirect": True}


def ids(app: App, *, deploy: bool = True) -> set[str]:
    app.startup_freeze()
    return {message.id for message in run_checks(app, deploy=deploy)}


def app_with(settings: Settings | None = None, *, csrf: bool = True, **options: object) -> App:
    app = App(
        settings=settings or Settings(allowed_hosts=["example.com"], secret_key=STRONG_KEY)  # type: ignore[arg-type]
    )
    app.install(Security(**{**SAFE_OPTIONS, **options}))  # type: ignore[arg-type]
    if csrf:
        app.install(CSRF())
    return app


def security_ids(app: App) -> set[str]:
    return {i for i in ids(app) if i.startswith("trellis.security.")}


def test_a_safe_setup_has_no_security_findings() -> None:
    assert security_ids(app_with()) == set()


def test_nothing_is_reported_without_deploy() -> None:
    app = app_with(hsts_seconds=0, https_redirect=False, csrf=False)
    assert {i for i in ids(app, deploy=False) if i.startswith("trellis.security.")} == set()


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"hsts_seconds": 0}, "trellis.security.W003"),
        ({"https_redirect": False}, "trellis.security.W004"),
        ({"frame_options": "", "frame_ancestors": ""}, "trellis.security.W007"),
        ({"content_type_nosniff": False}, "trellis.security.W008"),
        ({"trusted_proxies": ["*"]}, "trellis.security.W009"),
        ({"trusted_proxies": ["0.0.0.0/0"]}, "trellis.security.W009"),
        ({"enforce_hosts": False}, "trellis.security.W010"),
        ({"referrer_policy": ""}, "trellis.security.W011"),
    ],
)
def test_each_unsafe_option_is_reported(options: dict[str, object], expected: str) -> None:
    assert security_ids(app_with(**options)) == {expected}


def test_only_local_allowed_hosts() -> None:
    settings = Settings(secret_key=STRONG_KEY)  # type: ignore[arg-type]
    assert security_ids(app_with(settings)) == {"trellis.security.W002"}


def test_session_cookie_not_secure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRELLIS_SESSION_SECURE", "false")
    assert "trellis.security.W005" in security_ids(app_with())
    monkeypatch.setenv("TRELLIS_SESSION_SECURE", "true")
    assert "trellis.security.W005" not in security_ids(app_with())


def test_csrf_not_installed() -> None:
    assert security_ids(app_with(csrf=False)) == {"trellis.security.W006"}


def test_security_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRELLIS_SECURITY_ENABLED", "false")
    app = App(settings=Settings(allowed_hosts=["example.com"], secret_key=STRONG_KEY))  # type: ignore[arg-type]
    found = ids(app)
    assert "trellis.security.W001" in found
    assert app.extensions.get("security") is None


def test_messages_carry_a_hint() -> None:
    app = app_with(hsts_seconds=0, csrf=False)
    app.startup_freeze()
    messages = [m for m in run_checks(app, deploy=True) if m.id.startswith("trellis.security.")]
    assert {m.id for m in messages} == {"trellis.security.W003", "trellis.security.W006"}
    for message in messages:
        assert message.level == "warning"
        assert message.hint
    assert "TRELLIS_SECURITY_HSTS_SECONDS" in str(messages[0]) + str(messages[1])


APP = """
from trellis import App

app = App()

@app.get("/")
def index():
    return "hi"
"""


def test_trellis_check_deploy_lists_core_and_security_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trellis.cli import cli

    (tmp_path / "app.py").write_text(APP)
    monkeypatch.chdir(tmp_path)
    env = {
        "TRELLIS_DEBUG": "0",
        "TRELLIS_ALLOWED_HOSTS": '["*"]',
        "TRELLIS_SECURITY_HSTS_SECONDS": "0",
    }
    result = CliRunner().invoke(cli, ["check", "--deploy", "--no-probes"], env=env)
    assert result.exit_code == 0, result.output  # warnings only
    output = result.output
    # the core's: no secret key and '*' in allowed hosts
    assert "trellis.W002" in output
    assert "trellis.W004" in output
    # the battery's, each with its hint
    for finding in ("trellis.security.W003", "trellis.security.W004", "trellis.security.W006"):
        assert finding in output
    assert "HINT: set TRELLIS_SECURITY_HSTS_SECONDS=31536000" in output
    strict = CliRunner().invoke(
        cli, ["check", "--deploy", "--no-probes", "--fail-level", "warning"], env=env
    )
    assert strict.exit_code == 1
