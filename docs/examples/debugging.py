"""The example of docs/debugging.md: a failing view and what the debug page makes of it."""

from __future__ import annotations

from trellis import App
from trellis.middleware.debug import render_debug_text

# debug=True here for the example; in a real project set TRELLIS_DEBUG=1 (`trellis run` does).
app = App(debug=True)

PRICES = {"apple": 3, "pear": 4}


@app.get("/price/<name>")
def price(name: str) -> dict[str, int]:
    basket = {"item": name, "quantity": 2}
    return {"total": PRICES[name] * basket["quantity"]}  # KeyError for an unknown fruit


def report_for_log(exc: BaseException) -> str:
    """The same report as text, e.g. for a job runner that has no browser to show a page in."""
    return render_debug_text(exc, method="TASK", path="nightly-prices", request_id="job-1")
