import uuid
from typing import Any

import pytest

from trellis.exceptions import ConfigurationError
from trellis.routing import Converter, Router


def make(*routes: tuple[str, str] | tuple[str, str, list[str]]) -> Router[str]:
    """Routes as (pattern, name[, methods]); each target is its name."""
    router: Router[str] = Router()
    for route in routes:
        pattern, name, *rest = route
        router.add(pattern, rest[0] if rest else ["GET"], name, name)
    router.freeze()
    return router


def target(
    router: Router[str], path: str, method: str = "GET"
) -> tuple[str, dict[str, Any]] | None:
    found = router.lookup(path)
    if found is None:
        return None
    table, params = found
    return table[method], params


def test_static_routes_come_from_the_dict() -> None:
    r = make(("/", "home"), ("/about", "about"), ("/docs/", "docs"))
    assert target(r, "/") == ("home", {})
    assert target(r, "/about") == ("about", {})
    assert target(r, "/docs/") == ("docs", {})
    assert r.lookup("/missing") is None
    assert r.lookup("/about/") is None


def test_method_table_lists_every_method_of_the_path() -> None:
    r = make(("/x", "read", ["GET"]), ("/x", "write", ["POST", "put"]))
    table, _ = r.lookup("/x")  # type: ignore[misc]
    assert dict(table) == {"GET": "read", "POST": "write", "PUT": "write"}


def test_dynamic_params_are_converted() -> None:
    u = uuid.uuid4()
    r = make(
        ("/posts/<int:id>", "post"),
        ("/items/<uuid:key>", "item"),
        ("/price/<float:amount>", "price"),
        ("/tags/<slug:tag>", "tag"),
        ("/users/<name>", "user"),
        ("/files/<path:rest>", "file"),
    )
    assert target(r, "/posts/42") == ("post", {"id": 42})
    assert target(r, f"/items/{u}") == ("item", {"key": u})
    assert target(r, "/price/2.5") == ("price", {"amount": 2.5})
    assert target(r, "/tags/my-tag_1") == ("tag", {"tag": "my-tag_1"})
    assert target(r, "/users/zoé") == ("user", {"name": "zoé"})
    assert target(r, "/files/a/b/c.txt") == ("file", {"rest": "a/b/c.txt"})


def test_refused_values_do_not_match() -> None:
    r = make(("/posts/<int:id>", "post"), ("/tags/<slug:tag>", "tag"), ("/users/<name>", "user"))
    for path in (
        "/posts/-1",
        "/posts/abc",
        "/posts/",
        "/tags/a b",
        "/users/",
        "/users/a/b",
        "/posts/1/",
    ):
        assert r.lookup(path) is None, path


def test_static_segment_beats_converters() -> None:
    r = make(
        ("/u/<int:id>", "by_id"), ("/u/me", "me"), ("/u/<name>/x", "named_x"), ("/u/me/x", "me_x")
    )
    assert target(r, "/u/me") == ("me", {})
    assert target(r, "/u/me/x") == ("me_x", {})
    assert target(r, "/u/7") == ("by_id", {"id": 7})
    assert target(r, "/u/bob/x") == ("named_x", {"name": "bob"})


def test_converter_priority_at_one_position_ignores_registration_order() -> None:
    r = make(
        ("/p/<path:rest>", "path"),
        ("/p/<name>", "str"),
        ("/p/<slug:s>", "slug"),
        ("/p/<float:f>", "float"),
        ("/p/<int:i>", "int"),
    )
    assert target(r, "/p/12") == ("int", {"i": 12})
    assert target(r, "/p/1.5") == ("float", {"f": 1.5})
    assert target(r, "/p/a-b") == ("slug", {"s": "a-b"})
    assert target(r, "/p/a b") == ("str", {"name": "a b"})
    assert target(r, "/p/a/b") == ("path", {"rest": "a/b"})


def test_backtracking_when_a_deeper_match_fails() -> None:
    r = make(
        ("/a/<int:n>/edit", "edit"), ("/a/<name>/view", "view"), ("/a/static/<int:n>", "static_n")
    )
    # "5" first goes down the int branch, which has no "view": the walk backs up to <name>.
    assert target(r, "/a/5/view") == ("view", {"name": "5"})
    assert target(r, "/a/5/edit") == ("edit", {"n": 5})
    # "static" first follows the literal branch, which needs an int: back up to <name>.
    assert target(r, "/a/static/view") == ("view", {"name": "static"})
    assert target(r, "/a/static/3") == ("static_n", {"n": 3})


