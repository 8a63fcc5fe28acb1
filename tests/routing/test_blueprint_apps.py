"""Blueprints as Django apps: models, commands, checks and start-up hooks travel with them, and a
settings list (or one ``app.register``) installs them.

Each test writes its blueprint as a real package in its own folder on ``sys.path``, as a pip
install would, under a name no other test uses.
"""

from __future__ import annotations

import itertools
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from trellis import App, Blueprint
from trellis.checks import CheckMessage, run_checks
from trellis.cli import cli
from trellis.exceptions import ConfigurationError
from trellis.routing.blueprints import (
    blueprint_commands,
    import_blueprint,
    load_blueprints,
    prepare_blueprints,
)
from trellis.testing import TestClient

_numbers = itertools.count()
MakePackage = Callable[..., str]

VIEWS = """
from trellis import Blueprint
blueprint = Blueprint("{name}", __name__, url_prefix="/{name}")

@blueprint.get("/")
def index() -> str:
    return "{name} index"
"""
MODELS = """
IMPORTED = True
"""


@pytest.fixture
def make_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MakePackage]:
    """``make_package(files)`` writes package ``bpapp<N>`` (``{name}`` in the files is N's name)
    into a folder put on sys.path, and returns its name; its modules are forgotten afterwards."""
    monkeypatch.syspath_prepend(str(tmp_path))
    names: list[str] = []

    def make(files: dict[str, str]) -> str:
        name = f"bpapp{next(_numbers)}"
        names.append(name)
        root = tmp_path / name
        for relative, text in {"__init__.py": "", **files}.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).replace("{name}", name))
        return name

    yield make
    for module in list(sys.modules):
        if module.split(".")[0] in names:
            del sys.modules[module]


# --- models ------------------------------------------------------------------------------------


def test_the_models_module_of_the_blueprint_package_is_found_and_imported(
    make_package: MakePackage,
) -> None:
    name = make_package({"views.py": VIEWS, "models.py": MODELS})
    blueprint = import_blueprint(f"{name}.views")
    assert blueprint.models_module == f"{name}.models"
    assert f"{name}.models" not in sys.modules  # finding it does not import it
    module = blueprint.import_models()
    assert module is sys.modules[f"{name}.models"]
    assert module.IMPORTED is True


def test_a_blueprint_without_models_imports_nothing(make_package: MakePackage) -> None:
    name = make_package({"views.py": VIEWS})
    blueprint = import_blueprint(f"{name}.views")
    assert blueprint.models_module is None
    assert blueprint.import_models() is None
    assert Blueprint("loose").models_module is None  # no import name, no package


def test_models_named_explicitly(make_package: MakePackage) -> None:
    name = make_package({"tables.py": MODELS})
    blueprint = Blueprint("shop", models=f"{name}.tables")
    assert blueprint.import_models() is sys.modules[f"{name}.tables"]
    missing = Blueprint("shop", models=f"{name}.nowhere")
    with pytest.raises(ConfigurationError, match=r"models module '.*nowhere' cannot be imported"):
        missing.import_models()


def test_an_error_inside_the_models_module_is_not_hidden(make_package: MakePackage) -> None:
    name = make_package({"views.py": VIEWS, "models.py": "import a_module_nobody_has\n"})
    blueprint = import_blueprint(f"{name}.views")
    with pytest.raises(ModuleNotFoundError, match="a_module_nobody_has"):
        blueprint.import_models()


def test_prepare_imports_the_models_of_nested_blueprints(make_package: MakePackage) -> None:
    outer = make_package({"views.py": VIEWS})
    inner = make_package({"views.py": VIEWS, "models.py": MODELS})
    app = App()
    parent = import_blueprint(f"{outer}.views")
    parent.register(import_blueprint(f"{inner}.views"))
    app.register(parent)
    prepare_blueprints(app)
    assert f"{inner}.models" in sys.modules


# --- checks -----------------------------------------------------------------------------------


