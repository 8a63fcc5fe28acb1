"""htmx on both sides of the wire: what an htmx request says, and the headers an answer sends back.

``request.htmx`` is an :class:`HtmxDetails` built on first access from the request headers.  It
is falsy for an ordinary request, so ``if request.htmx:`` picks the fragment answer.  The
response helpers set htmx's response headers (``HX-Trigger``, ``HX-Retarget`` ...) on any
:class:`~trellis.http.responses.Response` and return it, so they chain; the three that replace
the page (:func:`hx_redirect`, :func:`hx_location`, :func:`hx_refresh`) make a new response.

Everything here reads or writes headers only; nothing knows about the app.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import unquote

import orjson

from trellis.http.datastructures import Headers
from trellis.http.responses import Response

__all__ = [
    "HX_STOP_POLLING",
    "HtmxDetails",
    "hx_location",
    "hx_push_url",
    "hx_redirect",
    "hx_refresh",
    "hx_replace_url",
    "hx_reselect",
    "hx_reswap",
    "hx_retarget",
    "hx_trigger",
    "hx_vary",
]

#: The status that tells an element polling with ``hx-trigger="every 2s"`` to stop.
HX_STOP_POLLING = 286

TriggerTiming = Literal["receive", "settle", "swap"]
_TRIGGER_HEADERS: dict[str, str] = {
    "receive": "HX-Trigger",
    "settle": "HX-Trigger-After-Settle",
    "swap": "HX-Trigger-After-Swap",
}


class HtmxDetails:
    """The ``HX-*`` request headers, parsed once.  Falsy unless ``HX-Request: true``.

    htmx percent-encodes values that are not ASCII and then sends ``<header>-URI-AutoEncoded:
    true``; those values are decoded here, so ``prompt`` and ``current_url`` read as typed.
    """

    __slots__ = ("_headers", "_is_htmx")

    def __init__(self, headers: Headers) -> None:
        self._headers = headers
        self._is_htmx: bool = headers.get("hx-request") == "true"

    def __bool__(self) -> bool:
        return self._is_htmx

    def _value(self, name: str) -> str | None:
        value: str | None = self._headers.get(name)
        if value is not None and self._headers.get(f"{name}-uri-autoencoded") == "true":
            value = unquote(value)
        return value

    def _flag(self, name: str) -> bool:
        return bool(self._headers.get(name) == "true")

    @property
    def boosted(self) -> bool:
        """The request comes from an element with ``hx-boost`` (a link or form, made AJAX)."""
        return self._flag("hx-boosted")

    @property
    def target(self) -> str | None:
        """The ``id`` of the element the answer will be swapped into, if it has one."""
        return self._value("hx-target")

    @property
    def trigger(self) -> str | None:
        """The ``id`` of the element that triggered the request, if it has one."""
        return self._value("hx-trigger")

    @property
    def trigger_name(self) -> str | None:
        """The ``name`` of the element that triggered the request, if it has one."""
        return self._value("hx-trigger-name")

    @property
    def current_url(self) -> str | None:
        """The URL the browser shows (the page the fragment lands in)."""
        return self._value("hx-current-url")

    @property
    def prompt(self) -> str | None:
        """What the user typed into an ``hx-prompt`` dialog."""
        return self._value("hx-prompt")

    @property
    def history_restore_request(self) -> bool:
        """htmx asks for the full page to restore history after a cache miss."""
        return self._flag("hx-history-restore-request")

    def __repr__(self) -> str:
        if not self._is_htmx:
            return "<HtmxDetails: not an htmx request>"
        return f"<HtmxDetails target={self.target!r} trigger={self.trigger!r}>"


# --- answers that replace the page ---------------------------------------------------------------


def hx_redirect(url: str) -> Response:
    """Make the browser load ``url`` as a full page (``HX-Redirect``).

    An HTTP 3xx would be followed by the XMLHttpRequest and its target swapped into the page;
    this answer is a 200 that htmx turns into ``window.location = url``.
    """
    return Response(headers={"HX-Redirect": url})


def hx_location(
    path: str,
    *,
    target: str | None = None,
    swap: str | None = None,
    select: str | None = None,
    source: str | None = None,
    event: str | None = None,
    handler: str | None = None,
    values: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Navigate without a full reload (``HX-Location``): htmx fetches ``path`` and swaps it in.

    With only ``path`` the header is the bare path; any option makes it the JSON object htmx
    documents (``{"path": ..., "target": ...}``).
    """
    options = {
        "target": target,
        "swap": swap,
        "select": select,
        "source": source,
        "event": event,
        "handler": handler,
        "values": dict(values) if values is not None else None,
        "headers": dict(headers) if headers is not None else None,
    }
    spec = {key: value for key, value in options.items() if value is not None}
    value = orjson.dumps({"path": path, **spec}).decode() if spec else path
    return Response(headers={"HX-Location": value})


