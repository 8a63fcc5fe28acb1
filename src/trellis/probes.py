"""Readiness probes: each installed battery says whether what it depends on answers.

A probe is an ``async`` callable with no arguments that returns ``True``/``None`` when ready, or
``False``, a reason string or a :class:`ProbeResult` when not; an exception or a timeout counts as
not ready with the error as the reason.  Batteries add theirs with ``app.add_probe(name, probe)``
(the database battery pings each database and compares its migrations); the health battery serves
them at ``/health/ready`` and ``trellis check`` runs the same ones from the command line, so an
operator and a load balancer see one answer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Probe", "ProbeResult", "run_probes"]


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What one probe found: ``ok``, a short reason when not, and how long it took in ms."""

    ok: bool
    detail: str = ""
    duration_ms: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"ok": self.ok, "duration_ms": round(self.duration_ms, 2)}
        if self.detail:
            found["detail"] = self.detail
        return found


Probe = Callable[[], Awaitable["bool | str | ProbeResult | None"]]


async def _run_one(probe: Probe, timeout: float) -> ProbeResult:
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            outcome = await probe()
    except TimeoutError:
        outcome = f"no answer within {timeout:g} s"
    except Exception as exc:
        outcome = f"{type(exc).__name__}: {exc}"
    elapsed = (time.perf_counter() - started) * 1000
    if isinstance(outcome, ProbeResult):
        return ProbeResult(outcome.ok, outcome.detail, elapsed)
    if outcome is None or outcome is True:
        return ProbeResult(True, "", elapsed)
    if outcome is False:
        return ProbeResult(False, "not ready", elapsed)
    return ProbeResult(False, str(outcome), elapsed)


async def run_probes(probes: Mapping[str, Probe], timeout: float = 5.0) -> dict[str, ProbeResult]:
    """Run every probe concurrently, each bounded by ``timeout`` seconds."""
    names = list(probes)
    results = await asyncio.gather(*(_run_one(probes[name], timeout) for name in names))
    return dict(zip(names, results, strict=True))
