"""A template error in debug shows the template's file and line on the debug page."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest

from trellis import App, Template
from trellis.testing import TestClient

from .conftest import WriteTemplates

TEMPLATES = {
    "syntax.html": "<p>one</p>\n<p>two</p>\n{% if broken %}\n<p>never closed</p>\n",
    "runtime.html": "<h1>ok</h1>\n{% block body %}\n<p>{{ 10 // divisor }}</p>\n{% endblock %}\n",
}


def _frame_summaries(page: str) -> list[str]:
    return [html.unescape(s) for s in re.findall(r"<summary>(.*?)</summary>", page)]


@pytest.fixture
def client(write: WriteTemplates, make_app: Callable[..., App]) -> TestClient:
    write(TEMPLATES)
    app = make_app(debug=True)

    @app.get("/<name>")
    async def page(name: str, block: str | None = None) -> Template:
        return Template(f"{name}.html", block=block, divisor=0)

    return TestClient(app, raise_server_exceptions=False)


def test_syntax_error_shows_the_template_file_and_line(client: TestClient) -> None:
    response = client.get("/syntax", headers={"Accept": "text/html"})
    assert response.status_code == 500
    assert "TemplateSyntaxError" in response.text
    summaries = _frame_summaries(response.text)
    assert any(s.startswith(str(_path(client, "syntax.html"))) for s in summaries), summaries
    frame = next(s for s in summaries if "syntax.html" in s)
    assert ", line 3, in " in frame  # the {% if %} that is never closed
    assert '<span class="cur">    3  {% if broken %}</span>' in response.text
    assert "never closed" in response.text  # the template's source around it is shown


@pytest.mark.parametrize("block", [None, "body"])
def test_runtime_error_shows_the_template_line(client: TestClient, block: str | None) -> None:
    params = {"block": block} if block else {}
    response = client.get("/runtime", params=params, headers={"Accept": "text/html"})
    assert response.status_code == 500
    assert "ZeroDivisionError" in response.text
    summaries = _frame_summaries(response.text)
    frames = [s for s in summaries if "runtime.html" in s]
    assert f"{_path(client, 'runtime.html')}, line 3, in <b>block 'body'</b>" in frames
    # The offending template line is highlighted in the shown source.
    assert '<span class="cur">    3  &lt;p&gt;{{ 10 // divisor }}&lt;/p&gt;</span>' in response.text


def _path(client: TestClient, name: str) -> object:
    app = client.app  # type: ignore[attr-defined]
    return app.extensions["templates"].folders()[0] / name