def test_backtracking_discards_values_of_failed_branches() -> None:
    r = make(("/x/<int:a>/<int:b>/end", "ints"), ("/x/<first>/<second>/other", "strs"))
    assert target(r, "/x/1/2/other") == ("strs", {"first": "1", "second": "2"})


def test_path_converter_in_the_middle() -> None:
    r = make(("/repo/<path:file>/raw", "raw"), ("/repo/<path:file>/blame/<int:line>", "blame"))
    assert target(r, "/repo/src/app.py/raw") == ("raw", {"file": "src/app.py"})
    assert target(r, "/repo/raw/raw") == ("raw", {"file": "raw"})
    assert target(r, "/repo/a/raw/b/raw") == ("raw", {"file": "a/raw/b"})
    assert target(r, "/repo/x/y/blame/12") == ("blame", {"file": "x/y", "line": 12})
    assert r.lookup("/repo/raw") is None


def test_path_converter_takes_trailing_slash_and_empty_inner_segments() -> None:
    r = make(("/f/<path:p>", "f"))
    assert target(r, "/f/a/") == ("f", {"p": "a/"})
    assert target(r, "/f/a//b") == ("f", {"p": "a//b"})
    assert r.lookup("/f/") is None
    assert r.lookup("/f//a") is None


def test_two_path_converters() -> None:
    r = make(("/c/<path:a>/to/<path:b>", "copy"))
    assert target(r, "/c/x/y/to/z") == ("copy", {"a": "x/y", "b": "z"})


def test_hostile_long_path_stays_cheap() -> None:
    r = make(("/f/<path:p>/raw", "raw"), ("/g/<path:p>", "g"))
    long_path = "/f/" + "/".join(["a"] * 50_000)
    assert r.lookup(long_path) is None
    assert target(r, long_path + "/raw") == ("raw", {"p": "/".join(["a"] * 50_000)})


def test_trailing_slash_like_flask() -> None:
    r = make(("/docs/", "docs"), ("/about", "about"), ("/u/<name>/", "user"))
    assert r.redirect_for("/docs") == "/docs/"
    assert r.redirect_for("/u/bob") == "/u/bob/"
    assert r.lookup("/docs") is None
    assert r.lookup("/about/") is None
    assert r.redirect_for("/about/") is None
    assert r.redirect_for("/about") is None  # it matches as is
    assert r.redirect_for("/nothing") is None


def test_no_redirect_when_path_already_matches() -> None:
    r = make(("/x/<path:p>", "any"), ("/x/y/", "slashed"))
    assert r.redirect_for("/x/y") is None
    assert target(r, "/x/y") == ("any", {"p": "y"})


def test_websocket_namespace_is_separate() -> None:
    router: Router[str] = Router()
    router.add("/chat", ["GET"], "http", "chat_page")
    router.add("/chat", [], "ws", "chat", websocket=True)
    router.add("/rooms/<int:id>", [], "room", "room", websocket=True)
    assert dict(router.lookup("/chat")[0]) == {"GET": "http"}  # type: ignore[index]
    assert dict(router.lookup("/chat", websocket=True)[0]) == {"GET": "ws"}  # type: ignore[index]
    assert router.lookup("/rooms/3") is None
    assert router.lookup("/rooms/3", websocket=True)[1] == {"id": 3}  # type: ignore[index]
    assert router.url_for("room", id=3) == "/rooms/3"


def test_duplicate_route_names_both() -> None:
    router: Router[str] = Router()
    router.add("/u/<int:id>", ["GET", "POST"], "a", "show")
    with pytest.raises(ConfigurationError) as info:
        router.add("/u/<int:id>", ["POST"], "b", "update")
    message = str(info.value)
    assert "'show'" in message
    assert "'update'" in message
    assert "/u/<int:id>" in message
    assert "POST" in message


def test_duplicate_static_route() -> None:
    router: Router[str] = Router()
    router.add("/x", ["GET"], "a", "first")
    with pytest.raises(ConfigurationError, match=r"'first'.*'second'"):
        router.add("/x", ["get"], "b", "second")


