"""Trellis through its public API only (shared/DESIGN.md), the way a user's app.py reads."""

from common import FILLERS, HELLO

from trellis import App, PlainTextResponse

app = App()


def _add_filler(i: int) -> None:
    @app.get(f"/filler{i}/<int:id>", name=f"filler{i}")
    async def filler(id: int):
        return {"id": id}


for i in FILLERS:
    _add_filler(i)


@app.get("/plaintext")
async def plaintext():
    return PlainTextResponse(HELLO)


@app.get("/json")
async def json():
    return {"message": HELLO}


@app.get("/items/<int:id>")
async def item(id: int):
    return {"id": id}
