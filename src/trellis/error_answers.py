"""How the dispatcher turns an exception into a response.

The innermost error handler registered for it (blueprint before app; within one, the status
code, then the exception's classes in MRO order), else the error page of an ``HTTPException``
(problem details for JSON clients), else the 500 page, logged with the request id (the debug
page in debug).  Kept apart from :mod:`trellis.dispatch`, whose per-request path it is not.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Mapping
from typing import Any

from trellis.exceptions import HTTPException
from trellis.handlers import CallContext, CallPlan, build_plan
from trellis.http.request import Request
from trellis.http.responses import Response
from trellis.http.websockets import WebSocket
from trellis.middleware.errors import error_response
from trellis.results import convert

__all__ = ["ErrorAnswers", "request_for"]

logger = logging.getLogger("trellis.request")


def request_for(
    value: Any, ctx: CallContext, converters: Mapping[type, Any]
) -> Request | WebSocket | None:
    """The request ``convert`` gets: a registered converter (``Template``) always gets one."""
    return ctx.request if type(value) in converters else ctx.request_if_made


class ErrorAnswers:
    """The error handlers' plans (made on first use) and the error and 500 pages."""

    def __init__(
        self,
        providers: Mapping[Any, Any],
        converters: Mapping[type, Any],
        *,
        debug: bool,
    ) -> None:
        self.providers = providers
        self.converters = converters
        self.debug = debug
        self._plans: dict[Any, CallPlan] = {}

    async def answer(
        self, ctx: CallContext, scopes: tuple[Any, ...], exc: Exception, request_id: bytes
    ) -> Response:
        """The response for ``exc``; an exception no handler or page answers is raised again."""
        handler = self.handler_for(scopes, exc)
        if handler is not None:
            ctx.extras = {"exc": exc}
            value = await handler.call(ctx)
            response = (
                value
                if isinstance(value, Response)
                else await convert(value, request_for(value, ctx, self.converters), self.converters)
            )
            if (
                isinstance(exc, HTTPException)
                and response.status_code == 200
                and not isinstance(value, Response | tuple)
            ):
                response.status_code = exc.status_code
            return response
        if isinstance(exc, HTTPException):
            return error_response(
                exc, ctx.scope["headers"], request_id.decode(), instance=ctx.scope.get("path")
            )
        raise exc

    def handler_for(self, scopes: tuple[Any, ...], exc: Exception) -> CallPlan | None:
        """Innermost scope first; within a scope, the status code, then the class's MRO."""
        for scope in reversed(scopes):
            handlers = getattr(scope, "error_handlers", None)
            if not handlers:
                continue
            keys: list[Any] = []
            if isinstance(exc, HTTPException):
                keys.append(exc.status_code)
            keys.extend(type(exc).__mro__)
            for key in keys:
                func = handlers.get(key)
                if func is not None:
                    return self._plan(func)
        return None

    def _plan(self, func: Any) -> CallPlan:
        plan = self._plans.get(func)
        if plan is None:
            extras: dict[str, Any] = {"exc": BaseException}
            params = list(inspect.signature(func).parameters.values())
            if len(params) >= 2 and params[1].annotation is inspect.Parameter.empty:
                extras[params[1].name] = None
            plan = build_plan(func, providers=self.providers, extras=extras)
            for param in plan.params:
                if param.source == "extra":
                    param.key = "exc"
            self._plans[func] = plan
        return plan

    def server_error(
        self, scope: dict[str, Any], exc: BaseException, request_id: bytes
    ) -> Response:
        """The 500 answer, after logging ``exc`` with the request id."""
        rid = request_id.decode()
        logger.error(
            "500 Internal Server Error on %s %s (request id %s)",
            scope.get("method"),
            scope.get("path"),
            rid,
            exc_info=exc,
        )
        if self.debug:
            from trellis.middleware.debug import debug_response

            return debug_response(exc, scope, rid)
        return error_response(
            HTTPException(500), scope.get("headers", ()), rid, instance=scope.get("path")
        )
