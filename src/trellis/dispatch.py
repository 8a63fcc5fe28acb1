"""The per-request path: find the endpoint, run hooks and the handler, answer errors.

A :class:`Dispatcher` is built once by :meth:`App.startup_freeze`; it is the innermost ASGI app.
The hot path for a plain route is a dict lookup, one call, one conversion and two ``send`` calls;
hooks, dependencies, error handlers and the request object cost nothing where they are not used.
"""

from __future__ import annotations

import gc
import inspect
import itertools
import logging
import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from uuid import UUID

from trellis.error_answers import ErrorAnswers, request_for
from trellis.exceptions import (
    BadRequest,
    ConfigurationError,
    HTTPException,
    MethodNotAllowed,
    NotFound,
    RequestHeaderFieldsTooLarge,
)
from trellis.handlers import CallContext, CallPlan, build_plan, describe
from trellis.http.connection import check_path
from trellis.http.request import BEFORE_SEND_KEY, Request
from trellis.http.responses import RedirectResponse, Response
from trellis.http.websockets import WebSocket, WebSocketDisconnect
from trellis.middleware import ASGIApp, Edge
from trellis.middleware.errors import error_response
from trellis.results import UNSET, ResultPlan, convert, plan_result
from trellis.routing import View
from trellis.routing.patterns import Param as PatternParam
from trellis.routing.patterns import parse_pattern
from trellis.routing.views import method_options

if TYPE_CHECKING:
    from trellis.app import App
    from trellis.routing import ResolvedRoute, Router

__all__ = ["Dispatcher", "Endpoint", "Operation"]

logger = logging.getLogger("trellis.request")
_CONVERTER_TYPES: dict[str, type] = {
    "int": int,
    "float": float,
    "uuid": UUID,
    "str": str,
    "slug": str,
    "path": str,
}
_EMPTY: dict[str, Any] = {}
_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:/+=-]{1,200}")
_AFTER_EXTRAS = {"response": Response}


class Operation:
    """One (route, method) as it runs: the plan that fills the handler and the plan of its result.

    ``options`` are the route's options merged with the method's own (``@operation(...)`` on a
    View method); the openapi battery describes operations from these objects, so the document
    says exactly what the dispatcher does.
    """

    __slots__ = ("method", "options", "plan", "result", "runtime_result")

    def __init__(
        self, method: str, plan: CallPlan, result: ResultPlan, options: Mapping[str, Any]
    ) -> None:
        self.method = method
        self.plan = plan
        self.result = result
        self.options = options
        #: ``result`` when a request needs it (a response model, a status code), else None.
        self.runtime_result = result if result.active else None


class Endpoint:
    """One route: its operations by method, plus the hooks and error handlers that apply."""

    __slots__ = (
        "after",
        "before",
        "fast",
        "name",
        "operations",
        "plan",
        "result",
        "route",
        "scopes",
        "view",
    )

    def __init__(
        self,
        route: ResolvedRoute,
        operations: dict[str, Operation],
        before: tuple[CallPlan, ...],
        after: tuple[CallPlan, ...],
        view: type | None,
        path_names: set[str] | None = None,
    ) -> None:
        self.route = route
        self.name = route.name
        self.scopes = route.scopes
        self.operations = operations
        first = next(iter(operations.values()))
        # A function route runs one plan for every method; a View picks its method's operation.
        plan = self.plan = first.plan
        result = self.result = first.runtime_result
        self.before = before
        self.after = after
        self.view = view
        # An async handler whose parameters are exactly the route's path parameters (already
        # converted to the annotated types), with no hooks, no view and no result plan, is called
        # directly: ``await fast(**params)``, no context object, no per-parameter loop.
        self.fast = (
            plan.func
            if (
                plan.is_async
                and not plan.is_generator
                and not before
                and not after
                and view is None
                and result is None
                and path_names is not None
                and all(p.source == "path" and p.adapter is None for p in plan.params)
                and {p.name for p in plan.params} == path_names
            )
            else None
        )


