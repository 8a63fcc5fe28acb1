"""Flash messages: kept for the next page, shown once, by category, in templates too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trellis import App, Request, Template, redirect
from trellis.sessions import Sessions, flash, get_flashed_messages
from trellis.templates import Templates
from trellis.testing import TestClient

from .conftest import settings


def flash_app(tmp_path: Path) -> App:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text(
        "{% for category, message in get_flashed_messages(with_categories=True) %}"
        "<p class='{{ category }}'>{{ message }}</p>{% endfor %}"
        "|{{ get_flashed_messages() | length }}"
    )
    app = App(settings=settings())
    app.root_path = tmp_path
    app.install(Sessions())
    app.install(Templates())

    @app.post("/save")
    async def save(request: Request, count: int = 1) -> Any:
        for number in range(count):
            flash(request, f"Saved <{number}>", "success")
        flash(request, "Check your e-mail")
        return redirect("/page")

    @app.get("/page")
    async def page() -> Template:
        return Template("page.html")

    @app.get("/json")
    async def as_json(request: Request, only: str = "") -> dict[str, Any]:
        filtered = get_flashed_messages(request, category_filter=[only] if only else ())
        return {
            "filtered": filtered,
            "all": get_flashed_messages(request, with_categories=True),
        }

    return app


def test_messages_show_once_on_the_next_page_escaped(tmp_path: Path) -> None:
    with TestClient(flash_app(tmp_path)) as client:
        assert client.post("/save").status_code == 302
        page = client.get("/page").text
        assert page == (
            "<p class='success'>Saved &lt;0&gt;</p><p class='message'>Check your e-mail</p>|2"
        )  # the layout and the page see the same messages within one request
        assert client.get("/page").text == "|0"


def test_with_categories_and_filters(tmp_path: Path) -> None:
    with TestClient(flash_app(tmp_path)) as client:
        client.post("/save", params={"count": 2})
        body = client.get("/json", params={"only": "success"}).json()
        assert body["filtered"] == ["Saved <0>", "Saved <1>"]
        assert body["all"] == [
            ["success", "Saved <0>"],
            ["success", "Saved <1>"],
            ["message", "Check your e-mail"],
        ]
        # a filter does not keep the other messages for later (as in Flask)
        assert client.get("/json").json() == {"filtered": [], "all": []}


def test_a_page_without_messages_does_not_write_the_session(tmp_path: Path) -> None:
    with TestClient(flash_app(tmp_path)) as client:
        response = client.get("/page")
        assert response.text == "|0"
        assert "set-cookie" not in response.headers


def test_templates_rendered_without_a_request_see_no_messages(tmp_path: Path) -> None:
    from trellis.templates import render_template

    app = flash_app(tmp_path)
    app.startup_freeze()
    assert render_template(app, "page.html") == "|0"


def test_the_facade_gives_the_functions_after_the_battery_loaded_its_modules(
    tmp_path: Path,
) -> None:
    flash_app(tmp_path).startup_freeze()  # imports every module the battery uses
    import trellis.sessions as facade

    assert callable(facade.flash)
    assert facade.flash.__name__ == "flash"
    assert facade.get_flashed_messages.__name__ == "get_flashed_messages"
