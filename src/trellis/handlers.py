"""Signature plans: a handler's parameters are read once, at start-up, and filled per request.

``build_plan`` turns a callable into a :class:`CallPlan` — a list of :class:`ParamPlan` saying where
each argument comes from (path, query, header, cookie, form, file, body, the request, a provider or a
``Depends``) and how it is validated (a pydantic ``TypeAdapter`` made once).  Nothing about the
handler is introspected per request.  A parameter that nothing can fill is a
:class:`~trellis.exceptions.ConfigurationError` at start-up naming the handler and the parameter.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from pathlib import PurePath
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from uuid import UUID

from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from trellis.concurrency import run_sync
from trellis.exceptions import BadRequest, ConfigurationError, RequestValidationError
from trellis.generators import Cleanup, enter_async, enter_sync, run_cleanups
from trellis.http.datastructures import UploadFile
from trellis.http.limits import DEFAULT_LIMITS, Limits
from trellis.http.request import Request
from trellis.http.websockets import WebSocket
from trellis.params import MISSING, Body, Cookie, Depends, File, Form, Header, Param, Query

__all__ = ["CallContext", "CallPlan", "ParamPlan", "build_plan", "describe"]

_SCALARS: tuple[type, ...] = (
    str,
    int,
    float,
    bool,
    bytes,
    Decimal,
    UUID,
    date,
    datetime,
    time,
    timedelta,
    PurePath,
    Enum,
)
_SEQUENCES = (list, tuple, set, frozenset)
_JSON_TYPES = ("application/json", "+json")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@dataclasses.dataclass(frozen=True, slots=True)
class FamilyProvider:
    """``app.provide(Base, factory, subclasses=True)``: ``factory(cls, ...)`` builds any subclass.

    The plan binds the annotated class as the factory's first argument when the signature is read,
    so nothing is looked up per request.
    """

    factory: Callable[..., Any]


def describe(func: Any) -> str:
    """``module.qualname`` of a handler, for error messages and ``trellis routes``."""
    target = func.func if hasattr(func, "func") and callable(func.func) else func
    module = getattr(target, "__module__", None) or "?"
    name = getattr(target, "__qualname__", None) or repr(target)
    return f"{module}.{name}"


class CallContext:
    """What one request (or websocket, or hook call) offers to the plans that fill arguments.

    The ``Request`` is made on first need, so a handler that asks for nothing never builds one.
    """

    __slots__ = (
        "_request",
        "cache",
        "cleanups",
        "extras",
        "limits",
        "params",
        "receive",
        "scope",
    )

    def __init__(
        self,
        scope: dict[str, Any],
        receive: Any,
        params: Mapping[str, Any],
        limits: Limits = DEFAULT_LIMITS,
        request: Request | WebSocket | None = None,
    ) -> None:
        self.scope = scope
        self.receive = receive
        self.params = params
        self.limits = limits
        self._request = request
        self.cache: dict[Any, Any] | None = None
        self.cleanups: list[Cleanup] | None = None
        self.extras: dict[str, Any] | None = None

    @property
    def request(self) -> Request:
        request = self._request
        if request is None:
            request = self._request = Request(self.scope, self.receive, limits=self.limits)
        return request  # type: ignore[return-value]

    @property
    def request_if_made(self) -> Request | WebSocket | None:
        return self._request

    async def aclose(self, exc: BaseException | None = None) -> None:
        """Run the cleanup of generator dependencies; the exception, if any, is passed to them."""
        cleanups, self.cleanups = self.cleanups, None
        if cleanups:
            await run_cleanups(cleanups, exc)


@dataclasses.dataclass(slots=True)
class ParamPlan:
    """Where one argument comes from and how it is checked.

    ``annotation`` is the type as validated (``Annotated`` constraints kept), ``marker`` the
    ``Query()``/``Header()``... that placed it (its description and examples feed the docs), and
    ``fields`` is set for a model gathered from a whole source (``Annotated[Filters, Query()]``):
    ``(key in the source, key in the model, many)`` per field.
    """

    name: str
    source: str  # path, request, websocket, query, header, cookie, form, file, body, depends, extra
    key: str
    adapter: TypeAdapter[Any] | None = None
    default: Any = MISSING
    many: bool = False
    depends: CallPlan | None = None
    use_cache: bool = True
    annotation: Any = None
    embed: bool = False
    marker: Param | None = None
    fields: tuple[tuple[str, str, bool], ...] | None = None


class CallPlan:
    """How to call one function: its parameters' plans, and whether it runs on the loop."""

    __slots__ = ("body_params", "func", "is_async", "is_generator", "name", "params", "returns")

    def __init__(
        self,
        func: Callable[..., Any],
        params: list[ParamPlan],
        name: str,
        *,
        dependency: bool = False,
        returns: Any = None,
    ) -> None:
        self.func = func
        self.params = tuple(params)
        self.name = name
        #: The return annotation (None when there is none): a response model, or documentation.
        self.returns = returns
        self.body_params = tuple(p for p in params if p.source == "body")
        # A generator *dependency* yields its value and cleans up later; a generator *handler*
        # is a streamed body, so it is called like any other function.
        self.is_generator = dependency and (
            inspect.isgeneratorfunction(func) or inspect.isasyncgenfunction(func)
        )
        call = getattr(func, "__call__", None)  # noqa: B004 - callable objects with async __call__
        self.is_async = (
            inspect.iscoroutinefunction(func)
            or (dependency and inspect.isasyncgenfunction(func))
            or (not inspect.isfunction(func) and inspect.iscoroutinefunction(call))
        )

    async def call(self, ctx: CallContext) -> Any:
        """Fill the arguments from ``ctx`` and call the function (sync ones in the thread pool)."""
        kwargs = await self.resolve(ctx) if self.params else {}
        if self.is_generator:
            return await self._enter_generator(ctx, kwargs)
        if self.is_async:
            return await self.func(**kwargs)
        return await run_sync(self.func, **kwargs)

    async def _enter_generator(self, ctx: CallContext, kwargs: dict[str, Any]) -> Any:
        enter = enter_async if self.is_async else enter_sync
        value, leave = await enter(self.func(**kwargs), self.name)
        if ctx.cleanups is None:
            ctx.cleanups = [leave]
        else:
            ctx.cleanups.append(leave)
        return value

    async def resolve(self, ctx: CallContext) -> dict[str, Any]:
        kwargs: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        body_value: Any = MISSING
        for param in self.params:
            source = param.source
            if source == "path":
                value = ctx.params[param.key]
                if param.adapter is not None:
                    value = _validate(param, value, errors)
                kwargs[param.name] = value
            elif source == "request":
                kwargs[param.name] = ctx.request
            elif source == "websocket":
                kwargs[param.name] = ctx.request_if_made
            elif source == "depends":
                kwargs[param.name] = await _call_dependency(param, ctx)
            elif source == "extra":
                kwargs[param.name] = (ctx.extras or {}).get(param.key)
            elif source == "body":
                if body_value is MISSING:
                    body_value = await _read_body(ctx.request)
                kwargs[param.name] = self._body_argument(param, body_value, errors)
            else:
                raw = await _raw_value(param, ctx)
                if raw is MISSING:
                    if param.default is MISSING:
                        errors.append(_error(param.source, param.key, "Field required", "missing"))
                    else:
                        kwargs[param.name] = param.default
                    continue
                kwargs[param.name] = raw if param.adapter is None else _validate(param, raw, errors)
        if errors:
            raise RequestValidationError(errors)
        return kwargs

    def _body_argument(self, param: ParamPlan, body: Any, errors: list[dict[str, Any]]) -> Any:
        if param.embed or len(self.body_params) > 1:
            body = body.get(param.key, MISSING) if isinstance(body, dict) else MISSING
        if body is MISSING:
            if param.default is not MISSING:
                return param.default
            field = param.key if (param.embed or len(self.body_params) > 1) else ""
            errors.append(_error("body", field, "Field required", "missing"))
            return None
        if param.adapter is None:
            return body
        try:
            return param.adapter.validate_python(body)
        except ValidationError as exc:
            prefix = param.key if (param.embed or len(self.body_params) > 1) else ""
            errors.extend(_pydantic_errors(exc, "body", prefix))
            return None


