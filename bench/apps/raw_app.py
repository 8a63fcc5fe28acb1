"""The baseline: a bare ASGI callable, hand-built messages and a plain dict route table.

Every other figure is reported as a multiple of this app under the same server, so it should do
the least any app could: one dict lookup for static paths, one for the first segment of dynamic
ones, and pre-encoded headers. JSON is encoded per request with orjson (Trellis's encoder), so the
ratio shows framework overhead rather than encoder choice. With BENCH_PAGE=1 it also renders the
template page with a plain Jinja2 Environment, the template fetched once at start-up.
"""

import orjson
from common import FILLERS, HELLO, JINJA_DIR, PAGE, page_context

PLAIN_HEADERS = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"13")]
NOT_FOUND = {"type": "http.response.start", "status": 404, "headers": PLAIN_HEADERS[:1]}


def _json_start(body: bytes) -> dict:
    return {
        "type": "http.response.start",
        "status": 200,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
    }


async def plaintext(send, _param):
    await send({"type": "http.response.start", "status": 200, "headers": PLAIN_HEADERS})
    await send({"type": "http.response.body", "body": HELLO.encode()})


async def json(send, _param):
    body = orjson.dumps({"message": HELLO})
    await send(_json_start(body))
    await send({"type": "http.response.body", "body": body})


async def item(send, param):
    try:
        value = int(param)
    except ValueError:
        await not_found(send, param)
        return
    body = orjson.dumps({"id": value})
    await send(_json_start(body))
    await send({"type": "http.response.body", "body": body})


async def not_found(send, _param):
    await send(NOT_FOUND)
    await send({"type": "http.response.body", "body": b"Not Found"})


STATIC = {"/plaintext": plaintext, "/json": json}
# First path segment -> handler for `/<segment>/<int:id>` routes.
DYNAMIC = {f"filler{i}": item for i in FILLERS}
DYNAMIC["items"] = item

if PAGE:
    import jinja2

    PAGE_TEMPLATE = jinja2.Environment(
        loader=jinja2.FileSystemLoader(JINJA_DIR), autoescape=True, auto_reload=False
    ).get_template("page.html")
    CONTEXT = page_context()

    async def page(send, _param):
        body = PAGE_TEMPLATE.render(title=CONTEXT["title"], rows=CONTEXT["rows"]).encode()
        headers = [
            (b"content-type", b"text/html; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    STATIC["/page"] = page


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    path = scope["path"]
    handler = STATIC.get(path)
    if handler is not None:
        await handler(send, None)
        return
    parts = path.split("/")
    if len(parts) == 3 and (handler := DYNAMIC.get(parts[1])) is not None:
        await handler(send, parts[2])
        return
    await not_found(send, None)
