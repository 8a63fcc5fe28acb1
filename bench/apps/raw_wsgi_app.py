"""A bare WSGI callable: the ceiling of granian's WSGI interface, for reading Flask and Django.

Not in the default matrix for the hello tests (WSGI rows are compared with raw ASGI on granian);
run it with `--apps raw-wsgi,flask,django` to see how much of the WSGI gap is the interface
itself. It is the baseline of the WSGI rows of the `page` test: with BENCH_PAGE=1 it renders the
template page with a plain Jinja2 Environment, the template fetched once at start-up.
"""

import orjson
from common import FILLERS, HELLO, JINJA_DIR, PAGE, page_context

PLAIN = [("content-type", "text/plain; charset=utf-8"), ("content-length", "13")]
DYNAMIC = {f"filler{i}" for i in FILLERS} | {"items"}

if PAGE:
    import jinja2

    PAGE_TEMPLATE = jinja2.Environment(
        loader=jinja2.FileSystemLoader(JINJA_DIR), autoescape=True, auto_reload=False
    ).get_template("page.html")
    CONTEXT = page_context()


def _json(start_response, payload):
    body = orjson.dumps(payload)
    start_response(
        "200 OK", [("content-type", "application/json"), ("content-length", str(len(body)))]
    )
    return [body]


def _page(start_response):
    body = PAGE_TEMPLATE.render(title=CONTEXT["title"], rows=CONTEXT["rows"]).encode()
    start_response(
        "200 OK", [("content-type", "text/html; charset=utf-8"), ("content-length", str(len(body)))]
    )
    return [body]


def app(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/plaintext":
        start_response("200 OK", PLAIN)
        return [HELLO.encode()]
    if path == "/json":
        return _json(start_response, {"message": HELLO})
    if path == "/page" and PAGE:
        return _page(start_response)
    parts = path.split("/")
    if len(parts) == 3 and parts[1] in DYNAMIC and parts[2].isdigit():
        return _json(start_response, {"id": int(parts[2])})
    start_response("404 Not Found", PLAIN[:1])
    return [b"Not Found"]
