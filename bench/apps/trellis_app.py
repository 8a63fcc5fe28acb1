"""Trellis through its public API only (shared/DESIGN.md), the way a user's app.py reads.

With BENCH_PAGE=1 it installs the templates battery and returns `Template(...)` from /page.
"""

from common import FILLERS, HELLO, JINJA_DIR, PAGE, page_context

from trellis import App, PlainTextResponse, Template

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


if PAGE:
    from trellis.templates import Templates

    app.install(Templates(directory=JINJA_DIR))
    CONTEXT = page_context()

    @app.get("/page")
    async def page():
        return Template("page.html", title=CONTEXT["title"], rows=CONTEXT["rows"])