async def _call_dependency(param: ParamPlan, ctx: CallContext) -> Any:
    plan = param.depends
    assert plan is not None
    if param.use_cache:
        cache = ctx.cache
        if cache is None:
            cache = ctx.cache = {}
        elif plan.func in cache:
            return cache[plan.func]
        value = await plan.call(ctx)
        cache[plan.func] = value
        return value
    return await plan.call(ctx)


async def _raw_value(param: ParamPlan, ctx: CallContext) -> Any:
    source = param.source
    if param.fields is not None:
        return await _model_value(param, ctx)
    if source == "query":
        query = ctx.request.query
        if param.many:
            values = query.getlist(param.key)
            return values if values else MISSING
        return query.get(param.key, MISSING)
    if source == "header":
        headers = ctx.request.headers
        if param.many:
            values = headers.getlist(param.key)
            return values if values else MISSING
        return headers.get(param.key, MISSING)
    if source == "cookie":
        return ctx.request.cookies.get(param.key, MISSING)
    # form and file fields both come from the parsed form
    request = ctx.request
    if not isinstance(request, Request):
        return MISSING
    form = await request.form()
    if param.many:
        items: list[Any] = form.getlist(param.key)
        return items if items else MISSING
    value = form.get(param.key, MISSING)
    if source == "file" and value is not MISSING and not isinstance(value, UploadFile):
        return MISSING
    return value


