"""A pure ASGI middleware, from docs/middleware.md."""

import time

from trellis import App, Middleware


class ServerTiming:
    """Adds a ``Server-Timing`` header: one ASGI callable wrapping the next one."""

    def __init__(self, app, metric: str = "app") -> None:
        self.app = app
        self.metric = metric

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()

        async def send_with_timing(message):
            if message["type"] == "http.response.start":
                elapsed = (time.perf_counter() - start) * 1000
                header = f"{self.metric};dur={elapsed:.1f}".encode()
                message["headers"] = [*message["headers"], (b"server-timing", header)]
            await send(message)

        await self.app(scope, receive, send_with_timing)


app = App(middleware=[Middleware(ServerTiming, metric="total")])


@app.get("/")
async def index():
    return "timed"
