"""Flask as its docs show it: `@app.get` views returning a str or a dict (jsonified by Flask)."""

from common import FILLERS, HELLO
from flask import Flask

app = Flask(__name__)


def _add_filler(i: int) -> None:
    def filler(id: int):
        return {"id": id}

    app.add_url_rule(f"/filler{i}/<int:id>", f"filler{i}", filler, methods=["GET"])


for i in FILLERS:
    _add_filler(i)


@app.get("/plaintext")
def plaintext():
    return HELLO, 200, {"Content-Type": "text/plain; charset=utf-8"}


@app.get("/json")
def json():
    return {"message": HELLO}


@app.get("/items/<int:id>")
def item(id: int):
    return {"id": id}
