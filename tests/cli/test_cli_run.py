from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import trellis.cli.run as run_module
import trellis.cli.servers as servers
from trellis.cli import cli


@pytest.fixture
def launched(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Capture what `trellis run` would exec instead of replacing the test process."""
    seen: dict[str, Any] = {}

    def fake_exec(argv: list[str], env: dict[str, str]) -> None:
        seen["argv"], seen["env"] = argv, env

    monkeypatch.setattr(run_module, "exec_server", fake_exec)
    return seen


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, ["run", *args])


def test_run_defaults_to_granian_with_debug_and_reload(
    tmp_path: Path, asgi_source: str, launched: dict[str, Any]
) -> None:
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "hello.py").write_text(asgi_source)
    result = invoke("--app", "examples/hello.py")
    assert result.exit_code == 0, result.output
    assert result.output == (
        " * Trellis serving examples/hello.py:app at http://127.0.0.1:8000 (debug, reload; granian)\n"
    )
    argv = launched["argv"]
    assert argv[:3] == [sys.executable, "-m", "granian"]
    assert argv[argv.index("--interface") + 1] == "asgi"
    assert argv[argv.index("--working-dir") + 1] == str(tmp_path / "examples")
    assert argv[argv.index("--reload-paths") + 1] == str(tmp_path / "examples")
    assert "--reload" in argv
    assert "--factory" not in argv
    assert argv[-1] == "hello:app"
    assert launched["env"]["TRELLIS_DEBUG"] == "1"


def test_run_options_reach_the_server(
    tmp_path: Path, asgi_source: str, launched: dict[str, Any]
) -> None:
    (tmp_path / "app.py").write_text(asgi_source)
    result = invoke("--host", "::1", "--port", "9001", "--no-reload", "--no-debug")
    assert result.exit_code == 0, result.output
    assert "at http://[::1]:9001 (granian)" in result.output
    argv = launched["argv"]
    assert argv[argv.index("--host") + 1] == "::1"
    assert argv[argv.index("--port") + 1] == "9001"
    assert "--reload" not in argv
    assert launched["env"]["TRELLIS_DEBUG"] == "0"


def test_run_with_uvicorn_and_a_factory(
    tmp_path: Path, asgi_source: str, launched: dict[str, Any]
) -> None:
    (tmp_path / "factory.py").write_text(
        asgi_source.replace("async def app", "async def asgi")
        + "\ndef create_app():\n    return asgi\n"
    )
    result = invoke("--app", "factory.py", "--server", "uvicorn")
    assert result.exit_code == 0, result.output
    assert (
        "factory.py:create_app() at http://127.0.0.1:8000 (debug, reload; uvicorn)" in result.output
    )
    argv = launched["argv"]
    assert argv[:3] == [sys.executable, "-m", "uvicorn"]
    assert argv[argv.index("--app-dir") + 1] == str(tmp_path)
    assert argv[argv.index("--reload-dir") + 1] == str(tmp_path)
    assert "--factory" in argv
    assert argv[-1] == "factory:create_app"


def test_app_import_sees_the_debug_setting(tmp_path: Path, launched: dict[str, Any]) -> None:
    (tmp_path / "app.py").write_text(
        "import os\n"
        "if os.environ['TRELLIS_DEBUG'] != '0':\n"
        "    raise RuntimeError('debug leaked')\n"
        "async def app(scope, receive, send): ...\n"
    )
    assert invoke("--no-debug").exit_code == 0


def test_unknown_server_is_refused(tmp_path: Path, launched: dict[str, Any]) -> None:
    result = invoke("--server", "hypercorn")
    assert result.exit_code == 2
    assert "granian" in result.output
    assert "uvicorn" in result.output
    assert launched == {}


@pytest.mark.parametrize(
    ("missing", "server", "message"),
    [
        ("uvicorn", "uvicorn", 'pip install "trellis[uvicorn]"'),
        ("granian", "granian", 'pip install "granian'),
        ("watchfiles", "granian", "pip install watchfiles, or pass --no-reload"),
    ],
)
def test_missing_packages_say_how_to_install_them(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    asgi_source: str,
    launched: dict[str, Any],
    missing: str,
    server: str,
    message: str,
) -> None:
    (tmp_path / "app.py").write_text(asgi_source)
    real_find_spec = servers.importlib.util.find_spec
    monkeypatch.setattr(
        servers.importlib.util,
        "find_spec",
        lambda name, *a: None if name == missing else real_find_spec(name, *a),
    )
    result = invoke("--server", server)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert launched == {}


def test_discovery_errors_are_clean(tmp_path: Path, launched: dict[str, Any]) -> None:
    (tmp_path / "app.py").write_text("def broken(:\n")
    result = invoke()
    assert result.exit_code == 1
    assert result.output.startswith("Error: Error while importing 'app'")
    assert "SyntaxError" in result.output
    assert launched == {}
