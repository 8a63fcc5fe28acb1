"""Flask as its docs show it: `@app.get` views returning a str or a dict (jsonified by Flask).

With BENCH_PAGE=1, /page is `render_template` from the app's template folder.
"""

from common import FILLERS, HELLO, JINJA_DIR, PAGE, page_context
from flask import Flask, render_template

app = Flask(__name__, template_folder=JINJA_DIR)


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


if PAGE:
    CONTEXT = page_context()

    @app.get("/page")
    def page():
        return render_template("page.html", title=CONTEXT["title"], rows=CONTEXT["rows"])
