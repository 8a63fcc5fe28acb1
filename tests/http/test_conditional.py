"""Range parsing, ETag comparison, preconditions and Content-Disposition, without any I/O."""

from __future__ import annotations

import pytest

from trellis.http.responses.conditional import (
    MAX_RANGES,
    content_disposition,
    etag_matches,
    evaluate_preconditions,
    http_date,
    if_range_matches,
    parse_http_date,
    parse_range,
)

SIZE = 1000


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-99", [(0, 99)]),
        ("bytes=500-", [(500, 999)]),  # open range
        ("bytes=-200", [(800, 999)]),  # suffix range
        ("bytes=-5000", [(0, 999)]),  # suffix longer than the file: the whole file
        ("bytes=900-5000", [(900, 999)]),  # last past the end is clamped
        ("bytes=999-999", [(999, 999)]),
        ("bytes=0-9,20-29", [(0, 9), (20, 29)]),
        ("bytes=20-29,0-9", [(0, 9), (20, 29)]),  # sorted
        ("bytes=0-50,40-99", [(0, 99)]),  # overlapping merged
        ("bytes=0-9,10-19", [(0, 19)]),  # adjacent merged
        ("bytes=0-,0-,0-", [(0, 999)]),
        ("bytes=-100,0-9", [(0, 9), (900, 999)]),
        ("bytes=0-9,2000-3000", [(0, 9)]),  # the unsatisfiable one is dropped
        ("Bytes = 0-9", [(0, 9)]),  # unit is case-insensitive
        ("bytes=0-9, ,20-29,", [(0, 9), (20, 29)]),  # empty list elements are allowed
        ("bytes=0-" + "9" * 5000, [(0, 999)]),  # a huge number neither crashes nor misreads
    ],
)
def test_satisfiable_ranges(header: str, expected: list[tuple[int, int]]) -> None:
    assert parse_range(header, SIZE) == expected


@pytest.mark.parametrize(
    "header",
    [
        "bytes=1000-",
        "bytes=5000-6000",
        "bytes=-0",
        "bytes=1000-1000,2000-",
        "bytes=" + "9" * 50 + "-",
    ],
)
def test_unsatisfiable_ranges_give_an_empty_list(header: str) -> None:
    assert parse_range(header, SIZE) == []


def test_any_range_of_an_empty_file_is_unsatisfiable() -> None:
    assert parse_range("bytes=0-", 0) == []
    assert parse_range("bytes=-10", 0) == []


@pytest.mark.parametrize(
    "header",
    [
        "",
        "bytes",
        "bytes=",
        "bytes=,",
        "items=0-1",
        "bytes=abc",
        "bytes=5",
        "bytes=-",
        "bytes=9-5",  # last before first: the header is invalid
        "bytes=1-2-3",
        "bytes=+1-2",
        "bytes=0x1-2",
        "bytes=1 - 2",
        "bytes=²-3",  # a Unicode digit is not a digit here
        "bytes=--5",
        "bytes=0-1;2-3",
    ],
)
def test_malformed_headers_are_ignored(header: str) -> None:
    assert parse_range(header, SIZE) is None


def test_too_many_ranges_are_ignored() -> None:
    many = ",".join(f"{n * 2}-{n * 2}" for n in range(MAX_RANGES + 1))
    assert parse_range(f"bytes={many}", SIZE) is None
    allowed = ",".join(f"{n * 3}-{n * 3}" for n in range(MAX_RANGES))
    assert parse_range(f"bytes={allowed}", SIZE) is not None


