"""The example of docs/health.md runs: live, ready, and 503 when a probe fails."""

from __future__ import annotations

import importlib

from trellis.testing import TestClient


def test_health_example() -> None:
    example = importlib.import_module("docs.examples.health")
    with TestClient(example.app) as client:
        assert client.get("/health/live").json() == {"status": "ok"}
        ready = client.get("/health/ready")
        assert ready.status_code == 200
        assert set(ready.json()["checks"]) == {"database:default", "migrations:default", "search"}
        example.search_service["up"] = False
        try:
            down = client.get("/health/ready")
        finally:
            example.search_service["up"] = True
    assert down.status_code == 503
    assert down.json()["checks"]["search"]["detail"] == "the search service does not answer"
