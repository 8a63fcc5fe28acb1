"""The debug error page: what a developer sees when a request fails with ``debug=True``.

It is rendered while an error is already being handled, so it must never raise: every ``repr``
and ``str`` of user objects goes through :func:`safe_repr`, and a failure of the renderer itself
falls back to a minimal page.  Everything is HTML-escaped, and the page carries its own CSS so it
works offline and under a strict Content-Security-Policy (no script, no external asset).

Never use it outside debug: it shows source code and local variables.
"""

from __future__ import annotations

import builtins
import html
import linecache
import platform
import reprlib
import sysconfig
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

from trellis.__about__ import __version__
from trellis.http.responses import HTMLResponse, PlainTextResponse, Response
from trellis.middleware.errors import prefers_json

__all__ = [
    "DEFAULT_REPR_LENGTH",
    "FrameInfo",
    "debug_response",
    "render_debug_page",
    "render_debug_text",
    "safe_repr",
]

DEFAULT_REPR_LENGTH = 300
CONTEXT_LINES = 5
MAX_LOCALS = 100
MAX_CHAIN = 10
_HIDDEN_HEADERS = frozenset({"authorization", "proxy-authorization"})
_paths = sysconfig.get_paths()
# Frames from these are folded on the page: the standard library, installed packages, Trellis.
_LIBRARY_DIRS = tuple(
    {_paths["stdlib"], _paths["purelib"], _paths["platlib"], str(Path(__file__).parents[1])}
)


