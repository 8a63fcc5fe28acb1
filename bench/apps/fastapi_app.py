"""FastAPI as its docs show it: `@app.get` handlers returning dicts (PlainTextResponse for text)."""

from common import FILLERS, HELLO
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

app = FastAPI()


def _add_filler(i: int) -> None:
    @app.get(f"/filler{i}/{{id}}")
    async def filler(id: int):
        return {"id": id}


for i in FILLERS:
    _add_filler(i)


@app.get("/plaintext", response_class=PlainTextResponse)
async def plaintext():
    return HELLO


@app.get("/json")
async def json():
    return {"message": HELLO}


@app.get("/items/{id}")
async def item(id: int):
    return {"id": id}