def test_blueprint_checks_join_the_apps_checks_once() -> None:
    blog = Blueprint("blog")
    seen: list[bool] = []

    @blog.add_check
    def needs_a_title(app: App, deploy: bool) -> list[CheckMessage]:
        seen.append(deploy)
        if getattr(app.settings, "blog_title", None):
            return []
        return [CheckMessage("blog.W001", "warning", "the blog has no title", "set blog_title")]

    app = App()
    app.register(blog)
    prepare_blueprints(app)
    prepare_blueprints(app)  # an app started twice (tests) does not report twice
    found = [m for m in run_checks(app, deploy=True) if m.id.startswith("blog.")]
    assert [m.id for m in found] == ["blog.W001"]
    assert seen == [True]


def test_a_check_must_be_callable() -> None:
    with pytest.raises(ConfigurationError, match="not callable"):
        Blueprint("blog").add_check("nope")  # type: ignore[arg-type]


# --- start-up and shut-down hooks ---------------------------------------------------------------


def test_blueprint_startup_and_shutdown_hooks_run_with_the_app() -> None:
    events: list[str] = []
    blog = Blueprint("blog")

    @blog.on_startup
    def opened() -> None:
        events.append("blog up")

    @blog.on_shutdown
    async def closed() -> None:
        events.append("blog down")

    @blog.get("/")
    def index() -> str:
        return "ok"

    app = App()
    app.register(blog)
    with TestClient(app) as client:
        assert events == ["blog up"]
        assert client.get("/").text == "ok"
    assert events == ["blog up", "blog down"]


# --- installing by name (the blueprints setting) -------------------------------------------------


def test_entries_name_a_module_an_attribute_or_a_package(make_package: MakePackage) -> None:
    in_urls = make_package({"urls.py": VIEWS})
    in_views = make_package({"views.py": VIEWS + "shop = blueprint\ndel blueprint\n"})
    in_init = make_package({"__init__.py": VIEWS + "bp = blueprint\ndel blueprint\n"})
    attr = make_package({"web.py": VIEWS + "site_blueprint = blueprint\ndel blueprint\n"})
    assert import_blueprint(in_urls).name == in_urls  # package -> its urls module
    assert import_blueprint(in_views).name == in_views  # the only Blueprint of views.py
    assert import_blueprint(in_init).name == in_init  # `bp` in the package itself
    assert import_blueprint(f"{attr}.web:site_blueprint").name == attr


def test_bad_entries_say_what_is_wrong(make_package: MakePackage) -> None:
    empty = make_package({"views.py": "X = 1\n"})
    two = make_package(
        {"views.py": "from trellis import Blueprint\na = Blueprint('a')\nb = Blueprint('b')\n"}
    )
    with pytest.raises(ConfigurationError, match="no module named 'no_such_package_here'"):
        import_blueprint("no_such_package_here")
    with pytest.raises(ConfigurationError, match=rf"no Blueprint found in {empty} or {empty}.urls"):
        import_blueprint(empty)
    with pytest.raises(ConfigurationError, match=rf"ambiguous: write one of {two}.views:a"):
        import_blueprint(f"{two}.views")
    with pytest.raises(ConfigurationError, match=r"views.X is 1, not a Blueprint"):
        import_blueprint(f"{empty}.views:X")
    with pytest.raises(ConfigurationError, match="'module' or 'module:attr'"):
        import_blueprint("  ")


def test_load_blueprints_registers_each_once_and_imports_models(
    make_package: MakePackage,
) -> None:
    blog = make_package({"urls.py": VIEWS, "models.py": MODELS})
    shop = make_package({"views.py": VIEWS})
    app = App()
    loaded = load_blueprints(app, [blog, f"{shop}.views:blueprint", blog])
    assert [b.name for b in loaded] == [blog, shop, blog]
    assert f"{blog}.models" in sys.modules
    assert load_blueprints(app, [blog]) == [loaded[0]]  # already there: not registered again
    with TestClient(app) as client:
        assert client.get(f"/{blog}/").text == f"{blog} index"
        assert client.get(f"/{shop}/").text == f"{shop} index"
    with pytest.raises(ConfigurationError, match="a list of names"):
        load_blueprints(App(), blog)  # type: ignore[arg-type]