class _Repr(reprlib.Repr):
    """Bounded ``repr`` that says so when an object's own ``__repr__`` raises."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 3
        self.maxlist = self.maxtuple = self.maxset = self.maxfrozenset = self.maxdeque = 20
        self.maxdict = 20
        self.maxstring = self.maxlong = self.maxother = 10_000  # the final cut is by length

    def repr_instance(self, x: object, level: int) -> str:
        try:
            return builtins.repr(x)
        except Exception as exc:
            return f"<repr() failed: {_describe_failure(exc)}>"


_repr = _Repr()


def safe_repr(value: object, limit: int = DEFAULT_REPR_LENGTH) -> str:
    """``repr`` that bounds big containers, survives a raising ``__repr__`` and cuts at ``limit``."""
    try:
        text = _repr.repr(value)
    except Exception as exc:
        text = f"<repr() failed: {_describe_failure(exc)}>"
    if len(text) > limit:
        text = text[: max(limit - 1, 0)] + "…"
    return text


def _safe_str(value: BaseException) -> str:
    try:
        return str(value)
    except Exception as exc:
        return f"<str() failed: {_describe_failure(exc)}>"


def _describe_failure(exc: BaseException) -> str:
    try:
        return f"{type(exc).__name__}: {exc}"
    except Exception:
        return type(exc).__name__


@dataclass
class FrameInfo:
    filename: str
    lineno: int
    function: str
    first_line: int  # number of the first line in ``source``
    source: list[str]
    locals: list[tuple[str, str]] = field(default_factory=list)
    library: bool = False


@dataclass
class _Section:
    exc: BaseException
    how: str  # how it relates to the section before it ("" for the first)
    frames: list[FrameInfo]


def _frames(tb: TracebackType | None, limit: int) -> list[FrameInfo]:
    frames = []
    for frame, lineno in traceback.walk_tb(tb):
        frames.append(_frame_info(frame, lineno or 0, limit))
    return frames


def _frame_info(frame: FrameType, lineno: int, limit: int) -> FrameInfo:
    code = frame.f_code
    filename = code.co_filename
    lines = linecache.getlines(filename, frame.f_globals)
    start = max(lineno - CONTEXT_LINES, 1)
    source = [line.rstrip("\n") for line in lines[start - 1 : lineno + CONTEXT_LINES]]
    items = list(frame.f_locals.items())
    if code.co_name == "<module>":  # module globals: the dunders are noise
        items = [(k, v) for k, v in items if not (k.startswith("__") and k.endswith("__"))]
    shown = [(str(name), safe_repr(value, limit)) for name, value in items[:MAX_LOCALS]]
    if len(items) > MAX_LOCALS:
        shown.append(("…", f"{len(items) - MAX_LOCALS} more"))
    library = filename.startswith(_LIBRARY_DIRS) or filename.startswith("<frozen")
    # Jinja2 renames the code of template frames (``block 'body'``) but not its qualname.
    name = code.co_qualname if code.co_qualname.endswith(code.co_name) else code.co_name
    return FrameInfo(filename, lineno, name, start, source, shown, library)


def _sections(exc: BaseException, limit: int) -> list[_Section]:
    """The raised exception first, then what caused it or was being handled, as Python chains them."""
    sections: list[_Section] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    how = ""
    while current is not None and id(current) not in seen and len(sections) < MAX_CHAIN:
        seen.add(id(current))
        sections.append(_Section(current, how, _frames(current.__traceback__, limit)))
        if current.__cause__ is not None:
            current, how = current.__cause__, "The exception above was directly caused by"
        elif current.__context__ is not None and not current.__suppress_context__:
            current, how = current.__context__, "The exception above was raised while handling"
        else:
            current = None
    return sections


def _exc_title(exc: BaseException) -> str:
    cls = type(exc)
    name = (
        cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
    )
    message = _safe_str(exc)
    return f"{name}: {message}" if message else name


def _shown_headers(headers: list[tuple[str, str]] | None) -> Iterator[tuple[str, str]]:
    for name, value in headers or ():
        if name.lower() in _HIDDEN_HEADERS:
            yield name, f"[hidden, {len(value)} characters]"
        else:
            yield name, value


_CSS = """
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2228;background:#f4f5f7}
header{background:#8b1e2d;color:#fff;padding:20px 28px}
header h1{margin:0;font-size:22px;word-break:break-word}
header p{margin:6px 0 0;opacity:.85}
main{padding:8px 28px 28px}
h2{font-size:17px;margin:26px 0 8px}
.how{margin:30px 0 4px;color:#8b1e2d;font-weight:600}
details.frame{background:#fff;border:1px solid #d8dbe0;border-radius:6px;margin:8px 0}
details.frame.lib{opacity:.75}
summary{cursor:pointer;padding:8px 12px;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px}
summary b{color:#0b5394}
pre.src{margin:0;padding:6px 0;background:#fafbfc;border-top:1px solid #e5e7eb;overflow-x:auto;font-size:13px}
pre.src span{display:block;padding:0 12px}
pre.src span.cur{background:#fde3e6;font-weight:600}
table{border-collapse:collapse;width:100%;font-size:13px}
td,th{text-align:left;vertical-align:top;padding:3px 12px;border-top:1px solid #eceef1}
td.v,td.val{font-family:ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;word-break:break-all}
th{width:18%;font-weight:600;color:#4a5260}
.locals{border-top:1px solid #e5e7eb}
footer{padding:12px 28px;color:#6b7280;font-size:12px}
"""


def _html_frame(frame: FrameInfo) -> str:
    e = html.escape
    lines = []
    for number, line in enumerate(frame.source, start=frame.first_line):
        cls = ' class="cur"' if number == frame.lineno else ""
        lines.append(f"<span{cls}>{number:>5}  {e(line)}</span>")
    source = f'<pre class="src">{"".join(lines)}</pre>' if lines else ""
    rows = "".join(f'<tr><th>{e(k)}</th><td class="val">{e(v)}</td></tr>' for k, v in frame.locals)
    local_table = f'<table class="locals">{rows}</table>' if rows else ""
    kind = "frame lib" if frame.library else "frame"
    opened = "" if frame.library else " open"
    return (
        f'<details class="{kind}"{opened}><summary>{e(frame.filename)}, line {frame.lineno}, '
        f"in <b>{e(frame.function)}</b></summary>{source}{local_table}</details>"
    )


def _render_html(
    exc: BaseException,
    method: str,
    path: str,
    request_id: str,
    headers: list[tuple[str, str]] | None,
    limit: int,
) -> str:
    e = html.escape
    sections = _sections(exc, limit)
    body = []
    for section in sections:
        if section.how:
            body.append(f'<p class="how">{e(section.how)}: {e(_exc_title(section.exc))}</p>')
        # Innermost frame last, as Python prints it; that is where the error happened.
        body.extend(_html_frame(frame) for frame in section.frames)
    request_rows = "".join(
        f'<tr><th>{e(k)}</th><td class="v">{e(v)}</td></tr>'
        for k, v in (("Method", method), ("Path", path), ("Request ID", request_id))
    )
    header_rows = "".join(
        f'<tr><th>{e(k)}</th><td class="v">{e(v)}</td></tr>' for k, v in _shown_headers(headers)
    )
    headers_html = f"<h2>Headers</h2><table>{header_rows}</table>" if header_rows else ""
    title = _exc_title(exc)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="robots" content="noindex"><title>{e(title)}</title><style>{_CSS}</style></head>'
        f"<body><header><h1>{e(title)}</h1><p>{e(method)} {e(path)} · request {e(request_id)}</p>"
        "</header><main><h2>Traceback</h2>"
        f"{''.join(body)}<h2>Request</h2><table>{request_rows}</table>{headers_html}</main>"
        f"<footer>Trellis {e(__version__)} · Python {e(platform.python_version())} · "
        "This page is shown because debug is on; never turn debug on in production.</footer>"
        "</body></html>"
    )


def _render_text(
    exc: BaseException,
    method: str,
    path: str,
    request_id: str,
    headers: list[tuple[str, str]] | None,
    limit: int,
) -> str:
    out = [f"{_exc_title(exc)}", f"{method} {path} (request {request_id})", ""]
    for section in reversed(_sections(exc, limit)):  # oldest first, as Python prints chains
        out.append("Traceback (most recent call last):")
        for frame in section.frames:
            out.append(f'  File "{frame.filename}", line {frame.lineno}, in {frame.function}')
            offset = frame.lineno - frame.first_line
            if 0 <= offset < len(frame.source):
                out.append(f"    {frame.source[offset].strip()}")
            out.extend(f"      {name} = {value}" for name, value in frame.locals)
        out.append(_exc_title(section.exc))
        if section.how:
            out += ["", _reverse_how(section.how), ""]
    out += ["", "Request:", f"  {method} {path}", f"  Request ID: {request_id}"]
    out.extend(f"  {name}: {value}" for name, value in _shown_headers(headers))
    return "\n".join(out) + "\n"


def _reverse_how(how: str) -> str:
    # In oldest-first order the sentence reads the other way round.
    if "directly caused" in how:
        return "The above exception was the direct cause of the following exception:"
    return "During handling of the above exception, another exception occurred:"


def render_debug_page(
    exc: BaseException,
    *,
    method: str,
    path: str,
    request_id: str,
    headers: list[tuple[str, str]] | None = None,
    max_repr_length: int = DEFAULT_REPR_LENGTH,
) -> str:
    """A self-contained HTML page for ``exc``: chained tracebacks with source and locals."""
    try:
        return _render_html(exc, method, path, request_id, headers, max_repr_length)
    except Exception as failure:
        return _fallback_html(exc, failure, method, path, request_id)


def render_debug_text(
    exc: BaseException,
    *,
    method: str,
    path: str,
    request_id: str,
    headers: list[tuple[str, str]] | None = None,
    max_repr_length: int = DEFAULT_REPR_LENGTH,
) -> str:
    """The same report as plain text, for API clients and terminals."""
    try:
        return _render_text(exc, method, path, request_id, headers, max_repr_length)
    except Exception as failure:
        return (
            f"{_exc_title(exc)}\n{method} {path} (request {request_id})\n\n"
            f"(the debug report failed: {_describe_failure(failure)})\n"
        )


def _fallback_html(
    exc: BaseException, failure: BaseException, method: str, path: str, request_id: str
) -> str:
    e = html.escape
    try:
        tb = "".join(traceback.format_exception(exc))
    except Exception:
        tb = ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Server error</title>'
        f"</head><body><h1>{e(_exc_title(exc))}</h1><p>{e(method)} {e(path)} · request "
        f"{e(request_id)}</p><pre>{e(tb)}</pre><p>(the full debug page failed: "
        f"{e(_describe_failure(failure))})</p></body></html>"
    )


def debug_response(
    exc: BaseException,
    scope: Mapping[str, Any],
    request_id: str,
    *,
    max_repr_length: int = DEFAULT_REPR_LENGTH,
) -> Response:
    """The 500 answer in debug: the HTML page for browsers, plain text for other clients."""
    raw: list[tuple[bytes, bytes]] = list(scope.get("headers") or ())
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw]
    path = f"{scope.get('root_path', '')}{scope.get('path', '')}"
    query = scope.get("query_string") or b""
    if query:
        path += "?" + query.decode("latin-1")
    method = str(scope.get("method", "GET"))
    render = render_debug_page if _wants_html(raw) else render_debug_text
    body = render(
        exc,
        method=method,
        path=path,
        request_id=request_id,
        headers=headers,
        max_repr_length=max_repr_length,
    )
    if render is render_debug_page:
        return HTMLResponse(body, 500)
    return PlainTextResponse(body, 500)


def _wants_html(headers: list[tuple[bytes, bytes]]) -> bool:
    if prefers_json(headers):
        return False
    accept = next((v for k, v in headers if k == b"accept"), b"")
    return not accept or b"html" in accept or b"*/*" in accept
