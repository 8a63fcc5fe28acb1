import uuid
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from trellis.exceptions import URLBuildError
from trellis.routing import Router


@pytest.fixture
def router() -> Router[str]:
    r: Router[str] = Router()
    for pattern, name in [
        ("/", "home"),
        ("/users/<int:id>", "user"),
        ("/users/<int:id>/posts/<slug:post>", "user_post"),
        ("/tags/<name>", "tag"),
        ("/items/<uuid:key>", "item"),
        ("/price/<float:amount>", "price"),
        ("/files/<path:rest>", "file"),
        ("/café/<name>/", "cafe"),
    ]:
        r.add(pattern, ["GET"], name, name)
    r.freeze()
    return r


def resolve(router: Router[str], url: str) -> tuple[str, dict[str, Any]]:
    """What a server does: take the path, percent-decode it, look it up."""
    found = router.lookup(unquote(urlsplit(url).path))
    assert found is not None, url
    table, params = found
    return table["GET"], params


def test_build_simple(router: Router[str]) -> None:
    assert router.url_for("home") == "/"
    assert router.url_for("user", id=5) == "/users/5"
    assert router.url_for("user_post", id=1, post="hello-world") == "/users/1/posts/hello-world"


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        "with space",
        "100%",
        "a?b",
        "a#b",
        "a+b",
        "a&b=c",
        "zoë",
        "日本語",
        "emoji 🎉",
        "semi;colon",
        "%2F",
        "..a",
        "'quote'",
    ],
)
def test_str_round_trip(router: Router[str], value: str) -> None:
    url = router.url_for("tag", name=value)
    assert "?" not in url
    assert "#" not in url
    assert resolve(router, url) == ("tag", {"name": value})


@pytest.mark.parametrize("value", ["a/b", "dir/file name.txt", "x/ü/%/y", "a//b", "trailing/"])
def test_path_round_trip_keeps_slashes(router: Router[str], value: str) -> None:
    url = router.url_for("file", rest=value)
    assert url.count("/") == value.count("/") + 2
    assert resolve(router, url) == ("file", {"rest": value})


def test_static_text_is_quoted_too(router: Router[str]) -> None:
    url = router.url_for("cafe", name="x y")
    assert url == "/caf%C3%A9/x%20y/"
    assert resolve(router, url) == ("cafe", {"name": "x y"})


def test_typed_round_trips(router: Router[str]) -> None:
    key = uuid.uuid4()
    assert resolve(router, router.url_for("item", key=key)) == ("item", {"key": key})
    assert resolve(router, router.url_for("price", amount=0.1)) == ("price", {"amount": 0.1})
    assert resolve(router, router.url_for("user", id=10**30)) == ("user", {"id": 10**30})


def test_extra_params_become_query_string(router: Router[str]) -> None:
    assert router.url_for("user", id=3, page=2) == "/users/3?page=2"
    assert (
        router.url_for("user", id=3, tag=["a", "b c"], q="x&y")
        == "/users/3?tag=a&tag=b%20c&q=x%26y"
    )
    assert router.url_for("user", id=3, skip=None) == "/users/3"


def test_anchor(router: Router[str]) -> None:
    assert router.url_for("user", id=3, _anchor="top") == "/users/3#top"
    assert router.url_for("user", id=3, page=1, _anchor="a b") == "/users/3?page=1#a%20b"


def test_a_parameter_called_name_is_allowed() -> None:
    r: Router[str] = Router()
    r.add("/<name>", ["GET"], "t", "by_name")
    assert r.url_for("by_name", name="bob") == "/bob"


def test_unknown_name_suggests_close_matches(router: Router[str]) -> None:
    with pytest.raises(URLBuildError, match=r"no route named 'usr'.*'user'"):
        router.url_for("usr", id=1)
    with pytest.raises(URLBuildError) as info:
        router.url_for("zzzzzz")
    assert "did you mean" not in str(info.value)


@pytest.mark.parametrize(
    ("name", "params", "fragment"),
    [
        ("user", {"id": "abc"}, "refuses id='abc'"),
        ("user", {"id": -1}, "refuses id=-1"),
        ("user", {"id": True}, "refuses"),
        ("item", {"key": "nope"}, "'uuid' converter refuses"),
        ("user_post", {"id": 1, "post": "not a slug"}, "'slug'"),
        ("tag", {"name": "a/b"}, "refuses"),
        ("tag", {"name": ""}, "refuses"),
        ("tag", {"name": ".."}, "dot segment"),
        ("file", {"rest": "/abs"}, "refuses"),
        ("file", {"rest": "a/../b"}, "dot segment"),
        ("price", {"amount": float("nan")}, "refuses"),
        ("user", {}, "missing parameter 'id'"),
        ("user_post", {"id": 1}, "missing parameter 'post'"),
    ],
)
def test_refused_values(
    router: Router[str], name: str, params: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(URLBuildError, match=fragment.replace("(", r"\(")) as info:
        router.url_for(name, **params)
    assert f"'{name}'" in str(info.value)


def test_url_build_error_is_a_lookup_error(router: Router[str]) -> None:
    with pytest.raises(LookupError):
        router.url_for("nothing")
