"""The :class:`Health` battery: two routes and a filter that keeps them out of access logs."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from trellis.conf import setting
from trellis.http.responses import JSONResponse
from trellis.probes import run_probes

if TYPE_CHECKING:
    from trellis.app import App

__all__ = ["Health", "HealthLogFilter"]

#: The servers' access loggers: probes every few seconds would drown the requests people read.
ACCESS_LOGGERS = ("uvicorn.access", "granian.access", "_granian", "trellis.access")


class HealthLogFilter(logging.Filter):
    """Drops access-log records whose message mentions one of the health paths."""

    def __init__(self, paths: tuple[str, ...]) -> None:
        super().__init__()
        self.paths = paths

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is the logger's problem, not ours
            return True
        return not any(path in message for path in self.paths)


class Health:
    """``app.install(Health())``: ``GET /health/live`` and ``GET /health/ready``, JSON.

    Options (each read from settings when not given): ``live_path`` (``health_live_path``,
    ``/health/live``), ``ready_path`` (``health_ready_path``, ``/health/ready``), ``timeout``
    (``health_timeout``, 3 s per probe).  Both routes are left out of the OpenAPI schema, of CSRF
    (they are GET) and of the access log.
    """

    def __init__(
        self,
        *,
        live_path: str | None = None,
        ready_path: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self._given = (live_path, ready_path, timeout)
        self.live_path = live_path or "/health/live"
        self.ready_path = ready_path or "/health/ready"
        self.timeout = timeout if timeout is not None else 3.0
        self.log_filter: HealthLogFilter | None = None

    def install(self, app: App) -> None:
        settings = app.settings
        live_path, ready_path, timeout = self._given
        self.live_path = live_path or setting(settings, "health_live_path", "/health/live")
        self.ready_path = ready_path or setting(settings, "health_ready_path", "/health/ready")
        self.timeout = timeout if timeout is not None else setting(settings, "health_timeout", 3.0)
        app.extensions["health"] = self
        from trellis.routing import Blueprint

        routes = Blueprint("health")
        hidden = {"include_in_schema": False}
        routes.add_route(self.live_path, self.live, methods=["GET"], name="live", **hidden)
        routes.add_route(self.ready_path, self.ready, methods=["GET"], name="ready", **hidden)
        app.register(routes)
        self.log_filter = HealthLogFilter((self.live_path, self.ready_path))
        for name in ACCESS_LOGGERS:
            logging.getLogger(name).addFilter(self.log_filter)

    async def live(self) -> JSONResponse:
        """The process is up and its event loop answers; nothing else is asked."""
        return JSONResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})

    async def ready(self, request: Any) -> JSONResponse:
        """Every readiness probe of the installed batteries; 503 as soon as one fails."""
        results = await run_probes(request.app.probes, self.timeout)
        ok = all(result.ok for result in results.values())
        body = {
            "status": "ok" if ok else "unavailable",
            "checks": {name: result.as_dict() for name, result in results.items()},
        }
        return JSONResponse(
            body, status_code=200 if ok else 503, headers={"Cache-Control": "no-store"}
        )
