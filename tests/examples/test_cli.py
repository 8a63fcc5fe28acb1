"""docs/examples/cli.py: `trellis routes` on the example app, and its battery-style command group."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from trellis.cli import cli

EXAMPLE = "docs/examples/cli.py"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def in_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("TRELLIS_APP", raising=False)


def test_routes_of_the_example() -> None:
    result = CliRunner().invoke(cli, ["routes", "--app", EXAMPLE])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["METHODS", "PATH", "NAME", "HANDLER"]
    assert lines[1].split() == ["GET", "/", "index", "docs.examples.cli.index"]
    assert lines[2].split() == ["GET", "/users/<int:id>", "user", "docs.examples.cli.user"]


def test_the_example_command_group_gets_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    stats = importlib.import_module("docs.examples.cli").stats
    monkeypatch.setenv("TRELLIS_APP", EXAMPLE)
    result = CliRunner().invoke(stats, ["count"])
    assert result.exit_code == 0, result.output
    assert result.output == "2 routes\n"
