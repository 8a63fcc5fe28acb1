from __future__ import annotations

import re
from typing import Any

import pytest

from trellis.middleware.debug import (
    debug_response,
    render_debug_page,
    render_debug_text,
    safe_repr,
)


class BrokenRepr:
    def __repr__(self) -> str:
        raise RuntimeError("repr exploded")


class BrokenStr(Exception):
    def __str__(self) -> str:
        raise RuntimeError("str exploded")


def failing_view(user_id: int) -> None:
    markup = "<script>alert('x')</script>"
    broken = BrokenRepr()
    big = "y" * 5000
    assert markup
    assert broken
    assert big
    raise ValueError("bad <b>input</b> & more")


def capture(fn: Any, *args: Any) -> BaseException:
    try:
        fn(*args)
    except BaseException as exc:
        return exc
    raise AssertionError("did not raise")


def page(exc: BaseException, **kwargs: Any) -> str:
    options: dict[str, Any] = {"method": "GET", "path": "/users/7", "request_id": "req-1"}
    options.update(kwargs)
    return render_debug_page(exc, **options)


def test_page_shows_exception_frames_source_and_locals() -> None:
    exc = capture(failing_view, 7)
    html = page(exc, headers=[("user-agent", "pytest")])
    assert html.startswith("<!DOCTYPE html>")
    assert "ValueError: bad &lt;b&gt;input&lt;/b&gt; &amp; more" in html
    assert "failing_view" in html
    assert __file__ in html
    # The failing line is in the source context, marked as the current line.
    current = re.findall(r'<span class="cur">(.*?)</span>', html)
    assert "raise ValueError(" in current[-1]  # the innermost frame comes last
    assert "big = &quot;y&quot; * 5000" in html  # a context line before it
    assert '<th>user_id</th><td class="val">7</td>' in html
    assert "GET /users/7" in html
    assert "req-1" in html
    assert "pytest" in html


def test_page_is_self_contained() -> None:
    html = page(capture(failing_view, 1))
    assert "<style>" in html
    assert not re.search(r"<(script|link|img)\b", html)
    assert "http://" not in html
    assert "https://" not in html


def test_html_in_locals_is_escaped() -> None:
    html = page(capture(failing_view, 1))
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html


def test_raising_repr_is_reported_not_raised() -> None:
    html = page(capture(failing_view, 1))
    assert "&lt;repr() failed: RuntimeError: repr exploded&gt;" in html
    text = render_debug_text(capture(failing_view, 1), method="GET", path="/", request_id="r")
    assert "broken = <repr() failed: RuntimeError: repr exploded>" in text


def test_long_reprs_are_truncated_to_the_configured_length() -> None:
    exc = capture(failing_view, 1)
    html = page(exc, max_repr_length=40)
    assert "y" * 38 + "…" in html
    assert "y" * 40 not in html
    assert len(safe_repr("z" * 1000, 10)) == 10


def test_safe_repr_bounds_big_containers() -> None:
    text = safe_repr(list(range(100_000)), 10_000)
    assert text.endswith("...]")
    assert len(text) < 200


def test_chained_exceptions_are_all_shown() -> None:
    def lookup() -> None:
        try:
            {}["missing"]
        except KeyError as exc:
            raise LookupError("no such user") from exc

    exc = capture(lookup)
    html = page(exc)
    assert "LookupError: no such user" in html
    assert "directly caused by: KeyError: &#x27;missing&#x27;" in html

    def during() -> None:
        try:
            1 / 0  # noqa: B018
        except ZeroDivisionError:
            raise TypeError("second")  # noqa: B904

    text = render_debug_text(capture(during), method="GET", path="/", request_id="r")
    assert text.index("ZeroDivisionError") < text.index("TypeError: second", 20)
    assert "During handling of the above exception" in text
    assert "raised while handling" in page(capture(during))


def test_suppressed_context_is_not_shown() -> None:
    def fn() -> None:
        try:
            raise KeyError("hidden")
        except KeyError:
            raise ValueError("shown") from None

    html = page(capture(fn))
    assert 'class="how"' not in html  # no second section
    assert "ValueError: shown" in html


def test_broken_str_on_the_exception_itself() -> None:
    html = page(capture(lambda: (_ for _ in ()).throw(BrokenStr())))
    assert "BrokenStr" in html
    assert "str() failed" in html


def test_authorization_header_is_hidden() -> None:
    headers = [("authorization", "Bearer secret-token"), ("x-ok", "visible")]
    html = page(capture(failing_view, 1), headers=headers)
    text = render_debug_text(
        capture(failing_view, 1), method="GET", path="/", request_id="r", headers=headers
    )
    for output in (html, text):
        assert "secret-token" not in output
        assert "visible" in output


def test_renderer_failure_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    import trellis.middleware.debug as debug

    def explode(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("renderer bug")

    monkeypatch.setattr(debug, "_render_html", explode)
    html = page(capture(failing_view, 1))
    assert "ValueError: bad &lt;b&gt;input" in html
    assert "renderer bug" in html


def test_text_variant() -> None:
    text = render_debug_text(
        capture(failing_view, 3), method="POST", path="/x?y=1", request_id="abc"
    )
    assert text.startswith("ValueError: bad <b>input</b> & more\n")
    assert "POST /x?y=1 (request abc)" in text
    assert 'raise ValueError("bad <b>input</b> & more")' in text
    assert "user_id = 3" in text


def _scope(accept: bytes | None) -> dict[str, Any]:
    headers = [(b"accept", accept)] if accept is not None else []
    return {
        "method": "GET",
        "path": "/p",
        "root_path": "",
        "query_string": b"q=1",
        "headers": headers,
    }


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, "text/html"),
        (b"text/html,application/xhtml+xml,*/*;q=0.8", "text/html"),
        (b"*/*", "text/html"),
        (b"application/json", "text/plain"),
        (b"text/plain", "text/plain"),
    ],
)
def test_debug_response_negotiates(accept: bytes | None, media: str) -> None:
    response = debug_response(capture(failing_view, 1), _scope(accept), "rid-9")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith(media)
    assert b"rid-9" in response.body
    assert b"/p?q=1" in response.body


def test_real_app_serves_the_debug_page() -> None:
    from trellis import App
    from trellis.testing import TestClient

    app = App(debug=True)

    @app.get("/boom")
    def boom() -> str:
        secret_sauce = "<i>tomato</i>"
        raise RuntimeError(f"kaboom {secret_sauce}")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom", headers={"accept": "text/html"})
    assert response.status_code == 500
    assert "RuntimeError: kaboom &lt;i&gt;tomato&lt;/i&gt;" in response.text
    assert "secret_sauce" in response.text


def test_library_frames_are_folded_and_user_frames_open() -> None:
    import json

    def parse() -> None:
        json.loads("{broken")

    html = page(capture(parse))
    frames = re.findall(r'<details class="([^"]+)"( open)?><summary>([^<]+)', html)
    mine = [f for f in frames if __file__ in f[2]]
    stdlib = [f for f in frames if "json" in f[2] and __file__ not in f[2]]
    assert mine
    assert all(f[0] == "frame" and f[1] == " open" for f in mine)
    assert stdlib
    assert all(f[0] == "frame lib" and not f[1] for f in stdlib)
