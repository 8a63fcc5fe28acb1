"""What ``new_project`` and ``new_blueprint`` write, checked file by file and with ruff."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from trellis.scaffold import ScaffoldError, make_initial_migration, new_blueprint, new_project
from trellis.scaffold import generate as generate_module

RUFF = Path(sys.executable).with_name("ruff")

PROJECT_FILES = {
    ".dockerignore",
    ".env",
    ".env.example",
    ".gitignore",
    "Dockerfile",
    "Procfile",
    "README.md",
    "conftest.py",
    "pyproject.toml",
    "tests/test_home.py",
    "{p}/__init__.py",
    "{p}/app.py",
    "{p}/settings.py",
    "{p}/urls.py",
    "{p}/views.py",
    "{p}/templates/base.html",
    "{p}/templates/home.html",
    "{p}/static/css/site.css",
    "blog/__init__.py",
    "blog/forms.py",
    "blog/models.py",
    "blog/urls.py",
    "blog/views.py",
    "blog/templates/blog/detail.html",
    "blog/templates/blog/form.html",
    "blog/templates/blog/index.html",
    "blog/static/blog/blog.css",
    "blog/tests/test_views.py",
}


def relative(root: Path, files: list[Path]) -> set[str]:
    return {f.relative_to(root).as_posix() for f in files}


def env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value.strip('"')
    return values


def ruff(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(RUFF), *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


def test_the_minimal_project(tmp_path: Path) -> None:
    created = new_project("tiny", tmp_path / "tiny", minimal=True)
    assert created.root == tmp_path / "tiny"
    assert relative(created.root, created.files) == {
        ".gitignore",
        "README.md",
        "app.py",
        "pyproject.toml",
        "static/site.css",
        "tests/test_app.py",
    }
    assert created.migration is None
    assert "Hello from Tiny!" in (created.root / "app.py").read_text()
    config = tomllib.loads((created.root / "pyproject.toml").read_text())
    assert config["tool"]["trellis"]["app"] == "app:app"


def test_the_full_project_layout_and_secrets(tmp_path: Path) -> None:
    created = new_project("mysite", tmp_path / "one", migrations=False)
    assert relative(created.root, created.files) == {f.format(p="mysite") for f in PROJECT_FILES}
    assert created.migration is None
    development = env_file(created.root / ".env")
    assert development["TRELLIS_DEBUG"] == "true"
    key = development["TRELLIS_SECRET_KEY"]
    assert len(key) >= 60
    assert re.fullmatch(r"[\w-]+", key)
    production = env_file(created.root / ".env.example")
    assert production["TRELLIS_SECRET_KEY"] == ""  # the instructions say how to make one
    assert production["TRELLIS_DEBUG"] == "false"
    assert production["TRELLIS_MAIL_DEFAULT_FROM"] == "Mysite <noreply@example.com>"
    other = new_project("mysite", tmp_path / "two", migrations=False)
    assert env_file(other.root / ".env")["TRELLIS_SECRET_KEY"] != key
    assert ".env" in (created.root / ".gitignore").read_text().split()
    assert ".env" in (created.root / ".dockerignore").read_text().split()
    config = tomllib.loads((created.root / "pyproject.toml").read_text())
    assert config["tool"]["trellis"]["app"] == "mysite.app:create_app()"
    assert config["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == ["mysite", "blog"]
    procfile = (created.root / "Procfile").read_text()
    assert 'web: trellis serve --app "mysite.app:create_app()" --host 0.0.0.0 --port $PORT' in (
        procfile
    )


@pytest.mark.parametrize("name", ["acme", "zoo", "my_site"])
@pytest.mark.parametrize("minimal", [False, True])
def test_generated_code_is_ruff_clean(tmp_path: Path, name: str, minimal: bool) -> None:
    # "acme" sorts before the blog blueprint in urls.py's imports, "zoo" after it.
    created = new_project(name, tmp_path / name, minimal=minimal, migrations=False)
    checked = ruff("check", "--no-cache", ".", cwd=created.root)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    formatted = ruff("format", "--no-cache", "--check", ".", cwd=created.root)
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr


def test_folders_are_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("keep me")
    with pytest.raises(ScaffoldError, match="not an empty folder"):
        new_project("mysite", tmp_path / "taken", minimal=True)
    assert [p.name for p in (tmp_path / "taken").iterdir()] == ["notes.txt"]
    (tmp_path / "empty").mkdir()
    assert new_project("mysite", tmp_path / "empty", minimal=True).root == tmp_path / "empty"


def test_a_full_project_cannot_take_its_blueprints_name(tmp_path: Path) -> None:
    with pytest.raises(ScaffoldError, match="its example blueprint has that name"):
        new_project("blog", tmp_path / "blog")
    assert not (tmp_path / "blog").exists()
    assert new_project("blog", tmp_path / "blog", minimal=True).files


def test_missing_extras_are_named_and_the_migration_left_for_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(generate_module, "_importable", lambda module: module != "wtforms")
    created = new_project("mysite", tmp_path / "mysite")
    assert created.migration is None
    assert created.notes == [
        'Install what the project uses (python -m pip install "trellis[forms]"), then make '
        'its first migration: trellis db makemigrations -m "initial"'
    ]


def test_the_first_migration_holds_every_table(tmp_path: Path) -> None:
    created = new_project("mysite", tmp_path / "mysite")
    assert created.migration == created.root / "migrations/default/versions/0001_initial.py"
    source = created.migration.read_text()
    for table in ("blog_entry", "auth_user", "auth_group", "auth_permission"):
        assert re.search(rf"op\.create_table\(\s*[\"']{table}[\"']", source), table
    assert "Revises: nothing, this is the first migration" in source
    assert not list(created.root.rglob("__pycache__"))  # nothing else was left behind


def test_a_project_that_cannot_be_imported_says_how_to_continue(tmp_path: Path) -> None:
    created = new_project("mysite", tmp_path / "mysite", migrations=False)
    (created.root / "blog" / "models.py").write_text("def broken(:\n")
    with pytest.raises(ScaffoldError) as raised:
        make_initial_migration(created.root, "mysite")
    message = str(raised.value)
    assert "SyntaxError" in message
    assert 'trellis db makemigrations -m "initial"' in message


def test_new_blueprint(tmp_path: Path) -> None:
    created = new_blueprint("shop", tmp_path)
    assert created.root == tmp_path / "shop"
    assert "shop/urls.py" in relative(tmp_path, created.files)
    urls = (tmp_path / "shop" / "urls.py").read_text()
    assert 'blueprint = Blueprint("shop", __name__, url_prefix="/shop")' in urls
    with pytest.raises(ScaffoldError, match="already exists"):
        new_blueprint("shop", tmp_path)
    (tmp_path / "cart.py").write_text("")
    with pytest.raises(ScaffoldError, match="already exists"):
        new_blueprint("cart", tmp_path)
    with pytest.raises(ScaffoldError, match="cannot be a blueprint name"):
        new_blueprint("my-shop", tmp_path)
