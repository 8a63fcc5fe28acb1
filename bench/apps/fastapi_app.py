"""FastAPI as its docs show it: `@app.get` handlers returning dicts (PlainTextResponse for text).

With BENCH_PAGE=1, /page is a `Jinja2Templates.TemplateResponse` (FastAPI's templates page).
"""

from common import FILLERS, HELLO, JINJA_DIR, PAGE, page_context
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


if PAGE:
    from fastapi import Request
    from fastapi.responses import HTMLResponse
    from fastapi.templating import Jinja2Templates

    templates = Jinja2Templates(directory=JINJA_DIR)
    CONTEXT = page_context()

    @app.get("/page", response_class=HTMLResponse)
    async def page(request: Request):
        return templates.TemplateResponse(
            request=request,
            name="page.html",
            context={"title": CONTEXT["title"], "rows": CONTEXT["rows"]},
        )
