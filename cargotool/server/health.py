"""`/healthz` (the process answers) and `/readyz` (Redis and the database answer)."""

from __future__ import annotations

import asyncio

from sanic import Blueprint, json

from . import bodies as B
from .schema import describe

bp = Blueprint("health")

CHECK_TIMEOUT = 2.0


async def _check(probe) -> str:
    try:
        await asyncio.wait_for(probe(), timeout=CHECK_TIMEOUT)
    except asyncio.TimeoutError:
        return "error: timed out"
    except Exception as exc:  # the type only: messages may carry connection URLs
        return f"error: {type(exc).__name__}"
    return "ok"


@bp.get("/healthz")
@describe("The process answers", responses={200: B.Health})
async def healthz(request):
    return json({"status": "ok"})


@bp.get("/readyz")
@describe("Redis and the database answer (503 names the failing part)", responses={200: B.Readiness, 503: B.Readiness})
async def readyz(request):
    services = request.app.ctx.services
    redis_state, db_state = await asyncio.gather(
        _check(services.redis.ping), _check(services.database.ping)
    )
    checks = {"redis": redis_state, "database": db_state}
    ready = all(state == "ok" for state in checks.values())
    checks["cargotech"] = services.upstream_label
    return json({"status": "ready" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)
