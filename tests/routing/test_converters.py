import math
import uuid

import pytest

from trellis.routing import (
    DEFAULT_CONVERTERS,
    Converter,
    FloatConverter,
    IntConverter,
    PathConverter,
    SlugConverter,
    StringConverter,
    UUIDConverter,
)


@pytest.mark.parametrize(
    ("raw", "value"), [("0", 0), ("42", 42), ("007", 7), ("9" * 30, int("9" * 30))]
)
def test_int_accepts_digits(raw: str, value: int) -> None:
    assert IntConverter().to_python(raw) == value


@pytest.mark.parametrize(
    "raw", ["", "-1", "+1", "1.5", "abc", "1a", " 1", "١٢", "1_000", "9" * 5000]
)
def test_int_refuses(raw: str) -> None:
    with pytest.raises(ValueError):
        IntConverter().to_python(raw)


def test_int_to_url() -> None:
    conv = IntConverter()
    assert conv.to_url(5) == "5"
    assert conv.to_url("12") == "12"
    for bad in (-1, True, "abc", 1.5, None, "-3"):
        with pytest.raises(ValueError):
            conv.to_url(bad)


@pytest.mark.parametrize(("raw", "value"), [("3", 3.0), ("2.5", 2.5), ("0.001", 0.001)])
def test_float_accepts(raw: str, value: float) -> None:
    result = FloatConverter().to_python(raw)
    assert isinstance(result, float)
    assert result == value


@pytest.mark.parametrize(
    "raw", ["", "-1.5", "+1", "1e5", "nan", "inf", ".5", "5.", "1.2.3", "9" * 400, "9" * 309 + ".5"]
)
def test_float_refuses(raw: str) -> None:
    with pytest.raises(ValueError):
        FloatConverter().to_python(raw)


def test_float_to_url_round_trips() -> None:
    conv = FloatConverter()
    for value in (0.1, 2.5, 1e20, 1e-7, 3.0, 7, 123456.789):
        assert conv.to_python(conv.to_url(value)) == value
    assert conv.to_url(1e20) == "100000000000000000000"
    for bad in (-0.5, math.inf, math.nan, True, "x", None, -3):
        with pytest.raises(ValueError):
            conv.to_url(bad)


@pytest.mark.parametrize("raw", ["a", "hello-world", "A_b-9", "---"])
def test_slug_accepts(raw: str) -> None:
    assert SlugConverter().to_python(raw) == raw


@pytest.mark.parametrize("raw", ["", "a b", "é", "a.b", "a+b", "a%20b"])
def test_slug_refuses(raw: str) -> None:
    with pytest.raises(ValueError):
        SlugConverter().to_python(raw)
    with pytest.raises(ValueError):
        SlugConverter().to_url(raw)


def test_uuid() -> None:
    conv = UUIDConverter()
    u = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert conv.to_python("12345678-1234-5678-1234-567812345678") == u
    assert conv.to_python("12345678-1234-5678-1234-567812345678".upper()) == u
    assert conv.to_url(u) == str(u)
    assert conv.to_url(str(u).upper()) == str(u)
    for raw in (
        "",
        "1234",
        "12345678123456781234567812345678",
        "{" + str(u) + "}",
        "urn:uuid:" + str(u),
        str(u) + "0",
    ):
        with pytest.raises(ValueError):
            conv.to_python(raw)
    with pytest.raises(ValueError):
        conv.to_url("not-a-uuid")


def test_str_is_one_nonempty_segment() -> None:
    conv = StringConverter()
    assert conv.to_python("héllo wörld") == "héllo wörld"
    with pytest.raises(ValueError):
        conv.to_python("")
    assert conv.to_url(5) == "5"
    for bad in ("", "a/b", None):
        with pytest.raises(ValueError):
            conv.to_url(bad)


def test_path_spans_segments() -> None:
    conv = PathConverter()
    assert conv.spans_segments
    assert conv.to_python("a/b/c") == "a/b/c"
    assert conv.to_python("a/") == "a/"
    for bad in ("", "/a"):
        with pytest.raises(ValueError):
            conv.to_python(bad)
        with pytest.raises(ValueError):
            conv.to_url(bad)


def test_weights_order_narrow_converters_first() -> None:
    w = {name: cls.weight for name, cls in DEFAULT_CONVERTERS.items()}
    assert w["int"] < w["slug"]
    assert w["uuid"] < w["slug"]
    assert w["float"] < w["slug"]
    assert w["slug"] < w["str"] < w["path"]
    assert Converter.weight < w["str"]


def test_base_converter_is_permissive_single_segment() -> None:
    conv = Converter()
    assert conv.to_python("x") == "x"
    with pytest.raises(ValueError):
        conv.to_python("")
    with pytest.raises(ValueError):
        conv.to_url("a/b")
