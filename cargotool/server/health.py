"""`/healthz` (the process answers) and `/readyz`: Redis answers, the database answers and its schema is at
the latest migration, and a SQLite file takes writes (core/storage/readiness.py)."""

from __future__ import annotations

import asyncio

from sanic import Blueprint, json

from ..core.storage.readiness import schema_state, sqlite_writable
from . import bodies as B
from .schema import describe

bp = Blueprint("health")

CHECK_TIMEOUT = 2.0  # Redis, the schema, SQLite's write; the database's ping gets Database.ping_timeout


async def _check(probe, timeout: float = CHECK_TIMEOUT) -> str:
    try:
        answer = await asyncio.wait_for(probe(), timeout=timeout)
    except asyncio.TimeoutError:
        return "error: timed out"
    except Exception as exc:  # the type only: messages may carry connection URLs
        return f"error: {type(exc).__name__}"
    return answer if isinstance(answer, str) else "ok"


async def _database_checks(database) -> dict[str, str]:
    """"database" (it answers), "schema" (asked only when it answers) and, for SQLite, "writable" (asked
    always: a read-only disk also stops SQLite's reads in WAL mode, and is the reason to name)."""
    checks = {"database": await _check(database.ping, database.ping_timeout)}
    later = {"schema": lambda: schema_state(database)} if checks["database"] == "ok" else {}
    if not database.is_postgres:
        later["writable"] = lambda: sqlite_writable(database)
    states = await asyncio.gather(*(_check(probe) for probe in later.values()))
    return checks | {"schema": "error: the database does not answer"} | dict(zip(later, states, strict=True))


@bp.get("/healthz")
@describe("The process answers", responses={200: B.Health})
async def healthz(request):
    return json({"status": "ok"})


@bp.get("/readyz")
@describe("Redis and the database answer, the schema is current, SQLite takes writes (503 names the failing part)",
          responses={200: B.Readiness, 503: B.Readiness})
async def readyz(request):
    services = request.app.ctx.services
    redis_state, db_checks = await asyncio.gather(_check(services.redis.ping), _database_checks(services.database))
    checks = {"redis": redis_state, **db_checks}
    ready = all(state == "ok" for state in checks.values())
    checks["cargotech"] = services.upstream_label
    return json({"status": "ready" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)
