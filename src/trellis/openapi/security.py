"""Security schemes: which operations need credentials, and of what kind.

An operation's requirement comes from, in order: its ``security=`` route option (``[]`` marks it
public), else the dependencies it is filled with.  A battery that authenticates marks its
dependency once and every operation that asks for it is documented as secured::

    declare_security(app, CurrentUser, ["session", "bearer"])   # either one will do

or, without importing this module, sets ``__openapi_security__ = ["session", "bearer"]`` on the
provided type or the dependency function.  ``"session"`` (the session cookie) and ``"bearer"``
(``Authorization: Bearer``) are defined here; ``OpenAPI(security_schemes={...})`` and
``declare_security(..., schemes={...})`` define others.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from trellis.exceptions import ConfigurationError
from trellis.handlers import CallPlan

if TYPE_CHECKING:
    from trellis.app import App

__all__ = [
    "SECURITY_ATTRIBUTE",
    "Requirement",
    "SecurityResolver",
    "bearer_scheme",
    "cookie_scheme",
    "declare_security",
]

#: The attribute a dependency (type or function) may carry instead of ``declare_security``.
SECURITY_ATTRIBUTE = "__openapi_security__"
_REGISTRY = "openapi.security"

#: ``"bearer"``, or ``{"oauth": ["read"]}`` (a scheme and the scopes it needs).
Requirement = str | Mapping[str, Sequence[str]]


def bearer_scheme(
    bearer_format: str | None = None, description: str | None = None
) -> dict[str, Any]:
    """``Authorization: Bearer <token>``."""
    scheme: dict[str, Any] = {"type": "http", "scheme": "bearer"}
    if bearer_format:
        scheme["bearerFormat"] = bearer_format
    if description:
        scheme["description"] = description
    return scheme


def cookie_scheme(name: str, description: str | None = None) -> dict[str, Any]:
    """A credential carried in the cookie ``name`` (the session cookie)."""
    scheme: dict[str, Any] = {"type": "apiKey", "in": "cookie", "name": name}
    if description:
        scheme["description"] = description
    return scheme


def declare_security(
    app: App,
    dependency: Any,
    requirements: Sequence[Requirement],
    *,
    schemes: Mapping[str, Mapping[str, Any]] | None = None,
) -> None:
    """Document every operation filled by ``dependency`` as needing one of ``requirements``.

    ``dependency`` is a type given to ``app.provide`` or a function used with ``Depends``;
    ``schemes`` defines scheme names beyond ``"session"`` and ``"bearer"``.  It may be called
    before or after the OpenAPI battery is installed.
    """
    registry = app.extensions.setdefault(_REGISTRY, {"requirements": {}, "schemes": {}})
    registry["requirements"][dependency] = list(requirements)
    registry["schemes"].update({k: dict(v) for k, v in (schemes or {}).items()})


def _normalise(requirements: Sequence[Requirement], where: str) -> list[dict[str, list[str]]]:
    out: list[dict[str, list[str]]] = []
    for item in requirements:
        if isinstance(item, str):
            out.append({item: []})
        elif isinstance(item, Mapping):
            out.append({str(k): [str(s) for s in v] for k, v in item.items()})
        else:
            raise ConfigurationError(
                f"{where}: a security requirement is a scheme name or a "
                f'{{"scheme": [scopes]}} dict, got {item!r}'
            )
    return out


def _dependencies(plan: CallPlan) -> Iterator[Any]:
    """Every dependency function and provided type ``plan`` is filled with, depth first."""
    for param in plan.params:
        if param.depends is None:
            continue
        if param.annotation is not None:
            yield param.annotation
        func = param.depends.func
        yield func.func if isinstance(func, functools.partial) else func
        yield from _dependencies(param.depends)


class SecurityResolver:
    """The requirements of each operation, and the schemes the document ends up using."""

    def __init__(
        self,
        app: App,
        schemes: Mapping[str, Mapping[str, Any]],
        default: Sequence[Requirement] | None,
    ) -> None:
        registry = app.extensions.get(_REGISTRY) or {"requirements": {}, "schemes": {}}
        self.registered: dict[Any, list[Requirement]] = registry["requirements"]
        self.schemes: dict[str, dict[str, Any]] = {
            **registry["schemes"],
            **{name: dict(scheme) for name, scheme in schemes.items()},
        }
        self.default = _normalise(default, "OpenAPI(security=...)") if default else None
        self.used: set[str] = set()

    def for_operation(
        self, plan: CallPlan, option: Any, where: str
    ) -> list[dict[str, list[str]]] | None:
        """The operation's ``security`` (None: inherit the document's default)."""
        if option is not None:
            found = _normalise(option, where)
        else:
            found = []
            for dependency in _dependencies(plan):
                declared = self._declared(dependency)
                if declared:
                    found.extend(r for r in _normalise(declared, where) if r not in found)
            if not found:
                return None
        for requirement in found:
            self._use(requirement, where)
        return found

    def _declared(self, dependency: Any) -> Sequence[Requirement] | None:
        try:
            registered = self.registered.get(dependency)
        except TypeError:  # an unhashable annotation
            registered = None
        if registered is not None:
            return registered
        declared = getattr(dependency, SECURITY_ATTRIBUTE, None)
        return declared if isinstance(declared, list | tuple) else None

    def _use(self, requirement: Mapping[str, Any], where: str) -> None:
        for name in requirement:
            if name not in self.schemes:
                known = ", ".join(sorted(self.schemes)) or "none"
                raise ConfigurationError(
                    f"{where}: security scheme {name!r} is not defined (defined: {known}); "
                    "add it with OpenAPI(security_schemes={...}) or declare_security(schemes=...)"
                )
            self.used.add(name)

    def components(self) -> dict[str, dict[str, Any]]:
        """The schemes some operation (or the default) uses, for ``components.securitySchemes``."""
        for requirement in self.default or ():
            self._use(requirement, "OpenAPI(security=...)")
        return {name: self.schemes[name] for name in sorted(self.used)}