async def _model_value(param: ParamPlan, ctx: CallContext) -> dict[str, Any]:
    """A model filled from a whole source: each of its fields read by key (lists for many)."""
    source = param.source
    container: Any
    if source == "query":
        container = ctx.request.query
    elif source == "header":
        container = ctx.request.headers
    elif source == "cookie":
        container = ctx.request.cookies
    else:
        request = ctx.request
        container = await request.form() if isinstance(request, Request) else {}
    data: dict[str, Any] = {}
    assert param.fields is not None
    for key, field, many in param.fields:
        if many and hasattr(container, "getlist"):
            values = container.getlist(key)
            if values:
                data[field] = values
        else:
            value = container.get(key, MISSING)
            if value is not MISSING:
                data[field] = value
    return data


async def _read_body(request: Request) -> Any:
    """The body as plain data: JSON by content type (or when none is given), else the form."""
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type.startswith(_FORM_TYPES):
        form = await request.form()
        data: dict[str, Any] = {}
        for key, value in form.items(multi=True):
            if key in data:
                existing = data[key]
                data[key] = [*existing, value] if isinstance(existing, list) else [existing, value]
            else:
                data[key] = value
        return data
    body = await request.body()
    if not body:
        return MISSING
    if content_type and not (content_type == "application/json" or content_type.endswith("+json")):
        raise BadRequest(f"Unsupported body content type {content_type!r}: send application/json")
    return await request.json()


def _validate(param: ParamPlan, value: Any, errors: list[dict[str, Any]]) -> Any:
    assert param.adapter is not None
    try:
        return param.adapter.validate_python(value)
    except ValidationError as exc:
        prefix = "" if param.fields is not None else param.key
        errors.extend(_pydantic_errors(exc, param.source, prefix))
        return None


def _error(location: str, field: str, message: str, kind: str) -> dict[str, Any]:
    return {"location": location, "field": field, "message": message, "type": kind}


def _pydantic_errors(exc: ValidationError, location: str, prefix: str) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors(include_url=False, include_context=False, include_input=False):
        parts = [prefix] if prefix else []
        parts.extend(str(p) for p in err["loc"])
        out.append(_error(location, ".".join(parts), err["msg"], err["type"]))
    return out


# --- building plans ------------------------------------------------------------------------------