class Dispatcher:
    """The innermost ASGI app of an App; made by ``App.startup_freeze``."""

    def __init__(self, app: App, router: Router[Any]) -> None:
        self.app = app
        self.router = router
        settings = app.settings
        self.debug = bool(settings.debug)
        self.limits = settings.limits()
        self.max_header_count = settings.max_header_count
        self.gc_freeze = bool(settings.gc_freeze)
        self.max_header_size = settings.max_header_size
        self.request_id_header = settings.request_id_header.lower().encode("latin-1")
        self.trust_request_id = settings.trust_request_id
        self.converters = app.response_converters
        self._prefix = os.urandom(4).hex().encode() + b"-"
        self._counter = itertools.count(1)
        self.errors = ErrorAnswers(app.providers, self.converters, debug=self.debug)
        self._app_scopes: tuple[Any, ...] = (app,)
        self._app_after = tuple(
            reversed(self._hook_plans((app,), "after_request_hooks", _AFTER_EXTRAS, {}))
        )
        #: The app's edges when no middleware is installed (else the guard runs them).
        self.edges: tuple[Edge, ...] = ()

    def new_request_id(self) -> bytes:
        """A process-unique id: a random per-process prefix and a counter (no syscall per request)."""
        return b"%s%x" % (self._prefix, next(self._counter))

    def request_id_of(self, scope: dict[str, Any]) -> bytes:
        """The id ``http`` gives a request (the client's, when trusted and well formed), for an
        answer a middleware sent before the dispatcher saw the request."""
        if self.trust_request_id:
            for name, value in scope["headers"]:
                if name == self.request_id_header and _REQUEST_ID.fullmatch(value):
                    return value  # type: ignore[no-any-return]
        return self.new_request_id()

    # --- building ---------------------------------------------------------------------------

    def add_route(self, route: ResolvedRoute) -> None:
        params = _pattern_params(route.path)
        handler = route.handler
        before = tuple(self._hook_plans(route.scopes, "before_request_hooks", {}, params))
        after = tuple(
            reversed(self._hook_plans(route.scopes, "after_request_hooks", _AFTER_EXTRAS, params))
        )
        operations: dict[str, Operation] = {}
        if isinstance(handler, type) and issubclass(handler, View):
            for method in sorted(route.methods):
                func = getattr(handler, method.lower(), None)
                if func is None:
                    raise ConfigurationError(
                        f"{describe(handler)} has no {method.lower()}() method for {route.path}"
                    )
                first = next(iter(inspect.signature(func).parameters), "self")
                owner = f"{describe(handler)}.{method.lower()}"
                plan = build_plan(
                    func,
                    path_params=params,
                    providers=self.app.providers,
                    extras={first: None},
                    owner=owner,
                )
                options = {**route.options, **method_options(func)}
                operations[method] = Operation(method, plan, _result_plan(plan, options), options)
            endpoint = Endpoint(route, operations, before, after, handler)
        else:
            plan = build_plan(handler, path_params=params, providers=self.app.providers)
            options = {**method_options(handler), **route.options}
            result = _result_plan(plan, options)
            for method in sorted(route.methods):
                operations[method] = Operation(method, plan, result, options)
            endpoint = Endpoint(route, operations, before, after, None, set(params))
        self.router.add(
            route.path,
            ["WEBSOCKET"] if route.websocket else route.methods,
            endpoint,
            route.name,
            websocket=route.websocket,
        )

    def _hook_plans(
        self, scopes: tuple[Any, ...], attr: str, extras: dict[str, Any], params: Mapping[str, Any]
    ) -> list[CallPlan]:
        plans = []
        for scope in scopes:
            for hook in getattr(scope, attr, ()):
                plans.append(
                    build_plan(
                        hook, path_params=params, providers=self.app.providers, extras=extras
                    )
                )
        return plans

    # --- ASGI -------------------------------------------------------------------------------

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        kind = scope["type"]
        if kind == "http":
            await self.http(scope, receive, send)
        elif kind == "websocket":
            await self.websocket(scope, receive, send)
        elif kind == "lifespan":
            await self.lifespan(scope, receive, send)

    async def http(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        edges = self.edges
        if edges:
            for edge in edges:
                refusal = edge.admit(scope)
                if refusal is not None:
                    return await refusal(scope, receive, send)  # type: ignore[no-any-return]
        request_id: bytes | None = None
        headers = scope["headers"]
        if len(headers) > self.max_header_count:
            return await self._early_error(
                scope, receive, send, RequestHeaderFieldsTooLarge(detail="Too many request headers")
            )
        size = 0
        rid_name = self.request_id_header
        for name, value in headers:
            size += len(name) + len(value)
            if name == rid_name:
                request_id = value
        if size > self.max_header_size:
            return await self._early_error(
                scope,
                receive,
                send,
                RequestHeaderFieldsTooLarge(detail="Request headers too large"),
            )
        if request_id is None or not self.trust_request_id or not _REQUEST_ID.fullmatch(request_id):
            request_id = self.new_request_id()
        scope["trellis.request_id"] = request_id
        scope["app"] = self.app

        path = scope["path"]
        if "%" in path or not path.isascii():
            try:
                check_path(path, scope.get("raw_path"))
            except BadRequest as exc:
                return await self._early_error(scope, receive, send, exc)
        if scope.get("root_path"):
            path = _route_path(path, scope["root_path"])
        found = self.router.lookup(path)
        if found is None:
            return await self._no_route(scope, receive, send, request_id, path)
        table, params = found
        scope["path_params"] = params
        endpoint = table.get(scope["method"])
        if endpoint is None:
            return await self._no_method(scope, receive, send, request_id, table, params)
        scope["trellis.route_name"] = endpoint.name
        fast = endpoint.fast
        if fast is not None:
            try:
                value = await fast(**params)
                response = (
                    value
                    if isinstance(value, Response)
                    else await convert(
                        value,
                        # A registered converter (Template) always gets a Request.
                        Request(scope, receive, limits=self.limits)
                        if type(value) in self.converters
                        else None,
                        self.converters,
                    )
                )
            except Exception as exc:
                ctx = CallContext(scope, receive, params, self.limits)
                return await self._fail(
                    scope, receive, send, ctx, endpoint.scopes, exc, request_id, endpoint.after
                )
            response.raw_headers.append((b"x-request-id", request_id))
            for edge in edges:
                edge.finish(scope, response.raw_headers)
            try:
                await response(scope, receive, send)
            except HTTPException as exc:  # refused before sending began (see _respond)
                ctx = CallContext(scope, receive, params, self.limits)
                await self._fail(scope, receive, send, ctx, endpoint.scopes, exc, request_id)
            return None
        ctx = CallContext(scope, receive, params, self.limits)
        return await self._respond(endpoint, ctx, send, request_id)

    async def _respond(
        self, endpoint: Endpoint, ctx: CallContext, send: Any, request_id: bytes
    ) -> None:
        scope, receive = ctx.scope, ctx.receive
        try:
            response = await self._run(endpoint, ctx)
        except Exception as exc:
            return await self._fail(
                scope, receive, send, ctx, endpoint.scopes, exc, request_id, endpoint.after
            )
        self._stamp(scope, response, request_id)
        try:
            await response(scope, receive, send)
        except HTTPException as exc:
            # A response may refuse before it sends anything: a FileResponse whose file is gone
            # raises NotFound.  That is an error answer like any other, not a 500.
            return await self._fail(scope, receive, send, ctx, endpoint.scopes, exc, request_id)
        except BaseException as exc:
            await self._cleanup(ctx, exc)
            raise
        await self._cleanup(ctx, None)
        return None

    async def _run(self, endpoint: Endpoint, ctx: CallContext) -> Response:
        value: Any = None
        for hook in endpoint.before:
            value = await hook.call(ctx)
            if value is not None:
                break
        result = None
        if value is None:
            plan = endpoint.plan
            result = endpoint.result
            if endpoint.view is not None:
                method = ctx.scope["method"]
                operation = endpoint.operations.get(method) or endpoint.operations["GET"]
                plan, result = operation.plan, operation.runtime_result
                ctx.extras = {plan.params[0].key: endpoint.view()}
            value = await plan.call(ctx)
        if isinstance(value, Response):
            response = value
        elif result is not None:
            response = await result.render(value, ctx, self.converters)
        else:
            response = await convert(
                value,
                ctx.request if type(value) in self.converters else ctx.request_if_made,
                self.converters,
            )
        if endpoint.after:
            response = await self._after(endpoint.after, ctx, response)
        callbacks = ctx.scope.get(BEFORE_SEND_KEY)
        if callbacks:
            for callback in callbacks:
                await callback(response)
        return response

    async def _after(
        self, hooks: tuple[CallPlan, ...], ctx: CallContext, response: Response
    ) -> Response:
        for hook in hooks:
            ctx.extras = {"response": response}
            replaced = await hook.call(ctx)
            if replaced is not None:
                response = (
                    replaced
                    if isinstance(replaced, Response)
                    else await convert(
                        replaced, request_for(replaced, ctx, self.converters), self.converters
                    )
                )
        return response

    async def _cleanup(self, ctx: CallContext, exc: BaseException | None) -> None:
        try:
            await ctx.aclose(exc)
        finally:
            request = ctx.request_if_made
            close = getattr(request, "close", None)
            if close is not None and not isinstance(request, WebSocket):
                await close()

    def _stamp(self, scope: dict[str, Any], response: Response, request_id: bytes) -> None:
        """Mark an answer about to start: its request id, then what the edges add."""
        headers = response.raw_headers
        headers.append((b"x-request-id", request_id))
        for edge in self.edges:
            edge.finish(scope, headers)

    # --- errors -----------------------------------------------------------------------------

    async def _no_route(
        self, scope: dict[str, Any], receive: Any, send: Any, request_id: bytes, path: str
    ) -> None:
        target = self.router.redirect_for(path)
        if target is not None:
            query = scope.get("query_string", b"")
            location = scope.get("root_path", "") + target
            if query:
                location += "?" + query.decode("latin-1")
            response = RedirectResponse(location, status_code=308)
            self._stamp(scope, response, request_id)
            await response(scope, receive, send)
            return
        ctx = CallContext(scope, receive, _EMPTY, self.limits)
        await self._fail(scope, receive, send, ctx, self._app_scopes, NotFound(), request_id)

    async def _no_method(
        self,
        scope: dict[str, Any],
        receive: Any,
        send: Any,
        request_id: bytes,
        table: Mapping[str, Endpoint],
        params: dict[str, Any],
    ) -> None:
        method = scope["method"]
        if method == "HEAD" and "GET" in table:
            endpoint = table["GET"]
            scope["trellis.route_name"] = endpoint.name
            ctx = CallContext(scope, receive, params, self.limits)
            await self._respond(endpoint, ctx, send, request_id)
            return
        allowed = set(table)
        if "GET" in allowed:
            allowed.add("HEAD")
        allowed.add("OPTIONS")
        allow = ", ".join(sorted(allowed))
        if method == "OPTIONS":
            response = Response(status_code=204, headers={"Allow": allow})
            self._stamp(scope, response, request_id)
            await response(scope, receive, send)
            return
        ctx = CallContext(scope, receive, _EMPTY, self.limits)
        scopes = next(iter(table.values())).scopes
        refusal = MethodNotAllowed(sorted(allowed))
        await self._fail(scope, receive, send, ctx, scopes, refusal, request_id)

    async def _early_error(
        self, scope: dict[str, Any], receive: Any, send: Any, exc: HTTPException
    ) -> None:
        request_id = scope.get("trellis.request_id") or self.new_request_id()
        scope["trellis.request_id"] = request_id
        response = error_response(
            exc, scope["headers"], request_id.decode(), instance=scope.get("path")
        )
        self._stamp(scope, response, request_id)
        await response(scope, receive, send)

    async def _fail(
        self,
        scope: dict[str, Any],
        receive: Any,
        send: Any,
        ctx: CallContext,
        scopes: tuple[Any, ...],
        exc: Exception,
        request_id: bytes,
        after: tuple[CallPlan, ...] | None = None,
    ) -> None:
        """Answer an exception: a registered error handler, the error page, or the 500 page.

        After-request hooks see handled errors (4xx pages, error-handler answers), not a 500
        from an unhandled exception.
        """
        unhandled: Exception | None = None
        try:
            response = await self.errors.answer(ctx, scopes, exc, request_id)
            hooks = self._app_after if after is None else after
            if hooks:
                response = await self._after(hooks, ctx, response)
        except Exception as error:
            unhandled = error
            response = self.errors.server_error(scope, error, request_id)
        self._stamp(scope, response, request_id)
        try:
            await response(scope, receive, send)
        finally:
            await self._cleanup(ctx, exc)
        if unhandled is not None and scope.get("trellis.raise_server_exceptions"):
            raise unhandled

    def guard(self, app: ASGIApp, edges: tuple[Edge, ...] = ()) -> ASGIApp:
        """Wrap the middleware stack so an exception escaping a middleware still gets a 500 page,
        and run the app's edges around it: admitted before any middleware sees the scope, their
        headers on whatever answers (the handler or a middleware)."""
        dispatcher = self

        async def guarded(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                if scope["type"] == "websocket" and _refused_websocket(edges, scope):
                    await send(_WEBSOCKET_REFUSAL)
                    return
                await app(scope, receive, send)
                return
            for edge in edges:
                refusal = edge.admit(scope)
                if refusal is not None:
                    await refusal(scope, receive, send)
                    return
            started = False

            async def tracking_send(message: dict[str, Any]) -> None:
                nonlocal started
                if message["type"] == "http.response.start":
                    started = True
                    # A middleware answered before the dispatcher ran: the request id too.
                    unstamped = "trellis.request_id" not in scope
                    if edges or unstamped:
                        headers = list(message.get("headers") or ())
                        if unstamped:
                            rid = scope["trellis.request_id"] = dispatcher.request_id_of(scope)
                            headers.append((b"x-request-id", rid))
                        for edge in edges:
                            edge.finish(scope, headers)
                        message["headers"] = headers
                await send(message)

            try:
                await app(scope, receive, tracking_send)
            except Exception as exc:
                rid = scope.get("trellis.request_id") or dispatcher.new_request_id()
                if not started:
                    response = dispatcher.errors.server_error(scope, exc, rid)
                    response.raw_headers.append((b"x-request-id", rid))
                    for edge in edges:
                        edge.finish(scope, response.raw_headers)
                    await response(scope, receive, send)
                else:
                    dispatcher.errors.server_error(scope, exc, rid)
                if scope.get("trellis.raise_server_exceptions") or started:
                    raise

        return guarded

    # --- websockets and lifespan ------------------------------------------------------------

    async def websocket(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if self.edges and _refused_websocket(self.edges, scope):
            await send(_WEBSOCKET_REFUSAL)
            return
        path = _route_path(scope["path"], scope.get("root_path") or "")
        found = self.router.lookup(path, websocket=True)
        if found is None:
            await send(
                {"type": "websocket.close", "code": 1008, "reason": "No such websocket route"}
            )
            return
        table, params = found
        endpoint: Endpoint = next(iter(table.values()))
        websocket = WebSocket(scope, receive, send)
        ctx = CallContext(scope, receive, params, self.limits, request=websocket)
        error: BaseException | None = None
        try:
            await endpoint.plan.call(ctx)
        except WebSocketDisconnect:
            pass
        except Exception as exc:
            error = exc
            logger.error("Unhandled exception in websocket %s", scope.get("path"), exc_info=exc)
            await websocket.close(1011, "Internal error")
            if scope.get("trellis.raise_server_exceptions"):
                raise
        finally:
            await ctx.aclose(error)

    async def lifespan(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        message = await receive()
        assert message["type"] == "lifespan.startup"
        try:
            for func in self._lifespan_funcs("startup_hooks"):
                await _call_hook(func)
        except BaseException as exc:
            logger.exception("Application start-up failed")
            await send(
                {"type": "lifespan.startup.failed", "message": f"{type(exc).__name__}: {exc}"}
            )
            if scope.get("trellis.raise_server_exceptions"):
                raise
            return
        if self.gc_freeze:
            freeze_startup_heap()
        await send({"type": "lifespan.startup.complete"})
        message = await receive()
        try:
            for func in reversed(self._lifespan_funcs("shutdown_hooks")):
                await _call_hook(func)
        except BaseException as exc:
            logger.exception("Application shutdown failed")
            await send(
                {"type": "lifespan.shutdown.failed", "message": f"{type(exc).__name__}: {exc}"}
            )
            return
        await send({"type": "lifespan.shutdown.complete"})

    def _lifespan_funcs(self, attr: str) -> list[Any]:
        funcs: list[Any] = []
        for collector in self.app.iter_collectors():
            funcs.extend(getattr(collector, attr))
        return funcs


# Closing before accepting makes the server answer the handshake with 403.
_WEBSOCKET_REFUSAL = {"type": "websocket.close", "code": 1008, "reason": "Refused"}


_heap_frozen = False


def freeze_startup_heap() -> None:
    """``gc.collect()`` then ``gc.freeze()``, the first time an app in this process starts.

    What start-up made lives as long as the process, yet every full collection walks it again:
    measured under granian on the database benchmark, that was 15-25% of a request.  Frozen,
    it is never scanned (nor, in a forked worker, written to).  Only once per process: a test
    run starting many apps would otherwise freeze each test's leftovers for good.
    """
    global _heap_frozen
    if not _heap_frozen:
        _heap_frozen = True
        gc.collect()
        gc.freeze()


def _refused_websocket(edges: tuple[Edge, ...], scope: dict[str, Any]) -> bool:
    return any(edge.admit(scope) is not None for edge in edges)


def _result_plan(plan: CallPlan, options: Mapping[str, Any]) -> ResultPlan:
    return plan_result(
        plan.name,
        plan.returns,
        response_model=options.get("response_model", UNSET),
        status_code=options.get("status_code"),
    )


def _route_path(path: str, root_path: str) -> str:
    """The path the routes see: ASGI servers include the mount point (``root_path``) in ``path``."""
    if root_path and path.startswith(root_path):
        rest = path[len(root_path) :]
        if not rest or rest.startswith("/"):
            return rest or "/"
    return path


async def _call_hook(func: Any) -> None:
    from trellis.concurrency import run_sync

    if inspect.iscoroutinefunction(func):
        await func()
    else:
        result = await run_sync(func)
        if inspect.isawaitable(result):
            await result


def _pattern_params(pattern: str) -> dict[str, Any]:
    """Parameter name -> the Python type its built-in converter produces (None for custom ones),
    so a handler annotated with that very type is not validated a second time."""
    return {
        segment.name: _CONVERTER_TYPES.get(segment.converter)
        for segment in parse_pattern(pattern).segments
        if isinstance(segment, PatternParam)
    }
