import pytest

from trellis.exceptions import ConfigurationError
from trellis.routing import DEFAULT_CONVERTERS, Param, Static, parse_pattern


def test_parse_segments() -> None:
    p = parse_pattern("/posts/<int:id>/<slug>", DEFAULT_CONVERTERS)
    assert p.segments == (Static("posts"), Param("id", "int"), Param("slug", "str"))
    assert p.param_names == ("id", "slug")
    assert not p.is_static
    assert p.shape == (("static", "posts"), ("param", "int"), ("param", "str"))


def test_trailing_slash_is_a_final_empty_segment() -> None:
    assert parse_pattern("/docs/").segments == (Static("docs"), Static(""))
    assert parse_pattern("/docs").segments == (Static("docs"),)
    assert parse_pattern("/").segments == (Static(""),)
    assert parse_pattern("/docs/").is_static


def test_shape_ignores_parameter_names() -> None:
    assert parse_pattern("/u/<int:a>").shape == parse_pattern("/u/<int:b>").shape
    assert parse_pattern("/u/<int:a>").shape != parse_pattern("/u/<str:a>").shape


@pytest.mark.parametrize(
    ("pattern", "fragment"),
    [
        ("/x/<nope:id>", "unknown converter 'nope'"),
        ("/x/<int:id", "unbalanced"),
        ("/x/int:id>", "unbalanced"),
        ("/x/<int:a>/<str:a>", "'a' appears twice"),
        ("/x/<int:>", "empty parameter name"),
        ("/x/<>", "empty parameter name"),
        ("/x/<:id>", "empty converter name"),
        ("/x/<1abc>", "not a Python identifier"),
        ("/x/<name>.txt", "whole segment"),
        ("/x/<a><b>", "whole segment"),
        ("x/y", "must start with '/'"),
        ("", "must start with '/'"),
        ("/a//b", "empty segment"),
    ],
)
def test_bad_patterns_name_the_pattern(pattern: str, fragment: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        parse_pattern(pattern, DEFAULT_CONVERTERS)
    message = str(info.value)
    assert repr(pattern) in message
    assert fragment in message


def test_unknown_converter_lists_known_ones() -> None:
    with pytest.raises(ConfigurationError, match=r"known converters: .*slug"):
        parse_pattern("/<intt:x>", DEFAULT_CONVERTERS)


def test_converter_names_not_checked_without_registry() -> None:
    assert parse_pattern("/<custom:x>").segments == (Param("x", "custom"),)


def test_non_string_pattern() -> None:
    with pytest.raises(ConfigurationError):
        parse_pattern(42)  # type: ignore[arg-type]
