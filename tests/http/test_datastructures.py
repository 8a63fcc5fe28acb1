from __future__ import annotations

import io
from pathlib import Path

import pytest

from trellis.exceptions import BadRequest
from trellis.http.datastructures import (
    URL,
    Address,
    FormData,
    Headers,
    MultiDict,
    MutableHeaders,
    QueryParams,
    State,
    UploadFile,
)

RAW = [(b"host", b"example.com"), (b"accept", b"text/html"), (b"accept", b"application/json")]


class TestHeaders:
    def test_lookup_is_case_insensitive_and_gives_first_value(self) -> None:
        headers = Headers(raw=RAW)
        assert headers["ACCEPT"] == "text/html"
        assert headers.get("Host") == "example.com"
        assert headers.getlist("accept") == ["text/html", "application/json"]

    def test_missing(self) -> None:
        headers = Headers(raw=RAW)
        assert headers.get("x-missing") is None
        assert headers.get("x-missing", "d") == "d"
        assert headers.getlist("x-missing") == []
        assert "x-missing" not in headers
        with pytest.raises(KeyError):
            headers["x-missing"]

    def test_raw_list_is_shared_not_copied(self) -> None:
        raw = list(RAW)
        assert Headers(raw=raw).raw is raw

    def test_lookup_built_lazily(self) -> None:
        headers = Headers(raw=RAW)
        assert headers._index is None
        assert "Host" in headers
        assert headers._index is not None

    def test_items_keep_every_line_in_order(self) -> None:
        assert Headers(raw=RAW).items() == [
            ("host", "example.com"),
            ("accept", "text/html"),
            ("accept", "application/json"),
        ]

    def test_mapping_protocol(self) -> None:
        headers = Headers(raw=RAW)
        assert list(headers) == ["host", "accept"]
        assert len(headers) == 2
        assert dict(headers) == {"host": "example.com", "accept": "text/html"}

    def test_from_mapping_and_pairs(self) -> None:
        assert Headers({"Content-Type": "text/plain"}).raw == [(b"content-type", b"text/plain")]
        assert Headers([("A", "1"), ("a", "2")]).getlist("a") == ["1", "2"]
        assert Headers().items() == []

    def test_latin1_values(self) -> None:
        assert Headers(raw=[(b"x", "café".encode("latin-1"))])["x"] == "café"

    def test_equality_ignores_order(self) -> None:
        assert Headers(raw=RAW) == Headers(raw=list(reversed(RAW)))
        assert Headers(raw=RAW) != Headers(raw=RAW[:1])


class TestMutableHeaders:
    def test_setitem_replaces_all_in_place(self) -> None:
        raw = [(b"a", b"1"), (b"b", b"2"), (b"a", b"3")]
        headers = MutableHeaders(raw=raw)
        headers["A"] = "new"
        assert raw == [(b"a", b"new"), (b"b", b"2")]

    def test_setitem_appends_new(self) -> None:
        raw: list[tuple[bytes, bytes]] = []
        MutableHeaders(raw=raw)["X-Thing"] = "v"
        assert raw == [(b"x-thing", b"v")]

    def test_append_and_delete(self) -> None:
        raw: list[tuple[bytes, bytes]] = []
        headers = MutableHeaders(raw=raw)
        headers.append("Set-Cookie", "a=1")
        headers.append("set-cookie", "b=2")
        assert headers.getlist("set-cookie") == ["a=1", "b=2"]
        del headers["SET-COOKIE"]
        assert raw == []
        with pytest.raises(KeyError):
            del headers["set-cookie"]

    def test_setdefault_and_update(self) -> None:
        headers = MutableHeaders(raw=[(b"a", b"1")])
        assert headers.setdefault("a", "2") == "1"
        assert headers.setdefault("b", "2") == "2"
        headers.update({"a": "9", "c": "3"})
        assert headers.items() == [("a", "9"), ("b", "2"), ("c", "3")]

    def test_sees_changes_made_to_the_raw_list_directly(self) -> None:
        raw: list[tuple[bytes, bytes]] = []
        headers = MutableHeaders(raw=raw)
        assert "x" not in headers
        raw.append((b"x", b"1"))
        assert headers["x"] == "1"
        assert headers.getlist("x") == ["1"]

    @pytest.mark.parametrize("value", ["a\r\nSet-Cookie: evil=1", "a\nb", "a\0"])
    def test_refuses_header_injection(self, value: str) -> None:
        headers = MutableHeaders(raw=[])
        with pytest.raises(ValueError, match="CR, LF"):
            headers["x"] = value
        with pytest.raises(ValueError, match="CR, LF"):
            headers.append("x", value)

    @pytest.mark.parametrize("name", ["", "a b", "a:b", "a\nb"])
    def test_refuses_bad_names(self, name: str) -> None:
        with pytest.raises(ValueError, match="header name"):
            MutableHeaders(raw=[])[name] = "v"


