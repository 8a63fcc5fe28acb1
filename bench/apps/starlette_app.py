"""Starlette as its docs show it: a Route list with PlainTextResponse / JSONResponse."""

from common import FILLERS, HELLO
from starlette.applications import Starlette
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route


async def plaintext(request):
    return PlainTextResponse(HELLO)


async def json(request):
    return JSONResponse({"message": HELLO})


async def item(request):
    return JSONResponse({"id": request.path_params["id"]})


routes = [Route(f"/filler{i}/{{id:int}}", item) for i in FILLERS]
routes += [
    Route("/plaintext", plaintext),
    Route("/json", json),
    Route("/items/{id:int}", item),
]
app = Starlette(routes=routes)
