"""``trellis check``: core findings, battery checks, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from trellis.cli import cli

APP = """
from trellis import App
from trellis.checks import CheckMessage

app = App()

@app.get("/")
async def index():
    return "ok"

@app.add_check
def custom(app, deploy):
    if app.settings.debug:
        yield CheckMessage("custom.E001", "error", "custom check saw debug", "turn it off")
"""


def test_clean_app_has_no_findings(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP)
    result = CliRunner().invoke(cli, ["check"], env={"TRELLIS_DEBUG": "0"})
    assert result.exit_code == 0, result.output
    assert "No issues found." in result.output


def test_deploy_lists_unsafe_settings_with_ids_and_hints(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP)
    key = "k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789" * 2
    env = {"TRELLIS_DEBUG": "0", "TRELLIS_ALLOWED_HOSTS": '["*"]', "TRELLIS_SECRET_KEY": key}
    result = CliRunner().invoke(cli, ["check", "--deploy"], env=env)
    assert result.exit_code == 0, result.output  # warnings only
    assert "trellis.W004" in result.output
    assert "HINT:" in result.output
    strict = CliRunner().invoke(cli, ["check", "--deploy", "--fail-level", "warning"], env=env)
    assert strict.exit_code == 1


def test_a_placeholder_secret_key_stops_the_app_with_how_to_make_one(tmp_path: Path) -> None:
    # The sessions battery (installed once a key is set) refuses to start on a known default.
    (tmp_path / "app.py").write_text(APP)
    env = {"TRELLIS_DEBUG": "0", "TRELLIS_SECRET_KEY": "secret"}
    result = CliRunner().invoke(cli, ["check", "--deploy"], env=env)
    assert result.exit_code == 1
    assert "the app cannot start" in result.output
    assert "token_urlsafe(50)" in result.output


def test_a_battery_check_error_fails_the_command(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP)
    result = CliRunner().invoke(cli, ["check", "--deploy"], env={"TRELLIS_DEBUG": "1"})
    assert result.exit_code == 1
    assert "custom.E001" in result.output
    assert "trellis.W001" in result.output
    assert "trellis.W002" in result.output


def test_a_start_up_error_is_reported(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "from trellis import App\napp = App()\nclass X: pass\n"
        "@app.get('/')\nasync def index(x: X):\n    return ''\n"
    )
    result = CliRunner().invoke(cli, ["check"])
    assert result.exit_code == 1
    assert "the app cannot start" in result.output
    assert "cannot be filled" in result.output


PROBED = """
from trellis import App

app = App()
started = []

@app.on_startup
async def start():
    started.append(True)

async def needs_startup():
    return True if started else "the app was not started"

async def broken():
    raise ConnectionRefusedError("redis at 127.0.0.1:1 refused the connection")

app.add_probe("started", needs_startup)
app.add_probe("cache", broken)
"""


def test_check_runs_the_readiness_probes_inside_the_apps_lifespan(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(PROBED)
    result = CliRunner().invoke(cli, ["check"], env={"TRELLIS_DEBUG": "0"})
    assert result.exit_code == 0, result.output  # a failing probe is a warning
    assert "trellis.W010" in result.output
    assert "'cache' fails: ConnectionRefusedError: redis at 127.0.0.1:1" in result.output
    assert "'started'" not in result.output
    strict = CliRunner().invoke(cli, ["check", "--fail-level", "warning"])
    assert strict.exit_code == 1
    skipped = CliRunner().invoke(cli, ["check", "--no-probes"], env={"TRELLIS_DEBUG": "0"})
    assert "trellis.W010" not in skipped.output


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("change-me", "well-known placeholder"),
        ("short-but-random-9f3K", "shorter than 32 characters"),
        ("ab" * 20, "repeats too few characters"),
    ],
)
def test_the_core_check_judges_a_key_as_the_signing_batteries_do(key: str, problem: str) -> None:
    # trellis check and the start-up guard share one judgement (trellis.conf.secret_key_problem).
    from trellis import App
    from trellis.checks import core_checks
    from trellis.conf import Settings
    from trellis.security.secrets import require_secret_key

    app = App(settings=Settings(secret_key=key, debug=False))
    found = {m.id: m.message for m in core_checks(app, True)}
    assert problem in found["trellis.W003"]
    with pytest.raises(Exception, match=problem):
        require_secret_key(app, "sessions")
    strong = App(settings=Settings(secret_key="k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789"))
    assert "trellis.W003" not in {m.id for m in core_checks(strong, True)}
