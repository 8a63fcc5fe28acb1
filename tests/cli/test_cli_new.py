"""``trellis new`` and ``trellis startapp``, and what a new project does out of the box.

The end-to-end tests run a new project as its developer would, in subprocesses and with nothing
installed beyond this virtualenv: its own tests (pytest), its migrations, ``trellis check
--deploy`` with the production settings of ``.env.example``, and ``trellis serve`` on a free
loopback port, from which the home page and a static file are fetched.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from tests.support.servers import free_port, running_server

from trellis.cli import cli

BIN = Path(sys.executable).parent
TRELLIS = str(BIN / "trellis")


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any TRELLIS_* variable: what a fresh shell has."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRELLIS_")}
    env.update(PYTHONDONTWRITEBYTECODE="1", **extra)
    return env


def run(argv: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv,
        cwd=cwd,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def production_env(project: Path, database: Path) -> dict[str, str]:
    """``.env.example`` filled in as its comments say: a new secret key, this host, our database."""
    values = {}
    for line in (project / ".env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value.strip('"')
    values["TRELLIS_SECRET_KEY"] = secrets.token_urlsafe(50)
    values["TRELLIS_DATABASE_URL"] = f"sqlite:///{database}"
    return values


# --- the commands ---------------------------------------------------------------------------


def test_new_minimal(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["new", "tiny", "--minimal"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Created minimal project 'tiny' in tiny (6 files).\n")
    assert "  cd tiny\n" in result.output
    assert "trellis db migrate" not in result.output
    assert (tmp_path / "tiny" / "app.py").is_file()


def test_new_into_a_directory(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["new", "tiny", "sites/first", "--minimal"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "sites" / "first" / "app.py").is_file()
    assert "  cd sites/first\n" in result.output


def test_new_full_project_reports_its_migration(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["new", "mysite"])
    assert result.exit_code == 0, result.output
    assert "Created project 'mysite' in mysite (29 files)." in result.output
    assert "Wrote the first migration: mysite/migrations/default/versions/0001_initial.py" in (
        result.output
    )
    assert "trellis db migrate" in result.output


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["new", "my-site"], "'my-site' cannot be a project name"),
        (["new", "json"], "standard library"),
        (["new", "blog"], "its example blueprint has that name"),
        (["startapp", "class"], "'class' is a Python keyword"),
    ],
)
def test_bad_names_are_refused_before_anything_is_written(
    tmp_path: Path, argv: list[str], message: str
) -> None:
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 1
    assert message in result.output
    assert list(tmp_path.iterdir()) == []


def test_an_existing_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "mysite").mkdir()
    (tmp_path / "mysite" / "app.py").write_text("# mine\n")
    result = CliRunner().invoke(cli, ["new", "mysite", "--minimal"])
    assert result.exit_code == 1
    assert "already exists and is not an empty folder" in result.output
    assert (tmp_path / "mysite" / "app.py").read_text() == "# mine\n"


def test_startapp_in_a_project_says_where_to_mount_it(tmp_path: Path) -> None:
    assert CliRunner().invoke(cli, ["new", "mysite"]).exit_code == 0
    os.chdir(tmp_path / "mysite")
    result = CliRunner().invoke(cli, ["startapp", "shop"])
    assert result.exit_code == 0, result.output
    assert "Created blueprint 'shop' in shop (10 files)." in result.output
    assert "mount it in the routes list in mysite/urls.py:" in result.output
    assert "from shop.urls import blueprint as shop" in result.output
    assert 'include("/shop", shop),' in result.output
    assert (tmp_path / "mysite" / "shop" / "models.py").is_file()
    again = CliRunner().invoke(cli, ["startapp", "shop"])
    assert again.exit_code == 1
    assert "already exists" in again.output


def test_startapp_outside_a_project(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["startapp", "shop", "--directory", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "your routes list (urls.py)" in result.output


# --- a new project, end to end ------------------------------------------------------------------


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A full project made by the console script, as a developer makes one."""
    where = tmp_path_factory.mktemp("new")
    made = run([TRELLIS, "new", "mysite"], cwd=where)
    assert made.returncode == 0, made.stdout + made.stderr
    return where / "mysite"


@pytest.fixture(scope="module")
def minimal_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("new")
    made = run([TRELLIS, "new", "tiny", "--minimal"], cwd=where)
    assert made.returncode == 0, made.stdout + made.stderr
    return where / "tiny"


def run_tests(project: Path) -> subprocess.CompletedProcess[str]:
    # This virtualenv's pytest, with the project importable and nothing installed.
    return run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        PYTHONPATH=str(project),
    )