def test_same_path_disjoint_methods_is_fine() -> None:
    router: Router[str] = Router()
    router.add("/u/<int:id>", ["GET"], "a", "show")
    router.add("/u/<int:id>", ["DELETE"], "b", "remove")
    assert dict(router.lookup("/u/1")[0]) == {"GET": "a", "DELETE": "b"}  # type: ignore[index]


@pytest.mark.parametrize("methods", [["GET"], ["POST"]])
def test_ambiguous_parameter_names_name_both_routes(methods: list[str]) -> None:
    router: Router[str] = Router()
    router.add("/u/<int:a>", ["GET"], "x", "by_a")
    with pytest.raises(ConfigurationError) as info:
        router.add("/u/<int:b>", methods, "y", "by_b")
    message = str(info.value)
    assert "'by_a'" in message
    assert "/u/<int:a>" in message
    assert "'by_b'" in message
    assert "/u/<int:b>" in message


def test_different_names_at_a_shared_position_are_fine_when_shapes_differ() -> None:
    router: Router[str] = Router()
    router.add("/u/<int:a>/x", ["GET"], "x", "x")
    router.add("/u/<int:b>/y", ["GET"], "y", "y")
    assert router.lookup("/u/1/y") == ({"GET": "y"}, {"b": 1})


def test_duplicate_route_name() -> None:
    router: Router[str] = Router()
    router.add("/a", ["GET"], "a", "page")
    with pytest.raises(ConfigurationError) as info:
        router.add("/b", ["GET"], "b", "page")
    assert "/a" in str(info.value)
    assert "/b" in str(info.value)


def test_duplicate_name_across_http_and_websocket() -> None:
    router: Router[str] = Router()
    router.add("/a", ["GET"], "a", "live")
    with pytest.raises(ConfigurationError, match="used twice"):
        router.add("/a", [], "b", "live", websocket=True)


def test_bad_pattern_on_add_names_it() -> None:
    router: Router[str] = Router()
    with pytest.raises(ConfigurationError, match="'/x/<bogus:y>'"):
        router.add("/x/<bogus:y>", ["GET"], "t", "t")


@pytest.mark.parametrize("methods", ["GET", [], ["G ET"]])
def test_bad_methods(methods: Any) -> None:
    router: Router[str] = Router()
    with pytest.raises(ConfigurationError):
        router.add("/x", methods, "t", "t")


def test_frozen_router_refuses_changes() -> None:
    router: Router[str] = Router()
    router.add("/x", ["GET"], "t", "t")
    router.freeze()
    assert router.frozen
    with pytest.raises(ConfigurationError, match="frozen"):
        router.add("/y", ["GET"], "t", "y")
    with pytest.raises(ConfigurationError, match="frozen"):
        router.add_converter("c", Converter)
    assert router.lookup("/x") is not None


class Even(Converter):
    weight = 5

    def to_python(self, value: str) -> int:
        number = int(value)
        if number % 2:
            raise ValueError("odd")
        return number

    def to_url(self, value: Any) -> str:
        return str(value)


def test_custom_converter() -> None:
    router: Router[str] = Router({"even": Even})
    router.add("/n/<even:n>", ["GET"], "even", "even")
    router.add("/n/<int:n>", ["GET"], "int", "any_int")
    assert router.lookup("/n/4") == ({"GET": "even"}, {"n": 4})
    assert router.lookup("/n/5") == ({"GET": "int"}, {"n": 5})
    assert router.url_for("even", n=8) == "/n/8"


def test_add_converter_checks() -> None:
    router: Router[str] = Router()
    with pytest.raises(ConfigurationError):
        router.add_converter("bad name", Even)
    with pytest.raises(ConfigurationError):
        router.add_converter("even", int)  # type: ignore[arg-type]
    router.add_converter("even", Even)
    router.add("/n/<even:n>", ["GET"], "t", "t")
    with pytest.raises(ConfigurationError, match="already used"):
        router.add_converter("even", Even)


def test_introspection() -> None:
    r = make(("/a", "a"), ("/b/<int:x>", "b"))
    assert len(r) == 2
    assert "b" in r
    assert "zzz" not in r
    assert [(e.name, e.path) for e in r] == [("a", "/a"), ("b", "/b/<int:x>")]
