"""The pytest plugin: the `client` and `settings` fixtures, run in a pytest inside pytest."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import pytest
from pydantic_settings import BaseSettings

from trellis.testing.plugin import SettingsOverride

pytest_plugins = ["pytester"]

APP = """
import asyncio
from types import SimpleNamespace

import pytest


class App:
    def __init__(self):
        self.settings = SimpleNamespace(debug=False, greeting="hello")
        self.started = False

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            await receive()
            self.started = True
            await send({"type": "lifespan.startup.complete"})
            await receive()
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["path"] == "/hang":
            await asyncio.Event().wait()
        body = f"{self.settings.greeting} started={self.started}".encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})


SHARED = App()


@pytest.fixture
def app():
    return SHARED
"""


def run(pytester: pytest.Pytester, *args: str, ini: str = "") -> pytest.RunResult:
    pytester.makeini(f"[pytest]\nasyncio_default_fixture_loop_scope = function\n{ini}")
    return pytester.runpytest("-W", "error", *args)


def test_client_fixture_runs_the_lifespan(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(APP)
    pytester.makepyfile(
        """
        from trellis.testing import TestClient

        def test_it(client, app):
            assert isinstance(client, TestClient)
            assert client.app is app
            assert client.get("/").text == "hello started=True"
        """
    )
    run(pytester).assert_outcomes(passed=1)


def test_settings_overrides_are_undone_after_each_test(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(APP)
    pytester.makepyfile(
        """
        def test_override(settings, client, app):
            settings.greeting = "bonjour"
            settings.override(debug=True, extra="new")
            assert app.settings.debug is True
            assert settings.greeting == "bonjour"
            assert client.get("/").text.startswith("bonjour")

        def test_restored(app):
            assert app.settings.greeting == "hello"
            assert app.settings.debug is False
            assert not hasattr(app.settings, "extra")
        """
    )
    run(pytester).assert_outcomes(passed=2)


def test_missing_app_fixture_says_how_to_fix_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_client(client):
            pass

        def test_settings(settings):
            pass
        """
    )
    result = run(pytester)
    result.assert_outcomes(errors=2)
    result.stdout.no_fnmatch_line("*During handling*")
    result.stdout.fnmatch_lines(["*The `client` fixture needs an `app` fixture*"])
    result.stdout.fnmatch_lines(["*The `settings` fixture needs an `app` fixture*"])


def test_timeout_comes_from_the_ini_file(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(APP)
    pytester.makepyfile(
        """
        import httpx, pytest

        def test_hang(client):
            with pytest.raises(httpx.ReadTimeout):
                client.get("/hang")
        """
    )
    run(pytester, ini="trellis_timeout = 0.1").assert_outcomes(passed=1)


def test_a_bad_timeout_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(APP)
    pytester.makepyfile("def test_it(client):\n    pass\n")
    result = run(pytester, ini="trellis_timeout = soon")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*trellis_timeout must be a number*"])


def test_loading_the_plugin_does_not_import_httpx() -> None:
    code = "import sys, trellis.testing.plugin; print('httpx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_override_restores_newest_first_and_deletions() -> None:
    target = SimpleNamespace(a=1)
    override = SettingsOverride(target)
    override.a = 2
    override.a = 3
    del override.a
    assert not hasattr(target, "a")
    override.restore()
    assert target.a == 1
    override.restore()  # twice is harmless
    assert target.a == 1
    assert repr(override).startswith("SettingsOverride(")


def test_override_works_on_pydantic_settings() -> None:
    class Settings(BaseSettings):
        debug: bool = False
        secret_key: str = ""

    settings = Settings()
    override = SettingsOverride(settings)
    override.debug = True
    override.secret_key = "s3cret"
    assert (settings.debug, settings.secret_key) == (True, "s3cret")
    with pytest.raises(ValueError, match="no field"):
        override.unknown = 1
    override.restore()
    assert (settings.debug, settings.secret_key) == (False, "")
