"""The micro end of Trellis: one file, a few routes.  Run it with ``make run`` or
``trellis run --app examples/hello.py``."""

from trellis import App

app = App(__name__)


@app.get("/")
def index() -> str:
    return (
        "<!doctype html><title>Hello, Trellis</title>"
        "<h1>Hello, World!</h1>"
        '<p>Try <a href="/users/42?verbose=true">/users/42?verbose=true</a> '
        'or <a href="/hello/Ada">/hello/Ada</a>.</p>'
    )


@app.get("/users/<int:id>")
async def user(id: int, verbose: bool = False) -> dict[str, object]:
    return {"id": id, "verbose": verbose}


@app.get("/hello/<name>")
async def hello(name: str) -> str:
    from html import escape

    return f"<h1>Hello, {escape(name)}!</h1>"
