"""A returned Template renders in sync mode unless something async is involved, then in async."""

from __future__ import annotations

import functools
import html
import re
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import jinja2
import pytest

from trellis import App, Request, Template
from trellis.templates import render_template, render_template_async
from trellis.templates.modes import NeedsAsync, needs_async
from trellis.testing import TestClient

from .conftest import WriteTemplates

PAGES = {
    "base.html": "<h1>{% block title %}Site{% endblock %}</h1>{% block body %}{% endblock %}",
    "page.html": (
        '{% extends "base.html" %}{% block title %}{{ super() }}: {{ title }}{% endblock %}'
        "{% block body %}{% for row in rows %}<i class={{ loop.cycle('a', 'b') }}>"
        "{{ row.name }}</i>{% endfor %}{% endblock %}"
    ),
}
ROWS = [{"name": "<x>"}, {"name": "y"}]
EXPECTED = "<h1>Site: T</h1><i class=a>&lt;x&gt;</i><i class=b>y</i>"


def compiled(env: jinja2.Environment) -> set[str]:
    """The names of the templates ``env`` has compiled (its cache keys are (loader, name))."""
    assert env.cache is not None
    return {key[1] for key in env.cache.keys()}  # noqa: SIM118 (LRUCache is not iterable)


class Modes:
    """Which environment rendered what, for one app."""

    def __init__(self, app: App) -> None:
        self.renderer = app.extensions["templates"].renderer

    @property
    def sync(self) -> set[str]:
        return compiled(self.renderer.sync_env)

    @property
    def async_(self) -> set[str]:
        return compiled(self.renderer.env)


@pytest.fixture
def app(write: WriteTemplates, make_app: Callable[..., App]) -> App:
    write(PAGES)
    return make_app()


def test_a_plain_page_renders_in_sync_mode(app: App) -> None:
    @app.context_processor
    async def site() -> dict[str, Any]:  # an async processor returning plain data: still sync
        return {"title": "T"}

    @app.get("/")
    async def page(request: Request) -> Template:
        block = "body" if request.htmx else None
        return Template("page.html", block=block, rows=ROWS)

    client = TestClient(app)
    assert client.get("/").text == EXPECTED
    assert client.get("/", headers={"HX-Request": "true"}).text == EXPECTED.split("</h1>")[1]
    modes = Modes(app)
    assert modes.sync == {"page.html", "base.html"}
    assert modes.async_ == set()


def test_an_async_global_falls_back_to_async_once(
    write: WriteTemplates, make_app: Callable[..., App], monkeypatch: pytest.MonkeyPatch
) -> None:
    write({"n.html": "{{ prefix }}{{ count() }}{{ count() }}"})
    app = make_app()
    calls: list[str] = []

    @app.template_global()
    async def count() -> int:
        calls.append("count")
        return len(calls)

    @app.get("/")
    async def page() -> Template:
        return Template("n.html", prefix="n=")

    client = TestClient(app)
    # The sync attempt stopped at the first count(), before awaiting it; async mode awaited both.
    assert client.get("/").text == "n=12"
    modes = Modes(app)
    assert modes.sync == {"n.html"}
    assert modes.async_ == {"n.html"}
    assert len(modes.renderer._async_templates) == 1
    calls.clear()
    sync_attempts: list[object] = []
    monkeypatch.setattr(modes.renderer, "_render", lambda *a: sync_attempts.append(a))
    assert client.get("/").text == "n=12"
    assert sync_attempts == []  # remembered: straight to async mode


def test_an_async_filter_and_test_render_in_async_mode(
    write: WriteTemplates, make_app: Callable[..., App]
) -> None:
    write(
        {
            "f.html": "{{ word|shout }}",
            "t.html": "{% if 4 is slow_even %}even{% endif %}",
            "plain.html": "{{ word|upper }}",
        }
    )
    app = make_app()

    @app.template_filter()
    async def shout(value: str) -> str:
        return value.upper() + "!"

    @app.template_test()
    async def slow_even(value: int) -> bool:
        return value % 2 == 0

    @app.get("/<name>")
    async def page(name: str) -> Template:
        return Template(f"{name}.html", word="hi")

    client = TestClient(app)
    assert client.get("/f").text == "HI!"
    assert client.get("/t").text == "even"
    assert client.get("/plain").text == "HI"  # templates without them keep the sync path
    assert Modes(app).async_ == {"f.html", "t.html"}
    with pytest.raises(NeedsAsync, match=r"filter 'shout'.*render_template_async"):
        render_template(app, "f.html", word="hi")


