"""The app tests/auth/test_throttle_processes.py serves in two granian processes at once.

Everything comes from the environment: ``TRELLIS_DATABASE_URL``, ``TRELLIS_SECRET_KEY``, and the
throttle's store (``TRELLIS_AUTH_THROTTLE_REDIS_URL``, or the database when it is unset).
"""

from trellis import App
from trellis.auth import Auth
from trellis.db import Database

app = App()
app.install(Database())
app.install(Auth())


@app.get("/ready")
def ready() -> str:
    return "ready"
