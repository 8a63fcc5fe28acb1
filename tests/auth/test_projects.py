"""The auth battery in a project, run in child processes (models register on the shared ``Model``
base, which must not leak into other tests): migrations see its tables, a project replaces the
user model.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.auth.support import SECRET

ROOT = Path(__file__).resolve().parents[2]
CLI = (
    "from trellis.cli import cli\n"
    "from trellis.db.cli import db\n"
    "from trellis.auth.cli import createuser\n"
    "cli.add_command(db)\n"
    "cli.add_command(createuser)\n"
    "cli.main(prog_name='trellis')\n"
)
APP = """
from trellis import App
from trellis.auth import Auth
from trellis.db import Database

app = App(__name__)
app.install(Database("sqlite:///site.db"))
app.install(Auth())
"""
CUSTOM = """
import json

from trellis import App
from trellis.auth import AbstractUser, Auth, CurrentUser
from trellis.db import Database, Mapped, Model, String, mapped_column
from trellis.testing import TestClient


class Member(AbstractUser):
    login_field = "email"  # people log in with their e-mail address
    display_name: Mapped[str] = mapped_column(String(80), default="")


app = App()
database = app.install(Database("sqlite:///custom.db"))
app.install(Auth(user_model=Member))


@app.get("/me")
def me(user: CurrentUser) -> dict[str, str]:
    assert isinstance(user, Member)
    return {"name": user.display_name}


Model.metadata.create_all(database.sync_engine())
with database.session() as db:
    member = Member(username="m1", email="ada@example.com", display_name="Ada")
    member.set_password("members only please")
    db.add(member)
with TestClient(app) as client:
    form = {"username": "ada@example.com", "password": "members only please"}
    status = client.post("/auth/login", data=form).status_code
    print(json.dumps({
        "login": status,
        "me": client.get("/me").json(),
        "columns": sorted(Member.__table__.columns.keys()),
        "default_user_mapped": "trellis.auth.user" in __import__("sys").modules,
    }))
"""


def run(project: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "TRELLIS_APP"}
    env.update(
        PYTHONPATH=str(ROOT),
        TRELLIS_SECRET_KEY=SECRET,
        TRELLIS_AUTH_ARGON2_TIME_COST="1",
        TRELLIS_AUTH_ARGON2_MEMORY_COST="8",
        TRELLIS_AUTH_ARGON2_PARALLELISM="1",
    )
    done = subprocess.run(
        [sys.executable, *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_makemigrations_sees_the_auth_tables(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP)
    wrote = run(tmp_path, "-c", CLI, "db", "makemigrations", "-m", "auth")
    assert wrote.startswith("Wrote ")
    migration = Path(wrote.removeprefix("Wrote ").strip()).read_text()
    for table in (
        "auth_user",
        "auth_group",
        "auth_permission",
        "auth_user_groups",
        "auth_group_permissions",
        "auth_user_permissions",
        "auth_api_token",
        "auth_login_failure",
        "auth_login_lockout",
    ):
        assert re.search(rf"op\.create_table\(\s*[\"']{table}[\"']", migration), table
    assert "Applied" in run(tmp_path, "-c", CLI, "db", "migrate")
    assert run(tmp_path, "-c", CLI, "createuser", "--noinput", "--username", "first")
    again = run(tmp_path, "-c", CLI, "db", "makemigrations")
    assert again == "No changes detected in database 'default'.\n"


def test_a_project_replaces_the_user_model(tmp_path: Path) -> None:
    (tmp_path / "custom.py").write_text(CUSTOM)
    found = json.loads(run(tmp_path, "custom.py").strip().splitlines()[-1])
    assert found["login"] == 303
    assert found["me"] == {"name": "Ada"}
    assert "display_name" in found["columns"]
    assert "password_hash" in found["columns"]
    assert found["default_user_mapped"] is False


DOCS_MEMBER = """
import json

from docs.examples.auth_member import Member, create_app
from trellis.db import Database, Model
from trellis.testing import TestClient

app = create_app()
database = Database.of(app)
Model.metadata.create_all(database.sync_engine())
with database.session() as db:
    member = Member(username="m1", email="ada@example.com", display_name="Ada")
    member.set_password("members only please")
    db.add(member)
with TestClient(app) as client:
    form = {"username": "ada@example.com", "password": "members only please"}
    status = client.post("/auth/login", data=form).status_code
    print(json.dumps({"login": status, "me": client.get("/me").json()}))
"""


def test_the_docs_custom_user_model_example_runs(tmp_path: Path) -> None:
    # docs/auth.md includes docs/examples/auth_member.py; it maps auth_user itself, so it runs
    # in a process of its own.
    (tmp_path / "member.py").write_text(DOCS_MEMBER)
    found = json.loads(run(tmp_path, "member.py").strip().splitlines()[-1])
    assert found == {"login": 303, "me": {"name": "Ada"}}
