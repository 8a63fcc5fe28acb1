"""Responses: HTML, JSON, redirects with cookies, streams, server-sent events and files."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import os
import tempfile
from collections.abc import AsyncIterator, Iterator

from trellis import (
    App,
    EventSourceResponse,
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Request,
    ServerSentEvent,
    StreamingResponse,
    abort,
)

app = App()

REPORTS = tempfile.mkdtemp(prefix="trellis-reports-")
with open(os.path.join(REPORTS, "q1.csv"), "w", encoding="utf-8") as report:
    report.write("month,total\n" + "".join(f"{m},{m * 100}\n" for m in range(1, 4)))

# Set by the CSV stream's finally block; the test reads it to show clean-up ran.
export_log: list[str] = []


@dataclasses.dataclass
class Book:
    title: str
    published: datetime.date


@app.get("/")
def home() -> HTMLResponse:
    # A plain str return value is HTML too; the class is for headers and status codes.
    return HTMLResponse("<h1>Welcome</h1>", headers={"Cache-Control": "max-age=60"})


@app.get("/api/books")
def books() -> JSONResponse:
    # Dataclasses, dates, UUIDs and pydantic models are serialised by orjson.
    shelf = [Book("Dune", datetime.date(1965, 8, 1))]
    return JSONResponse({"books": shelf, "count": len(shelf)}, status_code=200)


@app.post("/login")
def login() -> RedirectResponse:
    # 303 after a POST: the browser follows with a GET.
    response = RedirectResponse("/dashboard", status_code=303)
    response.set_cookie("session", "opaque-token", httponly=True, secure=True, max_age=3600)
    return response


@app.post("/logout")
def logout() -> RedirectResponse:
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie("session")
    return response


@app.get("/export.csv")
def export() -> StreamingResponse:
    def rows() -> Iterator[str]:  # a sync generator runs in the thread pool
        try:
            yield "id,name\n"
            for n in range(1, 4):
                yield f"{n},item {n}\n"
        finally:
            export_log.append("export closed")  # runs on completion and on disconnect

    return StreamingResponse(
        rows(), media_type="text/csv", headers={"Content-Disposition": "attachment"}
    )


@app.get("/clock")
def clock(request: Request) -> EventSourceResponse:
    count = int(request.query.get("count", "3"))

    async def ticks() -> AsyncIterator[ServerSentEvent | dict[str, object] | str]:
        yield ServerSentEvent(comment="clock stream", retry=5000)
        for n in range(count):
            yield {"event": "tick", "id": str(n), "data": {"n": n}}
            await asyncio.sleep(0)
        yield "bye"  # a str is the data of an unnamed event

    return EventSourceResponse(ticks(), ping_interval=15)


@app.get("/reports/<name>")
def download(name: str) -> FileResponse:
    # Never join user input into a path unchecked: only files listed in REPORTS are served.
    if name not in os.listdir(REPORTS):
        abort(404, "No such report")
    return FileResponse(os.path.join(REPORTS, name), filename=f"Rapport trimestriel \u2013 {name}")