def hx_refresh() -> Response:
    """Make the browser reload the whole page (``HX-Refresh: true``)."""
    return Response(headers={"HX-Refresh": "true"})


# --- headers added to any answer ----------------------------------------------------------------


def hx_trigger(
    response: Response,
    event: str,
    detail: Any = None,
    *,
    after: TriggerTiming = "receive",
) -> Response:
    """Fire ``event`` in the browser when the answer arrives (or after the swap/settle).

    Several calls add up: the header becomes htmx's JSON object form ``{"event": detail, ...}``
    as soon as more than one event is sent or one carries ``detail``; a single event without
    detail stays the bare name.  ``detail`` is anything orjson encodes.
    """
    if after not in _TRIGGER_HEADERS:
        raise ValueError(f"after must be one of {', '.join(_TRIGGER_HEADERS)}, not {after!r}")
    name = _TRIGGER_HEADERS[after]
    headers = response.headers
    events: dict[str, Any] = _parse_trigger(headers.get(name))
    events[event] = detail
    if len(events) == 1 and detail is None:
        headers[name] = event
    else:
        headers[name] = orjson.dumps(events).decode()
    return response


def _parse_trigger(value: str | None) -> dict[str, Any]:
    """An existing trigger header as ``{event: detail}`` (names, comma lists or a JSON object)."""
    if not value:
        return {}
    if value.lstrip().startswith("{"):
        try:
            parsed = orjson.loads(value)
        except orjson.JSONDecodeError:
            parsed = None
        if isinstance(parsed, dict):
            return parsed
    return {name.strip(): None for name in value.split(",") if name.strip()}


def hx_push_url(response: Response, url: str | Literal[False]) -> Response:
    """Push ``url`` into the browser history (``False``: push nothing, whatever the element says)."""
    response.headers["HX-Push-Url"] = "false" if url is False else url
    return response


def hx_replace_url(response: Response, url: str | Literal[False]) -> Response:
    """Replace the current URL in the browser's location bar, without a new history entry."""
    response.headers["HX-Replace-Url"] = "false" if url is False else url
    return response


def hx_retarget(response: Response, selector: str) -> Response:
    """Swap the answer into ``selector`` instead of the element's ``hx-target``."""
    response.headers["HX-Retarget"] = selector
    return response


def hx_reswap(response: Response, swap: str) -> Response:
    """Override the element's ``hx-swap`` (``"outerHTML"``, ``"beforeend settle:1s"`` ...)."""
    response.headers["HX-Reswap"] = swap
    return response


def hx_reselect(response: Response, selector: str) -> Response:
    """Swap in only the part of the answer that ``selector`` picks."""
    response.headers["HX-Reselect"] = selector
    return response


def hx_vary(response: Response) -> Response:
    """Add ``HX-Request`` to ``Vary``: the answer differs for htmx and for a full page load.

    Without it a browser or shared cache may serve a cached fragment as the whole page (the
    back button after an htmx swap is the classic case).
    """
    headers = response.headers
    current = headers.get("vary")
    if current is None:
        headers["Vary"] = "HX-Request"
    else:
        names = {part.strip().lower() for part in current.split(",")}
        if "hx-request" not in names and "*" not in names:
            headers["Vary"] = f"{current}, HX-Request"
    return response
