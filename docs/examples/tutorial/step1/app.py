from trellis import App

app = App()


@app.get("/")
def index():
    return "<h1>My blog</h1>"
