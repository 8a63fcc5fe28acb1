"""Whole-page rendering through the App: escaping, inheritance, includes, registrations, lookup."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jinja2
import pytest

from trellis import App, Blueprint, Request, Template
from trellis.exceptions import ConfigurationError
from trellis.templates import Templates, render_template, render_template_async
from trellis.testing import TestClient

from .conftest import WriteTemplates


def test_context_values_are_escaped_in_html_templates(
    write: WriteTemplates, make_app: Callable[..., App]
) -> None:
    write({"page.html": "<p>{{ text }}</p>", "page.txt": "{{ text }}"})
    app = make_app()

    @app.get("/html")
    async def html() -> Template:
        return Template("page.html", text="<script>alert(1)</script>")

    @app.get("/txt")
    async def txt() -> Template:
        return Template("page.txt", text="<b>", media_type="text/plain")

    client = TestClient(app)
    response = client.get("/html")
    assert response.text == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    plain = client.get("/txt")
    assert plain.text == "<b>"  # not an HTML file: no escaping
    assert plain.headers["content-type"] == "text/plain; charset=utf-8"


def test_three_levels_of_extends_with_super(
    write: WriteTemplates, make_app: Callable[..., App]
) -> None:
    write(
        {
            "base.html": "[{% block title %}Site{% endblock %}|{% block body %}{% endblock %}]",
            "section.html": (
                '{% extends "base.html" %}{% block title %}{{ super() }}/Blog{% endblock %}'
                "{% block body %}<main>{% block content %}{% endblock %}</main>{% endblock %}"
            ),
            "post.html": (
                '{% extends "section.html" %}{% block title %}{{ super() }}/{{ title }}'
                "{% endblock %}{% block content %}{{ title|upper }}{% endblock %}"
            ),
        }
    )
    app = make_app()

    @app.get("/")
    async def post() -> Template:
        return Template("post.html", title="hello")

    assert TestClient(app).get("/").text == "[Site/Blog/hello|<main>HELLO</main>]"


def test_includes_and_macros(write: WriteTemplates, make_app: Callable[..., App]) -> None:
    write(
        {
            "page.html": (
                '{% import "forms.html" as forms %}{% include "header.html" %}'
                "{{ forms.field('q', value) }}"
            ),
            "header.html": "<h1>{{ heading }}</h1>",
            "forms.html": '{% macro field(name, v) %}<input name="{{ name }}" value="{{ v }}">'
            "{% endmacro %}",
        }
    )
    app = make_app()

    @app.get("/")
    async def page() -> Template:
        return Template("page.html", heading="Search", value='"x"')

    assert TestClient(app).get("/").text == ('<h1>Search</h1><input name="q" value="&#34;x&#34;">')


def test_filters_tests_and_globals_from_app_and_blueprint(
    write: WriteTemplates, make_app: Callable[..., App]
) -> None:
    write({"page.html": "{{ word|shout }} {{ 4 is even }} {{ 3 is even }} {{ year() }} {{ who }}"})
    app = make_app()
    bp = Blueprint("bp")

    @app.template_filter()
    def shout(value: str) -> str:
        return value.upper() + "!"

    @bp.template_test("even")
    def is_even(value: int) -> bool:
        return value % 2 == 0

    @bp.template_global()
    def year() -> int:
        return 2026

    bp.add_template_global("blueprint", "who")
    app.add_template_global("app", "who")  # the app's own registration wins

    @bp.get("/")
    async def page() -> Template:
        return Template("page.html", word="hi")

    app.register(bp)
    assert TestClient(app).get("/").text == "HI! True False 2026 app"


def test_project_templates_override_a_blueprints(
    tmp_path: Path, write: WriteTemplates, make_app: Callable[..., App]
) -> None:
    write({"shared.html": "project version"})
    write({"shared.html": "blueprint version", "bp/own.html": "blueprint only"}, "bp/templates")
    app = make_app()
    bp = Blueprint("bp")
    bp.root_path = tmp_path / "bp"

    @bp.get("/shared")
    async def shared() -> Template:
        return Template("shared.html")

    @bp.get("/own")
    async def own() -> Template:
        return Template("bp/own.html")

    app.register(bp)
    client = TestClient(app)
    assert client.get("/shared").text == "project version"
    assert client.get("/own").text == "blueprint only"
    battery = app.extensions["templates"]
    # The project's folder, then the blueprint's; batteries' own folders (forms' macros,
    # installed by convention when forms are in use in the process) come after both.
    assert battery.folders()[:2] == [tmp_path / "templates", tmp_path / "bp" / "templates"]


def test_a_batterys_search_path_comes_last(
    tmp_path: Path, write: WriteTemplates, make_app: Callable[..., App]
) -> None:
    write({"a.html": "project"})
    extra = write({"a.html": "battery", "admin/b.html": "battery b"}, "battery_templates")
    app = make_app()
    app.extensions["templates"].add_search_path(extra)

    @app.get("/<name>")
    async def page(name: str) -> Template:
        return Template(f"{name}.html" if name == "a" else "admin/b.html")

    client = TestClient(app)
    assert client.get("/a").text == "project"
    assert client.get("/b").text == "battery b"
    with pytest.raises(ConfigurationError):
        app.extensions["templates"].add_search_path(tmp_path)


def test_request_url_for_config_and_battery_defaults(
    write: WriteTemplates, make_app: Callable[..., App]
) -> None:
    write(
        {
            "page.html": (
                "{{ request.method }} {{ url_for('page', id=3) }} {{ url_for('.page', id=4) }} "
                "[{{ csrf_input() }}][{{ csrf_token() }}] {{ get_flashed_messages() }} "
                "{{ config.debug }} {{ config.secret_key is defined }} "
                "{{ config.get('secret_key_fallbacks') }} {{ 'secret_key' in config }}"
            )
        }
    )
    app = make_app()
    app.settings.secret_key = "s3cret-value-" * 3  # type: ignore[assignment]

    @app.get("/pages/<int:id>")
    async def page(id: int) -> Template:
        return Template("page.html")

    text = TestClient(app).get("/pages/1").text
    assert text == "GET /pages/3 /pages/4 [][] [] False False None False"
    assert "s3cret" not in text


def test_safe_config_hides_secrets_and_is_read_only() -> None:
    from pydantic import SecretStr

    from trellis.conf import Settings
    from trellis.templates import SafeConfig

    class ProjectSettings(Settings):
        site_name: str = "Example"
        database_password: str = "hunter2"
        api_token: str = "abc"
        smtp_login: SecretStr = SecretStr("hidden")

    config = SafeConfig(ProjectSettings(secret_key="k" * 40))
    assert config["site_name"] == "Example"
    assert config.site_name == "Example"
    for hidden in ("secret_key", "secret_key_fallbacks", "database_password", "api_token"):
        assert hidden not in config
    assert "smtp_login" not in config  # typed SecretStr, whatever its name
    assert "debug" in set(config)
    with pytest.raises(TypeError):
        config.debug = True  # type: ignore[misc]


def test_a_batterys_global_replaces_the_default(
    write: WriteTemplates, make_app: Callable[..., App]
) -> None:
    from markupsafe import Markup

    write({"form.html": "<form>{{ csrf_input() }}</form>"})
    app = make_app()
    app.add_template_global(lambda: Markup('<input name="csrf" value="t">'), "csrf_input")

    @app.get("/")
    async def form() -> Template:
        return Template("form.html")

    assert TestClient(app).get("/").text == '<form><input name="csrf" value="t"></form>'


class User:
    name = "ada"

    def __str__(self) -> str:
        return self.name


def test_context_processors_app_and_blueprint(
    write: WriteTemplates, make_app: Callable[..., App]
) -> None:
    write({"page.html": "{{ site }} {{ path }} {{ user }} {{ section }} {{ own }}"})
    app = make_app()
    bp = Blueprint("bp")
    closed: list[str] = []

    def current_user() -> Iterator[User]:
        yield User()
        closed.append("user")

    app.provide(User, current_user)

    @app.context_processor
    def site() -> dict[str, Any]:
        return {"site": "Example", "own": "processor"}

    @app.context_processor
    async def path(request: Request) -> dict[str, Any]:
        return {"path": request.url.path}

    @bp.context_processor
    def with_user(user: User) -> dict[str, Any]:
        return {"user": user, "section": "bp"}

    @bp.get("/x")
    async def page() -> Template:
        return Template("page.html", own="handler wins")

    app.register(bp)
    assert TestClient(app).get("/x").text == "Example /x ada bp handler wins"
    assert closed == ["user"]


def test_context_processor_must_return_a_dict(
    write: WriteTemplates, make_app: Callable[..., App]
) -> None:
    write({"page.html": "x"})
    app = make_app()

    @app.context_processor
    def broken() -> list[str]:
        return ["nope"]

    @app.get("/")
    async def page() -> Template:
        return Template("page.html")

    with pytest.raises(TypeError, match="must return a dict"):
        TestClient(app).get("/")


def test_sync_and_async_handlers_and_error_handlers(
    write: WriteTemplates, make_app: Callable[..., App]
) -> None:
    write({"page.html": "{{ kind }} {{ request.path }}", "404.html": "missing {{ request.path }}"})
    app = make_app()

    @app.get("/sync")
    def sync_view() -> Template:
        return Template("page.html", kind="sync")

    @app.get("/async")
    async def async_view() -> Template:
        return Template("page.html", kind="async", status_code=201, headers={"X-Kind": "a"})

    @app.errorhandler(404)
    def not_found() -> Template:
        return Template("404.html")

    client = TestClient(app)
    assert client.get("/sync").text == "sync /sync"
    response = client.get("/async")
    assert (response.status_code, response.text, response.headers["x-kind"]) == (
        201,
        "async /async",
        "a",
    )
    missing = client.get("/nowhere")
    assert (missing.status_code, missing.text) == (404, "missing /nowhere")


def test_async_templates_await_async_values(
    write: WriteTemplates, make_app: Callable[..., App]
) -> None:
    write({"rows.html": "{% for row in rows %}{{ row }};{% endfor %}{{ total() }}"})
    app = make_app()

    async def rows() -> Any:
        for i in range(3):
            yield i

    async def total() -> int:
        return 3

    @app.get("/")
    async def page() -> Template:
        return Template("rows.html", rows=rows(), total=total)

    assert TestClient(app).get("/").text == "0;1;2;3"


def test_render_template_to_a_string(write: WriteTemplates, make_app: Callable[..., App]) -> None:
    write({"mail.txt": "Hi {{ name }} ({{ url_for('home') }}){{ extra }}"})
    app = make_app()

    @app.context_processor
    def extra() -> dict[str, str]:
        return {"extra": "!"}

    @app.context_processor
    def needs_request(request: Request) -> dict[str, str]:
        return {"extra": f"? {request.method}"}

    @app.get("/")
    def home(request: Request) -> str:
        return render_template(request, "mail.txt", name="in request")

    # Outside a request: processors that need one are skipped; url_for is the app's.
    assert render_template(app, "mail.txt", name="Ada") == "Hi Ada (/)!"
    assert TestClient(app).get("/").text == "Hi in request (/)? GET"


async def test_render_template_async(write: WriteTemplates, make_app: Callable[..., App]) -> None:
    write({"a.html": "{% block x %}{{ n }}{% endblock %}!"})
    app = make_app()
    assert await render_template_async(app, "a.html", n=1) == "1!"
    assert await render_template_async(app, "a.html", block="x", n=2) == "2"


def test_sync_rendering_refuses_async_processors(
    write: WriteTemplates, make_app: Callable[..., App]
) -> None:
    write({"a.html": "{{ x }}"})
    app = make_app()

    @app.context_processor
    async def slow() -> dict[str, int]:
        return {"x": 1}

    with pytest.raises(ConfigurationError, match="render_template_async"):
        render_template(app, "a.html")


def test_sync_environment_option(write: WriteTemplates, make_app: Callable[..., App]) -> None:
    write({"a.html": "{% block b %}{{ n }}{% endblock %}."})
    app = make_app(enable_async=False, trim_blocks=True)

    @app.get("/")
    def page() -> Template:
        return Template("a.html", n=5)

    @app.get("/b")
    def block() -> Template:
        return Template("a.html", block="b", n=6)

    client = TestClient(app)
    assert client.get("/").text == "5."
    assert client.get("/b").text == "6"
    assert app.extensions["templates"].environment.is_async is False
    assert app.extensions["templates"].environment.trim_blocks is True


def test_missing_template_names_the_folders(
    tmp_path: Path, write: WriteTemplates, make_app: Callable[..., App]
) -> None:
    write({"also.html": "second {{ n }}"})
    app = make_app()
    assert render_template(app, ["nope.html", "also.html"], n=1) == "second 1"
    with pytest.raises(
        jinja2.TemplateNotFound, match=r"'nope\.html' not found; searched .*templates"
    ):
        render_template(app, "nope.html")
    with pytest.raises(jinja2.TemplatesNotFound, match="not found"):
        render_template(app, ["nope.html", "nope2.html"])


def test_installing_twice_or_without_install_is_a_configuration_error(
    make_app: Callable[..., App],
) -> None:
    app = make_app()
    with pytest.raises(ConfigurationError, match="installed on this app already"):
        app.install(Templates())
    battery = app.extensions["templates"]
    with pytest.raises(ConfigurationError, match="another app"):
        App().install(battery)
    with pytest.raises(ConfigurationError, match="render_template needs"):
        render_template(App(), "a.html")
    with pytest.raises(ConfigurationError, match="not installed"):
        _ = Templates().environment


def test_missing_jinja2_is_a_missing_dependency(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib
    import sys

    from trellis.exceptions import MissingDependency

    for name in [n for n in sys.modules if n == "trellis.templates" or n.startswith("jinja2")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "jinja2", None)  # type: ignore[arg-type]
    module = importlib.import_module("trellis.templates")  # cheap: names load on first use
    with pytest.raises(MissingDependency, match=r"trellis\[templates\]"):
        module.Templates  # noqa: B018


def test_globals_stay_live_and_layer_as_in_jinja(
    write: WriteTemplates, make_app: Callable[..., App]
) -> None:
    # Pages merge the globals themselves (not through Jinja2's ChainMap copy): same layering.
    write({"g.html": "{{ site }} {{ motto }} {{ who }}", "bad.html": "{{ 1 // zero }}"})
    app = make_app()
    app.add_template_global("Trellis", "site")
    app.add_template_global("globals", "who")

    @app.get("/")
    async def page() -> Template:
        return Template("g.html", who="context")  # the handler's context wins over a global

    @app.get("/bad")
    async def bad() -> Template:
        return Template("bad.html", zero=0)

    client = TestClient(app, raise_server_exceptions=True)
    assert client.get("/").text == "Trellis  context"
    env = app.extensions["templates"].renderer.sync_env
    env.globals["motto"] = "grows"  # set after the first render: the next one sees it
    assert client.get("/").text == "Trellis grows context"
    own = env.get_template("g.html", globals={"site": "own"})  # a template's own globals win
    assert own.render(who="x") == "own grows x"
    assert client.get("/").text == "own grows context"
    with pytest.raises(ZeroDivisionError) as raised:
        client.get("/bad")
    # Jinja2's traceback rewriting still points at the template line
    assert any(entry.path.name == "bad.html" for entry in raised.traceback)
