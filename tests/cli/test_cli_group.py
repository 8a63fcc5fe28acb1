from __future__ import annotations

import subprocess
import sys
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

import trellis.cli as trellis_cli
from trellis.__about__ import __version__
from trellis.cli import TrellisGroup, cli, with_app


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"trellis, version {__version__}\n"


def test_console_script() -> None:
    script = Path(sys.executable).with_name("trellis")
    completed = subprocess.run(
        [str(script), "--version"], capture_output=True, text=True, timeout=30, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert __version__ in completed.stdout


def test_help_lists_the_built_in_commands() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "run" in result.output
    assert "routes" in result.output


def _group_with_entry_points(
    monkeypatch: pytest.MonkeyPatch, entries: dict[str, str]
) -> TrellisGroup:
    points = [EntryPoint(name, value, "trellis.commands") for name, value in entries.items()]
    monkeypatch.setattr(trellis_cli, "entry_points", lambda group: points)

    @click.group(cls=TrellisGroup)
    def root() -> None: ...

    return root  # type: ignore[return-value]


def test_battery_groups_come_from_entry_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "battery_cli.py").write_text(
        "import click\n"
        "@click.group(help='Database commands.')\n"
        "def db(): ...\n"
        "@db.command()\n"
        "def migrate():\n"
        "    click.echo('migrated')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    root = _group_with_entry_points(monkeypatch, {"db": "battery_cli:db"})
    runner = CliRunner()
    assert "Database commands." in runner.invoke(root, ["--help"]).output
    result = runner.invoke(root, ["db", "migrate"])
    assert result.exit_code == 0, result.output
    assert result.output == "migrated\n"


def test_a_broken_battery_does_not_break_the_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    root = _group_with_entry_points(
        monkeypatch, {"broken": "no_such_module_xyz:cli", "wrong": "json:dumps"}
    )
    runner = CliRunner()
    listing = runner.invoke(root, ["--help"])
    assert listing.exit_code == 0
    assert "unavailable" in listing.output
    result = runner.invoke(root, ["broken"])
    assert result.exit_code == 1
    assert "The command 'broken' is unavailable" in result.output
    assert "not a click command" in runner.invoke(root, ["wrong"]).output


def test_with_app_gives_commands_the_discovered_app(tmp_path: Path, asgi_source: str) -> None:
    (tmp_path / "app.py").write_text(asgi_source + "\nNAME = 'from-app-py'\n")
    (tmp_path / "other.py").write_text(asgi_source + "\nNAME = 'from-other'\n")

    @click.command()
    @click.option("--loud", is_flag=True)
    @with_app
    def show(app: Any, loud: bool) -> None:
        name = __import__(app.__module__).NAME
        click.echo(name.upper() if loud else name)

    runner = CliRunner()
    assert runner.invoke(show, []).output == "from-app-py\n"
    assert runner.invoke(show, ["--app", "other.py", "--loud"]).output == "FROM-OTHER\n"
