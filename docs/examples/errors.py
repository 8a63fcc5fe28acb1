"""Error answers, abort() and error handlers, from docs/errors.md."""

from trellis import App, Blueprint, HTTPException, JSONResponse, Request, abort

app = App()
api = Blueprint("api", __name__, url_prefix="/api")

BOOKS = {1: "Dune", 2: "Emma"}


class OutOfStock(Exception):
    def __init__(self, title: str) -> None:
        self.title = title


@app.get("/books/<int:id>")
async def book(id: int):
    if id not in BOOKS:
        abort(404, f"No book {id}")
    return {"id": id, "title": BOOKS[id]}


@api.get("/buy/<int:id>")
async def buy(id: int):
    raise OutOfStock(BOOKS.get(id, "?"))


@api.errorhandler(OutOfStock)
async def out_of_stock(request: Request, exc: OutOfStock):
    """Blueprint-local: used for routes of this blueprint before any app-wide handler."""
    return JSONResponse({"error": "out of stock", "title": exc.title}, status_code=409)


@app.errorhandler(404)
async def not_found(request: Request, exc: HTTPException):
    return f"<h1>Nothing at {request.url.path}</h1><p>{exc.detail}</p>", 404


app.register(api)
