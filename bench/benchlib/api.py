"""The validate-and-echo test: its apps, the wrk script that posts the body, the answer checks.

`POST /echo` with a 20-field JSON order (apps/api_common.py). Before any load each app must answer
the valid body with 200 and exactly the same data, and the invalid one (three broken rules) with a
4xx: a fast answer that skips validation is not a result.
"""

from __future__ import annotations

import http.client
import json
import sys

from .servers import APPS_DIR, AppSpec

sys.path.insert(0, str(APPS_DIR))
from api_common import BODY, INVALID, PAYLOAD

#: name -> (app, server); Trellis first: it is the base of the ratios.
API_APPS: dict[str, tuple[AppSpec, str]] = {
    "trellis": (AppSpec("trellis", "api_trellis_app", asgi="app", label="Trellis"), "granian"),
    "fastapi": (AppSpec("fastapi", "api_fastapi_app", asgi="app", label="FastAPI"), "granian"),
    "litestar": (AppSpec("litestar", "api_litestar_app", asgi="app", label="Litestar"), "granian"),
    "drf": (
        AppSpec("drf", "api_drf_app", wsgi="application", label="Django REST framework"),
        "granian-wsgi",
    ),
}


def lua_script(body: str = BODY) -> str:
    """wrk's script: every request is the POST with the JSON body."""
    return (
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(body)}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
    )


def post(port: int, body: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", "/echo", body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def check(port: int) -> str | None:
    """None when the app echoes the valid order exactly and refuses the invalid one."""
    try:
        status, body = post(port, BODY)
        bad_status, _ = post(port, INVALID)
    except OSError as exc:
        return f"POST /echo: {exc}"
    if status != 200:
        return f"POST /echo: status {status}: {body[:200]!r}"
    try:
        data = json.loads(body)
    except ValueError:
        return f"POST /echo: not JSON: {body[:80]!r}"
    if data != PAYLOAD:
        diff = {k: data.get(k) for k in PAYLOAD if data.get(k) != PAYLOAD[k]}
        return f"POST /echo: echoed data differs: {diff}"
    if not 400 <= bad_status < 500:
        return f"POST /echo with an invalid order: status {bad_status}, expected a 4xx"
    return None
