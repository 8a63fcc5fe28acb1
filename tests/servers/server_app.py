"""The app that tests/servers/test_real_servers.py serves under granian and uvicorn."""

import asyncio
from typing import Annotated

from trellis import App, EventSourceResponse, File, PlainTextResponse, UploadFile, WebSocket
from trellis.conf import Settings

app = App(settings=Settings(max_body_size=1024, max_upload_size=64 * 1024))


@app.on_startup
async def started() -> None:
    app.state.started = True


@app.get("/plaintext")
async def plaintext() -> PlainTextResponse:
    return PlainTextResponse("Hello, World!")


@app.get("/json")
async def json() -> dict[str, object]:
    return {"message": "Hello, World!", "started": app.state.get("started", False)}


@app.get("/items/<int:id>")
def item(id: int, q: str = "") -> dict[str, object]:
    return {"id": id, "q": q}


@app.post("/echo")
async def echo(data: dict[str, object]) -> dict[str, object]:
    return data


@app.post("/upload")
async def upload(doc: Annotated[UploadFile, File()]) -> dict[str, object]:
    return {"name": doc.filename, "size": len(await doc.read())}


@app.get("/stream")
async def stream():  # type: ignore[no-untyped-def]
    for i in range(3):
        yield f"chunk{i};"
        await asyncio.sleep(0)


@app.get("/events")
async def events() -> EventSourceResponse:
    async def source():  # type: ignore[no-untyped-def]
        for i in range(3):
            yield {"event": "tick", "id": str(i), "data": {"n": i}}

    return EventSourceResponse(source(), ping_interval=None)


@app.websocket("/ws")
async def ws_echo(ws: WebSocket) -> None:
    await ws.accept()
    async for message in ws.iter_text():
        await ws.send_text(f"echo:{message}")
