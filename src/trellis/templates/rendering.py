"""Rendering: context assembly, whole templates or one block, async and sync.

A ``Template`` returned by a handler is rendered on the event loop, for ``async def`` and plain
``def`` handlers alike: rendering is CPU work on a cached, compiled template.  With an async
environment (the default) a template may await async values (an async iterator of rows, an
awaitable attribute); since Jinja2's async mode costs nearly twice the time of sync rendering,
a page that holds no async value is rendered by a guarded sync twin of the environment instead
(:mod:`trellis.templates.modes` decides).  Sync code without an event loop (a plain ``def``
handler in the thread pool, a CLI command) uses :func:`render_template`, served by that twin.

A template's variables, later ones winning: the environment's globals, then ``request`` and
``url_for`` (the request's, which knows the mount point and relative ``.names``), then what
context processors return, then the handler's own context.
"""

from __future__ import annotations

import weakref
from collections import ChainMap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2
from jinja2.runtime import new_context

from trellis.exceptions import ConfigurationError
from trellis.handlers import CallContext
from trellis.http.htmx import hx_vary
from trellis.http.limits import DEFAULT_LIMITS
from trellis.http.responses import HTMLResponse, Response
from trellis.results import Template
from trellis.templates.blocks import render_block, render_block_async
from trellis.templates.context import ContextProcessor
from trellis.templates.modes import NeedsAsync, needs_async, sync_twin

__all__ = ["Renderer", "render_response", "render_template", "render_template_async"]


class Renderer:
    """The built environment and context processors of one app (made by ``Templates`` at start-up)."""

    def __init__(
        self, env: jinja2.Environment, processors: list[ContextProcessor], folders: list[Path]
    ) -> None:
        self.env = env
        self.processors = processors
        self.folders = folders
        self._sync_env: jinja2.Environment | None = None
        self._sync_first = False  # render returned Templates with the sync twin when possible
        #: Sync-twin templates that met an async value once: rendered in async mode from then on.
        self._async_templates: weakref.WeakSet[jinja2.Template] = weakref.WeakSet()

    @property
    def sync_env(self) -> jinja2.Environment:
        """The environment itself, or (when it is async) its guarded sync twin.

        Made on first use, so that what batteries set on the environment after start-up is
        shared.  See :mod:`trellis.templates.modes`.
        """
        env = self._sync_env
        if env is None:
            if self.env.is_async:
                env, self._sync_first = sync_twin(self.env)
            else:
                env = self.env
            self._sync_env = env
        return env

    def _load(self, env: jinja2.Environment, name: str | Sequence[str]) -> jinja2.Template:
        try:
            return env.get_or_select_template(name)  # type: ignore[arg-type]
        except jinja2.TemplatesNotFound as exc:
            names = [t for t in exc.templates if t is not None]
            raise jinja2.TemplatesNotFound(names, self._not_found(names)) from None
        except jinja2.TemplateNotFound as exc:
            raise jinja2.TemplateNotFound(exc.name, self._not_found(exc.name)) from None

    def _not_found(self, name: Any) -> str:
        where = ", ".join(str(f) for f in self.folders) or "no folder"
        return f"template {name!r} not found; searched {where}"

    def _base(self, request: Any) -> dict[str, Any]:
        if request is None:
            return {}
        return {"request": request, "url_for": request.url_for}

    # --- async ----------------------------------------------------------------------------

    async def render_async(
        self, name: str | Sequence[str], context: dict[str, Any], request: Any, block: str | None
    ) -> str:
        variables = self._base(request)
        ctx: CallContext | None = None
        stopped: NeedsAsync | None = None
        try:
            for processor in self.processors:
                if processor.kind == "plan" and ctx is None and request is not None:
                    ctx = CallContext(
                        request.scope,
                        request.receive,
                        request.path_params,
                        getattr(request, "limits", DEFAULT_LIMITS),
                        request=request,
                    )
                values = await processor.run(request, ctx)
                if values:
                    variables.update(values)
            variables.update(context)
            env = self.env
            if not env.is_async:
                return self._render(env, self._load(env, name), block, variables)
            sync_env = self.sync_env
            if self._sync_first and not needs_async(variables.values()):
                template = self._load(sync_env, name)
                if template not in self._async_templates:
                    try:
                        return self._render(sync_env, template, block, variables)
                    except NeedsAsync as exc:
                        self._async_templates.add(template)
                        stopped = exc
            template = self._load(env, name)
            if block is not None:
                return await render_block_async(env, template, block, variables)
            return await template.render_async(variables)
        finally:
            if stopped is not None:
                stopped.discard()
            if ctx is not None:
                await ctx.aclose()

    async def respond(self, value: Template, request: Any) -> Response:
        """The response for a ``Template`` a handler returned."""
        body = await self.render_async(value.name, value.context, request, value.block)
        response = HTMLResponse(body, value.status_code, value.headers, value.media_type)
        # A view that looked at request.htmx may answer htmx and full-page requests differently;
        # caches must keep the two apart.
        if getattr(request, "_htmx", None) is not None:
            hx_vary(response)
        return response

    # --- sync -----------------------------------------------------------------------------

    @staticmethod
    def _render(
        env: jinja2.Environment, template: jinja2.Template, block: str | None, variables: Any
    ) -> str:
        if block is not None:
            return render_block(env, template, block, variables)
        return render_whole(template, variables)

    def render(
        self, name: str | Sequence[str], context: dict[str, Any], request: Any, block: str | None
    ) -> str:
        env = self.sync_env
        template = self._load(env, name)
        variables = self._base(request)
        for processor in self.processors:
            values = processor.run_sync(request)
            if values:
                variables.update(values)
        variables.update(context)
        return self._render(env, template, block, variables)


