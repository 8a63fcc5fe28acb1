"""Rendering one block (htmx fragments), and how htmx requests and JSON clients are answered."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from trellis import App, Request, Template
from trellis.templates import BlockNotFound, render_template
from trellis.testing import TestClient

from .conftest import WriteTemplates

PAGES = {
    "base.html": (
        "<html><title>{% block title %}Site{% endblock %}</title>"
        "{% block body %}{% endblock %}<footer>{% block footer %}(c){% endblock %}</footer></html>"
    ),
    "list.html": (
        '{% extends "base.html" %}\n'
        '{% from "macros.html" import row %}\n'
        "{% set caption = 'Posts' %}\n"
        "{% block title %}{{ super() }} - {{ caption }}{% endblock %}\n"
        "{% block body %}<table>{% block rows %}"
        "{% for post in posts %}{{ row(post) }}{% endfor %}"
        "{% endblock %}</table>{% endblock %}"
    ),
    "macros.html": "{% macro row(p) %}<tr><td>{{ p }}</td></tr>{% endmacro %}",
}


@pytest.fixture
def app(write: WriteTemplates, make_app: Callable[..., App]) -> App:
    write(PAGES)
    app = make_app()

    @app.get("/posts")
    async def posts(request: Request) -> Template:
        block = "rows" if request.htmx else None
        return Template("list.html", block=block, posts=["a", "<b>"])

    return app


def test_the_full_page_and_the_fragment_come_from_one_template(app: App) -> None:
    client = TestClient(app)
    page = client.get("/posts")
    assert page.text == (
        "<html><title>Site - Posts</title><table><tr><td>a</td></tr><tr><td>&lt;b&gt;</td></tr>"
        "</table><footer>(c)</footer></html>"
    )
    fragment = client.get("/posts", headers={"HX-Request": "true"})
    # Exactly the block: the macro imported at the top of the file works, escaping still applies.
    assert fragment.text == "<tr><td>a</td></tr><tr><td>&lt;b&gt;</td></tr>"


def test_a_view_that_reads_request_htmx_varies_on_it(app: App) -> None:
    client = TestClient(app)
    assert client.get("/posts").headers["vary"] == "HX-Request"
    assert client.get("/posts", headers={"HX-Request": "true"}).headers["vary"] == "HX-Request"


def test_a_view_that_ignores_htmx_adds_no_vary(
    write: WriteTemplates, make_app: Callable[..., App]
) -> None:
    write(PAGES)
    app = make_app()

    @app.get("/")
    async def page() -> Template:
        return Template("list.html", posts=[])

    assert "vary" not in TestClient(app).get("/", headers={"HX-Request": "true"}).headers


def test_inherited_blocks_and_super_render_alone(app: App) -> None:
    # "footer" is only defined by the parent; "title" calls super() and uses a top-level set.
    assert render_template(app, "list.html", block="footer") == "(c)"
    assert render_template(app, "list.html", block="title") == "Site - Posts"


async def test_block_rendering_async_matches_sync(app: App) -> None:
    from trellis.templates import render_template_async

    rows = await render_template_async(app, "list.html", block="rows", posts=["x"])
    assert rows == render_template(app, "list.html", block="rows", posts=["x"])
    assert rows == "<tr><td>x</td></tr>"


def test_an_unknown_block_is_a_clear_error(app: App) -> None:
    @app.get("/bad")
    async def bad() -> Template:
        return Template("list.html", block="rowz")

    with pytest.raises(BlockNotFound, match=r"no block 'rowz'.*body, footer, rows, title"):
        render_template(app, "list.html", block="rowz")
    response = TestClient(app, raise_server_exceptions=False).get("/bad")
    assert response.status_code == 500


def test_errors_inside_a_block_point_at_the_template(
    write: WriteTemplates, make_app: Callable[..., App]
) -> None:
    import traceback

    write({"t.html": "line 1\n{% block b %}\n{{ 1 // zero }}\n{% endblock %}"})
    app = make_app()
    with pytest.raises(ZeroDivisionError) as info:
        render_template(app, "t.html", block="b", zero=0)
    frames = [(f.filename, f.lineno) for f in traceback.extract_tb(info.value.__traceback__)]
    assert any(name.endswith("t.html") and line == 3 for name, line in frames)


def test_failing_htmx_request_that_accepts_json_gets_json(
    write: WriteTemplates, make_app: Callable[..., App]
) -> None:
    write({"t.html": "{% block b %}{{ missing.attribute }}{% endblock %}"})
    app = make_app()

    @app.get("/")
    async def view(request: Request) -> Template:
        return Template("t.html", block="b" if request.htmx else None)

    client = TestClient(app, raise_server_exceptions=False)
    headers = {"HX-Request": "true", "Accept": "application/json"}
    response = client.get("/", headers=headers)
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/")
    assert response.json()["status"] == 500
    ajax = client.get(
        "/", headers={"X-Requested-With": "XMLHttpRequest", "Accept": "application/json"}
    )
    assert ajax.status_code == 500
    assert ajax.json()["status"] == 500