class TestMultiDict:
    def test_first_value_and_getlist(self) -> None:
        md = MultiDict([("a", 1), ("b", 2), ("a", 3)])
        assert md["a"] == 1
        assert md.get("a") == 1
        assert md.getlist("a") == [1, 3]
        assert md.getlist("z") == []
        assert len(md) == 2
        assert list(md) == ["a", "b"]

    def test_items(self) -> None:
        md = MultiDict([("a", 1), ("b", 2), ("a", 3)])
        assert md.items() == [("a", 1), ("b", 2)]
        assert md.items(multi=True) == [("a", 1), ("b", 2), ("a", 3)]

    def test_from_mapping_and_copy(self) -> None:
        md = MultiDict({"x": "1"})
        assert MultiDict(md) == md
        assert MultiDict() == MultiDict([])
        assert MultiDict([("a", 1), ("a", 2)]) != MultiDict([("a", 1)])


class TestQueryParams:
    def test_parses_strings_strictly(self) -> None:
        query = QueryParams("a=1&a=2&b=caf%C3%A9&c=x+y")
        assert query.getlist("a") == ["1", "2"]
        assert query["b"] == "café"
        assert query["c"] == "x y"
        with pytest.raises(BadRequest):
            QueryParams("a=%zz")

    def test_str_round_trips(self) -> None:
        query = QueryParams([("a", "1 2"), ("a", "é&")])
        assert QueryParams(str(query)).items(multi=True) == [("a", "1 2"), ("a", "é&")]


class TestUploadFile:
    async def test_in_memory_until_spool_size(self) -> None:
        upload = UploadFile.spooled(10, filename="a.txt")
        await upload.write(b"12345")
        assert upload._in_memory
        await upload.write(b"678901")
        assert not upload._in_memory  # rolled over to disk
        assert upload.size == 11
        await upload.seek(0)
        assert await upload.read() == b"12345678901"
        await upload.close()
        assert upload.file.closed

    async def test_save_to_path_and_file(self, tmp_path: Path) -> None:
        upload = UploadFile.spooled(1024, filename="a.txt")
        await upload.write(b"data")
        target = tmp_path / "out.bin"
        upload.save(target)
        assert target.read_bytes() == b"data"
        buffer = io.BytesIO()
        await upload.asave(buffer)
        assert buffer.getvalue() == b"data"
        assert await upload.read() == b"data"  # position reset after saving
        await upload.close()

    async def test_form_data_close_closes_files(self) -> None:
        upload = UploadFile.spooled(1024, filename="a")
        form = FormData([("f", upload), ("t", "text")])
        await form.close()
        assert upload.file.closed
        assert "size=0" in repr(upload)


class TestURL:
    def test_parts(self) -> None:
        url = URL("https://example.com:8443/a/b?x=1#frag")
        assert (url.scheme, url.hostname, url.port) == ("https", "example.com", 8443)
        assert (url.path, url.query, url.fragment) == ("/a/b", "x=1", "frag")
        assert url.netloc == "example.com:8443"
        assert url.is_secure
        assert url == "https://example.com:8443/a/b?x=1#frag"

    def test_bad_port_is_none_not_an_error(self) -> None:
        assert URL("http://example.com:abc/").port is None

    def test_replace_and_include_query_params(self) -> None:
        url = URL("http://h/p?a=1&a=2&b=3")
        assert str(url.replace(path="/q")) == "http://h/q?a=1&a=2&b=3"
        assert str(url.include_query_params(b=4, c="x y")) == "http://h/p?a=1&a=2&b=4&c=x+y"

    def test_from_scope_uses_host_header(self) -> None:
        scope = {
            "scheme": "https",
            "path": "/café/x y",
            "root_path": "",
            "query_string": b"a=1",
            "headers": [(b"host", b"example.org")],
            "server": ("10.0.0.1", 443),
        }
        assert str(URL.from_scope(scope)) == "https://example.org/caf%C3%A9/x%20y?a=1"

    def test_from_scope_falls_back_to_server(self) -> None:
        scope = {"scheme": "http", "path": "/", "headers": [], "server": ("h", 8000)}
        assert str(URL.from_scope(scope)) == "http://h:8000/"
        scope["server"] = ("h", 80)
        assert str(URL.from_scope(scope)) == "http://h/"
        del scope["server"]
        assert str(URL.from_scope(scope)) == "/"

    def test_from_scope_prefixes_root_path(self) -> None:
        scope = {"path": "/x", "root_path": "/app", "headers": [(b"host", b"h")]}
        assert URL.from_scope(scope).path == "/app/x"
        scope["path"] = "/app/x"
        assert URL.from_scope(scope).path == "/app/x"


def test_address() -> None:
    address = Address("127.0.0.1", 5000)
    assert address.host == "127.0.0.1"
    assert address.port == 5000


def test_state() -> None:
    state = State({"a": 1})
    state.b = 2
    assert (state.a, state.b) == (1, 2)
    assert "b" in state
    assert state.get("zzz", 3) == 3
    del state.b
    with pytest.raises(AttributeError, match="'b'"):
        _ = state.b
    with pytest.raises(AttributeError):
        del state.b


async def test_zero_spool_size_goes_straight_to_disk() -> None:
    upload = UploadFile.spooled(0)
    assert not upload._in_memory
    await upload.write(b"abc")
    await upload.seek(0)
    assert await upload.read() == b"abc"
    await upload.close()
