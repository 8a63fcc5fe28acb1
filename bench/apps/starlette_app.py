"""Starlette as its docs show it: a Route list with PlainTextResponse / JSONResponse.

With BENCH_PAGE=1, /page is a `Jinja2Templates.TemplateResponse`.
"""

from common import FILLERS, HELLO, JINJA_DIR, PAGE, page_context
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

if PAGE:
    from starlette.templating import Jinja2Templates

    templates = Jinja2Templates(directory=JINJA_DIR)
    CONTEXT = page_context()

    async def page(request):
        return templates.TemplateResponse(
            request, "page.html", {"title": CONTEXT["title"], "rows": CONTEXT["rows"]}
        )

    routes.append(Route("/page", page))

app = Starlette(routes=routes)
