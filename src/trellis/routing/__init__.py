"""Routing: patterns, converters, the trie router, route names and URL building, blueprints.

This package knows nothing of the app: it records declarations, matches decoded paths to
whatever targets the app stores, and builds URLs.
"""

from trellis.routing.blueprints import Blueprint, get_root_path, resolve_endpoint_name
from trellis.routing.converters import (
    DEFAULT_CONVERTERS,
    Converter,
    FloatConverter,
    IntConverter,
    PathConverter,
    SlugConverter,
    StringConverter,
    UUIDConverter,
)
from trellis.routing.patterns import Param, Pattern, Static, parse_pattern
from trellis.routing.registry import Include, ResolvedRoute, RouteCollector, RouteDef
from trellis.routing.router import WEBSOCKET_METHOD, RouteEntry, Router
from trellis.routing.routes import include, path
from trellis.routing.views import View, is_view_class, operation

__all__ = [
    "DEFAULT_CONVERTERS",
    "WEBSOCKET_METHOD",
    "Blueprint",
    "Converter",
    "FloatConverter",
    "Include",
    "IntConverter",
    "Param",
    "PathConverter",
    "Pattern",
    "ResolvedRoute",
    "RouteCollector",
    "RouteDef",
    "RouteEntry",
    "Router",
    "SlugConverter",
    "Static",
    "StringConverter",
    "UUIDConverter",
    "View",
    "get_root_path",
    "include",
    "is_view_class",
    "operation",
    "parse_pattern",
    "path",
    "resolve_endpoint_name",
]
