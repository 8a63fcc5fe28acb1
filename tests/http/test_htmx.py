"""request.htmx parsing and the hx_* response helpers."""

from __future__ import annotations

import orjson
import pytest

from trellis.http.htmx import (
    HX_STOP_POLLING,
    HtmxDetails,
    hx_location,
    hx_push_url,
    hx_redirect,
    hx_refresh,
    hx_replace_url,
    hx_reselect,
    hx_reswap,
    hx_retarget,
    hx_trigger,
    hx_vary,
)
from trellis.http.request import Request
from trellis.http.responses import HTMLResponse, Response


def request(headers: dict[str, str]) -> Request:
    raw = [(k.lower().encode(), v.encode("latin-1")) for k, v in headers.items()]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": raw})


def test_an_ordinary_request_is_falsy_with_empty_details() -> None:
    details = request({"Accept": "text/html"}).htmx
    assert not details
    assert details.target is None
    assert details.boosted is False
    assert details.history_restore_request is False
    assert "not an htmx request" in repr(details)


def test_htmx_headers_are_parsed() -> None:
    req = request(
        {
            "HX-Request": "true",
            "HX-Boosted": "true",
            "HX-Target": "rows",
            "HX-Trigger": "load-more",
            "HX-Trigger-Name": "page",
            "HX-Current-URL": "https://example.com/posts?page=2",
            "HX-Prompt": "yes",
            "HX-History-Restore-Request": "true",
        }
    )
    details = req.htmx
    assert details
    assert details is req.htmx  # built once
    assert details.boosted is True
    assert (details.target, details.trigger, details.trigger_name) == ("rows", "load-more", "page")
    assert details.current_url == "https://example.com/posts?page=2"
    assert details.prompt == "yes"
    assert details.history_restore_request is True


def test_only_the_exact_true_value_counts() -> None:
    assert not request({"HX-Request": "false"}).htmx
    assert not request({"HX-Request": "1"}).htmx
    assert request({"HX-Request": "true", "HX-Boosted": "yes"}).htmx.boosted is False


def test_uri_autoencoded_values_are_decoded() -> None:
    details = request(
        {
            "HX-Request": "true",
            "HX-Prompt": "caf%C3%A9",
            "HX-Prompt-URI-AutoEncoded": "true",
            "HX-Target": "caf%C3%A9",  # not flagged: kept as sent
        }
    ).htmx
    assert details.prompt == "café"
    assert details.target == "caf%C3%A9"


def test_details_work_on_a_plain_headers_object() -> None:
    from trellis.http.datastructures import Headers

    assert HtmxDetails(Headers(raw=[(b"hx-request", b"true")]))


def test_page_replacing_answers() -> None:
    redirect = hx_redirect("/login")
    assert (redirect.status_code, redirect.headers["hx-redirect"]) == (200, "/login")
    assert hx_refresh().headers["hx-refresh"] == "true"
    assert hx_location("/posts").headers["hx-location"] == "/posts"
    located = hx_location("/posts", target="#main", values={"page": 2})
    assert orjson.loads(located.headers["hx-location"]) == {
        "path": "/posts",
        "target": "#main",
        "values": {"page": 2},
    }


def test_trigger_merges_events_and_details() -> None:
    response = HTMLResponse("ok")
    assert hx_trigger(response, "saved") is response
    assert response.headers["hx-trigger"] == "saved"
    hx_trigger(response, "toast", {"level": "info", "text": "Saved"})
    assert orjson.loads(response.headers["hx-trigger"]) == {
        "saved": None,
        "toast": {"level": "info", "text": "Saved"},
    }
    assert len(response.headers.getlist("hx-trigger")) == 1
    hx_trigger(response, "refresh", after="settle")
    assert response.headers["hx-trigger-after-settle"] == "refresh"
    with pytest.raises(ValueError, match="after must be"):
        hx_trigger(response, "x", after="later")  # type: ignore[arg-type]


def test_trigger_merges_into_a_comma_list_set_by_hand() -> None:
    response = Response(headers={"HX-Trigger": "a, b"})
    hx_trigger(response, "c")
    assert orjson.loads(response.headers["hx-trigger"]) == {"a": None, "b": None, "c": None}


def test_header_helpers_chain() -> None:
    response = hx_reselect(
        hx_reswap(hx_retarget(hx_push_url(HTMLResponse("x"), "/p/2"), "#list"), "outerHTML"),
        "#rows",
    )
    headers = response.headers
    assert headers["hx-push-url"] == "/p/2"
    assert headers["hx-retarget"] == "#list"
    assert headers["hx-reswap"] == "outerHTML"
    assert headers["hx-reselect"] == "#rows"
    assert hx_push_url(HTMLResponse(), False).headers["hx-push-url"] == "false"
    assert hx_replace_url(HTMLResponse(), "/q").headers["hx-replace-url"] == "/q"
    assert HX_STOP_POLLING == 286


def test_vary_is_added_once_and_merged() -> None:
    response = hx_vary(hx_vary(HTMLResponse("x")))
    assert response.headers.getlist("vary") == ["HX-Request"]
    merged = hx_vary(Response(headers={"Vary": "Accept-Encoding"}))
    assert merged.headers["vary"] == "Accept-Encoding, HX-Request"
    star = hx_vary(Response(headers={"Vary": "*"}))
    assert star.headers["vary"] == "*"


def test_header_injection_is_refused() -> None:
    with pytest.raises(ValueError, match="CR, LF"):
        hx_redirect("/x\r\nSet-Cookie: a=b")
