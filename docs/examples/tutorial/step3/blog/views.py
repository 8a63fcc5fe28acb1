"""The blog's pages, under /blog/."""

from trellis import Blueprint, Template, abort

blog = Blueprint("blog", __name__, url_prefix="/blog")

POSTS = {
    1: {"id": 1, "title": "Hello, Trellis", "body": "My first post."},
    2: {"id": 2, "title": "Blueprints", "body": "The blog is a part of the site of its own."},
}


@blog.get("/")
def index():
    return Template("blog/index.html", posts=POSTS.values())


@blog.get("/<int:id>")
def post(id: int):
    if id not in POSTS:
        abort(404)
    return Template("blog/post.html", post=POSTS[id])