def build_plan(
    func: Callable[..., Any],
    *,
    path_params: Mapping[str, Any] | frozenset[str] = frozenset(),
    providers: Mapping[Any, Any] | None = None,
    extras: Mapping[str, Any] | None = None,
    owner: str | None = None,
    dependency: bool = False,
    _seen: tuple[Any, ...] = (),
) -> CallPlan:
    """Read ``func``'s signature into a plan.

    ``path_params`` names the route's parameters; ``providers`` maps annotation types to factories
    (``app.provide``); ``extras`` maps names to types that the caller supplies itself (``response``
    for after-request hooks, ``exc`` for error handlers) — matched by name or by annotation.
    """
    providers = providers or {}
    extras = extras or {}
    owner = owner or describe(func)
    if func in _seen:
        raise ConfigurationError(f"{owner}: dependency cycle through {describe(func)}")
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"{owner}: cannot read the signature of {func!r}: {exc}") from exc
    hints = _type_hints(func, owner)
    plans: list[ParamPlan] = []
    for parameter in signature.parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise ConfigurationError(
                f"{owner}: parameter {parameter.name!r} is *args/**kwargs, which Trellis cannot "
                "fill; name each parameter"
            )
        if parameter.kind is parameter.POSITIONAL_ONLY:
            raise ConfigurationError(
                f"{owner}: parameter {parameter.name!r} is positional-only; Trellis passes "
                "arguments by name"
            )
        annotation = hints.get(parameter.name, parameter.annotation)
        plans.append(
            _plan_parameter(
                parameter, annotation, path_params, providers, extras, owner, (*_seen, func)
            )
        )
    return CallPlan(func, plans, owner, dependency=dependency, returns=hints.get("return"))


def _type_hints(func: Callable[..., Any], owner: str) -> dict[str, Any]:
    target: Any = func.func if isinstance(func, functools.partial) else func
    if not (inspect.isfunction(target) or inspect.ismethod(target)):
        target = getattr(func, "__call__", func)  # noqa: B004
    try:
        return typing.get_type_hints(target, include_extras=True)
    except Exception as exc:
        raise ConfigurationError(
            f"{owner}: cannot resolve the type hints ({exc}); import the names the annotations use"
        ) from exc


