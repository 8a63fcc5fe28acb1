"""``trellis new NAME [--minimal]`` and ``trellis startapp NAME``: start a project, add a blueprint.

The files come from :mod:`trellis.scaffold`; these commands check the names, print what was
made and what to do next.  Neither imports the project in this process.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import click

from trellis.scaffold import ScaffoldError, new_blueprint, new_project

__all__ = ["new", "startapp"]


@click.command("new")
@click.argument("name")
@click.argument(
    "directory", required=False, type=click.Path(file_okay=False, path_type=Path), default=None
)
@click.option(
    "--minimal",
    is_flag=True,
    help="One app.py with a static file and its tests, instead of a full project.",
)
def new(name: str, directory: Path | None, minimal: bool) -> None:
    """Create project NAME in ./NAME (or in DIRECTORY, which must be empty).

    The full project has settings, a URL list, every battery, a blog blueprint, its first
    migration, tests, a Dockerfile and a Procfile; --minimal makes one app.py that grows.
    """
    try:
        created = new_project(name, directory, minimal=minimal)
    except ScaffoldError as exc:
        raise click.ClickException(str(exc)) from None
    where = _shown(created.root)
    kind = "minimal project" if minimal else "project"
    click.echo(f"Created {kind} {name!r} in {where} ({len(created.files)} files).")
    if created.migration is not None:
        click.echo(f"Wrote the first migration: {_shown(created.migration)}")
    for note in created.notes:
        click.secho(note, fg="yellow")
    click.echo("\nNext:")
    click.echo(f"  cd {where}")
    if not minimal:
        click.echo("  trellis db migrate      # creates the database from migrations/")
    click.echo("  trellis run             # http://127.0.0.1:8000")
    click.echo("  pytest")


@click.command("startapp")
@click.argument("name")
@click.option(
    "--directory",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Where the blueprint's package goes (default: the current directory).",
)
def startapp(name: str, directory: Path | None) -> None:
    """Create blueprint NAME: models, views, forms, URLs, templates, static files and tests.

    The blueprint is not mounted for you: add it to the project's URL list (the command says
    where), then make a migration for its models.
    """
    try:
        created = new_blueprint(name, directory)
    except ScaffoldError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"Created blueprint {name!r} in {_shown(created.root)} ({len(created.files)} files)."
    )
    click.echo(_how_to_install(name, directory or Path.cwd()))


def _how_to_install(name: str, folder: Path) -> str:
    urls = _urls_module(folder)
    target = f"the routes list in {urls}" if urls else "your routes list (urls.py)"
    return (
        "\nTo use it:\n"
        f"  1. mount it in {target}:\n"
        f"         from {name}.urls import blueprint as {name}\n"
        f'         include("/{name}", {name}),\n'
        f"     (or add {name!r} to the blueprints setting)\n"
        f'  2. trellis db makemigrations -m "add {name}"   then   trellis db migrate\n'
        f'  3. add "{name}" to packages in [tool.hatch.build.targets.wheel] of pyproject.toml'
    )


def _urls_module(folder: Path) -> str | None:
    """``mysite/urls.py`` when ``folder`` is a project ``trellis new`` made (or shaped alike)."""
    try:
        data = tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    spec = data.get("tool", {}).get("trellis", {}).get("app")
    if not isinstance(spec, str):
        return None
    package = spec.split(":", 1)[0].split(".", 1)[0]
    urls = Path(package) / "urls.py"
    return urls.as_posix() if (folder / urls).is_file() else None


def _shown(path: Path) -> str:
    """``path`` relative to the current directory when it is inside it, else absolute."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve())) or "."
    except ValueError:
        return str(path)
