"""docs/examples/debugging.py: the debug page a failing view produces."""

from __future__ import annotations

import importlib

from trellis.testing import TestClient

example = importlib.import_module("docs.examples.debugging")


def test_the_debug_page_shows_the_failing_frame() -> None:
    with TestClient(example.app, raise_server_exceptions=False) as client:
        assert client.get("/price/apple").json() == {"total": 6}
        page = client.get("/price/kiwi", headers={"accept": "text/html"})
        text = client.get("/price/kiwi", headers={"accept": "application/json"})
    assert page.status_code == 500
    assert page.headers["content-type"].startswith("text/html")
    assert "KeyError: &#x27;kiwi&#x27;" in page.text
    assert "basket" in page.text  # a local variable of the failing frame
    assert "{&#x27;item&#x27;: &#x27;kiwi&#x27;, &#x27;quantity&#x27;: 2}" in page.text
    assert text.headers["content-type"].startswith("text/plain")
    assert "name = 'kiwi'" in text.text
    assert page.headers["x-request-id"] in page.text


def test_the_text_report() -> None:
    try:
        example.price("kiwi")
    except KeyError as exc:
        report = example.report_for_log(exc)
    assert report.startswith("KeyError: 'kiwi'\nTASK nightly-prices (request job-1)")
    assert "basket = {'item': 'kiwi', 'quantity': 2}" in report
