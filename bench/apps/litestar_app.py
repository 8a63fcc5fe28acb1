"""Litestar as its docs show it: decorated handlers with return annotations, passed to Litestar()."""

from common import FILLERS, HELLO
from litestar import Litestar, MediaType, get


def _filler(i: int):
    @get(f"/filler{i}/{{id:int}}", name=f"filler{i}")
    async def filler(id: int) -> dict[str, int]:
        return {"id": id}

    return filler


@get("/plaintext", media_type=MediaType.TEXT)
async def plaintext() -> str:
    return HELLO


@get("/json")
async def json() -> dict[str, str]:
    return {"message": HELLO}


@get("/items/{id:int}")
async def item(id: int) -> dict[str, int]:
    return {"id": id}


app = Litestar(route_handlers=[*(_filler(i) for i in FILLERS), plaintext, json, item])
