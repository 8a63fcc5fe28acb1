"""Templates are compiled once and cached; in debug a changed file is picked up."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from trellis import App, Template
from trellis.templates import render_template
from trellis.testing import TestClient

from .conftest import WriteTemplates


def _edit(path: Path, text: str) -> None:
    stat = path.stat()
    path.write_text(text, encoding="utf-8")
    os.utime(path, (stat.st_atime + 10, stat.st_mtime + 10))  # a clearly newer mtime


@pytest.mark.parametrize(("debug", "expected"), [(True, "v2"), (False, "v1")])
def test_reload_on_change_follows_debug(
    write: WriteTemplates, make_app: Callable[..., App], debug: bool, expected: str
) -> None:
    folder = write({"page.html": "v1"})
    app = make_app(debug=debug)

    @app.get("/")
    async def page() -> Template:
        return Template("page.html")

    client = TestClient(app)
    assert client.get("/").text == "v1"
    _edit(folder / "page.html", "v2")
    assert client.get("/").text == expected
    assert app.extensions["templates"].environment.auto_reload is debug


def test_explicit_auto_reload_wins_over_debug(
    write: WriteTemplates, make_app: Callable[..., App]
) -> None:
    folder = write({"page.html": "v1"})
    app = make_app(debug=False, auto_reload=True)
    assert render_template(app, "page.html") == "v1"
    _edit(folder / "page.html", "v2")
    assert render_template(app, "page.html") == "v2"


def test_a_changed_parent_reaches_block_rendering_in_debug(
    write: WriteTemplates, make_app: Callable[..., App]
) -> None:
    folder = write(
        {
            "base.html": "{% block a %}A1{% endblock %}",
            "child.html": '{% extends "base.html" %}{% block b %}{{ super() }}{% endblock %}',
        }
    )
    app = make_app(debug=True)
    assert render_template(app, "child.html", block="a") == "A1"
    _edit(folder / "base.html", "{% block a %}A2{% endblock %}")
    assert render_template(app, "child.html", block="a") == "A2"


def test_templates_are_cached_between_renders(
    write: WriteTemplates, make_app: Callable[..., App]
) -> None:
    write({"page.html": "x"})
    app = make_app()
    env = app.extensions["templates"].environment
    assert env.get_template("page.html") is env.get_template("page.html")
