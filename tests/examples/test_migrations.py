"""docs/examples/migrations_project: its committed migrations build the schema its models describe.

The commands run in a child process, as a user runs them, on a copy of the project: the example's
models are registered on the shared ``Model`` base, which must not leak into other tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "migrations_project"
# `trellis` with the battery commands added, whether or not the entry points are installed.
CLI = (
    "from trellis.cli import cli\n"
    "from trellis.db.cli import db, shell\n"
    "cli.add_command(db)\n"
    "cli.add_command(shell)\n"
    "cli.main(prog_name='trellis')\n"
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns("*.db", "__pycache__"))
    return target


def trellis(project: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "TRELLIS_APP"}
    done = subprocess.run(
        [sys.executable, "-c", CLI, *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_committed_migrations_match_the_models(project: Path) -> None:
    assert trellis(project, "db", "history").splitlines() == [
        "01aa0a090e9a  0001_initial  initial",
        "0e5f1211339e  0002_add_published_to_post (head)  Add published to post",
    ]
    sql = trellis(project, "db", "sql", "01aa0a090e9a")
    assert "CREATE TABLE author" in sql
    assert "CREATE INDEX ix_post_title ON post (title)" in sql
    assert not (project / "blog.db").exists()  # neither command touched the database

    assert trellis(project, "db", "migrate") == (
        "Applied 0001_initial\nApplied 0002_add_published_to_post\n"
    )
    # If the models gain a field without a migration, this is where the docs fail.
    assert (
        trellis(project, "db", "makemigrations") == "No changes detected in database 'default'.\n"
    )
    assert trellis(project, "db", "current") == "0e5f1211339e  0002_add_published_to_post (head)\n"
    assert "migrations." not in trellis(project, "check")
    assert not (project / "migrations" / "default" / "versions" / "0003_auto.py").exists()


def test_the_shell_and_the_app_work_on_the_migrated_schema(project: Path) -> None:
    trellis(project, "db", "migrate")
    trellis(
        project,
        "shell",
        "-c",
        "ada = Author(name='Ada', email='ada@example.com')\n"
        "db.add_all([Post(title='Hello', author=ada, published=True),"
        " Post(title='Draft', author=ada)])\n",
    )
    output = trellis(
        project,
        "shell",
        "-c",
        "from trellis.testing import TestClient\nprint(TestClient(app).get('/posts').json())",
    )
    assert output == "[{'title': 'Hello', 'author': 'Ada'}]\n"
