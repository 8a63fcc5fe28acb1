"""The health battery: liveness, readiness from the probes batteries register, log filtering."""

from __future__ import annotations

import asyncio
import logging

import pytest

from trellis import App
from trellis.health import Health, HealthLogFilter
from trellis.probes import ProbeResult, run_probes
from trellis.testing import TestClient


def make(probes: dict[str, object], **options: object) -> TestClient:
    app = App()
    app.install(Health(**options))  # type: ignore[arg-type]
    for name, probe in probes.items():
        app.add_probe(name, probe)  # type: ignore[arg-type]
    return TestClient(app)


def test_live_answers_without_running_probes() -> None:
    calls: list[str] = []

    async def probe() -> bool:
        calls.append("ran")
        return False

    client = make({"thing": probe})
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["cache-control"] == "no-store"
    assert calls == []


def test_ready_is_200_when_every_probe_passes_and_names_them() -> None:
    async def yes() -> None:
        return None

    async def true() -> bool:
        return True

    response = make({"a": yes, "b": true}).get("/health/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"a", "b"}
    assert all(check["ok"] for check in body["checks"].values())


@pytest.mark.parametrize(
    ("outcome", "detail"),
    [
        (False, "not ready"),
        ("disk full", "disk full"),
        (ProbeResult(False, "replica lag 30 s"), "replica lag 30 s"),
    ],
)
def test_one_failing_probe_makes_ready_503(outcome: object, detail: str) -> None:
    async def good() -> bool:
        return True

    async def bad() -> object:
        return outcome

    response = make({"good": good, "bad": bad}).get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["good"]["ok"] is True
    assert body["checks"]["bad"] == {
        "ok": False,
        "detail": detail,
        "duration_ms": pytest.approx(body["checks"]["bad"]["duration_ms"]),
    }


def test_a_raising_or_hanging_probe_is_not_ready_never_a_500() -> None:
    async def raises() -> bool:
        raise ConnectionRefusedError("connection refused")

    async def hangs() -> bool:
        await asyncio.sleep(30)
        return True

    response = make({"raises": raises, "hangs": hangs}, timeout=0.05).get("/health/ready")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert "ConnectionRefusedError: connection refused" in checks["raises"]["detail"]
    assert "no answer within 0.05 s" in checks["hangs"]["detail"]


def test_paths_come_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRELLIS_HEALTH_READY_PATH", "/-/ready")
    client = make({})
    assert client.get("/-/ready").status_code == 200
    assert client.get("/health/ready").status_code == 404
    assert client.get("/health/live").status_code == 200


def test_probe_names_are_unique() -> None:
    async def probe() -> bool:
        return True

    app = App()
    app.add_probe("db", probe)
    with pytest.raises(Exception, match="already registered"):
        app.add_probe("db", probe)


def test_health_requests_are_dropped_from_access_logs() -> None:
    keep = HealthLogFilter(("/health/live", "/health/ready"))

    def record(message: str) -> logging.LogRecord:
        return logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, message, (), None)

    assert not keep.filter(record('127.0.0.1 - "GET /health/ready HTTP/1.1" 200'))
    assert keep.filter(record('127.0.0.1 - "GET /posts HTTP/1.1" 200'))
    app = App()
    app.install(Health())
    assert any(isinstance(f, HealthLogFilter) for f in logging.getLogger("uvicorn.access").filters)


async def test_run_probes_runs_them_concurrently() -> None:
    started: list[str] = []
    gate = asyncio.Event()

    async def first() -> bool:
        started.append("first")
        await gate.wait()
        return True

    async def second() -> bool:
        started.append("second")
        gate.set()  # only reachable if both run at once
        return True

    results = await run_probes({"first": first, "second": second}, timeout=2)
    assert started == ["first", "second"]
    assert all(r.ok for r in results.values())
