from __future__ import annotations

import random

import pytest

from trellis.exceptions import BadRequest, HTTPException, PayloadTooLarge
from trellis.http.query import decode_component, parse_query


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"", []),
        (b"a=1", [("a", "1")]),
        (b"a=1&b=2&a=3", [("a", "1"), ("b", "2"), ("a", "3")]),
        (b"a", [("a", "")]),
        (b"a=", [("a", "")]),
        (b"=v", [("", "v")]),
        (b"a=1&&b=2&", [("a", "1"), ("b", "2")]),
        (b"a=x=y", [("a", "x=y")]),
        (b"q=hello+world", [("q", "hello world")]),
        (b"q=%2B1", [("q", "+1")]),
        (b"n%C3%A9=caf%c3%a9", [("né", "café")]),
        ("é=ü".encode(), [("é", "ü")]),
    ],
)
def test_parse(raw: bytes, expected: list[tuple[str, str]]) -> None:
    assert parse_query(raw) == expected


def test_accepts_str() -> None:
    assert parse_query("a=%20") == [("a", " ")]


@pytest.mark.parametrize("raw", [b"a=%", b"a=%2", b"a=%zz", b"%G0=1", b"a=100%"])
def test_bad_percent_encoding_is_400(raw: bytes) -> None:
    with pytest.raises(BadRequest, match="percent-encoding"):
        parse_query(raw)


@pytest.mark.parametrize("raw", [b"a=%FF", b"a=%C3", b"a=\xff", b"%ED%A0%80=1"])
def test_invalid_utf8_is_400(raw: bytes) -> None:
    with pytest.raises(BadRequest, match="UTF-8"):
        parse_query(raw)


def test_lone_surrogate_in_str_is_400() -> None:
    with pytest.raises(BadRequest):
        parse_query("a=\udcff")


def test_max_fields() -> None:
    assert len(parse_query(b"a=1&b=2", max_fields=2)) == 2
    with pytest.raises(PayloadTooLarge, match="Too many fields"):
        parse_query(b"a=1&b=2&c=3", max_fields=2)


def test_max_field_size_counts_encoded_bytes() -> None:
    assert parse_query(b"a=1234", max_field_size=4) == [("a", "1234")]
    with pytest.raises(PayloadTooLarge, match="larger than 4 bytes"):
        parse_query(b"a=12345", max_field_size=4)


def test_what_names_the_source_in_errors() -> None:
    with pytest.raises(BadRequest, match="form body"):
        parse_query(b"a=%zz", what="form body")


def test_decode_component_keeps_plus_in_paths() -> None:
    assert decode_component(b"/a+b%20c", plus_as_space=False) == "/a+b c"


def test_fuzz_never_raises_anything_but_http_errors() -> None:
    rng = random.Random(1234)
    alphabet = b"a=&%+;2Fzxf\xc3\xa9\xff\x00 "
    statuses: set[int] = set()
    for _ in range(3000):
        raw = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 20)))
        try:
            pairs = parse_query(raw, max_fields=5, max_field_size=8)
        except HTTPException as exc:
            statuses.add(exc.status_code)
        else:
            assert all(isinstance(k, str) and isinstance(v, str) for k, v in pairs)
    assert statuses == {400, 413}
