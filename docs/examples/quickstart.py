"""The quickstart app from docs/quickstart.md."""

from trellis import App

app = App()


@app.get("/")
def index():
    return "Hello, World!"  # str -> text/html


@app.get("/users/<int:id>")
async def user(id: int, verbose: bool = False):  # path param by name, query param by type
    return {"id": id, "verbose": verbose}  # dict -> JSON