def _flat(globals_: Mapping[str, Any]) -> dict[str, Any]:
    """A template's globals as one dict.  Jinja2 keeps them as a ``ChainMap`` (the template's
    own over the environment's) and copies it for every render through ``ChainMap``'s Python
    methods, a call per key: 4 µs for the 13 globals an app has here.  Merging its maps is one
    C call each, and reads the same live dicts."""
    if type(globals_) is not ChainMap:
        return dict(globals_)
    flat: dict[str, Any] = {}
    for layer in reversed(globals_.maps):
        flat.update(layer)
    return flat


def render_whole(template: jinja2.Template, variables: dict[str, Any]) -> str:
    """``template.render(variables)`` for a sync environment, with the globals merged in at C
    speed (see :func:`_flat`) and ``variables`` copied once, not twice."""
    env = template.environment
    globals_ = _flat(template.globals)
    context = new_context(
        env, template.name, template.blocks, {**globals_, **variables}, True, globals_
    )
    try:
        return env.concat(template.root_render_func(context))
    except Exception:
        env.handle_exception()


def _battery(request_or_app: Any) -> tuple[Any, Any]:
    """``(templates battery, request or None)`` for a Request or an App."""
    if hasattr(request_or_app, "scope") and hasattr(request_or_app, "url_for"):
        request, app = request_or_app, request_or_app.scope.get("app")
    else:
        request, app = None, request_or_app
    extensions = getattr(app, "extensions", None)
    battery = extensions.get("templates") if isinstance(extensions, dict) else None
    if battery is None:
        raise ConfigurationError(
            "render_template needs the templates battery: app.install(Templates())"
        )
    return battery, request


def render_template(
    request_or_app: Any, name: str | Sequence[str], /, *, block: str | None = None, **context: Any
) -> str:
    """Render a template to a string, for code that runs without an event loop.

    Pass the request inside a request (templates get ``request`` and the request's ``url_for``),
    or the app elsewhere (a command, an e-mail body); without a request, context processors
    that ask for one are skipped.  Inside ``async def`` code use :func:`render_template_async`.
    """
    battery, request = _battery(request_or_app)
    result: str = battery.render(name, context, request=request, block=block)
    return result


async def render_template_async(
    request_or_app: Any, name: str | Sequence[str], /, *, block: str | None = None, **context: Any
) -> str:
    """Render a template to a string from async code (what returning a ``Template`` does)."""
    battery, request = _battery(request_or_app)
    result: str = await battery.render_async(name, context, request=request, block=block)
    return result


async def render_response(request: Any, template: Template) -> Response:
    """The response a handler returning ``template`` would get, to change before returning it.

    ``hx_trigger(await render_response(request, Template(...)), "saved")`` adds htmx headers
    to a rendered page or fragment.
    """
    battery, request = _battery(request)
    response: Response = await battery.renderer.respond(template, request)
    return response
