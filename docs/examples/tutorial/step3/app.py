from trellis import App, redirect

from blog.views import blog

app = App(__name__)
app.register(blog)  # its pages under /blog/, its templates from blog/templates/


@app.get("/")
def home():
    return redirect(app.url_for("blog.index"))
