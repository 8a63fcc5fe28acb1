"""The blog's pages, under /blog/."""

from trellis import Blueprint, Request, Template, redirect
from trellis.auth import CurrentUser, login_required
from trellis.db import Session, select
from trellis.sessions import flash

from .forms import PostForm
from .models import Post

blog = Blueprint("blog", __name__, url_prefix="/blog")


@blog.get("/")
def index(db: Session):
    posts = db.scalars(select(Post).order_by(Post.id.desc())).all()
    return Template("blog/index.html", posts=posts)


@blog.get("/<int:id>")
def post(id: int, db: Session):
    return Template("blog/post.html", post=db.get_or_404(Post, id))


@blog.route("/new", methods=["GET", "POST"])
@login_required
def new(form: PostForm, user: CurrentUser, request: Request, db: Session):
    if form.validate_on_submit():
        post = Post(title=form.title.data, body=form.body.data, author=user)
        db.add(post)
        db.flush()  # gives the post its id; the request's work is committed after the handler
        flash(request, "Your post is published.")
        return redirect(blog.url_for("post", id=post.id), 303)
    return Template("blog/new.html", form=form, status_code=422 if form.is_submitted() else 200)
