"""A bare WSGI callable: the ceiling of granian's WSGI interface, for reading Flask and Django.

Not in the default matrix (WSGI rows are compared with raw ASGI on granian); run it with
`--apps raw-wsgi,flask,django` to see how much of the WSGI gap is the interface itself.
"""

import orjson
from common import FILLERS, HELLO

PLAIN = [("content-type", "text/plain; charset=utf-8"), ("content-length", "13")]
DYNAMIC = {f"filler{i}" for i in FILLERS} | {"items"}


def _json(start_response, payload):
    body = orjson.dumps(payload)
    start_response(
        "200 OK", [("content-type", "application/json"), ("content-length", str(len(body)))]
    )
    return [body]


def app(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/plaintext":
        start_response("200 OK", PLAIN)
        return [HELLO.encode()]
    if path == "/json":
        return _json(start_response, {"message": HELLO})
    parts = path.split("/")
    if len(parts) == 3 and parts[1] in DYNAMIC and parts[2].isdigit():
        return _json(start_response, {"id": int(parts[2])})
    start_response("404 Not Found", PLAIN[:1])
    return [b"Not Found"]
