"""``trellis new`` and ``trellis startapp``: make the folders, then the initial migration.

A full project's first migration is made at creation time by running the project's own
``trellis db makemigrations`` in a fresh interpreter, on an empty SQLite file: the migration
then matches the models exactly (the project's blueprint and the auth battery's tables), and
``trellis db migrate`` works at once.  Running it in another process keeps this process free
of the new project's modules.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from trellis.__about__ import __version__
from trellis.scaffold.names import ScaffoldError, check_name
from trellis.scaffold.render import render_tree

__all__ = ["EXAMPLE_BLUEPRINT", "Created", "make_initial_migration", "new_blueprint", "new_project"]

#: The blueprint a full project starts with.
EXAMPLE_BLUEPRINT = "blog"
#: What a full project imports beyond Trellis itself (module -> the extra that installs it).
PROJECT_NEEDS = {
    "sqlalchemy": "db",
    "alembic": "db",
    "jinja2": "templates",
    "wtforms": "forms",
    "argon2": "auth",
}
#: Seconds the initial ``makemigrations`` may take (it imports the project and SQLAlchemy).
MIGRATION_TIMEOUT = 120.0


@dataclass
class Created:
    """What was written: the folder, its files, the initial migration, what is left to do."""

    root: Path
    files: list[Path]
    migration: Path | None = None
    notes: list[str] = field(default_factory=list)


def title_of(name: str) -> str:
    """``"my_site"`` -> ``"My Site"``: how pages and documents name the project."""
    return " ".join(word.capitalize() for word in name.split("_") if word) or name


def new_project(
    name: str, directory: Path | None = None, *, minimal: bool = False, migrations: bool = True
) -> Created:
    """Create project ``name`` in ``directory`` (default ``./<name>``), which must be empty.

    ``minimal`` writes one ``app.py``, a static file and its tests.  Otherwise the project gets
    settings, a URL list, every battery, the ``blog`` blueprint and, with ``migrations``, its
    initial migration.
    """
    check_name(name, "project")
    if not minimal and name == EXAMPLE_BLUEPRINT:
        raise ScaffoldError(
            f"a project cannot be called {name!r}: its example blueprint has that name. "
            "Choose another name"
        )
    root = _empty_folder(directory if directory is not None else Path.cwd() / name)
    context = {
        "project": name,
        "title": title_of(name),
        "trellis_version": __version__,
        "secret_key": secrets.token_urlsafe(50),
        "test_secret_key": "tests-" + secrets.token_urlsafe(40),
        "url_imports": _url_imports(name),
    }
    if minimal:
        return Created(root, render_tree("minimal", root, context))
    written = render_tree("project", root, context)
    written += new_blueprint(EXAMPLE_BLUEPRINT, root).files
    created = Created(root, written)
    if not migrations:
        return created
    missing = sorted({extra for module, extra in PROJECT_NEEDS.items() if not _importable(module)})
    if missing:
        extras = ",".join(missing)
        created.notes.append(
            f'Install what the project uses (python -m pip install "trellis[{extras}]"), '
            'then make its first migration: trellis db makemigrations -m "initial"'
        )
        return created
    created.migration = make_initial_migration(root, name)
    created.files.append(created.migration)
    return created


def new_blueprint(name: str, directory: Path | None = None) -> Created:
    """Create the package of blueprint ``name`` in ``directory`` (default: the current one)."""
    check_name(name, "blueprint")
    parent = directory if directory is not None else Path.cwd()
    if (parent / name).exists() or (parent / f"{name}.py").exists():
        raise ScaffoldError(
            f"{parent / name} already exists; choose another blueprint name (nothing was written)"
        )
    context = {"app": name, "app_title": title_of(name)}
    return Created(parent / name, render_tree("app", parent, context))


def make_initial_migration(root: Path, project: str) -> Path:
    """Run ``trellis db makemigrations -m initial`` in project ``root``; return the new file."""
    versions = root / "migrations" / "default" / "versions"
    before = set(versions.glob("*.py")) if versions.is_dir() else set()
    with tempfile.TemporaryDirectory() as scratch:
        env = {key: value for key, value in os.environ.items() if not key.startswith("TRELLIS_")}
        env.update(
            # An empty database: the migration is then every table of the models.
            TRELLIS_DATABASE_URL=f"sqlite:///{Path(scratch) / 'empty.db'}",
            # Debug builds the app without the production secret key.
            TRELLIS_DEBUG="true",
            PYTHONDONTWRITEBYTECODE="1",
        )
        argv = [
            sys.executable,
            "-c",
            "from trellis.cli import main; main()",
            "db",
            "makemigrations",
            "-m",
            "initial",
            "--app",
            f"{project}.app:create_app()",
        ]
        try:
            result = subprocess.run(
                argv,
                cwd=root,
                env=env,
                capture_output=True,
                text=True,
                timeout=MIGRATION_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            output, failed = f"no answer within {MIGRATION_TIMEOUT:.0f} s", True
        else:
            output, failed = (result.stdout + result.stderr).strip(), result.returncode != 0
    made = sorted(set(versions.glob("*.py")) - before) if versions.is_dir() else []
    if failed or len(made) != 1:
        raise ScaffoldError(
            f"The project is written in {root}, but its first migration could not be made:\n"
            f"{output}\n"
            'Fix the cause, then run `trellis db makemigrations -m "initial"` in that folder.'
        )
    return made[0]


def _empty_folder(path: Path) -> Path:
    """``path``, made if missing; an existing file or non-empty folder is refused."""
    path = path.resolve()
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise ScaffoldError(
            f"{path} already exists and is not an empty folder; choose another name or folder "
            "(nothing was written)"
        )
    path.mkdir(parents=True, exist_ok=True)
    return path


def _url_imports(project: str) -> str:
    """The first-party imports of ``urls.py``, sorted as isort and ruff sort them."""
    lines = {
        f"{EXAMPLE_BLUEPRINT}.urls": f"from {EXAMPLE_BLUEPRINT}.urls import blueprint as blog",
        project: f"from {project} import views",
    }
    return "\n".join(lines[module] for module in sorted(lines, key=str.lower))


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False
