"""The blog's pages, under /blog/."""

from trellis import Blueprint, Template
from trellis.db import Session, select

from .models import Post

blog = Blueprint("blog", __name__, url_prefix="/blog")


@blog.get("/")
def index(db: Session):
    posts = db.scalars(select(Post).order_by(Post.id.desc())).all()
    return Template("blog/index.html", posts=posts)


@blog.get("/<int:id>")
def post(id: int, db: Session):
    return Template("blog/post.html", post=db.get_or_404(Post, id))
