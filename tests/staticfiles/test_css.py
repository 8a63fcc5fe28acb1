"""Stylesheet reference rewriting, as pure text functions."""

from __future__ import annotations

import pytest

from trellis.staticfiles.css import css_references, rewrite_css

HASHED = {
    "img/logo.png": "img/logo.aaaaaaaaaaaa.png",
    "css/base.css": "css/base.bbbbbbbbbbbb.css",
    "fonts/my font.woff2": "fonts/my font.cccccccccccc.woff2",
    "fonts/icons.eot": "fonts/icons.dddddddddddd.eot",
    "css/site.css.map": "css/site.css.eeeeeeeeeeee.map",
}


def rewrite(text: str, name: str = "css/site.css") -> tuple[str, list[str]]:
    return rewrite_css(text, name, "/static", HASHED.get)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("a{b:url(../img/logo.png)}", "a{b:url(../img/logo.aaaaaaaaaaaa.png)}"),
        ('a{b:url("../img/logo.png")}', 'a{b:url("../img/logo.aaaaaaaaaaaa.png")}'),
        ("a{b:url( '../img/logo.png' )}", "a{b:url( '../img/logo.aaaaaaaaaaaa.png' )}"),
        ("a{b:URL(../img/logo.png)}", "a{b:URL(../img/logo.aaaaaaaaaaaa.png)}"),
        ("a{b:url(/static/img/logo.png)}", "a{b:url(/static/img/logo.aaaaaaaaaaaa.png)}"),
        ("a{b:url(../img/./logo.png)}", "a{b:url(../img/./logo.aaaaaaaaaaaa.png)}"),
        ('@import "base.css";', '@import "base.bbbbbbbbbbbb.css";'),
        ("@import url(base.css);", "@import url(base.bbbbbbbbbbbb.css);"),
        (
            "src:url(../fonts/icons.eot?#iefix) format('eot')",
            "src:url(../fonts/icons.dddddddddddd.eot?#iefix) format('eot')",
        ),
        ("url(../img/logo.png#frag)", "url(../img/logo.aaaaaaaaaaaa.png#frag)"),
        ("url(../img/logo.png?v=2)", "url(../img/logo.aaaaaaaaaaaa.png?v=2)"),
        ("url(../fonts/my%20font.woff2)", "url(../fonts/my%20font.cccccccccccc.woff2)"),
        (
            "/*# sourceMappingURL=site.css.map */",
            "/*# sourceMappingURL=site.css.eeeeeeeeeeee.map */",
        ),
    ],
)
def test_references_are_rewritten(source: str, expected: str) -> None:
    assert rewrite(source) == (expected, [])


@pytest.mark.parametrize(
    "source",
    [
        "a{b:url(data:image/png;base64,iVBORw0KGgo=)}",
        'a{b:url("data:image/svg+xml;utf8,<svg></svg>")}',
        "a{b:url(https://cdn.example.com/x.png)}",
        "a{b:url(//cdn.example.com/x.png)}",
        "a{filter:url(#shadow)}",
        "a{b:url(/images/elsewhere.png)}",
        "a{b:url()}",
        "/* a{b:url(../img/missing.png)} */",
    ],
)
def test_foreign_references_are_left_alone(source: str) -> None:
    assert rewrite(source) == (source, [])


def test_missing_targets_are_reported_and_left_unchanged() -> None:
    text, warnings = rewrite("a{b:url(../img/missing.png)} c{d:url(../img/logo.png)}")
    assert text == "a{b:url(../img/missing.png)} c{d:url(../img/logo.aaaaaaaaaaaa.png)}"
    assert len(warnings) == 1
    assert "img/missing.png" in warnings[0]
    assert "css/site.css" in warnings[0]


def test_references_leaving_the_static_files_are_reported() -> None:
    text, warnings = rewrite("a{b:url(../../outside.png)}")
    assert text == "a{b:url(../../outside.png)}"
    assert "outside" in warnings[0]


def test_css_references_lists_targets() -> None:
    text = '@import "base.css"; a{b:url(../img/logo.png)} c{d:url(data:x)} /* url(x.png) */'
    assert css_references(text, "css/site.css", "/static") == ["css/base.css", "img/logo.png"]
