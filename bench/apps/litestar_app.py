"""Litestar as its docs show it: decorated handlers with return annotations, passed to Litestar().

With BENCH_PAGE=1, /page returns a `Template` rendered by its Jinja2 template engine.
"""

from common import FILLERS, HELLO, JINJA_DIR, PAGE, page_context
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


handlers = [*(_filler(i) for i in FILLERS), plaintext, json, item]
template_config = None

if PAGE:
    from litestar.plugins.jinja import JinjaTemplateEngine
    from litestar.response import Template
    from litestar.template.config import TemplateConfig

    CONTEXT = page_context()

    @get("/page")
    async def page() -> Template:
        return Template(
            template_name="page.html",
            context={"title": CONTEXT["title"], "rows": CONTEXT["rows"]},
        )

    handlers.append(page)
    template_config = TemplateConfig(directory=JINJA_DIR, engine=JinjaTemplateEngine)

app = Litestar(route_handlers=handlers, template_config=template_config)