class Author:
    stored: Any = None  # set to a coroutine object by the test that reads it

    async def _stored(self) -> str:
        return "stored"

    @property
    async def name(self) -> str:  # a fresh coroutine on each access (like awaitable_attrs)
        return "Ada"

    async def posts(self) -> list[str]:
        return ["p1", "p2"]

    async def drafts(self) -> AsyncIterator[str]:
        yield "d1"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ author.name }}", "Ada"),
        ("{{ author['name'] }}", "Ada"),
        ("{{ author.stored }}", "stored"),  # a coroutine the sync attempt must leave unclosed
        ("{{ author.posts()|join(',') }}", "p1,p2"),
        ("{% for d in author.drafts() %}{{ d }}{% endfor %}", "d1"),
    ],
)
def test_async_values_inside_context_objects(
    write: WriteTemplates, make_app: Callable[..., App], source: str, expected: str
) -> None:
    write({"a.html": "[{{ plain }}]" + source})
    app = make_app()

    @app.get("/")
    async def page() -> Template:
        author = Author()
        if "stored" in source:
            author.stored = author._stored()
        return Template("a.html", plain="ok", author=author)

    # Warnings are errors: an unawaited coroutine left behind would fail the test.
    assert TestClient(app).get("/").text == f"[ok]{expected}"
    assert Modes(app).async_ == {"a.html"}


async def _numbers() -> AsyncIterator[int]:
    for i in range(3):
        yield i


def _generator() -> Iterator[int]:
    yield from range(3)


@pytest.mark.parametrize(
    "rows", [_numbers, _generator], ids=["async iterable", "one-shot generator"]
)
async def test_an_async_or_one_shot_iterable_in_the_context_goes_straight_to_async(
    app: App, rows: Callable[[], Any]
) -> None:
    @app.get("/")
    async def page() -> Template:
        return Template("page.html", title="T", rows=rows())

    # Rows are plain ints here: row.name is undefined and renders empty.
    expected = "<h1>Site: T</h1><i class=a></i><i class=b></i><i class=a></i>"
    assert TestClient(app).get("/").text == expected
    assert await render_template_async(app, "page.html", title="T", rows=rows()) == expected
    modes = Modes(app)
    assert modes.async_ == {"page.html", "base.html"}
    assert modes.sync == set()  # no sync attempt that would have used up the generator


def test_the_scan_of_top_level_values() -> None:
    async def coroutine_function() -> None:
        return None

    assert not needs_async(["s", 1, None, [1], {"a": 1}, object(), len, str.upper])
    assert needs_async([coroutine_function])
    assert needs_async([_numbers])  # an async generator function
    assert needs_async([_numbers()])
    assert needs_async([iter([1])])
    awaitable = coroutine_function()
    assert needs_async([awaitable])
    awaitable.close()

    class Owner:
        def plain(self) -> None:
            return None

        async def awaited(self) -> None:
            return None

    for _ in range(2):  # the second time, methods' functions come from the scan's cache
        assert not needs_async([Owner().plain])
        assert needs_async([Owner().awaited])
        assert needs_async([functools.partial(coroutine_function)])
        assert not needs_async([functools.partial(len, "ab")])


def test_an_async_global_value_makes_every_page_async(
    write: WriteTemplates, make_app: Callable[..., App]
) -> None:
    write({"g.html": "{% for n in numbers %}{{ n }}{% endfor %}"})
    app = make_app()
    app.add_template_global(_numbers(), "numbers")

    @app.get("/")
    async def page() -> Template:
        return Template("g.html")

    assert TestClient(app).get("/").text == "012"
    assert Modes(app).sync == set()


def test_sync_environment_option_has_no_twin(
    write: WriteTemplates, make_app: Callable[..., App]
) -> None:
    write(PAGES)
    app = make_app(enable_async=False)

    @app.get("/")
    async def page() -> Template:
        return Template("page.html", title="T", rows=ROWS)

    assert TestClient(app).get("/").text == EXPECTED
    renderer = Modes(app).renderer
    assert renderer.sync_env is renderer.env


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_errors_show_the_template_line_on_the_debug_page_in_both_modes(
    write: WriteTemplates, make_app: Callable[..., App], mode: str
) -> None:
    write({"e.html": "<p>{{ lead() }}</p>\n{% block b %}\n{{ 10 // divisor }}\n{% endblock %}\n"})
    app = make_app(debug=True)

    async def async_lead() -> str:
        return "async"

    @app.get("/")
    async def page() -> Template:
        lead = async_lead if mode == "async" else (lambda: "sync")
        return Template("e.html", lead=lead, divisor=0)

    response = TestClient(app, raise_server_exceptions=False).get(
        "/", headers={"Accept": "text/html"}
    )
    assert response.status_code == 500
    summaries = [html.unescape(s) for s in re.findall(r"<summary>(.*?)</summary>", response.text)]
    assert any("e.html, line 3, in <b>block 'b'</b>" in s for s in summaries), summaries
    assert Modes(app).async_ == ({"e.html"} if mode == "async" else set())
