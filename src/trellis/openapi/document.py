"""The OpenAPI 3.1 document, built from what the dispatcher runs.

Every operation is read from the app's compiled endpoints (``app.startup_freeze()``): the same
parameter plans that fill the handler describe its parameters and request body, and the same
result plan that filters its answer describes its response.  Nothing is declared twice, so the
document cannot drift from the behaviour.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator, Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, get_origin

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from trellis.dispatch import Endpoint, Operation
from trellis.handlers import CallPlan, ParamPlan
from trellis.middleware.errors import PROBLEM_MEDIA_TYPE
from trellis.openapi.models import Problem, ValidationProblem
from trellis.openapi.params import model_fields, path_schema
from trellis.openapi.schemas import Schemas
from trellis.openapi.security import SecurityResolver
from trellis.params import MISSING
from trellis.results import Template
from trellis.routing.patterns import Param as PatternParam
from trellis.routing.patterns import parse_pattern

if TYPE_CHECKING:
    from trellis.app import App
    from trellis.openapi.battery import OpenAPI

__all__ = ["build_document", "openapi_path"]

_REQUEST_SOURCES = frozenset({"query", "header", "cookie", "form", "file", "body"})
_STREAMS = ("Iterator", "Iterable", "Generator", "AsyncIterator", "AsyncIterable", "AsyncGenerator")
_NONE = type(None)


def openapi_path(pattern: str) -> str:
    """``/users/<int:id>`` -> ``/users/{id}``."""
    parts = []
    for segment in parse_pattern(pattern).segments:
        parts.append(f"{{{segment.name}}}" if isinstance(segment, PatternParam) else segment.value)
    return "/" + "/".join(parts)


def build_document(app: App, config: OpenAPI) -> dict[str, Any]:
    """The whole document as plain JSON-ready data."""
    dispatcher = app.startup_freeze()
    builder = _Builder(app, config)
    paths: dict[str, dict[str, Any]] = {}
    for entry in dispatcher.router:
        endpoint = entry.target
        if entry.websocket or not isinstance(endpoint, Endpoint):
            continue
        documented = _documented_methods(endpoint)
        for method in documented:
            operation = endpoint.operations[method]
            if operation.options.get("include_in_schema", True) is False:
                continue
            item = paths.setdefault(openapi_path(endpoint.route.path), {})
            item[method.lower()] = builder.operation(endpoint, operation, len(documented) > 1)
    document: dict[str, Any] = {"openapi": "3.1.0", "info": config.info(app)}
    if config.servers:
        document["servers"] = [dict(s) for s in config.servers]
    document["paths"] = paths
    schemes = builder.security.components()
    if schemes:
        document["components"] = {"securitySchemes": schemes}
    if builder.security.default:
        document["security"] = builder.security.default
    tags = builder.tags()
    if tags:
        document["tags"] = tags
    resolved = builder.schemas.resolve(document)
    return _deep_merge(resolved, config.extra) if config.extra else resolved


def _documented_methods(endpoint: Endpoint) -> list[str]:
    methods: list[str] = [m for m in endpoint.operations if m not in ("HEAD", "OPTIONS")]
    extra: list[str] = [m for m in ("HEAD", "OPTIONS") if m in endpoint.operations and not methods]
    return sorted(methods + extra, key=_METHOD_ORDER.index)


_METHOD_ORDER = ["GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"]


class _Builder:
    def __init__(self, app: App, config: OpenAPI) -> None:
        self.config = config
        self.schemas = Schemas()
        self.security = SecurityResolver(app, config.all_security_schemes(app), config.security)
        self.operation_ids: set[str] = set()
        self.used_tags: list[str] = []

    # --- one operation -------------------------------------------------------------------

    def operation(self, endpoint: Endpoint, op: Operation, several: bool) -> dict[str, Any]:
        options = op.options
        plan = op.plan
        where = f"route {endpoint.route.path!r} ({op.method})"
        out: dict[str, Any] = {}
        tags = options.get("tags")
        if tags is None:
            prefix = endpoint.name.rpartition(".")[0]
            tags = [prefix] if prefix else []
        if tags:
            out["tags"] = list(tags)
            self.used_tags.extend(t for t in tags if t not in self.used_tags)
        summary, description = _docstring(plan.func)
        out["summary"] = options.get("summary") or summary or _humanise(plan.func)
        description = options.get("description") or description
        if description:
            out["description"] = description
        out["operationId"] = self._operation_id(options, endpoint.name, op.method, several)
        params = list(_all_params(plan))
        parameters = self._parameters(endpoint.route.path, params)
        parameters.extend(_declared_parameters(plan, parameters))
        if parameters:
            out["parameters"] = parameters
        body = self._request_body(params, _declared_form_fields(plan))
        if body is not None:
            out["requestBody"] = body
        security = self.security.for_operation(plan, options.get("security"), where)
        secured = any(security) if security is not None else bool(self.security.default)
        out["responses"] = self._responses(op, params, secured)
        if options.get("deprecated"):
            out["deprecated"] = True
        if security is not None:
            out["security"] = security
        extra = options.get("openapi_extra")
        return _deep_merge(out, extra) if extra else out

    def _operation_id(
        self, options: Mapping[str, Any], name: str, method: str, several: bool
    ) -> str:
        wanted = options.get("operation_id") or (f"{name}_{method.lower()}" if several else name)
        candidate, n = wanted, 2
        while candidate in self.operation_ids:
            candidate, n = f"{wanted}_{n}", n + 1
        self.operation_ids.add(candidate)
        return str(candidate)

    # --- parameters ----------------------------------------------------------------------

    def _parameters(self, path: str, params: list[ParamPlan]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        seen: set[tuple[str, str]] = set()
        converters = {
            s.name: s.converter for s in parse_pattern(path).segments if isinstance(s, PatternParam)
        }
        for param in params:
            source = param.source
            items: list[tuple[str, Any, bool, str | None]]
            if source == "path":
                schema: Any = (
                    self.schemas.of(param.adapter)
                    if param.adapter is not None
                    else path_schema(converters.get(param.key, "str"))
                )
                items = [(param.key, schema, True, None)]
            elif source in ("query", "header", "cookie"):
                if param.fields is not None:
                    items = [
                        (key, self.schemas.of(annotation), required, text)
                        for key, annotation, required, text in model_fields(param)
                    ]
                else:
                    extra = _default(param.default)
                    items = [
                        (
                            param.key,
                            self.schemas.of(param.adapter, extra=extra)
                            if param.adapter
                            else {"type": "string", **(extra or {})},
                            param.default is MISSING,
                            _description(param),
                        )
                    ]
            else:
                continue
            for key, schema, required, text in items:
                if (source, key) in seen:
                    continue
                seen.add((source, key))
                entry: dict[str, Any] = {"name": key, "in": source, "required": required}
                if text:
                    entry["description"] = text
                entry["schema"] = schema
                out.append(entry)
        return out

    def _request_body(
        self, params: list[ParamPlan], declared: dict[str, tuple[dict[str, Any], bool]]
    ) -> dict[str, Any] | None:
        body = [p for p in params if p.source == "body"]
        form = [p for p in params if p.source in ("form", "file")]
        if body:
            single = len(body) == 1 and not body[0].embed
            if single:
                param = body[0]
                schema: Any = self.schemas.of(param.adapter) if param.adapter else {}
                required = param.default is MISSING
            else:
                schema, required = self._object(body)
            out: dict[str, Any] = {"content": {"application/json": {"schema": schema}}}
            text = _description(body[0]) if single else None
            if text:
                out["description"] = text
            out["required"] = required
            return out
        if form or declared:
            schema, required = self._object(form)
            for name, (field_schema, needed) in declared.items():
                schema["properties"].setdefault(name, field_schema)
                if needed and name not in schema.get("required", ()):
                    schema.setdefault("required", []).append(name)
                    required = True
            media = (
                "multipart/form-data"
                if declared or any(p.source == "file" for p in form)
                else "application/x-www-form-urlencoded"
            )
            return {"content": {media: {"schema": schema}}, "required": required}
        return None

    def _object(self, params: list[ParamPlan]) -> tuple[dict[str, Any], bool]:
        properties: dict[str, Any] = {}
        required: list[str] = []
        for param in params:
            if param.fields is not None:
                for key, annotation, needed, _ in model_fields(param):
                    properties[key] = self.schemas.of(annotation)
                    if needed:
                        required.append(key)
                continue
            if param.source == "file":
                schema: Any = _BINARY
                if param.many:
                    schema = {"type": "array", "items": _BINARY}
            elif param.adapter is not None:
                schema = self.schemas.of(param.adapter)
            else:
                schema = {"type": "string"}
            properties[param.key] = schema
            if param.default is MISSING:
                required.append(param.key)
        obj: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            obj["required"] = required
        return obj, bool(required)

    # --- responses -----------------------------------------------------------------------

    def _responses(self, op: Operation, params: list[ParamPlan], secured: bool) -> dict[str, Any]:
        result = op.result
        returns = op.plan.returns
        status = result.status_code or (204 if returns is _NONE else 200)
        responses: dict[str, Any] = {str(status): self._success(op, status)}
        if secured:
            responses["401"] = self._problem("Unauthorized: credentials missing or not valid")
        if any(p.source == "path" for p in params):
            responses["404"] = self._problem("Not Found: no resource at this path")
        reads = any(p.source in _REQUEST_SOURCES for p in params)
        if reads:
            responses["400"] = self._problem("Bad Request: a malformed query string or body")
        if reads or any(p.source == "path" and p.adapter is not None for p in params):
            responses["422"] = {
                "description": "Validation failed: `errors` lists each value and why",
                "content": {PROBLEM_MEDIA_TYPE: {"schema": self.schemas.of(ValidationProblem)}},
            }
        for code, spec in (op.options.get("responses") or {}).items():
            responses[str(code)] = self._declared_response(code, spec)
        return dict(sorted(responses.items()))

    def _success(self, op: Operation, status: int) -> dict[str, Any]:
        out: dict[str, Any] = {"description": _phrase(status)}
        if status in (204, 304):
            return out
        content = self._content(op)
        if content:
            out["content"] = content
        return out

    def _content(self, op: Operation) -> dict[str, Any] | None:
        result = op.result
        if result.adapter is not None:
            return {
                "application/json": {"schema": self.schemas.of(result.adapter, "serialization")}
            }
        returns = op.plan.returns
        if isinstance(returns, type) and hasattr(returns, "media_type"):
            media = getattr(returns, "media_type", None)  # a Response class
            return {media: {}} if isinstance(media, str) else None
        annotation = result.annotation
        if annotation is None:
            return None
        if annotation in (str, bytes) or annotation is Template:
            return {"text/html": {"schema": {"type": "string"}}}
        origin = get_origin(annotation) or annotation
        if getattr(origin, "__name__", "") in _STREAMS:
            return {"text/html": {}}
        return {"application/json": {"schema": self.schemas.of(annotation, "serialization")}}

    def _problem(self, description: str, model: type[BaseModel] = Problem) -> dict[str, Any]:
        """An error answer: problem details for JSON clients, the HTML page for browsers.

        (A 422 is always JSON, so its entry lists the problem type alone.)
        """
        schema = self.schemas.of(model, "serialization")
        return {
            "description": description,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": schema}, "text/html": _HTML},
        }

    def _declared_response(self, code: Any, spec: Any) -> dict[str, Any]:
        """``responses=`` entries: a description, a model, or a response object (``model`` key)."""
        status = int(code) if str(code).isdigit() else None
        default = _phrase(status) if status else "Response"
        error = status is not None and status >= 400
        media = PROBLEM_MEDIA_TYPE if error else "application/json"
        if isinstance(spec, str):
            return self._problem(spec) if error else {"description": spec}
        if not isinstance(spec, Mapping):
            return {
                "description": default,
                "content": {media: {"schema": self.schemas.of(spec, "serialization")}},
            }
        out = {k: v for k, v in spec.items() if k != "model"}
        out.setdefault("description", default)
        if "model" in spec:
            schema = self.schemas.of(spec["model"], "serialization")
            out.setdefault("content", {})[spec.get("media_type", media)] = {"schema": schema}
            out.pop("media_type", None)
        return out

    def tags(self) -> list[dict[str, Any]]:
        declared = [dict(t) for t in self.config.tags or ()]
        names = {t.get("name") for t in declared}
        return declared + [{"name": t} for t in self.used_tags if t not in names]


_HTML: dict[str, Any] = {"schema": {"type": "string"}}
_BINARY = {"type": "string", "format": "binary", "contentMediaType": "application/octet-stream"}


#: A dependency that reads the request itself (pagination's ``limit``/``offset``) lists what it
#: reads in this attribute: OpenAPI parameter objects, added to each operation that uses it.
DECLARED_PARAMETERS = "__openapi_parameters__"


def _declared_parameters(plan: CallPlan, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen = {(p["in"], p["name"]) for p in found}
    out: list[dict[str, Any]] = []

    def walk(current: CallPlan) -> None:
        for param in current.params:
            if param.depends is None:
                continue
            for declared in getattr(param.depends.func, DECLARED_PARAMETERS, None) or ():
                key = (declared["in"], declared["name"])
                if key not in seen:
                    seen.add(key)
                    out.append(dict(declared))
            walk(param.depends)

    walk(plan)
    return out


#: Likewise for form fields a dependency reads itself (an ``Image`` upload): a mapping of field
#: name to ``(schema, required)``; the operation's body becomes ``multipart/form-data``.
DECLARED_FORM_FIELDS = "__openapi_form_fields__"


def _declared_form_fields(plan: CallPlan) -> dict[str, tuple[dict[str, Any], bool]]:
    out: dict[str, tuple[dict[str, Any], bool]] = {}
    for param in plan.params:
        if param.depends is not None:
            declared = getattr(param.depends.func, DECLARED_FORM_FIELDS, None) or {}
            for name, field in declared.items():
                out.setdefault(name, field)
            for name, field in _declared_form_fields(param.depends).items():
                out.setdefault(name, field)
    return out


def _all_params(plan: CallPlan) -> Iterator[ParamPlan]:
    """The plan's parameters and, depth first, those of its dependencies (each key once)."""
    for param in plan.params:
        if param.depends is not None:
            yield from _all_params(param.depends)
        else:
            yield param


