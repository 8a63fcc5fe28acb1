"""The example of docs/wsgi.md: one app, served by an ASGI server or by a WSGI server.

granian --interface asgi docs.examples.wsgi_deployment:app     # ASGI (what `trellis run` does)
gunicorn docs.examples.wsgi_deployment:application             # WSGI, sync workers
"""

from __future__ import annotations

from collections.abc import Iterator

from trellis import App, Request, StreamingResponse

app = App()
events: list[str] = []


@app.on_startup
def open_pool() -> None:
    events.append("startup")  # runs once per process, on the first WSGI request


@app.on_shutdown
def close_pool() -> None:
    events.append("shutdown")


@app.get("/")
def index() -> str:
    return "<h1>Served over WSGI</h1>"


@app.post("/echo")
async def echo(request: Request) -> dict[str, object]:
    return {"received": await request.json()}  # the body is streamed in from wsgi.input


@app.get("/countdown")
def countdown() -> StreamingResponse:
    def numbers() -> Iterator[str]:
        for n in range(3, 0, -1):
            yield f"{n}\n"

    return StreamingResponse(numbers(), media_type="text/plain")


# The WSGI entry point: WSGI servers look for `application` by default.
application = app.wsgi