def test_a_new_projects_tests_pass(project: Path) -> None:
    result = run_tests(project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\b11 passed\b", result.stdout), result.stdout


def test_a_new_minimal_projects_tests_pass(minimal_project: Path) -> None:
    result = run_tests(minimal_project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\b3 passed\b", result.stdout), result.stdout


def test_check_deploy_passes_once_the_production_settings_are_set(
    project: Path, tmp_path: Path
) -> None:
    database = tmp_path / "production.db"
    env = production_env(project, database)
    migrated = run([TRELLIS, "db", "migrate"], cwd=project, **env)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert "Applied 0001_initial" in migrated.stdout
    checked = run([TRELLIS, "check", "--deploy", "--fail-level", "warning"], cwd=project, **env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.strip() == "No issues found."


def test_check_deploy_flags_the_development_settings(project: Path) -> None:
    # Only .env (debug on, no host names, no HTTPS redirect): not ready for production.
    checked = run(
        [TRELLIS, "check", "--deploy", "--fail-level", "warning", "--no-probes"], cwd=project
    )
    assert checked.returncode == 1
    assert "trellis.W001" in checked.stdout  # debug
    assert "trellis.security.W004" in checked.stdout  # no HTTPS redirect


def stylesheet_of(page: str) -> str:
    found = re.search(r'<link rel="stylesheet" href="([^"]+)">', page)
    assert found is not None, page
    return found.group(1)


@pytest.mark.server
def test_a_new_project_migrates_and_serves(project: Path, tmp_path: Path) -> None:
    database = tmp_path / "served.db"
    env = production_env(project, database)
    env.update(TRELLIS_SECURITY_HTTPS_REDIRECT="false", TRELLIS_ALLOWED_HOSTS='["127.0.0.1"]')
    migrated = run([TRELLIS, "db", "migrate"], cwd=project, **env)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    # As the Dockerfile does it: debug only lets the app be built without the secret key.
    collected = run([TRELLIS, "collectstatic"], cwd=project, TRELLIS_DEBUG="true")
    assert collected.returncode == 0, collected.stdout + collected.stderr
    port = free_port()
    argv = [TRELLIS, "serve", "--workers", "1", "--port", str(port)]
    base = f"http://127.0.0.1:{port}"
    with running_server(
        argv, base_url=base, probe="/health/live", cwd=project, env=clean_env(**env)
    ):
        home = httpx.get(base + "/")
        assert home.status_code == 200
        assert "Welcome to Mysite" in home.text
        stylesheet = stylesheet_of(home.text)
        assert re.fullmatch(r"/static/css/site\.[0-9a-f]+\.css", stylesheet)  # hashed
        css = httpx.get(base + stylesheet)
        assert css.status_code == 200
        assert css.headers["content-type"].startswith("text/css")
        assert css.text == (project / "mysite" / "static" / "css" / "site.css").read_text()
        blog = httpx.get(base + "/blog/")
        assert blog.status_code == 200
        assert "No entries yet." in blog.text
        assert httpx.get(base + "/health/ready").json()["status"] == "ok"


@pytest.mark.server
def test_a_new_minimal_project_serves(minimal_project: Path) -> None:
    # No database, so nothing to migrate.
    collected = run([TRELLIS, "collectstatic"], cwd=minimal_project)
    assert collected.returncode == 0, collected.stdout + collected.stderr
    port = free_port()
    argv = [TRELLIS, "serve", "--workers", "1", "--port", str(port)]
    base = f"http://127.0.0.1:{port}"
    with running_server(argv, base_url=base, probe="/", cwd=minimal_project, env=clean_env()):
        home = httpx.get(base + "/")
        assert home.status_code == 200
        assert "Hello from Tiny!" in home.text
        stylesheet = stylesheet_of(home.text)
        css = httpx.get(base + stylesheet)
        assert css.status_code == 200
        assert css.headers["content-type"].startswith("text/css")
        assert css.text == (minimal_project / "static" / "site.css").read_text()


def test_a_blueprint_made_by_startapp_works_in_the_project(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """startapp's skeleton is generic: "shop" mounted, migrated and tested like the blog."""
    where = tmp_path_factory.mktemp("startapp")
    assert run([TRELLIS, "new", "acme"], cwd=where).returncode == 0
    project = where / "acme"
    made = run([TRELLIS, "startapp", "shop"], cwd=project)
    assert made.returncode == 0, made.stdout + made.stderr
    urls = project / "acme" / "urls.py"
    source = urls.read_text()
    source = source.replace(
        "from acme import views\n",
        "from acme import views\nfrom shop.urls import blueprint as shop\n",
    )
    source = source.replace(
        '    include("/blog", blog),\n',
        '    include("/blog", blog),\n    include("/shop", shop),\n',
    )
    urls.write_text(source)
    assert run([TRELLIS, "db", "migrate"], cwd=project).returncode == 0  # the developer's database
    migration = run([TRELLIS, "db", "makemigrations", "-m", "add shop"], cwd=project)
    assert migration.returncode == 0, migration.stdout + migration.stderr
    assert (project / "migrations/default/versions/0002_add_shop.py").is_file()
    result = run_tests(project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\b17 passed\b", result.stdout), result.stdout
