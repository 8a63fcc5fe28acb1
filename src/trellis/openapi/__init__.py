"""OpenAPI 3.1 for Trellis apps: ``/openapi.json`` from the routes, and an interactive ``/docs``.

``app.install(OpenAPI(title="Shop", version="1.0.0"))``.  The document is built from the plans
that fill each handler and filter its answer (parameters, bodies, response models, status codes,
the 422 problem shape), tagged by Blueprint, described by docstrings.  See ``docs/openapi.md``.

Names load on first use, so importing the package costs nothing until one is needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from trellis.lazy import lazy_exports

if TYPE_CHECKING:
    from trellis.openapi.battery import OpenAPI, openapi_document
    from trellis.openapi.models import Problem, ValidationErrorItem, ValidationProblem
    from trellis.openapi.security import (
        SECURITY_ATTRIBUTE,
        bearer_scheme,
        cookie_scheme,
        declare_security,
    )
    from trellis.routing.views import operation

__all__ = [
    "SECURITY_ATTRIBUTE",
    "OpenAPI",
    "Problem",
    "ValidationErrorItem",
    "ValidationProblem",
    "bearer_scheme",
    "cookie_scheme",
    "declare_security",
    "openapi_document",
    "operation",
]

_WHERE = {
    "OpenAPI": "trellis.openapi.battery",
    "openapi_document": "trellis.openapi.battery",
    "Problem": "trellis.openapi.models",
    "ValidationErrorItem": "trellis.openapi.models",
    "ValidationProblem": "trellis.openapi.models",
    "SECURITY_ATTRIBUTE": "trellis.openapi.security",
    "bearer_scheme": "trellis.openapi.security",
    "cookie_scheme": "trellis.openapi.security",
    "declare_security": "trellis.openapi.security",
    "operation": "trellis.routing.views",
}

__getattr__ = lazy_exports(__name__, _WHERE)


def __dir__() -> list[str]:
    return sorted(__all__)