def _default(value: Any) -> dict[str, Any] | None:
    """``{"default": value}`` for a parameter's default that JSON can show (None: no default)."""
    if value is MISSING or value is None:
        return None
    try:
        return {"default": to_jsonable_python(value)}
    except Exception:
        return None


def _description(param: ParamPlan) -> str | None:
    marker = param.marker
    text = getattr(marker, "description", None) if marker is not None else None
    return text if isinstance(text, str) else None


def _docstring(func: Any) -> tuple[str | None, str | None]:
    """(summary, description): the docstring's first line, and the rest."""
    doc = inspect.getdoc(func)
    if not doc:
        return None, None
    first, _, rest = doc.partition("\n")
    return first.strip() or None, rest.strip() or None


def _humanise(func: Any) -> str:
    """``list_items`` -> "List items"; a View's ``Items.post`` -> "Post items"."""
    name = str(getattr(func, "__name__", None) or "operation")
    owner = str(getattr(func, "__qualname__", "")).split(".")[-2:-1]
    if owner and owner[0][:1].isupper():
        name = f"{name}_{owner[0]}"
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name.replace("_", " "))
    words = " ".join(words.split())
    return words[:1].upper() + words[1:].lower()


def _phrase(status: int | None) -> str:
    try:
        return HTTPStatus(status or 200).phrase
    except ValueError:
        return "Response"


def _deep_merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out
