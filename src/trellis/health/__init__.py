"""Health endpoints: ``/health/live`` (the process answers) and ``/health/ready`` (it can serve).

``app.install(Health())`` adds both routes.  Readiness runs every probe the installed batteries
registered with ``app.add_probe`` (database pings, migrations applied, Redis) and answers 200 or 503
with one JSON document naming each probe, so a load balancer takes a worker out of rotation while
its database is down and puts it back when the database returns.
"""

from __future__ import annotations

from trellis.health.battery import Health, HealthLogFilter

__all__ = ["Health", "HealthLogFilter"]
