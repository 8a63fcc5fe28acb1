from __future__ import annotations

from typing import Any

import pytest

from trellis.exceptions import BadRequest
from trellis.http.connection import HTTPConnection
from trellis.http.datastructures import Address, State


def make_scope(**overrides: Any) -> dict[str, Any]:
    scope: dict[str, Any] = {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    scope.update(overrides)
    return scope


def test_construction_only_stores_scope() -> None:
    conn = HTTPConnection(make_scope(path="/a%zz"))
    assert vars(conn).keys() == {"scope", "_receive"}


def test_basic_properties() -> None:
    scope = make_scope(
        path="/items/42",
        raw_path=b"/items/42",
        root_path="",
        query_string=b"q=a&q=b&page=2",
        headers=[(b"host", b"example.com"), (b"x-thing", b"yes")],
    )
    conn = HTTPConnection(scope)
    assert conn.path == "/items/42"
    assert conn.root_path == ""
    assert conn.query.getlist("q") == ["a", "b"]
    assert conn.query["page"] == "2"
    assert conn.headers["X-Thing"] == "yes"
    assert conn.client == Address("127.0.0.1", 50000)
    assert str(conn.url) == "http://example.com/items/42?q=a&q=b&page=2"


def test_values_are_cached() -> None:
    conn = HTTPConnection(make_scope(query_string=b"a=1"))
    assert conn.headers is conn.headers
    assert conn.query is conn.query
    assert conn.url is conn.url
    assert conn.cookies is conn.cookies


def test_path_decoded_by_server_is_kept() -> None:
    conn = HTTPConnection(make_scope(path="/caf\u00e9 x", raw_path=b"/caf%C3%A9%20x"))
    assert conn.path == "/café x"


@pytest.mark.parametrize(
    ("path", "raw_path", "message"),
    [
        ("/a%zz", b"/a%zz", "percent-encoding"),
        ("/a%", b"/a%", "percent-encoding"),
        ("/a\ufffd", b"/a%FF", "UTF-8"),
        ("/a\ufffd", b"/a\xff", "UTF-8"),
    ],
)
def test_bad_raw_path_is_400(path: str, raw_path: bytes, message: str) -> None:
    conn = HTTPConnection(make_scope(path=path, raw_path=raw_path))
    with pytest.raises(BadRequest, match=message):
        _ = conn.path


def test_encoded_percent_is_fine() -> None:
    conn = HTTPConnection(make_scope(path="/100%", raw_path=b"/100%25"))
    assert conn.path == "/100%"


def test_without_raw_path_only_surrogates_fail() -> None:
    scope = make_scope(path="/a\udcff")
    del scope["raw_path"]
    with pytest.raises(BadRequest):
        _ = HTTPConnection(scope).path
    scope["path"] = "/é"
    assert HTTPConnection(scope).path == "/é"


def test_bad_query_is_400() -> None:
    conn = HTTPConnection(make_scope(query_string=b"a=%ff"))
    with pytest.raises(BadRequest, match="query string"):
        _ = conn.query


def test_cookies_from_several_headers() -> None:
    headers = [(b"cookie", b"a=1; b=2"), (b"cookie", b"c=3")]
    assert HTTPConnection(make_scope(headers=headers)).cookies == {"a": "1", "b": "2", "c": "3"}
    assert HTTPConnection(make_scope(headers=[])).cookies == {}


def test_no_client() -> None:
    assert HTTPConnection(make_scope(client=None)).client is None


def test_path_params_and_root_path() -> None:
    conn = HTTPConnection(make_scope(path_params={"id": 3}, root_path="/mount"))
    assert conn.path_params == {"id": 3}
    assert conn.root_path == "/mount"
    assert HTTPConnection(make_scope()).path_params == {}


def test_state_lives_in_scope_and_is_shared() -> None:
    scope = make_scope()
    first = HTTPConnection(scope)
    first.state.user = "ann"
    assert isinstance(scope["trellis.state"], State)
    assert HTTPConnection(scope).state.user == "ann"


def test_extra_attributes_can_be_added() -> None:
    conn = HTTPConnection(make_scope())
    conn.locale = "fr"  # type: ignore[attr-defined]
    assert conn.locale == "fr"  # type: ignore[attr-defined]


def test_url_for_delegates_to_the_app() -> None:
    class App:
        def url_for(self, name: str, **params: Any) -> str:
            return f"/{name}/{params['id']}"

    conn = HTTPConnection(make_scope(app=App()))
    assert conn.url_for("post", id=3) == "/post/3"
    assert isinstance(conn.app, App)


def test_url_for_without_app() -> None:
    with pytest.raises(RuntimeError, match="scope\\['app'\\]"):
        HTTPConnection(make_scope()).url_for("x")


async def test_missing_receive_is_a_clear_error() -> None:
    conn = HTTPConnection(make_scope())
    with pytest.raises(RuntimeError, match="without a receive"):
        await conn._receive()


def test_repr() -> None:
    assert repr(HTTPConnection(make_scope(path="/x"))) == "<HTTPConnection http '/x'>"


def test_session_and_user_read_the_scope_or_say_which_battery_is_missing() -> None:
    bare = HTTPConnection({"type": "http", "headers": []})
    with pytest.raises(RuntimeError, match="sessions battery"):
        _ = bare.session
    with pytest.raises(RuntimeError, match="auth battery"):
        _ = bare.user
    filled = HTTPConnection({"type": "http", "headers": [], "session": {"a": 1}, "user": "ann"})
    assert filled.session == {"a": 1}
    assert filled.user == "ann"
