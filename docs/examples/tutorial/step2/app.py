from trellis import App, Template, abort

app = App(__name__)  # with __name__, templates/ is found beside this file

POSTS = {
    1: {"id": 1, "title": "Hello, Trellis", "body": "My first post."},
    2: {"id": 2, "title": "Templates", "body": "Pages come from templates/, <b>escaped</b>."},
}


@app.get("/")
def index():
    return Template("index.html", posts=POSTS.values())


@app.get("/posts/<int:id>")
def post(id: int):
    if id not in POSTS:
        abort(404)
    return Template("post.html", post=POSTS[id])