def _plan_parameter(
    parameter: inspect.Parameter,
    annotation: Any,
    path_params: Mapping[str, Any] | frozenset[str],
    providers: Mapping[Any, Any],
    extras: Mapping[str, Any],
    owner: str,
    seen: tuple[Any, ...],
) -> ParamPlan:
    name = parameter.name
    base, metadata = _unwrap_annotated(annotation)
    marker = next((m for m in metadata if isinstance(m, Param | Depends)), None)
    # Other metadata (``Field(ge=1)``, ``StringConstraints``, validators) stays on the validated
    # type, so ``Annotated[int, Field(ge=1)]`` is checked wherever the value comes from.
    extra = tuple(m for m in metadata if not isinstance(m, Param | Depends))
    typed = Annotated[(base, *extra)] if extra else base
    default = parameter.default
    if isinstance(default, Param | Depends):
        marker, default = default, MISSING
    if default is inspect.Parameter.empty:
        default = MISSING
    if isinstance(marker, Param) and marker.default is not MISSING:
        default = marker.default

    def sub_plan(dependency: Callable[..., Any]) -> CallPlan:
        return build_plan(
            dependency,
            path_params=path_params,
            providers=providers,
            extras=extras,
            owner=f"{owner} -> {describe(dependency)}",
            dependency=True,
            _seen=seen,
        )

    if isinstance(marker, Depends):
        dep = marker.dependency
        return ParamPlan(
            name,
            "depends",
            name,
            depends=sub_plan(dep),
            use_cache=marker.use_cache,
            annotation=annotation,
        )
    if name in path_params and marker is None:
        produced = path_params.get(name) if isinstance(path_params, Mapping) else None
        if base is str and produced not in (None, str):
            raise ConfigurationError(
                f"{owner}: parameter {name!r} is annotated str but its route converter produces "
                f"{produced.__name__}; annotate it {produced.__name__} or use a str converter"
            )
        skip = not extra and (
            base in (inspect.Parameter.empty, Any, str)
            or (produced is not None and base is produced)
        )
        adapter = None if skip else _adapter(typed, {})
        shown = produced if base in (inspect.Parameter.empty, Any) else typed
        return ParamPlan(name, "path", name, adapter=adapter, annotation=shown)
    untyped = base is inspect.Parameter.empty or base is Any
    if _is_subclass(base, Request) or (name == "request" and untyped):
        return ParamPlan(name, "request", name)
    if _is_subclass(base, WebSocket) or (name == "websocket" and untyped):
        return ParamPlan(name, "websocket", name)
    for extra_name, extra_type in extras.items():
        if name == extra_name or (extra_type is not None and _is_subclass(base, extra_type)):
            return ParamPlan(name, "extra", extra_name)
    provider = _find_provider(base, providers)
    if provider is not None and marker is None:
        return ParamPlan(name, "depends", name, depends=sub_plan(provider), annotation=base)
    # A type may say how to fill a parameter of its own (``avatar: Image``): the hook returns
    # a dependency, planned here once like any other.
    fills_itself = next(
        (
            hook
            for arg in _non_none(base)
            if isinstance(arg, type) and (hook := getattr(arg, "__trellis_parameter__", None))
        ),
        None,
    )
    if fills_itself is not None and marker is None:
        dependency = fills_itself(name, default, metadata)
        return ParamPlan(name, "depends", name, depends=sub_plan(dependency), annotation=base)
    if isinstance(marker, Param):
        return _source_plan(name, base, typed, marker, default, owner)
    if _is_upload(base):
        return _source_plan(name, base, typed, File(), default, owner)
    if _is_body_model(base):
        return ParamPlan(
            name, "body", name, adapter=_adapter(typed, {}), default=default, annotation=typed
        )
    if base is inspect.Parameter.empty or _is_scalar(base) or _is_scalar_sequence(base):
        return _source_plan(name, base, typed, Query(), default, owner)
    raise ConfigurationError(
        f"{owner}: parameter {name!r} ({_type_name(base)}) cannot be filled: it is not a path "
        "parameter, a query scalar, a request body model, or a type with a provider. Use "
        f"Depends(...), app.provide({_type_name(base)}, factory), or Annotated[..., Query()/Header()/"
        "Body()] to say where it comes from"
    )


def _source_plan(
    name: str, base: Any, typed: Any, marker: Param, default: Any, owner: str
) -> ParamPlan:
    source = marker.location
    key = marker.alias or name
    if isinstance(marker, Header) and marker.alias is None:
        key = name.replace("_", "-") if marker.convert_underscores else name
    if isinstance(marker, Header):
        key = key.lower()
    many = _is_scalar_sequence(base) or _is_upload_sequence(base)
    if isinstance(marker, Body):
        adapter = None if base is inspect.Parameter.empty else _adapter(typed, marker.constraints)
        return ParamPlan(
            name, "body", key, adapter, default, embed=marker.embed, annotation=typed, marker=marker
        )
    if isinstance(marker, Query | Cookie | Form) and _is_upload(base):
        raise ConfigurationError(f"{owner}: parameter {name!r} is an upload; use File()")
    if not isinstance(marker, File) and _is_fields_model(base):
        fields = _model_fields(base, marker)
        return ParamPlan(
            name,
            source,
            name,
            _adapter(typed, marker.constraints),
            default,
            annotation=typed,
            marker=marker,
            fields=fields,
        )
    needs_adapter = (
        base not in (inspect.Parameter.empty, Any, str) or bool(marker.constraints) or typed != base
    )
    if isinstance(marker, File) and not marker.constraints:
        needs_adapter = False
    target = str if base is inspect.Parameter.empty else typed
    adapter = _adapter(target, marker.constraints) if needs_adapter else None
    return ParamPlan(
        name, source, key, adapter, default, many=many, annotation=target, marker=marker
    )


def is_typeddict(annotation: Any) -> bool:
    """A TypedDict class from ``typing`` or ``typing_extensions`` (pydantic wants the latter
    before Python 3.12, and ``typing.is_typeddict`` does not know it)."""
    return (
        isinstance(annotation, type)
        and issubclass(annotation, dict)
        and hasattr(annotation, "__required_keys__")
    )


