"""``trellis createuser``: interactive and ``--noinput``, superusers, refusals."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, select
from tests.auth.support import AUTH_TABLES, FAST, SECRET

from trellis.auth import PasswordHasher, User
from trellis.auth.cli import createuser
from trellis.db import Model
from trellis.db.sessions import Session

APP = """
from trellis import App
from trellis.auth import Auth
from trellis.db import Database

app = App()
app.install(Database("sqlite:///{db}"))
app.install(Auth())
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    database = tmp_path / "cli.db"
    (tmp_path / "cliapp.py").write_text(APP.format(db=database))
    engine = create_engine(f"sqlite:///{database}")
    Model.metadata.create_all(engine, tables=AUTH_TABLES)
    engine.dispose()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRELLIS_APP", raising=False)
    for name, value in (
        ("SECRET_KEY", SECRET),
        ("AUTH_ARGON2_TIME_COST", str(FAST.time_cost)),
        ("AUTH_ARGON2_MEMORY_COST", str(FAST.memory_cost)),
        ("AUTH_ARGON2_PARALLELISM", str(FAST.parallelism)),
    ):
        monkeypatch.setenv(f"TRELLIS_{name}", value)
    modules = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - modules:
        if name.startswith("cliapp"):
            del sys.modules[name]


def saved(project: Path) -> list[User]:
    engine = create_engine(f"sqlite:///{project / 'cli.db'}")
    try:
        with Session(engine) as db:
            return list(db.scalars(select(User).order_by(User.id)))
    finally:
        engine.dispose()


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(createuser, ["--app", "cliapp.py", *args], input=input)


def test_interactive_superuser(project: Path) -> None:
    result = run(
        "--superuser",
        input="boss\nboss@example.com\nshort\nshort\nlong enough pass\nlong enough pass\n",
    )
    assert result.exit_code == 0, result.output
    assert "at least 8 characters" in result.output  # asked again
    assert "Superuser 'boss' created." in result.output
    assert "long enough pass" not in result.output  # never echoed
    [boss] = saved(project)
    assert (boss.username, boss.email, boss.is_staff, boss.is_superuser) == (
        "boss",
        "boss@example.com",
        True,
        True,
    )
    assert boss.password_hash.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert PasswordHasher(FAST).verify(boss.password_hash, "long enough pass")


def test_noinput_reads_the_environment(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRELLIS_CREATEUSER_USERNAME", "deploy")
    monkeypatch.setenv("TRELLIS_CREATEUSER_EMAIL", "ops@example.com")
    monkeypatch.setenv("TRELLIS_CREATEUSER_PASSWORD", "from the environment")
    result = run("--noinput")
    assert result.exit_code == 0, result.output
    assert result.output == "User 'deploy' created.\n"
    [user] = saved(project)
    assert (user.email, user.is_staff, user.is_superuser) == ("ops@example.com", False, False)
    assert PasswordHasher(FAST).verify(user.password_hash, "from the environment")


def test_noinput_without_a_password_makes_an_unusable_one(project: Path) -> None:
    result = run("--noinput", "--username", "robot", "--staff")
    assert result.exit_code == 0, result.output
    assert "no usable password" in result.output
    [robot] = saved(project)
    assert robot.is_staff
    assert not robot.has_usable_password()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "Choose a username."),
        ({"USERNAME": "bad name"}, "only letters"),
        ({"USERNAME": "ok", "PASSWORD": "123456789"}, "only digits"),
    ],
)
def test_noinput_refusals(
    project: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(f"TRELLIS_CREATEUSER_{name}", value)
    result = run("--noinput")
    assert result.exit_code == 1
    assert message in result.output
    assert saved(project) == []


def test_an_existing_username_is_refused(project: Path) -> None:
    assert run("--noinput", "--username", "ann").exit_code == 0
    again = run("--noinput", "--username", "ann")
    assert again.exit_code == 1
    assert "exists already" in again.output


def test_an_unmigrated_database_is_explained(project: Path) -> None:
    (project / "cli.db").unlink()
    result = run("--noinput", "--username", "ann")
    assert result.exit_code == 1
    assert "trellis db migrate" in result.output


def test_an_app_without_auth_is_explained(project: Path) -> None:
    (project / "cliapp.py").write_text("from trellis import App\napp = App()\n")
    result = run("--noinput", "--username", "ann")
    assert result.exit_code == 1
    assert "app.install(Auth())" in result.output
