from __future__ import annotations

from pathlib import Path

import click
import pytest

from trellis.cli.discovery import (
    DiscoveryError,
    find_app_spec,
    load_app,
    parse_spec,
    resolve_target,
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# -- where the spec comes from ---------------------------------------------------------------------


def test_discovery_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(DiscoveryError, match="Could not find an app"):
        find_app_spec()
    write(tmp_path / "app.py", "")
    assert find_app_spec() == "app.py"
    write(tmp_path / "pyproject.toml", '[tool.trellis]\napp = "site.main:application"\n')
    assert find_app_spec() == "site.main:application"
    monkeypatch.setenv("TRELLIS_APP", "from_env:app")
    assert find_app_spec() == "from_env:app"
    assert find_app_spec("explicit.py") == "explicit.py"


def test_pyproject_without_trellis_table_falls_through(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")
    write(tmp_path / "app.py", "")
    assert find_app_spec() == "app.py"


@pytest.mark.parametrize(
    ("content", "message"),
    [("[tool.trellis\n", "Could not read"), ("[tool.trellis]\napp = 3\n", "must be a string")],
)
def test_bad_pyproject(tmp_path: Path, content: str, message: str) -> None:
    write(tmp_path / "pyproject.toml", content)
    with pytest.raises(DiscoveryError, match=message):
        find_app_spec()


# -- parsing --------------------------------------------------------------------------------------


def test_parse_file_path(tmp_path: Path) -> None:
    write(tmp_path / "examples" / "hello.py", "")
    target = parse_spec("examples/hello.py:web")
    assert (target.module, target.attr, target.factory) == ("hello", "web", False)
    assert target.root == tmp_path / "examples"


def test_parse_path_inside_a_package(tmp_path: Path) -> None:
    write(tmp_path / "site" / "__init__.py", "")
    write(tmp_path / "site" / "blog" / "__init__.py", "")
    write(tmp_path / "site" / "blog" / "app.py", "")
    target = parse_spec("site/blog/app.py")
    assert (target.module, target.attr, target.root) == ("site.blog.app", None, tmp_path)
    assert parse_spec("site/blog").module == "site.blog"


def test_parse_module_and_factory(tmp_path: Path) -> None:
    target = parse_spec("site.main:create_app()")
    assert (target.module, target.attr, target.factory, target.root) == (
        "site.main",
        "create_app",
        True,
        tmp_path,
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("missing.py", "No such file"),
        ("notes.txt/", "No such file"),
        ("not a module", "neither a module name"),
        ("", "empty"),
    ],
)
def test_parse_errors(spec: str, message: str) -> None:
    with pytest.raises(DiscoveryError, match=message):
        parse_spec(spec)


def test_parse_rejects_non_python_file(tmp_path: Path) -> None:
    write(tmp_path / "conf" / "app.txt", "")
    with pytest.raises(DiscoveryError, match="not a Python file"):
        parse_spec("conf/app.txt")


# -- resolving the attribute -----------------------------------------------------------------------


def resolve(spec: str) -> tuple[str, bool, object]:
    target, obj = resolve_target(parse_spec(spec))
    return target.import_string, target.factory, obj


def test_default_attribute_is_app(tmp_path: Path, asgi_source: str) -> None:
    write(tmp_path / "web.py", asgi_source)
    import_string, factory, obj = resolve("web.py")
    assert (import_string, factory) == ("web:app", False)
    assert callable(obj)


def test_the_only_app_instance_is_found(tmp_path: Path) -> None:
    write(tmp_path / "shop.py", "from trellis import App\nwebsite = App()\n")
    target, _ = resolve_target(parse_spec("shop.py"))
    assert target.import_string == "shop:website"
    assert target.spec == "shop.py:website"  # shown to the user


def test_several_app_instances_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "two.py", "from trellis import App\nfront = App()\nback = App()\n")
    with pytest.raises(DiscoveryError, match=r"several apps \(back, front\).*two.py:back"):
        resolve("two.py")


def test_factory_is_found_and_called(tmp_path: Path, asgi_source: str) -> None:
    write(
        tmp_path / "fact.py",
        asgi_source.replace("async def app", "async def _asgi")
        + "\ncalls = []\ndef create_app(debug=False):\n    calls.append(1)\n    return _asgi\n",
    )
    import_string, factory, _ = resolve("fact.py")
    assert (import_string, factory) == ("fact:create_app", True)
    target, app = load_app("fact.py")
    assert target.spec == "fact.py:create_app()"
    assert app.__name__ == "_asgi"


def test_explicit_zero_argument_function_is_a_factory(tmp_path: Path, asgi_source: str) -> None:
    write(tmp_path / "mod.py", asgi_source + "\ndef build():\n    return app\n")
    assert resolve("mod:build")[:2] == ("mod:build", True)
    assert resolve("mod:app")[:2] == ("mod:app", False)  # takes (scope, receive, send)


def test_nothing_to_serve(tmp_path: Path) -> None:
    write(tmp_path / "empty.py", "x = 1\n")
    with pytest.raises(DiscoveryError, match="has no 'app', no App instance"):
        resolve("empty.py")


def test_missing_attribute(tmp_path: Path, asgi_source: str) -> None:
    write(tmp_path / "web.py", asgi_source)
    with pytest.raises(DiscoveryError, match="has no attribute 'nope'"):
        resolve("web.py:nope")


def test_attribute_that_is_not_an_app(tmp_path: Path) -> None:
    write(tmp_path / "web.py", "app = 42\n")
    with pytest.raises(DiscoveryError, match="is a int, not an ASGI application"):
        resolve("web.py")


def test_missing_module() -> None:
    with pytest.raises(DiscoveryError, match=r"Could not import 'nowhere\.mod'"):
        resolve("nowhere.mod:app")


def test_error_inside_the_app_module_shows_its_traceback(tmp_path: Path) -> None:
    write(tmp_path / "broken.py", "import json\n\nvalue = json.loads('{')\n")
    with pytest.raises(DiscoveryError) as info:
        resolve("broken.py")
    message = info.value.message
    assert "Error while importing 'broken'" in message
    assert 'broken.py", line 3' in message
    assert "JSONDecodeError" in message


def test_import_error_inside_the_app_is_not_reported_as_a_missing_app(tmp_path: Path) -> None:
    write(tmp_path / "needs.py", "import no_such_dependency_here\n")
    with pytest.raises(DiscoveryError, match="No module named 'no_such_dependency_here'"):
        resolve("needs.py")


def test_file_shadowed_by_an_installed_module(tmp_path: Path) -> None:
    write(tmp_path / "json.py", "app = 1\n")
    with pytest.raises(DiscoveryError, match="clashes with a module that is already imported"):
        resolve("json.py")


def test_factory_errors_are_reported(tmp_path: Path) -> None:
    write(tmp_path / "f.py", "def create_app():\n    raise RuntimeError('no config')\n")
    with pytest.raises(DiscoveryError, match="RuntimeError: no config"):
        load_app("f.py")


def test_discovery_error_is_a_click_error() -> None:
    assert issubclass(DiscoveryError, click.ClickException)