def _is_fields_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and (
        issubclass(annotation, BaseModel)
        or dataclasses.is_dataclass(annotation)
        or is_typeddict(annotation)
    )


def _model_fields(model: type, marker: Param) -> tuple[tuple[str, str, bool], ...]:
    """``(key in the source, key in the model, many)`` for each field of a parameter model."""
    if issubclass(model, BaseModel):
        items = [(info.alias or name, info.annotation) for name, info in model.model_fields.items()]
    else:
        items = list(typing.get_type_hints(model).items())
    out = []
    for field_key, annotation in items:
        source_key = field_key
        if isinstance(marker, Header):
            converted = field_key.replace("_", "-") if marker.convert_underscores else field_key
            source_key = converted.lower()
        many = _is_scalar_sequence(_unwrap_annotated(annotation)[0])
        out.append((source_key, field_key, many))
    return tuple(out)


def _adapter(annotation: Any, constraints: Mapping[str, Any]) -> TypeAdapter[Any]:
    if constraints:
        annotation = Annotated[annotation, Field(**constraints)]
    return TypeAdapter(annotation)


def _unwrap_annotated(annotation: Any) -> tuple[Any, tuple[Any, ...]]:
    if get_origin(annotation) is Annotated:
        args = get_args(annotation)
        return args[0], tuple(args[1:])
    return annotation, ()


def _non_none(annotation: Any) -> list[Any]:
    origin = get_origin(annotation)
    if origin is Union or origin is getattr(__import__("types"), "UnionType", None):
        return [a for a in get_args(annotation) if a is not type(None)]
    return [annotation]


def _is_subclass(annotation: Any, cls: type) -> bool:
    return any(isinstance(a, type) and issubclass(a, cls) for a in _non_none(annotation))


def _is_scalar(annotation: Any) -> bool:
    for arg in _non_none(annotation):
        if get_origin(arg) is Literal:
            continue
        if arg is Any or (isinstance(arg, type) and issubclass(arg, _SCALARS)):
            continue
        return False
    return True


def _is_scalar_sequence(annotation: Any) -> bool:
    for arg in _non_none(annotation):
        if arg in _SEQUENCES:
            return True
        if get_origin(arg) in _SEQUENCES:
            inner = [a for a in get_args(arg) if a is not Ellipsis]
            return all(_is_scalar(_unwrap_annotated(a)[0]) for a in inner)
    return False


def _is_upload(annotation: Any) -> bool:
    return _is_subclass(annotation, UploadFile)


def _is_upload_sequence(annotation: Any) -> bool:
    for arg in _non_none(annotation):
        if get_origin(arg) in _SEQUENCES and any(_is_upload(a) for a in get_args(arg)):
            return True
    return False


def _is_body_model(annotation: Any) -> bool:
    for arg in _non_none(annotation):
        if arg is dict or get_origin(arg) is dict:
            return True
        if isinstance(arg, type) and (
            issubclass(arg, BaseModel) or dataclasses.is_dataclass(arg) or is_typeddict(arg)
        ):
            return True
        if get_origin(arg) in (list, dict) and any(_is_body_model(a) for a in get_args(arg)):
            return True
    return False


def _find_provider(annotation: Any, providers: Mapping[Any, Callable[..., Any]]) -> Any:
    if not providers:
        return None
    for arg in (annotation, *_non_none(annotation)):
        if not isinstance(arg, type):
            if arg in providers:
                return providers[arg]
            continue
        for cls in arg.__mro__:
            factory = providers.get(cls) if cls is not object else None
            if factory is not None:
                # A provider for a whole family (every Form subclass) is told which one to build.
                if isinstance(factory, FamilyProvider):
                    return functools.partial(factory.factory, arg)
                return factory
    return None


def _type_name(annotation: Any) -> str:
    if annotation is inspect.Parameter.empty:
        return "no annotation"
    return getattr(annotation, "__qualname__", None) or repr(annotation)