def test_a_blueprint_already_registered_by_hand_is_kept(make_package: MakePackage) -> None:
    name = make_package({"views.py": VIEWS})
    app = App()
    app.register(import_blueprint(f"{name}.views"), url_prefix="/elsewhere")
    load_blueprints(app, [name])
    with TestClient(app) as client:
        assert client.get("/elsewhere/").status_code == 200
        assert client.get(f"/{name}/").status_code == 404


# --- commands -----------------------------------------------------------------------------------

COMMANDS_APP = """
import click
from trellis import App, Blueprint

blog = Blueprint("{name}")
blog.cli.help = "Blog maintenance."

@blog.cli.command()
@click.argument("who")
@click.option("--shout", is_flag=True)
def greet(who, shout):
    \"\"\"Say hello.\"\"\"
    text = f"hello {who}"
    click.echo(text.upper() if shout else text)

@blog.cli.command("count-routes")
@click.pass_obj
def count_routes(app):
    click.echo(f"{len(app.routes())} routes on {type(app).__name__}")

@click.command()
def ready():
    click.echo("a ready-made click command")

blog.cli.add_command(ready, "ready-made")

@blog.get("/")
def index():
    return ""

app = App()
app.register(blog)
"""


def test_blueprint_commands_are_recorded_without_click() -> None:
    blog = Blueprint("blog")
    assert not blueprint_commands(App())

    @blog.cli.command
    def rebuild() -> None: ...

    @blog.cli.command("wipe", help="Delete everything.")
    def wipe_everything() -> None: ...

    assert [(fn, name) for fn, name, _ in blog.cli] == [(rebuild, None), (wipe_everything, "wipe")]
    assert len(blog.cli) == 2
    app = App()
    app.register(blog)
    assert blueprint_commands(app) == {"blog": blog.cli}


@pytest.fixture
def commands_app(make_package: MakePackage, monkeypatch: pytest.MonkeyPatch) -> str:
    name = make_package({"site.py": COMMANDS_APP})
    monkeypatch.setenv("TRELLIS_APP", f"{name}.site:app")
    return name


def test_trellis_runs_a_blueprints_commands(commands_app: str) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, [commands_app, "greet", "ada", "--shout"])
    assert result.exit_code == 0, result.output
    assert result.output == "HELLO ADA\n"
    result = runner.invoke(cli, [commands_app, "count-routes"])
    assert result.output == "1 routes on App\n"  # the app is click's context object
    assert runner.invoke(cli, [commands_app, "ready-made"]).output == "a ready-made click command\n"
    helped = runner.invoke(cli, [commands_app, "--help"])
    assert "Blog maintenance." in helped.output
    assert "greet" in helped.output
    assert "Say hello." in helped.output
    # The same group again (click consumes a function's options when it builds a command).
    assert runner.invoke(cli, [commands_app, "greet", "bob"]).output == "hello bob\n"


def test_unknown_names_stay_unknown(commands_app: str) -> None:
    result = CliRunner().invoke(cli, ["no-such-blueprint"])
    assert result.exit_code == 2
    assert "No such command 'no-such-blueprint'" in result.output


def test_without_an_app_there_are_no_blueprint_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRELLIS_APP", raising=False)
    result = CliRunner().invoke(cli, ["blog", "greet"])
    assert result.exit_code == 2
    assert "No such command 'blog'" in result.output


def test_an_app_that_fails_to_import_is_reported(
    make_package: MakePackage, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = make_package({"site.py": "raise RuntimeError('the settings are broken')\n"})
    monkeypatch.setenv("TRELLIS_APP", f"{name}.site:app")
    result = CliRunner().invoke(cli, ["blog", "greet"])
    assert result.exit_code == 1
    assert "could not be loaded to look for its commands" in result.output
    assert "the settings are broken" in result.output


def test_built_in_commands_win_over_a_blueprint_of_the_same_name() -> None:
    routes = Blueprint("routes")

    @routes.cli.command()
    def hidden() -> None: ...

    result = CliRunner().invoke(cli, ["routes", "--help"])
    assert "List every route" in result.output or "route" in result.output.lower()
    assert isinstance(cli.get_command(click.Context(cli), "routes"), click.Command)