# ETags --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "etag", "weak", "expected"),
    [
        ('"a"', '"a"', True, True),
        ('"a"', '"a"', False, True),
        ('W/"a"', '"a"', True, True),
        ('W/"a"', '"a"', False, False),  # strong comparison refuses weak tags
        ('"a"', 'W/"a"', False, False),
        ('"a"', 'W/"a"', True, True),
        ('"x", "a"', '"a"', True, True),
        ('"x",W/"y"', '"a"', True, False),
        ("*", '"a"', True, True),
        ('"a,b"', '"a,b"', True, True),  # a comma inside a tag
        ('"a", junk', '"a"', True, False),  # an unparsable list matches nothing
        ("a", '"a"', True, False),
        ("", '"a"', True, False),
    ],
)
def test_etag_matches(header: str, etag: str, weak: bool, expected: bool) -> None:
    assert etag_matches(header, etag, weak=weak) is expected


# Dates --------------------------------------------------------------------------------------


def test_http_date_round_trip() -> None:
    assert http_date(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT"
    assert parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777


@pytest.mark.parametrize(
    "value",
    ["", "yesterday", "Sun, 06 Nov 1994 08:49:37 -0000", "Sun, 99 Nov 1994 08:49:37 GMT", "0"],
)
def test_invalid_dates_parse_to_none(value: str) -> None:
    assert parse_http_date(value) is None


# Preconditions ------------------------------------------------------------------------------

ETAG = '"abc"'
MODIFIED = 784111777
DATE = "Sun, 06 Nov 1994 08:49:37 GMT"
EARLIER = "Sat, 05 Nov 1994 08:49:37 GMT"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"if-none-match": ETAG}, 304),
        ({"if-none-match": f"W/{ETAG}"}, 304),
        ({"if-none-match": '"other"'}, None),
        ({"if-none-match": "*"}, 304),
        ({"if-modified-since": DATE}, 304),
        ({"if-modified-since": EARLIER}, None),
        ({"if-modified-since": "garbage"}, None),
        # If-None-Match wins over If-Modified-Since when both are sent
        ({"if-none-match": '"other"', "if-modified-since": DATE}, None),
        ({"if-match": ETAG}, None),
        ({"if-match": '"other"'}, 412),
        ({"if-match": f"W/{ETAG}"}, 412),
        ({"if-unmodified-since": EARLIER}, 412),
        ({"if-unmodified-since": DATE}, None),
        ({"if-unmodified-since": "garbage"}, None),
        ({"if-match": ETAG, "if-unmodified-since": EARLIER}, None),  # If-Match wins
        ({"if-match": '"other"', "if-none-match": ETAG}, 412),  # 412 is checked first
    ],
)
def test_evaluate_preconditions(headers: dict[str, str], expected: int | None) -> None:
    assert evaluate_preconditions(headers, ETAG, MODIFIED) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (ETAG, True),
        ('"other"', False),
        (f"W/{ETAG}", False),
        (DATE, True),
        (EARLIER, False),
        ("garbage", False),
    ],
)
def test_if_range(value: str, expected: bool) -> None:
    assert if_range_matches(value, ETAG, MODIFIED) is expected


# Content-Disposition --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("report.pdf", 'attachment; filename="report.pdf"'),
        ('say "hi".txt', 'attachment; filename="say \\"hi\\".txt"'),
        ("back\\slash.txt", 'attachment; filename="back\\\\slash.txt"'),
        ("café.txt", "attachment; filename=\"cafe.txt\"; filename*=UTF-8''caf%C3%A9.txt"),
        (
            "文件 1.txt",
            "attachment; filename=\"__ 1.txt\"; filename*=UTF-8''%E6%96%87%E4%BB%B6%201.txt",
        ),
        ("a\r\nb.txt", "attachment; filename=\"a__b.txt\"; filename*=UTF-8''a%0D%0Ab.txt"),
    ],
)
def test_content_disposition(filename: str, expected: str) -> None:
    assert content_disposition("attachment", filename) == expected


def test_content_disposition_inline_and_invalid_type() -> None:
    assert content_disposition("inline", "a.png") == 'inline; filename="a.png"'
    with pytest.raises(ValueError, match="disposition type"):
        content_disposition("attachment; x=1", "a.png")
