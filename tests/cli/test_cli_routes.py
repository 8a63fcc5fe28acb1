from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from trellis.cli import cli
from trellis.cli.routes import format_routes, handler_name


@dataclass
class FakeRoute:
    path: str
    methods: frozenset[str]
    name: str
    handler: Any
    websocket: bool = False
    options: dict[str, Any] = field(default_factory=dict)


def index() -> None: ...


class ItemView:
    def get(self) -> None: ...


class Outer:
    def method(self) -> None: ...


def test_handler_name() -> None:
    assert handler_name(index) == f"{__name__}.index"
    assert handler_name(ItemView) == f"{__name__}.ItemView"
    assert handler_name(Outer.method) == f"{__name__}.Outer.method"
    assert handler_name(functools.partial(index)) == f"{__name__}.index"
    assert handler_name(Outer()) == f"{__name__}.Outer"  # a callable instance: its class


def test_format_routes_sorts_and_aligns() -> None:
    table = format_routes(
        [
            FakeRoute(
                "/items/<int:id>", frozenset({"PUT", "GET", "HEAD", "DELETE"}), "item", ItemView
            ),
            FakeRoute("/", frozenset({"GET", "HEAD"}), "index", index),
            FakeRoute("/ws", frozenset(), "live", index, websocket=True),
            FakeRoute("/items/<int:id>", frozenset({"POST", "PURGE"}), "item_post", index),
        ]
    )
    lines = table.splitlines()
    assert lines[0].split() == ["METHODS", "PATH", "NAME", "HANDLER"]
    assert [line.split()[1] for line in lines[1:]] == [
        "/",
        "/items/<int:id>",
        "/items/<int:id>",
        "/ws",
    ]
    assert lines[1].split()[0] == "GET,HEAD"
    assert lines[2].split()[0] == "GET,HEAD,PUT,DELETE"  # the usual order, not alphabetical
    assert lines[3].split()[0] == "POST,PURGE"
    assert lines[4].split()[0] == "WS"
    # Columns are aligned: every row's PATH starts where the header's does.
    column = lines[0].index("PATH")
    assert all(line[column - 2 : column] == "  " and line[column] == "/" for line in lines[1:])
    assert all(line == line.rstrip() for line in lines)


def test_format_no_routes() -> None:
    assert format_routes([]) == "No routes."


def test_routes_command_with_a_fake_app(tmp_path: Path) -> None:
    (tmp_path / "fake.py").write_text(
        "from types import SimpleNamespace as NS\n"
        "def home(): ...\n"
        "class App:\n"
        "    def __call__(self, scope, receive, send): ...\n"
        "    def iter_routes(self):\n"
        "        yield NS(path='/', methods=frozenset({'GET'}), name='home', handler=home,"
        " websocket=False)\n"
        "app = App()\n"
    )
    result = CliRunner().invoke(cli, ["routes", "--app", "fake.py"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1].split() == ["GET", "/", "home", "fake.home"]


def test_routes_command_with_the_real_app(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "from trellis import App, Blueprint, View\n"
        "app = App()\n"
        "@app.get('/')\n"
        "def index(): return 'hi'\n"
        "@app.route('/items/<int:id>', methods=['GET', 'POST'], name='item')\n"
        "def item(id: int): return {}\n"
        "@app.websocket('/live')\n"
        "async def live(ws): ...\n"
        "blog = Blueprint('blog', url_prefix='/blog')\n"
        "@blog.get('/')\n"
        "def posts(): return []\n"
        "class Things(View):\n"
        "    def get(self): return []\n"
        "app.route('/things')(Things)\n"
        "app.register(blog)\n"
    )
    result = CliRunner().invoke(cli, ["routes"])  # found as ./app.py
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.output.splitlines()[1:]]
    by_path = {row[1]: row for row in rows}
    assert [row[1] for row in rows] == sorted(row[1] for row in rows)
    assert by_path["/"][2:] == ["index", "app.index"]
    assert by_path["/"][0].startswith("GET")
    assert by_path["/items/<int:id>"][0].startswith("GET")
    assert "POST" in by_path["/items/<int:id>"][0]
    assert by_path["/items/<int:id>"][2] == "item"
    assert by_path["/live"][0] == "WS"
    assert by_path["/blog/"][2:] == ["blog.posts", "app.posts"]
    assert by_path["/things"][3] == "app.Things"


def test_routes_command_refuses_a_plain_asgi_app(tmp_path: Path, asgi_source: str) -> None:
    (tmp_path / "raw.py").write_text(asgi_source)
    result = CliRunner().invoke(cli, ["routes", "--app", "raw.py"])
    assert result.exit_code == 1
    assert "not a Trellis App" in result.output
    assert "Traceback" not in result.output


def test_routes_command_discovery_error_has_no_traceback() -> None:
    result = CliRunner().invoke(cli, ["routes"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: Could not find an app.")
