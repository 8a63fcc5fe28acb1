"""Cross-origin resource sharing: ``app.install(CORS(allow_origins=["https://app.example.com"]))``.

Preflights are answered by a pure ASGI middleware placed outermost; actual responses get
``Access-Control-Allow-Origin`` (and credentials / exposed headers) for allowed origins, plus
``Vary: Origin``.  See ``docs/cors.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from trellis.lazy import lazy_exports

if TYPE_CHECKING:
    from trellis.cors.battery import CORS
    from trellis.cors.middleware import CORSMiddleware
    from trellis.cors.policy import CORSPolicy, Preflight

__all__ = ["CORS", "CORSMiddleware", "CORSPolicy", "Preflight"]

_WHERE = {
    "CORS": "trellis.cors.battery",
    "CORSMiddleware": "trellis.cors.middleware",
    "CORSPolicy": "trellis.cors.policy",
    "Preflight": "trellis.cors.policy",
}

__getattr__ = lazy_exports(__name__, _WHERE)
