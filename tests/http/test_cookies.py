from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from http.cookies import SimpleCookie

import pytest

from trellis.http.cookies import parse_cookie, serialize_set_cookie


class TestParse:
    @pytest.mark.parametrize(
        ("header", "expected"),
        [
            ("", {}),
            ("a=1", {"a": "1"}),
            ("a=1; b=2", {"a": "1", "b": "2"}),
            ("a=1;b=2;", {"a": "1", "b": "2"}),
            ("  a = 1 ", {"a": "1"}),
            ("a=1; a=2", {"a": "1"}),
            ("a=x=y", {"a": "x=y"}),
            ("a=", {"a": ""}),
            ("flag; a=1", {"a": "1"}),
            ("=v; a=1", {"a": "1"}),
            ('a="quoted"', {"a": "quoted"}),
            ('a="x\\073y\\054z"', {"a": "x;y,z"}),
            ('a="say \\"hi\\""', {"a": 'say "hi"'}),
            ('a="\\303\\251"', {"a": "é"}),
            ('a="', {"a": '"'}),
            ("a=ünïcode", {"a": "ünïcode"}),
        ],
    )
    def test_parse(self, header: str, expected: dict[str, str]) -> None:
        assert parse_cookie(header) == expected

    def test_fuzz_never_raises(self) -> None:
        rng = random.Random(7)
        alphabet = 'a=;"\\ 0371,é\x00\udcff'
        for _ in range(3000):
            header = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 25)))
            result = parse_cookie(header)
            assert all(isinstance(v, str) for v in result.values())


class TestSerialize:
    def test_defaults(self) -> None:
        assert serialize_set_cookie("sid", "abc") == "sid=abc; Path=/; SameSite=Lax"

    def test_all_attributes(self) -> None:
        header = serialize_set_cookie(
            "sid",
            "abc",
            max_age=3600,
            expires=datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC),
            path="/app",
            domain="example.com",
            secure=True,
            httponly=True,
            samesite="strict",
            partitioned=True,
        )
        assert header == (
            "sid=abc; Max-Age=3600; Expires=Wed, 02 Jan 2030 03:04:05 GMT; Domain=example.com; "
            "Path=/app; Secure; HttpOnly; SameSite=Strict; Partitioned"
        )

    def test_timedelta_max_age_and_no_path_no_samesite(self) -> None:
        header = serialize_set_cookie("a", max_age=timedelta(minutes=2), path=None, samesite=None)
        assert header == "a=; Max-Age=120"

    def test_expires_aware_non_utc_is_converted(self) -> None:
        paris = timezone(timedelta(hours=1))
        header = serialize_set_cookie("a", expires=datetime(2030, 1, 1, 1, 0, tzinfo=paris))
        assert "Expires=Tue, 01 Jan 2030 00:00:00 GMT" in header

    def test_expires_naive_is_utc(self) -> None:
        header = serialize_set_cookie("a", expires=datetime(2030, 1, 1))
        assert "Expires=Tue, 01 Jan 2030 00:00:00 GMT" in header

    def test_expires_int_is_seconds_from_now(self) -> None:
        header = serialize_set_cookie("a", expires=100)
        match = re.search(r"Expires=([^;]+)", header)
        assert match is not None
        when = parsedate_to_datetime(match.group(1))
        delta = when - datetime.now(UTC)
        assert timedelta(seconds=95) < delta < timedelta(seconds=101)

    def test_expires_string_passes_through(self) -> None:
        header = serialize_set_cookie("a", expires="Thu, 01 Jan 1970 00:00:00 GMT")
        assert "Expires=Thu, 01 Jan 1970 00:00:00 GMT" in header

    def test_samesite_none_needs_secure(self) -> None:
        with pytest.raises(ValueError, match="SameSite=None needs secure"):
            serialize_set_cookie("a", samesite="none")
        assert "SameSite=None" in serialize_set_cookie("a", samesite="None", secure=True)

    def test_partitioned_needs_secure(self) -> None:
        with pytest.raises(ValueError, match="Partitioned"):
            serialize_set_cookie("a", partitioned=True)

    def test_bad_samesite(self) -> None:
        with pytest.raises(ValueError, match="samesite"):
            serialize_set_cookie("a", samesite="sometimes")  # type: ignore[arg-type]

    @pytest.mark.parametrize("name", ["", "a b", "a;b", "a=b", "a,b", 'a"', "é", "a\n", "(a)"])
    def test_invalid_names(self, name: str) -> None:
        with pytest.raises(ValueError, match="cookie name"):
            serialize_set_cookie(name, "v")

    @pytest.mark.parametrize(
        ("field", "value"), [("path", "/a;b"), ("domain", "x.com\r\n"), ("expires", "x; Secure")]
    )
    def test_attribute_injection(self, field: str, value: str) -> None:
        with pytest.raises(ValueError, match=field):
            serialize_set_cookie("a", **{field: value})  # type: ignore[arg-type]

    def test_bad_max_age(self) -> None:
        with pytest.raises(ValueError, match="max_age"):
            serialize_set_cookie("a", max_age="10")  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        "value", ["plain", "a b", "x;y", "a,b", 'q"q', "back\\slash", "é€", "tab\there", ""]
    )
    def test_values_round_trip(self, value: str) -> None:
        header = serialize_set_cookie("k", value)
        cookie_part = header.split("; Path=")[0]
        _, raw_value = cookie_part.split("=", 1)
        assert ";" not in raw_value
        assert "," not in raw_value
        assert raw_value.isascii()
        assert parse_cookie(cookie_part) == {"k": value}

    def test_quoted_values_readable_by_the_stdlib(self) -> None:
        header = serialize_set_cookie("k", 'a;b "c"', path=None, samesite=None)
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        assert jar["k"].value == 'a;b "c"'
